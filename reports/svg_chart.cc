#include "reports/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "reports/report_util.h"

namespace statebench::report {
namespace {

constexpr double kWidth = 720;
constexpr double kCharWidth = 7.2;  // average glyph width at 12px

std::string Num(double v) { return fmt::format("{:.1f}", v); }

// Truncates to `max_chars` code points with an ellipsis.
std::string Clip(const std::string& s, size_t max_chars) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) continue;
    if (n++ == max_chars - 1) {
      size_t rest = 0;
      for (size_t j = i; j < s.size(); ++j) {
        rest += (static_cast<unsigned char>(s[j]) & 0xc0) != 0x80;
      }
      if (rest > 1) return s.substr(0, i) + "…";
      return s;
    }
  }
  return s;
}

std::string Text(double x, double y, const std::string& cls,
                 const std::string& anchor, const std::string& raw) {
  return fmt::format(
      "<text x=\"{}\" y=\"{}\" class=\"{}\" text-anchor=\"{}\">"
      "{}</text>",
      Num(x), Num(y), cls, anchor, HtmlEscape(raw));
}

std::string Open(double height, const std::string& aria_label) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" "
      "role=\"img\" aria-label=\"{}\"><title>{}</title>",
      Num(kWidth), Num(height), HtmlEscape(aria_label), HtmlEscape(aria_label));
}

// 1, 2, 5 x 10^k steps giving about `target` intervals over [lo, hi].
std::vector<double> NiceTicks(double lo, double hi, int target,
                              double min_step) {
  if (!(hi > lo)) hi = lo + 1;
  double raw = (hi - lo) / target;
  double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  step = std::max(step, min_step);
  std::vector<double> ticks;
  double first = std::floor(lo / step) * step;
  for (double t = first; t < hi + step * 0.999 && ticks.size() < 50;
       t += step) {
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

struct AxisOptions {
  // A linear value axis starts at zero; a linear x axis (ids, seconds)
  // starts near its first point.
  bool include_zero = false;
  bool binary = false;   // ticks at 1, 2, 5 x 1024^k
  bool integer = false;  // no tick between whole numbers (ids)
};

// Maps data values to pixels on one axis.
class Scale {
 public:
  Scale(AxisKind kind, double lo, double hi, double px_lo, double px_hi,
        AxisOptions options)
      : kind_(kind), px_lo_(px_lo), px_hi_(px_hi) {
    if (kind_ == AxisKind::kLinear) {
      if (options.include_zero) lo = std::min(0.0, lo);
      if (!(hi > lo)) {  // one value: put it mid-axis
        hi = lo + 1;
        if (!options.include_zero) lo -= 1;
      }
      double unit = 1;
      while (options.binary && hi / unit >= 1024) unit *= 1024;
      ticks_ = NiceTicks(lo / unit, hi / unit, 5, options.integer ? 1 : 0);
      for (double& t : ticks_) t *= unit;
      lo_ = ticks_.front();
      hi_ = ticks_.back();
      return;
    }
    double lo10 = std::floor(std::log10(std::max(lo, 1e-12)));
    double hi10 = std::ceil(std::log10(std::max(hi, 1e-12)));
    if (kind_ == AxisKind::kPercentile) {
      lo10 = 0;
      hi10 = std::clamp(hi10, 2.0, 7.0);
    }
    if (hi10 <= lo10) hi10 = lo10 + 1;
    lo_ = std::pow(10, lo10);
    hi_ = std::pow(10, hi10);
    for (double e = lo10; e <= hi10; ++e) {
      ticks_.push_back(std::pow(10, e));
      if (kind_ == AxisKind::kLog && hi10 - lo10 <= 2 && e < hi10) {
        ticks_.push_back(2 * std::pow(10, e));
        ticks_.push_back(5 * std::pow(10, e));
      }
    }
  }

  double operator()(double v) const {
    double f;
    if (kind_ == AxisKind::kLinear) {
      f = (v - lo_) / (hi_ - lo_);
    } else {
      f = (std::log10(std::max(v, lo_)) - std::log10(lo_)) /
          (std::log10(hi_) - std::log10(lo_));
    }
    return px_lo_ + std::clamp(f, 0.0, 1.0) * (px_hi_ - px_lo_);
  }
  bool Contains(double v) const {
    return std::isfinite(v) && v >= lo_ * (1 - 1e-9) && v <= hi_ * (1 + 1e-9);
  }
  const std::vector<double>& ticks() const { return ticks_; }

 private:
  AxisKind kind_;
  double px_lo_, px_hi_;
  double lo_ = 0, hi_ = 1;
  std::vector<double> ticks_;
};

std::string Format(ValueFormatter f, double v) {
  return f != nullptr ? f(v) : Sig3(v);
}

// An axis tick needs no trailing zeros: "1 µs", "2.5 MiB", "100k".
std::string TickLabel(ValueFormatter f, double v) {
  if (v == 0) return "0";
  std::string s = Format(f, v);
  size_t dot = s.find('.');
  if (dot == std::string::npos) return s;
  size_t end = dot + 1;
  while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
  size_t keep = end;
  while (keep > dot + 1 && s[keep - 1] == '0') --keep;
  if (keep == dot + 1) keep = dot;
  return s.substr(0, keep) + s.substr(end);
}

}  // namespace

std::string FormatPercentileAxis(double inverse_tail) {
  if (inverse_tail <= 1.0000001) return "0%";
  double p = 100.0 * (1.0 - 1.0 / inverse_tail);
  int decimals =
      std::max(0, static_cast<int>(std::round(std::log10(inverse_tail))) - 2);
  return fmt::format("{:.{}f}%", p, decimals);
}

std::string RenderEmptyChart(const std::string& message) {
  std::string out = Open(60, message);
  out +=
      "<rect x=\"0.5\" y=\"0.5\" width=\"719\" height=\"59\" "
      "class=\"frame\"/>";
  out += Text(kWidth / 2, 35, "muted", "middle", message);
  return out + "</svg>";
}

namespace {

// One bar: its rectangle from x0 to the median, the min-max whisker when
// the repetitions spread, and the value's label; "n/a" (or why) without a
// median.
std::string RenderBar(const BarChart& chart, const BarRow& row,
                      const BarValue& v, bool alt, const Scale& x, double x0,
                      double cy) {
  if (!v.median || !std::isfinite(*v.median)) {
    return Text(x0 + 6, cy + 4, "muted", "start",
                v.missing.empty() ? "n/a" : v.missing);
  }
  std::string tip = row.label + (v.series.empty() ? "" : " " + v.series) +
                    ": " + Format(chart.format, *v.median);
  double end = x(*v.median);
  bool whisker = v.min && v.max && std::isfinite(*v.min) &&
                 std::isfinite(*v.max) && *v.max > *v.min;
  if (whisker) {
    tip += " (min " + Format(chart.format, *v.min) + ", max " +
           Format(chart.format, *v.max) + ")";
  }
  std::string out = fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"13\" rx=\"2\" "
      "class=\"bar k{}{}\"><title>{}</title></rect>",
      Num(x0), Num(cy - 6.5), Num(std::max(1.0, end - x0)), row.color % 8,
      alt ? " alt" : "", HtmlEscape(tip));
  if (whisker) {
    double a = x(*v.min), b = x(*v.max);
    out += fmt::format(
        "<path d=\"M{0} {2}V{3}M{0} {4}H{1}M{1} {2}V{3}\" "
        "class=\"whisker\"/>",
        Num(a), Num(b), Num(cy - 5), Num(cy + 5), Num(cy));
    end = std::max(end, b);
  }
  std::string label = Format(chart.format, *v.median);
  if (!v.annotation.empty()) label += " " + v.annotation;
  return out + Text(end + 6, cy + 4, "value", "start", label);
}

}  // namespace

std::string RenderBarChart(const BarChart& chart) {
  bool captions = false;
  double hi = 0;
  size_t sub_rows = 0;
  for (const BarRow& row : chart.rows) {
    for (const BarValue& v : row.values) {
      captions = captions || !v.series.empty();
      for (const auto& x : {v.median, v.max}) {
        if (x && std::isfinite(*x)) hi = std::max(hi, *x);
      }
      ++sub_rows;
    }
  }
  if (chart.rows.empty()) return RenderEmptyChart(chart.aria_label);
  const double kSub = 20, kGap = 8, kTop = 8;
  const double x0 = 190, x1 = kWidth - 120;
  const double plot_bottom =
      kTop + sub_rows * kSub + (chart.rows.size() - 1) * kGap;
  const double height = plot_bottom + 42;
  Scale x(AxisKind::kLinear, 0, hi > 0 ? hi : 1, x0, x1,
          {.include_zero = true});
  std::string out = Open(height, chart.aria_label);
  for (double t : x.ticks()) {
    out += fmt::format(
        "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" "
        "class=\"grid\"/>",
        Num(x(t)), Num(kTop - 4), Num(plot_bottom + 4));
    out += Text(x(t), plot_bottom + 18, "tick", "middle",
                TickLabel(chart.format, t));
  }
  out +=
      Text((x0 + x1) / 2, plot_bottom + 36, "axis", "middle", chart.axis_title);
  double y = kTop;
  for (const BarRow& row : chart.rows) {
    double group_h = row.values.size() * kSub;
    out += "<g><title>" + HtmlEscape(row.label) + "</title>";
    out += Text(captions ? 126 : x0 - 10, y + group_h / 2 + 4, "label", "end",
                Clip(row.label, captions ? 19 : 28));
    out += "</g>";
    for (size_t i = 0; i < row.values.size(); ++i) {
      const BarValue& v = row.values[i];
      double cy = y + i * kSub + kSub / 2;
      if (captions) out += Text(x0 - 10, cy + 4, "muted", "end", v.series);
      out += RenderBar(chart, row, v, i > 0, x, x0, cy);
    }
    y += group_h + kGap;
  }
  return out + "</svg>";
}

namespace {

// Switches a y_auto_log chart to a log axis when its positive values span
// more than kAutoLogRatio; values <= 0 cannot be drawn on it and are
// dropped.
LineChart WithAutoLog(LineChart chart) {
  if (!chart.y_auto_log || chart.y_axis != AxisKind::kLinear) return chart;
  double lo = INFINITY, hi = 0;
  for (const LineSeries& s : chart.series) {
    for (const Point& p : s.points) {
      if (std::isfinite(p.y) && p.y > 0)
        lo = std::min(lo, p.y), hi = std::max(hi, p.y);
    }
  }
  if (hi > 0 && hi / lo > kAutoLogRatio) {
    chart.y_axis = AxisKind::kLog;
    chart.y_title += " (log scale)";
  }
  return chart;
}

// A line chart's frame: its axes' scales and the plot area's edges.
struct Plot {
  const LineChart& chart;
  Scale x, y;
  double left, right, top, bottom;

  bool UsableX(double v) const {
    return std::isfinite(v) && (chart.x_axis == AxisKind::kLinear || v > 0);
  }
  bool UsableY(double v) const {
    return std::isfinite(v) && (chart.y_axis == AxisKind::kLinear || v > 0);
  }
  bool Shows(const Point& p) const {
    return UsableX(p.x) && UsableY(p.y) && x.Contains(p.x);
  }
};

// Grid lines, tick labels and the two axis titles.
std::string RenderAxes(const Plot& plot) {
  const LineChart& chart = plot.chart;
  std::string out;
  for (double t : plot.y.ticks()) {
    out += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" "
        "class=\"grid\"/>",
        Num(plot.left), Num(plot.right), Num(plot.y(t)));
    out += Text(plot.left - 6, plot.y(t) + 4, "tick", "end",
                TickLabel(chart.y_format, t));
  }
  for (double t : plot.x.ticks()) {
    out += fmt::format(
        "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" "
        "class=\"grid\"/>",
        Num(plot.x(t)), Num(plot.top), Num(plot.bottom));
    out += Text(plot.x(t), plot.bottom + 16, "tick", "middle",
                chart.x_axis == AxisKind::kPercentile
                    ? FormatPercentileAxis(t)
                    : TickLabel(chart.x_format, t));
  }
  out += Text((plot.left + plot.right) / 2, plot.bottom + 36, "axis", "middle",
              chart.x_title);
  out += fmt::format(
      "<text transform=\"translate(14 {}) rotate(-90)\" class=\"axis\" "
      "text-anchor=\"middle\">{}</text>",
      Num((plot.top + plot.bottom) / 2), HtmlEscape(chart.y_title));
  return out;
}

// One series: its line, its markers and its failures, in a group titled
// with its name.
std::string RenderSeries(const Plot& plot, const LineSeries& s,
                         const std::string& cls) {
  const LineChart& chart = plot.chart;
  std::string pts;
  for (const Point& p : s.points) {
    if (!plot.Shows(p)) continue;
    if (!pts.empty()) pts += ' ';
    pts += Num(plot.x(p.x)) + "," + Num(plot.y(p.y));
  }
  std::string out = "<g><title>" + HtmlEscape(s.name) + "</title>";
  if (!pts.empty()) {
    out += fmt::format("<polyline points=\"{}\" class=\"ln {}{}\"/>", pts, cls,
                       s.dashed ? " dash" : "");
  }
  if (s.markers && s.points.size() <= 120) {
    for (const Point& p : s.points) {
      if (!plot.Shows(p)) continue;
      out += fmt::format(
          "<circle cx=\"{}\" cy=\"{}\" r=\"2.6\" class=\"dot {}\">"
          "<title>{}: {} at {}</title></circle>",
          Num(plot.x(p.x)), Num(plot.y(p.y)), cls, HtmlEscape(s.name),
          HtmlEscape(Format(chart.y_format, p.y)),
          HtmlEscape(Format(chart.x_format, p.x)));
    }
  }
  for (const Point& p : s.failures) {
    double px = plot.x(p.x), py = plot.UsableY(p.y) ? plot.y(p.y) : plot.bottom;
    out += fmt::format(
        "<path d=\"M{} {}l8 8m0 -8l-8 8\" class=\"fail\"><title>{}: failed "
        "at {}</title></path>",
        Num(px - 4), Num(py - 4), HtmlEscape(s.name),
        HtmlEscape(Format(chart.x_format, p.x)));
  }
  return out + "</g>";
}

}  // namespace

std::string RenderLineChart(const LineChart& input) {
  const LineChart chart = WithAutoLog(input);
  auto usable = [&](const Point& p) {
    return std::isfinite(p.x) &&
           (chart.x_axis == AxisKind::kLinear || p.x > 0) &&
           std::isfinite(p.y) && (chart.y_axis == AxisKind::kLinear || p.y > 0);
  };
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (const LineSeries& s : chart.series) {
    for (const auto* pts : {&s.points, &s.failures}) {
      for (const Point& p : *pts) {
        if (!usable(p)) continue;
        x_lo = std::min(x_lo, p.x), x_hi = std::max(x_hi, p.x);
        y_lo = std::min(y_lo, p.y), y_hi = std::max(y_hi, p.y);
      }
    }
  }
  if (!(x_hi >= x_lo)) return RenderEmptyChart(chart.aria_label + ": no data");
  const double left = 70, right = kWidth - 34, top = 12, plot_h = 240;
  const double bottom = top + plot_h;
  const Plot plot{chart,
                  Scale(chart.x_axis, x_lo, x_hi, left, right,
                        {.integer = chart.x_integer_ticks}),
                  Scale(chart.y_axis, y_lo, y_hi, bottom, top,
                        {.include_zero = true, .binary = chart.y_binary_ticks}),
                  left,
                  right,
                  top,
                  bottom};
  // Legend rows below the axis title, wrapped to the width.
  std::vector<std::pair<double, double>> legend_pos;
  double lx = left, ly = bottom + 58;
  for (const LineSeries& s : chart.series) {
    double w = 30 + kCharWidth * static_cast<double>(Clip(s.name, 40).size());
    if (lx + w > right && lx > left) lx = left, ly += 18;
    legend_pos.emplace_back(lx, ly);
    lx += w + 14;
  }
  std::string out = Open(ly + 12, chart.aria_label) + RenderAxes(plot);
  for (size_t i = 0; i < chart.series.size(); ++i) {
    const LineSeries& s = chart.series[i];
    const std::string cls = fmt::format("k{}", s.color % 8);
    out += RenderSeries(plot, s, cls);
    auto [gx, gy] = legend_pos[i];
    out += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" class=\"ln "
        "{3}{4}\"/>",
        Num(gx), Num(gx + 22), Num(gy - 4), cls, s.dashed ? " dash" : "");
    out += Text(gx + 28, gy, "label", "start", Clip(s.name, 40));
  }
  return out + "</svg>";
}

}  // namespace statebench::report
