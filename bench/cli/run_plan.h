// The checked plan of a measuring command (run, compare, sweep): which
// backends it measures, each with its options, the workload built once,
// and which backends this machine's memory cannot hold the state for. Built
// after FinalizeRunOptions, before anything is measured; every error is bad
// input (exit 2), named where it was given.
#ifndef STATEBENCH_BENCH_CLI_RUN_PLAN_H_
#define STATEBENCH_BENCH_CLI_RUN_PLAN_H_

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backends/state_backend.h"
#include "base/status.h"
#include "bench/cli/run_options.h"
#include "workloads/workload.h"

namespace statebench {

using BackendOptionMap = std::map<std::string, std::string>;

struct RunPlan {
  std::vector<std::string> backends;
  // Per backend: the options from the flags, the workload file and the
  // Flink configuration; a spawned server's connection options join later.
  std::map<std::string, BackendOptionMap> options;
  // Per backend: the same options parsed once into the backend's typed
  // settings, which every instance of its run works from.
  std::map<std::string, std::shared_ptr<const BackendSettings>> settings;
  // Backends whose heap cannot hold the loaded state on this machine: each
  // becomes an "unsupported" row instead of a run.
  std::map<std::string, Status> cannot_hold;
  std::unique_ptr<Workload> workload;
};

struct PlanChecks {
  // Judge whether each heap backend can hold the state in this machine's
  // available memory; refuse the plan when none of them can. A sweep plans
  // memory per size instead.
  bool heap_memory = true;
};

// The backends `command` measures: run's --backend; compare's --backends,
// else the workload file's, else every embedded backend (and the server
// ones with --spawn).
std::vector<std::string> ChooseBackends(const RunOptions& o,
                                        const std::string& command);

// Checks that every backend is registered, splits the backend options and
// checks their names and (opening each embedded backend once) their values,
// sets the checkpoint type, judges the heap state against memory and builds
// the workload.
Result<RunPlan> PlanRun(RunOptions& o, std::vector<std::string> backends,
                        const PlanChecks& checks = {});

// Parses every backend's options into plan->settings: InvalidArgument (or
// PermissionDenied for a password file others can read) naming the option
// and where it was given. Called again after options join the plan (a
// spawned server's connection, the sweep's RocksDB defaults).
Status ParseBackendSettings(const RunOptions& o, RunPlan* plan);

// The results file's "config": the run configuration, the plan's backends
// and their options, the notes, and the Flink configuration record.
nlohmann::json PlanConfigJson(const RunOptions& o, const RunPlan& plan);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_CLI_RUN_PLAN_H_
