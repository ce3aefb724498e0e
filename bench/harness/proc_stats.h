// What the OS says about this process: I/O counters and peak memory.
// Linux /proc; on failure the figures are absent (std::nullopt), never 0.
#ifndef STATEBENCH_BENCH_HARNESS_PROC_STATS_H_
#define STATEBENCH_BENCH_HARNESS_PROC_STATS_H_

#include <cstdint>
#include <optional>

namespace statebench {

struct IoCounters {
  std::optional<uint64_t> write_bytes;  // bytes sent to the block layer
  std::optional<uint64_t> read_bytes;
};

// /proc/<pid>/io of this process (pid 0) or another one.
IoCounters ReadProcessIo(int pid = 0);
// Resets the peak resident set size (VmHWM) via /proc/self/clear_refs.
void ResetPeakRss();
// VmHWM of this process in bytes.
std::optional<uint64_t> ReadPeakRss();
// VmRSS of this process in bytes.
std::optional<uint64_t> ReadCurrentRss();

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_PROC_STATS_H_
