// What the advisor knows about each measured backend configuration, merged
// from one or more results files.
//
// Runs are grouped by backend, checkpoint type and effective options; a
// group is labelled with the backend name plus what tells it apart from the
// other groups of the same backend ("redis[mode=write-through]",
// "rocksdb[checkpoint=incremental]"). Runs of one group (e.g. the same
// backend in two files) are merged: metric samples are concatenated and
// summarised again; a failed verification wins over a passed one.
//
// Thread safety: plain values.
#ifndef STATEBENCH_ADVISOR_MEASUREMENTS_H_
#define STATEBENCH_ADVISOR_MEASUREMENTS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/results/cost_model.h"
#include "reports/results/results.h"

namespace statebench::advisor {

struct BackendMeasurement {
  std::string label;  // unique among the measurements
  std::string name;   // backend name
  std::string checkpoint_type = "full";
  std::map<std::string, std::string> options;
  std::string workload;
  int parallelism = 1;
  bool ok = true;       // false: every run of the group failed
  std::string failure;  // "phase: reason" when !ok
  // Every run of the group was "unsupported": the backend cannot hold the
  // measured state (then !ok, and `failure` says why).
  bool unsupported = false;
  // Open loop: the highest rate asked for (events/s) and whether a run
  // achieved less than it (saturated). A saturated group's throughput is
  // what it achieved, never the rate asked.
  std::optional<double> target_rate;
  bool saturated = false;
  CapabilitiesRecord capabilities;
  std::map<std::string, MetricSummary> summary;
  nlohmann::json verification;  // null when not verified
  int repetitions = 0;
  int runs_merged = 0;
  // From the repetitions: logical state bytes written per measured second,
  // and the median spacing of completed checkpoints.
  std::optional<double> logical_write_bytes_per_s;
  std::optional<double> checkpoint_spacing_s;

  // From a sweep: per metric, the cost model fitted to the points it
  // measured (x: state bytes per subtask; y as in the summary, over the
  // measured parallelism). Empty without a sweep; the summary then holds
  // the sweep's largest size only.
  std::map<std::string, CostModel> curves;
  // The largest state per subtask the sweep measured (0 without one).
  double largest_per_subtask_bytes = 0;
  // The sweep's check of its own forecasts: per metric, the relative error
  // of the largest size forecast from the smaller ones.
  std::map<std::string, double> forecast_errors;

  // Median of a summary metric, when measured and finite.
  std::optional<double> Median(const std::string& metric) const;
};

// Groups and merges the runs of all files; order follows first appearance.
// Fails (InvalidArgument) only when there is no run at all.
Result<std::vector<BackendMeasurement>> CollectMeasurements(
    const std::vector<ResultsFile>& files);

}  // namespace statebench::advisor

#endif  // STATEBENCH_ADVISOR_MEASUREMENTS_H_
