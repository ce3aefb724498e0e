// The format registry, ExportAll, and the merge of several results files.
#include <algorithm>
#include <set>

#include "base/file_util.h"
#include "reports/report.h"

namespace statebench {
namespace {

using Renderer = std::string (*)(const ResultsFile&);

struct Entry {
  ReportFormatInfo info;
  Renderer render;  // null for directory formats
};

const std::vector<Entry>& Entries() {
  static const std::vector<Entry> kEntries = {
      {{"console", "aligned text tables for a terminal", false},
       &RenderConsole},
      {{"md", "GitHub-flavoured Markdown (PR comment, step summary)", false},
       &RenderMarkdown},
      {{"html", "one self-contained HTML page with SVG charts", false},
       &RenderHtml},
      {{"json", "the results file re-serialized", false}, &RenderJson},
      {{"csv", "one row per run and metric", false}, &RenderCsv},
      {{"gbench",
        "Google Benchmark JSON, every repetition and its aggregates "
        "(compare.py)",
        false},
       &RenderGoogleBenchmarkJson},
      {{"gbench-aggregates",
        "Google Benchmark JSON, aggregates only (mean, median, stddev)", false},
       &RenderGoogleBenchmarkAggregatesJson},
      {{"gab-smaller",
        "github-action-benchmark customSmallerIsBetter (latencies)", false},
       &RenderGabSmaller},
      {{"gab-bigger",
        "github-action-benchmark customBiggerIsBetter (throughput)", false},
       &RenderGabBigger},
      {{"bmf", "Bencher Metric Format JSON", false}, &RenderBmf},
      {{"hgrm", "HdrHistogram percentile files, one per run and op kind", true},
       nullptr},
  };
  return kEntries;
}

const Entry* FindEntry(std::string_view name) {
  for (const Entry& e : Entries()) {
    if (e.info.name == name) return &e;
  }
  return nullptr;
}

std::string KnownFormats() {
  std::string out;
  for (const Entry& e : Entries()) {
    out += (out.empty() ? "" : ", ") + e.info.name;
  }
  return out;
}

Status WriteHgrmDirectory(const ResultsFile& results, const std::string& dir) {
  SB_RETURN_IF_ERROR(EnsureDirectory(dir, FileAccess::kShared));
  for (const HgrmFile& f : RenderHgrmFiles(results)) {
    SB_RETURN_IF_ERROR(WriteFileAtomically(dir + "/" + f.file_name, f.text,
                                           FileAccess::kShared));
  }
  return Status::Ok();
}

}  // namespace

const std::vector<ReportFormatInfo>& ReportFormats() {
  static const std::vector<ReportFormatInfo> kInfos = [] {
    std::vector<ReportFormatInfo> infos;
    for (const Entry& e : Entries()) infos.push_back(e.info);
    return infos;
  }();
  return kInfos;
}

std::vector<std::string> ReportFormatNames() {
  std::vector<std::string> names;
  for (const Entry& e : Entries()) names.push_back(e.info.name);
  return names;
}

Result<std::string> RenderReport(std::string_view format,
                                 const ResultsFile& results) {
  const Entry* e = FindEntry(format);
  if (e == nullptr) {
    return Status::InvalidArgument("unknown report format '" +
                                   std::string(format) +
                                   "'; known formats: " + KnownFormats());
  }
  if (e->render == nullptr) {
    return Status::InvalidArgument(
        "format '" + std::string(format) +
        "' writes one file per run and op kind; give it a directory "
        "(--output DIR) instead of printing it");
  }
  return e->render(results);
}

Status ExportAll(const ResultsFile& results,
                 const std::map<std::string, std::string>& format_to_path) {
  for (const auto& [format, path] : format_to_path) {
    if (FindEntry(format) == nullptr) {
      return Status::InvalidArgument("unknown export format '" + format +
                                     "'; known formats: " + KnownFormats());
    }
    if (path.empty()) {
      return Status::InvalidArgument("export format '" + format +
                                     "' has an empty path");
    }
  }
  for (const auto& [format, path] : format_to_path) {
    const Entry* e = FindEntry(format);
    Status s = e->render == nullptr
                   ? WriteHgrmDirectory(results, path)
                   : WriteFileAtomically(path, e->render(results),
                                         FileAccess::kShared);
    if (!s.ok()) return s.WithContext("export " + format + " to " + path);
  }
  return Status::Ok();
}

Result<ResultsFile> MergeResultsForReport(
    std::vector<ResultsFile> files, const std::vector<std::string>& origins) {
  if (files.empty()) {
    return Status::InvalidArgument("no results files to report on");
  }
  if (origins.size() != files.size()) {
    return Status::InvalidArgument(
        "internal: one origin per results file is needed");
  }
  // Files written before the summary's latency figures were of all
  // samples read the same as new ones.
  for (ResultsFile& f : files) {
    for (RunResult& run : f.runs) MergeLatencySummary(&run);
  }
  if (files.size() == 1) return std::move(files.front());
  // Runs that occur in more than one file record where they came from.
  std::map<std::string, std::set<size_t>> seen_in;
  for (size_t f = 0; f < files.size(); ++f) {
    for (const RunResult& run : files[f].runs) {
      seen_in[run.backend + "\n" + run.workload + "\n" + run.checkpoint_type]
          .insert(f);
    }
  }
  ResultsFile merged = std::move(files.front());
  for (RunResult& run : merged.runs) {
    if (seen_in[run.backend + "\n" + run.workload + "\n" + run.checkpoint_type]
            .size() > 1) {
      run.extra["source"] = origins[0];
    }
  }
  for (size_t f = 1; f < files.size(); ++f) {
    ResultsFile& next = files[f];
    for (RunResult& run : next.runs) {
      if (seen_in[run.backend + "\n" + run.workload + "\n" +
                  run.checkpoint_type]
              .size() > 1) {
        run.extra["source"] = origins[f];
      }
      merged.runs.push_back(std::move(run));
    }
    for (const std::string& w : next.context.warnings) {
      std::string tagged = origins[f] + ": " + w;
      if (std::find(merged.context.warnings.begin(),
                    merged.context.warnings.end(),
                    tagged) == merged.context.warnings.end()) {
        merged.context.warnings.push_back(tagged);
      }
    }
    if (merged.recommendation.is_null()) {
      merged.recommendation = std::move(next.recommendation);
    }
    if (merged.config.is_null() || merged.config.empty()) {
      merged.config = std::move(next.config);
    }
  }
  return merged;
}

}  // namespace statebench
