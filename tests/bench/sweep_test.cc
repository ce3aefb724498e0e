// `statebench sweep`: the size ladder and its refusals, the plan's budget,
// the curves fitted over the sizes, and an interrupted sweep keeping the
// sizes it finished.
#include "bench/cli/sweep.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/file_util.h"
#include "reports/results/results.h"
#include "tests/cli_runner.h"
#include "tests/test_process.h"

namespace statebench::testing {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

TEST(SweepSizesTest, ParsesAscendingDistinctSizes) {
  Result<std::vector<uint64_t>> s =
      ParseStateSizes("--state-sizes", {"16MiB", "256MiB", "2GiB"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, (std::vector<uint64_t>{16 * kMiB, 256 * kMiB, 2048 * kMiB}));
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"16MiB", "8MiB"},
        {"16MiB", "16MiB"},
        {"16XB"},
        {"0"},
        {"-5MiB"},
        {}}) {
    Result<std::vector<uint64_t>> r = ParseStateSizes("--state-sizes", bad);
    EXPECT_FALSE(r.ok());
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("--state-sizes"), std::string::npos);
    }
  }
}

TEST(SweepSizesTest, GeometricLadderEndsAtTheLargest) {
  Result<std::vector<uint64_t>> s =
      GeometricStateSizes(16 * kMiB, 1024 * kMiB, 4);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (std::vector<uint64_t>{16 * kMiB, 64 * kMiB, 256 * kMiB,
                                       1024 * kMiB}));
  EXPECT_FALSE(GeometricStateSizes(16 * kMiB, 8 * kMiB, 3).ok());
  EXPECT_FALSE(GeometricStateSizes(16 * kMiB, 32 * kMiB, 1).ok());
  EXPECT_FALSE(GeometricStateSizes(10, 12, 10).ok());  // repeated sizes
}

TEST(SweepPlanTest, HeapBackendsStopWhereMemoryEndsAndDiskRefuses) {
  SweepPlanInput in;
  in.backends = {"fs", "rocksdb"};
  in.sizes = {64 * kMiB, 4096 * kMiB};
  in.bytes_per_key = 116;
  in.machine.memory_available = 6000 * kMiB;
  in.machine.disk_free = 1ull << 40;
  Result<std::vector<SweepStep>> plan = PlanSweep(in);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 4u);
  EXPECT_TRUE((*plan)[0].skip_reason.empty());
  // 4 GiB of heap state with Flink's 2x headroom is 8 GiB > 6000 MiB.
  EXPECT_EQ((*plan)[2].backend, "fs");
  EXPECT_NE((*plan)[2].skip_reason.find("2x headroom"), std::string::npos);
  EXPECT_TRUE((*plan)[3].skip_reason.empty());  // rocksdb is not heap-bound
  EXPECT_EQ((*plan)[1].keys, 64 * kMiB / 116);

  in.machine.disk_free = 1024 * kMiB;  // rocksdb at 4 GiB needs ~20 GiB
  Result<std::vector<SweepStep>> refused = PlanSweep(in);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("of disk"), std::string::npos);

  in.machine.disk_free = 1ull << 40;
  in.sizes = {100};  // below one key
  EXPECT_FALSE(PlanSweep(in).ok());
}

// The cache curve runs after the first size below the largest whose state
// per subtask is twice the write buffer, at that size, with the block
// cache at 2, 1/2 and 1/8 of its state per subtask. Below that size the
// state lives in the memtable, whatever the cache.
TEST(SweepPlanTest, RocksDbCacheCurveRunsWhereTheStateOutgrowsTheMemtable) {
  SweepPlanInput in;
  in.backends = {"fs", "rocksdb"};
  in.sizes = {64 * kMiB, 256 * kMiB, 512 * kMiB, 1024 * kMiB};
  in.bytes_per_key = 116;
  in.parallelism = 2;
  in.machine.memory_available = 6000 * kMiB;
  in.machine.disk_free = 1ull << 40;
  in.rocksdb_cache_curve = true;
  Result<std::vector<SweepStep>> plan = PlanSweep(in);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 11u);
  EXPECT_EQ((*plan)[3].block_cache_bytes, 0u);
  const uint64_t expect[] = {256 * kMiB, 64 * kMiB, 16 * kMiB};
  for (int i = 0; i < 3; ++i) {
    const SweepStep& s = (*plan)[4 + i];
    EXPECT_EQ(s.backend, "rocksdb");
    EXPECT_EQ(s.state_bytes, 256 * kMiB);
    EXPECT_EQ(s.block_cache_bytes, expect[i]);
  }
  EXPECT_EQ((*plan)[7].state_bytes, 512 * kMiB);
  // Direct reads: only the run's reads fill the cache, so the warmup reads
  // the smaller of the cache and the state per subtask, at 5,000 blocks of
  // 4 KiB a second: 128 MiB for the cache twice the state, 64 MiB (the
  // configured cache) for the ladder's own step.
  EXPECT_NEAR((*plan)[4].warmup_s, 128.0 * kMiB / (4096 * 5000), 1e-9);
  EXPECT_NEAR((*plan)[3].warmup_s, 64.0 * kMiB / (4096 * 5000), 1e-9);
  EXPECT_EQ((*plan)[2].warmup_s, 0);  // fs
  // Only the largest size outgrows the memtable: no curve.
  in.sizes = {64 * kMiB, 256 * kMiB};
  EXPECT_EQ(PlanSweep(in)->size(), 4u);
  in.sizes = {256 * kMiB, 512 * kMiB};
  in.rocksdb_cache_curve = false;
  EXPECT_EQ(PlanSweep(in)->size(), 4u);
}

// Checkpoints take at most a quarter of a step: the interval grows with
// the duration the backend's previous size forecasts at this size, and the
// measured phase lets one such checkpoint complete.
TEST(SweepPlanTest, CheckpointCadenceBoundsTheCheckpointsShare) {
  CheckpointCadence cadence(1000, 3);
  StepCadence first = cadence.For("fs", 16 * kMiB);
  EXPECT_EQ(first.interval_ms, 1000u);  // nothing measured yet
  EXPECT_EQ(first.measure_s, 3);
  cadence.Measured("fs", 256 * kMiB, 1000);
  // 1 GiB forecasts 4 s: every 16 s, over 16 + 2 x 4 s.
  StepCadence big = cadence.For("fs", 1024 * kMiB);
  EXPECT_EQ(big.interval_ms, 16000u);
  EXPECT_DOUBLE_EQ(big.measure_s, 24);
  // A small size keeps what was configured; another backend is its own.
  EXPECT_EQ(cadence.For("fs", 16 * kMiB).interval_ms, 1000u);
  EXPECT_EQ(cadence.For("rocksdb", 1024 * kMiB).interval_ms, 1000u);
  // A smaller size measured later does not replace the larger one.
  cadence.Measured("fs", 16 * kMiB, 500);
  EXPECT_EQ(cadence.For("fs", 1024 * kMiB).interval_ms, 16000u);
  // No periodic checkpoints stays none.
  CheckpointCadence none(0, 3);
  none.Measured("fs", 256 * kMiB, 1000);
  EXPECT_EQ(none.For("fs", 1024 * kMiB).interval_ms, 0u);
}

RunResult SyntheticRun(const std::string& backend, double x, double restore_ms,
                       double ops) {
  RunResult r;
  r.backend = backend;
  r.summary["restore.duration_ms"].median = restore_ms;
  r.summary["throughput.ops_per_s"].median = ops;
  r.extra["sweep"] = {{"state_bytes", x}, {"state_bytes_per_subtask", x}};
  return r;
}

TEST(SweepCurvesTest, FitsEachMetricAndChecksTheLargestForecast) {
  std::vector<RunResult> runs;
  for (double x : {16e6, 64e6, 256e6, 1024e6}) {
    runs.push_back(SyntheticRun("rocksdb", x, 5 + x / 1e6, 1e5));
  }
  RunResult failed = SyntheticRun("rocksdb", 4096e6, 1, 1);
  failed.status = RunStatus::kFailed;
  runs.push_back(failed);
  nlohmann::json c = FitCurves(runs);
  const nlohmann::json& r = c["backends"]["rocksdb"]["restore.duration_ms"];
  EXPECT_EQ(r["points"].size(), 4u);  // the failed run is left out
  EXPECT_EQ(r["model"]["kind"], "linear");
  EXPECT_NEAR(r["model"]["params"][1].get<double>(), 1e-6, 1e-12);
  EXPECT_NEAR(r["forecast_check"]["relative_error"].get<double>(), 0, 1e-9);
  EXPECT_EQ(c["backends"]["rocksdb"]["throughput.ops_per_s"]["model"]["kind"],
            "constant");
}

// One step of a cache curve: rocksdb at x with the block cache `cache`,
// `ops` ops/s, and `share` of its reads served from memory.
RunResult CacheStep(double x, double cache, double ops, double share) {
  RunResult r = SyntheticRun("rocksdb", x, 10, ops);
  r.effective_config["block_cache_size"] =
      std::to_string(static_cast<uint64_t>(cache));
  r.extra["sweep"]["cache_curve"] = true;
  Repetition rep;
  rep.io.read_sources = {
      {"block_cache", static_cast<uint64_t>(share * 1000)},
      {"storage", static_cast<uint64_t>((1 - share) * 1000)}};
  r.repetitions.push_back(rep);
  return r;
}

// The cache curve is relative to its largest cache, and applied to the
// throughput model only when that cache had warmed up (held the state).
TEST(SweepCurvesTest, CacheCurveAppliesOnlyWhenItsReferenceWarmedUp) {
  const double mib = 1 << 20;
  auto runs_with = [&](double reference_share) {
    std::vector<RunResult> runs;
    for (double x : {64 * mib, 256 * mib, 1024 * mib}) {
      RunResult r = SyntheticRun("rocksdb", x, x / mib, 1e5 * 64 * mib / x);
      r.effective_config["block_cache_size"] = "64MiB";
      runs.push_back(r);
    }
    runs.push_back(CacheStep(256 * mib, 512 * mib, 50'000, reference_share));
    runs.push_back(CacheStep(256 * mib, 128 * mib, 40'000, 0.6));
    runs.push_back(CacheStep(256 * mib, 32 * mib, 25'000, 0.2));
    return FitCurves(runs);
  };
  nlohmann::json warm = runs_with(0.99);
  const nlohmann::json& rate =
      warm["backends"]["rocksdb"]["throughput.ops_per_s"];
  ASSERT_TRUE(rate.contains("cache")) << rate.dump();
  EXPECT_EQ(rate["points"].size(), 3u);  // cache steps are not sizes
  EXPECT_DOUBLE_EQ(rate["cache"]["block_cache_bytes"].get<double>(), 64 * mib);
  ASSERT_EQ(rate["cache"]["points"].size(), 3u);
  EXPECT_DOUBLE_EQ(rate["cache"]["points"][0]["ratio"].get<double>(), 0.125);
  EXPECT_DOUBLE_EQ(
      rate["cache"]["points"][0]["relative_throughput"].get<double>(), 0.5);
  EXPECT_FALSE(rate["cache"].contains("applied"));
  ASSERT_TRUE(CacheCurveFromJson(rate).has_value());
  EXPECT_NE(rate["model"]["describe"].get<std::string>().find("cache factor"),
            std::string::npos);
  // The restore curve is not read through the cache.
  EXPECT_FALSE(
      warm["backends"]["rocksdb"]["restore.duration_ms"].contains("cache"));

  // Without the step whose cache holds the state (it failed), the largest
  // measured is no reference: not applied.
  {
    std::vector<RunResult> runs;
    for (double x : {64 * mib, 256 * mib, 1024 * mib}) {
      RunResult r = SyntheticRun("rocksdb", x, x / mib, 1e5);
      r.effective_config["block_cache_size"] = "64MiB";
      runs.push_back(r);
    }
    runs.push_back(CacheStep(256 * mib, 128 * mib, 40'000, 0.9));
    runs.push_back(CacheStep(256 * mib, 32 * mib, 25'000, 0.2));
    const nlohmann::json c =
        FitCurves(runs)["backends"]["rocksdb"]["throughput.ops_per_s"];
    EXPECT_EQ(c["cache"]["applied"], false) << c.dump();
    EXPECT_NE(c["cache"]["reason"].get<std::string>().find("holds it"),
              std::string::npos);
  }

  nlohmann::json cold = runs_with(0.5);
  const nlohmann::json& c = cold["backends"]["rocksdb"]["throughput.ops_per_s"];
  EXPECT_EQ(c["cache"]["applied"], false);
  EXPECT_NE(c["cache"]["reason"].get<std::string>().find("not warmed up"),
            std::string::npos);
  EXPECT_FALSE(CacheCurveFromJson(c).has_value());
  // A repeated ratio (hand-written JSON) is read once: no 0/0.
  nlohmann::json twice = rate;
  twice["cache"]["points"].push_back(twice["cache"]["points"][0]);
  std::optional<CacheCurve> once = CacheCurveFromJson(twice);
  ASSERT_TRUE(once.has_value());
  EXPECT_EQ(once->points.size(), 3u);
  EXPECT_TRUE(std::isfinite(once->Factor(0.125)));
  EXPECT_EQ(c["model"]["describe"].get<std::string>().find("cache factor"),
            std::string::npos);
}

std::string TempDir() {
  Result<std::string> d = MakeTempDirectory("statebench-sweep-test-");
  EXPECT_TRUE(d.ok());
  return d.ok() ? *d : "/tmp";
}

TEST(SweepCliTest, MeasuresEachSizeAndWritesCurves) {
  const std::string dir = TempDir();
  // A 64 KiB write buffer, so that 256 KiB of state outgrows the memtable
  // and carries the cache curve.
  CliRun r =
      Cli({"sweep", "--backends", "fs,rocksdb", "--state-sizes",
           "256KiB,512KiB,1MiB", "--backend-opt",
           "rocksdb.write_buffer_size=64KiB", "--duration", "0.2", "--warmup",
           "0", "--checkpoint-interval", "50", "-q", "-o", dir + "/r.json"});
  ASSERT_EQ(r.code, 0) << r.err;
  Result<ResultsFile> f = LoadResultsFile(dir + "/r.json");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  // Two backends at three sizes, and rocksdb's cache curve after the
  // smallest size: its block cache at 2 and 1/2 of the state, and 64 KiB,
  // the least it runs with.
  ASSERT_EQ(f->runs.size(), 9u);
  EXPECT_EQ(f->runs[0].extra["sweep"]["state_bytes"], 256 * 1024);
  for (int i : {2, 3, 4}) {
    EXPECT_EQ(f->runs[i].backend, "rocksdb");
    EXPECT_EQ(f->runs[i].extra["sweep"]["cache_curve"], true);
  }
  EXPECT_EQ(f->runs[3].effective_config.at("block_cache_size"), "131072");
  // 1 MiB of 116-byte entries.
  EXPECT_EQ(f->runs[8].extra["sweep"]["keys"], kMiB / 116);
  const nlohmann::json& rate =
      f->curves["backends"]["rocksdb"]["throughput.ops_per_s"];
  ASSERT_TRUE(rate.contains("cache")) << rate.dump();
  EXPECT_EQ(rate["cache"]["points"].size(), 3u);
  EXPECT_EQ(rate["cache"]["block_cache_bytes"], 64 * kMiB);
  EXPECT_EQ(rate["points"].size(), 3u);  // cache steps are not sizes
  EXPECT_FALSE(
      f->curves["backends"]["fs"]["throughput.ops_per_s"].contains("cache"));
  ASSERT_TRUE(f->curves.is_object());
  for (const char* b : {"fs", "rocksdb"}) {
    const nlohmann::json& m = f->curves["backends"][b];
    ASSERT_TRUE(m.contains("restore.duration_ms")) << f->curves.dump();
    EXPECT_EQ(m["restore.duration_ms"]["points"].size(), 3u);
    EXPECT_TRUE(m["restore.duration_ms"].contains("forecast_check"));
  }
  // The sweep's rocksdb reads SST files directly and restores from
  // checkpoint storage.
  EXPECT_EQ(f->runs[1].backend_options.at("use_direct_reads"), "on");
  EXPECT_EQ(f->runs[1].repetitions[0].restores[0].mode, "checkpoint-storage");
  EXPECT_NE(r.out.find("COST MODELS"), std::string::npos) << r.out;
  // The Markdown report has the same models as a table.
  CliRun md =
      Cli({"report", dir + "/r.json", "--format", "md", "-o", dir + "/r.md"});
  ASSERT_EQ(md.code, 0) << md.err;
  const std::string text = ReadWholeFile(dir + "/r.md");
  EXPECT_NE(text.find("### Cost models against state per subtask"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("| rocksdb | `restore.duration_ms` |"), std::string::npos)
      << text;
  EXPECT_NE(text.find("**rocksdb cache curve** at 256 KiB per subtask"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("rocksdb &#64; 256 KiB, cache curve: block cache"),
            std::string::npos)
      << text;
  (void)RemoveTree(dir);
}

// `compare --sweep` is the sweep of compare's backends, and the advisor
// reads its curves: the restore at the profile's state per subtask comes
// from the sweep's model, with its interval.
TEST(SweepCliTest, CompareSweepFeedsTheAdvisorsCurves) {
  const std::string dir = TempDir();
  CliRun r = Cli({"compare", "--backends", "fs", "--sweep",
                  "256KiB,512KiB,1MiB", "--duration", "0.2", "--warmup", "0",
                  "--checkpoint-interval", "50", "-q", "-o", dir + "/r.json"});
  ASSERT_EQ(r.code, 0) << r.err;
  Result<ResultsFile> f = LoadResultsFile(dir + "/r.json");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->runs.size(), 3u);
  EXPECT_EQ(f->runs[2].extra["sweep"]["state_bytes"], 1024 * 1024);
  ASSERT_TRUE(f->curves["backends"]["fs"].contains("restore.duration_ms"));
  {
    std::ofstream p(dir + "/p.yaml");
    p << "state_size: 64MiB\nevent_rate: 1000\nnodes: 2\n"
         "memory_per_node: 8GiB\nrecovery_time_objective: 10min\n";
  }
  CliRun a = Cli({"advise", "--profile", dir + "/p.yaml", "--results",
                  dir + "/r.json", "--format", "json", "--no-what-if"});
  ASSERT_EQ(a.code, 0) << a.err;
  nlohmann::json j = nlohmann::json::parse(a.out);
  const nlohmann::json& c = j["ranking"][0]["capacity"];
  EXPECT_EQ(c["state_per_subtask_bytes"], 32 * 1024 * 1024) << c.dump();
  EXPECT_NE(c["restore_basis"].get<std::string>().find("the sweep's"),
            std::string::npos)
      << c.dump();
  EXPECT_LT(c["restore_time_low_s"].get<double>(),
            c["restore_time_high_s"].get<double>());
  // 32 MiB per subtask against the largest 1 MiB measured.
  EXPECT_DOUBLE_EQ(c["extrapolation"].get<double>(), 32.0);
  // The sweep's check of its own forecasts reaches the confidence notes.
  EXPECT_NE(j["confidence"].dump().find(
                "fs: its sweep forecast its largest size from the smaller "
                "ones with errors of"),
            std::string::npos)
      << j["confidence"].dump();
  // A bad ladder names the flag it came from.
  CliRun bad = Cli({"compare", "--backends", "fs", "--sweep", "2MiB,1MiB"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--sweep: sizes must ascend"), std::string::npos)
      << bad.err;
  (void)RemoveTree(dir);
}

TEST(SweepCliTest, BadLaddersExitTwoBeforeMeasuring) {
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {{"--state-sizes", "16MiB,8MiB"}, "ascend"},
           {{"--state-sizes", "16MiB,16MiB"}, "repeated"},
           {{"--state-sizes", "1XB"}, "not a size"},
           {{"--state-sizes", "64"}, "below one key"},
           {{"--state-sizes", "900TiB"}, "beyond this machine"},
           {{"--backends", "rocksdb", "--state-sizes", "900TiB"}, "of disk"},
           {{"--up-to", "8MiB", "--from", "16MiB"}, "must exceed"},
           {{"--state-sizes", "1MiB", "--up-to", "2MiB"}, "use one"},
           {{"--workload", "tumbling-window"}, "one value per key"},
       }) {
    std::vector<std::string> args = {"sweep", "--backends", "fs"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliRun r = Cli(args);
    EXPECT_EQ(r.code, 2) << c.says << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("sweep ["), std::string::npos)
        << "measured: " << r.err;
  }
}

// SIGINT during a sweep: the results file holds every size finished
// before it, and parses.
TEST(SweepCliTest, InterruptedSweepKeepsTheSizesItFinished) {
  const std::string dir = TempDir();
  const std::string out = dir + "/r.json";
  ChildProcess child;
  ASSERT_TRUE(child.Start(
      {STATEBENCH_BINARY, "sweep", "--backends", "fs", "--state-sizes",
       "256KiB,512KiB,1MiB,2MiB,4MiB,8MiB,16MiB,32MiB", "--duration", "1",
       "--warmup", "0", "-q", "-o", out},
      dir + "/capture"));
  // Wait for two finished sizes.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(120);
  size_t finished = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    Result<ResultsFile> f = LoadResultsFile(out);
    if (f.ok() && f->runs.size() >= 2) {
      finished = f->runs.size();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GE(finished, 2u);
  ::kill(child.pid(), SIGINT);
  ProcessResult p = child.Wait(60);
  EXPECT_FALSE(p.timed_out);
  Result<ResultsFile> f = LoadResultsFile(out);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_GE(f->runs.size(), finished);
  EXPECT_LT(f->runs.size(), 8u);
  for (const RunResult& run : f->runs) EXPECT_EQ(run.status, RunStatus::kOk);
  EXPECT_TRUE(f->curves.is_object());
  (void)RemoveTree(dir);
}

}  // namespace
}  // namespace statebench::testing
