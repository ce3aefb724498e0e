// Golden profiles: requirements whose right answer is clear from Flink's
// documentation and the seed, against synthetic but plausible measurements
// (tests/advisor/synthetic_results.h). Each checks the ranking, the vetoes
// and that the reasons quote the numbers behind them.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "advisor/advisor.h"
#include "advisor/capacity.h"
#include "tests/advisor/synthetic_results.h"

namespace statebench::advisor {
namespace {

using testing::StandardResults;

constexpr char kRocksInc[] = "rocksdb[checkpoint=incremental]";
constexpr char kRedisBuffered[] = "redis[mode=buffered]";
constexpr char kRedisWriteThrough[] = "redis[mode=write-through]";

Recommendation AdviseOn(const std::string& yaml,
                        const ResultsFile& results = StandardResults()) {
  Result<Profile> p = ParseProfile(yaml, "golden.yaml");
  EXPECT_TRUE(p.ok()) << p.status().message();
  if (!p.ok()) return {};
  Result<Recommendation> r = Advise(*p, {results}, DefaultRules());
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : Recommendation{};
}

const BackendAdvice& Get(const Recommendation& r, const std::string& label) {
  for (const BackendAdvice& a : r.ranking) {
    if (a.label == label) return a;
  }
  ADD_FAILURE() << "no backend " << label;
  static const BackendAdvice kNone;
  return kNone;
}

// The reason of `rule` for `label`, or "" when it did not fire.
std::string Reason(const Recommendation& r, const std::string& label,
                   const std::string& rule) {
  for (const FiredRule& f : r.fired) {
    if (f.backend == label && f.rule_id == rule) return f.reason;
  }
  return "";
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

int Position(const Recommendation& r, const std::string& label) {
  for (size_t i = 0; i < r.ranking.size(); ++i) {
    if (r.ranking[i].label == label) return static_cast<int>(i);
  }
  return -1;
}

// Flink: JobManager checkpoint storage / heap state for local development
// and jobs with little state.
TEST(AdvisorGoldenTest, SmallTestJobGetsTheMemoryBackend) {
  Recommendation r = AdviseOn(R"(
name: small-test-job
state_size: 1MiB
event_rate: 1000
checkpoint_interval: 10s
memory_per_node: 2GiB
)");
  EXPECT_EQ(r.top, "memory");
  EXPECT_FALSE(Get(r, "memory").vetoed);
  EXPECT_EQ(r.ranking[1].label, "fs");  // the other heap backend next
  EXPECT_EQ(Reason(r, "memory", "jobmanager-small-job"),
            "a full checkpoint is 1 MiB, within the 5 MiB jobmanager storage: "
            "nothing to set up");
  EXPECT_TRUE(Contains(Reason(r, "memory", "heap-state-fits"),
                       "2 MiB of heap needed out of 2 GiB"));
  EXPECT_TRUE(Contains(r.summary, "Use memory"));
}

// Flink: very large state -> RocksDB with incremental checkpoints.
TEST(AdvisorGoldenTest, HundredsOfGigabytesGetRocksDbIncremental) {
  Recommendation r = AdviseOn(R"(
name: large-aggregation
state_size: 300GiB
event_rate: 200k/s
checkpoint_interval: 1min
recovery_time_objective: 10min
memory_per_node: 32GiB
nodes: 8
)");
  EXPECT_EQ(r.top, kRocksInc);
  EXPECT_TRUE(Get(r, "memory").vetoed);
  EXPECT_TRUE(Get(r, "fs").vetoed);
  EXPECT_EQ(Reason(r, "fs", "heap-state-exceeds-memory"),
            "300 GiB of state needs 600 GiB of heap (2x headroom for "
            "copy-on-write snapshots and GC), but the cluster has 256 GiB "
            "(8 x 32 GiB)");
  // Full checkpoints of 300 GiB (328 GiB in RocksDB's format at 70/64 of
  // live state) at 70 MiB / 0.9 s per subtask would take 9 min over 8
  // subtasks: the plan takes the 72 subtasks that checkpoint within the
  // minute instead of penalising the backend for the 8.
  EXPECT_EQ(Reason(r, "rocksdb", "checkpoint-slower-than-interval"), "");
  EXPECT_EQ(
      FactOrMissing(Get(r, "rocksdb").facts, "derived.parallelism").number, 72);
  EXPECT_TRUE(Contains(Reason(r, "rocksdb", "capacity-plan"),
                       "72 for the checkpoint interval"))
      << Reason(r, "rocksdb", "capacity-plan");
  // The delta: 10 MB/s of writes x 60 s x 0.6 measured delta per written
  // byte = 343 MiB.
  EXPECT_TRUE(
      Contains(Reason(r, kRocksInc, "large-state-incremental"),
               "about 343 MiB per checkpoint instead of a full 328 GiB"));
  EXPECT_LT(Position(r, kRocksInc), Position(r, "rocksdb"));
  // 300 GiB over the plan's subtasks, against the 64 MiB per subtask
  // measured: the advisor says how far beyond, per subtask.
  EXPECT_TRUE(std::any_of(r.confidence.begin(), r.confidence.end(),
                          [](const std::string& n) {
                            return Contains(n,
                                            "extrapolated 600x beyond the "
                                            "largest state per subtask");
                          }))
      << ::testing::PrintToString(r.confidence);
}

// The seed: team skills and deployment facts. A SQL team with a managed
// PostgreSQL and modest state gets postgres, with its measured cost shown.
TEST(AdvisorGoldenTest, SqlTeamWithManagedPostgresGetsPostgres) {
  Recommendation r = AdviseOn(R"(
name: sql-team
state_size: 5GiB
event_rate: 5000
memory_per_node: 16GiB
nodes: 4
managed_postgres: true
skills: {sql: 3, redis: 0, rocksdb_tuning: 0, heap_gc_tuning: 0, operations: 1}
)");
  EXPECT_EQ(r.top, "postgres");
  EXPECT_EQ(Reason(r, "postgres", "measured-cost"),
            "needs 1 subtask(s) for 5k events/s at 15k events/s "
            "per subtask (planned at 70%); p99 2 ms");
  EXPECT_TRUE(Contains(Reason(r, "postgres", "sql-team-postgres"), "3/3"));
  EXPECT_FALSE(Reason(r, "postgres", "managed-service").empty());
  EXPECT_TRUE(Get(r, "memory").vetoed);  // 5 GiB > the 5 MiB cap
  // Without the SQL skill the heap backend would win.
  ASSERT_FALSE(r.what_would_change.empty());
  EXPECT_TRUE(std::any_of(r.what_would_change.begin(),
                          r.what_would_change.end(), [](const WhatIf& w) {
                            return w.field == "skills.sql" && w.new_top == "fs";
                          }));
}

// Exactly-once state: a write-through store makes writes durable before
// their checkpoint completes, so it is vetoed; the buffered mode is not.
TEST(AdvisorGoldenTest, ExactlyOnceVetoesWriteThroughRedis) {
  Recommendation r = AdviseOn(R"(
name: payments
state_size: 2GiB
event_rate: 20k/s
exactly_once: true
tolerated_data_loss: none
memory_per_node: 8GiB
nodes: 2
managed_redis: true
skills: {redis: 3}
)");
  EXPECT_TRUE(Get(r, kRedisWriteThrough).vetoed);
  EXPECT_TRUE(Contains(Reason(r, kRedisWriteThrough, "exactly-once-capability"),
                       "does not restore exactly the last checkpoint"));
  EXPECT_FALSE(Get(r, kRedisBuffered).vetoed);
  EXPECT_EQ(r.top, kRedisBuffered);
  // No tolerated loss: checkpoints in JobManager memory do not qualify.
  EXPECT_FALSE(
      Reason(r, "memory", "no-loss-needs-durable-checkpoints").empty());
  EXPECT_TRUE(Contains(Reason(r, "memory", "jobmanager-cap-exceeded"),
                       "would be 2 GiB, over the 5 MiB"));
  EXPECT_TRUE(std::any_of(
      r.notes.begin(), r.notes.end(),
      [](const std::string& n) { return Contains(n, "replayable source"); }));
}

// A 1 ms p99 objective: remote backends measured at 1.1-2 ms are vetoed,
// and penalised for the round trip.
TEST(AdvisorGoldenTest, TightLatencyObjectiveVetoesRemoteBackends) {
  Recommendation r = AdviseOn(R"(
name: tight-latency
state_size: 1GiB
event_rate: 50k/s
latency_slo_p99: 1ms
memory_per_node: 4GiB
nodes: 2
)");
  for (const char* remote : {"postgres", kRedisBuffered, kRedisWriteThrough}) {
    EXPECT_TRUE(Get(r, remote).vetoed) << remote;
    EXPECT_FALSE(Reason(r, remote, "remote-round-trip-tight-slo").empty());
  }
  EXPECT_EQ(Reason(r, "postgres", "p99-exceeds-slo"),
            "measured p99 2 ms (value_put) exceeds the 1 ms objective");
  EXPECT_EQ(r.top, "fs");
  EXPECT_FALSE(Get(r, "rocksdb").vetoed);  // 12 us is well within
}

// State larger than memory vetoes the heap backends even when every other
// requirement is easy.
TEST(AdvisorGoldenTest, StateLargerThanMemoryVetoesHeapBackends) {
  Recommendation r = AdviseOn(R"(
name: big-state
state_size: 100GiB
event_rate: 10k/s
memory_per_node: 16GiB
nodes: 4
)");
  EXPECT_TRUE(Get(r, "memory").vetoed);
  EXPECT_TRUE(Get(r, "fs").vetoed);
  EXPECT_TRUE(Contains(Reason(r, "fs", "heap-state-exceeds-memory"),
                       "needs 200 GiB of heap"));
  EXPECT_TRUE(Contains(Reason(r, "fs", "heap-state-exceeds-memory"),
                       "the cluster has 64 GiB (4 x 16 GiB)"));
  EXPECT_EQ(r.top, kRocksInc);
}

// A tight recovery-time objective with a slow measured restore vetoes the
// backend whose restore grows with the state.
TEST(AdvisorGoldenTest, TightRtoVetoesSlowRestore) {
  ResultsFile results = StandardResults();
  // This machine restores RocksDB slowly: 50 MiB/s.
  for (RunResult& run : results.runs) {
    if (run.backend == "rocksdb") {
      testing::SetMetric(&run, "restore.bytes_per_s", 50 * testing::kMiB);
    }
  }
  Recommendation r = AdviseOn(R"(
name: fast-recovery
state_size: 40GiB
event_rate: 100k/s
recovery_time_objective: 5min
checkpoint_interval: 5min
memory_per_node: 64GiB
nodes: 4
)",
                              results);
  // 40 GiB x 70/64 = 43.8 GiB at 50 MiB/s x 4 subtasks = 3.73 min: fine.
  // Tighten: the same restore against a 2 min objective.
  EXPECT_FALSE(Get(r, "rocksdb").vetoed);
  Recommendation tight = AdviseOn(R"(
name: fast-recovery
state_size: 40GiB
event_rate: 100k/s
recovery_time_objective: 2min
checkpoint_interval: 5min
memory_per_node: 64GiB
nodes: 4
)",
                                  results);
  // Restores run in parallel over the subtasks: 8 of them restore within
  // the 2 min, so the plan takes 8 instead of vetoing rocksdb for the 4.
  EXPECT_FALSE(Get(tight, "rocksdb").vetoed);
  EXPECT_EQ(Reason(tight, "rocksdb", "restore-exceeds-rto"), "");
  EXPECT_EQ(
      FactOrMissing(Get(tight, "rocksdb").facts, "derived.parallelism").number,
      8);
  EXPECT_TRUE(Contains(Reason(tight, "rocksdb", "capacity-plan"),
                       "8 for the recovery-time objective"))
      << Reason(tight, "rocksdb", "capacity-plan");
  EXPECT_TRUE(Contains(Reason(tight, "rocksdb", "capacity-plan"),
                       "8 subtasks, 5 GiB of state each"))
      << Reason(tight, "rocksdb", "capacity-plan");
}

// Only a restore that no parallelism within the nodes' limits brings under
// the objective vetoes, and the plan says by how much it misses.
TEST(AdvisorGoldenTest, RestoreNoParallelismFixesIsVetoed) {
  ResultsFile results = StandardResults();
  Recommendation r = AdviseOn(R"(
state_size: 40GiB
event_rate: 100k/s
recovery_time_objective: 100ms
checkpoint_interval: 5min
memory_per_node: 64GiB
nodes: 4
)",
                              results);
  const BackendAdvice& rocks = Get(r, "rocksdb");
  EXPECT_TRUE(rocks.vetoed);
  EXPECT_TRUE(Contains(Reason(r, "rocksdb", "restore-exceeds-rto"),
                       "over the 100 ms recovery-time objective"))
      << Reason(r, "rocksdb", "restore-exceeds-rto");
  EXPECT_TRUE(Contains(Reason(r, "rocksdb", "capacity-unmet"),
                       "the recovery-time objective: even at"))
      << Reason(r, "rocksdb", "capacity-unmet");
  // Even the most subtasks the nodes' memory holds miss it; the plan does
  // not take them for nothing.
  const double cap =
      FactOrMissing(rocks.facts, "derived.parallelism_cap").number;
  EXPECT_LT(cap, kMaxPlannedParallelism);
  EXPECT_TRUE(Contains(Reason(r, "rocksdb", "capacity-unmet"),
                       fmt::format("even at {} subtasks", cap)))
      << Reason(r, "rocksdb", "capacity-unmet");
  EXPECT_LT(FactOrMissing(rocks.facts, "derived.parallelism").number, cap);
}

// A sweep's curves: the restore is forecast from the model at the planned
// state per subtask, with its interval and how far beyond the measured
// sizes it reaches; when only the pessimistic end misses the objective the
// backend is at risk, with the measurement that would settle it.
ResultsFile WithRestoreCurve(ResultsFile f) {
  RunResult* rocks = testing::FindRun(&f, "rocksdb", "", "incremental");
  rocks->extra["sweep"] = {{"state_bytes", 256 * testing::kMiB},
                           {"state_bytes_per_subtask", 256 * testing::kMiB}};
  // Restores of 16, 64 and 256 MiB per subtask, not quite proportional.
  f.curves = {{"x", "state_bytes_per_subtask"},
              {"backends",
               {{"rocksdb incremental",
                 {{"restore.duration_ms",
                   {{"points",
                     {{16 * testing::kMiB, 90.0},
                      {64 * testing::kMiB, 420.0},
                      {256 * testing::kMiB, 1500.0}}}}}}}}}};
  return f;
}

TEST(AdvisorGoldenTest, RestoreIsForecastFromTheSweepsCurve) {
  const ResultsFile results = WithRestoreCurve(StandardResults());
  const std::string base = R"(
state_size: 300GiB
event_rate: 200k/s
checkpoint_interval: 1min
memory_per_node: 32GiB
nodes: 8
)";
  Recommendation r = AdviseOn(base, results);
  const Facts& f = Get(r, kRocksInc).facts;
  const double planned = FactOrMissing(f, "derived.parallelism").number;
  const double per_subtask = 300 * testing::kGiB / planned;
  EXPECT_DOUBLE_EQ(FactOrMissing(f, "derived.state_per_subtask").number,
                   per_subtask);
  EXPECT_DOUBLE_EQ(FactOrMissing(f, "derived.extrapolation").number,
                   per_subtask / (256 * testing::kMiB));
  const double t = FactOrMissing(f, "derived.restore_time").number;
  const double low = FactOrMissing(f, "derived.restore_time_low").number;
  const double high = FactOrMissing(f, "derived.restore_time_high").number;
  EXPECT_LT(low, t);
  EXPECT_LT(t, high);
  EXPECT_TRUE(
      Contains(FactOrMissing(f, "derived.restore_basis").text, "the sweep's"))
      << FactOrMissing(f, "derived.restore_basis").text;

  // An objective between the forecast and its pessimistic end: at risk,
  // not vetoed, and the advisor names the size to measure.
  const std::string rto =
      fmt::format("recovery_time_objective: {}s\n", std::floor((t + high) / 2));
  Recommendation risky = AdviseOn(base + rto, results);
  EXPECT_FALSE(Get(risky, kRocksInc).vetoed);
  EXPECT_EQ(Reason(risky, kRocksInc, "restore-exceeds-rto"), "");
  const std::string at_risk = Reason(risky, kRocksInc, "restore-at-risk");
  EXPECT_TRUE(Contains(at_risk, "measure rocksdb at")) << at_risk;

  // Below the optimistic end at every parallelism the plan may take would
  // veto; below it only at this one, the plan takes more subtasks.
  const std::string tight =
      fmt::format("recovery_time_objective: {}s\n", std::floor(low / 2));
  Recommendation more = AdviseOn(base + tight, results);
  EXPECT_FALSE(Get(more, kRocksInc).vetoed);
  EXPECT_GT(
      FactOrMissing(Get(more, kRocksInc).facts, "derived.parallelism").number,
      planned);
}

// A throughput curve whose interval is wide (a knee the points straddle)
// sizes the plan on the forecast and says the plan is at risk.
TEST(AdvisorGoldenTest, ThroughputFromACurveWithAWideIntervalIsAtRisk) {
  ResultsFile f = WithRestoreCurve(StandardResults());
  f.curves["backends"]["rocksdb incremental"]["throughput.events_per_s"] = {
      {"points",
       {{16 * testing::kMiB, 280000.0},
        {64 * testing::kMiB, 220000.0},
        {256 * testing::kMiB, 50000.0}}}};
  Recommendation r = AdviseOn(R"(
state_size: 300GiB
event_rate: 200k/s
checkpoint_interval: 1min
memory_per_node: 32GiB
nodes: 8
)",
                              f);
  const Facts& facts = Get(r, kRocksInc).facts;
  EXPECT_LT(FactOrMissing(facts, "derived.per_subtask_rate_low").number,
            FactOrMissing(facts, "derived.per_subtask_rate").number);
  const std::string risk = Reason(r, kRocksInc, "rate-at-risk");
  EXPECT_TRUE(Contains(risk, "at the low end of its forecast")) << risk;
  EXPECT_FALSE(Get(r, kRocksInc).vetoed);
}

// A rocksdb throughput curve measured against the block cache is read at
// the plan's cache: half the memory per subtask (Flink's managed memory,
// shared with the write buffers), a ratio to the state that does not
// depend on the parallelism; without memory_per_node, at the sweep's own.
TEST(AdvisorGoldenTest, ThroughputIsReadAtThePlansBlockCache) {
  ResultsFile f = WithRestoreCurve(StandardResults());
  const double mib = testing::kMiB;
  // The sweep's 64 MiB cache at 16, 64 and 256 MiB per subtask runs at
  // ratios 4, 1 and 1/4, where the cache curve's factors are 1, 2/3 and
  // 1/3; divided by them the state size costs nothing: 200k flat.
  f.curves["backends"]["rocksdb incremental"]["throughput.events_per_s"] = {
      {"points",
       {{16 * mib, 200000.0},
        {64 * mib, 200000.0 * 2 / 3},
        {256 * mib, 200000.0 / 3}}},
      {"cache",
       {{"block_cache_bytes", 64 * mib},
        {"points",
         {{{"ratio", 0.125},
           {"relative_throughput", 0.25},
           {"memory_share", 0.3}},
          {{"ratio", 0.5}, {"relative_throughput", 0.5}, {"memory_share", 0.7}},
          {{"ratio", 2.0},
           {"relative_throughput", 1.0},
           {"memory_share", 1.0}}}}}}};
  const double measured_p =
      testing::FindRun(&f, "rocksdb", "", "incremental")->parallelism;
  const std::string base = R"(
state_size: 300GiB
event_rate: 100k/s
checkpoint_interval: 1min
nodes: 8
)";
  Recommendation r = AdviseOn(base + "memory_per_node: 32GiB\n", f);
  const Facts& facts = Get(r, kRocksInc).facts;
  const double p = FactOrMissing(facts, "derived.parallelism").number;
  EXPECT_NEAR(FactOrMissing(facts, "derived.block_cache_per_subtask").number,
              0.5 * 32 * testing::kGiB * 8 / p, 1);
  // 128 GiB of cache over 300 GiB of state: 0.427, between the ratios 1/8
  // and 1/2, where the per-op cost is 4 and 2.
  const double t = std::log((128.0 / 300) / 0.125) / std::log(4.0);
  const double factor = 1 / (4 - 2 * t);
  EXPECT_NEAR(FactOrMissing(facts, "derived.per_subtask_rate").number,
              200000.0 / measured_p * factor, 1);
  const std::string note = Reason(r, kRocksInc, "rate-from-curve");
  EXPECT_TRUE(Contains(note, "half of memory_per_node")) << note;

  // The sweep's 64 MiB against tens of GiB per subtask: far fewer hits.
  Recommendation small = AdviseOn(base, f);
  const Facts& sf = Get(small, kRocksInc).facts;
  const double sp = FactOrMissing(sf, "derived.parallelism").number;
  EXPECT_DOUBLE_EQ(FactOrMissing(sf, "derived.block_cache_per_subtask").number,
                   64 * mib);
  EXPECT_LT(FactOrMissing(sf, "derived.per_subtask_rate").number,
            200000.0 / measured_p * factor);
  EXPECT_GT(sp, 0);
  EXPECT_TRUE(
      Contains(Reason(small, kRocksInc, "rate-from-curve"), "the sweep's own"));
}

// Write amplification and a full checkpoint's size come from the sweep's
// curves at the planned state per subtask, not from its largest point.
TEST(AdvisorGoldenTest, WriteAmplificationAndCheckpointSizeFromCurves) {
  ResultsFile f = WithRestoreCurve(StandardResults());
  const double mib = testing::kMiB;
  const double measured_p =
      testing::FindRun(&f, "rocksdb", "", "incremental")->parallelism;
  nlohmann::json& curves = f.curves["backends"]["rocksdb incremental"];
  // Leveled compaction: write amplification as the square root of the
  // state (a power law with exponent 0.5).
  curves["write_amplification"] = {
      {"points", {{16 * mib, 1.0}, {64 * mib, 2.0}, {256 * mib, 4.0}}}};
  // The job's full checkpoint: 1.05 bytes per byte of state per subtask.
  curves["checkpoint.median_full_size_bytes"] = {
      {"points",
       {{16 * mib, 1.05 * 16 * mib * measured_p},
        {64 * mib, 1.05 * 64 * mib * measured_p},
        {256 * mib, 1.05 * 256 * mib * measured_p}}}};
  Recommendation r = AdviseOn(R"(
state_size: 300GiB
event_rate: 100k/s
checkpoint_interval: 1min
memory_per_node: 32GiB
nodes: 8
)",
                              f);
  const Facts& facts = Get(r, kRocksInc).facts;
  const double x = FactOrMissing(facts, "derived.state_per_subtask").number;
  EXPECT_NEAR(FactOrMissing(facts, "derived.write_amplification").number /
                  (4 * std::sqrt(x / (256 * mib))),
              1, 1e-6);
  EXPECT_NEAR(FactOrMissing(facts, "derived.checkpoint_full_size").number /
                  (1.05 * 300 * testing::kGiB),
              1, 1e-6);
}

// Crash verification beats a claimed capability.
TEST(AdvisorGoldenTest, FailedVerificationIsVetoedForExactlyOnce) {
  ResultsFile results = StandardResults();
  testing::FindRun(&results, "rocksdb", "", "incremental")->verification = {
      {"verdict", "failed"}, {"lost", 3}, {"resurrected", 0}, {"wrong", 1}};
  for (RunResult& run : results.runs) {
    if (run.verification.is_null()) {
      run.verification = {{"verdict", "exactly-once"},
                          {"lost", 0},
                          {"resurrected", 0},
                          {"wrong", 0}};
    }
  }
  const char* profile = R"(
name: verified
state_size: 300GiB
event_rate: 200k/s
exactly_once: true
memory_per_node: 32GiB
nodes: 8
)";
  Recommendation r = AdviseOn(profile, results);
  EXPECT_TRUE(Get(r, kRocksInc).vetoed);
  EXPECT_EQ(Reason(r, kRocksInc, "verification-failed"),
            "crash verification failed: 3 lost, 0 resurrected, 1 wrong");
  EXPECT_NE(r.top, kRocksInc);
  EXPECT_FALSE(Get(r, "rocksdb").vetoed);  // its own run verified
  // Verified backends carry no "unverified" note.
  EXPECT_TRUE(Reason(r, "rocksdb", "exactly-once-unverified").empty());
}

// A disk-write budget against measured write amplification.
TEST(AdvisorGoldenTest, DiskWriteBudgetVetoesHighWriteAmplification) {
  Recommendation r = AdviseOn(R"(
name: shared-ssd
state_size: 20GiB
event_rate: 100k/s
disk_write_budget: 20MiB/s
memory_per_node: 32GiB
nodes: 4
)");
  // 100k/s x 50% writes x 100 B = 5 MB/s (4.77 MiB/s); x 8 = 38.1 MiB/s.
  EXPECT_TRUE(Get(r, "rocksdb").vetoed);
  EXPECT_EQ(Reason(r, "rocksdb", "disk-write-budget-exceeded"),
            "4.77 MiB/s of state writes x measured write amplification 8x = "
            "38.1 MiB/s, over the 20 MiB/s disk-write budget");
  EXPECT_FALSE(Get(r, "fs").vetoed);  // 1.2x: 5.72 MiB/s
  EXPECT_EQ(r.top, "fs");
}

// A Redis team with a managed Redis and no exactly-once requirement.
TEST(AdvisorGoldenTest, RedisTeamWithManagedRedisGetsRedis) {
  Recommendation r = AdviseOn(R"(
name: redis-shop
state_size: 10GiB
event_rate: 20k/s
memory_per_node: 8GiB
nodes: 2
managed_redis: true
skills: {redis: 3, operations: 0}
)");
  EXPECT_EQ(r.top.rfind("redis[", 0), 0u) << r.top;
  EXPECT_TRUE(Get(r, "fs").vetoed);  // 20 GiB of heap needed, 16 GiB there
  EXPECT_TRUE(Contains(Reason(r, "postgres", "self-run-server-low-ops"),
                       "operations capacity 0/3 and no managed postgres"));
}

// The example profiles shipped in advisor/examples parse, and the ones
// named after a golden case give its answer.
TEST(AdvisorGoldenTest, ExampleProfilesGiveTheirDocumentedAnswer) {
  const std::pair<const char*, const char*> examples[] = {
      {"small-test-job.yaml", "memory"},
      {"large-state-aggregation.yaml", kRocksInc},
      {"sql-team.yaml", "postgres"},
      {"exactly-once-payments.yaml", kRedisBuffered},
      {"tight-latency.yaml", "fs"},
  };
  for (const auto& [file, top] : examples) {
    std::string path =
        std::string(STATEBENCH_SOURCE_DIR) + "/advisor/examples/" + file;
    Result<Profile> p = LoadProfile(path);
    ASSERT_TRUE(p.ok()) << p.status().message();
    Result<Recommendation> r = Advise(*p, {StandardResults()}, DefaultRules());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->top, top) << file;
  }
}

}  // namespace
}  // namespace statebench::advisor
