// Drives an Operator by hand: events at chosen times and watermarks.
#ifndef STATEBENCH_TESTS_WORKLOADS_OPERATOR_TEST_UTIL_H_
#define STATEBENCH_TESTS_WORKLOADS_OPERATOR_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "workloads/distributions.h"
#include "workloads/operator.h"

namespace statebench::testing {

class OperatorDriver {
 public:
  OperatorDriver(std::unique_ptr<Operator> op, uint32_t key_size)
      : op_(std::move(op)), key_size_(key_size) {}

  // Event `index` of key `key_id` at event time `time` (arrival = time
  // unless given). Its draws come from EventRng(kSeed, index).
  void Event(uint64_t index, uint64_t key_id, int64_t time,
             int64_t arrival = -1) {
    EventRng rng(kSeed, index);
    std::string key = MakeKey(key_id, key_size_);
    statebench::Event e;
    e.index = index;
    e.key_id = key_id;
    e.key = key;
    e.time_ms = time;
    e.arrival_ms = arrival < 0 ? time : arrival;
    e.rng = &rng;
    op_->OnEvent(e, &queue_);
  }

  void Watermark(int64_t watermark, uint64_t index, int64_t now = 0) {
    op_->OnWatermark(watermark, now, index, &queue_);
  }

  // The ops emitted since the last call.
  std::vector<Op> Take() {
    std::vector<Op> out;
    Op op;
    while (queue_.Pop(&op)) out.push_back(op);
    return out;
  }

  const OperatorStats& stats() const { return op_->stats(); }
  std::string Key(uint64_t id) const { return MakeKey(id, key_size_); }

  static constexpr uint64_t kSeed = 1;

 private:
  std::unique_ptr<Operator> op_;
  uint32_t key_size_;
  OpQueue queue_;
};

inline std::string Ns(int64_t start, int64_t end) {
  std::string ns;
  WindowNamespace(start, end, &ns);
  return ns;
}

inline std::string BigEndian(int64_t v) {
  std::string s;
  AppendBigEndian64(v, &s);
  return s;
}

}  // namespace statebench::testing

#endif  // STATEBENCH_TESTS_WORKLOADS_OPERATOR_TEST_UTIL_H_
