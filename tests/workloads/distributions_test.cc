#include "workloads/distributions.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>
#include <vector>

namespace statebench {
namespace {

std::vector<uint64_t> Counts(KeyChooser* chooser, uint64_t n, int draws,
                             uint64_t seed = 7) {
  std::vector<uint64_t> counts(n, 0);
  for (int i = 0; i < draws; ++i) {
    EventRng rng(seed, static_cast<uint64_t>(i));
    uint64_t id = chooser->Next(&rng, n, static_cast<uint64_t>(i));
    EXPECT_LT(id, n);
    if (id < n) ++counts[id];
  }
  return counts;
}

// Least-squares slope of log(frequency) over log(rank) for ranks 1..top.
double RankFrequencySlope(std::vector<uint64_t> counts, int top) {
  std::sort(counts.rbegin(), counts.rend());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int r = 1; r <= top; ++r) {
    double x = std::log(r);
    double y = std::log(static_cast<double>(counts[r - 1]));
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (top * sxy - sx * sy) / (top * sxx - sx * sx);
}

KeyChooserParams Params(KeyDistribution d, uint64_t n) {
  KeyChooserParams p;
  p.distribution = d;
  p.key_count = n;
  return p;
}

class ZipfianSlopeTest : public ::testing::TestWithParam<double> {};

TEST_P(ZipfianSlopeTest, RankFrequencySlopeIsMinusTheta) {
  const double theta = GetParam();
  KeyChooserParams p = Params(KeyDistribution::kZipfian, 100000);
  p.zipf_theta = theta;
  KeyChooser chooser(p);
  std::vector<uint64_t> counts = Counts(&chooser, 100000, 2000000);
  EXPECT_NEAR(RankFrequencySlope(counts, 100), -theta, 0.06);
}

INSTANTIATE_TEST_SUITE_P(Thetas, ZipfianSlopeTest,
                         ::testing::Values(0.99, 0.8, 0.6));

TEST(ZipfianTest, ScrambledPopularKeysAreSpreadOut) {
  KeyChooser chooser(Params(KeyDistribution::kZipfian, 100000));
  std::vector<uint64_t> counts = Counts(&chooser, 100000, 500000);
  std::vector<uint64_t> ids(counts.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = i;
  std::partial_sort(
      ids.begin(), ids.begin() + 10, ids.end(),
      [&](uint64_t a, uint64_t b) { return counts[a] > counts[b]; });
  // Unscrambled, the ten favourites would be ids 0..9.
  int low = 0;
  for (int i = 0; i < 10; ++i) low += ids[i] < 100 ? 1 : 0;
  EXPECT_LE(low, 2);
}

TEST(ZipfianTest, HeadTableDoesNotChangeDraws) {
  for (auto [n, theta] : {std::pair<uint64_t, double>{100000, 0.99},
                          {1000, 0.5},
                          {10000000000ull, 0.99}}) {
    ZipfianChooser plain(n, theta);
    ZipfianChooser fast = plain;
    fast.BuildHeadTable();
    for (uint64_t i = 0; i < 300000; ++i) {
      EventRng rng(21, i);
      double u = rng.NextDouble();
      ASSERT_EQ(fast.Choose(u), plain.Choose(u)) << n << " " << u;
    }
    // Both ends of every bucket.
    for (int b = 0; b < (1 << 15); ++b) {
      double lo = static_cast<double>(b) / (1 << 15);
      double hi = std::nextafter(static_cast<double>(b + 1) / (1 << 15), 0.0);
      ASSERT_EQ(fast.Choose(lo), plain.Choose(lo)) << lo;
      ASSERT_EQ(fast.Choose(hi), plain.Choose(hi)) << hi;
    }
  }
}

TEST(ZipfianTest, YcsbItemSpaceMatchesYcsbConstant) {
  // YCSB's ZETAN for 10^10 items and theta 0.99.
  EXPECT_NEAR(Zeta(10000000000ull, 0.99), 26.46902820178302, 1e-9);
  // Euler-Maclaurin beyond 100,000 terms agrees with the exact sum.
  double exact = 0;
  for (int i = 1; i <= 300000; ++i) exact += 1.0 / std::pow(i, 0.75);
  EXPECT_NEAR(Zeta(300000, 0.75) / exact, 1.0, 1e-12);
}

TEST(ZipfianTest, YcsbItemSpaceFlattensSmallKeySpaces) {
  // With YCSB's 10^10 ranks hashed onto 1,000 keys the favourite gets about
  // 1/zeta(10^10) of the draws plus its share of the flat tail.
  KeyChooserParams p = Params(KeyDistribution::kZipfian, 1000);
  p.ycsb_item_space = true;
  KeyChooser chooser(p);
  std::vector<uint64_t> counts = Counts(&chooser, 1000, 400000);
  double top =
      static_cast<double>(*std::max_element(counts.begin(), counts.end()));
  EXPECT_NEAR(top / 400000, 1 / 26.469, 0.006);
}

TEST(HotspotTest, HotFractionsWithinOnePercent) {
  const uint64_t n = 10000;
  KeyChooserParams p = Params(KeyDistribution::kHotspot, n);
  p.hotspot_data_fraction = 0.2;
  p.hotspot_op_fraction = 0.8;
  KeyChooser chooser(p);
  std::vector<uint64_t> counts = Counts(&chooser, n, 1000000);
  uint64_t hot = 0, hot_keys_touched = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (i < 2000) {
      hot += counts[i];
      hot_keys_touched += counts[i] > 0;
    }
  }
  EXPECT_NEAR(hot / 1e6, 0.8, 0.01);
  EXPECT_EQ(hot_keys_touched, 2000u);
  // Within each set draws are uniform: hot keys get 0.8/2000, cold 0.2/8000.
  EXPECT_NEAR(counts[0] / 1e6, 0.8 / 2000, 0.8 / 2000 * 0.25);
  EXPECT_NEAR(counts[n - 1] / 1e6, 0.2 / 8000, 0.2 / 8000 * 0.4);
}

TEST(UniformTest, ChiSquareWithinBounds) {
  const uint64_t n = 1000;
  KeyChooser chooser(Params(KeyDistribution::kUniform, n));
  const int draws = 1000000;
  std::vector<uint64_t> counts = Counts(&chooser, n, draws);
  const double expected = static_cast<double>(draws) / n;
  double chi2 = 0;
  for (uint64_t c : counts) chi2 += (c - expected) * (c - expected) / expected;
  // 999 degrees of freedom: mean 999, sd ~44.7; five sigma either way.
  EXPECT_GT(chi2, 999 - 5 * 44.7);
  EXPECT_LT(chi2, 999 + 5 * 44.7);
}

TEST(LatestTest, FavoursRecentInsertsAndFollowsGrowth) {
  KeyChooser chooser(Params(KeyDistribution::kLatest, 10000));
  uint64_t newest100 = 0, newest = 0;
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) {
    EventRng rng(3, static_cast<uint64_t>(i));
    uint64_t id = chooser.Next(&rng, 10000, static_cast<uint64_t>(i));
    newest100 += id >= 9900;
    newest += id == 9999;
  }
  // Gray et al.'s generator approximates the zipfian tail: within 0.02.
  EXPECT_NEAR(static_cast<double>(newest100) / draws,
              Zeta(100, 0.99) / Zeta(10000, 0.99), 0.02);
  EXPECT_NEAR(static_cast<double>(newest) / draws, 1 / Zeta(10000, 0.99),
              0.005);
  // After inserts the favourite moves to the newest record.
  std::map<uint64_t, int> after;
  for (int i = 0; i < 20000; ++i) {
    EventRng rng(4, static_cast<uint64_t>(i));
    ++after[chooser.Next(&rng, 15000, 0)];
  }
  auto best =
      std::max_element(after.begin(), after.end(),
                       [](auto& a, auto& b) { return a.second < b.second; });
  EXPECT_EQ(best->first, 14999u);
}

TEST(SequentialTest, VisitsKeysInOrderAndWraps) {
  KeyChooser chooser(Params(KeyDistribution::kSequential, 5));
  std::vector<uint64_t> ids;
  for (uint64_t i = 0; i < 12; ++i) {
    EventRng rng(1, i);
    ids.push_back(chooser.Next(&rng, 5, i));
  }
  EXPECT_EQ(ids, (std::vector<uint64_t>{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1}));
}

TEST(ExponentialTest, PercentileOfDrawsWithinRange) {
  // YCSB: `percentile`% of draws fall within the newest frac * n records;
  // draws beyond the n records are redrawn, which scales that up.
  const uint64_t n = 100000;
  KeyChooser chooser(Params(KeyDistribution::kExponential, n));
  std::vector<uint64_t> counts = Counts(&chooser, n, 200000);
  uint64_t within = 0;
  const auto range = static_cast<uint64_t>(n * 0.8571428571);
  for (uint64_t i = n - range; i < n; ++i) within += counts[i];
  EXPECT_NEAR(within / 200000.0, 0.95 / (1 - std::pow(0.05, 1 / 0.8571428571)),
              0.01);
}

TEST(ValueSizeTest, FixedUniformAndSkewed) {
  ValueSizeChooser fixed(ValueSizeDistribution::kFixed, 10, 100);
  ValueSizeChooser uniform(ValueSizeDistribution::kUniform, 10, 100);
  ValueSizeChooser skewed(ValueSizeDistribution::kSkewed, 10, 100);
  double sum_u = 0, sum_s = 0;
  std::map<uint32_t, int> skewed_counts;
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) {
    EventRng rng(9, static_cast<uint64_t>(i));
    EXPECT_EQ(fixed.Next(&rng), 100u);
    uint32_t u = uniform.Next(&rng);
    uint32_t s = skewed.Next(&rng);
    ASSERT_GE(u, 10u);
    ASSERT_LE(u, 100u);
    ASSERT_GE(s, 10u);
    ASSERT_LE(s, 100u);
    sum_u += u;
    sum_s += s;
    ++skewed_counts[s];
  }
  EXPECT_NEAR(sum_u / draws, 55, 0.3);
  // Mean() is the exact zipfian mean; the generator approximates it.
  EXPECT_NEAR(sum_s / draws, skewed.Mean(), skewed.Mean() * 0.04);
  EXPECT_LT(skewed.Mean(), 40);
  EXPECT_GT(skewed_counts[10], skewed_counts[11]);
  EXPECT_GT(skewed_counts[11], skewed_counts[50]);
}

TEST(KeysTest, CanonicalAndYcsbKeys) {
  EXPECT_EQ(MakeKey(42, 8), "key00042");
  EXPECT_EQ(MakeKey(123456789, 4), "key123456789");
  std::string k;
  MakeYcsbKeyInto(5, 1, /*hashed=*/false, &k);
  EXPECT_EQ(k, "user5");
  MakeYcsbKeyInto(5, 8, /*hashed=*/false, &k);
  EXPECT_EQ(k, "user00000005");
  MakeYcsbKeyInto(5, 1, /*hashed=*/true, &k);
  EXPECT_EQ(k, "user" + std::to_string(FnvHash64(5)));
  EXPECT_LT(FnvHash64(5), uint64_t{1} << 63);
}

TEST(EventRngTest, DrawsArePureFunctionsOfSeedAndEvent) {
  EventRng a(11, 1234), b(11, 1234), c(12, 1234), d(11, 1235);
  uint64_t x = a.NextU64();
  EXPECT_EQ(x, b.NextU64());
  EXPECT_NE(x, c.NextU64());
  EXPECT_NE(x, d.NextU64());
  EXPECT_NE(a.NextU64(), x);
}

}  // namespace
}  // namespace statebench
