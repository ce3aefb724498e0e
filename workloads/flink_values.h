// Flink's value syntax for configuration options (TimeUtils, MemorySize,
// booleans), as the Flink configuration reader needs it.
// Thread safety: reentrant.
#ifndef STATEBENCH_WORKLOADS_FLINK_VALUES_H_
#define STATEBENCH_WORKLOADS_FLINK_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace statebench {

// Flink's duration syntax -> milliseconds: a whole number with an optional
// unit (ns, µs, ms, s, min/m, h, d and their long forms; none =
// milliseconds), case-insensitive, rounded down to whole milliseconds.
// InvalidArgument if malformed or out of range.
Result<uint64_t> ParseFlinkDuration(std::string_view text);
// Flink's memory-size syntax -> bytes: a whole number with an optional
// unit (b/bytes, k/kb/kibibytes, m/mb/mebibytes, g/gb/gibibytes,
// t/tb/tebibytes; all binary; none = bytes), case-insensitive.
// InvalidArgument if malformed or out of range.
Result<uint64_t> ParseFlinkMemorySize(std::string_view text);
// "true" or "false", case-insensitive, as Flink reads booleans.
Result<bool> ParseFlinkBool(std::string_view text);

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_FLINK_VALUES_H_
