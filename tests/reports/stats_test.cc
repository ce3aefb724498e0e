// Reference p-values below were derived independently of this code: the
// exact ones by enumerating every split of the ranks 1..n (Python
// itertools.combinations), the asymptotic ones from the closed-form normal
// approximation with tie-corrected variance and 0.5 continuity correction
// (Python math.erfc). They agree with SciPy's documented example
// (scipy.stats.mannwhitneyu, males vs females: exact 0.1111,
// asymptotic 0.11134688653314041).
#include "reports/gate/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace statebench {
namespace {

constexpr double kTight = 1e-12;

UTestResult RunU(const std::vector<double>& x, const std::vector<double>& y,
                 UTestMethod m = UTestMethod::kAuto) {
  Result<UTestResult> r = MannWhitneyU(x, y, m);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : UTestResult{};
}

TEST(MannWhitneyU, CompleteSeparationSmallSamples) {
  const std::vector<double> x = {1, 2, 3}, y = {4, 5, 6};
  UTestResult exact = RunU(x, y);
  EXPECT_EQ(exact.method, UTestMethod::kExact);
  EXPECT_DOUBLE_EQ(exact.u, 0);
  EXPECT_NEAR(exact.p_value, 0.1, kTight);  // 2 / C(6,3)
  UTestResult asym = RunU(x, y, UTestMethod::kAsymptotic);
  EXPECT_NEAR(asym.p_value, 0.0808555983700523, kTight);
  // The statistic is U of the first sample; swapping gives n1*n2 - U and
  // the same two-sided p-value.
  UTestResult swapped = RunU(y, x);
  EXPECT_DOUBLE_EQ(swapped.u, 9);
  EXPECT_NEAR(swapped.p_value, 0.1, kTight);
}

TEST(MannWhitneyU, ScipyDocumentationExample) {
  const std::vector<double> males = {19, 22, 16, 29, 24};
  const std::vector<double> females = {20, 11, 17, 12};
  UTestResult exact = RunU(males, females);
  EXPECT_EQ(exact.method, UTestMethod::kExact);
  EXPECT_DOUBLE_EQ(exact.u, 17);
  EXPECT_NEAR(exact.p_value, 0.1111111111111111, kTight);
  UTestResult asym = RunU(males, females, UTestMethod::kAsymptotic);
  EXPECT_NEAR(asym.p_value, 0.11134688653314048, 1e-12);
}

TEST(MannWhitneyU, TiesUseMidRanksAndCorrectedVariance) {
  // Pooled: 2 appears 3x, 3 appears 3x, 5 appears 2x.
  const std::vector<double> x = {1, 2, 2, 3, 4, 5};
  const std::vector<double> y = {2, 3, 3, 5, 6, 7, 8};
  UTestResult r = RunU(x, y);
  EXPECT_TRUE(r.ties);
  EXPECT_EQ(r.method, UTestMethod::kAsymptotic);  // auto: ties -> asymptotic
  EXPECT_DOUBLE_EQ(r.u, 9.5);
  EXPECT_NEAR(r.p_value, 0.11155930545078227, kTight);
}

TEST(MannWhitneyU, HeavyTies) {
  UTestResult r = RunU({7, 7, 7}, {7, 7, 7, 8});
  EXPECT_DOUBLE_EQ(r.u, 4.5);
  EXPECT_NEAR(r.p_value, 0.563702861650773, kTight);
}

TEST(MannWhitneyU, AllEqualGivesPOne) {
  UTestResult r = RunU({5, 5, 5, 5}, {5, 5, 5});
  EXPECT_DOUBLE_EQ(r.p_value, 1.0);
}

TEST(MannWhitneyU, NineVersusNineMatchesBothReferences) {
  const std::vector<double> x = {1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7, 8.8, 9.9};
  const std::vector<double> y = {2, 4, 6, 8, 10, 12, 14, 16, 18};
  UTestResult auto_r = RunU(x, y);
  // Both samples above 8 values: SciPy's auto rule goes asymptotic.
  EXPECT_EQ(auto_r.method, UTestMethod::kAsymptotic);
  EXPECT_DOUBLE_EQ(auto_r.u, 20);
  EXPECT_NEAR(auto_r.p_value, 0.07738861114200664, kTight);
  UTestResult exact = RunU(x, y, UTestMethod::kExact);
  EXPECT_NEAR(exact.p_value, 0.07700534759358289, kTight);
}

// Critical values of U from the standard two-sided alpha = 0.05 table
// (e.g. Mann & Whitney 1947; any statistics textbook appendix): the
// largest U that is significant.
TEST(MannWhitneyU, ExactAgreesWithCriticalValueTable) {
  struct Row {
    int n;
    int critical_u;
  };
  for (Row row : {Row{5, 2}, Row{8, 13}, Row{9, 17}, Row{10, 23}}) {
    // Build U directly: x = first n ranks shifted so that U = u.
    auto p_for_u = [&](int u) {
      std::vector<double> x(row.n), y(row.n);
      for (int i = 0; i < row.n; ++i) y[i] = i + 1;
      // x_i sits just above y_{k_i}, where sum of k_i = u.
      int left = u;
      for (int i = row.n - 1; i >= 0; --i) {
        int k = std::min(left, row.n);
        left -= k;
        x[i] = k + 0.5 + i * 1e-3;
      }
      Result<UTestResult> r = MannWhitneyU(x, y, UTestMethod::kExact);
      EXPECT_TRUE(r.ok());
      EXPECT_DOUBLE_EQ(r->u, u);
      return r->p_value;
    };
    EXPECT_LT(p_for_u(row.critical_u), 0.05) << "n=" << row.n;
    EXPECT_GT(p_for_u(row.critical_u + 1), 0.05) << "n=" << row.n;
  }
}

TEST(MannWhitneyU, RejectsBadInput) {
  EXPECT_FALSE(MannWhitneyU({}, std::vector<double>{1.0}).ok());
  const std::vector<double> nan = {1.0, std::nan("")};
  EXPECT_FALSE(MannWhitneyU(nan, std::vector<double>{1.0, 2.0}).ok());
  // The exact distribution does not hold with ties.
  EXPECT_FALSE(MannWhitneyU(std::vector<double>{1, 2},
                            std::vector<double>{2, 3}, UTestMethod::kExact)
                   .ok());
}

TEST(MinimumAchievablePValue, SmallSamplesCannotReachFivePercent) {
  EXPECT_NEAR(MinimumAchievablePValue(3, 3), 0.1, kTight);
  EXPECT_NEAR(MinimumAchievablePValue(4, 4), 2.0 / 70, kTight);
  EXPECT_GT(MinimumAchievablePValue(3, 3, UTestMethod::kAsymptotic), 0.05);
  EXPECT_LT(MinimumAchievablePValue(9, 9), 0.001);
}

TEST(Median, OddEvenEmpty) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median({}), 0);
}

TEST(NormalUpperTail, KnownQuantiles) {
  EXPECT_NEAR(NormalUpperTail(0), 0.5, kTight);
  EXPECT_NEAR(NormalUpperTail(1.959963984540054), 0.025, 1e-12);
}

}  // namespace
}  // namespace statebench
