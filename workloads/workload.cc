#include "workloads/workload.h"

#include <optional>
#include <utility>

#include "workloads/distributions.h"

namespace statebench {

std::string_view OpTypeName(OpType type) {
  switch (type) {
    case OpType::kValueGet:
      return "value_get";
    case OpType::kValuePut:
      return "value_put";
    case OpType::kValueRemove:
      return "value_remove";
    case OpType::kListAppend:
      return "list_append";
    case OpType::kListGet:
      return "list_get";
    case OpType::kListClear:
      return "list_clear";
    case OpType::kMapPut:
      return "map_put";
    case OpType::kMapGet:
      return "map_get";
    case OpType::kMapRemove:
      return "map_remove";
    case OpType::kMapScan:
      return "map_scan";
  }
  return "unknown";
}

bool IsWriteOp(OpType type) {
  switch (type) {
    case OpType::kValuePut:
    case OpType::kValueRemove:
    case OpType::kListAppend:
    case OpType::kListClear:
    case OpType::kMapPut:
    case OpType::kMapRemove:
      return true;
    default:
      return false;
  }
}

namespace {

// Populates key ids [0, key_count) in order, one value put each.
class ValueLoadSource : public OpSource {
 public:
  ValueLoadSource(const WorkloadSpec& spec, KeyFilter filter)
      : spec_(spec), filter_(std::move(filter)) {}

  bool Next(Op* op) override {
    while (next_ < spec_.key_count) {
      uint64_t id = next_++;
      MakeKeyInto(id, spec_.key_size, &op->key);
      if (filter_ && !filter_(op->key)) continue;
      op->type = OpType::kValuePut;
      op->state = 0;
      op->event_index = id;
      op->event_time_ms = 0;
      op->ns.clear();
      op->user_key.clear();
      FillValue(spec_.seed ^ Mix64(id), spec_.value_size, &op->value);
      return true;
    }
    return false;
  }

 private:
  const WorkloadSpec& spec_;
  KeyFilter filter_;
  uint64_t next_ = 0;
};

// Reads or updates a key chosen by the spec's distribution. Event indexes
// continue after the load phase's.
class ValueRunSource : public OpSource {
 public:
  ValueRunSource(const WorkloadSpec& spec, const ZipfianChooser* zipf,
                 KeyFilter filter)
      : spec_(spec), zipf_(zipf), filter_(std::move(filter)) {}

  bool Next(Op* op) override {
    for (;;) {
      if (spec_.run_events != 0 && emitted_events_ >= spec_.run_events) {
        return false;
      }
      uint64_t event = spec_.key_count + emitted_events_++;
      EventRng rng(spec_.seed, event);
      uint64_t id =
          zipf_ ? FnvHash64(zipf_->Choose(rng.NextDouble())) % spec_.key_count
                : rng.NextBelow(spec_.key_count);
      MakeKeyInto(id, spec_.key_size, &op->key);
      if (filter_ && !filter_(op->key)) continue;
      op->state = 0;
      op->event_index = event;
      op->event_time_ms = 0;
      op->ns.clear();
      op->user_key.clear();
      if (rng.NextDouble() < spec_.read_fraction) {
        op->type = OpType::kValueGet;
        op->value.clear();
      } else {
        op->type = OpType::kValuePut;
        FillValue(rng.NextU64(), spec_.value_size, &op->value);
      }
      return true;
    }
  }

 private:
  const WorkloadSpec& spec_;
  const ZipfianChooser* zipf_;
  KeyFilter filter_;
  uint64_t emitted_events_ = 0;
};

class ValueRwWorkload : public Workload {
 public:
  explicit ValueRwWorkload(WorkloadSpec spec) : spec_(std::move(spec)) {
    states_.push_back({"value", WorkloadStateKind::kValue});
    if (spec_.key_distribution == "zipfian") {
      zipf_.emplace(spec_.key_count, spec_.zipf_theta);
    }
  }
  const WorkloadSpec& Spec() const override { return spec_; }
  const std::vector<WorkloadState>& States() const override { return states_; }
  std::unique_ptr<OpSource> LoadPhase(KeyFilter filter) const override {
    return std::make_unique<ValueLoadSource>(spec_, std::move(filter));
  }
  std::unique_ptr<OpSource> RunPhase(KeyFilter filter) const override {
    return std::make_unique<ValueRunSource>(spec_, zipf_ ? &*zipf_ : nullptr,
                                            std::move(filter));
  }

 private:
  WorkloadSpec spec_;
  std::vector<WorkloadState> states_;
  std::optional<ZipfianChooser> zipf_;
};

}  // namespace

Result<std::unique_ptr<Workload>> CreateWorkload(const WorkloadSpec& spec) {
  if (spec.key_count == 0) {
    return Status::InvalidArgument("key_count must be at least 1");
  }
  if (spec.read_fraction < 0 || spec.read_fraction > 1) {
    return Status::InvalidArgument("read_fraction must be within [0, 1]");
  }
  if (spec.key_distribution != "uniform" &&
      spec.key_distribution != "zipfian") {
    return Status::InvalidArgument("key distribution '" +
                                   spec.key_distribution +
                                   "' is unknown; use uniform or zipfian");
  }
  if (spec.zipf_theta <= 0 || spec.zipf_theta >= 1) {
    return Status::InvalidArgument("zipf theta must be within (0, 1)");
  }
  if (spec.name == "value-rw") {
    return std::unique_ptr<Workload>(new ValueRwWorkload(spec));
  }
  std::string known;
  for (const WorkloadInfo& w : ListWorkloads()) {
    known += (known.empty() ? "" : ", ") + w.name;
  }
  return Status::NotFound("unknown workload '" + spec.name +
                          "'; available: " + known);
}

std::vector<WorkloadInfo> ListWorkloads() {
  return {{"value-rw",
           "value state read/update mix (keyed aggregation shape)",
           {"value_get", "value_put"}}};
}

}  // namespace statebench
