// The charts of the HTML report, built from results records. Internal to
// reports/; pure, thread-compatible.
#ifndef STATEBENCH_REPORTS_HTML_CHARTS_H_
#define STATEBENCH_REPORTS_HTML_CHARTS_H_

#include <string>
#include <vector>

#include "reports/results/results.h"
#include "reports/svg_chart.h"

namespace statebench::report {

using Labels = std::vector<std::string>;  // one per run (RunLabels)

struct ChartFigure {
  std::string id;       // stable, [a-z0-9_.-]: "throughput", "latency-..."
  std::string title;    // raw text
  std::string caption;  // raw text: what is drawn and from which data
  std::string svg;      // a complete <svg> element, already escaped
};

// Throughput, one latency spectrum per op kind, amplification, checkpoint
// duration and size, restore/rescale, throughput timeline. A chart without
// data is still present, as an SVG saying so.
std::vector<ChartFigure> BuildCharts(const ResultsFile& results,
                                     const Labels& labels);

// A sweep's curves, one chart per metric (CurveMetricsShown) against state
// per subtask: each backend's measured points, fitted model and 90%
// interval, and the recommendation's planned state per subtask when the
// results carry one. Empty without curves.
std::vector<ChartFigure> BuildCurveCharts(const ResultsFile& results);

}  // namespace statebench::report

#endif  // STATEBENCH_REPORTS_HTML_CHARTS_H_
