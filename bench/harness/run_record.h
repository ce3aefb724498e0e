// Turns what the subtasks counted into the plain records of
// reports/results/results.h. Internal to the harness.
#ifndef STATEBENCH_BENCH_HARNESS_RUN_RECORD_H_
#define STATEBENCH_BENCH_HARNESS_RUN_RECORD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/harness/histogram.h"
#include "bench/harness/proc_stats.h"
#include "bench/harness/subtask.h"
#include "reports/results/results.h"

namespace statebench {

LatencySummary SummarizeHistogram(const LatencyHistogram& h);

// Fills ops, throughput and io of `out` from the subtasks after the
// measured phase. `io_start`/`io_end` bracket the repetition's own writes.
void CollectMeasurements(std::vector<std::unique_ptr<Subtask>>& subtasks,
                         const IoCounters& io_start, const IoCounters& io_end,
                         Repetition* out);

// Where each subtask's backend served the measured phase's reads
// (IoStats::read_sources now minus `base`, the figures sampled when the
// measured phase started, one map per subtask), summed into
// out->io.read_sources.
void CollectReadSources(
    std::vector<std::unique_ptr<Subtask>>& subtasks,
    const std::vector<std::map<std::string, uint64_t>>& base, Repetition* out);

// Fills rep->metrics from the structured fields (names:
// /README.md "Metric names"). `checkpoint_interval_ms` (0: none) is what
// checkpoint.over_interval_share compares end-to-end durations with.
void FlattenMetrics(Repetition* rep, uint32_t checkpoint_interval_ms = 0);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_RUN_RECORD_H_
