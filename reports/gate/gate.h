// The regression gate: compares two results files metric by metric and
// decides whether the current one regressed against the baseline.
//
// For every (backend, workload, metric) present in both files, the
// per-repetition samples (RunResult::summary[metric].samples) are compared
// with a two-sided Mann-Whitney U test (reports/gate/stats.h) and the relative
// change of the medians. A metric regresses when the difference is
// significant (p < alpha) AND the change lies beyond the metric's threshold
// in the bad direction; it improved when significant and beyond the mirrored
// threshold in the good direction. Requiring both keeps noisy runners from
// failing builds (significance alone flags tiny real shifts; a threshold
// alone flags noise).
//
// Only gated metrics are compared: those a threshold rule matches (defaults
// below, plus the user's --threshold rules, which take precedence).
//
// Everything here is pure: no I/O, no environment. Thread-compatible.
#ifndef STATEBENCH_REPORTS_GATE_GATE_H_
#define STATEBENCH_REPORTS_GATE_GATE_H_

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "reports/gate/stats.h"
#include "reports/results/results.h"

namespace statebench {

enum class Verdict { kRegression, kImprovement, kUnchanged, kInconclusive };
std::string_view VerdictName(Verdict verdict);

// Fewer repetitions than this on a side: the comparison carries a warning.
inline constexpr size_t kGateWarnRepetitions = 5;
// Fewer than this on a side: no test, the verdict is inconclusive.
inline constexpr size_t kGateMinRepetitions = 3;

// "pattern=[+|-]X[%]" or "pattern=off". The pattern is one of
//   - an alias: "throughput" (throughput.ops_per_s), "checkpoint"
//     (checkpoint.median_end_to_end_ms), "restore" (restore.duration_ms),
//     "wa" (write_amplification), or a latency statistic "p50", "p99",
//     "p999", "max", "mean", ... (latency.*.<stat>_ns);
//   - a glob where '*' matches any characters ("latency.*.p50_ns");
//   - a full metric name ("latency.value_get.p99_ns").
// The sign names the bad direction (-: a decrease is bad); without a sign
// the metric's own direction (DescribeMetric) decides. "off" stops gating.
struct ThresholdRule {
  std::string pattern;          // as the user wrote it
  std::optional<double> limit;  // signed fraction (-0.05); nullopt = off
  bool explicit_sign = false;
};

// InvalidArgument naming the rule for a malformed one.
Result<ThresholdRule> ParseThresholdRule(const std::string& spec);
// Throughput -5%, p99 latency +10%, write amplification +10%, checkpoint
// duration +15%, restore duration +15%.
std::vector<ThresholdRule> DefaultThresholdRules();
bool ThresholdPatternMatches(const std::string& pattern,
                             const std::string& metric);

struct GateOptions {
  double alpha = 0.05;
  UTestMethod method = UTestMethod::kAuto;
  // The user's rules; a later rule beats an earlier one, a full metric name
  // beats a pattern, and all of them beat the defaults.
  std::vector<ThresholdRule> thresholds;
  // Compare even when the contexts differ (the differences become warnings).
  bool allow_context_mismatch = false;
};

// The threshold that applies to `metric`: signed fraction and the rule's
// pattern; nullopt when the metric is not gated.
struct AppliedThreshold {
  double limit = 0;
  std::string source;
};
std::optional<AppliedThreshold> ResolveThreshold(
    const std::string& metric, const std::vector<ThresholdRule>& user_rules);

struct MetricComparison {
  std::string backend;
  std::string workload;
  std::string run;  // "backend/workload" (+ checkpoint type when not full)
  std::string metric;
  std::string unit;
  double threshold = 0;  // signed: the bad direction's limit
  std::string threshold_source;
  std::vector<double> baseline_samples;
  std::vector<double> current_samples;
  double baseline_median = 0;
  double current_median = 0;
  // (current - baseline) / |baseline| of the medians; nullopt when the
  // baseline median is 0 and the current one is not.
  std::optional<double> change;
  std::optional<double> p_value;  // absent when no test was possible
  std::string test;               // "exact" | "asymptotic" | ""
  Verdict verdict = Verdict::kUnchanged;
  std::string note;  // why, in words (empty when plain)
};

struct GateReport {
  double alpha = 0.05;
  UTestMethod method = UTestMethod::kAuto;
  std::vector<MetricComparison> comparisons;
  std::vector<std::string> warnings;
  // Measurement failures: a run failed in current but not in the baseline.
  std::vector<std::string> failures;
  // Gated metrics of the baseline that the current results lack: the
  // comparison is incomplete, so the gate cannot pass.
  std::vector<std::string> missing;
  // Context differences that were allowed (--allow-context-mismatch).
  std::vector<std::string> context_mismatches;
  // Where the two sides come from (version, git sha, build, host, time).
  Context baseline_context;
  Context current_context;

  size_t Count(Verdict v) const;
  // True when the gate judged nothing, or a gated metric is missing: a
  // pass would then say nothing about the change.
  bool Incomplete() const;
  // 3 when a measurement failed, else 2 when the comparison is incomplete
  // (an input problem, not a verdict), else 1 on a regression (0 with
  // warn_only), else 0.
  int ExitCode(bool warn_only) const;
};

// The runs of a results file by label: "backend/workload", plus the
// checkpoint type when it is not full, and "#2", "#3", ... for repeats; in
// file order. The pointers point into `file`.
std::vector<std::pair<std::string, const RunResult*>> GateRunsByLabel(
    const ResultsFile& file);

// ---- Inputs (reports/gate/gate_inputs.cc)
// --------------------------------------

// Differences between the contexts that make a comparison meaningless:
// workloads, parallelism, key count, value size, open/closed loop, build
// type, CPU count. Empty when compatible. Each entry names both values.
std::vector<std::string> ContextMismatches(const ResultsFile& baseline,
                                           const ResultsFile& current);

// Compares `current` against `baseline`. InvalidArgument (exit 2) when the
// contexts are incompatible (unless allowed), when the files have no run in
// common, or on a bad option.
Result<GateReport> CompareResults(const ResultsFile& baseline,
                                  const ResultsFile& current,
                                  const GateOptions& options);

// Joins per-repetition results files (each from one `run --repetitions 1`)
// into one: runs with the same backend, workload and checkpoint type get
// their repetitions concatenated, renumbered and re-summarized. A run that
// failed in any part is failed (its ok repetitions are kept). Context and
// config come from the first part, warnings from all. InvalidArgument when
// `parts` is empty.
Result<ResultsFile> MergeRepetitions(const std::vector<ResultsFile>& parts);

// ---- Rendering (reports/gate/gate_render.cc)
// ----------------------------------

struct GateRenderOptions {
  bool warn_only = false;
};

// Fixed-width table: run, metric, baseline median, current median, change,
// p-value, verdict; then warnings, failures and the overall verdict.
std::string RenderGateConsole(const GateReport& report,
                              const GateRenderOptions& options);
// GitHub-flavoured Markdown, at most `max_bytes` long: rows are ordered by
// severity and the least severe are dropped first, with a note saying how
// many. max_bytes = 0 means no limit.
std::string RenderGateMarkdown(const GateReport& report,
                               const GateRenderOptions& options,
                               size_t max_bytes);
// GitHub Actions workflow commands: "::error title=...::" per regression and
// failure, "::warning title=...::" per warning and inconclusive metric.
std::string RenderGateAnnotations(const GateReport& report,
                                  const GateRenderOptions& options);
// JUnit XML: one testsuite per run, one testcase per compared metric, a
// <failure> per regression, <skipped> when inconclusive, an <error> per
// measurement failure.
std::string RenderGateJUnit(const GateReport& report,
                            const GateRenderOptions& options);
// Schema "statebench.gate/1"; never NaN or Infinity.
nlohmann::json GateReportToJson(const GateReport& report,
                                const GateRenderOptions& options);

}  // namespace statebench

#endif  // STATEBENCH_REPORTS_GATE_GATE_H_
