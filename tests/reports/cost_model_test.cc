#include "reports/results/cost_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace statebench {
namespace {

// Geometric sizes from 1 MiB, `n` of them, `step` apart.
std::vector<CurvePoint> Sample(int n, double step, double (*f)(double)) {
  std::vector<CurvePoint> pts;
  double x = 1 << 20;
  for (int i = 0; i < n; ++i, x *= step) pts.push_back({x, f(x)});
  return pts;
}

double Linear(double x) { return 40 + 2e-6 * x; }           // ms
double Power(double x) { return 3e-3 * std::pow(x, 0.8); }  // ms
double Flat(double) { return 250'000; }                     // ops/s
// Throughput flat until 64 MiB (the cache), then falling as x^-0.7.
double Knee(double x) {
  const double x0 = 64.0 * (1 << 20);
  return 200'000 * std::pow(x / x0, x < x0 ? 0.0 : -0.7);
}

TEST(CostModelTest, RecoversALine) {
  Result<CostModel> m = FitBestCostModel(Sample(5, 4, Linear));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, CostModelKind::kLinear) << m->Describe();
  EXPECT_NEAR(m->params[0], 40, 1e-6);
  EXPECT_NEAR(m->params[1], 2e-6, 1e-12);
  ASSERT_TRUE(m->holdout_error.has_value());
  EXPECT_LT(*m->holdout_error, 1e-9);
}

TEST(CostModelTest, RecoversAPowerLaw) {
  Result<CostModel> m = FitBestCostModel(Sample(5, 4, Power));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, CostModelKind::kPower) << m->Describe();
  EXPECT_NEAR(m->params[0], 3e-3, 3e-3 * 1e-6);
  EXPECT_NEAR(m->params[1], 0.8, 1e-9);
}

// A falling line fits a falling metric best, but forecasts are read beyond
// the measured sizes, where it crosses zero: it is no candidate.
TEST(CostModelTest, AFallingLineIsNoCandidate) {
  auto falling = [](double x) { return 300'000 - 1e-3 * x; };
  std::vector<CurvePoint> points = Sample(3, 4, falling);
  ASSERT_LT(points.back().y, points.front().y);
  Result<CostModel> m = FitBestCostModel(points);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_NE(m->kind, CostModelKind::kLinear) << m->Describe();
  const double far = 100 * points.back().x;
  EXPECT_GT(m->Predict(far), 0);
  EXPECT_LT(m->Predict(far), points.back().y);
}

TEST(CostModelTest, AFlatCurveStaysConstant) {
  Result<CostModel> m = FitBestCostModel(Sample(4, 4, Flat));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, CostModelKind::kConstant) << m->Describe();
  EXPECT_NEAR(m->params[0], 250'000, 1e-6);
}

TEST(CostModelTest, RecoversAKnee) {
  Result<CostModel> m = FitBestCostModel(Sample(9, 2, Knee));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_EQ(m->kind, CostModelKind::kKnee) << m->Describe();
  EXPECT_NEAR(m->params[0] / (64.0 * (1 << 20)), 1.0, 1e-6);
  EXPECT_NEAR(m->params[1], 200'000, 1);
  EXPECT_NEAR(m->params[2], 0.0, 1e-9);
  EXPECT_NEAR(m->params[3], -0.7, 1e-9);
}

// By hand: the points (1, 1), (2, 2), (4, 8) under the constant model
// (the geometric mean of the others). Leave-one-out forecasts 4, 2.828 and
// 1.414: relative errors 3, 0.414, 0.823. Forward, only (4, 8) has two
// sizes below it: 1.414, error 0.823. The held-out error is their mean.
TEST(CostModelTest, HoldoutErrorIsTheMeanOfLeaveOneOutAndForwardErrors) {
  std::vector<CurvePoint> pts = {{1, 1}, {2, 2}, {4, 8}};
  Result<CostModel> m = FitCostModel(CostModelKind::kConstant, pts);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->holdout_error.has_value());
  double expect =
      (std::fabs(std::sqrt(16.0) - 1) / 1 + std::fabs(std::sqrt(8.0) - 2) / 2 +
       std::fabs(std::sqrt(2.0) - 8) / 8) /
      3;
  const double forward = std::fabs(std::sqrt(2.0) - 8) / 8;
  EXPECT_NEAR(*m->holdout_error, (expect + forward) / 2, 1e-12);
  EXPECT_NEAR(m->params[0], std::cbrt(16.0), 1e-12);
}

TEST(CostModelTest, IntervalWidensWithExtrapolation) {
  std::vector<CurvePoint> pts = Sample(4, 4, Power);
  // Scatter, so that the interval has a width to widen.
  pts[1].y *= 1.1;
  pts[2].y *= 0.92;
  Result<CostModel> m = FitCostModel(CostModelKind::kPower, pts);
  ASSERT_TRUE(m.ok());
  Forecast inside = m->At(pts[1].x);
  Forecast far = m->At(pts.back().x * 64);
  EXPECT_DOUBLE_EQ(inside.extrapolation, 1.0);
  EXPECT_NEAR(far.extrapolation, 64.0, 1e-9);
  EXPECT_LT(inside.low, inside.value);
  EXPECT_GT(inside.high, inside.value);
  EXPECT_GT(far.high / far.value, inside.high / inside.value);
}

TEST(CostModelTest, ForecastCheckPredictsTheLargestFromTheRest) {
  Result<ForecastCheck> c = CheckLargestForecast(Sample(4, 4, Linear));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_NEAR(c->x, (1 << 20) * 64.0, 1e-3);
  EXPECT_EQ(c->model.points, 3);
  EXPECT_NEAR(c->relative_error, 0.0, 1e-9);
  EXPECT_TRUE(c->inside_interval);
  // A knee the smaller sizes never showed is missed, and the check says
  // by how much.
  std::vector<CurvePoint> pts = {
      {1e6, 100}, {4e6, 100}, {16e6, 100}, {64e6, 25}};
  Result<ForecastCheck> miss = CheckLargestForecast(pts);
  ASSERT_TRUE(miss.ok());
  EXPECT_NEAR(miss->relative_error, 3.0, 1e-9);
  EXPECT_FALSE(miss->inside_interval);
}

// Three restores fs measured (4, 16 and 64 MiB): small sizes bend upward
// (the state still fits the CPU caches), so leave-one-out alone prefers a
// power law that keeps bending; forward forecasts, the direction a
// forecast is read in, prefer the line, which forecast the 256 MiB
// measurement (493 ms) within 10 % where the power law was 33 % high.
TEST(CostModelTest, ForwardErrorPicksTheModelThatForecastsUpward) {
  const double mib = 1 << 20;
  std::vector<CurvePoint> pts = {
      {4 * mib, 5.740674}, {16 * mib, 29.513638}, {64 * mib, 133.060287}};
  Result<CostModel> m = FitBestCostModel(pts);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, CostModelKind::kLinear) << m->Describe();
  EXPECT_NEAR(m->Predict(256 * mib) / 493.008383, 1.0, 0.1);
}

CacheCurve ACacheCurve() {
  CacheCurve c;
  c.cache_bytes = 64.0 * (1 << 20);
  c.points = {{0.125, 0.4}, {0.5, 0.7}, {2, 1}};
  return c;
}

TEST(CacheCurveTest, InterpolatesCostAndDoesNotExtrapolate) {
  const CacheCurve c = ACacheCurve();
  EXPECT_DOUBLE_EQ(c.Factor(4), 1);
  EXPECT_DOUBLE_EQ(c.Factor(0.5), 0.7);
  // Halfway in log ratio between 0.5 and 2: per-op cost 1/0.7 and 1.
  EXPECT_NEAR(c.Factor(1), 1 / ((1 / 0.7 + 1) / 2), 1e-12);
  // Below the smallest ratio measured: that ratio's factor.
  EXPECT_DOUBLE_EQ(c.Factor(0.03125), 0.4);
  EXPECT_NEAR(c.FactorAt(128.0 * (1 << 20)), 0.7, 1e-12);
}

// A ladder with one 64 MiB cache runs its larger sizes at smaller cache
// ratios. Through the cache curve the fit sees the state size's own cost
// (here x^-0.1) and forecasts the largest size; without it, no model of
// the three sizes below the knee can.
TEST(CacheCurveTest, ThroughputFittedThroughTheCacheCurveForecastsTheKnee) {
  const CacheCurve c = ACacheCurve();
  const double mib = 1 << 20;
  std::vector<CurvePoint> pts;
  for (double x : {16 * mib, 64 * mib, 128 * mib, 512 * mib}) {
    pts.push_back({x, 2e5 * std::pow(x / mib, -0.1) * c.FactorAt(x)});
  }
  Result<CostModel> m = FitBestCostModel(pts, 0.1, c);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->kind, CostModelKind::kPower) << m->Describe();
  EXPECT_NEAR(m->params[1], -0.1, 1e-9);
  ASSERT_TRUE(m->cache.has_value());
  EXPECT_NEAR(m->Predict(512 * mib) / pts.back().y, 1, 1e-9);

  Result<ForecastCheck> with = CheckLargestForecast(pts, c);
  ASSERT_TRUE(with.ok());
  EXPECT_NEAR(with->relative_error, 0, 1e-9);
  Result<ForecastCheck> without = CheckLargestForecast(pts);
  ASSERT_TRUE(without.ok());
  EXPECT_GT(std::fabs(without->relative_error), 0.2);
}

TEST(CostModelTest, RefusesWhatCannotCarryAModel) {
  EXPECT_FALSE(FitCostModel(CostModelKind::kLinear, {{1, 1}, {1, 2}}).ok());
  EXPECT_FALSE(FitCostModel(CostModelKind::kKnee, Sample(3, 2, Knee)).ok());
  EXPECT_FALSE(FitCostModel(CostModelKind::kPower, {{1, 0}, {2, 1}}).ok());
  EXPECT_FALSE(CheckLargestForecast({{1, 1}, {2, 2}}).ok());
  EXPECT_EQ(ParseCostModelKind("knee"), CostModelKind::kKnee);
  EXPECT_FALSE(ParseCostModelKind("cubic").has_value());
}

}  // namespace
}  // namespace statebench
