// Shared pieces of the report formatters (reports/report.h): escaping,
// number formatting, and read-only views over results records. Internal to
// reports/; pure functions, thread-compatible, never throw.
#ifndef STATEBENCH_REPORTS_REPORT_UTIL_H_
#define STATEBENCH_REPORTS_REPORT_UTIL_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reports/results/json_text.h"
#include "reports/results/results.h"

namespace statebench::report {

// ---- Escaping untrusted text ---------------------------------------------

// & < > " ' as character references: safe in element content and in quoted
// attribute values.
std::string HtmlEscape(std::string_view s);
// For a GFM table cell: HTML-escaped, Markdown punctuation and '|'
// backslash-escaped, '@' neutralized (no mentions), newlines as spaces.
std::string MarkdownEscape(std::string_view s);
// A GFM inline code span holding `s`: backslash escapes do not work inside
// code spans, so Markdown punctuation stays as it is; '|' becomes "\|"
// (GFM tables need it even there) and & < > character references (shown
// literally by a renderer, but never raw HTML in the file); the fence is
// longer than any run of backticks in `s`; newlines become spaces and other
// controls U+FFFD.
std::string MarkdownCode(std::string_view s);
// For a terminal: C0/C1 controls, DEL and bidirectional overrides become
// '?', so a name cannot move the cursor or reorder the line.
std::string ConsoleSafe(std::string_view s);
// RFC 4180 field; a text field that a spreadsheet would run as a formula
// (= + - @ first) gets a leading apostrophe. Control characters other than
// tab and line breaks become '?' (HtmlEscape and MarkdownEscape turn them
// into U+FFFD).
std::string CsvField(std::string_view s);
// [A-Za-z0-9._-] kept, everything else '_'; never empty, never "." or "..".
std::string FileNameSafe(std::string_view s);

// ---- Numbers
// ----------------------------------------------------------------- Every
// formatter prints "-" for a non-finite value.

// Three significant digits, no exponent: 1.23, 12.3, 123, 1234.
std::string Sig3(double v);
// 950 ns, 1.23 µs, 45.6 ms, 2.00 s.
std::string FormatDurationNs(double ns);
std::string FormatDurationMs(double ms);
// 512 B, 1.50 KiB, 23.4 MiB.
std::string FormatBytes(double bytes);
// 950, 12.3k, 1.23M (for rates; the unit goes in the header).
std::string FormatSi(double v);
// 1,234,567 (rounded to an integer).
std::string FormatCount(double v);
// The state per subtask the recommendation carried in the results planned
// for its top backend; nullopt without a recommendation.
struct PlannedSize {
  std::string backend;  // the advisor's label
  double bytes = 0;
};
std::optional<PlannedSize> PlannedStatePerSubtask(const ResultsFile& results);

// The curve metrics the reports show, in order (the Markdown tables and
// the HTML charts of a sweep).
const std::vector<std::string>& CurveMetricsShown();

// A value in a metric's unit (DescribeMetric): durations and bytes as above,
// ops/s with an SI prefix, anything else with three significant digits.
std::string FormatMetricValue(double v, const std::string& unit);
// A relative spread (fraction) as "±1.2%"; "" when there is one sample.
std::string FormatSpread(const MetricSummary& s);

// ---- Views over results ----------------------------------------------------

const MetricSummary* FindMetric(const RunResult& run, std::string_view name);
// Median of a summarized metric, or nullopt.
std::optional<double> MetricMedian(const RunResult& run, std::string_view name);

// A short unique label per run, aligned with results.runs: the backend,
// plus the workload when the file holds several, the checkpoint type when
// it differs between runs of one backend, the backend options that differ
// between runs of one configuration ("(mode=write-through)"; not where the
// data lives: host, port, dir, ...), and the source file when merged files
// still collide.
std::vector<std::string> RunLabels(const ResultsFile& results);
// A stable identifier per run for machine-read exports (gbench, gab, bmf,
// csv, hgrm): "backend/workload", plus "/<checkpoint type>" when not full,
// plus "/<option>=<value>,..." for the backend options that tell runs of one
// configuration apart (as RunLabels), plus "[source]" or "#n" when merged
// files still collide. Never depends on the other
// runs' names except to break exact collisions.
std::vector<std::string> StableRunNames(const ResultsFile& results);

// A metric of one configuration measured in two merged results files: its
// median in the first file that has the configuration and in a later one.
struct RunChange {
  std::string run;     // backend/workload[/checkpoint type]
  std::string metric;  // "throughput.ops_per_s", "latency.<op>.p99_ns", ...
  std::string from_source, to_source;
  double from = 0, to = 0;
  std::string unit;
  bool higher_is_better = false;
};
// For runs that several merged files hold (run.extra["source"], set by
// MergeResultsForReport), the change of throughput, each op kind's p99,
// checkpoint end-to-end, restore and write amplification from the first
// file to each later one. Failed runs and metrics one side lacks are left
// out.
std::vector<RunChange> ChangesBetweenSources(const ResultsFile& results);
// Op kinds over all runs, in first-seen order.
std::vector<std::string> OpKinds(const ResultsFile& results);
bool RunHasOp(const RunResult& run, std::string_view op);
// Distinct workload names, in first-seen order.
std::vector<std::string> Workloads(const ResultsFile& results);
size_t MaxRepetitions(const ResultsFile& results);

// The repetition with the median throughput (the lower median for an even
// count): the one whose timeline and checkpoints the charts show.
// nullptr when the run has no repetition.
const Repetition* RepresentativeRepetition(const RunResult& run);

// The op kind's histogram summed over the run's repetitions (service time,
// or the coordinated-omission-corrected one).
HistogramBuckets MergedHistogram(const RunResult& run, std::string_view op,
                                 bool corrected);
bool HasCorrectedLatency(const RunResult& run);

// HdrHistogram's percentile iteration over buckets: the percentile level
// advances by ever smaller steps (ticks_per_half_distance per halving of
// the distance to 100%), reporting the value that reaches each level, then
// 100% at the highest value.
struct PercentilePoint {
  uint64_t value = 0;     // highest equivalent value, ns
  double percentile = 0;  // 0..1
  uint64_t total_count = 0;
};
std::vector<PercentilePoint> PercentileDistribution(
    const HistogramBuckets& h, int ticks_per_half_distance);
// Mean and standard deviation from the buckets, using each bucket's median
// equivalent value in HdrHistogram's 3-digit layout (as HdrHistogram does).
std::pair<double, double> HistogramMeanStdDev(const HistogramBuckets& h);

// Restore or rescale durations ("restore" | "rescale") over repetitions.
struct RecoveryStats {
  MetricSummary duration_ms;
  std::vector<RestoreVerdict> verdicts;  // distinct, in order
  int from_parallelism = 0;
  int to_parallelism = 0;
  std::vector<std::string> modes;     // distinct restore modes, in order
  std::optional<double> state_bytes;  // median bytes of state restored
};
// "local, 7.00 MiB": the restore mode(s) and the state made available;
// "" for results recorded without them.
std::string RecoveryDetail(const RecoveryStats& r);
std::optional<RecoveryStats> Recovery(const RunResult& run,
                                      std::string_view kind);

// The run's warnings as written (RunResult::warnings) plus those its
// figures call for (RunWarnings), each once: files written before the
// field existed get them too.
std::vector<std::string> WarningsOf(const RunResult& run);
// The status a table shows: "ok", "saturated" (an ok open-loop run that
// did not reach its rate), "failed" or "unsupported".
std::string StatusText(const RunResult& run);

// Why a run that is not "ok" has no figures, in one line: "failed in phase
// 'load': <reason>" or "unsupported: <reason>"; "" for an ok run.
std::string FailureText(const RunResult& run);

// A restore verdict worth showing next to its duration: anything but
// kVerified and kNotVerified (the plain restore that was not checked).
bool NotableVerdict(RestoreVerdict verdict);

// Checkpoint counts over repetitions: completed and failed.
std::pair<uint64_t, uint64_t> CheckpointCounts(const RunResult& run);

// A checkpoint figure's distribution over the checkpoints of a run as
// "p50 / p90 / max" (checkpoint.{median,p90,max}_<what>, each the median
// over repetitions); the median alone for results recorded without the
// tail; "-" when absent. A median alone hides the incremental checkpoints
// that follow a compaction and upload much of the state.
std::string CheckpointTail(const RunResult& run, std::string_view what,
                           std::string (*format)(double));
// The share of checkpoints that took longer than the checkpoint interval
// (checkpoint.over_interval_share) as "25%"; "-" when absent.
std::string OverIntervalCell(const RunResult& run);

// The snapshot codecs of a run's completed checkpoints ("none", "lz4",
// "zstd"; "none", "aes-256-gcm"), or nullopt when its backend reported
// none (server backends, older results files).
struct SnapshotCodecs {
  std::string compression;
  std::string encryption;
};
std::optional<SnapshotCodecs> RunSnapshotCodecs(const RunResult& run);

// The metrics of the "Checkpoint compression and encryption" table, in
// column order, with their headings; shared by Markdown and HTML.
struct CodecColumn {
  const char* heading;
  const char* metric;
  std::string (*format)(double);
};
const std::vector<CodecColumn>& SnapshotCodecColumns();

// ---- JSON
// --------------------------------------------------------------------

// Scalar leaves as (dotted.path, text); arrays of scalars joined with ", ".
// Deeper than max_depth objects become their compact JSON text.
std::vector<std::pair<std::string, std::string>> FlattenScalars(
    const nlohmann::json& j, int max_depth = 4);
std::string ScalarText(const nlohmann::json& j);
// RunResult::verification as (field, text), the verdict first: the scalar
// fields two levels deep, whatever shape the verifier gives them.
std::vector<std::pair<std::string, std::string>> VerificationFields(
    const nlohmann::json& verification);

// A recommendation in the advisor's shape (statebench.recommendation/1:
// "summary", "ranking": [{"backend", "score", "vetoed", "reasons",
// "capacity": {"display": {...}}}], "profile", "what_would_change",
// "notes", "confidence"), read leniently: whatever is absent or of another
// type is left empty. Nothing when neither summary nor ranking is there.
struct RankingEntry {
  std::string backend;
  std::optional<double> score;
  bool vetoed = false;
  std::vector<std::string> reasons;
  // Capacity figures as the advisor displays them: (name, text).
  std::vector<std::pair<std::string, std::string>> capacity;
};
struct RecommendationView {
  std::string summary;
  std::string profile;
  std::string what_would_change;
  std::vector<std::string> notes;
  std::vector<std::string> confidence;
  std::vector<RankingEntry> ranking;
};
std::optional<RecommendationView> ReadRecommendation(const nlohmann::json& j);

// Where the run's reads were served (RunResult::read_sources, else the
// sum of the repetitions'): "local buffer 61.8% (1,234), server 38.2%
// (762)", levels from nearest to farthest; "" when not reported.
std::string ReadSourcesText(const RunResult& run);
// "yes" / "no" followed by the persistence settings the server reported
// and the reason ("no: appendonly=no appendfsync=everysec save=\"\" -
// appendonly no and no RDB saves: ..."); just "yes"/"no" for a backend
// without settings.
std::string DurabilityText(const RunResult& run);
// True when some run reports read sources or persistence settings.
bool HasReadsOrDurability(const ResultsFile& results);

// Environment rows (name, value) from the context.
std::vector<std::pair<std::string, std::string>> ContextRows(const Context& c);
// "value-rw · 3 repetitions · parallelism 1 · closed loop".
std::string Headline(const ResultsFile& results);

}  // namespace statebench::report

#endif  // STATEBENCH_REPORTS_REPORT_UTIL_H_
