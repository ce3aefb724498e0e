// Whether the state a run loads can fit in memory at all, judged before
// anything runs: a heap backend (memory, fs) that runs out of memory part
// way through a load has measured nothing and may take the machine's other
// processes with it.
//
// The estimate is a lower bound: keys x (key + mean value + the heap
// tables' per-entry overhead), the state one subtask set holds after the
// load phase. Checkpoints (copy-on-write snapshots, the memory backend's
// serialized blob) and the run phase's new entries come on top, so a run
// that passes may still run out of memory; that run then fails with the
// reason in its row. A run refused here would certainly not fit.
#ifndef STATEBENCH_BENCH_CLI_MEMORY_PREFLIGHT_H_
#define STATEBENCH_BENCH_CLI_MEMORY_PREFLIGHT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "workloads/workload.h"

namespace statebench {

// Bytes a heap backend's table spends per entry beyond its key and value:
// the node header (8), malloc's header and rounding (about 16) and the
// index slots at the tables' load factor (about 16), rounded up. Measured
// figures are in docs/robustness.md.
inline constexpr uint64_t kHeapEntryOverheadBytes = 48;

// Estimated bytes the loaded state of `spec` takes in a heap backend, or
// nullopt when the state is built by the input (windows, joins, traces)
// and the spec alone does not tell its size.
std::optional<uint64_t> EstimatedHeapStateBytes(const WorkloadSpec& spec);

// Memory this process may still take: MemAvailable of /proc/meminfo, or
// less under an address-space limit (RLIMIT_AS). nullopt when unknown.
std::optional<uint64_t> AvailableMemoryBytes();

// InvalidArgument naming the flags that set the size when `backend` holds
// its state on the heap and the estimate exceeds `available`.
Status CheckHeapStateFits(const std::string& backend, const WorkloadSpec& spec,
                          uint64_t available);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_CLI_MEMORY_PREFLIGHT_H_
