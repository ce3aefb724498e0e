// GitHub-flavoured Markdown: the HTML report's content as tables, short
// enough for a PR comment (GitHub caps those at 65536 characters) or
// $GITHUB_STEP_SUMMARY. Every text from the results file is escaped.
#include <fmt/format.h>

#include <set>

#include "reports/report.h"
#include "reports/report_util.h"

namespace statebench {
namespace {

using report::FindMetric;
using report::FormatBytes;
using report::FormatDurationMs;
using report::FormatDurationNs;
using report::MarkdownEscape;

// Above this the optional sections are dropped, largest first.
constexpr size_t kMaxBytes = 60 * 1024;

std::string Row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const std::string& c : cells) out += " " + c + " |";
  return out + "\n";
}

// `align` per column: 'l' or 'r'.
std::string Header(const std::vector<std::string>& cells,
                   const std::string& align) {
  std::string sep = "|";
  for (size_t i = 0; i < cells.size(); ++i) {
    sep += i < align.size() && align[i] == 'r' ? " --: |" : " --- |";
  }
  return Row(cells) + sep + "\n";
}

std::string Median(const RunResult& run, const std::string& metric,
                   std::string (*format)(double)) {
  const MetricSummary* s = FindMetric(run, metric);
  return s != nullptr ? format(s->median) : "-";
}

std::string RecoveryCell(const RunResult& run, std::string_view kind) {
  auto r = report::Recovery(run, kind);
  if (!r) return "-";
  std::string cell = FormatDurationMs(r->duration_ms.median);
  for (const std::string& v : r->verdicts) {
    if (report::NotableVerdict(v)) cell += " (" + MarkdownEscape(v) + ")";
  }
  return cell;
}

std::string Recommendation(const ResultsFile& results) {
  auto view = report::ReadRecommendation(results.recommendation);
  if (!view) return "";
  std::string out = "### Recommendation\n\n";
  if (!view->profile.empty()) {
    out += "For the requirements profile **" + MarkdownEscape(view->profile) +
           "**.\n\n";
  }
  if (!view->summary.empty()) out += MarkdownEscape(view->summary) + "\n\n";
  std::string tail;
  if (!view->what_would_change.empty()) {
    tail += "**What would change the answer:** " +
            MarkdownEscape(view->what_would_change) + "\n\n";
  }
  for (const std::string& n : view->notes) {
    tail += "- " + MarkdownEscape(n) + "\n";
  }
  if (!view->notes.empty()) tail += "\n";
  if (view->ranking.empty()) return out + tail;
  out += Header({"#", "backend", "score", "", "reasons"}, "rlrll");
  for (size_t i = 0; i < view->ranking.size(); ++i) {
    const report::RankingEntry& e = view->ranking[i];
    std::string reasons;
    for (const std::string& r : e.reasons) {
      reasons += (reasons.empty() ? "" : "<br>") + MarkdownEscape(r);
    }
    out += Row({std::to_string(i + 1), "**" + MarkdownEscape(e.backend) + "**",
                e.score ? report::Sig3(*e.score) : "-",
                e.vetoed ? "vetoed" : "", reasons});
  }
  return out + "\n" + tail;
}

std::string Comparison(const ResultsFile& results,
                       const std::vector<std::string>& labels) {
  std::string out = "### Comparison\n\n";
  out += Header({"backend", "status", "ops/s", "spread", "write amp",
                 "space amp", "ckpts ok/failed", "ckpt e2e", "sync", "async",
                 "ckpt size", "restore", "rescale"},
                "llrrrrrrrrrrr");
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    std::string label = MarkdownEscape(labels[i]);
    if (run.status != "ok") {
      out += Row({label,
                  "**failed** in phase " + MarkdownEscape(run.failure_phase) +
                      ": " + MarkdownEscape(run.failure_reason),
                  "", "", "", "", "", "", "", "", "", "", ""});
      continue;
    }
    const MetricSummary* ops = FindMetric(run, "throughput.ops_per_s");
    auto [ok, failed] = report::CheckpointCounts(run);
    out +=
        Row({label, "ok", ops ? report::FormatSi(ops->median) : "-",
             ops ? report::FormatSpread(*ops) : "",
             Median(run, "write_amplification", report::Sig3),
             Median(run, "space_amplification", report::Sig3),
             fmt::format("{}/{}", ok, failed),
             Median(run, "checkpoint.median_end_to_end_ms", FormatDurationMs),
             Median(run, "checkpoint.median_sync_ms", FormatDurationMs),
             Median(run, "checkpoint.median_async_ms", FormatDurationMs),
             Median(run, "checkpoint.median_size_bytes", FormatBytes),
             RecoveryCell(run, "restore"), RecoveryCell(run, "rescale")});
  }
  return out + "\n";
}

std::string SnapshotCodecTable(const ResultsFile& results,
                               const std::vector<std::string>& labels) {
  std::string body;
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    auto codecs = report::RunSnapshotCodecs(run);
    if (run.status != "ok" || !codecs) continue;
    std::vector<std::string> cells = {MarkdownEscape(labels[i]),
                                      MarkdownEscape(codecs->compression),
                                      MarkdownEscape(codecs->encryption)};
    for (const report::CodecColumn& c : report::SnapshotCodecColumns()) {
      cells.push_back(Median(run, c.metric, c.format));
    }
    body += Row(cells);
  }
  if (body.empty()) return "";
  std::vector<std::string> head = {"backend", "compression", "encryption"};
  std::string align = "lll";
  for (const report::CodecColumn& c : report::SnapshotCodecColumns()) {
    head.push_back(c.heading);
    align += 'r';
  }
  return "### Checkpoint compression and encryption\n\n" + Header(head, align) +
         body + "\n";
}

std::string Latency(const ResultsFile& results,
                    const std::vector<std::string>& labels, bool corrected) {
  const char* prefix = corrected ? "latency_corrected." : "latency.";
  std::string body;
  for (const std::string& op : report::OpKinds(results)) {
    for (size_t i = 0; i < results.runs.size(); ++i) {
      const RunResult& run = results.runs[i];
      std::string p = prefix + op + ".";
      if (FindMetric(run, p + "p50_ns") == nullptr) continue;
      body += Row({fmt::format("`{}`", MarkdownEscape(op)),
                   MarkdownEscape(labels[i]),
                   Median(run, p + "p50_ns", FormatDurationNs),
                   Median(run, p + "p90_ns", FormatDurationNs),
                   Median(run, p + "p99_ns", FormatDurationNs),
                   Median(run, p + "p999_ns", FormatDurationNs),
                   Median(run, p + "p9999_ns", FormatDurationNs),
                   Median(run, p + "max_ns", FormatDurationNs)});
    }
  }
  if (body.empty()) return "";
  return std::string(corrected
                         ? "### Latency from intended start (open loop)\n\n"
                         : "### Latency (service time, median of "
                           "repetitions)\n\n") +
         Header(
             {"op", "backend", "p50", "p90", "p99", "p99.9", "p99.99", "max"},
             "llrrrrrr") +
         body + "\n";
}

std::string Verification(const ResultsFile& results,
                         const std::vector<std::string>& labels) {
  std::vector<std::string> columns;
  std::vector<std::vector<std::pair<std::string, std::string>>> fields;
  for (const RunResult& run : results.runs) {
    fields.push_back(report::VerificationFields(run.verification));
    for (const auto& [k, v] : fields.back()) {
      if (std::find(columns.begin(), columns.end(), k) == columns.end()) {
        columns.push_back(k);
      }
    }
  }
  if (columns.empty()) return "";
  std::vector<std::string> head = {"backend"};
  for (const std::string& c : columns) head.push_back(MarkdownEscape(c));
  std::string out = "### Verification\n\n" + Header(head, "l");
  for (size_t i = 0; i < results.runs.size(); ++i) {
    if (fields[i].empty()) continue;
    std::vector<std::string> cells = {MarkdownEscape(labels[i])};
    for (const std::string& c : columns) {
      std::string value = "-";
      for (const auto& [k, v] : fields[i]) {
        if (k == c) value = MarkdownEscape(v);
      }
      cells.push_back(value);
    }
    out += Row(cells);
  }
  return out + "\n";
}

std::string Details(
    const std::string& summary,
    const std::vector<std::pair<std::string, std::string>>& rows) {
  if (rows.empty()) return "";
  std::string out = "<details><summary>" + summary + "</summary>\n\n" +
                    Header({"name", "value"}, "ll");
  for (const auto& [k, v] : rows) {
    out += Row({MarkdownEscape(k), MarkdownEscape(v)});
  }
  return out + "\n</details>\n\n";
}

}  // namespace

std::string RenderMarkdown(const ResultsFile& results) {
  std::vector<std::string> labels = report::RunLabels(results);
  std::string head = "## statebench results\n\n" +
                     MarkdownEscape(report::Headline(results)) + "\n\n";
  for (const std::string& w : results.context.warnings) {
    head += "> **Warning:** " + MarkdownEscape(w) + "\n\n";
  }
  std::string core = Recommendation(results) + Verification(results, labels) +
                     Comparison(results, labels) +
                     SnapshotCodecTable(results, labels) +
                     Latency(results, labels, false);
  // Optional sections, in the order they are given up when too long.
  std::vector<std::pair<std::string, std::string>> optional = {
      {"configuration", Details("Effective configuration",
                                report::FlattenScalars(results.config))},
      {"environment",
       Details("Environment", report::ContextRows(results.context))},
      {"corrected latency", Latency(results, labels, true)},
  };
  size_t size = head.size() + core.size();
  for (const auto& [name, text] : optional) size += text.size();
  std::string dropped;
  for (auto& [name, text] : optional) {
    if (size <= kMaxBytes) break;
    size -= text.size();
    text.clear();
    dropped += (dropped.empty() ? "" : ", ") + name;
  }
  std::string out = head + core + optional[2].second + optional[1].second +
                    optional[0].second;
  if (!dropped.empty()) {
    out += "_Left out to stay under 60 KiB: " + dropped +
           " (see the HTML report)._\n";
  }
  return out;
}

}  // namespace statebench
