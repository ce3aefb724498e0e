// Presets shaped like flink-benchmarks' state benchmarks
// (org.apache.flink.state.benchmark: ValueStateBenchmark, ListStateBenchmark,
// MapStateBenchmark, StateBenchmarkConstants).
//
// Flink sets up 500,000 keys (setupKeyCount), 10 map entries per key
// (mapKeyCount), 100 values per list (listValueCount), keys and values are
// 8-byte longs, and each JMH benchmark runs one state call per invocation on
// a random setup key ("add" benchmarks on a random key of a second, fresh
// set of 500,000). Here one event is one such invocation, the benchmark
// chosen uniformly per event, so one run mixes them; the per-op-kind
// latencies separate them again. Keys are printable ("key" + 7 digits,
// key_size 10) rather than binary longs.
//
// flink-value (state "value", value): valueGet -> value_get; valueUpdate ->
//   value_put on a setup key; valueAdd -> value_put on a new key.
// flink-list (state "list", list): listGet -> list_get; listAdd ->
//   list_append of one value; listUpdate -> list_clear + list_values
//   list_appends (ListState.update).
// flink-map (state "map", map; user keys 8-byte big-endian 0..9):
//   mapGet, mapContains -> map_get; mapUpdate -> map_put on a setup key;
//   mapAdd -> map_put on a new key; mapIterator -> map_scan of the whole
//   map; mapIsEmpty -> map_scan limit 1; mapRemove -> map_remove.
#include <utility>

#include "workloads/builtin_workloads.h"
#include "workloads/distributions.h"
#include "workloads/operator.h"

namespace statebench {
namespace {

enum class FlinkKind { kValue, kList, kMap };

FlinkKind KindOf(const std::string& name) {
  if (name == "flink-list") return FlinkKind::kList;
  if (name == "flink-map") return FlinkKind::kMap;
  return FlinkKind::kValue;
}

class FlinkOps {
 public:
  explicit FlinkOps(const WorkloadSpec& spec)
      : spec_(spec), kind_(KindOf(spec.name)), sizes_(ValueSizesFor(spec)) {}

  FlinkKind kind() const { return kind_; }

  // The load of one setup key.
  void Populate(std::string_view key, uint64_t event, EventRng* rng,
                OpQueue* out) const {
    switch (kind_) {
      case FlinkKind::kValue:
        Value(OpType::kValuePut, key, event, rng, out);
        break;
      case FlinkKind::kList:
        for (uint32_t i = 0; i < spec_.flink.list_values; ++i) {
          Value(OpType::kListAppend, key, event, rng, out);
        }
        break;
      case FlinkKind::kMap:
        for (uint32_t i = 0; i < spec_.flink.map_entries; ++i) {
          Op& put = Value(OpType::kMapPut, key, event, rng, out);
          AppendBigEndian64(i, &put.user_key);
        }
        break;
    }
  }

  int BenchmarkCount() const { return kind_ == FlinkKind::kMap ? 7 : 3; }

  // Whether benchmark `b` works on a fresh key rather than a setup key.
  bool UsesNewKey(int b) const {
    return (kind_ == FlinkKind::kValue && b == 2) ||
           (kind_ == FlinkKind::kMap && b == 3);
  }

  void Invoke(int b, std::string_view key, uint64_t event, EventRng* rng,
              OpQueue* out) const {
    switch (kind_) {
      case FlinkKind::kValue:
        if (b == 0) {
          Bare(OpType::kValueGet, key, event, out);
        } else {
          Value(OpType::kValuePut, key, event, rng, out);
        }
        return;
      case FlinkKind::kList:
        if (b == 0) {
          Bare(OpType::kListGet, key, event, out);
        } else if (b == 1) {
          Value(OpType::kListAppend, key, event, rng, out);
        } else {
          Bare(OpType::kListClear, key, event, out);
          for (uint32_t i = 0; i < spec_.flink.list_values; ++i) {
            Value(OpType::kListAppend, key, event, rng, out);
          }
        }
        return;
      case FlinkKind::kMap:
        InvokeMap(b, key, event, rng, out);
        return;
    }
  }

 private:
  void InvokeMap(int b, std::string_view key, uint64_t event, EventRng* rng,
                 OpQueue* out) const {
    const int64_t user_key =
        static_cast<int64_t>(rng->NextBelow(spec_.flink.map_entries));
    Op* op;
    switch (b) {
      case 0:  // mapGet
      case 1:  // mapContains
        op = &Bare(OpType::kMapGet, key, event, out);
        break;
      case 2:  // mapUpdate
      case 3:  // mapAdd
        op = &Value(OpType::kMapPut, key, event, rng, out);
        break;
      case 4:  // mapIterator
        Bare(OpType::kMapScan, key, event, out);
        return;
      case 5:  // mapIsEmpty
        Bare(OpType::kMapScan, key, event, out).scan_limit = 1;
        return;
      default:  // mapRemove
        op = &Bare(OpType::kMapRemove, key, event, out);
        break;
    }
    AppendBigEndian64(user_key, &op->user_key);
  }

  Op& Bare(OpType type, std::string_view key, uint64_t event,
           OpQueue* out) const {
    Op& op = out->Push(type, 0, event, 0);
    op.key.assign(key);
    return op;
  }

  Op& Value(OpType type, std::string_view key, uint64_t event, EventRng* rng,
            OpQueue* out) const {
    Op& op = Bare(type, key, event, out);
    FillValue(rng->NextU64(), sizes_.Next(rng), &op.value);
    return op;
  }

  const WorkloadSpec& spec_;
  FlinkKind kind_;
  ValueSizeChooser sizes_;
};

class FlinkLoadSource : public OpSource {
 public:
  FlinkLoadSource(const WorkloadSpec& spec, KeyFilter filter)
      : spec_(spec), ops_(spec), filter_(std::move(filter)) {}

  bool Next(Op* op) override {
    while (queue_.empty()) {
      if (next_ >= spec_.key_count) return false;
      const uint64_t id = next_++;
      MakeKeyInto(id, spec_.key_size, &key_);
      if (filter_ && !filter_(key_)) continue;
      EventRng rng(spec_.seed, id);
      ops_.Populate(key_, id, &rng, &queue_);
    }
    return queue_.Pop(op);
  }

 private:
  const WorkloadSpec& spec_;
  FlinkOps ops_;
  KeyFilter filter_;
  uint64_t next_ = 0;
  std::string key_;
  OpQueue queue_;
};

class FlinkRunSource : public OpSource {
 public:
  FlinkRunSource(const WorkloadSpec& spec, KeyFilter filter)
      : spec_(spec),
        ops_(spec),
        chooser_(KeyChooserParamsFor(spec)),
        acceptance_(std::move(filter)),
        first_(spec.key_count),
        end_(spec.run_events == 0 ? UINT64_MAX
                                  : spec.key_count + spec.run_events),
        next_(first_) {}

  bool Next(Op* op) override { return Poll(op, UINT64_MAX) == PollResult::kOp; }

  // Queued ops belong to the last event examined.
  uint64_t Horizon() const override {
    if (!queue_.empty()) return next_ - 1;
    return next_ >= end_ ? UINT64_MAX : next_;
  }

  PollResult Poll(Op* op, uint64_t max_events) override {
    for (uint64_t examined = 0; queue_.empty(); ++examined) {
      if (next_ >= end_) return PollResult::kEnd;
      if (examined == max_events) return PollResult::kPending;
      const uint64_t event = next_++;
      EventRng rng(spec_.seed, event);
      const int b = static_cast<int>(rng.NextBelow(ops_.BenchmarkCount()));
      const uint64_t id =
          ops_.UsesNewKey(b)
              ? spec_.key_count + rng.NextBelow(spec_.key_count)
              : chooser_.Next(&rng, spec_.key_count, event - first_);
      if (!acceptance_.MayAccept(id)) continue;
      MakeKeyInto(id, spec_.key_size, &key_);
      if (!acceptance_.Accept(id, key_)) continue;
      ops_.Invoke(b, key_, event, &rng, &queue_);
    }
    queue_.Pop(op);
    return PollResult::kOp;
  }

 private:
  const WorkloadSpec& spec_;
  FlinkOps ops_;
  KeyChooser chooser_;
  KeyAcceptance acceptance_;
  const uint64_t first_;
  const uint64_t end_;
  uint64_t next_;
  std::string key_;
  OpQueue queue_;
};

class FlinkWorkload : public Workload {
 public:
  explicit FlinkWorkload(WorkloadSpec spec) : spec_(std::move(spec)) {
    switch (KindOf(spec_.name)) {
      case FlinkKind::kValue:
        states_ = {{"value", WorkloadStateKind::kValue}};
        break;
      case FlinkKind::kList:
        states_ = {{"list", WorkloadStateKind::kList}};
        break;
      case FlinkKind::kMap:
        states_ = {{"map", WorkloadStateKind::kMap}};
        break;
    }
  }
  const WorkloadSpec& Spec() const override { return spec_; }
  const std::vector<WorkloadState>& States() const override { return states_; }
  std::unique_ptr<OpSource> LoadPhase(KeyFilter filter) const override {
    return std::make_unique<FlinkLoadSource>(spec_, std::move(filter));
  }
  std::unique_ptr<OpSource> RunPhase(KeyFilter filter) const override {
    return std::make_unique<FlinkRunSource>(spec_, std::move(filter));
  }

 private:
  WorkloadSpec spec_;
  std::vector<WorkloadState> states_;
};

}  // namespace

std::unique_ptr<Workload> MakeFlinkWorkload(const WorkloadSpec& spec) {
  return std::make_unique<FlinkWorkload>(spec);
}

void ApplyFlinkPreset(WorkloadSpec* spec) {
  spec->key_count = 500000;
  spec->key_size = 10;
  spec->value_size = 8;
  spec->value_size_min = 8;
  spec->key_distribution = "uniform";
  spec->flink = FlinkStateSpec();
}

}  // namespace statebench
