// Checkpoint figures mean what they say: the end-to-end duration decomposes
// into start delay, alignment, sync and async; tails are reported beside
// medians. With checkpoint_figures_cli_test (the same figures through the
// command line), and, labelled "concurrency", run under ThreadSanitizer:
// every embedded backend's checkpoints and restores at parallelism 2.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "base/file_util.h"
#include "bench/harness/harness.h"
#include "bench/harness/run_record.h"
#include "reports/results/results.h"
#include "tests/bench/delayed_backend.h"

namespace statebench {
namespace {

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
  RunResult run = RunBenchmark(c, registry);
  ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
  ASSERT_EQ(run.repetitions.size(), 1u);
  int completed = 0;
  for (const CheckpointRecord& cp : run.repetitions[0].checkpoints) {
    if (cp.status != CheckpointStatus::kCompleted) continue;
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
    cp.status = CheckpointStatus::kCompleted;
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

// The harness's threads against every embedded backend's own (async
// snapshots, incremental uploads, restores into fresh instances, a
// rescale): under ThreadSanitizer this is the path a user's run takes.
TEST(CheckpointFiguresTest, EveryEmbeddedBackendCheckpointsAndRestores) {
  struct Case {
    const char* backend;
    CheckpointType type;
  };
  for (const Case& k : {Case{"memory", CheckpointType::kFull},
                        Case{"fs", CheckpointType::kFull},
                        Case{"rocksdb", CheckpointType::kFull},
                        Case{"rocksdb", CheckpointType::kIncremental}}) {
    RunConfig c;
    c.backend = k.backend;
    c.checkpoint.type = k.type;
    c.workload.key_count = 3000;
    c.parallelism = 2;
    c.warmup_s = 0;
    c.measure_s = 0.5;
    c.checkpoint.interval_ms = 50;
    c.rescale_to = 3;
    RunResult run = RunBenchmark(c, BackendRegistry::Default());
    const std::string what =
        std::string(k.backend) + " " + std::string(CheckpointTypeName(k.type));
    ASSERT_EQ(run.status, RunStatus::kOk) << what << ": " << run.failure_reason;
    ASSERT_EQ(run.repetitions.size(), 1u) << what;
    const Repetition& rep = run.repetitions[0];
    int completed = 0;
    for (const CheckpointRecord& cp : rep.checkpoints) {
      completed += cp.status == CheckpointStatus::kCompleted;
    }
    EXPECT_GE(completed, 2) << what;
    ASSERT_FALSE(rep.restores.empty()) << what;
    EXPECT_GT(rep.restores[0].entries, 0u) << what;
  }
}

}  // namespace
}  // namespace statebench
