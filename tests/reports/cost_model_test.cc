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

// Leave-one-out by hand: the points (1, 1), (2, 2), (4, 8) under the
// constant model (the geometric mean of the other two) forecast
// 4, 2.828 and 1.414: relative errors 3, 0.414, 0.823.
TEST(CostModelTest, HoldoutErrorIsTheMeanLeaveOneOutRelativeError) {
  std::vector<CurvePoint> pts = {{1, 1}, {2, 2}, {4, 8}};
  Result<CostModel> m = FitCostModel(CostModelKind::kConstant, pts);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->holdout_error.has_value());
  double expect =
      (std::fabs(std::sqrt(16.0) - 1) / 1 + std::fabs(std::sqrt(8.0) - 2) / 2 +
       std::fabs(std::sqrt(2.0) - 8) / 8) /
      3;
  EXPECT_NEAR(*m->holdout_error, expect, 1e-12);
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
