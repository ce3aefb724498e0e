#include "reports/gate/gate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <utility>

namespace statebench {
namespace {

using nlohmann::json;

// '*' matches any run of characters, dots included.
bool GlobMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool IsLatencyStatistic(const std::string& s) {
  if (s == "max" || s == "mean") return true;
  if (s.size() < 2 || s[0] != 'p') return false;
  return std::all_of(s.begin() + 1, s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

// The glob an alias stands for; other patterns stand for themselves.
std::string ExpandAlias(const std::string& pattern) {
  static const std::map<std::string, std::string> kAliases = {
      {"throughput", "throughput.ops_per_s"},
      {"checkpoint", "checkpoint.median_end_to_end_ms"},
      {"restore", "restore.duration_ms"},
      {"wa", "write_amplification"},
      {"sa", "space_amplification"},
  };
  if (auto it = kAliases.find(pattern); it != kAliases.end()) {
    return it->second;
  }
  if (IsLatencyStatistic(pattern)) return "latency.*." + pattern + "_ns";
  return pattern;
}

std::string Percent(double fraction) {
  return fmt::format("{:+.1f}%", fraction * 100);
}

// ---- Runs -------------------------------------------------------------------

std::string RunLabel(const RunResult& run) {
  std::string label = run.backend + "/" + run.workload;
  if (!run.checkpoint_type.empty() && run.checkpoint_type != "full") {
    label += " (" + run.checkpoint_type + ")";
  }
  return label;
}

}  // namespace

std::vector<std::pair<std::string, const RunResult*>> GateRunsByLabel(
    const ResultsFile& file) {
  std::vector<std::pair<std::string, const RunResult*>> out;
  std::map<std::string, int> seen;
  for (const RunResult& run : file.runs) {
    // A sweep's cache-curve steps calibrate a curve; they are not
    // configurations to gate, and leaving them out keeps the ladder's
    // positions those of a sweep without them.
    if (IsCacheCurveStep(run)) continue;
    std::string label = RunLabel(run);
    int n = ++seen[label];
    if (n > 1) label += " #" + std::to_string(n);
    out.emplace_back(label, &run);
  }
  return out;
}

namespace {

// Per-repetition samples by metric; from the summary, or from the
// repetitions when a writer left the summary out.
std::map<std::string, std::vector<double>> SamplesOf(const RunResult& run) {
  std::map<std::string, std::vector<double>> out;
  if (!run.summary.empty()) {
    for (const auto& [name, s] : run.summary) out[name] = s.samples;
    return out;
  }
  for (const Repetition& rep : run.repetitions) {
    for (const auto& [name, v] : rep.metrics) {
      if (std::isfinite(v)) out[name].push_back(v);
    }
  }
  return out;
}

size_t RepetitionCount(const RunResult& run,
                       const std::map<std::string, std::vector<double>>& s) {
  if (!run.repetitions.empty()) return run.repetitions.size();
  size_t n = 0;
  for (const auto& [name, v] : s) n = std::max(n, v.size());
  return n;
}

// Decides the verdict of one metric from its samples and threshold.
void Judge(const GateOptions& options, MetricComparison* c) {
  const size_t nb = c->baseline_samples.size();
  const size_t nc = c->current_samples.size();
  c->baseline_median = Median(c->baseline_samples);
  c->current_median = Median(c->current_samples);
  if (c->baseline_median != 0) {
    c->change = (c->current_median - c->baseline_median) /
                std::fabs(c->baseline_median);
  } else if (c->current_median == 0) {
    c->change = 0.0;
  }
  if (nb < kGateMinRepetitions || nc < kGateMinRepetitions) {
    c->verdict = Verdict::kInconclusive;
    c->note = fmt::format(
        "{} vs {} repetitions: at least {} per side are needed for a test", nb,
        nc, kGateMinRepetitions);
    return;
  }
  Result<UTestResult> test =
      MannWhitneyU(c->baseline_samples, c->current_samples, options.method);
  if (!test.ok()) {
    c->verdict = Verdict::kInconclusive;
    c->note = test.status().message();
    return;
  }
  c->p_value = test->p_value;
  c->test = std::string(UTestMethodName(test->method));
  const double floor_p = MinimumAchievablePValue(nb, nc, options.method);
  // A change "beyond" the threshold: strictly past it, in either direction.
  // Without a finite change (baseline 0, current not) any move is beyond.
  const double sign = c->threshold < 0 ? -1.0 : 1.0;
  const double limit = std::fabs(c->threshold);
  const double moved = c->change
                           ? sign * *c->change
                           : sign * HUGE_VAL * (c->current_median > 0 ? 1 : -1);
  const bool worse = moved > limit || (limit == 0 && moved > 0);
  const bool better = moved < -limit || (limit == 0 && moved < 0);
  const bool significant = test->p_value < options.alpha;
  if (significant && worse) {
    c->verdict = Verdict::kRegression;
  } else if (significant && better) {
    c->verdict = Verdict::kImprovement;
  } else if (floor_p >= options.alpha) {
    c->verdict = Verdict::kInconclusive;
    c->note =
        fmt::format("with {} vs {} repetitions no difference can reach p < {}",
                    nb, nc, options.alpha);
  } else if (worse) {
    c->verdict = Verdict::kInconclusive;
    c->note = fmt::format(
        "moved beyond the {} threshold but p = {:.3f} is not below {}: too "
        "noisy to tell; add repetitions",
        Percent(c->threshold), test->p_value, options.alpha);
  } else {
    c->verdict = Verdict::kUnchanged;
    if (significant) {
      c->note = fmt::format("significant but within the {} threshold",
                            Percent(c->threshold));
    }
  }
}

void CompareRun(const std::string& label, const RunResult& base,
                const RunResult& cur, const GateOptions& options,
                GateReport* report) {
  const auto base_samples = SamplesOf(base);
  const auto cur_samples = SamplesOf(cur);
  const size_t nb = RepetitionCount(base, base_samples);
  const size_t nc = RepetitionCount(cur, cur_samples);
  if (nb < kGateWarnRepetitions || nc < kGateWarnRepetitions) {
    report->warnings.push_back(fmt::format(
        "{}: {} baseline and {} current repetitions; at least {} per side "
        "are needed for a trustworthy verdict",
        label, nb, nc, kGateWarnRepetitions));
  }
  for (const auto& [metric, samples] : base_samples) {
    std::optional<AppliedThreshold> threshold =
        ResolveThreshold(metric, options.thresholds);
    if (!threshold) continue;
    auto it = cur_samples.find(metric);
    if (it == cur_samples.end() || it->second.empty()) {
      report->missing.push_back(
          label + ": " + metric +
          " is gated and in the baseline but missing from the current run");
      continue;
    }
    MetricComparison c;
    c.backend = cur.backend;
    c.workload = cur.workload;
    c.run = label;
    c.metric = metric;
    c.unit = DescribeMetric(metric).unit;
    c.threshold = threshold->limit;
    c.threshold_source = threshold->source;
    c.baseline_samples = samples;
    c.current_samples = it->second;
    Judge(options, &c);
    report->comparisons.push_back(std::move(c));
  }
}

// Failed runs become failures (current only) or warnings; healthy pairs
// are compared metric by metric.
void CompareMatchedRuns(const std::string& label, const RunResult& base,
                        const RunResult& cur, const GateOptions& options,
                        GateReport* report) {
  const bool base_ok = base.status == RunStatus::kOk;
  if (cur.status != RunStatus::kOk) {
    std::string why =
        cur.status == RunStatus::kUnsupported
            ? fmt::format("{}: unsupported: {}", label, cur.failure_reason)
            : fmt::format("{}: failed in phase '{}': {}", label,
                          cur.failure_phase, cur.failure_reason);
    if (base_ok) {
      report->failures.push_back(why + " (the baseline measured it)");
    } else {
      report->warnings.push_back(why +
                                 (base.status == RunStatus::kUnsupported &&
                                          cur.status == RunStatus::kUnsupported
                                      ? " (so was the baseline)"
                                      : " (it failed in the baseline too)"));
    }
  } else if (!base_ok) {
    report->warnings.push_back(label +
                               (base.status == RunStatus::kUnsupported
                                    ? ": unsupported"
                                    : ": failed") +
                               " in the baseline; nothing to compare");
  } else {
    CompareRun(label, base, cur, options, report);
  }
}

void WarnUnusedRules(const GateOptions& options, const ResultsFile& base,
                     GateReport* report) {
  std::set<std::string> metrics;
  for (const RunResult& run : base.runs) {
    for (const auto& [name, s] : SamplesOf(run)) metrics.insert(name);
  }
  for (const ThresholdRule& rule : options.thresholds) {
    bool used = std::any_of(metrics.begin(), metrics.end(), [&](auto& m) {
      return ThresholdPatternMatches(rule.pattern, m);
    });
    if (!used) {
      report->warnings.push_back("--threshold '" + rule.pattern +
                                 "' matched no metric of the baseline");
    }
  }
}

}  // namespace

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kRegression:
      return "regression";
    case Verdict::kImprovement:
      return "improvement";
    case Verdict::kUnchanged:
      return "unchanged";
    case Verdict::kInconclusive:
      return "inconclusive";
  }
  return "unknown";
}

Result<ThresholdRule> ParseThresholdRule(const std::string& spec) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("--threshold '" + spec + "': " + why +
                                   " (expected METRIC=[+|-]X% or METRIC=off, "
                                   "e.g. throughput=-3% or p99=+20%)");
  };
  const size_t eq = spec.find('=');
  if (eq == std::string::npos) return bad("no '='");
  ThresholdRule rule;
  rule.pattern = spec.substr(0, eq);
  std::string value = spec.substr(eq + 1);
  if (rule.pattern.empty()) return bad("no metric before '='");
  for (char ch : rule.pattern) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' &&
        ch != '.' && ch != '*') {
      return bad(std::string("the metric pattern may only hold letters, "
                             "digits, '_', '.' and '*', not '") +
                 ch + "'");
    }
  }
  if (value == "off" || value == "none") return rule;
  if (value.empty() || value.back() != '%') {
    return bad("the limit needs a percent sign");
  }
  value.pop_back();
  double sign = 1;
  if (!value.empty() && (value[0] == '+' || value[0] == '-')) {
    rule.explicit_sign = true;
    sign = value[0] == '-' ? -1 : 1;
    value.erase(0, 1);
  }
  char* end = nullptr;
  const double x = value.empty() ? NAN : std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() ||
      !std::isfinite(x) || x < 0 || x > 1000 ||
      value.find_first_not_of("0123456789.") != std::string::npos) {
    return bad("'" + value + "%' is not a percentage between 0 and 1000");
  }
  rule.limit = sign * x / 100.0;
  return rule;
}

std::vector<ThresholdRule> DefaultThresholdRules() {
  return {
      {"throughput.ops_per_s", -0.05, true},
      {"latency.*.p99_ns", +0.10, true},
      {"write_amplification", +0.10, true},
      {"checkpoint.median_end_to_end_ms", +0.15, true},
      {"restore.duration_ms", +0.15, true},
  };
}

bool ThresholdPatternMatches(const std::string& pattern,
                             const std::string& metric) {
  return pattern == metric || GlobMatch(ExpandAlias(pattern), metric);
}

std::optional<AppliedThreshold> ResolveThreshold(
    const std::string& metric, const std::vector<ThresholdRule>& user_rules) {
  auto apply = [&](const ThresholdRule& r) -> std::optional<AppliedThreshold> {
    if (!r.limit) return std::nullopt;
    double limit = *r.limit;
    if (!r.explicit_sign) {
      limit = DescribeMetric(metric).higher_is_better ? -std::fabs(limit)
                                                      : std::fabs(limit);
    }
    return AppliedThreshold{limit, r.pattern};
  };
  for (auto it = user_rules.rbegin(); it != user_rules.rend(); ++it) {
    if (it->pattern == metric) return apply(*it);
  }
  for (auto it = user_rules.rbegin(); it != user_rules.rend(); ++it) {
    if (ThresholdPatternMatches(it->pattern, metric)) return apply(*it);
  }
  for (const ThresholdRule& r : DefaultThresholdRules()) {
    if (ThresholdPatternMatches(r.pattern, metric)) return apply(r);
  }
  return std::nullopt;
}

size_t GateReport::Count(Verdict v) const {
  return static_cast<size_t>(
      std::count_if(comparisons.begin(), comparisons.end(),
                    [v](const MetricComparison& c) { return c.verdict == v; }));
}

bool GateReport::Incomplete() const {
  return !missing.empty() || comparisons.empty();
}

int GateReport::ExitCode(bool warn_only) const {
  if (!failures.empty()) return 3;
  if (Incomplete()) return 2;
  if (Count(Verdict::kRegression) > 0 && !warn_only) return 1;
  return 0;
}

Result<GateReport> CompareResults(const ResultsFile& baseline,
                                  const ResultsFile& current,
                                  const GateOptions& options) {
  if (!(options.alpha > 0 && options.alpha < 1)) {
    return Status::InvalidArgument(
        fmt::format("--alpha {} must be between 0 and 1", options.alpha));
  }
  GateReport report;
  report.alpha = options.alpha;
  report.method = options.method;
  report.baseline_context = baseline.context;
  report.current_context = current.context;
  std::vector<std::string> mismatches = ContextMismatches(baseline, current);
  if (!mismatches.empty() && !options.allow_context_mismatch) {
    std::string what;
    for (const std::string& m : mismatches) what += "\n  " + m;
    return Status::InvalidArgument(
        "baseline and current were measured under different conditions:" +
        what + "\n(pass --allow-context-mismatch to compare anyway)");
  }
  for (const std::string& m : mismatches) {
    report.warnings.push_back("context mismatch (allowed): " + m);
  }
  report.context_mismatches = std::move(mismatches);

  const auto base_runs = GateRunsByLabel(baseline);
  const auto cur_runs = GateRunsByLabel(current);
  std::set<std::string> base_labels, cur_labels;
  for (const auto& [label, run] : base_runs) base_labels.insert(label);
  for (const auto& [label, run] : cur_runs) cur_labels.insert(label);
  size_t matched = 0;
  for (const auto& [label, cur] : cur_runs) {
    auto it = std::find_if(
        base_runs.begin(), base_runs.end(),
        [&label = label](const auto& p) { return p.first == label; });
    if (it == base_runs.end()) {
      report.warnings.push_back(label +
                                ": not in the baseline; nothing to compare");
      continue;
    }
    ++matched;
    CompareMatchedRuns(label, *it->second, *cur, options, &report);
  }
  for (const std::string& label : base_labels) {
    if (!cur_labels.contains(label)) {
      report.warnings.push_back(label +
                                ": in the baseline but not measured now");
    }
  }
  if (matched == 0) {
    return Status::InvalidArgument(
        "nothing to compare: the baseline has runs " +
        fmt::format("[{}]", fmt::join(base_labels, ", ")) +
        " and the current results have " +
        fmt::format("[{}]", fmt::join(cur_labels, ", ")));
  }
  WarnUnusedRules(options, baseline, &report);
  return report;
}

}  // namespace statebench
