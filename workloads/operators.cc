// Keyed operators without windows.
//
// keyed-aggregation (state 0 "aggregate", value): Flink's AggregatingState
//   add: value_get then value_put of the new aggregate, per event. The load
//   phase writes one aggregate per key.
//
// interval-join (state 0 "join-left", state 1 "join-right", map): Flink's
//   IntervalJoinOperator. An element of one input at time t that is not
//   behind the watermark is buffered, map_put(own side, key, user key =
//   t big-endian + event index big-endian), and joined with the other
//   side's buffer: map_scan over the user keys whose time lies in the
//   bound (left t joins right [t + lower, t + upper]). Flink iterates the
//   whole buffer and filters; a range scan is what a sorted store does
//   with the same state. When the watermark passes the element's last
//   possible match (t + upper for left, t - lower for right) a timer
//   removes it: map_remove. Elements behind the watermark are dropped.
//
// dedup-ttl (state 0 "dedup", value holding the first-seen time, 8 bytes
//   big-endian, and a payload): keep-first deduplication with state TTL.
//   Backends have no TTL, so the operator implements it as Flink's TTL
//   wrapper does: the TTL clock is the in-order arrival time base(e) (the
//   analogue of processing time, monotone and the same on every subtask).
//   Per event value_get; an entry written within the TTL makes the event a
//   duplicate (no write, as with UpdateType.OnCreateAndWrite). An expired
//   entry is invisible: the read cleans it up (value_remove) and the event
//   counts as new, value_put. A cleanup timer removes each entry when the
//   clock passes its expiry (value_remove), checked at every watermark
//   event, like Flink's incremental cleanup.
#include <algorithm>
#include <tuple>

#include "workloads/flat_map.h"
#include "workloads/operator.h"

namespace statebench {
namespace {

class AggregationOperator : public Operator {
 public:
  explicit AggregationOperator(const WorkloadSpec& spec) : Operator(spec) {}

  void OnEvent(const Event& e, OpQueue* out) override {
    ++stats_.events;
    Op& get = out->Push(OpType::kValueGet, 0, e.index, e.time_ms);
    get.key.assign(e.key);
    Op& put = out->Push(OpType::kValuePut, 0, e.index, e.time_ms);
    put.key.assign(e.key);
    DrawValue(e.rng, &put);
  }

  void OnWatermark(int64_t, int64_t, uint64_t, OpQueue*) override {}
};

constexpr uint16_t kLeft = 0;
constexpr uint16_t kRight = 1;

struct JoinTimer {
  int64_t time;
  uint64_t key_id;
  uint16_t side;
  int64_t element_time;
  uint64_t event;
  auto Tie() const { return std::tie(time, key_id, side, element_time, event); }
  bool operator<(const JoinTimer& o) const { return Tie() < o.Tie(); }
  bool operator==(const JoinTimer& o) const { return Tie() == o.Tie(); }
};

void JoinUserKey(int64_t time, uint64_t event, std::string* out) {
  out->clear();
  AppendBigEndian64(time, out);
  AppendBigEndian64(static_cast<int64_t>(event), out);
}

class IntervalJoinOperator : public Operator {
 public:
  explicit IntervalJoinOperator(const WorkloadSpec& spec)
      : Operator(spec),
        lower_(spec.op.join_lower_ms),
        upper_(spec.op.join_upper_ms),
        left_fraction_(spec.op.join_left_fraction) {}

  void OnEvent(const Event& e, OpQueue* out) override {
    ++stats_.events;
    const uint16_t side = e.rng->NextDouble() < left_fraction_ ? kLeft : kRight;
    if (watermark_ != INT64_MIN && e.time_ms < watermark_) {
      ++stats_.late_dropped;
      return;
    }
    Op& put = out->Push(OpType::kMapPut, side, e.index, e.time_ms);
    put.key.assign(e.key);
    JoinUserKey(e.time_ms, e.index, &put.user_key);
    DrawValue(e.rng, &put);
    // Left t matches right [t + lower, t + upper]; right t matches left
    // [t - upper, t - lower].
    int64_t lo = side == kLeft ? e.time_ms + lower_ : e.time_ms - upper_;
    int64_t hi = side == kLeft ? e.time_ms + upper_ : e.time_ms - lower_;
    if (hi >= 0) {
      ++stats_.joins;
      Op& scan = out->Push(OpType::kMapScan, side == kLeft ? kRight : kLeft,
                           e.index, e.time_ms);
      scan.key.assign(e.key);
      AppendBigEndian64(std::max<int64_t>(lo, 0), &scan.user_key);
      AppendBigEndian64(hi + 1, &scan.scan_to);
    }
    int64_t keep = side == kLeft ? upper_ : -lower_;
    timers_.Add({e.time_ms + std::max<int64_t>(keep, 0), e.key_id, side,
                 e.time_ms, e.index});
  }

  void OnWatermark(int64_t watermark, int64_t, uint64_t event_index,
                   OpQueue* out) override {
    watermark_ = std::max(watermark_, watermark);
    while (timers_.Due(watermark_)) {
      JoinTimer t = timers_.Pop();
      Op& remove = out->Push(OpType::kMapRemove, t.side, event_index, t.time);
      SetKey(t.key_id, &remove);
      JoinUserKey(t.element_time, t.event, &remove.user_key);
    }
  }

 private:
  int64_t lower_;
  int64_t upper_;
  double left_fraction_;
  TimerQueue<JoinTimer> timers_;
};

struct TtlTimer {
  int64_t time;
  uint64_t key_id;
  int64_t written_at;
  auto Tie() const { return std::tie(time, key_id, written_at); }
  bool operator<(const TtlTimer& o) const { return Tie() < o.Tie(); }
  bool operator==(const TtlTimer& o) const { return Tie() == o.Tie(); }
};

class DedupOperator : public Operator {
 public:
  explicit DedupOperator(const WorkloadSpec& spec)
      : Operator(spec), ttl_(spec.op.ttl_ms) {}

  void OnEvent(const Event& e, OpQueue* out) override {
    ++stats_.events;
    const int64_t now = e.arrival_ms;
    Op& get = out->Push(OpType::kValueGet, 0, e.index, e.time_ms);
    get.key.assign(e.key);
    int64_t* written = written_.Find(e.key_id);
    if (written != nullptr) {
      if (*written + ttl_ > now) {
        ++stats_.duplicates;
        return;
      }
      ++stats_.expired_reads;
      Op& remove = out->Push(OpType::kValueRemove, 0, e.index, e.time_ms);
      remove.key.assign(e.key);
    }
    Op& put = out->Push(OpType::kValuePut, 0, e.index, e.time_ms);
    put.key.assign(e.key);
    AppendBigEndian64(now, &put.value);
    std::string& payload = scratch_;
    FillValue(e.rng->NextU64(), value_sizes_.Next(e.rng), &payload);
    put.value.append(payload);
    written_[e.key_id] = now;
    timers_.Add({now + ttl_, e.key_id, now});
  }

  void OnWatermark(int64_t, int64_t now_ms, uint64_t event_index,
                   OpQueue* out) override {
    while (timers_.Due(now_ms)) {
      TtlTimer t = timers_.Pop();
      int64_t* written = written_.Find(t.key_id);
      // A timer of an entry that was since rewritten is stale.
      if (written == nullptr || *written != t.written_at) continue;
      ++stats_.ttl_cleaned;
      Op& remove = out->Push(OpType::kValueRemove, 0, event_index, t.time);
      SetKey(t.key_id, &remove);
      written_.Erase(t.key_id);
    }
  }

 private:
  int64_t ttl_;
  FlatMap<uint64_t, int64_t, IdTraits> written_;
  TimerQueue<TtlTimer> timers_;
  std::string scratch_;
};

}  // namespace

std::unique_ptr<Operator> MakeAggregationOperator(const WorkloadSpec& spec) {
  return std::make_unique<AggregationOperator>(spec);
}

std::unique_ptr<Operator> MakeIntervalJoinOperator(const WorkloadSpec& spec) {
  return std::make_unique<IntervalJoinOperator>(spec);
}

std::unique_ptr<Operator> MakeDedupOperator(const WorkloadSpec& spec) {
  return std::make_unique<DedupOperator>(spec);
}

}  // namespace statebench
