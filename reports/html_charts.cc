// The HTML report's charts: from results records to chart descriptions
// (reports/svg_chart.h). Colours follow the run's position, so one backend
// keeps its colour across every chart.
#include "reports/html_charts.h"

#include <fmt/format.h>

#include <cmath>

#include "reports/report_util.h"
#include "reports/results/cost_model.h"

namespace statebench::report {
namespace {

std::optional<double> Opt(double v) {
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

BarValue FromSummary(const std::string& series, const MetricSummary* s,
                     const std::string& missing) {
  BarValue v{series, std::nullopt, std::nullopt, std::nullopt, "", missing};
  if (s == nullptr) return v;
  v.median = Opt(s->median);
  if (s->samples.size() > 1) v.min = Opt(s->min), v.max = Opt(s->max);
  return v;
}

std::string IdFormat(double v) { return fmt::format("{:.0f}", v); }
std::string SecondsFormat(double v) { return Sig3(v) + " s"; }

ChartFigure Throughput(const ResultsFile& r, const Labels& labels) {
  BarChart chart{"Throughput per backend",
                 "operations per second (median)",
                 &FormatSi,
                 {}};
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const RunResult& run = r.runs[i];
    BarValue v = FromSummary("", FindMetric(run, "throughput.ops_per_s"),
                             "no measurement");
    if (run.status != RunStatus::kOk) {
      v.median.reset();
      v.missing = run.status == RunStatus::kUnsupported
                      ? std::string("unsupported")
                      : "failed in phase " + run.failure_phase;
    } else if (const MetricSummary* s =
                   FindMetric(run, "throughput.ops_per_s")) {
      v.annotation = FormatSpread(*s);
    }
    chart.rows.push_back({labels[i], static_cast<int>(i), {v}});
  }
  return {"throughput", "Throughput",
          "Median operations per second over the repetitions; whiskers span "
          "the slowest and the fastest repetition.",
          RenderBarChart(chart)};
}

ChartFigure Latency(const ResultsFile& r, const Labels& labels,
                    const std::string& op) {
  LineChart chart{"Latency percentile spectrum of " + op,
                  "percentile (log scale of 1/(1−p))",
                  "latency",
                  AxisKind::kPercentile,
                  AxisKind::kLog,
                  nullptr,
                  &FormatDurationNs,
                  {}};
  for (size_t i = 0; i < r.runs.size(); ++i) {
    for (bool corrected : {false, true}) {
      HistogramBuckets h = MergedHistogram(r.runs[i], op, corrected);
      if (h.buckets.empty()) continue;
      LineSeries s{labels[i] + (corrected ? " (from intended start)" : ""),
                   static_cast<int>(i),
                   corrected,
                   false,
                   {},
                   {}};
      for (const PercentilePoint& p : PercentileDistribution(h, 5)) {
        if (p.percentile >= 1.0) continue;
        s.points.push_back(
            {1.0 / (1.0 - p.percentile), static_cast<double>(p.value)});
      }
      chart.series.push_back(std::move(s));
    }
  }
  return {"latency-" + FileNameSafe(op), "Latency spectrum: " + op,
          "HdrHistogram-style percentile distribution of " + op +
              " service times, all repetitions merged. The x axis stretches "
              "the tail: each grid step is ten times rarer.",
          chart.series.empty() ? RenderEmptyChart("No latency samples")
                               : RenderLineChart(chart)};
}

ChartFigure Amplification(const ResultsFile& r, const Labels& labels) {
  BarChart chart{"Write and space amplification", "ratio (median)", &Sig3, {}};
  bool any = false;
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const RunResult& run = r.runs[i];
    const MetricSummary* w = FindMetric(run, "write_amplification");
    const MetricSummary* s = FindMetric(run, "space_amplification");
    any = any || w != nullptr || s != nullptr;
    chart.rows.push_back({labels[i],
                          static_cast<int>(i),
                          {FromSummary("write", w, "not obtainable"),
                           FromSummary("space", s, "not obtainable")}});
  }
  return {"amplification", "Write and space amplification",
          "Write amplification: bytes the backend made its storage write per "
          "logical byte written. Space amplification: storage size per "
          "logical live byte. 1 is ideal; lower is better.",
          any ? RenderBarChart(chart)
              : RenderEmptyChart("No amplification figures were obtained")};
}

// e2e and sync durations (duration chart) or sizes (size chart) per
// checkpoint of each run's representative repetition.
ChartFigure Checkpoints(const ResultsFile& r, const Labels& labels,
                        bool sizes) {
  LineChart chart{sizes ? "Checkpoint size per checkpoint"
                        : "Checkpoint duration per checkpoint",
                  "checkpoint id",
                  sizes ? "size" : "duration",
                  AxisKind::kLinear,
                  AxisKind::kLinear,
                  &IdFormat,
                  sizes ? &FormatBytes : &FormatDurationMs,
                  {}};
  chart.y_binary_ticks = sizes;
  chart.x_integer_ticks = true;
  chart.y_auto_log = true;
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const Repetition* rep = RepresentativeRepetition(r.runs[i]);
    if (rep == nullptr || rep->checkpoints.empty()) continue;
    LineSeries main{labels[i], static_cast<int>(i), false, true, {}, {}};
    LineSeries second{labels[i] + (sizes ? " full size" : " sync phase"),
                      static_cast<int>(i),
                      true,
                      false,
                      {},
                      {}};
    bool differs = false;
    for (const CheckpointRecord& c : rep->checkpoints) {
      double x = static_cast<double>(c.id);
      double a = sizes ? static_cast<double>(c.checkpointed_size)
                       : c.end_to_end_duration_ms;
      double b = sizes ? static_cast<double>(c.full_size) : c.sync_duration_ms;
      if (c.status != CheckpointStatus::kCompleted) {
        main.failures.push_back({x, a});
        continue;
      }
      main.points.push_back({x, a});
      second.points.push_back({x, b});
      differs = differs || a != b;
    }
    chart.series.push_back(std::move(main));
    if (!sizes || differs) chart.series.push_back(std::move(second));
  }
  std::string what = sizes ? "Checkpointed size (solid; the delta when "
                             "incremental) and full size (dashed, when it "
                             "differs)"
                           : "End-to-end duration (solid) and synchronous "
                             "phase (dashed)";
  return {sizes ? "checkpoint-size" : "checkpoint-duration",
          sizes ? "Checkpoint size across the run"
                : "Checkpoint duration across the run",
          what +
              " of every checkpoint in the repetition with the median "
              "throughput; a cross marks a failed checkpoint.",
          chart.series.empty() ? RenderEmptyChart("No checkpoints were taken")
                               : RenderLineChart(chart)};
}

BarValue RecoveryValue(const RunResult& run, const char* kind) {
  std::optional<RecoveryStats> stats = Recovery(run, kind);
  if (!stats) return FromSummary(kind, nullptr, "not measured");
  BarValue v = FromSummary(kind, &stats->duration_ms, "");
  if (std::string(kind) == "rescale") {
    v.annotation =
        fmt::format("p {}→{}", stats->from_parallelism, stats->to_parallelism);
  }
  for (RestoreVerdict verdict : stats->verdicts) {
    if (NotableVerdict(verdict)) {
      v.annotation += " ";
      v.annotation += ToString(verdict);
    }
  }
  return v;
}

ChartFigure Recoveries(const ResultsFile& r, const Labels& labels) {
  BarChart chart{
      "Restore and rescale times", "duration (median)", &FormatDurationMs, {}};
  bool any = false;
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const RunResult& run = r.runs[i];
    any = any || Recovery(run, "restore") || Recovery(run, "rescale");
    chart.rows.push_back(
        {labels[i],
         static_cast<int>(i),
         {RecoveryValue(run, "restore"), RecoveryValue(run, "rescale")}});
  }
  return {"recovery", "Restore and rescale",
          "Time to rebuild the state of the last completed checkpoint, at the "
          "same parallelism (restore) and at another one (rescale); a failed "
          "verification (\"mismatch\") is shown next to the bar.",
          any ? RenderBarChart(chart)
              : RenderEmptyChart("No restore or rescale was measured")};
}

ChartFigure Timeline(const ResultsFile& r, const Labels& labels) {
  LineChart chart{"Throughput timeline",
                  "seconds into the measured phase",
                  "operations per second",
                  AxisKind::kLinear,
                  AxisKind::kLinear,
                  &SecondsFormat,
                  &FormatSi,
                  {}};
  chart.y_auto_log = true;
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const Repetition* rep = RepresentativeRepetition(r.runs[i]);
    if (rep == nullptr || rep->timeline_ops_per_s.empty()) continue;
    LineSeries s{labels[i], static_cast<int>(i), false, true, {}, {}};
    for (size_t t = 0; t < rep->timeline_ops_per_s.size(); ++t) {
      s.points.push_back(
          {static_cast<double>(t + 1), rep->timeline_ops_per_s[t]});
    }
    chart.series.push_back(std::move(s));
  }
  return {"timeline", "Throughput timeline",
          "Operations per one-second interval in the repetition with the "
          "median throughput; dips often line up with checkpoints or "
          "compactions.",
          chart.series.empty() ? RenderEmptyChart("No timeline was recorded")
                               : RenderLineChart(chart)};
}

// ---- A sweep's curves -------------------------------------------------------

// The unit's formatter for a curve's y axis.
ValueFormatter CurveFormat(const std::string& metric) {
  if (metric.ends_with("_ms")) return &FormatDurationMs;
  if (metric.ends_with("_ns")) return &FormatDurationNs;
  if (metric.ends_with("_bytes")) return &FormatBytes;
  return &FormatSi;
}

// One metric against state per subtask: per backend the measured points,
// the fitted model and its 90% interval, drawn to four times the largest
// size (or the planned size), and the planned size marked.
ChartFigure CurveChart(const ResultsFile& r, const std::string& metric,
                       std::optional<double> planned) {
  LineChart chart{metric + " against state per subtask",
                  "state per subtask (log scale)",
                  metric,
                  AxisKind::kLog,
                  AxisKind::kLog,
                  &FormatBytes,
                  CurveFormat(metric),
                  {}};
  double y_lo = INFINITY, y_hi = 0;
  int color = 0;
  for (const auto& [label, metrics] : r.curves["backends"].items()) {
    const int c = color++;
    auto it = metrics.find(metric);
    if (it == metrics.end() || !it->contains("points")) continue;
    const std::vector<CurvePoint> points = CurvePointsFromJson(*it);
    LineSeries measured{label + " measured", c, false, true, {}, {}};
    for (const CurvePoint& p : points) {
      measured.points.push_back({p.x, p.y});
      y_lo = std::min(y_lo, p.y);
      y_hi = std::max(y_hi, p.y);
    }
    if (points.empty()) continue;
    chart.series.push_back(measured);
    Result<CostModel> model = FitCurveJson(*it);
    if (!model.ok()) continue;
    LineSeries fit{label + " " + std::string(CostModelKindName(model->kind)),
                   c,
                   true,
                   false,
                   {},
                   {}};
    LineSeries low{label + " 90% interval", c, true, false, {}, {}};
    LineSeries high{"", c, true, false, {}, {}};
    const double x0 = points.front().x;
    const double x1 = std::max(4 * model->max_x, planned.value_or(0));
    for (int i = 0; i <= 24; ++i) {
      const double x = x0 * std::pow(x1 / x0, i / 24.0);
      const Forecast f = model->At(x);
      fit.points.push_back({x, f.value});
      low.points.push_back({x, f.low});
      high.points.push_back({x, f.high});
    }
    chart.series.push_back(fit);
    chart.series.push_back(low);
    chart.series.push_back(high);
  }
  if (planned && y_hi > 0) {
    chart.series.push_back({"planned state per subtask",
                            color,
                            true,
                            false,
                            {{*planned, y_lo}, {*planned, y_hi}},
                            {}});
  }
  std::string caption =
      "Measured by the sweep (solid, with markers), the cost model chosen on "
      "held-out error (dashed) and its 90% prediction interval, drawn to "
      "four times the largest size measured";
  caption += planned ? "; the vertical line is the state per subtask the "
                       "recommendation planned."
                     : ".";
  std::string id = "curve-" + metric;
  return {id, metric + " against state per subtask", caption,
          chart.series.empty() ? RenderEmptyChart("no points for " + metric)
                               : RenderLineChart(chart)};
}

}  // namespace

std::vector<ChartFigure> BuildCharts(const ResultsFile& results,
                                     const Labels& labels) {
  std::vector<ChartFigure> charts;
  charts.push_back(Throughput(results, labels));
  for (const std::string& op : OpKinds(results)) {
    charts.push_back(Latency(results, labels, op));
  }
  charts.push_back(Amplification(results, labels));
  charts.push_back(Checkpoints(results, labels, false));
  charts.push_back(Checkpoints(results, labels, true));
  charts.push_back(Recoveries(results, labels));
  charts.push_back(Timeline(results, labels));
  return charts;
}

std::vector<ChartFigure> BuildCurveCharts(const ResultsFile& results) {
  std::vector<ChartFigure> charts;
  if (!results.curves.is_object() || !results.curves.contains("backends") ||
      !results.curves["backends"].is_object()) {
    return charts;
  }
  std::optional<double> planned;
  if (std::optional<PlannedSize> p = PlannedStatePerSubtask(results)) {
    planned = p->bytes;
  }
  for (const std::string& metric : CurveMetricsShown()) {
    bool any = false;
    for (const auto& [label, metrics] : results.curves["backends"].items()) {
      any = any || (metrics.is_object() && metrics.contains(metric));
    }
    if (any) charts.push_back(CurveChart(results, metric, planned));
  }
  return charts;
}

}  // namespace statebench::report
