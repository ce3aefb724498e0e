// Checkpoint, restore and configuration figures mean what they say: the
// end-to-end duration decomposes into start delay, alignment, sync and
// async; tails are reported beside medians; restore rates are per byte of
// state; the effective configuration includes the defaults.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "backends/file_util.h"
#include "backends/registry.h"
#include "bench/cli.h"
#include "bench/harness.h"
#include "bench/run_record.h"
#include "reports/results.h"
#include "tests/bench/delayed_backend.h"
#include "tests/cli_runner.h"

namespace statebench {
namespace {

using testing::Cli;
using testing::CliRun;
using testing::RunAndLoad;

// The memory backend, with every state op of subtask 0 made 5 us slower:
// one subtask that falls behind the others, as the subtask holding the hot
// keys of a skewed workload does.
BackendRegistry OneSlowSubtaskRegistry() {
  auto builtin = std::make_shared<BackendRegistry>();
  RegisterBuiltinBackends(builtin.get());
  BackendRegistry registry;
  BackendInfo info = *builtin->Info("memory");
  EXPECT_TRUE(registry
                  .Register(info,
                            [builtin](const BackendConfig& c)
                                -> Result<std::unique_ptr<StateBackend>> {
                              SB_ASSIGN_OR_RETURN(
                                  std::unique_ptr<StateBackend> inner,
                                  builtin->Create("memory", c));
                              auto delay = c.subtask_index == 0
                                               ? std::chrono::microseconds(5)
                                               : std::chrono::microseconds(0);
                              return std::unique_ptr<StateBackend>(
                                  std::make_unique<testing::DelayedBackend>(
                                      std::move(inner), delay));
                            })
                  .ok());
  return registry;
}

// A subtask that falls behind must not let the others run unboundedly
// ahead: each checkpoint's barrier would then wait for it to process that
// whole backlog, and end-to-end durations would grow through the run
// while sync, async and alignment stay small. With bounded input (as a
// Flink job's network buffers bound it) the start delay stays well under
// the interval, and end-to-end is start delay + alignment + sync + async
// of the slowest subtask.
TEST(CheckpointFiguresTest, EndToEndIsStartDelayAlignmentSyncAndAsync) {
  BackendRegistry registry = OneSlowSubtaskRegistry();
  RunConfig c;
  c.backend = "memory";
  c.workload.key_count = 2000;
  c.parallelism = 2;
  c.warmup_s = 0.3;
  c.measure_s = 1.5;
  c.checkpoint.interval_ms = 100;
  c.measure_restore = false;
  RunResult run = RunBenchmark(c, registry, [](const std::string&) {});
  ASSERT_EQ(run.status, "ok") << run.failure_reason;
  ASSERT_EQ(run.repetitions.size(), 1u);
  int completed = 0;
  for (const CheckpointRecord& cp : run.repetitions[0].checkpoints) {
    if (cp.status != "completed") continue;
    ++completed;
    ASSERT_TRUE(cp.start_delay_ms.has_value()) << "checkpoint " << cp.id;
    double slowest = 0;
    for (const SubtaskCheckpoint& s : cp.subtasks) {
      ASSERT_TRUE(s.start_delay_ms.has_value());
      slowest = std::max(slowest, *s.start_delay_ms + s.alignment_duration_ms +
                                      s.sync_duration_ms + s.async_duration_ms);
    }
    EXPECT_NEAR(cp.end_to_end_duration_ms, slowest,
                2 + 0.05 * cp.end_to_end_duration_ms)
        << "checkpoint " << cp.id;
  }
  // Unbounded, the fast subtask runs hundreds of thousands of events ahead
  // within the warmup, and no checkpoint completes in the measured phase.
  // Bounded, the slow subtask's backlog is a few thousand events: tens of
  // ms, a few hundred on a loaded machine.
  EXPECT_GE(completed, 5);
  const MetricSummary& delay = run.summary.at("checkpoint.p90_start_delay_ms");
  EXPECT_LT(delay.median, 4 * c.checkpoint.interval_ms) << "p90 start delay";
}

// A median hides the one checkpoint in four that follows a compaction:
// p90 and max sit beside it, with the share slower than the interval.
TEST(CheckpointFiguresTest, TailsAndShareOverTheIntervalAreFlattened) {
  Repetition rep;
  for (double ms : {10.0, 20.0, 30.0, 2000.0}) {
    CheckpointRecord cp;
    cp.id = static_cast<int64_t>(rep.checkpoints.size() + 1);
    cp.status = "completed";
    cp.end_to_end_duration_ms = ms;
    cp.checkpointed_size = static_cast<uint64_t>(ms * 1000);
    rep.checkpoints.push_back(cp);
  }
  FlattenMetrics(&rep, 1000);
  const auto& m = rep.metrics;
  EXPECT_DOUBLE_EQ(m.at("checkpoint.median_end_to_end_ms"), 25);
  EXPECT_DOUBLE_EQ(m.at("checkpoint.p90_end_to_end_ms"), 2000);
  EXPECT_DOUBLE_EQ(m.at("checkpoint.max_end_to_end_ms"), 2000);
  EXPECT_DOUBLE_EQ(m.at("checkpoint.p90_size_bytes"), 2e6);
  EXPECT_DOUBLE_EQ(m.at("checkpoint.max_size_bytes"), 2e6);
  EXPECT_DOUBLE_EQ(m.at("checkpoint.over_interval_share"), 0.25);
}

TEST(CheckpointFiguresTest, RunShowsCheckpointTailsAndStartDelay) {
  std::string console;
  ResultsFile r = RunAndLoad(
      {"run", "--backend", "memory", "--keys", "2000", "-p", "2", "--warmup",
       "0.1", "--duration", "0.6", "--checkpoint-interval", "50"},
      &console);
  ASSERT_EQ(r.runs.size(), 1u);
  const RunResult& run = r.runs[0];
  for (const char* name :
       {"checkpoint.p90_end_to_end_ms", "checkpoint.max_end_to_end_ms",
        "checkpoint.p90_size_bytes", "checkpoint.max_size_bytes",
        "checkpoint.over_interval_share", "checkpoint.median_start_delay_ms"}) {
    EXPECT_TRUE(run.summary.contains(name)) << name;
  }
  EXPECT_NE(console.find("end-to-end p50/p90/max"), std::string::npos)
      << console;
  EXPECT_NE(console.find("> interval"), std::string::npos) << console;
  EXPECT_NE(console.find("start delay"), std::string::npos) << console;
  for (const char* format : {"md", "html"}) {
    auto dir = MakeTempDirectory("statebench-ckpt-report-");
    ASSERT_TRUE(dir.ok());
    std::string in = *dir + "/r.json", out = *dir + "/r." + format;
    ASSERT_TRUE(SaveResultsFile(r, in).ok());
    CliRun rep = Cli({"report", in, "--format", format, "-o", out});
    ASSERT_EQ(rep.code, 0) << rep.err;
    Result<std::string> text = ReadFileToString(out);
    ASSERT_TRUE(text.ok());
    EXPECT_NE(text->find("p90"), std::string::npos) << format;
    EXPECT_NE(text->find("start delay"), std::string::npos) << format;
    (void)RemoveTree(*dir);
  }
}

// An incremental rocksdb restore hard-links the SST files: it reads a few
// kB for MBs of state. Its figures say so, and its rate is per byte of
// state, not per byte read.
TEST(CheckpointFiguresTest, IncrementalRocksDbRestoreReportsLinkedState) {
  ResultsFile r = RunAndLoad(
      {"run", "--backend", "rocksdb", "--checkpoint-type", "incremental",
       "--keys", "20000", "--value-size", "200", "--warmup", "0", "--duration",
       "0.5", "--checkpoint-interval", "100", "-q"},
      nullptr);
  ASSERT_EQ(r.runs.size(), 1u);
  ASSERT_EQ(r.runs[0].status, "ok") << r.runs[0].failure_reason;
  ASSERT_FALSE(r.runs[0].repetitions[0].restores.empty());
  const RestoreResult& rr = r.runs[0].repetitions[0].restores[0];
  EXPECT_EQ(rr.mode, "local");
  ASSERT_TRUE(rr.bytes_linked && rr.bytes_copied && rr.state_bytes);
  EXPECT_GT(*rr.bytes_linked, 1'000'000u);  // 20000 x 200 B of values
  EXPECT_LT(*rr.bytes_copied, *rr.bytes_linked);
  EXPECT_EQ(*rr.state_bytes, *rr.bytes_linked + *rr.bytes_copied);
  ASSERT_TRUE(rr.bytes_per_s.has_value());
  EXPECT_NEAR(*rr.bytes_per_s,
              static_cast<double>(*rr.state_bytes) / (rr.duration_ms / 1e3),
              1e-6 * *rr.bytes_per_s);
  EXPECT_TRUE(r.runs[0].summary.contains("restore.state_bytes"));
  // The linked restore does not count its entries; a pass after the timed
  // restore does: every loaded key holds a value.
  EXPECT_GT(rr.entries, 10'000u);
  EXPECT_LE(rr.entries, 20'000u);
}

// Without local recovery (Flink's default) the restore copies every file
// from checkpoint storage, and says so.
TEST(CheckpointFiguresTest, IncrementalRestoreWithoutLocalRecoveryCopies) {
  ResultsFile r =
      RunAndLoad({"run", "--backend", "rocksdb", "--checkpoint-type",
                  "incremental", "--backend-opt", "local_recovery=off",
                  "--keys", "20000", "--value-size", "200", "--warmup", "0",
                  "--duration", "0.5", "--checkpoint-interval", "100", "-q"},
                 nullptr);
  ASSERT_EQ(r.runs.size(), 1u);
  ASSERT_EQ(r.runs[0].status, "ok") << r.runs[0].failure_reason;
  ASSERT_FALSE(r.runs[0].repetitions[0].restores.empty());
  const RestoreResult& rr = r.runs[0].repetitions[0].restores[0];
  EXPECT_EQ(rr.mode, "checkpoint-storage");
  EXPECT_EQ(rr.bytes_linked.value_or(1), 0u);
  EXPECT_GT(rr.bytes_copied.value_or(0), 1'000'000u);
  EXPECT_EQ(r.runs[0].backend_options.at("local_recovery"), "off");
}

TEST(CheckpointFiguresTest, HeapRestoreCountsEntriesAndReadsEverything) {
  ResultsFile r =
      RunAndLoad({"run", "--backend", "fs", "--keys", "3000", "--warmup", "0",
                  "--duration", "0.3", "--checkpoint-interval", "100", "-q"},
                 nullptr);
  ASSERT_EQ(r.runs.size(), 1u);
  ASSERT_FALSE(r.runs[0].repetitions[0].restores.empty());
  const RestoreResult& rr = r.runs[0].repetitions[0].restores[0];
  EXPECT_EQ(rr.mode, "checkpoint-storage");
  EXPECT_EQ(rr.bytes_linked.value_or(1), 0u);
  EXPECT_GT(rr.bytes_copied.value_or(0), 0u);
  // Every loaded key holds a value (the default workload never removes
  // all of them).
  EXPECT_GT(rr.entries, 1000u);
}

// With no options given, the results still say what ran: RocksDB's block
// cache, write buffer, compression, incremental off, checkpoint storage.
TEST(CheckpointFiguresTest, EffectiveConfigurationIncludesDefaults) {
  ResultsFile r = RunAndLoad(
      {"run", "--backend", "rocksdb", "--keys", "1000", "--warmup", "0",
       "--duration", "0.2", "--checkpoint-interval", "100", "-q"},
      nullptr);
  ASSERT_EQ(r.runs.size(), 1u);
  const auto& e = r.runs[0].effective_config;
  EXPECT_TRUE(r.runs[0].backend_options.empty());
  for (const char* k : {"block_cache_size", "write_buffer_size",
                        "block_compression", "checkpoint.dir"}) {
    EXPECT_TRUE(e.contains(k)) << k;
  }
  EXPECT_EQ(e.at("checkpoint.incremental"), "off");
  EXPECT_EQ(e.at("checkpoint.storage"), "filesystem");

  ResultsFile m = RunAndLoad(
      {"run", "--backend", "memory", "--keys", "1000", "--warmup", "0",
       "--duration", "0.2", "--checkpoint-interval", "100", "-q"},
      nullptr);
  ASSERT_EQ(m.runs.size(), 1u);
  EXPECT_EQ(m.runs[0].effective_config.at("max_state_size"), "5MiB");
  EXPECT_EQ(m.runs[0].effective_config.at("checkpoint.storage"),
            "jobmanager (in memory)");
  auto dir = MakeTempDirectory("statebench-ckpt-html-");
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(SaveResultsFile(r, *dir + "/r.json").ok());
  CliRun html = Cli(
      {"report", *dir + "/r.json", "--format", "html", "-o", *dir + "/r.html"});
  ASSERT_EQ(html.code, 0) << html.err;
  Result<std::string> text = ReadFileToString(*dir + "/r.html");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("block_cache_size="), std::string::npos);
  (void)RemoveTree(*dir);
}

// `--rescale P:Q` restores the run's own last checkpoint at Q, with the
// key groups redistributed, and compares it with the oracle: the rescale
// column is filled, and so are the entries restored.
TEST(CheckpointFiguresTest, RunRescaleMeasuresTheRunsOwnState) {
  for (const char* backend : {"fs", "rocksdb"}) {
    std::string console;
    ResultsFile r = RunAndLoad(
        {"run", "--backend", backend, "--checkpoint-type", "incremental",
         "--keys", "3000", "--warmup", "0", "--duration", "0.4",
         "--checkpoint-interval", "100", "--rescale", "2:3"},
        &console);
    ASSERT_EQ(r.runs.size(), 1u);
    const RunResult& run = r.runs[0];
    ASSERT_EQ(run.status, "ok") << run.failure_reason;
    EXPECT_EQ(run.parallelism, 2);
    const RestoreResult* rescale = nullptr;
    const RestoreResult* restore = nullptr;
    for (const RestoreResult& rr : run.repetitions[0].restores) {
      if (rr.kind == "rescale") rescale = &rr;
      if (rr.kind == "restore") restore = &rr;
    }
    ASSERT_NE(rescale, nullptr) << backend;
    ASSERT_NE(restore, nullptr) << backend;
    EXPECT_EQ(rescale->from_parallelism, 2);
    EXPECT_EQ(rescale->to_parallelism, 3);
    EXPECT_EQ(rescale->subtask_duration_ms.size(), 3u);
    EXPECT_EQ(rescale->verdict, "verified") << rescale->detail;
    EXPECT_GT(rescale->checked.value_or(0), 1000u);
    EXPECT_GT(rescale->state_bytes.value_or(0), 0u);
    EXPECT_TRUE(run.summary.contains("rescale.duration_ms"));
    if (std::string(backend) == "fs") {
      EXPECT_GT(rescale->entries, 1000u);
      EXPECT_GT(restore->entries, 1000u);
    }
    // The console's rescale column shows the duration, not "-".
    auto line_start = console.find("CHECKPOINTS AND RECOVERY");
    ASSERT_NE(line_start, std::string::npos) << console;
    auto row = console.find(backend, line_start);
    ASSERT_NE(row, std::string::npos);
    std::string line = console.substr(row, console.find('\n', row) - row);
    EXPECT_NE(line.back(), '-') << line;
  }
  EXPECT_EQ(
      Cli({"run", "--backend", "memory", "-p", "2", "--rescale", "3:1"}).code,
      2);
  EXPECT_EQ(Cli({"run", "--backend", "memory", "--rescale", "x"}).code, 2);
}

}  // namespace
}  // namespace statebench
