// Report formatters and exports over results records (DESIGN.md section 6).
//
// Reporters only format: each format is one pure function from a
// ResultsFile to text, chosen by name through a small registry, in the
// manner of google/benchmark's reporters. Nothing here measures, and
// nothing here touches a backend. Every function is thread-compatible (no
// shared state) and never throws.
//
// Text that came from a results file (backend and workload names, failure
// reasons, advisor reasons) is untrusted: the HTML and Markdown renderers
// escape it, the console renderer strips terminal control characters, and
// the JSON exports never contain NaN or Infinity tokens.
#ifndef STATEBENCH_REPORTS_REPORT_H_
#define STATEBENCH_REPORTS_REPORT_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "reports/results/results.h"

namespace statebench {

// ---- The registry ---------------------------------------------------------

struct ReportFormatInfo {
  std::string name;         // "md", "html", ...
  std::string description;  // one line, for --help
  // True when the format writes several files (hgrm): its export path is a
  // directory and RenderReport refuses it.
  bool writes_directory = false;
};

// Every format, in a stable order: console md html json csv gbench
// gbench-aggregates gab-smaller gab-bigger bmf hgrm.
const std::vector<ReportFormatInfo>& ReportFormats();
std::vector<std::string> ReportFormatNames();

// Renders `results` in `format`. InvalidArgument naming the known formats
// for an unknown name, or for a directory format (hgrm).
Result<std::string> RenderReport(std::string_view format,
                                 const ResultsFile& results);

// Writes each requested export (format -> path) by the rules of
// base/output_file.h: a regular file atomically (temp file, fsync,
// rename), so a reader never sees half a file; a device, FIFO or "-"
// (standard output) in place. Files follow the umask. hgrm's path is a
// directory (created if absent) that receives one .hgrm file per run and op
// kind. Every format name is checked before anything is written; the first
// write error is returned naming the path.
Status ExportAll(const ResultsFile& results,
                 const std::map<std::string, std::string>& format_to_path);

// Joins several results files into one comparison: runs are concatenated
// in order; context, config and recommendation come from the first file
// that has them; warnings from all. When the same backend/workload/
// checkpoint type occurs in more than one file, each such run records its
// origin in run.extra["source"] so that labels tell them apart.
// InvalidArgument when `files` is empty or the sizes differ.
Result<ResultsFile> MergeResultsForReport(
    std::vector<ResultsFile> files, const std::vector<std::string>& origins);

// ---- The formats ------------------------------------------------------------

// Aligned text tables for a terminal, at most ~120 columns: throughput and
// amplification, checkpoints and recovery, then one latency block per op
// kind. Failed runs show their phase and reason. What `compare` prints.
std::string RenderConsole(const ResultsFile& results);
// GitHub-flavoured Markdown for a PR comment or $GITHUB_STEP_SUMMARY.
std::string RenderMarkdown(const ResultsFile& results);
// One self-contained HTML page: inline CSS and SVG, no script, a CSP that
// forbids every external load, raw results embedded as JSON.
std::string RenderHtml(const ResultsFile& results);
// The results re-serialized (schema statebench.results/1); readable by
// LoadResultsFile, so merged reports can be saved and reported again.
std::string RenderJson(const ResultsFile& results);
// One row per (run, summarized metric).
std::string RenderCsv(const ResultsFile& results);
// Google Benchmark's JSON reporter layout: per-repetition "iteration"
// entries and mean/median/stddev "aggregate" entries per backend/workload/op
// (real_time = ns per op; throughput and percentiles as counters). Read by
// compare.py and github-action-benchmark's "googlecpp".
std::string RenderGoogleBenchmarkJson(const ResultsFile& results);
// The same without per-repetition entries (mean, median, stddev only), as
// Google Benchmark's --benchmark_report_aggregates_only writes it.
std::string RenderGoogleBenchmarkAggregatesJson(const ResultsFile& results);
// github-action-benchmark "customSmallerIsBetter": latencies, checkpoint and
// restore durations, write amplification.
std::string RenderGabSmaller(const ResultsFile& results);
// github-action-benchmark "customBiggerIsBetter": throughput.
std::string RenderGabBigger(const ResultsFile& results);
// Bencher Metric Format: {benchmark: {measure: {value, lower_value,
// upper_value}}}.
std::string RenderBmf(const ResultsFile& results);

// One HdrHistogram percentile-distribution text per (run, op kind), from the
// latency histogram buckets merged over the run's repetitions; values in
// microseconds. Open-loop runs also get the corrected histogram
// ("<op>.corrected").
struct HgrmFile {
  // "<backend>_<workload>[_<checkpoint type>]_<op>.hgrm", reduced to
  // [A-Za-z0-9._-]; "-2", "-3" added when sanitized names collide.
  std::string file_name;
  std::string text;
};
std::vector<HgrmFile> RenderHgrmFiles(const ResultsFile& results);
// The .hgrm text of one histogram. `value_scale` divides ns (1000: us).
std::string RenderHgrm(const HistogramBuckets& histogram, double value_scale,
                       const std::string& unit_name);

}  // namespace statebench

#endif  // STATEBENCH_REPORTS_REPORT_H_
