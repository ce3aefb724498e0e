// The rescale figures of `run --rescale P:Q`: the run's own last completed
// checkpoint, taken at parallelism P, restored into Q fresh instances with
// key-group redistribution, timed, and compared with the oracle.
// Internal to the harness.
#ifndef STATEBENCH_BENCH_HARNESS_RESCALE_H_
#define STATEBENCH_BENCH_HARNESS_RESCALE_H_

#include <cstdint>
#include <string>

#include "backends/registry.h"
#include "bench/harness/harness.h"
#include "reports/results/results.h"
#include "workloads/workload.h"

namespace statebench {

// Restores `cp` (checkpoint_dir and max_parallelism as in `run`) into `to`
// instances under `dir`. With `verify`, the union of their state is
// compared with the workload replayed to cp.barrier_event; events in
// [barrier, end_event) classify differences. The result's kind is
// "rescale"; a failed restore is an error.
Result<RestoreResult> MeasureRescale(const RunConfig& run,
                                     const BackendRegistry& registry,
                                     const Workload& workload,
                                     const std::string& dir, int to,
                                     const CompletedCheckpoint& cp,
                                     uint64_t end_event, bool verify);

// Folds the restore figures of instance `b` into `rr`, counting its
// entries with b->CountEntries() (after the timed restore) when the restore
// did not report them; FinishRestoreRate sets rr->bytes_per_s per byte of
// state restored (per byte read for backends that report no state bytes).
void AddRestoreStats(const RestoreStats& s, StateBackend* b, RestoreResult* rr);
void FinishRestoreRate(RestoreResult* rr);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_RESCALE_H_
