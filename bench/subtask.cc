#include "bench/subtask.h"

#include <time.h>

#include <string>

namespace statebench {
namespace {

void AtomicMax(std::atomic<uint64_t>& target, uint64_t value) {
  uint64_t cur = target.load(std::memory_order_relaxed);
  while (value > cur &&
         !target.compare_exchange_weak(cur, value, std::memory_order_acq_rel)) {
  }
}

StateKind ToBackendKind(WorkloadStateKind kind) {
  switch (kind) {
    case WorkloadStateKind::kValue:
      return StateKind::kValue;
    case WorkloadStateKind::kList:
      return StateKind::kList;
    case WorkloadStateKind::kMap:
      return StateKind::kMap;
  }
  return StateKind::kValue;
}

}  // namespace

Subtask::Subtask(int index, KeyGroupRange range, int max_parallelism,
                 std::unique_ptr<TimedBackend> backend, RunControl* control)
    : index_(index),
      range_(range),
      max_parallelism_(max_parallelism),
      backend_(std::move(backend)),
      control_(control) {}

Subtask::~Subtask() { JoinAsync(); }

void Subtask::JoinAsync() {
  if (slot_.async_thread.joinable()) slot_.async_thread.join();
}

Status Subtask::RegisterStates(const std::vector<WorkloadState>& states) {
  state_ids_.clear();
  for (const WorkloadState& s : states) {
    SB_ASSIGN_OR_RETURN(
        StateId id, backend_->RegisterState({s.name, ToBackendKind(s.kind)}));
    state_ids_.push_back(id);
  }
  return Status::Ok();
}

void Subtask::ResetCounters() {
  ops_.store(0, std::memory_order_relaxed);
  events_ = 0;
  backend_->ResetStats();
}

Status Subtask::ApplyFailure(const Op& op, int key_group) const {
  if (!range_.Contains(key_group)) {
    return Status::Internal("subtask " + std::to_string(index_) +
                            " was routed a key of key group " +
                            std::to_string(key_group) + " outside its range " +
                            range_.ToString());
  }
  return Status::Internal("op refers to undeclared state " +
                          std::to_string(op.state));
}

Status Subtask::Apply(const Op& op) {
  int kg = AssignToKeyGroup(op.key, max_parallelism_);
  if (!range_.Contains(kg) || op.state >= state_ids_.size()) [[unlikely]] {
    return ApplyFailure(op, kg);
  }
  StateKey k{state_ids_[op.state], kg, op.key, op.ns};
  bool found = false;
  if (IsWriteOp(op.type)) logical_bytes_written_ += op.LogicalBytes();
  switch (op.type) {
    case OpType::kValueGet:
      return backend_->ValueGet(k, &scratch_value_, &found);
    case OpType::kValuePut:
      return backend_->ValuePut(k, op.value);
    case OpType::kValueRemove:
      return backend_->ValueRemove(k);
    case OpType::kListAppend:
      return backend_->ListAppend(k, op.value);
    case OpType::kListGet:
      return backend_->ListGet(k, &scratch_list_);
    case OpType::kListClear:
      return backend_->ListClear(k);
    case OpType::kMapPut:
      return backend_->MapPut(k, op.user_key, op.value);
    case OpType::kMapGet:
      return backend_->MapGet(k, op.user_key, &scratch_value_, &found);
    case OpType::kMapRemove:
      return backend_->MapRemove(k, op.user_key);
    case OpType::kMapScan:
      return backend_->MapScan(k, op.user_key, op.scan_to, op.scan_limit,
                               &scratch_entries_);
  }
  return Status::Internal("unknown op type");
}

Status Subtask::RunLoad(const Workload& workload) {
  KeyFilter filter = [this](std::string_view key) {
    return range_.Contains(AssignToKeyGroup(key, max_parallelism_));
  };
  backend_->set_recording(false);
  std::unique_ptr<OpSource> load = workload.LoadPhase(filter);
  Op op;
  uint64_t before = logical_bytes_written_;
  while (load->Next(&op)) {
    SB_RETURN_IF_ERROR(Apply(op));
    ++load_ops_;
    if (control_->failed.load(std::memory_order_relaxed)) break;
  }
  load_logical_bytes_ += logical_bytes_written_ - before;
  return Status::Ok();
}

uint64_t Subtask::StartRunPhase(const Workload& workload) {
  KeyFilter filter = [this](std::string_view key) {
    return range_.Contains(AssignToKeyGroup(key, max_parallelism_));
  };
  source_ = workload.RunPhase(filter);
  has_pending_ = false;
  exhausted_ = false;
  return FetchPending() ? pending_.event_index : UINT64_MAX;
}

bool Subtask::FetchPending() {
  if (has_pending_) return true;
  if (exhausted_ || !source_->Next(&pending_)) {
    exhausted_ = true;
    return false;
  }
  has_pending_ = true;
  return true;
}

Status Subtask::SyncPhase() {
  barrier_active_ = false;
  JoinAsync();
  CheckpointSlot& s = slot_;
  s.id = barrier_id_;
  s.barrier_event = barrier_event_;
  s.alignment_ns = alignment_ns_;
  s.async_ns = 0;
  s.handle = CheckpointHandle();
  uint64_t t0 = NowNs();
  Result<std::unique_ptr<AsyncSnapshot>> snap = backend_->SnapshotSync(s.id);
  uint64_t t1 = NowNs();
  s.sync_ns = t1 - t0;
  if (!snap.ok()) {
    // A failed checkpoint is recorded; the job goes on (as in Flink).
    s.status = snap.status();
    s.async_end_ns = t1;
    s.done_id.store(s.id, std::memory_order_release);
    return Status::Ok();
  }
  s.status = Status::Ok();
  s.async_thread = std::thread([&s, async = std::move(snap).value()]() mutable {
    uint64_t a0 = NowNs();
    Result<CheckpointHandle> h = async->Complete();
    async.reset();
    uint64_t a1 = NowNs();
    s.async_ns = a1 - a0;
    s.async_end_ns = a1;
    if (h.ok()) {
      s.handle = std::move(h).value();
    } else {
      s.status = h.status();
    }
    s.done_id.store(s.id, std::memory_order_release);
  });
  return Status::Ok();
}

uint64_t Subtask::BarrierVote() {
  if (!FetchPending()) return 0;  // exhausted: no vote
  // One event can issue many ops (a watermark firing every due window, an
  // element appended to each sliding window it falls in). A barrier falls
  // between events, never inside one, as the oracle replays them: once this
  // event has begun, the earliest barrier is the next event.
  return pending_.event_index == last_event_ ? pending_.event_index + 1
                                             : pending_.event_index;
}

Status Subtask::ApplyPending() {
  SB_RETURN_IF_ERROR(Apply(pending_));
  if (pending_.event_index != last_event_) {
    last_event_ = pending_.event_index;
    ++events_;
  }
  has_pending_ = false;
  return Status::Ok();
}

Status Subtask::ServiceControl() {
  RunControl& c = *control_;
  int64_t req = c.requested.load(std::memory_order_acquire);
  if (req > last_request_) {
    last_request_ = req;
    uint64_t t0 = NowNs();
    const uint64_t position = BarrierVote();
    AtomicMax(c.barrier_max, position);
    c.aligned.fetch_add(1, std::memory_order_acq_rel);
    // Spin briefly, then sleep: with more subtasks than cores a spinning
    // waiter would steal the CPU from the subtask it waits for.
    // Not abandoned on stop: every subtask aligns on a requested barrier
    // before it ends the phase, so that a checkpoint is taken by all
    // subtasks or by none (a shared store cannot roll back half of one).
    for (int spins = 0;
         c.aligned.load(std::memory_order_acquire) < c.parallelism; ++spins) {
      if (c.failed.load(std::memory_order_relaxed)) return Status::Ok();
      if (spins < 64) {
        std::this_thread::yield();
      } else {
        struct timespec ts = {0, 20'000};
        nanosleep(&ts, nullptr);
      }
    }
    barrier_event_ = c.barrier_max.load(std::memory_order_acquire);
    barrier_id_ = req;
    barrier_active_ = true;
    alignment_ns_ = NowNs() - t0;
  }
  int64_t done = c.notify_complete.load(std::memory_order_acquire);
  if (done > last_notified_complete_) {
    last_notified_complete_ = done;
    JoinAsync();
    SB_RETURN_IF_ERROR(backend_->NotifyCheckpointComplete(done));
  }
  int64_t aborted = c.notify_aborted.load(std::memory_order_acquire);
  if (aborted > last_notified_aborted_) {
    last_notified_aborted_ = aborted;
    JoinAsync();
    SB_RETURN_IF_ERROR(backend_->NotifyCheckpointAborted(aborted));
  }
  if (barrier_active_ &&
      (!FetchPending() || pending_.event_index >= barrier_event_)) {
    return SyncPhase();
  }
  return Status::Ok();
}

void Subtask::WaitForIntendedStart(uint64_t event) {
  const RunControl& c = *control_;
  uint64_t intended =
      c.origin_ns +
      static_cast<uint64_t>(static_cast<double>(event - c.origin_event) *
                            c.ns_per_event);
  backend_->SetIntendedStart(intended);
  for (;;) {
    uint64_t now = NowNs();
    if (now >= intended || c.stop.load(std::memory_order_relaxed)) return;
    uint64_t left = intended - now;
    if (left > 200'000) {
      // Sleep most of the gap; spin the last stretch for precision.
      struct timespec ts = {0, static_cast<long>(left - 100'000)};
      nanosleep(&ts, nullptr);
    } else {
      std::this_thread::yield();
    }
  }
}

Status Subtask::RunUntilStopped(bool checkpoints) {
  loop_start_ns_ = NowNs();
  Status s = RunLoop(checkpoints);
  loop_end_ns_ = NowNs();
  return s;
}

Status Subtask::RunLoop(bool checkpoints) {
  RunControl& c = *control_;
  const bool open_loop = c.ns_per_event > 0;
  bool counted_finished = false;
  for (;;) {
    if (c.stop.load(std::memory_order_relaxed)) {
      if (checkpoints) SB_RETURN_IF_ERROR(FinishPendingCheckpoint());
      break;
    }
    if (checkpoints) SB_RETURN_IF_ERROR(ServiceControl());
    if (!FetchPending() || pending_.event_index >= c.end_event) {
      // Our stream is over; keep answering barriers until the phase ends.
      if (!counted_finished) {
        counted_finished = true;
        c.finished.fetch_add(1, std::memory_order_acq_rel);
      }
      struct timespec ts = {0, 200'000};
      nanosleep(&ts, nullptr);
      continue;
    }
    if (open_loop) {
      WaitForIntendedStart(pending_.event_index);
      if (c.stop.load(std::memory_order_relaxed)) break;
    }
    SB_RETURN_IF_ERROR(ApplyPending());
    ops_.store(ops_.load(std::memory_order_relaxed) + 1,
               std::memory_order_relaxed);
    position_.store(last_event_, std::memory_order_relaxed);
  }
  return Status::Ok();
}

Status Subtask::FinishPendingCheckpoint() {
  SB_RETURN_IF_ERROR(ServiceControl());  // aligns on a pending request
  while (barrier_active_ && !control_->failed.load(std::memory_order_relaxed)) {
    if (!FetchPending() || pending_.event_index >= barrier_event_) {
      return SyncPhase();
    }
    SB_RETURN_IF_ERROR(ApplyPending());
  }
  return Status::Ok();
}

Result<CheckpointHandle> Subtask::CheckpointNow(int64_t id) {
  JoinAsync();
  SB_ASSIGN_OR_RETURN(std::unique_ptr<AsyncSnapshot> snap,
                      backend_->SnapshotSync(id));
  SB_ASSIGN_OR_RETURN(CheckpointHandle handle, snap->Complete());
  snap.reset();
  SB_RETURN_IF_ERROR(backend_->NotifyCheckpointComplete(id));
  return handle;
}

}  // namespace statebench
