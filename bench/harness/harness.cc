#include "bench/harness/harness.h"

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "base/file_util.h"
#include "bench/harness/interrupt.h"
#include "bench/harness/proc_stats.h"
#include "bench/harness/rescale.h"
#include "bench/harness/run_record.h"
#include "bench/harness/subtask.h"
#include "workloads/spec_fields.h"

namespace statebench {
namespace {

constexpr uint64_t kNsPerMs = 1'000'000;

template <typename T>
void AddOptional(const std::optional<T>& v, std::optional<T>* sum) {
  if (v) *sum = sum->value_or(T{}) + *v;
}

// The snapshot codec figures a backend reported with its handle.
void RecordCodecFields(const CheckpointFigures& f, SubtaskCheckpoint* sc,
                       CheckpointRecord* rec) {
  if (!f.compression.empty()) {
    rec->compression = f.compression;
    if (rec->encryption.empty()) rec->encryption = "none";
  }
  if (!f.encryption.empty()) rec->encryption = f.encryption;
  sc->uncompressed_size = f.uncompressed_size;
  auto ms = [](std::optional<uint64_t> ns) -> std::optional<double> {
    if (!ns) return std::nullopt;
    return static_cast<double>(*ns) / kNsPerMs;
  };
  sc->compress_cpu_ms = ms(f.compress_cpu_ns);
  sc->encrypt_cpu_ms = ms(f.encrypt_cpu_ns);
}
constexpr uint64_t kNsPerS = 1'000'000'000;

Status InterruptedStatus() { return Status::Unavailable(InterruptReason()); }

void SleepMs(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// A backend that runs out of memory fails its own run: the exception ends
// at the thread that hit it (an exception leaving a thread would end the
// process, and the other backends' results with it).
Status OutOfMemory(std::string_view what) {
  return Status::ResourceExhausted(
      "out of memory (std::bad_alloc) " + std::string(what) +
      "; the state does not fit in this process's memory");
}

template <typename Fn>
Status CatchOutOfMemory(std::string_view what, Fn&& fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return OutOfMemory(what);
  }
}

// Runs `body` on one thread per subtask and collects the first failure.
Status ForEachSubtask(std::vector<std::unique_ptr<Subtask>>& subtasks,
                      RunControl& control,
                      const std::function<Status(Subtask&)>& body) {
  std::vector<Status> results(subtasks.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < subtasks.size(); ++i) {
    threads.emplace_back([&, i] {
      results[i] =
          CatchOutOfMemory("in a subtask", [&] { return body(*subtasks[i]); });
      if (!results[i].ok()) {
        control.failed.store(true);
        control.stop.store(true);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].ok()) {
      return results[i].WithContext("subtask " + std::to_string(i));
    }
  }
  return Status::Ok();
}

// The checkpoint coordinator's view of one in-flight checkpoint.
struct InFlight {
  int64_t id = 0;
  uint64_t trigger_ns = 0;
  bool active = false;
  bool timed_out = false;
};

class Repeater {
 public:
  Repeater(const RunConfig& config, const BackendRegistry& registry,
           const Workload& workload, RunObserver& observer, int rep,
           RunResult* run)
      : config_(config),
        registry_(registry),
        workload_(workload),
        observer_(observer),
        rep_(rep),
        run_(run) {}

  // Runs one repetition, appending it to run_->repetitions (also when it
  // fails part-way). Returns the failure, naming its phase via phase_.
  Status Run();
  const std::string& phase() const { return phase_; }
  // True when Run's failure means the backend cannot hold the requested
  // state (RunResult status "unsupported").
  bool unsupported() const { return unsupported_; }

 private:
  Status Open();
  // Unsupported before measuring: the workload's state (before the load)
  // or the loaded bytes (after it) above the backend's state_size_cap.
  Status PreflightWorkload();
  Status PreflightLoaded();
  Status Load(Repetition* rep);
  Status Warmup(Repetition* rep);
  Status Measure(Repetition* rep);
  // The coordinator's loop of the measured phase: the ops timeline, position
  // reports and checkpoint triggers until a reason to stop, which it returns
  // (Repetition::measure_end).
  std::string CoordinateMeasure(uint64_t start, InFlight* cp,
                                std::vector<CheckpointRecord>* records,
                                std::vector<double>* timeline);
  // Why the measured phase ends at `now`, or nullptr to go on.
  const char* MeasureEnd(uint64_t now, uint64_t start);
  // Why the measured phase ran no op, for its failure.
  std::string NoOpsReason(const Repetition& rep) const;
  // Marks `s` (a refused checkpoint) as the backend's limit, not a failure.
  Status Unsupported(Status s);
  void Trigger(InFlight* cp, std::vector<CheckpointRecord>* records,
               uint64_t measure_start);
  bool PollCheckpoint(InFlight* cp, std::vector<CheckpointRecord>* records);
  void FinishCheckpoint(const InFlight& cp, bool timed_out,
                        std::vector<CheckpointRecord>* records);
  Status MeasureRestore(Repetition* rep);
  // Every subtask's checkpoint `id`, taken now for the restore to read.
  Result<std::vector<CheckpointHandle>> CheckpointForRestore(int64_t id);
  // One new, empty instance per subtask with the workload's states, as
  // after a failover.
  Result<std::vector<std::unique_ptr<StateBackend>>> FreshInstances();
  Status AlignEventCount();
  void ReportExecuted();
  Status MeasureRescaleOfRun(Repetition* rep);
  BackendConfig ConfigFor(int index, const std::string& work_dir) const;
  void RecordEffectiveConfig(const BackendInfo& info, const Capabilities& caps,
                             const BackendConfig& bc);

  const RunConfig& config_;
  const BackendRegistry& registry_;
  const Workload& workload_;
  RunObserver& observer_;
  int rep_;
  RunResult* run_;
  std::string phase_ = "open";
  std::string run_dir_;
  int max_parallelism_ = 128;
  uint32_t sample_every_ = 1;
  RunControl control_;
  std::vector<std::unique_ptr<Subtask>> subtasks_;
  int64_t next_checkpoint_id_ = 1;
  IoCounters io_start_;
  // The last checkpoint all subtasks completed in the measured phase, and
  // the one MeasureRestore took after it: what a rescale restores.
  std::optional<CompletedCheckpoint> last_completed_;
  std::optional<CompletedCheckpoint> final_checkpoint_;
  bool rescaled_ = false;
  uint64_t state_size_cap_ = 0;
  bool unsupported_ = false;
  // The first periodic checkpoint a subtask refused for its size.
  Status over_cap_;
};

void Repeater::RecordEffectiveConfig(const BackendInfo& info,
                                     const Capabilities& caps,
                                     const BackendConfig& bc) {
  std::map<std::string, std::string>& e = run_->effective_config;
  for (const BackendOptionInfo& o : info.options) {
    auto given = config_.backend_options.find(o.name);
    e[o.name] = given != config_.backend_options.end() ? given->second
                                                       : o.default_value;
  }
  const bool incremental =
      config_.checkpoint.type == CheckpointType::kIncremental &&
      caps.incremental;
  e["checkpoint.type"] = incremental ? "incremental" : "full";
  e["checkpoint.incremental"] = incremental ? "on" : "off";
  if (caps.remote) {
    e["checkpoint.storage"] = "the server (state and checkpoints in it)";
  } else if (caps.durable) {
    e["checkpoint.storage"] = "filesystem";
    e["checkpoint.dir"] = bc.checkpoint_dir;
  } else {
    e["checkpoint.storage"] = "jobmanager (in memory)";
  }
}

BackendConfig Repeater::ConfigFor(int index,
                                  const std::string& work_dir) const {
  BackendConfig bc;
  bc.max_parallelism = max_parallelism_;
  bc.key_groups =
      KeyGroupRangeForSubtask(max_parallelism_, config_.parallelism, index);
  bc.subtask_index = index;
  bc.work_dir = work_dir;
  bc.checkpoint_dir = config_.checkpoint_dir.empty() ? run_dir_ + "/checkpoints"
                                                     : config_.checkpoint_dir;
  bc.checkpoint_type = config_.checkpoint.type;
  bc.options = config_.backend_options;
  bc.settings = config_.backend_settings;
  return bc;
}

Status Repeater::Open() {
  SB_ASSIGN_OR_RETURN(BackendInfo info, registry_.Info(config_.backend));
  max_parallelism_ = config_.max_parallelism > 0
                         ? config_.max_parallelism
                         : DefaultMaxParallelism(config_.parallelism);
  sample_every_ = config_.latency_sample_every;
  if (sample_every_ == 0)
    sample_every_ = info.capabilities.memory_bound ? 100 : 1;
  run_->latency_sample_every = sample_every_;
  run_->max_parallelism = max_parallelism_;
  SB_ASSIGN_OR_RETURN(run_dir_,
                      MakeTempDirectory("statebench-" + config_.backend + "-"));
  SB_RETURN_IF_ERROR(EnsureDirectory(config_.checkpoint_dir.empty()
                                         ? run_dir_ + "/checkpoints"
                                         : config_.checkpoint_dir));
  control_.SetParallelism(config_.parallelism);
  control_.max_lead_events = config_.max_lead_events;
  for (int i = 0; i < config_.parallelism; ++i) {
    std::string work = run_dir_ + "/subtask-" + std::to_string(i);
    SB_RETURN_IF_ERROR(EnsureDirectory(work));
    BackendConfig bc = ConfigFor(i, work);
    if (i == 0 && !info.embedded) {
      // A server keeps the job's state across repetitions: every
      // repetition starts from an empty store, as the first did, through
      // an instance of its own so that the cleanup's I/O is not counted.
      SB_ASSIGN_OR_RETURN(std::unique_ptr<StateBackend> cleaner,
                          registry_.Create(config_.backend, bc));
      Status reset = cleaner->ResetJobStorage();
      (void)cleaner->Close();
      SB_RETURN_IF_ERROR(reset.WithContext("emptying the job's storage"));
    }
    SB_ASSIGN_OR_RETURN(std::unique_ptr<StateBackend> backend,
                        registry_.Create(config_.backend, bc));
    if (i == 0) {
      Capabilities c = backend->GetCapabilities();
      state_size_cap_ = c.state_size_cap;
      run_->capabilities = {
          c.durable,      c.incremental,
          c.remote,       c.exactly_once,
          c.memory_bound, std::string(RescaleModeName(c.rescale_mode))};
      run_->capabilities.persistence = c.persistence;
      run_->capabilities.durability_note = c.durability_note;
      RecordEffectiveConfig(info, c, bc);
    }
    auto timed =
        std::make_unique<TimedBackend>(std::move(backend), sample_every_);
    subtasks_.push_back(std::make_unique<Subtask>(
        i, bc.key_groups, max_parallelism_, std::move(timed), &control_));
    SB_RETURN_IF_ERROR(subtasks_.back()->RegisterStates(workload_.States()));
  }
  return Status::Ok();
}

void Repeater::Trigger(InFlight* cp, std::vector<CheckpointRecord>* records,
                       uint64_t measure_start) {
  cp->id = next_checkpoint_id_++;
  cp->trigger_ns = NowNs();
  cp->active = true;
  cp->timed_out = false;
  control_.aligned.store(0, std::memory_order_relaxed);
  control_.barrier_max.store(0, std::memory_order_relaxed);
  control_.trigger_ns.store(cp->trigger_ns, std::memory_order_relaxed);
  control_.requested.store(cp->id, std::memory_order_release);
  CheckpointRecord rec;
  rec.id = cp->id;
  rec.status = CheckpointStatus::kInProgress;
  rec.type = std::string(CheckpointTypeName(config_.checkpoint.type));
  rec.trigger_time_s =
      static_cast<double>(cp->trigger_ns - measure_start) / kNsPerS;
  records->push_back(rec);
}

void Repeater::FinishCheckpoint(const InFlight& cp, bool timed_out,
                                std::vector<CheckpointRecord>* records) {
  CheckpointRecord& rec = records->back();
  uint64_t last_end = cp.trigger_ns;
  bool all_ok = true;
  std::string reason;
  std::string type;
  for (auto& st : subtasks_) {
    CheckpointSlot& s = st->slot();
    SubtaskCheckpoint sc;
    sc.subtask = st->index();
    sc.alignment_duration_ms = static_cast<double>(s.alignment_ns) / kNsPerMs;
    sc.start_delay_ms = static_cast<double>(s.start_delay_ns) / kNsPerMs;
    sc.sync_duration_ms = static_cast<double>(s.sync_ns) / kNsPerMs;
    sc.async_duration_ms = static_cast<double>(s.async_ns) / kNsPerMs;
    sc.checkpointed_size = s.handle.checkpointed_size;
    sc.full_size = s.handle.full_size;
    if (s.status.ok()) {
      RecordCodecFields(s.handle.figures, &sc, &rec);
      if (!s.handle.figures.synchronous_commit.empty()) {
        run_->effective_config["server.synchronous_commit"] =
            s.handle.figures.synchronous_commit;
      }
    }
    sc.status = s.status.ok() ? CheckpointStatus::kCompleted
                              : CheckpointStatus::kFailed;
    if (!s.status.ok()) {
      all_ok = false;
      if (s.status.code() == StatusCode::kResourceExhausted && over_cap_.ok()) {
        over_cap_ =
            s.status.WithContext("subtask " + std::to_string(st->index()));
      }
      if (reason.empty()) {
        reason = "subtask " + std::to_string(st->index()) + ": " +
                 s.status.ToString();
      }
    } else {
      type = std::string(CheckpointTypeName(s.handle.type));
    }
    last_end = std::max(last_end, s.async_end_ns);
    rec.sync_duration_ms = std::max(rec.sync_duration_ms, sc.sync_duration_ms);
    rec.async_duration_ms =
        std::max(rec.async_duration_ms, sc.async_duration_ms);
    rec.alignment_duration_ms =
        std::max(rec.alignment_duration_ms, sc.alignment_duration_ms);
    rec.start_delay_ms =
        std::max(rec.start_delay_ms.value_or(0), *sc.start_delay_ms);
    rec.checkpointed_size += sc.checkpointed_size;
    rec.full_size += sc.full_size;
    AddOptional(sc.uncompressed_size, &rec.uncompressed_size);
    AddOptional(sc.compress_cpu_ms, &rec.compress_cpu_ms);
    AddOptional(sc.encrypt_cpu_ms, &rec.encrypt_cpu_ms);
    rec.subtasks.push_back(sc);
  }
  if (!type.empty()) rec.type = type;
  rec.end_to_end_duration_ms =
      static_cast<double>(last_end - cp.trigger_ns) / kNsPerMs;
  if (timed_out) {
    rec.status = CheckpointStatus::kTimedOut;
    rec.failure_reason = "exceeded the checkpoint timeout of " +
                         std::to_string(config_.checkpoint.timeout_ms) + " ms";
    control_.notify_aborted.store(cp.id, std::memory_order_release);
  } else if (!all_ok) {
    rec.status = CheckpointStatus::kFailed;
    rec.failure_reason = reason;
    control_.notify_aborted.store(cp.id, std::memory_order_release);
  } else {
    rec.status = CheckpointStatus::kCompleted;
    CompletedCheckpoint done;
    done.id = cp.id;
    done.barrier_event = subtasks_.front()->slot().barrier_event;
    for (auto& st : subtasks_) done.handles.push_back(st->slot().handle);
    observer_.OnCheckpointCompleted(done);
    if (config_.rescale_to > 0) last_completed_ = std::move(done);
    control_.notify_complete.store(cp.id, std::memory_order_release);
  }
}

// Returns true when the in-flight checkpoint is finished (all subtasks'
// async phases ended) and recorded.
bool Repeater::PollCheckpoint(InFlight* cp,
                              std::vector<CheckpointRecord>* records) {
  bool all_done = true;
  for (auto& st : subtasks_) {
    if (st->slot().done_id.load(std::memory_order_acquire) != cp->id) {
      all_done = false;
      break;
    }
  }
  uint64_t now = NowNs();
  if (!all_done && !cp->timed_out &&
      now - cp->trigger_ns > config_.checkpoint.timeout_ms * kNsPerMs) {
    cp->timed_out = true;  // recorded when the stragglers finish
  }
  if (!all_done) return false;
  FinishCheckpoint(*cp, cp->timed_out, records);
  cp->active = false;
  return true;
}

Status Repeater::Unsupported(Status s) {
  unsupported_ = true;
  return s;
}

std::string HumanMiB(uint64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f MiB",
                static_cast<double>(bytes) / (1 << 20));
  return buf;
}

Status Repeater::PreflightWorkload() {
  phase_ = "preflight";
  const WorkloadSpec& w = workload_.Spec();
  // Judged only where the spec tells the loaded size: one value state
  // loaded with one value per key. The least state that leaves is keys x
  // (key + smallest value), and some subtask holds at least its share.
  // Other workloads are judged by the bytes they load (PreflightLoaded).
  const std::vector<WorkloadState>& states = workload_.States();
  if (state_size_cap_ == 0 || workload_.LoadEventCount() != w.key_count ||
      states.size() != 1 || states[0].kind != WorkloadStateKind::kValue) {
    return Status::Ok();
  }
  const uint64_t smallest_value =
      w.value_size_distribution == "fixed"
          ? w.value_size
          : std::min(w.value_size, w.value_size_min);
  const uint64_t per_subtask = w.key_count * (w.key_size + smallest_value) /
                               static_cast<uint64_t>(config_.parallelism);
  if (per_subtask <= state_size_cap_) return Status::Ok();
  return Unsupported(Status::ResourceExhausted(
      config_.backend + " checkpoints at most " + HumanMiB(state_size_cap_) +
      " per subtask, and " + std::to_string(w.key_count) + " keys x (" +
      std::to_string(w.key_size) + " + " + std::to_string(smallest_value) +
      ") bytes over " + std::to_string(config_.parallelism) +
      " subtask(s) is at least " + HumanMiB(per_subtask) +
      " each; raise its max_state_size, the parallelism, or use a backend "
      "with filesystem checkpoint storage (fs, rocksdb)"));
}

Status Repeater::PreflightLoaded() {
  phase_ = "preflight";
  if (state_size_cap_ == 0) return Status::Ok();
  for (auto& st : subtasks_) {
    if (st->load_logical_bytes() <= state_size_cap_) continue;
    return Unsupported(Status::ResourceExhausted(
        "subtask " + std::to_string(st->index()) + " holds " +
        HumanMiB(st->load_logical_bytes()) +
        " of state after the load, above " + config_.backend +
        "'s checkpoint cap of " + HumanMiB(state_size_cap_) +
        " per subtask; raise its max_state_size, the parallelism, or use a "
        "backend with filesystem checkpoint storage (fs, rocksdb)"));
  }
  return Status::Ok();
}

Status Repeater::Load(Repetition* rep) {
  phase_ = "load";
  observer_.OnProgress(config_.backend + ": loading " +
                       std::to_string(workload_.Spec().key_count) + " keys");
  uint64_t t0 = NowNs();
  SB_RETURN_IF_ERROR(ForEachSubtask(
      subtasks_, control_, [&](Subtask& st) { return st.RunLoad(workload_); }));
  rep->load_duration_s = static_cast<double>(NowNs() - t0) / kNsPerS;
  for (auto& st : subtasks_) rep->load_ops += st->load_ops();
  return Status::Ok();
}

bool AllInputEnded(const RunControl& control) {
  return control.finished.load() >= control.parallelism;
}

// The wall time in which the subtasks processed ops: from the first one
// entering its loop to the last one's last op (its leaving the loop when
// its stream did not end). Starting and joining threads is not processing;
// neither is idling after the input ran out.
uint64_t ActiveNs(const std::vector<std::unique_ptr<Subtask>>& subtasks,
                  uint64_t fallback) {
  uint64_t first = UINT64_MAX, last = 0;
  for (const auto& st : subtasks) {
    first = std::min(first, st->loop_start_ns());
    last = std::max(
        last, st->input_end_ns() != 0 ? st->input_end_ns() : st->loop_end_ns());
  }
  return last > first ? last - first : fallback;
}

Status Repeater::Warmup(Repetition* rep) {
  // The run-phase stream, nothing recorded.
  phase_ = "warmup";
  uint64_t first_event = UINT64_MAX;
  for (auto& st : subtasks_) {
    uint64_t next = st->StartRunPhase(workload_);
    first_event = std::min(first_event, next);
  }
  if (config_.rate > 0) {
    control_.ns_per_event = static_cast<double>(kNsPerS) / config_.rate;
    control_.origin_event = first_event == UINT64_MAX ? 0 : first_event;
  }
  uint64_t warmup_start = NowNs();
  control_.origin_ns = warmup_start;
  control_.stop.store(false);
  control_.finished.store(0);
  // --warmup 0 runs no op before the measured phase (a replay then
  // measures exactly what a recording executed).
  if (config_.warmup_s > 0) {
    std::thread warm([&] {
      while (!control_.stop.load() && !InterruptRequested() &&
             NowNs() - warmup_start < config_.warmup_s * kNsPerS &&
             !(config_.end_at_end_of_input && AllInputEnded(control_))) {
        SleepMs(2);
      }
      control_.stop.store(true);
    });
    Status warm_status = ForEachSubtask(subtasks_, control_, [](Subtask& st) {
      st.backend().set_recording(false);
      return st.RunUntilStopped(false);
    });
    warm.join();
    SB_RETURN_IF_ERROR(warm_status);
  }
  if (InterruptRequested()) return InterruptedStatus();
  if (config_.measure_events > 0) SB_RETURN_IF_ERROR(AlignEventCount());
  rep->warmup_duration_s =
      static_cast<double>(NowNs() - warmup_start) / kNsPerS;
  for (auto& st : subtasks_) rep->warmup_ops += st->ops();
  return Status::Ok();
}

std::string Repeater::NoOpsReason(const Repetition& rep) const {
  char buf[256];
  if (rep.measure_end == "end_of_input") {
    std::snprintf(buf, sizeof buf,
                  "the workload's input ran out before it (%llu ops in the "
                  "%.3g s warmup); lower --warmup or raise run_events",
                  static_cast<unsigned long long>(rep.warmup_ops),
                  rep.warmup_duration_s);
  } else if (config_.rate > 0) {
    std::snprintf(buf, sizeof buf,
                  "no event was due in its %.3g s at --rate %g events/s",
                  rep.measure_duration_s, config_.rate);
  } else {
    std::snprintf(buf, sizeof buf, "no op completed in its %.3g s",
                  rep.measure_duration_s);
  }
  return buf;
}

const char* Repeater::MeasureEnd(uint64_t now, uint64_t start) {
  if (control_.failed.load()) return "failure";
  if (observer_.ShouldStop()) return "stopped";
  if (InterruptRequested()) return "interrupted";
  if (config_.measure_events == 0 &&
      now - start >= static_cast<uint64_t>(config_.measure_s * kNsPerS)) {
    return "duration";
  }
  // Every subtask's stream is over: the --events count was reached, or a
  // bounded stream or trace ended (a crash-verification job runs on until
  // it is killed instead).
  if (AllInputEnded(control_) &&
      (config_.measure_events > 0 || config_.end_at_end_of_input)) {
    return config_.measure_events > 0 ? "events" : "end_of_input";
  }
  return nullptr;
}

std::string Repeater::CoordinateMeasure(uint64_t start, InFlight* cp,
                                        std::vector<CheckpointRecord>* records,
                                        std::vector<double>* timeline) {
  uint64_t next_trigger = start + config_.checkpoint.interval_ms * kNsPerMs;
  uint64_t last_tick = start;
  uint64_t last_ops = 0;
  uint64_t next_position = start;
  for (;;) {
    uint64_t now = NowNs();
    if (now - last_tick >= kNsPerS) {
      // Ops of the second just ended over its actual length: the
      // coordinator may wake late on a loaded machine.
      uint64_t ops = 0;
      for (auto& st : subtasks_) ops += st->ops();
      timeline->push_back(static_cast<double>(ops - last_ops) * kNsPerS /
                          static_cast<double>(now - last_tick));
      last_ops = ops;
      last_tick = now;
    }
    if (now >= next_position) {
      uint64_t pos = 0;
      for (auto& st : subtasks_) pos = std::max(pos, st->position());
      observer_.OnPosition(pos);
      next_position = now + 10 * kNsPerMs;
    }
    if (const char* end = MeasureEnd(now, start)) return end;
    if (cp->active) {
      if (PollCheckpoint(cp, records)) {
        next_trigger = std::max(
            next_trigger, NowNs() + config_.checkpoint.min_pause_ms * kNsPerMs);
      }
    } else if (config_.checkpoint.interval_ms > 0 && now >= next_trigger) {
      Trigger(cp, records, start);
      next_trigger = now + config_.checkpoint.interval_ms * kNsPerMs;
    }
    SleepMs(1);
  }
}

Status Repeater::Measure(Repetition* rep) {
  SB_RETURN_IF_ERROR(Warmup(rep));
  phase_ = "measure";
  std::vector<std::map<std::string, uint64_t>> read_base;
  for (auto& st : subtasks_) {
    st->ResetCounters();
    read_base.push_back(st->backend().GetIoStats().read_sources);
    st->backend().set_recording(true);
  }
  control_.stop.store(false);
  control_.finished.store(0);
  uint64_t start = NowNs();
  Status sub_status;
  std::thread workers([&] {
    sub_status = ForEachSubtask(subtasks_, control_, [&](Subtask& st) {
      return st.RunUntilStopped(config_.checkpoint.interval_ms > 0);
    });
  });
  std::vector<CheckpointRecord> records;
  std::vector<double> timeline;
  InFlight cp;
  rep->measure_end = CoordinateMeasure(start, &cp, &records, &timeline);
  control_.stop.store(true);
  workers.join();
  uint64_t end = NowNs();
  // An in-flight checkpoint is allowed to finish and is recorded.
  for (auto& st : subtasks_) st->JoinAsync();
  if (cp.active && !PollCheckpoint(&cp, &records)) {
    // Subtasks stopped before reaching the barrier: never started.
    records.back().status = CheckpointStatus::kFailed;
    records.back().failure_reason = "the measured phase ended first";
  }
  IoCounters io_after = ReadProcessIo();
  rep->measure_duration_s =
      static_cast<double>(ActiveNs(subtasks_, end - start)) / kNsPerS;
  rep->checkpoints = std::move(records);
  rep->timeline_ops_per_s = std::move(timeline);
  CollectMeasurements(subtasks_, io_start_, io_after, rep);
  CollectReadSources(subtasks_, read_base, rep);
  // Every stream ended short of the events asked for: a trace (or bounded
  // stream) that the warmup had partly used up.
  if (rep->measure_end == "events" &&
      rep->measure_events < config_.measure_events) {
    rep->measure_end = "end_of_input";
  }
  SB_RETURN_IF_ERROR(sub_status);
  if (rep->measure_end == "interrupted") return InterruptedStatus();
  ReportExecuted();
  if (rep->measure_ops == 0) {
    return Status::FailedPrecondition("the measured phase ran no op: " +
                                      NoOpsReason(*rep));
  }
  if (!over_cap_.ok()) {
    phase_ = "checkpoint";
    return Unsupported(over_cap_);
  }
  return Status::Ok();
}

Status Repeater::AlignEventCount() {
  // The measured phase is exactly the events [start, start + N): first every
  // subtask processes, unmeasured, its ops of the events before the point
  // the furthest one reached.
  uint64_t start = workload_.LoadEventCount();
  for (auto& st : subtasks_) start = std::max(start, st->applied_end());
  SB_RETURN_IF_ERROR(ForEachSubtask(subtasks_, control_, [start](Subtask& st) {
    return st.CatchUpTo(start);
  }));
  control_.end_event = start + config_.measure_events;
  return Status::Ok();
}

void Repeater::ReportExecuted() {
  // Subtasks that applied no op while others did (no key of theirs came
  // up): few keys over many subtasks.
  nlohmann::json idle = nlohmann::json::array();
  uint64_t ops = 0;
  for (auto& st : subtasks_) {
    ops += st->ops();
    if (st->ops() == 0) idle.push_back(st->index());
  }
  if (ops > 0 && !idle.empty()) run_->extra["idle_subtasks"] = idle;
  if (rep_ != 0) return;
  ExecutedStream executed;
  executed.max_parallelism = max_parallelism_;
  for (auto& st : subtasks_) {
    executed.run_ops.push_back(st->run_ops_applied());
    executed.end_event = std::max(executed.end_event, st->applied_end());
  }
  observer_.OnStreamExecuted(executed);
}

Result<std::vector<CheckpointHandle>> Repeater::CheckpointForRestore(
    int64_t id) {
  std::vector<CheckpointHandle> handles;
  for (auto& st : subtasks_) {
    Result<CheckpointHandle> h = st->CheckpointNow(id);
    if (!h.ok()) {
      Status s =
          h.status().WithContext("checkpoint " + std::to_string(id) +
                                 " of subtask " + std::to_string(st->index()));
      if (h.status().code() == StatusCode::kResourceExhausted) {
        return Unsupported(s);
      }
      return s;
    }
    handles.push_back(std::move(h).value());
  }
  return handles;
}

Result<std::vector<std::unique_ptr<StateBackend>>> Repeater::FreshInstances() {
  std::vector<std::unique_ptr<StateBackend>> fresh;
  for (int i = 0; i < config_.parallelism; ++i) {
    std::string work = run_dir_ + "/restore-" + std::to_string(i);
    SB_RETURN_IF_ERROR(EnsureDirectory(work));
    SB_ASSIGN_OR_RETURN(std::unique_ptr<StateBackend> b,
                        registry_.Create(config_.backend, ConfigFor(i, work)));
    for (const WorkloadState& s : workload_.States()) {
      SB_RETURN_IF_ERROR(
          b->RegisterState({s.name, ToBackendKind(s.kind)}).status());
    }
    fresh.push_back(std::move(b));
  }
  return fresh;
}

Status Repeater::MeasureRestore(Repetition* rep) {
  // The checkpoint to restore is taken first; its failure is the
  // checkpoint's, not the restore's.
  phase_ = "checkpoint";
  // Notifications of the last periodic checkpoint are delivered here: the
  // subtask threads have stopped.
  int64_t id = next_checkpoint_id_++;
  SB_ASSIGN_OR_RETURN(std::vector<CheckpointHandle> handles,
                      CheckpointForRestore(id));
  phase_ = "restore";
  SB_ASSIGN_OR_RETURN(std::vector<std::unique_ptr<StateBackend>> fresh,
                      FreshInstances());
  RestoreResult rr;
  rr.kind = "restore";
  rr.from_parallelism = rr.to_parallelism = config_.parallelism;
  rr.subtask_duration_ms.assign(config_.parallelism, 0);
  std::vector<Status> statuses(config_.parallelism);
  std::vector<std::thread> threads;
  uint64_t t0 = NowNs();
  for (int i = 0; i < config_.parallelism; ++i) {
    threads.emplace_back([&, i] {
      uint64_t s0 = NowNs();
      statuses[i] = CatchOutOfMemory("restoring", [&] {
        return fresh[i]->Restore({handles[i]}, handles[i].key_groups);
      });
      rr.subtask_duration_ms[i] = static_cast<double>(NowNs() - s0) / kNsPerMs;
    });
  }
  for (std::thread& t : threads) t.join();
  rr.duration_ms = static_cast<double>(NowNs() - t0) / kNsPerMs;
  for (int i = 0; i < config_.parallelism; ++i) {
    SB_RETURN_IF_ERROR(
        statuses[i].WithContext("restore of subtask " + std::to_string(i)));
    IoStats io = fresh[i]->GetIoStats();
    rr.bytes_read += io.bytes_read;
    AddRestoreStats(io.last_restore, fresh[i].get(), &rr);
    for (auto [name, out] : {std::pair{"decompress", &rr.decompress_cpu_ms},
                             std::pair{"decrypt", &rr.decrypt_cpu_ms}}) {
      if (auto it = io.cpu_ns.find(name); it != io.cpu_ns.end()) {
        AddOptional(
            std::optional<double>(static_cast<double>(it->second) / kNsPerMs),
            out);
      }
    }
    (void)fresh[i]->Close();
  }
  FinishRestoreRate(&rr);
  final_checkpoint_ = CompletedCheckpoint{.id = id, .handles = handles};
  rr.verdict = RestoreVerdict::kNotVerified;
  rr.detail =
      "restored checkpoint " + std::to_string(id) +
      " into fresh instances; content is verified by `statebench verify`";
  rep->restores.push_back(rr);
  return Status::Ok();
}

// The last periodic checkpoint has one barrier for all subtasks, so the
// rescaled state can be compared with the oracle. A server backend's state
// is shared: restoring it at Q while the run's P instances are open would
// change what they checkpoint next, so it rescales the final checkpoint,
// after the restore, unverified (`statebench verify --rescale` verifies it).
Status Repeater::MeasureRescaleOfRun(Repetition* rep) {
  phase_ = "rescale";
  const bool remote = run_->capabilities.remote;
  std::optional<CompletedCheckpoint> cp;
  bool verify = false;
  if (!remote && last_completed_) {
    cp = last_completed_;
    verify = true;
  } else if (final_checkpoint_) {
    cp = final_checkpoint_;
  } else {
    CompletedCheckpoint now;
    now.id = next_checkpoint_id_++;
    for (auto& st : subtasks_) {
      SB_ASSIGN_OR_RETURN(CheckpointHandle h, st->CheckpointNow(now.id));
      now.handles.push_back(std::move(h));
    }
    cp = std::move(now);
  }
  RunConfig rc = config_;
  rc.max_parallelism = max_parallelism_;
  rc.checkpoint_dir = config_.checkpoint_dir.empty() ? run_dir_ + "/checkpoints"
                                                     : config_.checkpoint_dir;
  uint64_t end_event = 0;
  for (auto& st : subtasks_) end_event = std::max(end_event, st->position());
  SB_ASSIGN_OR_RETURN(
      RestoreResult rr,
      MeasureRescale(rc, registry_, workload_, run_dir_, config_.rescale_to,
                     *cp, end_event + 1, verify));
  rep->restores.push_back(std::move(rr));
  rescaled_ = true;
  return Status::Ok();
}

Status Repeater::Run() {
  Repetition rep;
  rep.index = rep_;
  ResetPeakRss();
  std::optional<uint64_t> peak_before_oracle;
  io_start_ = ReadProcessIo();
  Status status = CatchOutOfMemory("in the harness", [&]() -> Status {
    SB_RETURN_IF_ERROR(Open());
    SB_RETURN_IF_ERROR(PreflightWorkload());
    SB_RETURN_IF_ERROR(Load(&rep));
    SB_RETURN_IF_ERROR(PreflightLoaded());
    observer_.OnProgress(config_.backend + ": warmup and measure");
    SB_RETURN_IF_ERROR(Measure(&rep));
    if (InterruptRequested()) return InterruptedStatus();
    const bool rescale = config_.rescale_to > 0;
    if (rescale && !run_->capabilities.remote && last_completed_) {
      // The verified rescale replays the workload into a reference model:
      // the harness's memory, not the backend's, so its high-water mark
      // stays out of the row's peak RSS.
      peak_before_oracle = ReadPeakRss();
      SB_RETURN_IF_ERROR(MeasureRescaleOfRun(&rep));
      // Freed heap stays resident until given back; then the mark
      // restarts from what the backend holds.
      ::malloc_trim(0);
      ResetPeakRss();
    }
    if (config_.measure_restore) SB_RETURN_IF_ERROR(MeasureRestore(&rep));
    if (rescale && !rescaled_) SB_RETURN_IF_ERROR(MeasureRescaleOfRun(&rep));
    return Status::Ok();
  });
  if (!status.ok())
    rep.status = unsupported_ ? RunStatus::kUnsupported : RunStatus::kFailed;
  rep.peak_rss_bytes = ReadPeakRss();
  if (peak_before_oracle && rep.peak_rss_bytes) {
    rep.peak_rss_bytes = std::max(*rep.peak_rss_bytes, *peak_before_oracle);
  }
  FlattenMetrics(&rep, config_.checkpoint.interval_ms);
  run_->repetitions.push_back(std::move(rep));
  for (auto& st : subtasks_) {
    st->JoinAsync();
    (void)st->backend().Close();
  }
  subtasks_.clear();
  if (!run_dir_.empty()) (void)RemoveTree(run_dir_);
  return status;
}

}  // namespace

namespace {

// The row's identity, before anything runs.
RunResult NewRow(const RunConfig& config) {
  RunResult run;
  run.backend = config.backend;
  run.workload = config.workload.name;
  run.parallelism = config.parallelism;
  run.checkpoint_type = std::string(CheckpointTypeName(config.checkpoint.type));
  run.open_loop = config.rate > 0;
  run.target_rate = config.rate;
  run.backend_options = config.backend_options;
  return run;
}

}  // namespace

RunResult RunBenchmark(const RunConfig& config, const BackendRegistry& registry,
                       RunObserver* observer) {
  Result<std::unique_ptr<Workload>> workload = CreateWorkload(config.workload);
  if (!workload.ok()) {
    RunResult run = NewRow(config);
    run.status = RunStatus::kFailed;
    run.failure_phase = "open";
    run.failure_reason = workload.status().message();
    run.failure_code = workload.status().code();
    return run;
  }
  return RunBenchmark(config, **workload, registry, observer);
}

RunResult RunBenchmark(const RunConfig& given, const Workload& workload,
                       const BackendRegistry& registry, RunObserver* observer) {
  RunObserver silent;
  if (observer == nullptr) observer = &silent;
  RunResult run = NewRow(given);
  // Every instance of every repetition works from one parse of the options.
  RunConfig config = given;
  if (config.backend_settings == nullptr) {
    Result<std::shared_ptr<const BackendSettings>> settings =
        registry.ParseOptions(config.backend, config.backend_options);
    if (!settings.ok()) {
      run.status = RunStatus::kFailed;
      run.failure_phase = "open";
      run.failure_reason = settings.status().ToString();
      run.failure_code = settings.status().code();
      return run;
    }
    config.backend_settings = *settings;
  }
  for (int r = 0; r < config.repetitions; ++r) {
    Repeater rep(config, registry, workload, *observer, r, &run);
    Status s = rep.Run();
    if (!s.ok()) {
      run.status =
          rep.unsupported() ? RunStatus::kUnsupported : RunStatus::kFailed;
      run.failure_phase = rep.phase();
      run.failure_reason = rep.unsupported() ? s.message() : s.ToString();
      run.failure_code = s.code();
      break;
    }
  }
  for (const Repetition& rep : run.repetitions) {
    for (const auto& [level, n] : rep.io.read_sources) {
      run.read_sources[level] += n;
    }
  }
  SummarizeRepetitions(&run);
  return run;
}

nlohmann::json RunConfigToJson(const RunConfig& c) {
  // Every workload field, spelled as in workload files.
  nlohmann::json w = nlohmann::json::object();
  for (const SpecField& f : WorkloadSpecFields()) {
    std::string text = GetWorkloadSpecField(c.workload, f);
    if (f.type == SpecFieldType::kString) {
      w[std::string(f.name)] = text;
    } else {
      // Numbers and booleans as JSON values; the text is always valid.
      w[std::string(f.name)] = nlohmann::json::parse(text, nullptr, false);
    }
  }
  return {{"backend", c.backend},
          {"backend_options", c.backend_options},
          {"workload", w},
          {"parallelism", c.parallelism},
          // 0 asks for Flink's default; the results say which value that is.
          {"max_parallelism", c.max_parallelism > 0
                                  ? c.max_parallelism
                                  : DefaultMaxParallelism(c.parallelism)},
          {"checkpoint",
           {{"interval_ms", c.checkpoint.interval_ms},
            {"min_pause_ms", c.checkpoint.min_pause_ms},
            {"timeout_ms", c.checkpoint.timeout_ms},
            {"type", std::string(CheckpointTypeName(c.checkpoint.type))}}},
          {"warmup_s", c.warmup_s},
          {"measure_s", c.measure_s},
          {"measure_events", c.measure_events},
          {"repetitions", c.repetitions},
          {"latency_sample_every", c.latency_sample_every},
          {"rate", c.rate},
          {"max_lead_events", c.max_lead_events},
          {"measure_restore", c.measure_restore},
          {"rescale_to", c.rescale_to}};
}

namespace {

// One field of a serialized run configuration, type-checked, naming the
// field on a mismatch.
template <typename T>
Status ReadField(const nlohmann::json& j, const char* name, T* out) {
  auto it = j.find(name);
  if (it == j.end()) return Status::Ok();  // absent: the default stays
  try {
    *out = it->template get<T>();
  } catch (const nlohmann::json::exception&) {
    return Status::InvalidArgument(std::string("run configuration field '") +
                                   name + "' has the wrong type");
  }
  return Status::Ok();
}

}  // namespace

Result<RunConfig> RunConfigFromJson(const nlohmann::json& j) {
  if (!j.is_object()) {
    return Status::InvalidArgument("a run configuration is a JSON object");
  }
  RunConfig c;
  SB_RETURN_IF_ERROR(ReadField(j, "backend", &c.backend));
  SB_RETURN_IF_ERROR(ReadField(j, "backend_options", &c.backend_options));
  if (auto w = j.find("workload"); w != j.end()) {
    if (!w->is_object()) {
      return Status::InvalidArgument(
          "run configuration field 'workload' is not an object");
    }
    for (const auto& [name, value] : w->items()) {
      const std::string text =
          value.is_string() ? value.get<std::string>() : value.dump();
      SB_RETURN_IF_ERROR(SetWorkloadSpecField(&c.workload, name, text));
    }
  }
  SB_RETURN_IF_ERROR(ReadField(j, "parallelism", &c.parallelism));
  SB_RETURN_IF_ERROR(ReadField(j, "max_parallelism", &c.max_parallelism));
  if (auto cp = j.find("checkpoint"); cp != j.end()) {
    SB_RETURN_IF_ERROR(
        ReadField(*cp, "interval_ms", &c.checkpoint.interval_ms));
    SB_RETURN_IF_ERROR(
        ReadField(*cp, "min_pause_ms", &c.checkpoint.min_pause_ms));
    SB_RETURN_IF_ERROR(ReadField(*cp, "timeout_ms", &c.checkpoint.timeout_ms));
    std::string type = std::string(CheckpointTypeName(c.checkpoint.type));
    SB_RETURN_IF_ERROR(ReadField(*cp, "type", &type));
    if (type != CheckpointTypeName(CheckpointType::kFull) &&
        type != CheckpointTypeName(CheckpointType::kIncremental)) {
      return Status::InvalidArgument("run configuration: checkpoint type '" +
                                     type +
                                     "' is neither full nor incremental");
    }
    c.checkpoint.type = type == CheckpointTypeName(CheckpointType::kFull)
                            ? CheckpointType::kFull
                            : CheckpointType::kIncremental;
  }
  SB_RETURN_IF_ERROR(ReadField(j, "warmup_s", &c.warmup_s));
  SB_RETURN_IF_ERROR(ReadField(j, "measure_s", &c.measure_s));
  SB_RETURN_IF_ERROR(ReadField(j, "measure_events", &c.measure_events));
  SB_RETURN_IF_ERROR(ReadField(j, "repetitions", &c.repetitions));
  SB_RETURN_IF_ERROR(
      ReadField(j, "latency_sample_every", &c.latency_sample_every));
  SB_RETURN_IF_ERROR(ReadField(j, "rate", &c.rate));
  SB_RETURN_IF_ERROR(ReadField(j, "max_lead_events", &c.max_lead_events));
  SB_RETURN_IF_ERROR(ReadField(j, "measure_restore", &c.measure_restore));
  SB_RETURN_IF_ERROR(ReadField(j, "rescale_to", &c.rescale_to));
  return c;
}

}  // namespace statebench
