#include "reports/results/cost_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

namespace statebench {
namespace {

// Two-sided 90 % interval of a normal variable.
constexpr double kZ90 = 1.6448536269514722;
// With no residual degrees of freedom and no held-out forecast, nothing
// measures the scatter: the interval is then a factor of two either way.
constexpr double kUnknownLogSigma = 0.6931471805599453;  // ln 2
// Candidate knee positions tried between the outer points, besides the
// measured sizes and the midpoints between them.
constexpr int kKneeGrid = 48;

int Parameters(CostModelKind kind) {
  switch (kind) {
    case CostModelKind::kConstant:
      return 1;
    case CostModelKind::kLinear:
    case CostModelKind::kPower:
      return 2;
    case CostModelKind::kKnee:
      return 4;
  }
  return 4;
}

// The fewest points (distinct sizes) that determine the candidate.
int MinimumPoints(CostModelKind kind) {
  return kind == CostModelKind::kKnee ? 4 : Parameters(kind);
}

double MeanRelativeError(const CostModel& m,
                         const std::vector<CurvePoint>& points) {
  double sum = 0;
  for (const CurvePoint& p : points)
    sum += std::fabs(m.Predict(p.x) - p.y) / p.y;
  return sum / static_cast<double>(points.size());
}

// Ordinary least squares of v on the columns of `rows` (each row: the
// regressors of one point); false when the system is singular.
template <size_t K>
bool LeastSquares(const std::vector<std::array<double, K>>& rows,
                  const std::vector<double>& v, std::array<double, K>* beta) {
  std::array<std::array<double, K + 1>, K> a{};
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t r = 0; r < K; ++r) {
      for (size_t c = 0; c < K; ++c) a[r][c] += rows[i][r] * rows[i][c];
      a[r][K] += rows[i][r] * v[i];
    }
  }
  // Gauss-Jordan with partial pivoting; K <= 3.
  for (size_t col = 0; col < K; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < K; ++r) {
      if (std::fabs(a[r][col]) > std::fabs(a[pivot][col])) pivot = r;
    }
    if (std::fabs(a[pivot][col]) < 1e-12) return false;
    std::swap(a[pivot], a[col]);
    for (size_t r = 0; r < K; ++r) {
      if (r == col) continue;
      double f = a[r][col] / a[col][col];
      for (size_t c = col; c <= K; ++c) a[r][c] -= f * a[col][c];
    }
  }
  for (size_t r = 0; r < K; ++r) (*beta)[r] = a[r][K] / a[r][r];
  return true;
}

// Sum of squared log residuals of a knee at ln x0 = l0; fills params.
bool FitKneeAt(const std::vector<CurvePoint>& pts, double l0, double* sse,
               std::vector<double>* params) {
  int below = 0, above = 0;
  std::vector<std::array<double, 3>> rows;
  std::vector<double> v;
  for (const CurvePoint& p : pts) {
    double u = std::log(p.x) - l0;
    (u < 0 ? below : above) += 1;
    rows.push_back({1.0, std::min(u, 0.0), std::max(u, 0.0)});
    v.push_back(std::log(p.y));
  }
  if (below < 2 || above < 2) return false;
  std::array<double, 3> beta{};
  if (!LeastSquares<3>(rows, v, &beta)) return false;
  double s = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    double r = v[i] - (beta[0] + beta[1] * rows[i][1] + beta[2] * rows[i][2]);
    s += r * r;
  }
  *sse = s;
  *params = {std::exp(l0), std::exp(beta[0]), beta[1], beta[2]};
  return true;
}

Result<std::vector<double>> FitParams(CostModelKind kind,
                                      const std::vector<CurvePoint>& pts) {
  const size_t n = pts.size();
  switch (kind) {
    case CostModelKind::kConstant: {
      double s = 0;
      for (const CurvePoint& p : pts) s += std::log(p.y);
      return std::vector<double>{std::exp(s / static_cast<double>(n))};
    }
    case CostModelKind::kLinear: {
      // Weighted by 1/y^2: least squares of the relative error.
      std::vector<std::array<double, 2>> rows;
      std::vector<double> v;
      for (const CurvePoint& p : pts) {
        rows.push_back({1.0 / p.y, p.x / p.y});
        v.push_back(1.0);
      }
      std::array<double, 2> beta{};
      if (!LeastSquares<2>(rows, v, &beta)) {
        return Status::InvalidArgument("linear model: singular sizes");
      }
      return std::vector<double>{beta[0], beta[1]};
    }
    case CostModelKind::kPower: {
      std::vector<std::array<double, 2>> rows;
      std::vector<double> v;
      for (const CurvePoint& p : pts) {
        rows.push_back({1.0, std::log(p.x)});
        v.push_back(std::log(p.y));
      }
      std::array<double, 2> beta{};
      if (!LeastSquares<2>(rows, v, &beta)) {
        return Status::InvalidArgument("power model: singular sizes");
      }
      return std::vector<double>{std::exp(beta[0]), beta[1]};
    }
    case CostModelKind::kKnee: {
      std::vector<double> lx;
      for (const CurvePoint& p : pts) lx.push_back(std::log(p.x));
      std::sort(lx.begin(), lx.end());
      // Knees strictly inside: at least two points on each side.
      std::vector<double> candidates;
      for (size_t i = 1; i + 1 < lx.size(); ++i) {
        candidates.push_back(lx[i]);
        candidates.push_back((lx[i] + lx[i + 1]) / 2);
      }
      for (int g = 0; g <= kKneeGrid; ++g) {
        candidates.push_back(lx.front() +
                             (lx.back() - lx.front()) * g / kKneeGrid);
      }
      double best_sse = std::numeric_limits<double>::infinity();
      std::vector<double> best;
      for (double l0 : candidates) {
        double sse;
        std::vector<double> params;
        if (FitKneeAt(pts, l0, &sse, &params) && sse < best_sse - 1e-15) {
          best_sse = sse;
          best = std::move(params);
        }
      }
      if (best.empty()) {
        return Status::InvalidArgument(
            "knee model: needs two sizes on each side of the knee");
      }
      return best;
    }
  }
  return Status::InvalidArgument("unknown cost model");
}

// Fits `kind` without the interval or the held-out error.
Result<CostModel> FitBare(CostModelKind kind,
                          const std::vector<CurvePoint>& pts) {
  CostModel m;
  m.kind = kind;
  SB_ASSIGN_OR_RETURN(m.params, FitParams(kind, pts));
  m.points = static_cast<int>(pts.size());
  for (const CurvePoint& p : pts) m.max_x = std::max(m.max_x, p.x);
  for (double v : m.params) {
    if (!std::isfinite(v)) {
      return Status::InvalidArgument(std::string(CostModelKindName(kind)) +
                                     " model: no finite fit");
    }
  }
  return m;
}

// Mean relative error of every point forecast by the model fitted to the
// others, and the RMS of the log errors; nullopt when a fold cannot fit.
std::optional<double> LeaveOneOutError(CostModelKind kind,
                                       const std::vector<CurvePoint>& points,
                                       std::optional<double>* log_rms) {
  double rel = 0, log2 = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    std::vector<CurvePoint> rest = points;
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(i));
    Result<CostModel> fold = FitBare(kind, rest);
    if (!fold.ok()) return std::nullopt;
    double f = fold->Predict(points[i].x);
    rel += std::fabs(f - points[i].y) / points[i].y;
    double l = std::log(f / points[i].y);
    log2 += l * l;
  }
  const double n = static_cast<double>(points.size());
  *log_rms = std::sqrt(log2 / n);
  return rel / n;
}

// Mean relative error of each size forecast by the model fitted to the
// sizes below it (those with enough smaller sizes to fit): the direction
// a forecast is read in. nullopt when no size has enough below it.
std::optional<double> ForwardError(CostModelKind kind,
                                   std::vector<CurvePoint> points) {
  std::sort(points.begin(), points.end(),
            [](const CurvePoint& a, const CurvePoint& b) { return a.x < b.x; });
  double rel = 0;
  int folds = 0;
  for (size_t k = 1; k < points.size(); ++k) {
    std::vector<CurvePoint> below;
    for (const CurvePoint& p : points) {
      if (p.x < points[k].x) below.push_back(p);
    }
    std::vector<double> xs;
    for (const CurvePoint& p : below) xs.push_back(p.x);
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
    if (static_cast<int>(xs.size()) < std::max(MinimumPoints(kind), 2)) {
      continue;
    }
    Result<CostModel> fold = FitBare(kind, below);
    if (!fold.ok()) continue;
    rel += std::fabs(fold->Predict(points[k].x) - points[k].y) / points[k].y;
    ++folds;
  }
  if (folds == 0) return std::nullopt;
  return rel / folds;
}

}  // namespace

std::string_view CostModelKindName(CostModelKind kind) {
  switch (kind) {
    case CostModelKind::kConstant:
      return "constant";
    case CostModelKind::kLinear:
      return "linear";
    case CostModelKind::kPower:
      return "power";
    case CostModelKind::kKnee:
      return "knee";
  }
  return "?";
}

std::optional<CostModelKind> ParseCostModelKind(std::string_view name) {
  for (CostModelKind k : {CostModelKind::kConstant, CostModelKind::kLinear,
                          CostModelKind::kPower, CostModelKind::kKnee}) {
    if (CostModelKindName(k) == name) return k;
  }
  return std::nullopt;
}

double CacheCurve::Factor(double ratio) const {
  if (points.empty() || !(ratio > 0)) return 1;
  const CachePoint& top = points.back();
  if (ratio >= top.ratio) return top.relative;
  // Per-op cost, the inverse of the relative throughput, is what adds up.
  auto cost = [](const CachePoint& p) {
    return 1 / std::max(p.relative, 1e-9);
  };
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    const CachePoint& a = points[i];
    const CachePoint& b = points[i + 1];
    if (ratio < a.ratio) break;
    if (ratio <= b.ratio) {
      const double t = std::log(ratio / a.ratio) / std::log(b.ratio / a.ratio);
      return 1 / (cost(a) + t * (cost(b) - cost(a)));
    }
  }
  // Below the smallest ratio measured the curve is not extrapolated: how
  // hits fall there depends on the memtable's share of the state and the
  // key skew, which one ratio does not capture. The forecast's extrapolation
  // and interval say how far it reaches.
  return points.front().relative;
}

double CacheCurve::FactorAt(double x) const {
  return x > 0 ? Factor(cache_bytes / x) : 1;
}

double CostModel::Predict(double x) const {
  double y = 0;
  switch (kind) {
    case CostModelKind::kConstant:
      y = params[0];
      break;
    case CostModelKind::kLinear:
      y = params[0] + params[1] * x;
      // A falling line crosses zero somewhere; no metric here is zero or
      // negative, so the forecast stops at a millionth of the intercept.
      y = std::max(y, std::fabs(params[0]) * 1e-6);
      break;
    case CostModelKind::kPower:
      y = params[0] * std::pow(x, params[1]);
      break;
    case CostModelKind::kKnee: {
      double r = x / params[0];
      y = params[1] * std::pow(r, r < 1 ? params[2] : params[3]);
      break;
    }
  }
  if (cache) y *= cache->FactorAt(x);
  return y;
}

Forecast CostModel::At(double x) const {
  Forecast f;
  f.value = Predict(x);
  f.extrapolation = max_x > 0 ? std::max(1.0, x / max_x) : 1.0;
  double lever = 1.0 + 1.0 / std::max(points, 1);
  if (sxx_log_x > 0) {
    double d = std::log(x) - mean_log_x;
    lever += d * d / sxx_log_x;
  }
  double w = kZ90 * log_sigma * std::sqrt(lever);
  f.low = f.value * std::exp(-w);
  f.high = f.value * std::exp(w);
  return f;
}

std::string CostModel::Describe() const {
  char buf[160];
  switch (kind) {
    case CostModelKind::kConstant:
      std::snprintf(buf, sizeof buf, "constant: %.4g", params[0]);
      break;
    case CostModelKind::kLinear:
      std::snprintf(buf, sizeof buf, "linear: %.4g + %.4g·x", params[0],
                    params[1]);
      break;
    case CostModelKind::kPower:
      std::snprintf(buf, sizeof buf, "power: %.4g·x^%.3g", params[0],
                    params[1]);
      break;
    case CostModelKind::kKnee:
      std::snprintf(buf, sizeof buf,
                    "knee at %.4g: %.4g·(x/x0)^%.3g below, ^%.3g above",
                    params[0], params[1], params[2], params[3]);
      break;
  }
  std::string out = buf;
  if (cache) {
    std::snprintf(buf, sizeof buf, " × cache factor (%.4g B cache)",
                  cache->cache_bytes);
    out += buf;
  }
  return out;
}

Result<CostModel> FitCostModel(CostModelKind kind,
                               const std::vector<CurvePoint>& points) {
  for (const CurvePoint& p : points) {
    if (!(p.x > 0) || !(p.y > 0) || !std::isfinite(p.x) ||
        !std::isfinite(p.y)) {
      return Status::InvalidArgument(
          "cost model: sizes and values must be positive and finite");
    }
  }
  std::vector<double> xs;
  for (const CurvePoint& p : points) xs.push_back(p.x);
  std::sort(xs.begin(), xs.end());
  const int distinct =
      static_cast<int>(std::unique(xs.begin(), xs.end()) - xs.begin());
  if (distinct < MinimumPoints(kind)) {
    return Status::InvalidArgument(
        std::string(CostModelKindName(kind)) + " model: needs " +
        std::to_string(MinimumPoints(kind)) + " distinct sizes, got " +
        std::to_string(distinct));
  }
  SB_ASSIGN_OR_RETURN(CostModel m, FitBare(kind, points));
  const double n = static_cast<double>(points.size());
  m.fit_error = MeanRelativeError(m, points);
  for (const CurvePoint& p : points) m.mean_log_x += std::log(p.x) / n;
  double sse = 0;
  for (const CurvePoint& p : points) {
    double d = std::log(p.x) - m.mean_log_x;
    m.sxx_log_x += d * d;
    double r = std::log(p.y / m.Predict(p.x));
    sse += r * r;
  }
  std::optional<double> sigma;
  const int k = Parameters(kind);
  if (static_cast<int>(points.size()) > k) {
    sigma = std::sqrt(sse / (n - k));
  }
  if (distinct - 1 >= MinimumPoints(kind) && points.size() >= 3) {
    std::optional<double> loo_rms;
    std::optional<double> loo = LeaveOneOutError(kind, points, &loo_rms);
    if (loo) {
      std::optional<double> forward = ForwardError(kind, points);
      m.holdout_error = forward ? (*loo + *forward) / 2 : *loo;
      sigma = std::max(sigma.value_or(0), *loo_rms);
    }
  }
  m.log_sigma = sigma.value_or(kUnknownLogSigma);
  return m;
}

Result<CostModel> FitBestCostModel(const std::vector<CurvePoint>& measured,
                                   double margin,
                                   const std::optional<CacheCurve>& cache) {
  // With a cache curve, what is fitted is the state size's own cost (the
  // relative errors are the same either way).
  std::vector<CurvePoint> points = measured;
  if (cache) {
    for (CurvePoint& p : points) p.y /= cache->FactorAt(p.x);
  }
  std::optional<CostModel> best;
  Status last = Status::InvalidArgument("cost model: no points");
  // Simplest first, so that a richer model has to earn its parameters.
  // Power before linear: on a tie (two points fit both exactly) the power
  // law, which never crosses zero, is kept.
  for (CostModelKind kind : {CostModelKind::kConstant, CostModelKind::kPower,
                             CostModelKind::kLinear, CostModelKind::kKnee}) {
    Result<CostModel> m = FitCostModel(kind, points);
    if (!m.ok()) {
      last = m.status();
      continue;
    }
    // A falling line crosses zero beyond the measured sizes, where the
    // models are read; the power law describes a falling metric instead.
    if (kind == CostModelKind::kLinear && m->params.size() == 2 &&
        m->params[1] < 0) {
      continue;
    }
    if (!best) {
      best = std::move(m).value();
      continue;
    }
    // Held-out error when both have one; a candidate without one cannot
    // show that it forecasts, so it never displaces one that can.
    const bool both = best->holdout_error && m->holdout_error;
    if (best->holdout_error && !m->holdout_error) continue;
    double err = both ? *m->holdout_error : m->fit_error;
    double ref = both ? *best->holdout_error : best->fit_error;
    bool simpler_or_equal = Parameters(m->kind) <= Parameters(best->kind);
    // Errors closer than kTie are equal (rounding of exact fits).
    constexpr double kTie = 1e-9;
    if ((!both && m->holdout_error) ||
        (simpler_or_equal ? err < ref - kTie
                          : err < ref * (1 - margin) - kTie)) {
      best = std::move(m).value();
    }
  }
  if (!best) return last;
  best->cache = cache;
  return *best;
}

Result<ForecastCheck> CheckLargestForecast(
    std::vector<CurvePoint> points, const std::optional<CacheCurve>& cache) {
  std::sort(points.begin(), points.end(),
            [](const CurvePoint& a, const CurvePoint& b) { return a.x < b.x; });
  if (points.size() < 3) {
    return Status::InvalidArgument(
        "forecast check: needs at least three sizes (two to fit, one to "
        "forecast)");
  }
  ForecastCheck c;
  const CurvePoint largest = points.back();
  points.pop_back();
  SB_ASSIGN_OR_RETURN(c.model, FitBestCostModel(points, 0.1, cache));
  c.x = largest.x;
  c.measured = largest.y;
  c.forecast = c.model.At(largest.x);
  c.relative_error = (c.forecast.value - largest.y) / largest.y;
  c.inside_interval =
      c.forecast.low <= largest.y && largest.y <= c.forecast.high;
  return c;
}

}  // namespace statebench
