// The overhead benchmark's one-shot checks: statebench's own memory, write
// amplification against RocksDB's own statistics, and the backends used to
// price one latency sample. Internal to bench/overhead_benchmark.
#ifndef STATEBENCH_BENCH_MICRO_OVERHEAD_CHECKS_H_
#define STATEBENCH_BENCH_MICRO_OVERHEAD_CHECKS_H_

#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "backends/state_backend.h"

namespace statebench {

// "null": a backend whose ops do nothing (prices TimedBackend alone);
// otherwise the registry backend of that name with default options.
Result<std::unique_ptr<StateBackend>> MakeRecordCostBackend(
    const std::string& name);

// A P = 2 run of `backend` (tiny state, default checkpoints and restore):
// peak RSS during the run minus RSS before it, and the size of one latency
// histogram. Counters in MiB.
void BM_Footprint(benchmark::State& state, std::string backend,
                  std::map<std::string, std::string> options);

// A rocksdb harness-path run of `puts` uniform puts over `keys` loaded keys
// (the op generator itself, no replay): statebench's write amplification,
// computed by CollectMeasurements as in a run, against the SST bytes in
// RocksDB's event log and the figures of its "rocksdb.stats" text.
void BM_WriteAmp(benchmark::State& state, uint64_t keys, uint64_t puts,
                 std::map<std::string, std::string> options);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_MICRO_OVERHEAD_CHECKS_H_
