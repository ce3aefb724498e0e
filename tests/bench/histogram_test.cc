#include "bench/harness/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace statebench {
namespace {

// Nearest-rank percentile of a sorted sample, the definition the histogram
// approximates.
uint64_t ExactPercentile(const std::vector<uint64_t>& sorted, double p) {
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
  if (rank == 0) rank = 1;
  return sorted[rank - 1];
}

void ExpectWithinTenthOfAPercent(const std::vector<uint64_t>& values) {
  LatencyHistogram h;
  for (uint64_t v : values) h.Record(v);
  std::vector<uint64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  for (double p : {1.0, 10.0, 50.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    double exact = static_cast<double>(ExactPercentile(sorted, p));
    double got = static_cast<double>(h.ValueAtPercentile(p));
    EXPECT_LE(std::fabs(got - exact), exact * 0.001 + 1)
        << "p" << p << " exact " << exact << " histogram " << got;
  }
  EXPECT_EQ(h.TotalCount(), values.size());
  EXPECT_EQ(h.Max(), sorted.back());
  EXPECT_EQ(h.Min(), sorted.front());
}

TEST(LatencyHistogramTest, PercentilesOfLogNormalSamplesWithinTenthOfAPercent) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(std::log(2000.0), 1.5);
  std::vector<uint64_t> v;
  for (int i = 0; i < 200000; ++i) {
    v.push_back(std::max<uint64_t>(1, static_cast<uint64_t>(dist(rng))));
  }
  ExpectWithinTenthOfAPercent(v);
}

TEST(LatencyHistogramTest, PercentilesAcrossTheWholeRange) {
  std::vector<uint64_t> v;
  for (uint64_t x = 1; x < LatencyHistogram::kHighestTrackable; x = x * 3 + 1) {
    v.push_back(x);
  }
  ExpectWithinTenthOfAPercent(v);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t x = 1; x <= 2047; ++x) h.Record(x);
  EXPECT_EQ(h.ValueAtPercentile(50), 1024u);
  EXPECT_EQ(h.ValueAtPercentile(100), 2047u);
}

TEST(LatencyHistogramTest, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (uint64_t x = 1; x < 100000; x += 7) {
    (x % 2 ? a : b).Record(x * 13);
    all.Record(x * 13);
  }
  a.Merge(b);
  EXPECT_EQ(a.TotalCount(), all.TotalCount());
  for (double p : {50.0, 99.0, 99.9}) {
    EXPECT_EQ(a.ValueAtPercentile(p), all.ValueAtPercentile(p));
  }
  EXPECT_EQ(a.Buckets(), all.Buckets());
}

TEST(LatencyHistogramTest, BucketsRoundTripPreservesPercentiles) {
  LatencyHistogram h;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 50000; ++i) h.Record(1 + rng() % 5'000'000);
  LatencyHistogram back = LatencyHistogram::FromBuckets(h.Buckets());
  for (double p : {50.0, 90.0, 99.0, 99.99}) {
    double a = static_cast<double>(back.ValueAtPercentile(p));
    double b = static_cast<double>(h.ValueAtPercentile(p));
    EXPECT_LE(std::fabs(a - b), b * 0.001) << "p" << p;
  }
}

TEST(LatencyHistogramTest, ClampsZeroAndHugeValues) {
  LatencyHistogram h;
  h.Record(0);
  h.Record(UINT64_MAX);
  EXPECT_EQ(h.Min(), 1u);
  EXPECT_EQ(h.Max(), LatencyHistogram::kHighestTrackable);
  EXPECT_EQ(h.ValueAtPercentile(0), 1u);
}

TEST(LatencyHistogramTest, EmptyHistogramReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.ValueAtPercentile(99), 0u);
  EXPECT_EQ(h.Min(), 0u);
  EXPECT_EQ(h.Mean(), 0);
}

}  // namespace
}  // namespace statebench
