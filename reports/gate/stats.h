// Small, dependency-free statistics for comparing repeated measurements:
// the two-sided Mann-Whitney U (Wilcoxon rank-sum) test and medians.
//
// The p-values follow the textbook definitions and agree with
// scipy.stats.mannwhitneyu(x, y, alternative="two-sided") for the same
// method:
//   exact       the permutation distribution of U (valid without ties);
//   asymptotic  normal approximation with tie correction of the variance
//               and a 0.5 continuity correction.
// kAuto picks exact when there are no ties and one sample has at most
// kExactMaxAutoSize values (SciPy's own "auto" rule), asymptotic otherwise.
//
// All functions are pure and thread-safe.
#ifndef STATEBENCH_REPORTS_GATE_STATS_H_
#define STATEBENCH_REPORTS_GATE_STATS_H_

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace statebench {

enum class UTestMethod { kAuto, kExact, kAsymptotic };
std::string_view UTestMethodName(UTestMethod method);

// One sample at most this large (and no ties) makes kAuto use the exact
// distribution.
inline constexpr size_t kExactMaxAutoSize = 8;
// kExact refuses larger samples (the distribution table grows as n1*n2).
inline constexpr size_t kExactMaxSize = 100;

struct UTestResult {
  // U of the first sample: pairs (x_i, y_j) with x_i > y_j, ties count 1/2.
  double u = 0;
  double p_value = 1;  // two-sided, in [0, 1]
  double z = 0;        // standardized statistic (asymptotic method only)
  UTestMethod method = UTestMethod::kAsymptotic;  // the one actually used
  bool ties = false;  // some value occurs more than once in x and y pooled
  size_t n1 = 0;
  size_t n2 = 0;
};

// Two-sided Mann-Whitney U test of x against y. InvalidArgument when a
// sample is empty or holds a non-finite value, or when kExact is asked for
// with ties or a sample above kExactMaxSize. When every value is equal the
// p-value is 1.
Result<UTestResult> MannWhitneyU(std::span<const double> x,
                                 std::span<const double> y,
                                 UTestMethod method = UTestMethod::kAuto);

// The smallest two-sided p-value the test can give for samples of these
// sizes (complete separation, no ties) with the method kAuto would choose.
// When it is not below alpha, no difference can ever be significant.
double MinimumAchievablePValue(size_t n1, size_t n2,
                               UTestMethod method = UTestMethod::kAuto);

// Upper tail of the standard normal distribution, P(Z > z).
double NormalUpperTail(double z);

// Median (mean of the two middle values for an even count); 0 when empty.
double Median(std::vector<double> values);

}  // namespace statebench

#endif  // STATEBENCH_REPORTS_GATE_STATS_H_
