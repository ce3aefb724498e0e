// Crash-restore verification (DESIGN.md section 8).
//
// One cycle: a child process runs a seeded workload with periodic
// checkpoints and reports each completed checkpoint (id, barrier, handles)
// on a pipe; the parent kills it with SIGKILL at a random moment; fresh
// backend instances in the parent restore the last reported checkpoint; the
// restored state is compared with the oracle (the same seeded stream
// replayed up to the barrier). Rescale verification restores a checkpoint
// taken at parallelism p into parallelism q.
#ifndef STATEBENCH_BENCH_VERIFY_VERIFY_H_
#define STATEBENCH_BENCH_VERIFY_VERIFY_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "bench/harness/harness.h"
#include "bench/harness/reference_model.h"

namespace statebench {

struct VerifyConfig {
  RunConfig run;  // backend, options, workload, parallelism, cadence
  int cycles = 20;
  uint64_t seed = 1;  // chooses the kill moments
  // The kill falls uniformly in [min_kill_s, max_kill_s] after the child's
  // first completed checkpoint.
  double min_kill_s = 0.05;
  double max_kill_s = 0.6;
  // Crash in-process (abandon the run) instead of killing a child. For
  // backends that exist only in a test binary; the checker is the same.
  bool in_process = false;
  // The statebench binary each cycle starts as its child:
  // "statebench verify --child-plan DIR/plan.json --child-dir DIR", where
  // plan.json is `run` serialized (RunConfigToJson), so that the child runs
  // exactly the parent's plan instead of rebuilding it from flags.
  std::string child_binary;
};

struct CycleResult {
  int cycle = 0;
  int64_t checkpoint_id = 0;
  uint64_t barrier_event = 0;
  uint64_t end_event = 0;
  int checkpoints_reported = 0;
  double kill_after_s = 0;
  double restore_ms = 0;
  StateVerdict verdict;
};

struct VerifyReport {
  std::string backend;
  std::vector<CycleResult> cycles;
  StateVerdict total;
  // The directory of the first cycle that was not exactly-once, kept for a
  // post-mortem; every other cycle's directory is removed when it ends.
  std::string kept_dir;
  // JSON for RunResult::verification and the console.
  nlohmann::json ToJson() const;
};

// Runs the cycles. A cycle that cannot run (no checkpoint completed, the
// child failed) is an error status naming the cycle.
Result<VerifyReport> RunCrashVerification(const VerifyConfig& config,
                                          const BackendRegistry& registry,
                                          const ProgressFn& progress);

// Restores a checkpoint taken at parallelism `from` into `to` subtasks and
// compares the union of their state with the oracle.
struct RescaleResult {
  int from = 0;
  int to = 0;
  double duration_ms = 0;
  std::vector<double> subtask_duration_ms;
  uint64_t bytes_read = 0;
  StateVerdict verdict;
};
// The child's side of a cycle: reads the plan the parent wrote, runs it in
// `dir` and reports to `out_fd` until it is killed. Returns the exit code
// (2 for an unreadable plan, 3 for a run that failed).
int RunVerifyChildFromPlan(const std::string& plan_path, const std::string& dir,
                           int out_fd);

Result<RescaleResult> RunRescaleVerification(const RunConfig& run, int from,
                                             int to,
                                             const BackendRegistry& registry);

// The run configuration of one cycle in `dir` (shared by parent and child):
// checkpoints in dir/checkpoints and, for server backends without a "job"
// option, a job name derived from dir so the parent finds the child's state.
RunConfig CycleRunConfig(const RunConfig& base, const std::string& dir,
                         const BackendRegistry& registry);

// The child side: runs the workload and writes one line per completed
// checkpoint to `out_fd` until killed. Returns when the run ends on its own.
int RunVerifyChild(const RunConfig& run, int out_fd);

// Checkpoint handles as JSON lines (inline data base64-encoded).
nlohmann::json HandleToJson(const CheckpointHandle& h);
Result<CheckpointHandle> HandleFromJson(const nlohmann::json& j);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_VERIFY_VERIFY_H_
