// HdrHistogram percentile-distribution text (.hgrm), as written by
// HdrHistogram's outputPercentileDistribution and read by its plotter
// (hdrhistogram.github.io/HdrHistogram/plotFiles.html) and
// HistogramLogAnalyzer.
#include <fmt/format.h>

#include <set>

#include "reports/report.h"
#include "reports/report_util.h"

namespace statebench {
namespace {

// HdrHistogram's default granularity of the percentile iteration.
constexpr int kTicksPerHalfDistance = 5;
// The recording histogram's layout (bench/harness/histogram.h): 3 significant
// digits, 1 ns .. 1 h, which HdrHistogram sizes as 32 buckets of 2048.
constexpr int kBucketCount = 32;
constexpr int kSubBucketCount = 2048;

}  // namespace

std::string RenderHgrm(const HistogramBuckets& histogram, double value_scale,
                       const std::string& unit_name) {
  std::string out = fmt::format("{:>12} {:>14} {:>10} {:>14}\n\n", "Value",
                                "Percentile", "TotalCount", "1/(1-Percentile)");
  std::vector<report::PercentilePoint> points =
      report::PercentileDistribution(histogram, kTicksPerHalfDistance);
  uint64_t total = 0, max = 0;
  for (const auto& [v, c] : histogram.buckets) {
    total += c;
    if (c > 0) max = v;
  }
  for (const report::PercentilePoint& p : points) {
    double value = static_cast<double>(p.value) / value_scale;
    if (p.percentile < 1.0) {
      out +=
          fmt::format("{:12.3f} {:2.12f} {:10d} {:14.2f}\n", value,
                      p.percentile, p.total_count, 1.0 / (1.0 - p.percentile));
    } else {
      out += fmt::format("{:12.3f} {:2.12f} {:10d}\n", value, p.percentile,
                         p.total_count);
    }
  }
  auto [mean, stddev] = report::HistogramMeanStdDev(histogram);
  out += fmt::format("#[Mean    = {:12.3f}, StdDeviation   = {:12.3f}]\n",
                     mean / value_scale, stddev / value_scale);
  out += fmt::format("#[Max     = {:12.3f}, Total count    = {:12d}]\n",
                     static_cast<double>(max) / value_scale, total);
  out += fmt::format("#[Buckets = {:12d}, SubBuckets     = {:12d}]\n",
                     kBucketCount, kSubBucketCount);
  out += "#[Unit    = " + unit_name + "]\n";
  return out;
}

std::vector<HgrmFile> RenderHgrmFiles(const ResultsFile& results) {
  std::vector<HgrmFile> files;
  std::set<std::string> used;
  auto add = [&](const std::string& base, const HistogramBuckets& h) {
    std::string name = report::FileNameSafe(base);
    std::string unique = name;
    for (int n = 2; used.count(unique + ".hgrm") > 0; ++n) {
      unique = name + "-" + std::to_string(n);
    }
    used.insert(unique + ".hgrm");
    files.push_back({unique + ".hgrm", RenderHgrm(h, 1000.0, "microseconds")});
  };
  std::vector<std::string> names = report::StableRunNames(results);
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    for (const std::string& op : report::OpKinds(results)) {
      HistogramBuckets h = report::MergedHistogram(run, op, false);
      if (h.buckets.empty()) continue;
      add(names[i] + "_" + op, h);
      HistogramBuckets corrected = report::MergedHistogram(run, op, true);
      if (!corrected.buckets.empty()) {
        add(names[i] + "_" + op + ".corrected", corrected);
      }
    }
  }
  return files;
}

}  // namespace statebench
