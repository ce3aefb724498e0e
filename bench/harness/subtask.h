// One parallel instance of the keyed operator: owns a key-group range, its
// own backend instance and its own op stream (the workload filtered to its
// key groups). Internal to the harness.
//
// Threading: Run*() execute on the subtask's thread. The checkpoint slot is
// written by the subtask thread (sync phase) and its async thread, and read
// by the coordinator after `done_id` is published (release/acquire).
#ifndef STATEBENCH_BENCH_HARNESS_SUBTASK_H_
#define STATEBENCH_BENCH_HARNESS_SUBTASK_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "backends/state_backend.h"
#include "bench/harness/timed_backend.h"
#include "workloads/workload.h"

namespace statebench {

// State shared by the coordinator and all subtasks of one repetition.
struct RunControl {
  // Sets parallelism and sizes `next_event`.
  void SetParallelism(int p);

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
  // NowNs() of the trigger of checkpoint `requested`, published before it:
  // each subtask's start delay is measured from it.
  std::atomic<uint64_t> trigger_ns{0};
  // Bounded input, as a keyed job's network buffers bound it: a subtask
  // with ops at hand waits while its next event is more than
  // `max_lead_events` past the slowest other subtask's. One source feeds
  // all subtasks of a Flink job, and credit-based flow control keeps the
  // fast ones from running ahead of the slow ones; without the bound a
  // subtask of a skewed workload drifts seconds ahead, and every
  // checkpoint waits for the slow subtask to process that backlog before
  // its barrier. 0 = unbounded.
  uint64_t max_lead_events = 0;
  // Open loop: intended start of event e = origin_ns + (e - origin_event) *
  // ns_per_event. ns_per_event == 0 means closed loop.
  uint64_t origin_ns = 0;
  uint64_t origin_event = 0;
  double ns_per_event = 0;
  // Measure by event count: ops of events at or past this end the phase.
  uint64_t end_event = UINT64_MAX;
  // Per subtask: a lower bound on the event index of its next op
  // (UINT64_MAX once its stream is over). A subtask that finds no op of its
  // own scans at most kMaxLeadEvents past the slowest other subtask and then
  // sleeps, so that a subtask owning no key neither spins nor races ahead.
  struct alignas(64) NextEvent {
    std::atomic<uint64_t> value{0};
  };
  std::unique_ptr<NextEvent[]> next_event;
};

struct CheckpointSlot {
  std::atomic<int64_t> done_id{0};
  int64_t id = 0;
  uint64_t barrier_event = 0;
  uint64_t alignment_ns = 0;
  // Flink's checkpointStartDelay: from the trigger to this subtask's
  // barrier, less the alignment wait (trigger -> sync start - alignment).
  uint64_t start_delay_ns = 0;
  uint64_t sync_ns = 0;
  uint64_t async_ns = 0;
  uint64_t async_end_ns = 0;
  Status status;
  CheckpointHandle handle;
  std::thread async_thread;
};

// The backend's kind of a workload's state: the one conversion between the
// two vocabularies.
StateKind ToBackendKind(WorkloadStateKind kind);

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
  // Prepares the run-phase stream and returns a lower bound on its first
  // event index (UINT64_MAX when the stream is empty).
  uint64_t StartRunPhase(const Workload& workload);
  // Processes the run-phase stream until control->stop (or end_event),
  // servicing checkpoint barriers. Returns the first error. Records when
  // this thread entered and left the loop (loop_start_ns/loop_end_ns).
  Status RunUntilStopped(bool checkpoints);
  // One past the event index of the last op applied (0 before any).
  uint64_t applied_end() const {
    return last_event_ == UINT64_MAX ? 0 : last_event_ + 1;
  }
  // Applies this subtask's ops of the events before `event` (after a phase
  // stopped, so that every subtask has processed exactly those events).
  Status CatchUpTo(uint64_t event);
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
  // Run-phase ops applied since StartRunPhase (warmup and measure): the
  // length of the prefix of this subtask's stream that was executed.
  uint64_t run_ops_applied() const { return run_ops_applied_; }
  void ResetCounters();
  // NowNs() when the last RunUntilStopped began and returned: the span in
  // which this subtask processed ops, without thread start-up and join.
  uint64_t loop_start_ns() const { return loop_start_ns_; }
  uint64_t loop_end_ns() const { return loop_end_ns_; }
  // NowNs() when this subtask's stream ran out (after its last op) in the
  // last RunUntilStopped; 0 when it did not.
  uint64_t input_end_ns() const { return stream_over_ns_; }

 private:
  Status RunLoop(bool checkpoints);
  Status Apply(const Op& op);
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
  // kOp: pending_ holds the next op. kPending: none within the scan budget
  // (NextBound() says how far the stream is known to hold none).
  PollResult FetchPending();
  // A lower bound on the event index of this subtask's next op.
  uint64_t NextBound() const;
  // Whether the stream has nothing left before control_->end_event.
  bool StreamOver(PollResult fetched) const;
  // Applies pending_ and consumes it.
  Status ApplyPending();
  void PublishNextEvent(uint64_t event);
  // Whether `event` is more than `lead` events past the slowest other
  // subtask whose stream goes on.
  bool FarAhead(uint64_t event, uint64_t lead);
  // Whether pending_ is more than control_->max_lead_events past the
  // slowest other subtask (then this one waits).
  bool LeadTooFar();

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
  uint64_t run_ops_applied_ = 0;
  uint64_t loop_start_ns_ = 0;
  uint64_t loop_end_ns_ = 0;
  uint64_t stream_over_ns_ = 0;  // when RunLoop found its stream over
  uint64_t slowest_other_ = 0;   // FarAhead's last look at the others
  bool pending_streak_ = false;  // the last poll found no op of ours
  uint32_t lead_stalls_ = 0;     // back-pressured turns in a row
  uint32_t lead_check_countdown_ = 0;
  uint64_t barrier_trigger_ns_ = 0;
  long nap_ns_ = 0;
  alignas(64) std::atomic<uint64_t> ops_{0};
  std::atomic<uint64_t> position_{0};
  CheckpointSlot slot_;
  // Scratch buffers reused across ops so that reads do not allocate.
  std::string scratch_value_;
  std::vector<std::string> scratch_list_;
  std::vector<std::pair<std::string, std::string>> scratch_entries_;
};

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_SUBTASK_H_
