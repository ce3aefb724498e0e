// Cost models: one metric of one backend as a function of state size,
// fitted to the points a sweep measured, chosen on held-out error, with a
// prediction interval.
//
// A figure measured at a few MiB says little about a few hundred GiB:
// fixed costs dominate small states, caches stop holding the working set
// at some size, and rates bend. A model is only trusted as far as it
// predicts points it was not fitted to, so the candidates are ranked by
// held-out error (leave-one-out and forward), and every forecast carries an
// interval that widens with the distance from the measured sizes.
//
// Candidates (x: state bytes per subtask, y: the metric, both > 0):
//   constant   y = a
//   linear     y = a + b·x
//   power      y = a·x^b                      (a line in log-log space)
//   knee       two power-law segments meeting at x0, continuous: the
//              bend where, e.g., the working set leaves the block cache
// Errors are relative (|forecast - y| / y): a metric spans orders of
// magnitude across a sweep and an absolute error would ignore the small
// sizes. Pure functions, thread-safe.
#ifndef STATEBENCH_REPORTS_RESULTS_COST_MODEL_H_
#define STATEBENCH_REPORTS_RESULTS_COST_MODEL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace statebench {

struct CurvePoint {
  double x = 0;  // state bytes per subtask
  double y = 0;  // the metric at that size
};

enum class CostModelKind { kConstant, kLinear, kPower, kKnee };

// Throughput against the block cache relative to the state: one state size
// measured with the cache at several fractions of it (direct reads, so the
// block cache is the only cache). A sweep's ladder keeps one cache while
// the state grows, so its larger sizes run at smaller ratios; dividing each
// point by the factor at its ratio leaves what the state size alone costs,
// and a forecast multiplies the factor back at the ratio it is read at.
struct CachePoint {
  double ratio = 0;     // block cache bytes / state bytes per subtask
  double relative = 1;  // throughput / throughput at the largest ratio
};

struct CacheCurve {
  double cache_bytes = 0;  // the block cache per subtask a forecast assumes
  std::vector<CachePoint> points;  // ascending ratio, at least two

  // The throughput factor at `ratio`: 1 at or above the largest ratio
  // measured, the per-op cost interpolated in log ratio between points, and
  // the smallest ratio's factor below it (not extrapolated).
  double Factor(double ratio) const;
  // Factor at state x per subtask with this curve's cache.
  double FactorAt(double x) const;
};

std::string_view CostModelKindName(CostModelKind kind);
std::optional<CostModelKind> ParseCostModelKind(std::string_view name);

struct Forecast {
  double value = 0;
  double low = 0;  // the prediction interval
  double high = 0;
  // x over the largest fitted x (1 inside the measured range or below it).
  double extrapolation = 1;
};

struct CostModel {
  CostModelKind kind = CostModelKind::kConstant;
  // constant: {a}; linear: {a, b}; power: {a, b}; knee: {x0, y0, b1, b2}
  // (y = y0·(x/x0)^b1 below x0, y0·(x/x0)^b2 above).
  std::vector<double> params;
  int points = 0;        // fitted points
  double max_x = 0;      // the largest fitted x
  double fit_error = 0;  // mean relative error on the fitted points
  // Held-out error: the mean of two relative errors, leave-one-out (each
  // point forecast by the model of the others) and forward (each size
  // forecast by the model of the sizes below it, the direction forecasts
  // are read in; leave-one-out alone when no size has enough sizes below
  // it, which only repeated sizes cause); nullopt with too few points.
  std::optional<double> holdout_error;
  // Spread of log(y / model) used for the interval: the larger of the
  // residual standard deviation and the RMS leave-one-out log error.
  double log_sigma = 0;
  // Centre and spread of log x over the fitted points (interval widening).
  double mean_log_x = 0;
  double sxx_log_x = 0;
  double interval_level = 0.9;
  // Present for a throughput curve measured against the block cache: the
  // model above is the state size's cost alone, and Predict multiplies the
  // cache factor in at cache->cache_bytes per subtask.
  std::optional<CacheCurve> cache;

  double Predict(double x) const;
  // The forecast at x with its interval.
  Forecast At(double x) const;
  // "power: 3.1e-05·x^0.92", for reports and notes.
  std::string Describe() const;
};

// Fits one candidate. InvalidArgument when the points cannot carry it
// (too few distinct sizes, non-positive values).
Result<CostModel> FitCostModel(CostModelKind kind,
                               const std::vector<CurvePoint>& points);

// Fits every candidate the points can carry and returns the one with the
// smallest held-out error (a falling line is no candidate: it would cross
// zero beyond the measured sizes, where forecasts are read); a model with more
// parameters must beat a simpler one by more than `margin` (relative) to be
// chosen. With two points only constant and linear/power fit (no held-out
// error: chosen by fit error, and the interval says how little that proves).
// With `cache`, the points are first divided by the cache factor at their
// size and the model carries the curve (CostModel::cache).
Result<CostModel> FitBestCostModel(
    const std::vector<CurvePoint>& points, double margin = 0.1,
    const std::optional<CacheCurve>& cache = std::nullopt);

// The tool's check of its own forecasts: fitted on every point but the
// largest, the forecast at the largest against its measurement.
struct ForecastCheck {
  CostModel model;  // fitted without the largest point
  double x = 0;
  double measured = 0;
  Forecast forecast;
  double relative_error = 0;  // (forecast - measured) / measured
  bool inside_interval = false;
};
Result<ForecastCheck> CheckLargestForecast(
    std::vector<CurvePoint> points,
    const std::optional<CacheCurve>& cache = std::nullopt);

}  // namespace statebench

#endif  // STATEBENCH_REPORTS_RESULTS_COST_MODEL_H_
