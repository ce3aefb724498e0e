// From a profile and a backend's measurements to the facts rules read: the
// profile's own figures, and the capacity plan derived by extrapolating the
// measurements to the profile's state size and event rate.
//
// The model (README-profiles.md, "How measurements are extrapolated"):
//   per_subtask_rate    = measured events/s / measured parallelism
//   subtasks_needed     = ceil(event_rate / (per_subtask_rate x 70%))
//   parallelism         = max(subtasks_needed, nodes)
//   checkpoint_full_size = state_size x (measured full checkpoint size /
//                          measured live state)
//   checkpoint_size     = full size; for incremental or remote backends the
//                          delta: write_rate x checkpoint_interval x
//                          (measured delta bytes / measured logical bytes
//                          written between checkpoints), at most the full size
//   checkpoint_duration = checkpoint_size / (checkpoint_rate per subtask x
//                          parallelism)
//   restore_time        = checkpoint_full_size / (restore_rate per subtask x
//                          parallelism); remote backends (state already
//                          in the server) keep their measured restore time
//   disk_write_rate     = write_rate x measured write amplification
//   memory_per_subtask  = heap_required / parallelism for heap backends,
//                          else measured peak RSS / measured parallelism
// A figure that cannot be computed is a missing value saying why.
//
// Thread safety: pure functions.
#ifndef STATEBENCH_ADVISOR_CAPACITY_H_
#define STATEBENCH_ADVISOR_CAPACITY_H_

#include <vector>

#include "advisor/facts.h"
#include "advisor/measurements.h"
#include "advisor/profile.h"

namespace statebench::advisor {

// Copy-on-write snapshots keep old versions alive while the async phase
// runs, and a garbage-collected heap needs slack: plan 2 bytes of heap per
// byte of state.
inline constexpr double kHeapHeadroom = 2.0;
// Plan subtasks at 70% of their measured rate, leaving room for catch-up
// after a restore and for load spikes.
inline constexpr double kTargetUtilisation = 0.7;
// Flink's JobManagerCheckpointStorage default max state size.
inline constexpr double kJobManagerCapBytes = 5.0 * 1024 * 1024;

// profile.* and the profile-level derived.* facts.
Facts ProfileFacts(const Profile& profile);

// `profile_facts` plus everything about one measured backend: backend.*,
// capability.*, verification.*, metric.* and the per-backend derived.*.
Facts BackendFacts(const Profile& profile, const Facts& profile_facts,
                   const BackendMeasurement& m);

// Adds the cross-backend facts (derived.subtasks_vs_best,
// derived.p99_vs_best) to each backend's facts.
void AddRelativeFacts(std::vector<Facts>* per_backend);

}  // namespace statebench::advisor

#endif  // STATEBENCH_ADVISOR_CAPACITY_H_
