// The YCSB CoreWorkload as an op stream; see ycsb.h for the mapping.
#include "workloads/ycsb.h"

#include <algorithm>
#include <utility>

#include "workloads/builtin_workloads.h"
#include "workloads/distributions.h"
#include "workloads/operator.h"

namespace statebench {
namespace {

constexpr uint16_t kTable = 0;

enum class YcsbOp { kRead, kUpdate, kInsert, kScan, kReadModifyWrite };

ValueSizeDistribution FieldLengthDistribution(const YcsbSpec& y) {
  if (y.field_length_distribution == "uniform") {
    return ValueSizeDistribution::kUniform;
  }
  if (y.field_length_distribution == "zipfian") {
    return ValueSizeDistribution::kSkewed;
  }
  return ValueSizeDistribution::kFixed;
}

// Shared by the load and run sources: record rendering and the ops of one
// record-level action.
class YcsbRecords {
 public:
  explicit YcsbRecords(const WorkloadSpec& spec)
      : y_(spec.ycsb),
        field_lengths_(FieldLengthDistribution(spec.ycsb),
                       spec.ycsb.min_field_length, spec.ycsb.field_length) {
    for (uint32_t i = 0; i < y_.field_count; ++i) {
      fields_.push_back(y_.field_name_prefix + std::to_string(i));
    }
  }

  void Key(uint64_t keynum, std::string* out) const {
    MakeYcsbKeyInto(keynum, y_.zero_padding, !y_.ordered_inserts, out);
  }

  void Write(std::string_view key, uint64_t event, EventRng* rng, bool all,
             OpQueue* out) const {
    if (all) {
      for (const std::string& field : fields_)
        WriteField(key, field, event, rng, out);
    } else {
      WriteField(key, fields_[rng->NextBelow(fields_.size())], event, rng, out);
    }
  }

  void Read(std::string_view key, uint64_t event, EventRng* rng,
            OpQueue* out) const {
    if (y_.read_all_fields) {
      Op& scan = out->Push(OpType::kMapScan, kTable, event, 0);
      scan.key.assign(key);
    } else {
      Op& get = out->Push(OpType::kMapGet, kTable, event, 0);
      get.key.assign(key);
      get.user_key = fields_[rng->NextBelow(fields_.size())];
    }
  }

 private:
  void WriteField(std::string_view key, const std::string& field,
                  uint64_t event, EventRng* rng, OpQueue* out) const {
    Op& put = out->Push(OpType::kMapPut, kTable, event, 0);
    put.key.assign(key);
    put.user_key = field;
    FillValue(rng->NextU64(), field_lengths_.Next(rng), &put.value);
  }

  const YcsbSpec& y_;
  ValueSizeChooser field_lengths_;
  std::vector<std::string> fields_;
};

class YcsbLoadSource : public OpSource {
 public:
  YcsbLoadSource(const WorkloadSpec& spec, KeyFilter filter)
      : spec_(spec), records_(spec), filter_(std::move(filter)) {}

  bool Next(Op* op) override {
    while (queue_.empty()) {
      if (next_ >= spec_.key_count) return false;
      const uint64_t keynum = next_++;
      records_.Key(keynum, &key_);
      if (filter_ && !filter_(key_)) continue;
      EventRng rng(spec_.seed, keynum);
      records_.Write(key_, keynum, &rng, /*all=*/true, &queue_);
    }
    return queue_.Pop(op);
  }

 private:
  const WorkloadSpec& spec_;
  YcsbRecords records_;
  KeyFilter filter_;
  uint64_t next_ = 0;
  std::string key_;
  OpQueue queue_;
};

KeyChooserParams YcsbKeyParams(const WorkloadSpec& spec) {
  KeyChooserParams p = KeyChooserParamsFor(spec);
  p.ycsb_item_space = true;
  const uint64_t horizon =
      spec.run_events != 0 ? spec.run_events : spec.key_count;
  p.expected_new_keys = static_cast<uint64_t>(
      static_cast<double>(horizon) * spec.ycsb.insert_proportion * 2.0);
  return p;
}

class YcsbRunSource : public OpSource {
 public:
  YcsbRunSource(const WorkloadSpec& spec, KeyFilter filter)
      : spec_(spec),
        records_(spec),
        chooser_(YcsbKeyParams(spec)),
        scan_lengths_(spec.ycsb.scan_length_distribution == "zipfian"
                          ? ValueSizeDistribution::kSkewed
                          : ValueSizeDistribution::kUniform,
                      spec.ycsb.min_scan_length, spec.ycsb.max_scan_length),
        acceptance_(std::move(filter)),
        first_(spec.key_count),
        end_(spec.run_events == 0 ? UINT64_MAX
                                  : spec.key_count + spec.run_events),
        next_(first_),
        record_count_(spec.key_count) {
    const YcsbSpec& y = spec.ycsb;
    double sum = y.read_proportion + y.update_proportion + y.insert_proportion +
                 y.scan_proportion + y.read_modify_write_proportion;
    double acc = 0;
    for (double p : {y.read_proportion, y.update_proportion,
                     y.insert_proportion, y.scan_proportion}) {
      acc += p / sum;
      cumulative_.push_back(acc);
    }
  }

  bool Next(Op* op) override { return Poll(op, UINT64_MAX) == PollResult::kOp; }

  PollResult Poll(Op* op, uint64_t max_events) override {
    for (uint64_t examined = 0; queue_.empty(); ++examined) {
      if (next_ >= end_) return PollResult::kEnd;
      if (examined == max_events) return PollResult::kPending;
      Generate(next_++);
    }
    queue_.Pop(op);
    return PollResult::kOp;
  }

  // Queued ops belong to the last generated event.
  uint64_t Horizon() const override {
    if (!queue_.empty()) return next_ - 1;
    return next_ >= end_ ? UINT64_MAX : next_;
  }

 private:
  YcsbOp Choose(EventRng* rng) const {
    double u = rng->NextDouble();
    for (size_t i = 0; i < cumulative_.size(); ++i) {
      if (u < cumulative_[i]) return static_cast<YcsbOp>(i);
    }
    return YcsbOp::kReadModifyWrite;
  }

  bool Accept(uint64_t keynum) {
    if (!acceptance_.MayAccept(keynum)) return false;
    records_.Key(keynum, &key_);
    return acceptance_.Accept(keynum, key_);
  }

  // Global counters (inserts) advance for every event, accepted or not.
  void Generate(uint64_t event) {
    EventRng rng(spec_.seed, event);
    const YcsbOp kind = Choose(&rng);
    if (kind == YcsbOp::kInsert) {
      const uint64_t keynum = record_count_++;
      if (Accept(keynum)) records_.Write(key_, event, &rng, true, &queue_);
      return;
    }
    const uint64_t keynum = chooser_.Next(&rng, record_count_, event - first_);
    switch (kind) {
      case YcsbOp::kRead:
        if (Accept(keynum)) records_.Read(key_, event, &rng, &queue_);
        break;
      case YcsbOp::kUpdate:
        if (Accept(keynum)) {
          records_.Write(key_, event, &rng, spec_.ycsb.write_all_fields,
                         &queue_);
        }
        break;
      case YcsbOp::kScan: {
        const uint64_t len = scan_lengths_.Next(&rng);
        const uint64_t end = std::min(record_count_, keynum + len);
        for (uint64_t k = keynum; k < end; ++k) {
          // Each record's draws come from its own stream so that skipping
          // records of other subtasks cannot shift them.
          EventRng record_rng(spec_.seed ^ Mix64(k), event);
          if (Accept(k)) records_.Read(key_, event, &record_rng, &queue_);
        }
        break;
      }
      case YcsbOp::kReadModifyWrite:
        if (Accept(keynum)) {
          records_.Read(key_, event, &rng, &queue_);
          records_.Write(key_, event, &rng, spec_.ycsb.write_all_fields,
                         &queue_);
        }
        break;
      case YcsbOp::kInsert:
        break;
    }
  }

  const WorkloadSpec& spec_;
  YcsbRecords records_;
  KeyChooser chooser_;
  ValueSizeChooser scan_lengths_;
  KeyAcceptance acceptance_;
  std::vector<double> cumulative_;  // read, update, insert, scan
  const uint64_t first_;
  const uint64_t end_;
  uint64_t next_;
  uint64_t record_count_;
  std::string key_;
  OpQueue queue_;
};

class YcsbWorkload : public Workload {
 public:
  explicit YcsbWorkload(WorkloadSpec spec) : spec_(std::move(spec)) {
    states_.push_back({spec_.ycsb.table, WorkloadStateKind::kMap});
  }
  const WorkloadSpec& Spec() const override { return spec_; }
  const std::vector<WorkloadState>& States() const override { return states_; }
  std::unique_ptr<OpSource> LoadPhase(KeyFilter filter) const override {
    return std::make_unique<YcsbLoadSource>(spec_, std::move(filter));
  }
  std::unique_ptr<OpSource> RunPhase(KeyFilter filter) const override {
    return std::make_unique<YcsbRunSource>(spec_, std::move(filter));
  }

 private:
  WorkloadSpec spec_;
  std::vector<WorkloadState> states_;
};

}  // namespace

std::unique_ptr<Workload> MakeYcsbWorkload(const WorkloadSpec& spec) {
  return std::make_unique<YcsbWorkload>(spec);
}

void ApplyYcsbPreset(char letter, WorkloadSpec* spec) {
  YcsbSpec& y = spec->ycsb;
  y = YcsbSpec();
  y.read_all_fields = true;
  y.read_proportion = y.update_proportion = y.insert_proportion =
      y.scan_proportion = y.read_modify_write_proportion = 0;
  spec->key_distribution = "zipfian";
  switch (letter) {
    case 'a':  // update heavy
      y.read_proportion = 0.5;
      y.update_proportion = 0.5;
      break;
    case 'b':  // read mostly
      y.read_proportion = 0.95;
      y.update_proportion = 0.05;
      break;
    case 'c':  // read only
      y.read_proportion = 1;
      break;
    case 'd':  // read latest
      y.read_proportion = 0.95;
      y.insert_proportion = 0.05;
      spec->key_distribution = "latest";
      break;
    case 'e':  // short ranges
      y.scan_proportion = 0.95;
      y.insert_proportion = 0.05;
      y.max_scan_length = 100;
      y.scan_length_distribution = "uniform";
      break;
    case 'f':  // read-modify-write
      y.read_proportion = 0.5;
      y.read_modify_write_proportion = 0.5;
      break;
    default:
      break;
  }
}

}  // namespace statebench
