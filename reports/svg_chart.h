// Inline SVG charts for the HTML report: horizontal bars with min-max
// whiskers, and line charts on linear, logarithmic or HdrHistogram
// percentile (1/(1-p)) axes. Output is an <svg> element whose colours come
// from CSS classes (k0..k7 set --k), so the page's light and dark themes
// and print styles apply. Every text is HTML-escaped here; callers pass
// raw strings. Pure functions, thread-compatible.
#ifndef STATEBENCH_REPORTS_SVG_CHART_H_
#define STATEBENCH_REPORTS_SVG_CHART_H_

#include <optional>
#include <string>
#include <vector>

namespace statebench::report {

using ValueFormatter = std::string (*)(double);

inline constexpr double kAutoLogRatio = 50;

// ---- Horizontal bars
// ---------------------------------------------------------

struct BarValue {
  std::string series;  // sub-row caption ("write", "space"); may be empty
  std::optional<double> median;
  std::optional<double> min;  // whisker; drawn when both are set
  std::optional<double> max;
  std::string annotation;  // after the value ("±1.2%", "MISMATCH")
  std::string missing;     // shown instead of a bar when median is absent
};

struct BarRow {
  std::string label;
  int color = 0;
  std::vector<BarValue> values;  // one sub-row each
};

struct BarChart {
  std::string aria_label;
  std::string axis_title;
  ValueFormatter format = nullptr;
  std::vector<BarRow> rows;
};

std::string RenderBarChart(const BarChart& chart);

// ---- Lines
// -------------------------------------------------------------------

enum class AxisKind {
  kLinear,      // from 0 (or the data minimum when negative)
  kLog,         // decades
  kPercentile,  // x = 1/(1-p), log scale, ticks labelled 90%, 99%, ...
};

struct Point {
  double x = 0;
  double y = 0;
};

struct LineSeries {
  std::string name;
  int color = 0;
  bool dashed = false;
  bool markers = false;
  std::vector<Point> points;
  std::vector<Point> failures;  // drawn as crosses (failed checkpoints)
};

struct LineChart {
  std::string aria_label;
  std::string x_title;
  std::string y_title;
  AxisKind x_axis = AxisKind::kLinear;
  AxisKind y_axis = AxisKind::kLinear;
  ValueFormatter x_format = nullptr;
  ValueFormatter y_format = nullptr;
  std::vector<LineSeries> series;
  // Linear y ticks at 1, 2, 5 x 1024^k (for bytes) instead of 10^k.
  bool y_binary_ticks = false;
  // Linear x ticks only at whole numbers (checkpoint ids).
  bool x_integer_ticks = false;
  // A linear y axis becomes logarithmic when the positive values span more
  // than kAutoLogRatio (backends that differ by orders of magnitude would
  // otherwise flatten into the x axis); the y title then says so.
  bool y_auto_log = false;
};

std::string RenderLineChart(const LineChart& chart);

// An SVG that says there is nothing to draw (and why), so that every chart
// slot still holds a non-empty figure.
std::string RenderEmptyChart(const std::string& message);

// "0%", "90%", "99%", "99.9%" for x = 1/(1-p) = 1, 10, 100, 1000.
std::string FormatPercentileAxis(double inverse_tail);

}  // namespace statebench::report

#endif  // STATEBENCH_REPORTS_SVG_CHART_H_
