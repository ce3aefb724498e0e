// One parallel instance of the keyed operator: owns a key-group range, its
// own backend instance and its own op stream (the workload filtered to its
// key groups). Internal to the harness.
//
// Threading: Run*() execute on the subtask's thread. The checkpoint slot is
// written by the subtask thread (sync phase) and its async thread, and read
// by the coordinator after `done_id` is published (release/acquire).
#ifndef STATEBENCH_BENCH_SUBTASK_H_
#define STATEBENCH_BENCH_SUBTASK_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "backends/state_backend.h"
#include "bench/timed_backend.h"
#include "workloads/workload.h"

namespace statebench {

// State shared by the coordinator and all subtasks of one repetition.
struct RunControl {
  int parallelism = 1;
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  // Checkpoint barrier: the coordinator resets `aligned` and `barrier_max`,
  // then publishes `requested`. Each subtask adds its next event index to
  // the max and counts itself aligned; the barrier is the max, so that
  // checkpoint n holds exactly the events before it on every subtask.
  std::atomic<int64_t> requested{0};
  std::atomic<int> aligned{0};
  std::atomic<uint64_t> barrier_max{0};
  std::atomic<int64_t> notify_complete{0};
  std::atomic<int64_t> notify_aborted{0};
  std::atomic<int> finished{0};  // subtasks whose stream ended
  // Open loop: intended start of event e = origin_ns + (e - origin_event) *
  // ns_per_event. ns_per_event == 0 means closed loop.
  uint64_t origin_ns = 0;
  uint64_t origin_event = 0;
  double ns_per_event = 0;
  uint64_t end_event = UINT64_MAX;  // measure by event count
};

struct CheckpointSlot {
  std::atomic<int64_t> done_id{0};
  int64_t id = 0;
  uint64_t barrier_event = 0;
  uint64_t alignment_ns = 0;
  uint64_t sync_ns = 0;
  uint64_t async_ns = 0;
  uint64_t async_end_ns = 0;
  Status status;
  CheckpointHandle handle;
  std::thread async_thread;
};

class Subtask {
 public:
  Subtask(int index, KeyGroupRange range, int max_parallelism,
          std::unique_ptr<TimedBackend> backend, RunControl* control);
  ~Subtask();
  Subtask(const Subtask&) = delete;
  Subtask& operator=(const Subtask&) = delete;

  Status RegisterStates(const std::vector<WorkloadState>& states);
  // Runs the whole load phase. Not recorded.
  Status RunLoad(const Workload& workload);
  // Prepares the run-phase stream and returns the first event index (or
  // UINT64_MAX when the stream is empty).
  uint64_t StartRunPhase(const Workload& workload);
  // Processes the run-phase stream until control->stop (or end_event),
  // servicing checkpoint barriers. Returns the first error. Records when
  // this thread entered and left the loop (loop_start_ns/loop_end_ns).
  Status RunUntilStopped(bool checkpoints);
  // Waits for an in-flight async phase to end.
  void JoinAsync();

  // Takes and completes a checkpoint outside the run loop (for the restore
  // measurement), from the calling thread.
  Result<CheckpointHandle> CheckpointNow(int64_t id);

  int index() const { return index_; }
  KeyGroupRange range() const { return range_; }
  TimedBackend& backend() { return *backend_; }
  CheckpointSlot& slot() { return slot_; }
  uint64_t ops() const { return ops_.load(std::memory_order_relaxed); }
  // The event index of the last applied op (relaxed; for progress only).
  uint64_t position() const {
    return position_.load(std::memory_order_relaxed);
  }
  uint64_t events() const { return events_; }
  uint64_t logical_bytes_written() const { return logical_bytes_written_; }
  uint64_t load_logical_bytes() const { return load_logical_bytes_; }
  uint64_t load_ops() const { return load_ops_; }
  void ResetCounters();
  // NowNs() when the last RunUntilStopped began and returned: the span in
  // which this subtask processed ops, without thread start-up and join.
  uint64_t loop_start_ns() const { return loop_start_ns_; }
  uint64_t loop_end_ns() const { return loop_end_ns_; }

 private:
  Status RunLoop(bool checkpoints);
  Status Apply(const Op& op);
  // Applies pending_ and consumes it, tracking the event it belongs to.
  Status ApplyPending();
  // This subtask's proposal for a requested barrier: the first event none
  // of whose ops it has applied.
  uint64_t BarrierVote();
  // Apply's failures, out of line: building their messages inline gave
  // Apply a large frame that every op paid for.
  [[gnu::cold]] Status ApplyFailure(const Op& op, int key_group) const;
  Status ServiceControl();
  Status SyncPhase();
  // At the end of the phase: joins a requested barrier and takes this
  // subtask's part of it, so no checkpoint is left half taken.
  Status FinishPendingCheckpoint();
  void WaitForIntendedStart(uint64_t event);
  bool FetchPending();

  int index_;
  KeyGroupRange range_;
  int max_parallelism_;
  std::unique_ptr<TimedBackend> backend_;
  RunControl* control_;
  std::vector<StateId> state_ids_;
  std::unique_ptr<OpSource> source_;
  Op pending_;
  bool has_pending_ = false;
  bool exhausted_ = false;
  int64_t last_request_ = 0;
  int64_t last_notified_complete_ = 0;
  int64_t last_notified_aborted_ = 0;
  bool barrier_active_ = false;
  uint64_t barrier_event_ = 0;
  int64_t barrier_id_ = 0;
  uint64_t alignment_ns_ = 0;
  uint64_t last_event_ = UINT64_MAX;
  uint64_t events_ = 0;
  uint64_t logical_bytes_written_ = 0;
  uint64_t load_logical_bytes_ = 0;
  uint64_t load_ops_ = 0;
  uint64_t loop_start_ns_ = 0;
  uint64_t loop_end_ns_ = 0;
  alignas(64) std::atomic<uint64_t> ops_{0};
  std::atomic<uint64_t> position_{0};
  CheckpointSlot slot_;
  // Scratch buffers reused across ops so that reads do not allocate.
  std::string scratch_value_;
  std::vector<std::string> scratch_list_;
  std::vector<std::pair<std::string, std::string>> scratch_entries_;
};

}  // namespace statebench

#endif  // STATEBENCH_BENCH_SUBTASK_H_
