// The event-driven machinery shared by the operator workloads (internal to
// workloads/; tests drive operators through it directly).
//
// An OperatorSource turns event indexes into events (key, event time) and
// feeds them, with periodic watermarks, into an Operator, which emits the
// state ops a Flink operator of that kind would issue. Everything an
// Operator remembers (open windows, sessions, timers, TTL deadlines) is per
// key, and the source shows it only the events of accepted keys, while
// watermarks depend on the event index alone; so a filtered stream is the
// unfiltered one restricted to the accepted keys.
//
// Thread safety: none; one owner per object.
#ifndef STATEBENCH_WORKLOADS_OPERATOR_H_
#define STATEBENCH_WORKLOADS_OPERATOR_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "workloads/distributions.h"
#include "workloads/op.h"
#include "workloads/workload.h"

namespace statebench {

// A FIFO of ops whose slots keep their string capacity, so that steady-state
// emission does not allocate. References returned by Push stay valid until
// the op is popped (slots live in a deque).
class OpQueue {
 public:
  // Appends a slot with the given header and empty strings.
  Op& Push(OpType type, uint16_t state, uint64_t event_index, int64_t time_ms);
  // Moves the oldest op into *out (swapping buffers). False when empty.
  bool Pop(Op* out);
  bool empty() const { return head_ == tail_; }
  size_t size() const { return tail_ - head_; }

 private:
  std::deque<Op> slots_;
  size_t head_ = 0;
  size_t tail_ = 0;
};

// One input event of an operator.
struct Event {
  uint64_t index = 0;
  uint64_t key_id = 0;
  std::string_view key;     // the rendered key of key_id
  int64_t time_ms = 0;      // event time; may be out of order
  int64_t arrival_ms = 0;   // in-order time base(index): the TTL clock
  EventRng* rng = nullptr;  // the event's own draws, after key and time
};

// What an operator did, for tests and documentation; not part of the stream.
struct OperatorStats {
  uint64_t events = 0;
  uint64_t late_dropped = 0;   // beyond allowed lateness: no state touched
  uint64_t late_accepted = 0;  // behind the watermark, within lateness
  uint64_t fired = 0;          // window or session firings (list reads)
  uint64_t purged = 0;         // windows or sessions whose state was cleared
  uint64_t merges = 0;         // session merges that moved state
  uint64_t duplicates = 0;     // dedup: events dropped as duplicates
  uint64_t expired_reads = 0;  // dedup: expired entries met on read
  uint64_t ttl_cleaned = 0;    // dedup: entries removed by cleanup timers
  uint64_t joins = 0;          // interval join: range scans issued
};

class Operator {
 public:
  virtual ~Operator() = default;
  // Processes one event of an accepted key.
  virtual void OnEvent(const Event& e, OpQueue* out) = 0;
  // The watermark advanced to `watermark` just before event `event_index`,
  // whose in-order time is `now_ms`. Fires due timers in (time, key, ...)
  // order.
  virtual void OnWatermark(int64_t watermark, int64_t now_ms,
                           uint64_t event_index, OpQueue* out) = 0;
  const OperatorStats& stats() const { return stats_; }

 protected:
  explicit Operator(const WorkloadSpec& spec);
  // Renders key `id` into `op->key`.
  void SetKey(uint64_t id, Op* op) const {
    MakeKeyInto(id, key_size_, &op->key);
  }
  // Draws a value of the spec's size distribution into `op->value`.
  void DrawValue(EventRng* rng, Op* op) const {
    FillValue(rng->NextU64(), value_sizes_.Next(rng), &op->value);
  }

  OperatorStats stats_;
  int64_t watermark_ = INT64_MIN;
  uint32_t key_size_;
  uint32_t allowed_lateness_ms_;
  ValueSizeChooser value_sizes_;
};

// Timers by firing time. T has a member `time` and operator< ordering by
// time first and key id next, so that ties fire in key order on every
// subtask; equal timers are one timer, as in Flink's timer service.
//
// Timers sharing a time (every key's timer of one tumbling window) sit in
// one bucket that is sorted once when it comes due: much cheaper than a
// heap of all timers. Add() must not be given a time earlier than or equal
// to one already popped; the operators never register a timer at or behind
// the watermark.
template <typename T>
class TimerQueue {
 public:
  void Add(const T& t) {
    buckets_[t.time].push_back(t);
    ++size_;
  }
  bool Due(int64_t time) const {
    if (next_ < ready_.size()) return ready_[next_].time <= time;
    return !buckets_.empty() && buckets_.begin()->first <= time;
  }
  // The earliest timer; Due() must have been true.
  T Pop() {
    if (next_ == ready_.size()) {
      auto first = buckets_.begin();
      ready_.swap(first->second);
      buckets_.erase(first);
      std::sort(ready_.begin(), ready_.end());
      size_ -= ready_.size();
      ready_.erase(std::unique(ready_.begin(), ready_.end()), ready_.end());
      size_ += ready_.size();
      next_ = 0;
    }
    --size_;
    T t = ready_[next_++];
    if (next_ == ready_.size()) {
      ready_.clear();
      next_ = 0;
    }
    return t;
  }
  size_t size() const { return size_; }

 private:
  std::map<int64_t, std::vector<T>> buckets_;
  std::vector<T> ready_;  // the bucket being fired, sorted
  size_t next_ = 0;
  size_t size_ = 0;
};

// Memoizes a KeyFilter per key id. A filter is a pure function of the key
// and an id always renders to the same key, so each id is rendered and
// filtered once per source; later events of rejected ids cost a table
// lookup. Without a filter everything is accepted.
class KeyAcceptance {
 public:
  explicit KeyAcceptance(KeyFilter filter) : filter_(std::move(filter)) {}
  // False when `id` is known to be rejected (its key need not be rendered).
  bool MayAccept(uint64_t id) const {
    return !filter_ || id >= known_.size() || known_[id] != kRejected;
  }
  // Whether `key`, the rendered key of `id`, is accepted.
  bool Accept(uint64_t id, std::string_view key);

 private:
  static constexpr uint8_t kUnknown = 0;
  static constexpr uint8_t kAccepted = 1;
  static constexpr uint8_t kRejected = 2;
  // Ids beyond this are filtered every time (bounds the table at 32 MiB).
  static constexpr uint64_t kMaxIds = uint64_t{1} << 25;

  KeyFilter filter_;
  std::vector<uint8_t> known_;
};

// The event clock of a spec (see EventTimeSpec).
class EventClock {
 public:
  explicit EventClock(const EventTimeSpec& spec) : spec_(spec) {}
  int64_t Base(uint64_t event) const {
    return static_cast<int64_t>((static_cast<unsigned __int128>(event) * 1000) /
                                spec_.events_per_second);
  }
  // The event time of `event`, drawing its disorder from *rng.
  int64_t EventTime(uint64_t event, EventRng* rng) const;
  int64_t Watermark(uint64_t event) const {
    return Base(event) - spec_.watermark_delay_ms - 1;
  }
  bool IsWatermarkEvent(uint64_t event) const {
    return event % spec_.watermark_interval_events == 0;
  }

 private:
  EventTimeSpec spec_;
};

// Drives an Operator over events [first_event, first_event + count) (count
// 0 = unbounded). A bounded stream ends with a final watermark at
// +infinity (as Flink's end of input), whose ops carry event index
// first_event + count.
class OperatorSource : public OpSource {
 public:
  OperatorSource(const WorkloadSpec& spec, std::unique_ptr<Operator> op,
                 uint64_t first_event, uint64_t count, KeyFilter filter);
  bool Next(Op* op) override;
  PollResult Poll(Op* op, uint64_t max_events) override;
  uint64_t Horizon() const override;
  const Operator& op() const { return *operator_; }

 private:
  bool Advance();

  const WorkloadSpec& spec_;
  std::unique_ptr<Operator> operator_;
  KeyChooser chooser_;
  EventClock clock_;
  KeyAcceptance acceptance_;
  uint64_t first_event_;
  uint64_t end_event_;  // UINT64_MAX when unbounded
  uint64_t next_event_;
  bool finished_ = false;
  std::string key_;
  OpQueue queue_;
};

KeyChooserParams KeyChooserParamsFor(const WorkloadSpec& spec);
ValueSizeChooser ValueSizesFor(const WorkloadSpec& spec);

// Operator factories (operators.cc, windows.cc). The spec must be valid.
std::unique_ptr<Operator> MakeAggregationOperator(const WorkloadSpec& spec);
std::unique_ptr<Operator> MakeWindowOperator(const WorkloadSpec& spec,
                                             bool sliding);
std::unique_ptr<Operator> MakeSessionOperator(const WorkloadSpec& spec);
std::unique_ptr<Operator> MakeIntervalJoinOperator(const WorkloadSpec& spec);
std::unique_ptr<Operator> MakeDedupOperator(const WorkloadSpec& spec);

// Flink's TimeWindow serialization: start and end, 8 bytes big-endian each.
void WindowNamespace(int64_t start, int64_t end, std::string* out);

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_OPERATOR_H_
