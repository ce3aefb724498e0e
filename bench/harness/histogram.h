// A log-linear latency histogram in HdrHistogram's layout: 3 significant
// decimal digits (2048 sub-buckets per power of two), values 1 ns .. 1 h.
//
// Single writer, no locks: each subtask records into its own histograms and
// the harness merges them after the subtasks have stopped. Record() is a few
// instructions (a count-leading-zeros, a shift, an add); see the overhead
// benchmark for its measured cost.
#ifndef STATEBENCH_BENCH_HARNESS_HISTOGRAM_H_
#define STATEBENCH_BENCH_HARNESS_HISTOGRAM_H_

#include <cstdint>
#include <utility>
#include <vector>

namespace statebench {

class LatencyHistogram {
 public:
  static constexpr uint64_t kHighestTrackable = 3'600'000'000'000ull;  // 1 h
  static constexpr int kSubBucketHalfCountMagnitude = 10;  // 3 digits
  static constexpr int kSubBucketCount = 1
                                         << (kSubBucketHalfCountMagnitude + 1);
  static constexpr int kSubBucketHalfCount = kSubBucketCount / 2;

  LatencyHistogram();

  // Records one value in ns; values above 1 h are clamped to 1 h, 0 to 1.
  void Record(uint64_t value_ns) {
    if (value_ns > kHighestTrackable) value_ns = kHighestTrackable;
    if (value_ns == 0) value_ns = 1;
    ++counts_[CountsIndex(value_ns)];
    ++total_count_;
    sum_ += value_ns;
    if (value_ns < min_) min_ = value_ns;
    if (value_ns > max_) max_ = value_ns;
  }

  void Merge(const LatencyHistogram& other);
  void Reset();

  uint64_t TotalCount() const { return total_count_; }
  uint64_t Min() const { return total_count_ ? min_ : 0; }
  uint64_t Max() const { return max_; }
  double Mean() const;
  double StdDev() const;
  // The highest value equivalent to the value at `percentile` (0..100], as
  // HdrHistogram's getValueAtPercentile. 0 when empty.
  uint64_t ValueAtPercentile(double percentile) const;

  // Non-empty buckets as (highest equivalent value, count), ascending.
  std::vector<std::pair<uint64_t, uint64_t>> Buckets() const;
  // Rebuilds a histogram from Buckets() output (values land in the same
  // buckets, so percentiles are preserved).
  static LatencyHistogram FromBuckets(
      const std::vector<std::pair<uint64_t, uint64_t>>& buckets);

  static uint64_t HighestEquivalentValue(uint64_t value);

 private:
  static int CountsIndex(uint64_t value) {
    // Bucket 0 holds [0, 2048); bucket b >= 1 holds [1024 << b, 2048 << b).
    int bucket =
        kLeadingZeroCountBase -
        __builtin_clzll(value | static_cast<uint64_t>(kSubBucketCount - 1));
    int sub = static_cast<int>(value >> bucket);
    return ((bucket + 1) << kSubBucketHalfCountMagnitude) + sub -
           kSubBucketHalfCount;
  }
  static uint64_t ValueFromIndex(int index);

  static constexpr int kLeadingZeroCountBase =
      64 - kSubBucketHalfCountMagnitude - 1;

  std::vector<uint64_t> counts_;
  uint64_t total_count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_HISTOGRAM_H_
