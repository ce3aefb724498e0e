#include "reports/gate/gate.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/reports/gate_test_util.h"

namespace statebench {
namespace {

using testing::MakeFile;
using testing::MakeRun;
using testing::Noisy;

constexpr char kTput[] = "throughput.ops_per_s";
constexpr char kGetP99[] = "latency.value_get.p99_ns";

std::vector<double> Around(double center, int n = 9, double step = 0.002) {
  // Distinct values spread +-1% around center, in a fixed shuffled order.
  static const int kOffsets[] = {0, 3, -2, 4, -4, 1, -1, 2, -3, 5, -5};
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(center * (1 + step * kOffsets[i]));
  return v;
}

GateReport MustCompare(const ResultsFile& base, const ResultsFile& cur,
                       const GateOptions& options = {}) {
  Result<GateReport> r = CompareResults(base, cur, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : GateReport{};
}

const MetricComparison* Find(const GateReport& r, const std::string& metric,
                             const std::string& run = "memory/value-rw") {
  for (const MetricComparison& c : r.comparisons) {
    if (c.metric == metric && c.run == run) return &c;
  }
  return nullptr;
}

// ---- Thresholds -------------------------------------------------------------

// A sweep's cache-curve steps are not gated, and the ladder's rows keep
// the positions of a sweep without them.
TEST(GateRuns, CacheCurveStepsAreLeftOut) {
  RunResult ladder = testing::MakeRun("rocksdb", "value-rw",
                                      {{"throughput.ops_per_s", {1, 1}}});
  RunResult step = ladder;
  step.extra["sweep"] = {{"cache_curve", true}};
  ResultsFile f = testing::MakeFile({ladder, step, ladder});
  auto runs = GateRunsByLabel(f);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].first, "rocksdb/value-rw");
  EXPECT_EQ(runs[1].first, "rocksdb/value-rw #2");
  EXPECT_EQ(runs[1].second, &f.runs[2]);
}

TEST(GateThreshold, ParsesSignsPercentAndOff) {
  Result<ThresholdRule> r = ParseThresholdRule("throughput=-3%");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->pattern, "throughput");
  EXPECT_DOUBLE_EQ(*r->limit, -0.03);
  EXPECT_TRUE(r->explicit_sign);
  r = ParseThresholdRule("latency.value_get.p99_ns=+5%");
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(*r->limit, 0.05);
  r = ParseThresholdRule("p99=12.5%");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->explicit_sign);
  EXPECT_DOUBLE_EQ(*r->limit, 0.125);
  r = ParseThresholdRule("restore=off");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->limit.has_value());
}

TEST(GateThreshold, RejectsMalformedRulesWithTheRuleInTheMessage) {
  for (const char* bad : {"p99", "=5%", "p99=5", "p99=abc%", "p99=%",
                          "p99=+-5%", "p$9=5%", "p99=2000%", "p99=1e1%"}) {
    Result<ThresholdRule> r = ParseThresholdRule(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string::npos)
        << r.status().message();
  }
}

TEST(GateThreshold, DefaultsGateTheFiveFamiliesOnly) {
  auto limit = [](const std::string& m) {
    auto t = ResolveThreshold(m, {});
    return t ? t->limit : -999.0;
  };
  EXPECT_DOUBLE_EQ(limit(kTput), -0.05);
  EXPECT_DOUBLE_EQ(limit(kGetP99), 0.10);
  EXPECT_DOUBLE_EQ(limit("latency.map_scan.p99_ns"), 0.10);
  EXPECT_DOUBLE_EQ(limit("write_amplification"), 0.10);
  EXPECT_DOUBLE_EQ(limit("checkpoint.median_end_to_end_ms"), 0.15);
  EXPECT_DOUBLE_EQ(limit("restore.duration_ms"), 0.15);
  for (const char* ungated :
       {"throughput.events_per_s", "latency.value_get.p50_ns",
        "latency_corrected.value_get.p99_ns", "memory.peak_rss_bytes",
        "checkpoint.max_end_to_end_ms", "space_amplification"}) {
    EXPECT_FALSE(ResolveThreshold(ungated, {}).has_value()) << ungated;
  }
}

TEST(GateThreshold, UserRulesOverrideDefaultsAndFullNamesBeatPatterns) {
  std::vector<ThresholdRule> rules;
  for (const char* s :
       {"latency.value_get.p99_ns=+5%", "p99=+20%", "throughput=3%",
        "latency.*.p50_ns=+8%", "restore=off", "checkpoint.failed=+0%"}) {
    rules.push_back(*ParseThresholdRule(s));
  }
  EXPECT_DOUBLE_EQ(ResolveThreshold(kGetP99, rules)->limit, 0.05);
  EXPECT_EQ(ResolveThreshold(kGetP99, rules)->source, kGetP99);
  EXPECT_DOUBLE_EQ(ResolveThreshold("latency.value_put.p99_ns", rules)->limit,
                   0.20);
  // No sign: the metric's direction decides (higher throughput is better).
  EXPECT_DOUBLE_EQ(ResolveThreshold(kTput, rules)->limit, -0.03);
  EXPECT_DOUBLE_EQ(ResolveThreshold("latency.list_get.p50_ns", rules)->limit,
                   0.08);
  EXPECT_FALSE(ResolveThreshold("restore.duration_ms", rules).has_value());
  EXPECT_DOUBLE_EQ(ResolveThreshold("checkpoint.failed", rules)->limit, 0.0);
  // Untouched defaults stay.
  EXPECT_DOUBLE_EQ(ResolveThreshold("write_amplification", rules)->limit, 0.1);
}

TEST(GateThreshold, LaterRuleWinsAmongPatterns) {
  std::vector<ThresholdRule> rules = {*ParseThresholdRule("p99=+20%"),
                                      *ParseThresholdRule("p99=+30%")};
  EXPECT_DOUBLE_EQ(ResolveThreshold(kGetP99, rules)->limit, 0.30);
}

// ---- Verdicts ---------------------------------------------------------------

TEST(GateVerdict, RegressionNeedsSignificanceAndThreshold) {
  ResultsFile base = MakeFile({MakeRun(
      "memory", "value-rw", {{kTput, Around(1000)}, {kGetP99, Around(5000)}})});
  ResultsFile cur = MakeFile({MakeRun(
      "memory", "value-rw", {{kTput, Around(900)}, {kGetP99, Around(5000)}})});
  GateReport r = MustCompare(base, cur);
  const MetricComparison* t = Find(r, kTput);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->verdict, Verdict::kRegression);
  EXPECT_NEAR(*t->change, -0.10, 1e-9);
  EXPECT_LT(*t->p_value, 0.001);
  EXPECT_EQ(t->test, "asymptotic");
  EXPECT_EQ(Find(r, kGetP99)->verdict, Verdict::kUnchanged);
  EXPECT_EQ(r.ExitCode(false), 1);
  EXPECT_EQ(r.ExitCode(true), 0);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
}

TEST(GateVerdict, ImprovementAndDirectionOfLatency) {
  ResultsFile base = MakeFile({MakeRun(
      "memory", "value-rw", {{kTput, Around(1000)}, {kGetP99, Around(5000)}})});
  ResultsFile cur = MakeFile({MakeRun(
      "memory", "value-rw", {{kTput, Around(1100)}, {kGetP99, Around(6000)}})});
  GateReport r = MustCompare(base, cur);
  EXPECT_EQ(Find(r, kTput)->verdict, Verdict::kImprovement);
  EXPECT_EQ(Find(r, kGetP99)->verdict, Verdict::kRegression);  // +20% > +10%
  cur = MakeFile({MakeRun("memory", "value-rw",
                          {{kTput, Around(1000)}, {kGetP99, Around(4000)}})});
  r = MustCompare(base, cur);
  EXPECT_EQ(Find(r, kGetP99)->verdict, Verdict::kImprovement);
}

TEST(GateVerdict, SignificantButWithinThresholdIsUnchanged) {
  ResultsFile base = MakeFile(
      {MakeRun("memory", "value-rw", {{kTput, Around(1000, 9, 0.0005)}})});
  ResultsFile cur = MakeFile(
      {MakeRun("memory", "value-rw", {{kTput, Around(980, 9, 0.0005)}})});
  const GateReport r = MustCompare(base, cur);
  const MetricComparison* t = Find(r, kTput);
  EXPECT_EQ(t->verdict, Verdict::kUnchanged);
  EXPECT_LT(*t->p_value, 0.05);
  EXPECT_NE(t->note.find("within"), std::string::npos);
}

TEST(GateVerdict, BeyondThresholdButNotSignificantIsInconclusive) {
  // Medians 1000 vs 920 (-8%), but the samples overlap almost completely.
  ResultsFile base = MakeFile(
      {MakeRun("memory", "value-rw",
               {{kTput, {1000, 700, 1300, 850, 1150, 600, 1400, 950, 1050}}})});
  ResultsFile cur = MakeFile(
      {MakeRun("memory", "value-rw",
               {{kTput, {920, 690, 1310, 840, 1160, 610, 1390, 900, 1040}}})});
  const GateReport r = MustCompare(base, cur);
  const MetricComparison* t = Find(r, kTput);
  EXPECT_EQ(t->verdict, Verdict::kInconclusive);
  EXPECT_GT(*t->p_value, 0.05);
  EXPECT_NE(t->note.find("too noisy"), std::string::npos);
}

TEST(GateVerdict, TooFewRepetitions) {
  // Two per side: no test at all.
  GateReport r = MustCompare(
      MakeFile({MakeRun("memory", "value-rw", {{kTput, {1000, 1001}}})}),
      MakeFile({MakeRun("memory", "value-rw", {{kTput, {500, 501}}})}));
  EXPECT_EQ(Find(r, kTput)->verdict, Verdict::kInconclusive);
  EXPECT_FALSE(Find(r, kTput)->p_value.has_value());
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings.front().find("at least 5"), std::string::npos);
  // Three per side: a test, but p can never get below 0.1.
  r = MustCompare(
      MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000, 3)}})}),
      MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(500, 3)}})}));
  EXPECT_EQ(Find(r, kTput)->verdict, Verdict::kInconclusive);
  EXPECT_NEAR(*Find(r, kTput)->p_value, 0.1, 1e-12);
  EXPECT_EQ(r.ExitCode(false), 0);
  // Four per side can reach p = 2/70: a clear drop is a regression, with
  // the fewer-than-5 warning.
  r = MustCompare(
      MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000, 4)}})}),
      MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(500, 4)}})}));
  EXPECT_EQ(Find(r, kTput)->verdict, Verdict::kRegression);
  EXPECT_EQ(Find(r, kTput)->test, "exact");
  EXPECT_EQ(r.warnings.size(), 1u);
}

TEST(GateVerdict, ZeroBaselineMedian) {
  GateOptions o;
  o.thresholds.push_back(*ParseThresholdRule("checkpoint.failed=+0%"));
  GateReport r = MustCompare(
      MakeFile({MakeRun("memory", "value-rw",
                        {{"checkpoint.failed", std::vector<double>(9, 0)}})}),
      MakeFile({MakeRun("memory", "value-rw",
                        {{"checkpoint.failed", std::vector<double>(9, 2)}})}),
      o);
  const MetricComparison* c = Find(r, "checkpoint.failed");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->change.has_value());
  EXPECT_EQ(c->verdict, Verdict::kRegression);
  EXPECT_TRUE(GateReportToJson(r, {})["comparisons"][0]["change"].is_null());
}

TEST(GateVerdict, UnusedThresholdRuleWarns) {
  GateOptions o;
  o.thresholds.push_back(*ParseThresholdRule("thruput=-3%"));
  GateReport r = MustCompare(
      MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}),
      MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}), o);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("'thruput'"), std::string::npos);
}

// ---- Failures and run matching ------------------------------------------

RunResult Failed(const std::string& backend) {
  RunResult run = MakeRun(backend, "value-rw", {});
  run.status = RunStatus::kFailed;
  run.failure_phase = "open";
  run.failure_reason = "Unavailable: connection refused";
  return run;
}

TEST(GateRuns, CurrentFailureIsAMeasurementFailure) {
  ResultsFile base =
      MakeFile({MakeRun("redis", "value-rw", {{kTput, Around(1000)}}),
                MakeRun("memory", "value-rw", {{kTput, Around(1000)}})});
  ResultsFile cur = MakeFile(
      {Failed("redis"), MakeRun("memory", "value-rw", {{kTput, Around(800)}})});
  GateReport r = MustCompare(base, cur);
  ASSERT_EQ(r.failures.size(), 1u);
  EXPECT_NE(r.failures[0].find("redis/value-rw"), std::string::npos);
  EXPECT_NE(r.failures[0].find("connection refused"), std::string::npos);
  EXPECT_EQ(r.ExitCode(false), 3);
  EXPECT_EQ(r.ExitCode(true), 3);  // --warn-only does not hide failures
  // The healthy run is still compared.
  EXPECT_EQ(Find(r, kTput)->verdict, Verdict::kRegression);
}

TEST(GateRuns, FailureInBothOrOnlyInBaselineWarns) {
  GateReport r = MustCompare(
      MakeFile({Failed("redis"),
                MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}),
      MakeFile({Failed("redis"),
                MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}));
  EXPECT_TRUE(r.failures.empty());
  EXPECT_EQ(r.warnings.size(), 1u);
  r = MustCompare(
      MakeFile({Failed("redis"),
                MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}),
      MakeFile({MakeRun("redis", "value-rw", {{kTput, Around(1000)}}),
                MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}));
  EXPECT_EQ(r.ExitCode(false), 0);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("failed in the baseline"), std::string::npos);
}

TEST(GateRuns, MissingAndNewRunsWarnNothingInCommonIsAnError) {
  GateReport r = MustCompare(
      MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}}),
                MakeRun("fs", "value-rw", {{kTput, Around(1000)}})}),
      MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}}),
                MakeRun("rocksdb", "value-rw", {{kTput, Around(1000)}})}));
  EXPECT_EQ(r.warnings.size(), 2u);
  Result<GateReport> none = CompareResults(
      MakeFile({MakeRun("fs", "value-rw", {{kTput, Around(1000)}})}),
      MakeFile({MakeRun("rocksdb", "value-rw", {{kTput, Around(1000)}})}), {});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("nothing to compare"),
            std::string::npos);
}

// ---- Context ----------------------------------------------------------------

TEST(GateContext, IncompatibleContextsAreRefusedUnlessAllowed) {
  const ResultsFile base =
      MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})});
  struct Case {
    const char* field;
    std::function<void(ResultsFile&)> change;
  };
  const std::vector<Case> cases = {
      {"key_count",
       [](ResultsFile& f) { f.config["workload"]["key_count"] = 5; }},
      {"value_size",
       [](ResultsFile& f) { f.config["workload"]["value_size"] = 7; }},
      {"parallelism", [](ResultsFile& f) { f.config["parallelism"] = 4; }},
      {"parallelism", [](ResultsFile& f) { f.runs[0].parallelism = 4; }},
      {"build type", [](ResultsFile& f) { f.context.build_type = "Debug"; }},
      {"cpu_count", [](ResultsFile& f) { f.context.cpu_count = 2; }},
      {"open loop",
       [](ResultsFile& f) {
         f.runs[0].open_loop = true;
         f.runs[0].target_rate = 1000;
       }},
  };
  for (const Case& c : cases) {
    ResultsFile cur = base;
    c.change(cur);
    Result<GateReport> refused = CompareResults(base, cur, {});
    ASSERT_FALSE(refused.ok()) << c.field;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(refused.status().message().find(c.field), std::string::npos)
        << refused.status().message();
    GateOptions allow;
    allow.allow_context_mismatch = true;
    GateReport r = MustCompare(base, cur, allow);
    ASSERT_EQ(r.context_mismatches.size(), 1u) << c.field;
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_NE(r.warnings[0].find(c.field), std::string::npos);
  }
}

TEST(GateContext, DifferentWorkloadsAreRefused) {
  ResultsFile base =
      MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})});
  ResultsFile cur = MakeFile(
      {MakeRun("memory", "ycsb-a", {{kTput, Around(1000)}})}, "ycsb-a");
  Result<GateReport> r = CompareResults(base, cur, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("workloads differ"), std::string::npos);
  // Allowed, there is still nothing in common to compare.
  GateOptions allow;
  allow.allow_context_mismatch = true;
  EXPECT_FALSE(CompareResults(base, cur, allow).ok());
}

// ---- Merging
// ------------------------------------------------------------------

TEST(GateMerge, ConcatenatesRepetitionsAndResummarizes) {
  std::vector<ResultsFile> parts;
  for (int i = 0; i < 3; ++i) {
    ResultsFile part = MakeFile(
        {MakeRun("memory", "value-rw", {{kTput, {100.0 + i}}}),
         i == 1 ? Failed("redis")
                : MakeRun("redis", "value-rw", {{kTput, {50.0 + i}}})});
    part.config["repetitions"] = 1;
    part.context.warnings = {"debug build", i == 2 ? "other" : "debug build"};
    parts.push_back(part);
  }
  Result<ResultsFile> merged = MergeRepetitions(parts);
  ASSERT_TRUE(merged.ok());
  ASSERT_EQ(merged->runs.size(), 2u);
  const RunResult& mem = merged->runs[0];
  EXPECT_EQ(mem.status, RunStatus::kOk);
  ASSERT_EQ(mem.repetitions.size(), 3u);
  EXPECT_EQ(mem.repetitions[2].index, 2);
  EXPECT_EQ(mem.summary.at(kTput).samples,
            (std::vector<double>{100, 101, 102}));
  EXPECT_DOUBLE_EQ(mem.summary.at(kTput).median, 101);
  const RunResult& redis = merged->runs[1];
  EXPECT_EQ(redis.status, RunStatus::kFailed);
  EXPECT_EQ(redis.failure_reason,
            "repetition 2: Unavailable: connection refused");
  EXPECT_EQ(redis.summary.at(kTput).samples, (std::vector<double>{50, 52}));
  EXPECT_EQ(merged->config["repetitions"], 3);
  EXPECT_EQ(merged->context.warnings,
            (std::vector<std::string>{"debug build", "other"}));
  EXPECT_FALSE(MergeRepetitions({}).ok());
}

// ---- Statistical behaviour ------------------------------------------------

// One backend x workload with every default-gated metric, each with
// independent noise of coefficient of variation `cv`. `slowdown` 0.2 makes
// everything 20% slower: durations x1.2, throughput /1.2.
ResultsFile Synthetic(std::mt19937_64& rng, double cv, double slowdown,
                      int reps) {
  const double s = 1 + slowdown;
  return MakeFile({MakeRun(
      "rocksdb", "value-rw",
      {{kTput, Noisy(rng, 250000 / s, cv, reps)},
       {kGetP99, Noisy(rng, 42000 * s, cv, reps)},
       {"latency.value_put.p99_ns", Noisy(rng, 61000 * s, cv, reps)},
       {"write_amplification", Noisy(rng, 3.2, cv, reps)},
       {"checkpoint.median_end_to_end_ms", Noisy(rng, 180 * s, cv, reps)},
       {"restore.duration_ms", Noisy(rng, 950 * s, cv, reps)},
       // Not gated by default: must never produce a verdict.
       {"memory.peak_rss_bytes", Noisy(rng, 1e8 * s, cv, reps)}})});
}

// A/A: both sides from the same distribution. The bar is <= 2%
// false alarms over >= 100 comparisons; noise at the top of the 3-5% CV
// real runs show. These check the statistics alone; the same bars on real
// runs through the harness are tests/bench/gate_real_test.cc.
TEST(GateStatistics, AaFalsePositiveRateAtMostTwoPercent) {
  std::mt19937_64 rng(20240917);
  constexpr int kComparisons = 500;
  int false_alarms = 0, comparisons_checked = 0;
  for (int i = 0; i < kComparisons; ++i) {
    GateReport r =
        MustCompare(Synthetic(rng, 0.05, 0, 9), Synthetic(rng, 0.05, 0, 9));
    comparisons_checked += r.comparisons.size() == 6 ? 1 : 0;
    false_alarms += r.ExitCode(false) == 1 ? 1 : 0;
  }
  EXPECT_EQ(comparisons_checked, kComparisons);
  const double rate = static_cast<double>(false_alarms) / kComparisons;
  RecordProperty("aa_false_positive_rate", std::to_string(rate));
  std::printf("A/A false-positive rate: %d/%d = %.4f\n", false_alarms,
              kComparisons, rate);
  EXPECT_LE(rate, 0.02);
}

TEST(GateStatistics, TwentyPercentSlowdownFlaggedAtNineRepetitions) {
  std::mt19937_64 rng(77);
  constexpr int kComparisons = 500;
  int flagged = 0, throughput_flagged = 0;
  for (int i = 0; i < kComparisons; ++i) {
    GateReport r =
        MustCompare(Synthetic(rng, 0.05, 0, 9), Synthetic(rng, 0.05, 0.2, 9));
    flagged += r.ExitCode(false) == 1 ? 1 : 0;
    const MetricComparison* t = Find(r, kTput, "rocksdb/value-rw");
    throughput_flagged += t && t->verdict == Verdict::kRegression ? 1 : 0;
  }
  const double rate = static_cast<double>(flagged) / kComparisons;
  RecordProperty("slowdown_detection_rate", std::to_string(rate));
  std::printf("20%% slowdown flagged: %d/%d, throughput alone %d/%d\n", flagged,
              kComparisons, throughput_flagged, kComparisons);
  EXPECT_GE(rate, 0.95);
  EXPECT_GE(static_cast<double>(throughput_flagged) / kComparisons, 0.95);
}

}  // namespace
}  // namespace statebench
