#include "bench/harness/harness.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <new>
#include <string>

#include "tests/bench/test_backend.h"
#include "workloads/workload.h"

namespace statebench {
namespace {

using testing::Address;
using testing::Contents;
using testing::MapBackendKnobs;
using testing::MapRegistry;

RunConfig SmallRun() {
  RunConfig c;
  c.backend = "map";
  c.workload.key_count = 2000;
  c.workload.read_fraction = 0.3;
  c.warmup_s = 0.05;
  c.measure_s = 0.4;
  c.checkpoint.interval_ms = 50;
  c.latency_sample_every = 1;
  c.measure_restore = false;
  return c;
}

const MetricSummary& Metric(const RunResult& run, const std::string& name) {
  auto it = run.summary.find(name);
  EXPECT_NE(it, run.summary.end()) << "missing metric " << name;
  static const MetricSummary kEmpty;
  return it == run.summary.end() ? kEmpty : it->second;
}

class HarnessRoutingTest : public ::testing::TestWithParam<int> {};

TEST_P(HarnessRoutingTest,
       EachKeyIsProcessedOnlyByTheSubtaskOwningItsKeyGroup) {
  const int p = GetParam();
  MapBackendKnobs knobs;
  BackendRegistry registry = MapRegistry(knobs);
  RunConfig c = SmallRun();
  c.parallelism = p;
  RunResult run = RunBenchmark(c, registry);
  ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
  const int m = DefaultMaxParallelism(p);
  ASSERT_EQ(static_cast<int>(knobs.seen_key_groups->size()), p);
  std::set<int> all;
  for (const auto& [subtask, groups] : *knobs.seen_key_groups) {
    KeyGroupRange range = KeyGroupRangeForSubtask(m, p, subtask);
    for (int kg : groups) {
      EXPECT_TRUE(range.Contains(kg))
          << "subtask " << subtask << " saw key group " << kg;
      EXPECT_TRUE(all.insert(kg).second) << "key group " << kg << " twice";
    }
  }
  // 2000 zipfian keys over 128 key groups reach every key group.
  EXPECT_EQ(static_cast<int>(all.size()), m);
}

INSTANTIATE_TEST_SUITE_P(Parallelism, HarnessRoutingTest,
                         ::testing::Values(1, 2, 3));

// Replays the unfiltered stream up to (not including) `barrier` on a plain map.
Contents Oracle(const Workload& w, uint64_t barrier, int max_parallelism) {
  Contents model;
  Op op;
  auto apply = [&](OpSource& src) {
    while (src.Next(&op) && op.event_index < barrier) {
      int kg = AssignToKeyGroup(op.key, max_parallelism);
      Address a{op.state, kg, op.key, op.ns, op.user_key};
      if (op.type == OpType::kValuePut) model[a] = op.value;
      if (op.type == OpType::kValueRemove) model.erase(a);
    }
  };
  apply(*w.LoadPhase(nullptr));
  apply(*w.RunPhase(nullptr));
  return model;
}

TEST(HarnessBarrierTest, CheckpointHoldsExactlyTheEventsBeforeItsBarrier) {
  MapBackendKnobs knobs;
  BackendRegistry registry = MapRegistry(knobs);
  RunConfig c = SmallRun();
  c.parallelism = 3;
  // Both run on the coordinator thread. The phase ends after the fourth
  // checkpoint, however long a loaded machine takes to align three
  // subtasks; the time limit is only the backstop.
  struct FourCheckpoints : RunObserver {
    std::vector<CompletedCheckpoint> done;
    void OnCheckpointCompleted(const CompletedCheckpoint& cp) override {
      done.push_back(cp);
    }
    bool ShouldStop() override { return done.size() >= 4; }
  } observer;
  const std::vector<CompletedCheckpoint>& done = observer.done;
  c.measure_s = 60;
  RunResult run = RunBenchmark(c, registry, &observer);
  ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
  ASSERT_GE(done.size(), 4u);
  auto workload = CreateWorkload(c.workload);
  ASSERT_TRUE(workload.ok());
  for (const CompletedCheckpoint& cp : done) {
    Contents merged;
    for (int s = 0; s < c.parallelism; ++s) {
      auto it = knobs.snapshots->find({cp.id, s});
      ASSERT_NE(it, knobs.snapshots->end());
      merged.insert(it->second.begin(), it->second.end());
    }
    Contents expected =
        Oracle(**workload, cp.barrier_event, run.max_parallelism);
    EXPECT_EQ(merged.size(), expected.size()) << "checkpoint " << cp.id;
    EXPECT_TRUE(merged == expected)
        << "checkpoint " << cp.id << " differs from the stream before event "
        << cp.barrier_event;
  }
  // Later checkpoints have later barriers.
  for (size_t i = 1; i < done.size(); ++i) {
    EXPECT_GT(done[i].barrier_event, done[i - 1].barrier_event);
  }
}

TEST(HarnessOpenLoopTest, OneStallLiftsCorrectedButNotServiceTimeP99) {
  // 1,000 ops/s for 5 s with one 100 ms stall: ~100 ops queue behind it.
  // Their latency from the intended start is up to 100 ms (about 2% of
  // ops, so the corrected p99 is tens of ms); their service time is not.
  MapBackendKnobs knobs;
  knobs.stall_at_op =
      4000;  // load 2000 + warmup ~500: inside the measured phase
  knobs.stall = std::chrono::milliseconds(100);
  BackendRegistry registry = MapRegistry(knobs);
  RunConfig c = SmallRun();
  c.rate = 1000;
  c.warmup_s = 0.5;
  c.measure_s = 5;
  c.checkpoint.interval_ms = 0;
  c.workload.read_fraction = 1.0;
  RunResult run = RunBenchmark(c, registry);
  ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
  ASSERT_TRUE(run.open_loop);
  double corrected = Metric(run, "latency_corrected.value_get.p99_ns").median;
  double service = Metric(run, "latency.value_get.p99_ns").median;
  EXPECT_GT(corrected, 40e6) << "corrected p99 " << corrected << " ns";
  EXPECT_LT(service, 5e6) << "service-time p99 " << service << " ns";
  double max_service = Metric(run, "latency.value_get.max_ns").median;
  EXPECT_GE(max_service, 100e6) << "the stall itself is the service max";
}

TEST(HarnessAccountingTest, WriteAmplificationIsBackendBytesOverLogicalBytes) {
  MapBackendKnobs knobs;
  knobs.write_factor = 3;  // the backend reports 3 bytes per logical byte
  BackendRegistry registry = MapRegistry(knobs);
  RunConfig c = SmallRun();
  c.workload.key_size = 16;
  c.workload.value_size = 100;
  c.workload.read_fraction = 0.5;
  RunResult run = RunBenchmark(c, registry);
  ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
  const IoResult& io = run.repetitions.at(0).io;
  EXPECT_DOUBLE_EQ(*io.write_amplification, 3.0);
  EXPECT_EQ(io.backend_bytes_written, 3 * io.logical_bytes_written);
  // Load writes exactly key_count x (key + value) logical bytes.
  EXPECT_EQ(io.logical_live_bytes, 2000u * (16 + 100));
  EXPECT_GT(io.logical_bytes_written, io.logical_live_bytes);
  EXPECT_EQ(io.write_breakdown.at("wal"), io.backend_bytes_written);
}

TEST(HarnessRepetitionTest, EveryMetricHasOneSamplePerRepetition) {
  MapBackendKnobs knobs;
  BackendRegistry registry = MapRegistry(knobs);
  RunConfig c = SmallRun();
  c.repetitions = 3;
  c.measure_s = 0.2;
  RunResult run = RunBenchmark(c, registry);
  ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
  ASSERT_EQ(run.repetitions.size(), 3u);
  const MetricSummary& t = Metric(run, "throughput.ops_per_s");
  EXPECT_EQ(t.samples.size(), 3u);
  EXPECT_LE(t.min, t.median);
  EXPECT_LE(t.median, t.max);
  EXPECT_GT(Metric(run, "checkpoint.completed").median, 0);
  for (const Repetition& rep : run.repetitions) {
    EXPECT_GT(rep.measure_ops, 0u);
    EXPECT_FALSE(rep.timeline_ops_per_s.empty() && rep.measure_duration_s > 1);
    for (const CheckpointRecord& cp : rep.checkpoints) {
      EXPECT_EQ(cp.subtasks.size(), 1u);
      EXPECT_GE(cp.end_to_end_duration_ms, cp.sync_duration_ms);
    }
  }
}

TEST(HarnessFailureTest, FailedRepetitionStaysOutOfTheSummary) {
  // One checkpoint per repetition (the one restored); the second
  // repetition's fails, after its measured phase produced figures.
  MapBackendKnobs knobs;
  knobs.fail_snapshot_from = 2;
  BackendRegistry registry = MapRegistry(knobs);
  RunConfig c = SmallRun();
  c.repetitions = 3;
  c.measure_s = 0.2;
  c.checkpoint.interval_ms = 0;
  c.measure_restore = true;
  RunResult run = RunBenchmark(c, registry);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  // The checkpoint failed, not the restore it was taken for.
  EXPECT_EQ(run.failure_phase, "checkpoint") << run.failure_reason;
  EXPECT_NE(run.failure_reason.find("went away"), std::string::npos)
      << run.failure_reason;
  ASSERT_EQ(run.repetitions.size(), 2u);
  EXPECT_EQ(run.repetitions[0].status, RunStatus::kOk);
  EXPECT_EQ(run.repetitions[1].status, RunStatus::kFailed);
  EXPECT_GT(run.repetitions[1].measure_ops, 0u);
  const MetricSummary& t = Metric(run, "throughput.ops_per_s");
  ASSERT_EQ(t.samples.size(), 1u);
  EXPECT_DOUBLE_EQ(t.samples[0], run.repetitions[0].ops_per_s);
}

TEST(HarnessThroughputTest, BoundedInputIsDividedByTheTimeItRan) {
  MapBackendKnobs knobs;
  BackendRegistry registry = MapRegistry(knobs);
  RunConfig c = SmallRun();
  c.warmup_s = 0;
  c.measure_s = 30;  // far longer than 20,000 events take
  c.workload.run_events = 20000;
  auto t0 = std::chrono::steady_clock::now();
  RunResult run = RunBenchmark(c, registry);
  double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
  EXPECT_LT(wall_s, 20) << "the phase waited for the configured duration";
  const Repetition& rep = run.repetitions.at(0);
  EXPECT_EQ(rep.measure_end, "end_of_input");
  EXPECT_LE(rep.measure_events, 20000u);
  EXPECT_GT(rep.measure_events, 19000u);  // a zero warmup may take a few
  EXPECT_LT(rep.measure_duration_s, wall_s);
  EXPECT_NEAR(rep.ops_per_s * rep.measure_duration_s,
              static_cast<double>(rep.measure_ops), 1.0);
  ASSERT_FALSE(run.warnings.empty());
  EXPECT_NE(run.warnings.back().find("input ran out"), std::string::npos);
}

TEST(HarnessThroughputTest, TimelineBucketsAreRatesOverTheirOwnLength) {
  MapBackendKnobs knobs;
  BackendRegistry registry = MapRegistry(knobs);
  RunConfig c = SmallRun();
  c.rate = 2000;  // open loop: about 2,000 events/s whatever the machine
  c.warmup_s = 0;
  c.measure_s = 2.5;
  c.checkpoint.interval_ms = 0;
  c.workload.read_fraction = 1.0;  // one op per event
  RunResult run = RunBenchmark(c, registry);
  ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
  const Repetition& rep = run.repetitions.at(0);
  ASSERT_EQ(rep.timeline_ops_per_s.size(), 2u);
  for (double v : rep.timeline_ops_per_s) EXPECT_NEAR(v, 2000, 200);
  EXPECT_FALSE(*run.saturated);
  EXPECT_NEAR(*run.achieved_rate, 2000, 200);
}

TEST(HarnessFailureTest, MeasuredPhaseWithoutOpsFails) {
  MapBackendKnobs knobs;
  BackendRegistry registry = MapRegistry(knobs);
  RunConfig c = SmallRun();
  c.workload.run_events = 50;  // all consumed by the warmup
  c.warmup_s = 0.2;
  RunResult run = RunBenchmark(c, registry);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_EQ(run.failure_phase, "measure");
  EXPECT_NE(run.failure_reason.find("ran no op"), std::string::npos)
      << run.failure_reason;
  EXPECT_NE(run.failure_reason.find("warmup"), std::string::npos)
      << run.failure_reason;
  EXPECT_TRUE(run.summary.find("throughput.ops_per_s") == run.summary.end());
}

TEST(HarnessFailureTest, UnknownBackendIsAFailedRunNamingThePhase) {
  MapBackendKnobs knobs;
  BackendRegistry registry = MapRegistry(knobs);
  RunConfig c = SmallRun();
  c.backend = "nope";
  RunResult run = RunBenchmark(c, registry);
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_EQ(run.failure_phase, "open");
  EXPECT_NE(run.failure_reason.find("nope"), std::string::npos);
}

// Out of memory inside a backend's run is that backend's failed row, with
// the reason: the exception must not leave the subtask thread (that ends
// the process, and every other backend's results with it).
TEST(HarnessFailureTest, OutOfMemoryIsAFailedRunNotAnAbort) {
  for (const char* phase : {"load", "measure"}) {
    SCOPED_TRACE(phase);
    MapBackendKnobs knobs;
    // The load writes 2000 ops; op 3000 falls into the measured phase.
    const uint64_t at = std::string(phase) == "load" ? 500 : 3000;
    knobs.on_op = [at](uint64_t op) {
      if (op == at) throw std::bad_alloc();
    };
    BackendRegistry registry = MapRegistry(knobs);
    RunConfig c = SmallRun();
    c.parallelism = 2;
    c.warmup_s = 0;
    RunResult run = RunBenchmark(c, registry);
    EXPECT_EQ(run.status, RunStatus::kFailed);
    EXPECT_EQ(run.failure_phase, phase) << run.failure_reason;
    EXPECT_NE(run.failure_reason.find("out of memory"), std::string::npos)
        << run.failure_reason;
  }
  // The next backend of the run still runs.
  MapBackendKnobs knobs;
  BackendRegistry registry = MapRegistry(knobs);
  RunResult run = RunBenchmark(SmallRun(), registry);
  EXPECT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
}

// A run handed to another process arrives whole: every field the results'
// configuration records reads back to the same configuration.
TEST(RunConfigJsonTest, ReadsBackEveryFieldItWrites) {
  RunConfig c;
  c.backend = "rocksdb";
  c.backend_options = {{"block_cache_size", "64MiB"}};
  c.workload.name = "session-window";
  c.workload.key_count = 1234;
  c.workload.zipf_theta = 0.7;
  c.workload.seed = 99;
  c.parallelism = 3;
  c.max_parallelism = 256;
  c.checkpoint.interval_ms = 250;
  c.checkpoint.min_pause_ms = 10;
  c.checkpoint.timeout_ms = 5000;
  c.checkpoint.type = CheckpointType::kIncremental;
  c.warmup_s = 0.25;
  c.measure_s = 7.5;
  c.measure_events = 4242;
  c.repetitions = 4;
  c.latency_sample_every = 7;
  c.rate = 1500.5;
  c.max_lead_events = 99;
  c.measure_restore = false;
  c.rescale_to = 5;
  Result<RunConfig> back = RunConfigFromJson(RunConfigToJson(c));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(RunConfigToJson(*back), RunConfigToJson(c));
  EXPECT_EQ(back->checkpoint.type, CheckpointType::kIncremental);
  EXPECT_EQ(back->workload.key_count, 1234u);
  EXPECT_DOUBLE_EQ(back->workload.zipf_theta, 0.7);
  EXPECT_EQ(back->backend_options.at("block_cache_size"), "64MiB");
}

TEST(RunConfigJsonTest, AWrongFieldIsNamed) {
  nlohmann::json j = RunConfigToJson(RunConfig{});
  j["parallelism"] = "two";
  Result<RunConfig> r = RunConfigFromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'parallelism'"), std::string::npos)
      << r.status().message();
  j = RunConfigToJson(RunConfig{});
  j["workload"]["key_count"] = -3;
  r = RunConfigFromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("key_count"), std::string::npos)
      << r.status().message();
  j = RunConfigToJson(RunConfig{});
  j["checkpoint"]["type"] = "differential";
  EXPECT_FALSE(RunConfigFromJson(j).ok());
}

}  // namespace
}  // namespace statebench
