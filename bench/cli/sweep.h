// `statebench sweep`: each backend measured at a ladder of state sizes,
// then one cost model per backend and metric (reports/results/cost_model.h).
//
// Sizes are the job's whole state: keys x (key + mean value bytes) of a
// workload with one value per key, so a size sets the key count. What is
// modelled is a function of the state per subtask (size / parallelism),
// the unit the advisor scales a profile to.
//
// The planning and fitting functions are pure; RunSweep does the work.
#ifndef STATEBENCH_BENCH_CLI_SWEEP_H_
#define STATEBENCH_BENCH_CLI_SWEEP_H_

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "reports/results/cost_model.h"
#include "reports/results/results.h"
#include "workloads/workload.h"

namespace statebench {

// "256 MiB", "1.5 GiB": a size as the sweep prints it.
std::string FormatStateSize(uint64_t bytes);

// "16MiB,256MiB,2GiB": ascending, distinct sizes. InvalidArgument naming
// `flag` and the item for a malformed, unordered or repeated size.
Result<std::vector<uint64_t>> ParseStateSizes(
    const std::string& flag, const std::vector<std::string>& items);

// `steps` sizes from `from` to `up_to` inclusive, each the previous times
// the same factor (rounded to whole MiB above 1 MiB).
Result<std::vector<uint64_t>> GeometricStateSizes(uint64_t from, uint64_t up_to,
                                                  int steps);

// Bytes of state one key holds under `w` (key + mean value); the workload
// must keep one value per key in a single value state. InvalidArgument
// otherwise, saying why a size cannot set its state.
Result<double> StateBytesPerKey(const WorkloadSpec& w,
                                const Workload& workload);

// What the machine has, for the budget.
struct MachineLimits {
  uint64_t memory_available = 0;  // /proc/meminfo MemAvailable
  uint64_t disk_free = 0;         // statvfs of the work directory
};
MachineLimits ReadMachineLimits(const std::string& work_dir);

// One (backend, size) of the plan with its estimated cost.
struct SweepStep {
  std::string backend;
  uint64_t state_bytes = 0;
  uint64_t keys = 0;
  double seconds = 0;       // estimated wall time
  uint64_t disk_bytes = 0;  // peak disk the step needs
  uint64_t memory_bytes = 0;
  // Non-empty: the step is not run (the heap backends past the machine's
  // memory with Flink's 2x headroom); the row says why.
  std::string skip_reason;
  // Non-zero: a step of the cache curve, run with this block cache per
  // subtask instead of the configured one; not a point of the size curves.
  uint64_t block_cache_bytes = 0;
  // rocksdb with direct reads: a warmup long enough to fill the block cache
  // (or the state, if smaller) from storage, when that is longer than the
  // configured one; 0 keeps the configured warmup.
  double warmup_s = 0;
};

// The cache curve's block caches, as fractions of its size's state per
// subtask: one that holds it all, then a half and an eighth.
inline constexpr double kCacheCurveRatios[] = {2.0, 0.5, 0.125};

struct SweepPlanInput {
  std::vector<std::string> backends;
  std::vector<uint64_t> sizes;
  double bytes_per_key = 0;
  int parallelism = 1;
  double seconds_per_run = 0;  // warmup + measured phases, all repetitions
  MachineLimits machine;
  // rocksdb reads with O_DIRECT: its steps get a warmup that fills the
  // block cache, and its cache curve (kCacheCurveRatios) is measured at the
  // first size below the largest that holds twice the write buffer per
  // subtask.
  bool rocksdb_cache_curve = false;
  uint64_t rocksdb_write_buffer = 64ull << 20;
  uint64_t rocksdb_block_cache = 64ull << 20;
  double warmup_s = 0;  // the configured warmup of one repetition
  int repetitions = 1;
};

// The steps in run order (size by size, backends within a size, so that an
// interrupted sweep has whole sizes; the cache curve's steps after its
// size's). InvalidArgument when a size is below
// one key, or when the disk cannot hold the largest step (naming it).
Result<std::vector<SweepStep>> PlanSweep(const SweepPlanInput& in);

// Checkpoints at a bounded share of the measured phase. A checkpoint of a
// large state outlasts a short interval, and then the run checkpoints back
// to back: at 1 GiB fs measured 493k ops/s with checkpoints every second
// (each taking 4 s) and 981k with none. A throughput curve of such runs is
// the checkpoints' curve. Each step's interval is at least
// 1 / kCheckpointDuty times the duration its backend's last measured size
// forecasts at this size (durations grow in proportion to the state), and
// its measured phase long enough for one such checkpoint to complete.
inline constexpr double kCheckpointDuty = 0.25;

struct StepCadence {
  uint32_t interval_ms = 0;
  double measure_s = 0;
};

class CheckpointCadence {
 public:
  // The configured interval (0: no periodic checkpoints) and phase.
  CheckpointCadence(uint32_t interval_ms, double measure_s)
      : interval_ms_(interval_ms), measure_s_(measure_s) {}
  StepCadence For(const std::string& backend, uint64_t state_bytes) const;
  // A measured step of `backend`: its median checkpoint end-to-end.
  void Measured(const std::string& backend, uint64_t state_bytes,
                double end_to_end_ms);

 private:
  uint32_t interval_ms_;
  double measure_s_;
  // backend -> (state bytes, end-to-end ms) of its largest measured size.
  std::map<std::string, std::pair<uint64_t, double>> last_;
};

// The figures of one measured run that the curves model, by metric name:
// the run's summary medians plus disk use, space amplification and the
// share of reads served from memory (memtable, block cache, heap, local
// buffer) when the run reported them.
std::map<std::string, double> CurveMetrics(const RunResult& run);

// Fits every metric of every backend over the sizes measured (runs whose
// extra.sweep says their size; failed and skipped runs left out): points,
// the chosen model with its parameters, fit and held-out error and
// interval, and the check of the largest size forecast from the others.
// A configuration with cache-curve steps gets its curve under the
// throughput metrics ("cache"), and their models are fitted through it.
nlohmann::json FitCurves(const std::vector<RunResult>& runs);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_CLI_SWEEP_H_
