// Server durability (DESIGN.md section 8): does a checkpoint the job saw
// complete survive a crash of the database server?
//
// Per persistence setting, statebench starts its own server (ServerProcess)
// and per cycle runs a seeded workload against it with periodic
// checkpoints; right after the k-th checkpoint completes (before the
// subtasks are notified, the most demanding moment) the server's whole
// process group gets SIGKILL. The server is restarted on the same data
// directory, and fresh instances restore the newest checkpoint the server
// can still serve. The restored state is compared with the oracle at the
// last completed checkpoint: completed checkpoints lost, entries lost,
// resurrected and wrong.
//
// A loss is only reported when the server answered and no longer held the
// checkpoint. When the killed server does not come back (with its data
// loaded) or a restore gets no answer, the cycle fails with that reason and
// the setting's verdict is "failed", never "lost".
//
// A SIGKILL of the server is a process crash, not a machine crash: data the
// server handed to the kernel survives in the page cache. What it tests is
// what the server had written (or only buffered in its own memory) when it
// acknowledged the commit.
#ifndef STATEBENCH_BENCH_VERIFY_DURABILITY_H_
#define STATEBENCH_BENCH_VERIFY_DURABILITY_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "base/spawn.h"
#include "bench/harness/harness.h"
#include "bench/harness/reference_model.h"

namespace statebench {

struct DurabilitySetting {
  std::string name;  // e.g. "appendfsync-always", "synchronous_commit-off"
  std::string description;
  SpawnOptions spawn;
  // The server promises that an acknowledged commit survives a crash of
  // its process: a loss under this setting is a failure of the backend.
  bool promises_durability = false;
};

// The settings for `backend` ("redis": appendfsync-always,
// appendfsync-everysec, appendfsync-no, rdb-only; "postgres":
// synchronous_commit-on, synchronous_commit-off), filtered by `names`
// (empty = all). InvalidArgument for another backend or an unknown name.
Result<std::vector<DurabilitySetting>> DurabilitySettings(
    const std::string& backend, const std::vector<std::string>& names);

struct DurabilityCycle {
  // Why the cycle could not be judged; "" when it was. A failed cycle
  // carries no verdict and ends its setting.
  std::string failure;
  int64_t completed_id = 0;  // last checkpoint completed before the kill
  int64_t restored_id = 0;   // the one the restarted server served; 0: none
  int checkpoints_lost = 0;  // completed checkpoints newer than restored_id
  double restart_ms = 0;
  StateVerdict verdict;  // restored state vs the oracle at completed_id
};

struct DurabilityResult {
  DurabilitySetting setting;
  std::vector<DurabilityCycle> cycles;
  StateVerdict total;
  int checkpoints_lost = 0;
  // The reason of the failed cycle, "" when every cycle was judged.
  const std::string& failure() const;
  bool failed() const { return !failure().empty(); }
  bool kept_everything() const {
    return !failed() && checkpoints_lost == 0 && total.exactly_once();
  }
  nlohmann::json ToJson() const;
};

// Runs `cycles` crash cycles under `setting` on a server it starts and
// stops; a cycle that cannot be judged ends the setting as failed (in the
// result). `base` gives the workload, parallelism and cadence; its backend
// options must not name a server (uri). An error only when the setting
// cannot start (bad options, no server binary, the server not starting).
Result<DurabilityResult> RunServerDurability(const RunConfig& base,
                                             const DurabilitySetting& setting,
                                             int cycles,
                                             const BackendRegistry& registry,
                                             const ProgressFn& progress);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_VERIFY_DURABILITY_H_
