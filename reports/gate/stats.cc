#include "reports/gate/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace statebench {
namespace {

struct RankSums {
  double rank_sum_x = 0;
  // Sum over groups of tied values of t^3 - t (t = group size).
  double tie_term = 0;
  bool ties = false;
};

// Mid-ranks of the pooled sample (ties share the mean of their ranks).
RankSums RankPooled(std::span<const double> x, std::span<const double> y) {
  struct Item {
    double value;
    bool from_x;
  };
  std::vector<Item> pooled;
  pooled.reserve(x.size() + y.size());
  for (double v : x) pooled.push_back({v, true});
  for (double v : y) pooled.push_back({v, false});
  std::sort(pooled.begin(), pooled.end(),
            [](const Item& a, const Item& b) { return a.value < b.value; });
  RankSums out;
  size_t i = 0;
  while (i < pooled.size()) {
    size_t j = i;
    while (j + 1 < pooled.size() && pooled[j + 1].value == pooled[i].value) {
      ++j;
    }
    // Ranks i+1 .. j+1 share their mean.
    const double mid_rank = (static_cast<double>(i + j) / 2.0) + 1.0;
    const double t = static_cast<double>(j - i + 1);
    if (t > 1) {
      out.ties = true;
      out.tie_term += t * t * t - t;
    }
    for (size_t k = i; k <= j; ++k) {
      if (pooled[k].from_x) out.rank_sum_x += mid_rank;
    }
    i = j + 1;
  }
  return out;
}

// P(U >= u) under H0 for samples of sizes m and n without ties, from the
// permutation distribution of U. Counts grow like C(m+n, m) but the
// recursion only adds, so doubles keep full relative precision.
double ExactUpperTail(size_t m, size_t n, size_t u) {
  const size_t max_u = m * n;
  // row[b][k]: ways to arrange a x's and b y's with U = k (a = current row).
  std::vector<std::vector<double>> prev(n + 1, std::vector<double>(max_u + 1));
  for (auto& dist : prev) dist[0] = 1;  // a = 0: U is always 0
  for (size_t a = 1; a <= m; ++a) {
    std::vector<std::vector<double>> cur(n + 1, std::vector<double>(max_u + 1));
    cur[0][0] = 1;  // b = 0
    for (size_t b = 1; b <= n; ++b) {
      // The largest value is either an x (above all b y's: +b) or a y.
      for (size_t k = 0; k <= a * b; ++k) {
        double ways = cur[b - 1][k];
        if (k >= b) ways += prev[b][k - b];
        cur[b][k] = ways;
      }
    }
    prev = std::move(cur);
  }
  const std::vector<double>& dist = prev[n];
  const double total = std::accumulate(dist.begin(), dist.end(), 0.0);
  double tail = 0;
  for (size_t k = u; k <= max_u; ++k) tail += dist[k];
  return tail / total;
}

bool UsesExact(size_t n1, size_t n2, bool ties, UTestMethod method) {
  if (method == UTestMethod::kExact) return true;
  if (method == UTestMethod::kAsymptotic) return false;
  return !ties && std::min(n1, n2) <= kExactMaxAutoSize;
}

double AsymptoticPValue(double u_max, size_t n1, size_t n2, double tie_term,
                        double* z_out) {
  const double a = static_cast<double>(n1);
  const double b = static_cast<double>(n2);
  const double n = a + b;
  const double mean = a * b / 2.0;
  const double variance =
      a * b / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
  if (variance <= 0) {  // every value equal: no evidence of a difference
    *z_out = 0;
    return 1.0;
  }
  const double z = (u_max - mean - 0.5) / std::sqrt(variance);
  *z_out = z;
  return std::min(1.0, 2.0 * NormalUpperTail(z));
}

}  // namespace

std::string_view UTestMethodName(UTestMethod method) {
  switch (method) {
    case UTestMethod::kAuto:
      return "auto";
    case UTestMethod::kExact:
      return "exact";
    case UTestMethod::kAsymptotic:
      return "asymptotic";
  }
  return "unknown";
}

double NormalUpperTail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

Result<UTestResult> MannWhitneyU(std::span<const double> x,
                                 std::span<const double> y,
                                 UTestMethod method) {
  if (x.empty() || y.empty()) {
    return Status::InvalidArgument(
        "Mann-Whitney U test needs at least one value in each sample");
  }
  auto finite = [](double v) { return std::isfinite(v); };
  if (!std::all_of(x.begin(), x.end(), finite) ||
      !std::all_of(y.begin(), y.end(), finite)) {
    return Status::InvalidArgument(
        "Mann-Whitney U test got a NaN or infinite value");
  }
  const RankSums ranks = RankPooled(x, y);
  UTestResult r;
  r.n1 = x.size();
  r.n2 = y.size();
  r.ties = ranks.ties;
  const double n1 = static_cast<double>(r.n1);
  r.u = ranks.rank_sum_x - n1 * (n1 + 1.0) / 2.0;
  const double pairs = n1 * static_cast<double>(r.n2);
  const double u_max = std::max(r.u, pairs - r.u);
  if (UsesExact(r.n1, r.n2, r.ties, method)) {
    if (r.ties) {
      return Status::InvalidArgument(
          "the exact Mann-Whitney distribution does not apply to tied "
          "values; use the asymptotic method");
    }
    if (std::max(r.n1, r.n2) > kExactMaxSize) {
      return Status::InvalidArgument(
          "the exact Mann-Whitney test is limited to " +
          std::to_string(kExactMaxSize) + " values per sample");
    }
    r.method = UTestMethod::kExact;
    r.p_value = std::min(
        1.0, 2.0 * ExactUpperTail(r.n1, r.n2,
                                  static_cast<size_t>(std::llround(u_max))));
    return r;
  }
  r.method = UTestMethod::kAsymptotic;
  r.p_value = AsymptoticPValue(u_max, r.n1, r.n2, ranks.tie_term, &r.z);
  return r;
}

double MinimumAchievablePValue(size_t n1, size_t n2, UTestMethod method) {
  if (n1 == 0 || n2 == 0) return 1.0;
  const size_t pairs = n1 * n2;
  if (UsesExact(n1, n2, /*ties=*/false, method) &&
      std::max(n1, n2) <= kExactMaxSize) {
    return std::min(1.0, 2.0 * ExactUpperTail(n1, n2, pairs));
  }
  double z = 0;
  return AsymptoticPValue(static_cast<double>(pairs), n1, n2, 0, &z);
}

}  // namespace statebench
