#include "bench/harness/histogram.h"

#include <cmath>

namespace statebench {
namespace {

int CountsLength() {
  // Buckets needed so that kHighestTrackable fits: smallest b with
  // 2048 << b > highest, plus bucket 0.
  int buckets = 1;
  uint64_t limit = LatencyHistogram::kSubBucketCount;
  while (limit <= LatencyHistogram::kHighestTrackable) {
    limit <<= 1;
    ++buckets;
  }
  return (buckets + 1) * LatencyHistogram::kSubBucketHalfCount;
}

}  // namespace

LatencyHistogram::LatencyHistogram() : counts_(CountsLength(), 0) {}

uint64_t LatencyHistogram::ValueFromIndex(int index) {
  int bucket = (index >> kSubBucketHalfCountMagnitude) - 1;
  int sub = (index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (bucket < 0) {
    sub -= kSubBucketHalfCount;
    bucket = 0;
  }
  return static_cast<uint64_t>(sub) << bucket;
}

uint64_t LatencyHistogram::HighestEquivalentValue(uint64_t value) {
  int bucket =
      kLeadingZeroCountBase -
      __builtin_clzll(value | static_cast<uint64_t>(kSubBucketCount - 1));
  int sub = static_cast<int>(value >> bucket);
  uint64_t lowest = static_cast<uint64_t>(sub) << bucket;
  // Sub-buckets in the upper half of bucket b span 2^b values.
  uint64_t range = uint64_t{1}
                   << (sub >= kSubBucketCount ? bucket + 1 : bucket);
  return lowest + range - 1;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_count_ += other.total_count_;
  sum_ += other.sum_;
  if (other.total_count_ && other.min_ < min_) min_ = other.min_;
  if (other.max_ > max_) max_ = other.max_;
}

void LatencyHistogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_count_ = sum_ = max_ = 0;
  min_ = UINT64_MAX;
}

double LatencyHistogram::Mean() const {
  return total_count_ ? static_cast<double>(sum_) / total_count_ : 0;
}

double LatencyHistogram::StdDev() const {
  if (total_count_ == 0) return 0;
  double mean = Mean(), acc = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] == 0) continue;
    double v = static_cast<double>(HighestEquivalentValue(ValueFromIndex(i)));
    acc += (v - mean) * (v - mean) * static_cast<double>(counts_[i]);
  }
  return std::sqrt(acc / static_cast<double>(total_count_));
}

uint64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  if (total_count_ == 0) return 0;
  double p = std::min(std::max(percentile, 0.0), 100.0);
  auto target = static_cast<uint64_t>(
      std::ceil(p / 100.0 * static_cast<double>(total_count_)));
  if (target == 0) target = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= target) {
      uint64_t v = HighestEquivalentValue(ValueFromIndex(static_cast<int>(i)));
      return std::min(v, max_);
    }
  }
  return max_;
}

std::vector<std::pair<uint64_t, uint64_t>> LatencyHistogram::Buckets() const {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] != 0) {
      out.emplace_back(
          HighestEquivalentValue(ValueFromIndex(static_cast<int>(i))),
          counts_[i]);
    }
  }
  return out;
}

LatencyHistogram LatencyHistogram::FromBuckets(
    const std::vector<std::pair<uint64_t, uint64_t>>& buckets) {
  LatencyHistogram h;
  for (const auto& [value, count] : buckets) {
    uint64_t v = std::min(std::max<uint64_t>(value, 1), kHighestTrackable);
    h.counts_[CountsIndex(v)] += count;
    h.total_count_ += count;
    h.sum_ += v * count;
    h.min_ = std::min(h.min_, v);
    h.max_ = std::max(h.max_, v);
  }
  return h;
}

}  // namespace statebench
