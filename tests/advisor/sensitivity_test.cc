// Measurements drive the recommendation: changing one measured figure in
// the results changes the outcome wherever a rule depends on it, and the
// rule that changed is the one reading that figure.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "advisor/advisor.h"
#include "tests/advisor/synthetic_results.h"

namespace statebench::advisor {
namespace {

using testing::FindRun;
using testing::kMiB;
using testing::SetMetric;
using testing::StandardResults;

constexpr char kLargeState[] = R"(
name: large
state_size: 300GiB
event_rate: 200k/s
checkpoint_interval: 1min
memory_per_node: 32GiB
nodes: 8
)";
constexpr char kTightLatency[] = R"(
name: tight
state_size: 1GiB
event_rate: 50k/s
latency_slo_p99: 1ms
memory_per_node: 4GiB
nodes: 2
)";
constexpr char kSqlTeam[] = R"(
name: sql
state_size: 5GiB
event_rate: 5000
memory_per_node: 16GiB
nodes: 4
managed_postgres: true
skills: {sql: 3, redis: 0, rocksdb_tuning: 0, heap_gc_tuning: 0, operations: 1}
)";
constexpr char kFastRecovery[] = R"(
name: rto
state_size: 40GiB
event_rate: 100k/s
recovery_time_objective: 5min
memory_per_node: 64GiB
nodes: 4
)";
constexpr char kDiskBudget[] = R"(
name: disk
state_size: 20GiB
event_rate: 100k/s
disk_write_budget: 20MiB/s
memory_per_node: 32GiB
nodes: 4
)";
constexpr char kPayments[] = R"(
name: payments
state_size: 2GiB
event_rate: 20k/s
exactly_once: true
memory_per_node: 8GiB
nodes: 2
managed_redis: true
skills: {redis: 3}
)";
constexpr char kSmallJob[] = R"(
name: small
state_size: 1MiB
event_rate: 1000
memory_per_node: 2GiB
)";

Recommendation AdviseOn(const char* yaml, const ResultsFile& results) {
  Result<Profile> p = ParseProfile(yaml, "sensitivity.yaml");
  EXPECT_TRUE(p.ok()) << p.status().message();
  Result<Recommendation> r = Advise(*p, {results}, DefaultRules());
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : Recommendation{};
}

bool Fired(const Recommendation& r, const std::string& label,
           const std::string& rule) {
  return std::any_of(r.fired.begin(), r.fired.end(), [&](const FiredRule& f) {
    return f.backend == label && f.rule_id == rule;
  });
}

const BackendAdvice* Find(const Recommendation& r, const std::string& label) {
  for (const BackendAdvice& a : r.ranking) {
    if (a.label == label) return &a;
  }
  return nullptr;
}

struct Case {
  const char* name;
  const char* profile;
  std::function<void(ResultsFile*)> change;  // one measured figure
  const char* label;                         // the backend it affects
  const char* rule;                          // the rule reading it
  bool fires_after;       // the rule fires after the change (else before)
  const char* top_after;  // expected top after, or nullptr if unchanged
};

class SensitivityTest : public ::testing::TestWithParam<Case> {};

TEST_P(SensitivityTest, OneMeasurementChangesTheOutcome) {
  const Case& c = GetParam();
  ResultsFile base = StandardResults();
  ResultsFile changed = base;
  c.change(&changed);
  Recommendation before = AdviseOn(c.profile, base);
  Recommendation after = AdviseOn(c.profile, changed);

  EXPECT_NE(Fired(before, c.label, c.rule), c.fires_after) << c.name;
  EXPECT_EQ(Fired(after, c.label, c.rule), c.fires_after) << c.name;
  const BackendAdvice* a = Find(before, c.label);
  const BackendAdvice* b = Find(after, c.label);
  ASSERT_TRUE(a && b) << c.label;
  EXPECT_TRUE(a->score != b->score || a->vetoed != b->vetoed) << c.name;
  if (c.top_after) {
    EXPECT_NE(before.top, c.top_after) << c.name;
    EXPECT_EQ(after.top, c.top_after) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Measurements, SensitivityTest,
    ::testing::Values(
        Case{"p99", kTightLatency,
             [](ResultsFile* f) {
               RunResult* r = FindRun(f, "redis", "buffered");
               SetMetric(r, "latency.value_get.p99_ns", 7e5);
               SetMetric(r, "latency.value_put.p99_ns", 8e5);
             },
             "redis[mode=buffered]", "p99-exceeds-slo", false, nullptr},
        Case{"throughput", kSqlTeam,
             [](ResultsFile* f) {
               SetMetric(FindRun(f, "postgres"), "throughput.events_per_s",
                         100);
             },
             // 72 subtasks against the 4 the nodes run anyway: 18x.
             "postgres", "many-more-subtasks", true, "fs"},
        Case{"checkpoint duration", kLargeState,
             [](ResultsFile* f) {
               SetMetric(FindRun(f, "rocksdb", "", "incremental"),
                         "checkpoint.median_end_to_end_ms", 20000);
             },
             // More subtasks checkpoint within the minute: the plan takes
             // them, and the backend pays for them.
             "rocksdb[checkpoint=incremental]", "more-subtasks", true, nullptr},
        Case{"restore rate", kFastRecovery,
             [](ResultsFile* f) {
               SetMetric(FindRun(f, "rocksdb", "", "full"),
                         "restore.bytes_per_s", 5 * kMiB);
             },
             // 30 subtasks restore within the 5 min where 4 did not.
             "rocksdb", "many-more-subtasks", true, nullptr},
        Case{"write amplification", kDiskBudget,
             [](ResultsFile* f) {
               SetMetric(FindRun(f, "rocksdb", "", "full"),
                         "write_amplification", 2);
             },
             "rocksdb", "disk-write-budget-exceeded", false, nullptr},
        Case{"verification verdict", kPayments,
             [](ResultsFile* f) {
               FindRun(f, "redis", "buffered")->verification = {
                   {"verdict", "failed"},
                   {"lost", 0},
                   {"resurrected", 12},
                   {"wrong", 0}};
             },
             "redis[mode=buffered]", "verification-failed", true, "fs"},
        Case{"capability", kPayments,
             [](ResultsFile* f) {
               FindRun(f, "redis", "write-through")->capabilities.exactly_once =
                   true;
             },
             "redis[mode=write-through]", "exactly-once-capability", false,
             nullptr},
        Case{"checkpoint format size", kSmallJob,
             [](ResultsFile* f) {
               // Snapshots 10x the live state: 10 MiB at 1 MiB of state.
               SetMetric(FindRun(f, "memory"),
                         "checkpoint.median_full_size_bytes", 640 * kMiB);
             },
             "memory", "jobmanager-cap-exceeded", true, "fs"}),
    [](const ::testing::TestParamInfo<Case>& info) {
      std::string n = info.param.name;
      std::replace(n.begin(), n.end(), ' ', '_');
      return n;
    });

TEST(MeasurementCaveatsTest, MeasuredStateSizeDrivesTheExtrapolationNote) {
  ResultsFile results = StandardResults();
  Recommendation before = AdviseOn(kLargeState, results);
  for (RunResult& run : results.runs) {
    SetMetric(&run, "state.logical_live_bytes", 100 * testing::kGiB);
  }
  Recommendation after = AdviseOn(kLargeState, results);
  auto extrapolated = [](const Recommendation& r) {
    return std::any_of(r.confidence.begin(), r.confidence.end(),
                       [](const std::string& n) {
                         return n.find("extrapolated") != std::string::npos;
                       });
  };
  EXPECT_TRUE(extrapolated(before));
  EXPECT_FALSE(extrapolated(after));  // 3x is within reach
}

TEST(MeasurementCaveatsTest, MissingFigureIsAConfidenceNoteNamingTheRule) {
  ResultsFile results = StandardResults();
  RunResult* rocks = FindRun(&results, "rocksdb", "", "full");
  rocks->summary.erase("restore.bytes_per_s");
  rocks->summary.erase("restore.bytes_read_bytes");
  rocks->summary.erase("restore.duration_ms");
  Recommendation r = AdviseOn(kFastRecovery, results);
  EXPECT_FALSE(Fired(r, "rocksdb", "restore-exceeds-rto"));
  EXPECT_TRUE(std::any_of(
      r.confidence.begin(), r.confidence.end(),
      [](const std::string& n) {
        return n.rfind("rocksdb: no restore was measured", 0) == 0 &&
               n.find("restore-exceeds-rto") != std::string::npos;
      }))
      << ::testing::PrintToString(r.confidence);
}

TEST(MeasurementCaveatsTest, FewRepetitionsAreACaveat) {
  ResultsFile results = StandardResults();
  RunResult* pg = FindRun(&results, "postgres");
  for (auto& [name, s] : pg->summary) s = Summarize({s.median});
  pg->repetitions.resize(1);
  Recommendation r = AdviseOn(kSqlTeam, results);
  EXPECT_TRUE(std::any_of(r.confidence.begin(), r.confidence.end(),
                          [](const std::string& n) {
                            return n.rfind("postgres: only 1 repetition(s)",
                                           0) == 0;
                          }))
      << ::testing::PrintToString(r.confidence);
}

TEST(MeasurementCaveatsTest, FailedRunIsNotRankedAndSaysWhy) {
  ResultsFile results = StandardResults();
  RunResult* pg = FindRun(&results, "postgres");
  pg->status = RunStatus::kFailed;
  pg->failure_phase = "open";
  pg->failure_reason = "Unavailable: connection refused";
  Recommendation r = AdviseOn(kSqlTeam, results);
  const BackendAdvice* a = Find(r, "postgres");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->vetoed);
  EXPECT_FALSE(a->measured);
  ASSERT_FALSE(a->reasons.empty());
  EXPECT_NE(a->reasons[0].find("connection refused"), std::string::npos);
  EXPECT_EQ(r.top, "fs");
}

TEST(MeasurementCaveatsTest, UnsupportedRunIsNotRankedAndSaysWhy) {
  ResultsFile results = StandardResults();
  RunResult* pg = FindRun(&results, "postgres");
  pg->status = RunStatus::kUnsupported;
  pg->failure_phase = "preflight";
  pg->failure_reason = "postgres holds at most 1 MiB";
  Recommendation r = AdviseOn(kSqlTeam, results);
  const BackendAdvice* a = Find(r, "postgres");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->vetoed);
  ASSERT_FALSE(a->reasons.empty());
  EXPECT_NE(a->reasons[0].find("cannot hold the measured state"),
            std::string::npos)
      << a->reasons[0];
  EXPECT_NE(a->reasons[0].find("at most 1 MiB"), std::string::npos);
}

// An open-loop run that fell short of its rate measured what the backend
// could do, not the rate asked: that is the rate the plan uses, and the
// advice says the run saturated.
TEST(MeasurementCaveatsTest, SaturatedOpenLoopRunIsReadAtItsAchievedRate) {
  ResultsFile results = StandardResults();
  RunResult* fs = FindRun(&results, "fs");
  const double achieved = fs->summary.at("throughput.events_per_s").median;
  fs->open_loop = true;
  fs->target_rate = achieved * 4;
  ASSERT_TRUE(IsSaturated(*fs));  // derived from the summary
  Recommendation r = AdviseOn(kSqlTeam, results);
  const BackendAdvice* a = Find(r, "fs");
  ASSERT_NE(a, nullptr);
  EXPECT_NEAR(a->facts.at("derived.per_subtask_rate").number,
              achieved / fs->parallelism, 1);
  EXPECT_TRUE(std::any_of(r.confidence.begin(), r.confidence.end(),
                          [](const std::string& n) {
                            return n.rfind("fs: measured open loop at", 0) ==
                                       0 &&
                                   n.find("saturated") != std::string::npos;
                          }))
      << ::testing::PrintToString(r.confidence);
}

}  // namespace
}  // namespace statebench::advisor
