// Where a subtask puts a checkpoint barrier when the request arrives in the
// middle of an event: the test backend raises the request at an exact op,
// so the outcome does not depend on thread timing.
#include "bench/harness/subtask.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/bench/test_backend.h"
#include "workloads/workload.h"

namespace statebench {
namespace {

using testing::Address;
using testing::Contents;
using testing::MapBackend;
using testing::MapBackendKnobs;

constexpr int kMaxParallelism = 128;

// Small windows, sessions and TTLs, so that watermarks fire and clean up
// state within the first few thousand events.
WorkloadSpec SmallSpec(const std::string& name) {
  Result<WorkloadSpec> spec = DefaultWorkloadSpec(name);
  EXPECT_TRUE(spec.ok()) << spec.status().ToString();
  WorkloadSpec s = spec.ok() ? *spec : WorkloadSpec{};
  s.key_count = 200;
  s.event_time.max_out_of_order_ms = 50;
  s.event_time.watermark_delay_ms = 20;
  s.event_time.watermark_interval_events = 50;
  s.op.window_size_ms = 100;
  s.op.window_slide_ms = 25;
  s.op.session_gap_ms = 20;
  s.op.join_lower_ms = -30;
  s.op.join_upper_ms = 30;
  s.op.ttl_ms = 100;
  return s;
}

// The test backend's contents after the stream's events before `barrier`
// (lists as the concatenation of their elements, as MapBackend keeps them).
Contents Oracle(const Workload& w, uint64_t barrier) {
  Contents model;
  Op op;
  auto apply = [&](OpSource& src) {
    while (src.Next(&op) && op.event_index < barrier) {
      int kg = AssignToKeyGroup(op.key, kMaxParallelism);
      Address a{op.state, kg, op.key, op.ns, ""};
      if (op.type == OpType::kMapPut || op.type == OpType::kMapRemove) {
        std::get<4>(a) = op.user_key;
      }
      switch (op.type) {
        case OpType::kValuePut:
        case OpType::kMapPut:
          model[a] = op.value;
          break;
        case OpType::kListAppend:
          model[a] += op.value;
          break;
        case OpType::kValueRemove:
        case OpType::kMapRemove:
        case OpType::kListClear:
          model.erase(a);
          break;
        default:
          break;
      }
    }
  };
  apply(*w.LoadPhase(nullptr));
  apply(*w.RunPhase(nullptr));
  return model;
}

// An event of the run phase that writes and then issues more ops, and the
// 1-based number (load phase included) of its first write.
struct SplitPoint {
  uint64_t event = 0;
  uint64_t op_number = 0;
};

SplitPoint FindEventWithWriteBeforeItsLastOp(const Workload& w,
                                             uint64_t skip_events) {
  uint64_t n = 0;
  Op op;
  for (auto load = w.LoadPhase(nullptr); load->Next(&op);) ++n;
  auto run = w.RunPhase(nullptr);
  const uint64_t first_event = w.LoadEventCount();
  SplitPoint candidate;
  bool have_candidate = false;
  while (run->Next(&op)) {
    ++n;
    if (have_candidate) {
      if (op.event_index == candidate.event) return candidate;
      have_candidate = false;
    }
    if (op.event_index >= first_event + skip_events && IsWriteOp(op.type)) {
      candidate = {op.event_index, n};
      have_candidate = true;
    }
    if (n > 10'000'000) break;
  }
  return {};
}

class SubtaskBarrierTest : public ::testing::TestWithParam<std::string> {};

// A checkpoint requested after the first write of an event (a watermark
// firing and purging windows, an element appended to several sliding
// windows) holds the whole event: its barrier is the next event, and the
// snapshot equals the stream replayed up to that barrier.
TEST_P(SubtaskBarrierTest, RequestInsideAnEventHoldsTheWholeEvent) {
  WorkloadSpec spec = SmallSpec(GetParam());
  Result<std::unique_ptr<Workload>> workload = CreateWorkload(spec);
  ASSERT_TRUE(workload.ok()) << workload.status().ToString();
  const Workload& w = **workload;
  SplitPoint split = FindEventWithWriteBeforeItsLastOp(w, 3000);
  ASSERT_GT(split.op_number, 0u)
      << GetParam() << " has no event with a write before its last op";
  ASSERT_NE(Oracle(w, split.event), Oracle(w, split.event + 1))
      << "the chosen event changes no state";

  RunControl control;
  control.parallelism = 1;
  MapBackendKnobs knobs;
  knobs.on_op = [&control, split](uint64_t n) {
    if (n == split.op_number) {
      control.aligned.store(0);
      control.barrier_max.store(0);
      control.requested.store(1, std::memory_order_release);
    }
    if (n == split.op_number + 5000) control.stop.store(true);
  };
  const KeyGroupRange all = KeyGroupRange::Of(0, kMaxParallelism - 1);
  BackendConfig bc;
  bc.max_parallelism = kMaxParallelism;
  bc.key_groups = all;
  auto backend = std::make_unique<TimedBackend>(
      std::make_unique<MapBackend>(bc, knobs), 1);
  Subtask subtask(0, all, kMaxParallelism, std::move(backend), &control);
  ASSERT_TRUE(subtask.RegisterStates(w.States()).ok());
  ASSERT_TRUE(subtask.RunLoad(w).ok());
  subtask.StartRunPhase(w);
  Status run = subtask.RunUntilStopped(/*checkpoints=*/true);
  subtask.JoinAsync();
  ASSERT_TRUE(run.ok()) << run.ToString();

  const CheckpointSlot& slot = subtask.slot();
  ASSERT_EQ(slot.done_id.load(), 1);
  ASSERT_TRUE(slot.status.ok()) << slot.status.ToString();
  EXPECT_EQ(slot.barrier_event, split.event + 1)
      << "the barrier splits event " << split.event;
  auto snapshot = knobs.snapshots->find({1, 0});
  ASSERT_NE(snapshot, knobs.snapshots->end());
  const Contents expected = Oracle(w, slot.barrier_event);
  EXPECT_EQ(snapshot->second.size(), expected.size());
  EXPECT_TRUE(snapshot->second == expected)
      << "the snapshot differs from the stream before event "
      << slot.barrier_event;
}

INSTANTIATE_TEST_SUITE_P(TimerDrivenWorkloads, SubtaskBarrierTest,
                         ::testing::Values("tumbling-window", "sliding-window",
                                           "session-window", "dedup-ttl",
                                           "interval-join"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param) {
                             if (c != '-') name += c;
                           }
                           return name;
                         });

}  // namespace
}  // namespace statebench
