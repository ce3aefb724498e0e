#include "bench/harness/subtask.h"

#include <time.h>

#include <algorithm>
#include <new>
#include <string>

#include "bench/harness/interrupt.h"

namespace statebench {
namespace {

void AtomicMax(std::atomic<uint64_t>& target, uint64_t value) {
  uint64_t cur = target.load(std::memory_order_relaxed);
  while (value > cur &&
         !target.compare_exchange_weak(cur, value, std::memory_order_acq_rel)) {
  }
}

// Input events a subtask examines per poll of its stream: small enough that
// it comes back to barriers and the stop flag within tens of microseconds.
constexpr uint64_t kScanBudget = 4096;
// How far a subtask that finds no op may scan past the slowest other
// subtask before it sleeps.
constexpr uint64_t kMaxLeadEvents = 1 << 16;

// The first sleep of a subtask that waits for the others; it doubles while
// it keeps waiting.
constexpr long kFirstNapNs = 100'000;

void Nap(long ns) {
  struct timespec ts = {0, ns};
  nanosleep(&ts, nullptr);
}

}  // namespace

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

void RunControl::SetParallelism(int p) {
  parallelism = p;
  next_event = std::make_unique<NextEvent[]>(static_cast<size_t>(p));
}

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
    if (InterruptRequested()) return Status::Unavailable(InterruptReason());
  }
  SB_RETURN_IF_ERROR(load->status());
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
  run_ops_applied_ = 0;
  last_event_ = UINT64_MAX;
  slowest_other_ = 0;
  pending_streak_ = false;
  nap_ns_ = kFirstNapNs;
  PollResult first = FetchPending();
  PublishNextEvent(NextBound());
  return first == PollResult::kEnd ? UINT64_MAX : NextBound();
}

PollResult Subtask::FetchPending() {
  if (has_pending_) return PollResult::kOp;
  if (exhausted_) return PollResult::kEnd;
  PollResult r = source_->Poll(&pending_, kScanBudget);
  if (r == PollResult::kOp) has_pending_ = true;
  if (r == PollResult::kEnd) exhausted_ = true;
  return r;
}

uint64_t Subtask::NextBound() const {
  if (has_pending_) return pending_.event_index;
  if (exhausted_) return UINT64_MAX;
  return source_->Horizon();
}

bool Subtask::StreamOver(PollResult fetched) const {
  return fetched == PollResult::kEnd || NextBound() >= control_->end_event;
}

void Subtask::PublishNextEvent(uint64_t event) {
  if (control_->next_event) {
    control_->next_event[index_].value.store(event, std::memory_order_relaxed);
  }
}

bool Subtask::FarAhead(uint64_t event, uint64_t lead) {
  const RunControl& c = *control_;
  if (!c.next_event || event < lead) return false;
  // The others' positions only grow: a minimum seen stays a lower bound,
  // and only a subtask that seems far ahead looks again.
  if (event - lead <= slowest_other_) return false;
  uint64_t slowest = UINT64_MAX;
  for (int i = 0; i < c.parallelism; ++i) {
    if (i == index_) continue;
    slowest = std::min(slowest,
                       c.next_event[i].value.load(std::memory_order_relaxed));
  }
  slowest_other_ = slowest;
  return event - lead > slowest;
}

bool Subtask::LeadTooFar() {
  const uint64_t lead = control_->max_lead_events;
  if (lead == 0) return false;
  // Reading every sibling's position per op would cost heap backends, whose
  // ops take tens of ns, a measurable share: look every 64th op, or every
  // turn while held back.
  if (lead_stalls_ == 0 && lead_check_countdown_ > 0) {
    --lead_check_countdown_;
    return false;
  }
  lead_check_countdown_ = 63;
  slowest_other_ = 0;  // look again: the bound is tight here
  return FarAhead(pending_.event_index, lead);
}

Status Subtask::ApplyPending() {
  SB_RETURN_IF_ERROR(Apply(pending_));
  has_pending_ = false;
  ++run_ops_applied_;
  if (pending_.event_index != last_event_) {
    last_event_ = pending_.event_index;
    ++events_;
  }
  ops_.store(ops_.load(std::memory_order_relaxed) + 1,
             std::memory_order_relaxed);
  position_.store(last_event_, std::memory_order_relaxed);
  return Status::Ok();
}

Status Subtask::CatchUpTo(uint64_t event) {
  for (;;) {
    if (control_->failed.load(std::memory_order_relaxed)) return Status::Ok();
    PollResult r = FetchPending();
    if (StreamOver(r) || NextBound() >= event) break;
    if (r == PollResult::kOp) SB_RETURN_IF_ERROR(ApplyPending());
  }
  PublishNextEvent(NextBound());
  return Status::Ok();
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
  const uint64_t since_trigger =
      t0 > barrier_trigger_ns_ ? t0 - barrier_trigger_ns_ : 0;
  s.start_delay_ns =
      since_trigger > alignment_ns_ ? since_trigger - alignment_ns_ : 0;
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
  // The async phase is timed from the end of the sync phase: waiting for
  // the async thread to get a CPU is part of it (tens of ms on a loaded
  // machine), and end-to-end then adds up to start delay + alignment +
  // sync + async.
  s.async_thread =
      std::thread([&s, a0 = t1, async = std::move(snap).value()]() mutable {
        // Out of memory here fails the checkpoint (and with it the run),
        // not the process.
        Result<CheckpointHandle> h = [&]() -> Result<CheckpointHandle> {
          try {
            return async->Complete();
          } catch (const std::bad_alloc&) {
            return Status::ResourceExhausted(
                "out of memory (std::bad_alloc) in the async phase of a "
                "checkpoint");
          }
        }();
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
  // One event can issue many ops (a watermark firing every due window, an
  // element appended to each sliding window it falls in). A barrier falls
  // between events, never inside one, as the oracle replays them: the vote
  // is past every event this subtask has applied ops of. A subtask without
  // an op at hand votes no further: its scan may be far ahead of the
  // others (up to kMaxLeadEvents), and voting that would hold them to it.
  PollResult fetched = FetchPending();
  uint64_t position = fetched == PollResult::kOp && !StreamOver(fetched)
                          ? pending_.event_index
                          : 0;
  return std::max(position, applied_end());
}

Status Subtask::ServiceControl() {
  RunControl& c = *control_;
  int64_t req = c.requested.load(std::memory_order_acquire);
  if (req > last_request_) {
    last_request_ = req;
    barrier_trigger_ns_ = c.trigger_ns.load(std::memory_order_relaxed);
    uint64_t t0 = NowNs();
    AtomicMax(c.barrier_max, BarrierVote());
    c.aligned.fetch_add(1, std::memory_order_acq_rel);
    // Spin briefly, then sleep: with more subtasks than cores a spinning
    // waiter would steal the CPU from the subtask it waits for.
    // Not abandoned on stop: every subtask aligns on a requested barrier
    // before it ends the phase, so that a checkpoint is taken by all
    // subtasks or by none (a shared store cannot roll back half of one).
    // With hundreds of subtasks, short sleeps of all the aligned ones would
    // keep the scheduler from the few still on their way: back off.
    for (int spins = 0;
         c.aligned.load(std::memory_order_acquire) < c.parallelism; ++spins) {
      if (c.failed.load(std::memory_order_relaxed)) return Status::Ok();
      if (spins < 64) {
        std::this_thread::yield();
      } else {
        Nap(spins < 1064 ? 20'000 : 500'000);
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
  if (barrier_active_) {
    PollResult fetched = FetchPending();
    if (StreamOver(fetched) || NextBound() >= barrier_event_) {
      return SyncPhase();
    }
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
  stream_over_ns_ = 0;
  Status s = RunLoop(checkpoints);
  // A subtask whose stream ended stopped processing then, not when the
  // coordinator noticed.
  loop_end_ns_ = stream_over_ns_ != 0 ? stream_over_ns_ : NowNs();
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
    // None of our keys came up lately and we are far ahead of the slowest
    // other subtask: wait, longer each time, rather than scan on.
    if (pending_streak_ && FarAhead(NextBound(), kMaxLeadEvents)) {
      Nap(nap_ns_);
      // Capped by the number of subtasks: a few can afford to look often,
      // hundreds waking every 100 us would keep the CPUs busy with that.
      nap_ns_ = std::min<long>(
          2 * nap_ns_,
          std::clamp<long>(50'000L * c.parallelism, 200'000, 10'000'000));
      continue;
    }
    const PollResult fetched = FetchPending();
    if (StreamOver(fetched)) {
      // A replayed trace that turned out damaged fails the run.
      if (exhausted_) SB_RETURN_IF_ERROR(source_->status());
      // Our stream is over; keep answering barriers until the phase ends.
      if (!counted_finished) {
        counted_finished = true;
        stream_over_ns_ = NowNs();
        PublishNextEvent(UINT64_MAX);
        c.finished.fetch_add(1, std::memory_order_acq_rel);
      }
      Nap(1'000'000);
      continue;
    }
    if (fetched == PollResult::kPending) {
      pending_streak_ = true;
      PublishNextEvent(NextBound());
      continue;
    }
    if (pending_streak_) {
      pending_streak_ = false;
      nap_ns_ = kFirstNapNs;
    }
    PublishNextEvent(pending_.event_index);
    if (LeadTooFar()) {
      // Back-pressured: the barrier checks above keep running meanwhile.
      if (++lead_stalls_ < 64) {
        std::this_thread::yield();
      } else {
        Nap(20'000);
      }
      continue;
    }
    lead_stalls_ = 0;
    if (open_loop) {
      WaitForIntendedStart(pending_.event_index);
      if (c.stop.load(std::memory_order_relaxed)) break;
    }
    SB_RETURN_IF_ERROR(ApplyPending());
  }
  return Status::Ok();
}

Status Subtask::FinishPendingCheckpoint() {
  SB_RETURN_IF_ERROR(ServiceControl());  // aligns on a pending request
  while (barrier_active_ && !control_->failed.load(std::memory_order_relaxed)) {
    PollResult fetched = FetchPending();
    if (StreamOver(fetched) || NextBound() >= barrier_event_) {
      return SyncPhase();
    }
    if (fetched == PollResult::kOp) SB_RETURN_IF_ERROR(ApplyPending());
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
