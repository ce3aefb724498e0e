#include "workloads/operator.h"

#include <algorithm>
#include <utility>

namespace statebench {

Op& OpQueue::Push(OpType type, uint16_t state, uint64_t event_index,
                  int64_t time_ms) {
  if (head_ == tail_) head_ = tail_ = 0;
  if (tail_ == slots_.size()) slots_.emplace_back();
  Op& op = slots_[tail_++];
  op.type = type;
  op.state = state;
  op.event_index = event_index;
  op.event_time_ms = time_ms;
  op.key.clear();
  op.ns.clear();
  op.user_key.clear();
  op.value.clear();
  op.scan_to.clear();
  op.scan_limit = 0;
  return op;
}

bool OpQueue::Pop(Op* out) {
  if (head_ == tail_) return false;
  Op& op = slots_[head_++];
  out->type = op.type;
  out->state = op.state;
  out->event_index = op.event_index;
  out->event_time_ms = op.event_time_ms;
  out->scan_limit = op.scan_limit;
  // Swapping hands the caller's old buffers back to the slot, so capacity
  // circulates instead of being reallocated.
  out->key.swap(op.key);
  out->ns.swap(op.ns);
  out->user_key.swap(op.user_key);
  out->value.swap(op.value);
  out->scan_to.swap(op.scan_to);
  return true;
}

Operator::Operator(const WorkloadSpec& spec)
    : key_size_(spec.key_size),
      allowed_lateness_ms_(spec.event_time.allowed_lateness_ms),
      value_sizes_(ValueSizesFor(spec)) {}

bool KeyAcceptance::Accept(uint64_t id, std::string_view key) {
  if (!filter_) return true;
  if (id < known_.size() && known_[id] != kUnknown) {
    return known_[id] == kAccepted;
  }
  const bool accepted = filter_(key);
  if (id < kMaxIds) {
    if (id >= known_.size()) {
      known_.resize(
          std::min(kMaxIds, std::max<uint64_t>(id + 1, 2 * known_.size())),
          kUnknown);
    }
    known_[id] = accepted ? kAccepted : kRejected;
  }
  return accepted;
}

int64_t EventClock::EventTime(uint64_t event, EventRng* rng) const {
  int64_t t = Base(event);
  if (spec_.out_of_order_fraction > 0 && spec_.max_out_of_order_ms > 0 &&
      rng->NextDouble() < spec_.out_of_order_fraction) {
    t -= 1 + static_cast<int64_t>(rng->NextBelow(spec_.max_out_of_order_ms));
  }
  return std::max<int64_t>(t, 0);
}

OperatorSource::OperatorSource(const WorkloadSpec& spec,
                               std::unique_ptr<Operator> op,
                               uint64_t first_event, uint64_t count,
                               KeyFilter filter)
    : spec_(spec),
      operator_(std::move(op)),
      chooser_(KeyChooserParamsFor(spec)),
      clock_(spec.event_time),
      acceptance_(std::move(filter)),
      first_event_(first_event),
      end_event_(count == 0 ? UINT64_MAX : first_event + count),
      next_event_(first_event) {}

bool OperatorSource::Next(Op* op) {
  return Poll(op, UINT64_MAX) == PollResult::kOp;
}

PollResult OperatorSource::Poll(Op* op, uint64_t max_events) {
  for (uint64_t examined = 0; queue_.empty(); ++examined) {
    if (examined == max_events) return PollResult::kPending;
    if (!Advance()) return PollResult::kEnd;
  }
  queue_.Pop(op);
  return PollResult::kOp;
}

uint64_t OperatorSource::Horizon() const {
  // Ops still queued belong to the last event advanced over; the final
  // watermark's ops carry end_event_.
  if (finished_) return queue_.empty() ? UINT64_MAX : end_event_;
  return queue_.empty() ? next_event_ : next_event_ - 1;
}

bool OperatorSource::Advance() {
  if (finished_) return false;
  if (next_event_ >= end_event_) {
    finished_ = true;
    operator_->OnWatermark(INT64_MAX, clock_.Base(end_event_), end_event_,
                           &queue_);
    return true;
  }
  const uint64_t e = next_event_++;
  if (clock_.IsWatermarkEvent(e)) {
    operator_->OnWatermark(clock_.Watermark(e), clock_.Base(e), e, &queue_);
  }
  EventRng rng(spec_.seed, e);
  uint64_t id = chooser_.Next(&rng, spec_.key_count, e - first_event_);
  if (!acceptance_.MayAccept(id)) return true;
  MakeKeyInto(id, spec_.key_size, &key_);
  if (!acceptance_.Accept(id, key_)) return true;
  Event ev;
  ev.index = e;
  ev.key_id = id;
  ev.key = key_;
  ev.arrival_ms = clock_.Base(e);
  ev.time_ms = clock_.EventTime(e, &rng);
  ev.rng = &rng;
  operator_->OnEvent(ev, &queue_);
  return true;
}

KeyChooserParams KeyChooserParamsFor(const WorkloadSpec& spec) {
  KeyChooserParams p;
  Result<KeyDistribution> d = ParseKeyDistribution(spec.key_distribution);
  p.distribution = d.ok() ? *d : KeyDistribution::kUniform;
  p.key_count = spec.key_count;
  p.zipf_theta = spec.zipf_theta;
  p.hotspot_data_fraction = spec.hotspot_data_fraction;
  p.hotspot_op_fraction = spec.hotspot_op_fraction;
  p.exponential_percentile = spec.exponential_percentile;
  p.exponential_frac = spec.exponential_frac;
  return p;
}

ValueSizeChooser ValueSizesFor(const WorkloadSpec& spec) {
  Result<ValueSizeDistribution> d =
      ParseValueSizeDistribution(spec.value_size_distribution);
  return ValueSizeChooser(d.ok() ? *d : ValueSizeDistribution::kFixed,
                          spec.value_size_min, spec.value_size);
}

void WindowNamespace(int64_t start, int64_t end, std::string* out) {
  out->clear();
  AppendBigEndian64(start, out);
  AppendBigEndian64(end, out);
}

}  // namespace statebench
