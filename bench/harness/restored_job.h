// A job restored from a checkpoint into fresh backend instances, and its
// comparison with the oracle: the rescale measurement (rescale.cc) and
// crash verification (bench/verify) use it.
#ifndef STATEBENCH_BENCH_HARNESS_RESTORED_JOB_H_
#define STATEBENCH_BENCH_HARNESS_RESTORED_JOB_H_

#include <memory>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "base/key_groups.h"
#include "bench/harness/harness.h"
#include "bench/harness/reference_model.h"

namespace statebench {

// `parallelism` instances, instance i owning its key-group range.
struct RestoredJob {
  int max_parallelism = 0;
  int parallelism = 0;
  std::vector<std::unique_ptr<StateBackend>> instances;
  std::vector<double> duration_ms;
  double total_ms = 0;
  uint64_t bytes_read = 0;

  StateBackend* ForKeyGroup(int kg) const {
    return instances[OperatorIndexForKeyGroup(max_parallelism, parallelism, kg)]
        .get();
  }
  ~RestoredJob() {
    for (auto& b : instances) (void)b->Close();
  }
};

// Opens `parallelism` fresh instances of run.backend over
// run.checkpoint_dir (work directories under `dir`) and restores into
// instance i the handles overlapping its key-group range. With no handles
// the instances stay empty (max_parallelism from the run).
Status RestoreJob(const RunConfig& run, const BackendRegistry& registry,
                  const std::string& dir,
                  const std::vector<CheckpointHandle>& handles, int parallelism,
                  const std::vector<WorkloadState>& states, RestoredJob* job);

// Replays `workload` up to `barrier` on the reference model and compares
// the job's state with it (writes in [barrier, end_event) classify
// differences as resurrected).
StateVerdict CheckAgainstOracle(const Workload& workload, uint64_t barrier,
                                uint64_t end_event, const RestoredJob& job);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_RESTORED_JOB_H_
