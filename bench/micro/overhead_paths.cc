#include "bench/micro/overhead_paths.h"

#include <cstdlib>
#include <cstring>
#include <utility>

#include "backends/registry.h"
#include "base/file_util.h"
#include "bench/harness/timed_backend.h"
#ifdef STATEBENCH_WITH_REDIS
#include "backends/redis/redis_backend_impl.h"  // WaitApplied: benchmark internals
#endif

namespace statebench {

Result<std::unique_ptr<OpSequence>> OpSequence::Capture(
    const WorkloadSpec& spec, size_t length) {
  if (spec.name != "value-rw" ||
      (spec.read_fraction != 0 && spec.read_fraction != 1)) {
    return Status::InvalidArgument(
        "the overhead sequence needs value-rw with read fraction 0 or 1");
  }
  if (length == 0 || (length & (length - 1)) != 0) {
    return Status::InvalidArgument("sequence length must be a power of two");
  }
  auto seq = std::unique_ptr<OpSequence>(new OpSequence());
  seq->spec_ = spec;
  SB_ASSIGN_OR_RETURN(seq->workload_, CreateWorkload(spec));
  seq->puts_ = spec.read_fraction == 0;
  seq->size_ = length;
  seq->mask_ = length - 1;
  seq->key_size_ = spec.key_size;
  seq->value_size_ = seq->puts_ ? spec.value_size : 0;
  seq->keys_.reserve(length * seq->key_size_);
  seq->values_.reserve(length * seq->value_size_);
  std::unique_ptr<OpSource> source = seq->workload_->RunPhase(nullptr);
  Op op;
  for (size_t i = 0; i < length; ++i) {
    if (!source->Next(&op)) return Status::Internal("value-rw stream ended");
    if (op.key.size() != seq->key_size_ ||
        (seq->puts_ && op.value.size() != seq->value_size_)) {
      return Status::Internal("value-rw produced an op of another size");
    }
    seq->keys_ += op.key;
    if (seq->puts_) seq->values_ += op.value;
  }
  return seq;
}

ServerTarget ServerTargetFromEnv(const std::string& backend) {
  std::string prefix = backend == "redis" ? "STATEBENCH_TEST_REDIS_"
                                          : "STATEBENCH_TEST_POSTGRES_";
  ServerTarget t;
  if (const char* uri = std::getenv((prefix + "URI").c_str())) t.uri = uri;
  if (const char* pw = std::getenv((prefix + "PASSWORD_FILE").c_str())) {
    t.password_file = pw;
  }
  return t;
}

namespace {

uint32_t DefaultSampleEvery(const BackendInfo& info, uint32_t requested) {
  // The harness's default (harness.cc, Repeater::Open).
  if (requested != 0) return requested;
  return info.capabilities.memory_bound ? 100 : 1;
}

class BackendLoopRunner : public ChunkRunner {
 public:
  ~BackendLoopRunner() override {
    if (backend_) (void)backend_->Close();
    backend_.reset();
    if (!dir_.empty()) (void)RemoveTree(dir_);
  }

  Status Open(const OpSequence& seq, const PathOptions& options, bool timed) {
    seq_ = &seq;
    const BackendRegistry& registry = BackendRegistry::Default();
    SB_ASSIGN_OR_RETURN(BackendInfo info, registry.Info(options.backend));
    if (info.capabilities.remote) {
      return Status::Unimplemented("backend loop: embedded backends only");
    }
    SB_ASSIGN_OR_RETURN(dir_, MakeTempDirectory("sb-overhead-loop-"));
    BackendConfig bc;
    bc.max_parallelism = max_parallelism_;
    bc.key_groups = KeyGroupRangeForSubtask(max_parallelism_, 1, 0);
    bc.work_dir = dir_;
    bc.options = options.backend_options;
    SB_ASSIGN_OR_RETURN(backend_, registry.Create(options.backend, bc));
    describe_ = "registry '" + options.backend + "' called op by op";
    if (timed) {
      uint32_t every = DefaultSampleEvery(info, options.sample_every);
      backend_ = std::make_unique<TimedBackend>(std::move(backend_), every);
      describe_ +=
          " through TimedBackend(1 in " + std::to_string(every) + " timed)";
    }
    SB_ASSIGN_OR_RETURN(
        state_, backend_->RegisterState(
                    {seq.workload().States().front().name, StateKind::kValue}));
    std::unique_ptr<OpSource> load = seq.workload().LoadPhase(nullptr);
    Op op;
    while (load->Next(&op)) {
      SB_RETURN_IF_ERROR(backend_->ValuePut(Key(op.key), op.value));
    }
    return Status::Ok();
  }

  Result<uint64_t> RunChunk(uint64_t count) override {
    const OpSequence& seq = *seq_;
    const uint64_t begin = cursor_, end = cursor_ + count;
    cursor_ = end;
    bool found = false;
    const uint64_t start = NowNs();
    for (uint64_t i = begin; i < end; ++i) {
      Status s = seq.puts()
                     ? backend_->ValuePut(Key(seq.Key(i)), seq.Value(i))
                     : backend_->ValueGet(Key(seq.Key(i)), &value_, &found);
      if (!s.ok()) [[unlikely]]
        return s;
    }
    return NowNs() - start;
  }

  std::string Describe() const override { return describe_; }

 private:
  StateKey Key(std::string_view key) const {
    return {state_, AssignToKeyGroup(key, max_parallelism_), key, ""};
  }

  const int max_parallelism_ = DefaultMaxParallelism(1);
  const OpSequence* seq_ = nullptr;
  std::string dir_;
  std::unique_ptr<StateBackend> backend_;
  StateId state_ = 0;
  std::string value_;
  uint64_t cursor_ = 0;
  std::string describe_;
};

}  // namespace

Result<std::unique_ptr<ChunkRunner>> MakeBackendLoopRunner(
    const OpSequence& seq, const PathOptions& options, bool timed) {
  auto r = std::make_unique<BackendLoopRunner>();
  SB_RETURN_IF_ERROR(r->Open(seq, options, timed));
  return std::unique_ptr<ChunkRunner>(std::move(r));
}

namespace {

// std::string::assign without its general case (_M_replace, about 60
// instructions): the sequence's keys and values all have one size, and the
// replay stands in for a workload generator, not for statebench's cost.
void CopyInto(std::string* s, std::string_view v) {
  if (s->size() == v.size()) {
    std::memcpy(s->data(), v.data(), v.size());
  } else {
    s->assign(v);
  }
}

}  // namespace

// The load phase of the captured workload, then a replay of the sequence
// whose event indexes continue after the load. The replay stamps the time
// at which the subtask asks for the op that ends a chunk (that is, right
// after the chunk's last op was applied) and stops the subtask there.
class HarnessRunner::ReplayWorkload : public Workload {
 public:
  ReplayWorkload(const OpSequence& seq, RunControl* control, bool live)
      : seq_(seq), control_(control), live_stream_(live) {}

  const WorkloadSpec& Spec() const override { return seq_.spec(); }
  const std::vector<WorkloadState>& States() const override {
    return seq_.workload().States();
  }
  std::unique_ptr<OpSource> LoadPhase(KeyFilter filter) const override {
    return seq_.workload().LoadPhase(std::move(filter));
  }
  std::unique_ptr<OpSource> RunPhase(KeyFilter) const override {
    return std::make_unique<Source>(this);
  }

  uint64_t chunk_end_ns() const { return chunk_end_ns_; }

 private:
  class Source : public OpSource {
   public:
    explicit Source(const ReplayWorkload* w)
        : w_(w), next_(w->seq_.workload().LoadEventCount()) {
      if (w->live_stream_) live_ = w->seq_.workload().RunPhase(nullptr);
    }
    bool Next(Op* op) override {
      const uint64_t event = next_++;
      if (event == w_->control_->end_event) {
        w_->chunk_end_ns_ = NowNs();
        w_->control_->stop.store(true, std::memory_order_relaxed);
      }
      if (live_) return live_->Next(op);  // value-rw: one op per event
      const OpSequence& seq = w_->seq_;
      const uint64_t i = event - seq.workload().LoadEventCount();
      op->state = 0;
      op->event_index = event;
      CopyInto(&op->key, seq.Key(i));
      if (seq.puts()) {
        op->type = OpType::kValuePut;
        CopyInto(&op->value, seq.Value(i));
      } else {
        op->type = OpType::kValueGet;
      }
      return true;
    }

   private:
    const ReplayWorkload* w_;
    uint64_t next_;
    std::unique_ptr<OpSource> live_;
  };

  const OpSequence& seq_;
  RunControl* control_;
  bool live_stream_;
  mutable uint64_t chunk_end_ns_ = 0;
};

Result<std::unique_ptr<HarnessRunner>> HarnessRunner::Make(
    const OpSequence& seq, const PathOptions& options) {
  std::unique_ptr<HarnessRunner> r(new HarnessRunner());
  const BackendRegistry& registry = BackendRegistry::Default();
  SB_ASSIGN_OR_RETURN(BackendInfo info, registry.Info(options.backend));
  r->backend_ = options.backend;
  r->remote_ = info.capabilities.remote;
  r->sample_every_ = DefaultSampleEvery(info, options.sample_every);
  SB_ASSIGN_OR_RETURN(r->work_dir_, MakeTempDirectory("sb-overhead-harness-"));
  BackendConfig bc;
  bc.max_parallelism = DefaultMaxParallelism(1);
  bc.key_groups = KeyGroupRangeForSubtask(bc.max_parallelism, 1, 0);
  bc.work_dir = r->work_dir_ + "/work";
  bc.checkpoint_dir = r->work_dir_ + "/checkpoints";
  bc.options = options.backend_options;
  SB_RETURN_IF_ERROR(EnsureDirectory(bc.work_dir));
  SB_RETURN_IF_ERROR(EnsureDirectory(bc.checkpoint_dir));
  SB_ASSIGN_OR_RETURN(std::unique_ptr<StateBackend> backend,
                      registry.Create(options.backend, bc));
  r->control_ = std::make_unique<RunControl>();
  r->replay_ = std::make_unique<ReplayWorkload>(seq, r->control_.get(),
                                                options.live_stream);
  r->subtasks_.push_back(std::make_unique<Subtask>(
      0, bc.key_groups, bc.max_parallelism,
      std::make_unique<TimedBackend>(std::move(backend), r->sample_every_),
      r->control_.get()));
  Subtask& st = *r->subtasks_.front();
  SB_RETURN_IF_ERROR(st.RegisterStates(r->replay_->States()));
  SB_RETURN_IF_ERROR(st.RunLoad(*r->replay_));
  if (r->remote_) {
    SB_RETURN_IF_ERROR(st.CheckpointNow(r->next_checkpoint_++).status());
  }
  r->next_event_ = st.StartRunPhase(*r->replay_);
  st.ResetCounters();
  st.backend().set_recording(true);
  return r;
}

HarnessRunner::~HarnessRunner() {
  for (auto& st : subtasks_) {
    st->JoinAsync();
    (void)st->backend().Close();
  }
  subtasks_.clear();
  if (!work_dir_.empty()) (void)RemoveTree(work_dir_);
}

Result<uint64_t> HarnessRunner::RunChunk(uint64_t count) {
  RunControl& c = *control_;
  c.stop.store(false);
  c.finished.store(0);
  c.end_event = next_event_ + count;
  const uint64_t start = NowNs();
  Subtask& st = *subtasks_.front();
  SB_RETURN_IF_ERROR(st.RunUntilStopped(false));
  next_event_ += count;
  if (!remote_) return replay_->chunk_end_ns() - start;
  // Server writes become durable at the checkpoint: part of the op cost.
  SB_RETURN_IF_ERROR(st.CheckpointNow(next_checkpoint_++).status());
#ifdef STATEBENCH_WITH_REDIS
  // Buffered redis applies a completed checkpoint on a background thread;
  // the direct loop's timer includes its EXEC, so this one waits for it.
  if (auto* redis =
          dynamic_cast<redis_internal::RedisBackend*>(&st.backend().inner())) {
    SB_RETURN_IF_ERROR(redis->WaitApplied());
  }
#endif
  return NowNs() - start;
}

std::string HarnessRunner::Describe() const {
  return "statebench Subtask -> TimedBackend(1 in " +
         std::to_string(sample_every_) + " timed) -> registry '" + backend_ +
         "'" + (remote_ ? " + checkpoint per chunk" : "");
}

}  // namespace statebench
