// Workload files: a YAML document describing a workload (operators,
// distributions, state size, rates) and how to run it (parallelism,
// checkpoints, duration, backends). Schema: workloads/README-workload-files.md.
//
// The file yields a WorkloadSpec plus run settings as optional fields; the
// CLI applies its flags over them, so that flags override file values.
//
// Errors: an unknown key, a value of the wrong type or out of range, or a
// YAML syntax error is InvalidArgument "file:line:col: ..." (1-based).
// Thread safety: reentrant.
#ifndef STATEBENCH_WORKLOADS_WORKLOAD_FILE_H_
#define STATEBENCH_WORKLOADS_WORKLOAD_FILE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "workloads/workload.h"

namespace statebench {

// Run settings from the file; unset fields leave the CLI's defaults alone.
struct WorkloadFileRun {
  std::optional<std::vector<std::string>> backends;
  std::optional<int> parallelism;
  std::optional<int> max_parallelism;  // 0 = Flink's default
  std::optional<double> warmup_s;
  std::optional<double> measure_s;
  std::optional<uint64_t> measure_events;
  std::optional<double> rate;  // events/s over all subtasks; 0 = closed loop
  std::optional<int> repetitions;
  std::optional<uint32_t> latency_sample_every;
  std::optional<uint32_t> checkpoint_interval_ms;  // 0 = no checkpoints
  std::optional<uint32_t> checkpoint_min_pause_ms;
  std::optional<uint32_t> checkpoint_timeout_ms;
  std::optional<std::string> checkpoint_type;  // "full" | "incremental"
  // backend name -> option name -> value (backend-specific, passed as is).
  std::map<std::string, std::map<std::string, std::string>> backend_options;
  // "file:line:col" of each backend name and option value above, for
  // messages about them once the backends are known.
  std::map<std::string, std::string> backend_where;
  std::map<std::string, std::map<std::string, std::string>>
      backend_option_where;
};

struct WorkloadFile {
  std::string path;
  WorkloadSpec spec;  // preset defaults, then the file's values
  // Dotted names of the spec fields the file set (e.g. "key_count",
  // "operator.window_size_ms"); state_size counts as "key_count".
  std::set<std::string> spec_fields_set;
  WorkloadFileRun run;
  // Things the reader ignored, e.g. YCSB properties with no equivalent.
  std::vector<std::string> notes;
};

// Reads and parses `path`. NotFound/IoError from reading the file.
Result<WorkloadFile> LoadWorkloadFile(const std::string& path);
// Parses `text`; `source` names it in messages and relative paths
// (ycsb_properties) resolve against `base_dir`.
Result<WorkloadFile> ParseWorkloadFile(std::string_view text,
                                       std::string_view source,
                                       const std::string& base_dir);

// Estimated logical bytes one loaded key holds for this spec (key, values,
// map user keys), used to turn a state size into a key count.
double EstimatedBytesPerKey(const WorkloadSpec& spec);
// ceil(bytes / EstimatedBytesPerKey), at least 1. InvalidArgument for
// workloads whose state is built by the input (windows, joins, dedup).
Result<uint64_t> KeyCountForStateSize(const WorkloadSpec& spec, uint64_t bytes);
// "512MiB", "1.5GiB", "100MB", "4096" -> bytes (KiB = 1024, KB = 1000).
Result<uint64_t> ParseByteSize(std::string_view text);

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_WORKLOAD_FILE_H_
