// Flink configuration files (--flink-config): Flink 1.x's flat
// flink-conf.yaml ("state.backend.type: rocksdb", one key a line) and Flink
// 2.x's nested config.yaml ("state: {backend: {type: rocksdb}}", the joined
// path of nested mappings is the key); both forms may mix in one file.
//
// The keys that map onto a statebench setting become run settings (the
// same optional fields a workload file has) plus a record of which key set
// what; every other key becomes a note, so nothing is dropped silently.
// Durations and memory sizes follow Flink's syntax (flink_values.h):
// "30 s", "1 min", "500ms", "2 h", a plain number is milliseconds; "64mb",
// "1 gb", "512k", a plain number is bytes; units are case-insensitive and
// every size unit is binary.
//
// Errors: a file with no keys, unparsable YAML, a bad duration, size, number or
// boolean, a backend type statebench cannot map, or two keys (or one key twice)
// with conflicting values are InvalidArgument "file:line:col: key: ..."
// (1-based).
// Thread safety: reentrant.
#ifndef STATEBENCH_WORKLOADS_FLINK_CONFIG_H_
#define STATEBENCH_WORKLOADS_FLINK_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "workloads/flink_values.h"
#include "workloads/workload_file.h"

namespace statebench {

// One Flink key that set statebench settings.
struct FlinkKeyUse {
  std::string key;    // Flink's dotted name
  std::string value;  // as written (a list joined with ';', Flink's form)
  int line = 0;       // 1-based
  int column = 0;
  // statebench setting -> the value it became, e.g. {"backend", "rocksdb"},
  // {"checkpoint.interval_ms", "30000"},
  // {"backend_options.rocksdb.write_buffer_size", "67108864"}.
  std::vector<std::pair<std::string, std::string>> sets;
};

struct FlinkConfig {
  std::string path;
  // The statebench backend state.backend.type names; empty when the file
  // names none.
  std::string backend;
  // parallelism, max_parallelism, checkpoint_* and backend_options (by
  // backend name); the other fields stay unset.
  WorkloadFileRun run;
  std::vector<FlinkKeyUse> used;
  // One per key the run does not use, with the reason: "flink config
  // file:line: key: ...".
  std::vector<std::string> notes;
};

// Reads and parses `path`. NotFound/IoError from reading the file.
Result<FlinkConfig> LoadFlinkConfig(const std::string& path);
// Parses `text`; `source` names it in messages.
Result<FlinkConfig> ParseFlinkConfig(std::string_view text,
                                     std::string_view source);

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_FLINK_CONFIG_H_
