// value-rw and the operator workloads (see operator.h, operators.cc and
// windows.cc for what each operator emits).
//
// value-rw (state 0 "value", value): load puts one value per key; each run
//   event reads (read_fraction) or overwrites one key. This is the hot path
//   of the generation benchmark: it writes straight into the caller's Op,
//   with no queue and no virtual call per op.
#include <utility>

#include "workloads/builtin_workloads.h"
#include "workloads/distributions.h"
#include "workloads/operator.h"

namespace statebench {
namespace {

// Puts one value per key id in [0, key_count), event index = key id.
class ValueLoadSource : public OpSource {
 public:
  ValueLoadSource(const WorkloadSpec& spec, KeyFilter filter)
      : spec_(spec), sizes_(ValueSizesFor(spec)), filter_(std::move(filter)) {}

  bool Next(Op* op) override {
    while (next_ < spec_.key_count) {
      const uint64_t id = next_++;
      MakeKeyInto(id, spec_.key_size, &op->key);
      if (filter_ && !filter_(op->key)) continue;
      EventRng rng(spec_.seed, id);
      op->type = OpType::kValuePut;
      op->state = 0;
      op->event_index = id;
      op->event_time_ms = 0;
      op->ns.clear();
      op->user_key.clear();
      op->scan_to.clear();
      op->scan_limit = 0;
      FillValue(rng.NextU64(), sizes_.Next(&rng), &op->value);
      return true;
    }
    return false;
  }

 private:
  const WorkloadSpec& spec_;
  ValueSizeChooser sizes_;
  KeyFilter filter_;
  uint64_t next_ = 0;
};

class EmptySource : public OpSource {
 public:
  bool Next(Op*) override { return false; }
};

class ValueRwRunSource : public OpSource {
 public:
  ValueRwRunSource(const WorkloadSpec& spec, KeyFilter filter)
      : spec_(spec),
        chooser_(KeyChooserParamsFor(spec)),
        sizes_(ValueSizesFor(spec)),
        acceptance_(std::move(filter)),
        first_(spec.key_count),
        end_(spec.run_events == 0 ? UINT64_MAX
                                  : spec.key_count + spec.run_events),
        next_(first_) {}

  bool Next(Op* op) override { return Poll(op, UINT64_MAX) == PollResult::kOp; }

  PollResult Poll(Op* op, uint64_t max_events) override {
    for (uint64_t examined = 0; next_ < end_; ++examined) {
      if (examined == max_events) return PollResult::kPending;
      const uint64_t event = next_++;
      EventRng rng(spec_.seed, event);
      uint64_t id = chooser_.Next(&rng, spec_.key_count, event - first_);
      if (!acceptance_.MayAccept(id)) continue;
      MakeKeyInto(id, spec_.key_size, &op->key);
      if (!acceptance_.Accept(id, op->key)) continue;
      op->state = 0;
      op->event_index = event;
      op->event_time_ms = 0;
      op->ns.clear();
      op->user_key.clear();
      op->scan_to.clear();
      op->scan_limit = 0;
      if (rng.NextDouble() < spec_.read_fraction) {
        op->type = OpType::kValueGet;
        op->value.clear();
      } else {
        op->type = OpType::kValuePut;
        FillValue(rng.NextU64(), sizes_.Next(&rng), &op->value);
      }
      return PollResult::kOp;
    }
    return PollResult::kEnd;
  }

  uint64_t Horizon() const override { return next_; }

 private:
  const WorkloadSpec& spec_;
  KeyChooser chooser_;
  ValueSizeChooser sizes_;
  KeyAcceptance acceptance_;
  const uint64_t first_;
  const uint64_t end_;
  uint64_t next_;
};

class ValueRwWorkload : public Workload {
 public:
  explicit ValueRwWorkload(WorkloadSpec spec) : spec_(std::move(spec)) {
    states_.push_back({"value", WorkloadStateKind::kValue});
  }
  const WorkloadSpec& Spec() const override { return spec_; }
  const std::vector<WorkloadState>& States() const override { return states_; }
  std::unique_ptr<OpSource> LoadPhase(KeyFilter filter) const override {
    return std::make_unique<ValueLoadSource>(spec_, std::move(filter));
  }
  std::unique_ptr<OpSource> RunPhase(KeyFilter filter) const override {
    return std::make_unique<ValueRwRunSource>(spec_, std::move(filter));
  }

 private:
  WorkloadSpec spec_;
  std::vector<WorkloadState> states_;
};

enum class OperatorKind {
  kAggregation,
  kTumbling,
  kSliding,
  kSession,
  kIntervalJoin,
  kDedup
};

OperatorKind KindOf(const std::string& name) {
  if (name == "tumbling-window") return OperatorKind::kTumbling;
  if (name == "sliding-window") return OperatorKind::kSliding;
  if (name == "session-window") return OperatorKind::kSession;
  if (name == "interval-join") return OperatorKind::kIntervalJoin;
  if (name == "dedup-ttl") return OperatorKind::kDedup;
  return OperatorKind::kAggregation;
}

class OperatorWorkload : public Workload {
 public:
  explicit OperatorWorkload(WorkloadSpec spec)
      : spec_(std::move(spec)), kind_(KindOf(spec_.name)) {
    using K = WorkloadStateKind;
    switch (kind_) {
      case OperatorKind::kAggregation:
        states_ = {{"aggregate", K::kValue}};
        break;
      case OperatorKind::kTumbling:
      case OperatorKind::kSliding:
        states_ = {{"window-contents", K::kList}};
        break;
      case OperatorKind::kSession:
        states_ = {{"window-contents", K::kList},
                   {"merging-window-set", K::kList}};
        break;
      case OperatorKind::kIntervalJoin:
        states_ = {{"join-left", K::kMap}, {"join-right", K::kMap}};
        break;
      case OperatorKind::kDedup:
        states_ = {{"dedup", K::kValue}};
        break;
    }
  }
  const WorkloadSpec& Spec() const override { return spec_; }
  const std::vector<WorkloadState>& States() const override { return states_; }
  // Only the aggregation has state that exists before the input starts
  // (one aggregate per key); window, join and dedup state is built by the
  // input itself, its size set by rate, window and key distribution.
  uint64_t LoadEventCount() const override {
    return kind_ == OperatorKind::kAggregation ? spec_.key_count : 0;
  }
  std::unique_ptr<OpSource> LoadPhase(KeyFilter filter) const override {
    if (kind_ != OperatorKind::kAggregation) {
      return std::make_unique<EmptySource>();
    }
    return std::make_unique<ValueLoadSource>(spec_, std::move(filter));
  }
  std::unique_ptr<OpSource> RunPhase(KeyFilter filter) const override {
    return std::make_unique<OperatorSource>(spec_, MakeOperator(),
                                            LoadEventCount(), spec_.run_events,
                                            std::move(filter));
  }

 private:
  std::unique_ptr<Operator> MakeOperator() const {
    switch (kind_) {
      case OperatorKind::kAggregation:
        return MakeAggregationOperator(spec_);
      case OperatorKind::kTumbling:
        return MakeWindowOperator(spec_, /*sliding=*/false);
      case OperatorKind::kSliding:
        return MakeWindowOperator(spec_, /*sliding=*/true);
      case OperatorKind::kSession:
        return MakeSessionOperator(spec_);
      case OperatorKind::kIntervalJoin:
        return MakeIntervalJoinOperator(spec_);
      case OperatorKind::kDedup:
        return MakeDedupOperator(spec_);
    }
    return nullptr;
  }

  WorkloadSpec spec_;
  OperatorKind kind_;
  std::vector<WorkloadState> states_;
};

}  // namespace

std::unique_ptr<Workload> MakeValueRwWorkload(const WorkloadSpec& spec) {
  return std::make_unique<ValueRwWorkload>(spec);
}

std::unique_ptr<Workload> MakeOperatorWorkload(const WorkloadSpec& spec) {
  return std::make_unique<OperatorWorkload>(spec);
}

}  // namespace statebench
