// How fast workloads/ generates ops, with no backend: generation must never
// be the bottleneck (>= 10x the fastest backend's op rate).
//
//   workload_generation_benchmark [--benchmark_filter=...]
//
// Each iteration produces one op; items_per_second is ops/s. "/p2" runs the
// stream of subtask 0 of 2 behind a real key-group filter, so it also pays
// for the rejected half of the events.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/key_groups.h"
#include "workloads/trace.h"
#include "workloads/workload.h"

namespace statebench {
namespace {

WorkloadSpec Spec(const std::string& name) {
  Result<WorkloadSpec> spec = DefaultWorkloadSpec(name);
  if (!spec.ok()) std::abort();
  return *spec;
}

KeyFilter SubtaskFilter(int index, int parallelism) {
  const int max_parallelism = DefaultMaxParallelism(parallelism);
  KeyGroupRange range =
      KeyGroupRangeForSubtask(max_parallelism, parallelism, index);
  return [range, max_parallelism](std::string_view key) {
    return range.Contains(AssignToKeyGroup(key, max_parallelism));
  };
}

void Generate(benchmark::State& state, WorkloadSpec spec, int parallelism) {
  spec.run_events = 0;  // unbounded
  Result<std::unique_ptr<Workload>> w = CreateWorkload(spec);
  if (!w.ok()) {
    state.SkipWithError(w.status().ToString().c_str());
    return;
  }
  std::unique_ptr<OpSource> source = (*w)->RunPhase(
      parallelism > 1 ? SubtaskFilter(0, parallelism) : KeyFilter());
  Op op;
  uint64_t bytes = 0;
  for (auto _ : state) {
    if (!source->Next(&op)) {
      state.SkipWithError("stream ended");
      break;
    }
    bytes += op.key.size() + op.value.size();
    benchmark::DoNotOptimize(op.key.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void Replay(benchmark::State& state) {
  Result<std::string> dir = MakeTempDirectory("sb-gen-bench-");
  if (!dir.ok()) {
    state.SkipWithError(dir.status().ToString().c_str());
    return;
  }
  const std::string path = *dir + "/value-rw.trace";
  WorkloadSpec spec = Spec("value-rw");
  spec.key_count = 10000;
  spec.run_events = 1000000;
  Result<std::unique_ptr<Workload>> w = CreateWorkload(spec);
  Result<TraceSummary> rec = RecordTrace(**w, path, 0);
  Result<std::unique_ptr<Workload>> replay = OpenTraceWorkload(path);
  if (!rec.ok() || !replay.ok()) {
    state.SkipWithError("recording failed");
    (void)RemoveTree(*dir);
    return;
  }
  std::unique_ptr<OpSource> source = (*replay)->RunPhase(nullptr);
  Op op;
  for (auto _ : state) {
    if (!source->Next(&op)) source = (*replay)->RunPhase(nullptr);
    benchmark::DoNotOptimize(op.key.data());
  }
  state.SetItemsProcessed(state.iterations());
  (void)RemoveTree(*dir);
}

void Checksum(benchmark::State& state) {
  WorkloadSpec spec = Spec("value-rw");
  Result<std::unique_ptr<Workload>> w = CreateWorkload(spec);
  std::unique_ptr<OpSource> source = (*w)->RunPhase(nullptr);
  Op op;
  OpStreamChecksum sum;
  for (auto _ : state) {
    source->Next(&op);
    sum.Add(op);
  }
  benchmark::DoNotOptimize(sum.value());
  state.SetItemsProcessed(state.iterations());
}

void RegisterAll() {
  for (const char* d :
       {"uniform", "zipfian", "hotspot", "latest", "sequential"}) {
    WorkloadSpec spec = Spec("value-rw");
    spec.key_distribution = d;
    for (int p : {1, 2}) {
      benchmark::RegisterBenchmark(
          ("value-rw/" + std::string(d) + "/p" + std::to_string(p)).c_str(),
          Generate, spec, p);
    }
  }
  for (const char* name :
       {"keyed-aggregation", "tumbling-window", "sliding-window",
        "session-window", "interval-join", "dedup-ttl", "ycsb-a", "ycsb-b",
        "ycsb-d", "ycsb-e", "ycsb-f", "flink-value", "flink-list",
        "flink-map"}) {
    for (int p : {1, 2}) {
      benchmark::RegisterBenchmark(
          (std::string(name) + "/p" + std::to_string(p)).c_str(), Generate,
          Spec(name), p);
    }
  }
  benchmark::RegisterBenchmark("trace-replay/value-rw", Replay);
  benchmark::RegisterBenchmark("op-stream-checksum/value-rw", Checksum);
}

}  // namespace
}  // namespace statebench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  statebench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
