// The regression gate on real measurements: A/A
// comparisons of one build against itself raise at most 2% false alarms,
// and a build whose ops are 20% slower is flagged in at least 95% of
// comparisons at 9 repetitions per side.
//
// "Builds" are registries holding the memory backend behind a
// DelayedBackend (tests/bench/delayed_backend.h): the baseline busy-waits
// a fixed time in every op, the slower build long enough to make each op's
// service time 1.25x. Everything else is the CLI's path: each repetition
// is RunBenchmark as one `run --repetitions 1` child of `gate --run`; a
// side's repetitions are joined by MergeRepetitions and the sides compared
// by CompareResults with the default options, as `gate` does; repetitions
// alternate in time (baseline 1, current 1, baseline 2, ...) as
// `gate --run` runs them.
//
// A repetition is ~1,100 ops of ~2.5 us: a few milliseconds, so that 2,709
// of them fit in well under a minute. Short ops keep the p99 clean: a
// timer tick or a wake-up of another thread lands on fewer than 1% of
// them. The test prints the figures README quotes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "bench/harness/context.h"
#include "bench/harness/harness.h"
#include "reports/gate/gate.h"
#include "tests/bench/delayed_backend.h"

namespace statebench {
namespace {

using testing::DelayedRegistry;

constexpr std::chrono::nanoseconds kBaseDelay = std::chrono::microseconds(2);
constexpr int kRepetitions = 9;
constexpr int kComparisons = 100;
constexpr char kThroughput[] = "throughput.ops_per_s";

// `statebench run --backend delayed --keys 100 --warmup 0 --events 1000
//  --latency-sample-every 1 --checkpoint-interval 0 --no-restore`.
// No checkpoints and no restore: their durations on 100 keys are tens of
// microseconds, and no op of theirs is delayed. The gated metrics are
// throughput and the p99 of value_get and value_put.
RunConfig ShortRun() {
  RunConfig c;
  c.backend = "delayed";
  c.workload.key_count = 100;
  c.warmup_s = 0;
  c.measure_events = 1000;
  c.latency_sample_every = 1;
  c.checkpoint.interval_ms = 0;
  c.measure_restore = false;
  return c;
}

// What one `run --repetitions 1 --output F` child of `gate --run` writes.
ResultsFile OneRepetition(const RunConfig& config,
                          const BackendRegistry& registry,
                          const Context& context) {
  ResultsFile f;
  f.context = context;
  nlohmann::json c = RunConfigToJson(config);
  c["backends"] = {config.backend};
  c.erase("backend");
  f.config = c;
  f.runs.push_back(RunBenchmark(config, registry));
  return f;
}

ResultsFile Merge(const std::vector<ResultsFile>& parts) {
  Result<ResultsFile> merged = MergeRepetitions(parts);
  EXPECT_TRUE(merged.ok()) << merged.status().ToString();
  return merged.ok() ? *merged : ResultsFile{};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// One line per sample set, for the log of a run that failed.
void PrintSamples(const char* what, const MetricComparison& c) {
  std::printf("%s %s: change %+.1f%%, p %.4f\n  baseline", what,
              c.metric.c_str(), 100 * c.change.value_or(0),
              c.p_value.value_or(1));
  for (double v : c.baseline_samples) std::printf(" %.0f", v);
  std::printf("\n  current ");
  for (double v : c.current_samples) std::printf(" %.0f", v);
  std::printf("\n");
}

struct Tally {
  int false_alarms = 0;  // A/A comparisons with any regression
  std::map<std::string, int> false_alarms_by_metric;
  std::vector<double> aa_throughput_changes;
  int flagged = 0;  // slowdown comparisons that fail the gate
  int throughput_flagged = 0;
  std::vector<double> slow_throughput_changes;

  void AddAa(const GateReport& r) {
    false_alarms += r.Count(Verdict::kRegression) > 0 ? 1 : 0;
    for (const MetricComparison& c : r.comparisons) {
      if (c.verdict == Verdict::kRegression) {
        ++false_alarms_by_metric[c.metric];
        PrintSamples("A/A false alarm", c);
      }
      if (c.metric == kThroughput && c.change) {
        aa_throughput_changes.push_back(std::abs(*c.change));
      }
    }
  }
  void AddSlowdown(const GateReport& r) {
    flagged += r.ExitCode(false) == 1 ? 1 : 0;
    for (const MetricComparison& c : r.comparisons) {
      if (c.metric != kThroughput) continue;
      throughput_flagged += c.verdict == Verdict::kRegression ? 1 : 0;
      if (c.verdict != Verdict::kRegression) PrintSamples("missed", c);
      if (c.change) slow_throughput_changes.push_back(*c.change);
    }
  }
};

// The delay that makes an op's service time 1.25x the baseline's, measured
// on the baseline build's fastest repetition of 9 (the one least disturbed
// by the rest of the machine).
std::chrono::nanoseconds SlowerDelay(const RunConfig& config,
                                     const BackendRegistry& baseline,
                                     const Context& context) {
  std::vector<ResultsFile> parts;
  for (int i = 0; i < kRepetitions; ++i) {
    parts.push_back(OneRepetition(config, baseline, context));
  }
  const ResultsFile merged = Merge(parts);
  EXPECT_EQ(merged.runs.at(0).status, RunStatus::kOk)
      << merged.runs[0].failure_reason;
  const double op_ns = 1e9 / merged.runs[0].summary.at(kThroughput).max;
  const auto slower =
      kBaseDelay + std::chrono::nanoseconds(std::llround(0.25 * op_ns));
  std::printf(
      "service time %.2f us per op with a delay of %.2f us; the "
      "slower build waits %.2f us\n",
      op_ns / 1000, kBaseDelay.count() / 1000.0, slower.count() / 1000.0);
  return slower;
}

// Each round measures three sides, one repetition of each in turn: the
// baseline build, the same build again, the slower build. The A/A
// comparison is baseline vs same, the slowdown comparison baseline vs
// slower.
TEST(GateOnRealRuns, AaFalseAlarmsAtMostTwoPercentAndSlowdownFlagged) {
  const auto started = std::chrono::steady_clock::now();
  const char* argv[] = {"statebench", "run", "--backend", "delayed"};
  const Context context = CollectContext("run", 4, argv);
  const RunConfig config = ShortRun();
  const BackendRegistry baseline = DelayedRegistry(kBaseDelay);
  const BackendRegistry slower =
      DelayedRegistry(SlowerDelay(config, baseline, context));

  Tally tally;
  for (int round = 0; round < kComparisons; ++round) {
    std::vector<ResultsFile> base_parts, same_parts, slow_parts;
    for (int rep = 0; rep < kRepetitions; ++rep) {
      base_parts.push_back(OneRepetition(config, baseline, context));
      same_parts.push_back(OneRepetition(config, baseline, context));
      slow_parts.push_back(OneRepetition(config, slower, context));
    }
    const ResultsFile base = Merge(base_parts);
    const ResultsFile same = Merge(same_parts);
    const ResultsFile slow = Merge(slow_parts);
    for (const ResultsFile* f : {&base, &same, &slow}) {
      ASSERT_EQ(f->runs.size(), 1u);
      ASSERT_EQ(f->runs[0].status, RunStatus::kOk) << f->runs[0].failure_reason;
      ASSERT_EQ(f->runs[0].repetitions.size(), size_t{kRepetitions});
    }
    Result<GateReport> aa = CompareResults(base, same, {});
    ASSERT_TRUE(aa.ok()) << aa.status().ToString();
    ASSERT_TRUE(aa->failures.empty());
    ASSERT_TRUE(aa->warnings.empty()) << aa->warnings.front();
    tally.AddAa(*aa);
    Result<GateReport> sd = CompareResults(base, slow, {});
    ASSERT_TRUE(sd.ok()) << sd.status().ToString();
    ASSERT_TRUE(sd->failures.empty());
    tally.AddSlowdown(*sd);
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
          .count();
  std::printf(
      "A/A: %d/%d comparisons raised a regression (median |change| of "
      "throughput %.2f%%)\n",
      tally.false_alarms, kComparisons,
      100 * Median(tally.aa_throughput_changes));
  for (const auto& [metric, n] : tally.false_alarms_by_metric) {
    std::printf("  %s: %d\n", metric.c_str(), n);
  }
  std::printf(
      "20%% slower ops: %d/%d comparisons failed the gate, throughput "
      "regression in %d/%d (median change of throughput %.1f%%)\n",
      tally.flagged, kComparisons, tally.throughput_flagged, kComparisons,
      100 * Median(tally.slow_throughput_changes));
  std::printf("%d repetitions of %d events in %.1f s\n",
              (3 * kComparisons + 1) * kRepetitions,
              static_cast<int>(config.measure_events), seconds);
  RecordProperty("aa_false_alarms", tally.false_alarms);
  RecordProperty("slowdown_flagged", tally.flagged);
  RecordProperty("slowdown_throughput_flagged", tally.throughput_flagged);
  EXPECT_LE(tally.false_alarms, kComparisons * 2 / 100);
  EXPECT_GE(tally.flagged, kComparisons * 95 / 100);
  EXPECT_GE(tally.throughput_flagged, kComparisons * 95 / 100);
  // The slower build is what it claims to be: about 20% less throughput.
  EXPECT_LT(Median(tally.slow_throughput_changes), -0.12);
  EXPECT_GT(Median(tally.slow_throughput_changes), -0.30);
}

}  // namespace
}  // namespace statebench
