// Flags shared by run, compare and verify: workload, backend options,
// parallelism, checkpoint cadence, phases.
#ifndef STATEBENCH_BENCH_CLI_RUN_OPTIONS_H_
#define STATEBENCH_BENCH_CLI_RUN_OPTIONS_H_

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bench/cli/output_paths.h"
#include "bench/harness/harness.h"
#include "workloads/flink_config.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace statebench {

struct RunOptions {
  std::string backend;                    // run, verify
  std::vector<std::string> backends;      // compare
  std::vector<std::string> backend_opts;  // "[backend.]name=value"
  RunConfig config;
  std::string checkpoint_type = "full";
  std::string output;
  std::map<std::string, std::string> exports;  // format -> path
  // Every output path given (-o, --export-*, --record-trace), for the
  // check before anything runs; filled by CollectRunOutputs.
  std::vector<OutputPath> outputs;
  bool quiet = false;
  // --spawn: start private redis-server / postgres for the server backends.
  bool spawn = false;
  // Check every input and print the plan; measure and write nothing.
  bool dry_run = false;
  std::string spawn_redis_appendfsync;  // "" = AOF off; always|everysec|no
  std::string spawn_pg_synchronous_commit = "on";
  // Workload inputs beyond the flags.
  std::string flink_config;                // Flink's flink-conf/config.yaml
  std::optional<FlinkConfig> flink;        // parsed from it
  std::string workload_file;               // YAML (or YCSB properties via it)
  std::vector<std::string> set_fields;     // "--set name=value" spec fields
  std::string trace;                       // replay this trace
  std::string record_trace;                // record the op stream here
  std::vector<std::string> file_backends;  // backends named by the file
  // "file:line:col" of the backend options the workload file set, by
  // "backend" and "backend.option" (flags that override one drop it).
  std::map<std::string, std::string> backend_opt_where;
  // After measuring a backend, run this many crash-restore cycles of
  // `statebench verify` on it and keep the verdict in its row (0 = none).
  int verify_cycles = 0;
  // --rescale P:Q (run, compare): run at parallelism P, then restore the
  // run's last checkpoint at Q. "" = none.
  std::string rescale;
  // Flags that were given override the workload file: each entry copies
  // one flag's value when the option was used on the command line.
  struct Override {
    const CLI::Option* option;
    std::function<void(const RunOptions& flags, RunOptions* target)> apply;
  };
  std::vector<Override> overrides;
  const CLI::Option* workload_option = nullptr;  // --workload
  // What the inputs asked for that the run does not do (ignored YCSB
  // properties, ...): printed and kept in the results.
  std::vector<std::string> notes;
};

// Run settings come, lowest first, from the command's defaults, the Flink
// configuration (--flink-config), the workload file, the flags given and
// --set. The backend of run and verify is --backend, else the Flink
// configuration's state.backend.type.
//
// Builds o->config.workload from, in this order: the defaults of the
// workload named (by --set name=, else --workload, else the file's name:,
// else the command's default), the command's own defaults (verify's smaller
// state), the workload file, the flags given, --set, --trace. A preset's
// defaults apply however it is named; only what the user gave overrides
// them. Also applies the file's run settings (flags win). InvalidArgument
// naming the file:line or flag.
Status FinalizeRunOptions(RunOptions* o);

// A bounded workload (run_events N, e.g. YCSB's operationcount) measures N
// events with the warmup on top: the stream is left unbounded and the
// measured phase counts N events (unless --events was given). For run and
// compare; verify keeps the stream as it is.
void MeasureBoundedRunByEvents(RunOptions* o);

// The results' config.flink_config: the file and, per Flink key used, its
// value, line and the statebench settings it set, each marked overridden
// when a later layer (workload file, flags, --set) replaced it. `backends`
// are the backends the run measures; null without --flink-config.
nlohmann::json FlinkConfigRecord(const RunOptions& o,
                                 const std::vector<std::string>& backends);

// Splits "--backend-opt" values into per-backend option maps. An option
// without a "backend." prefix applies to every backend of the run (and
// must then be known to each, which the factory checks). `where` (see
// RunOptions::backend_opt_where) locates the options from a file.
Status ApplyBackendOptions(
    const std::vector<std::string>& raw,
    const std::vector<std::string>& backends,
    std::map<std::string, std::map<std::string, std::string>>* out,
    const std::map<std::string, std::string>& where = {});
// Every option in `per_backend` is one its backend declares (BackendInfo::
// options), so that a misspelt option fails before any backend of the run
// is measured; values are the backend's to check when it opens.
// InvalidArgument naming the option's file:line:col or --backend-opt.
Status CheckBackendOptionNames(
    const RunOptions& o,
    const std::map<std::string, std::map<std::string, std::string>>&
        per_backend);
// A message about backend `backend`'s options, prefixed with the position
// in the workload file of the option it names, if one came from there.
std::string LocateBackendOptionError(const RunOptions& o,
                                     const std::string& backend,
                                     const std::string& message);

// Opens each embedded backend once with its options in a scratch
// directory, before anything is measured, so that a bad option value (which
// only the backend's factory can judge) is bad input, named where it was
// given, instead of a failure after other backends ran. Server backends
// are judged when they connect.
Status PreflightBackendOptions(
    const RunOptions& o, const std::vector<std::string>& backends,
    const std::map<std::string, std::map<std::string, std::string>>&
        per_backend);

void AddWorkloadOptions(CLI::App* sub, RunOptions* o);
// Workload options plus parallelism, cadence, phases, sampling, rate.
void AddMeasurementOptions(CLI::App* sub, RunOptions* o);
// AddMeasurementOptions plus outputs and exports.
void AddRunOptions(CLI::App* sub, RunOptions* o);
// After parsing: o->outputs from the output flags given to `sub`.
void CollectRunOutputs(CLI::App* sub, RunOptions* o);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_CLI_RUN_OPTIONS_H_
