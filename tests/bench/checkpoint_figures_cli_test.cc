// Checkpoint, restore and configuration figures through the command line,
// as a user reads them: tails beside medians in the console and the
// reports, restore figures per byte of state with their mode, the
// effective configuration with its defaults, and rescale on the run's own
// state.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/file_util.h"
#include "reports/results/results.h"
#include "tests/cli_runner.h"

namespace statebench {
namespace {

using testing::Cli;
using testing::CliRun;
using testing::RunAndLoad;

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
  ASSERT_EQ(r.runs[0].status, RunStatus::kOk) << r.runs[0].failure_reason;
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
  ASSERT_EQ(r.runs[0].status, RunStatus::kOk) << r.runs[0].failure_reason;
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
    ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
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
    EXPECT_EQ(rescale->verdict, RestoreVerdict::kVerified) << rescale->detail;
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
