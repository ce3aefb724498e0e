// What statebench's measurement costs.
//
//   overhead_benchmark [--keys=N] [--backends=memory,rocksdb,...]
//                      [--rocksdb_opt=name=value ...] [--harness_seconds=S]
//                      [--paired_rounds=R] [--wa_keys=N --wa_puts=M]
//                      [Google Benchmark flags]
//
// One op sequence per op kind: the value-rw stream (16-byte keys, 100-byte
// values, uniform over N preloaded keys, one thread), all gets or all puts.
//   Direct/<b>/<op>       the storage library's API (overhead_direct.cc)
//   Harness/<b>/<op>      statebench's Subtask -> TimedBackend -> registry
//                         backend, recording on, the harness's default
//                         sampling; counter vs_direct
//   Paired/<b>/<op>       both, alternating rounds of ~0.1 s (1 s for the
//                         servers; robust to a loaded machine); counters
//                         direct/harness ops/s and their ratio (median over
//                         rounds), also by CPU time. The direct loop
//                         holds the backend's layout: memory keeps
//                         std::unordered_map per key group with (key, ns)
//                         keys as Flink's heap backend does; rocksdb stores
//                         the backend's key encoding; redis and postgres
//                         send its own commands and statements in its
//                         layout and transaction sizes (statebench's
//                         client-side cost);
//   Paired/<b>/<op>/vs_minimal  the same against the minimal loop (one
//                         plain map; plain keys; plain SET/GET; a
//                         two-column table): the design's cost
//   Layers/<b>/<op>/N_x   each layer of the harness path alone: direct,
//                         + key group, registry backend, + TimedBackend,
//                         + Subtask loop (memory and rocksdb)
//   FullHarness/<b>/<op>  RunBenchmark (P = 1, closed loop, no checkpoints)
//                         against the direct loop run around it
//   Record/...            the cost of one latency sample
//   Footprint/<b>/p2      statebench's own memory in a P = 2 run
//   WriteAmp/rocksdb      statebench's write amplification vs RocksDB's own
//                         compaction statistics and event log
// Redis and postgres join when STATEBENCH_TEST_{REDIS,POSTGRES}_URI (and
// _PASSWORD_FILE) are set. Items/s are ops/s.
#include <benchmark/benchmark.h>
#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "bench/harness/harness.h"
#include "bench/harness/proc_stats.h"
#include "bench/harness/timed_backend.h"
#include "bench/micro/overhead_checks.h"
#include "bench/micro/overhead_paths.h"

namespace statebench {
namespace {

struct Flags {
  uint64_t keys = 100000;
  size_t sequence = 1 << 17;
  std::vector<std::string> backends;
  std::map<std::string, std::string> rocksdb_options;
  double harness_seconds = 3;
  int paired_rounds = 9;
  uint64_t wa_keys = 500000;
  uint64_t wa_puts = 2000000;
};
Flags g_flags;

// Ops per chunk: enough that a chunk lasts milliseconds on each backend.
uint64_t ChunkOps(const std::string& backend) {
  if (backend == "memory" || backend == "fs") return 16384;
  if (backend == "rocksdb") return 2048;
  if (backend == "redis") return 1000;
  return 500;
}

PathOptions OptionsFor(const std::string& backend) {
  PathOptions o;
  o.backend = backend;
  if (backend == "rocksdb") o.backend_options = g_flags.rocksdb_options;
  if (backend == "redis" || backend == "postgres") {
    ServerTarget t = ServerTargetFromEnv(backend);
    o.backend_options["uri"] = t.uri;
    if (!t.password_file.empty()) {
      o.backend_options["password_file"] = t.password_file;
    }
    o.backend_options["job"] = "sb-overhead";
  }
  return o;
}

WorkloadSpec SequenceSpec(uint64_t keys, bool puts) {
  WorkloadSpec spec = *DefaultWorkloadSpec("value-rw");
  spec.key_count = keys;
  spec.key_size = 16;
  spec.value_size = 100;
  spec.key_distribution = "uniform";
  spec.read_fraction = puts ? 0 : 1;
  return spec;
}

// The sequence and both paths of one (backend, op), built on first use and
// shared by the cases of that pair.
struct Fixture {
  std::unique_ptr<OpSequence> seq;
  std::unique_ptr<ChunkRunner> direct;
  std::unique_ptr<ChunkRunner> minimal;  // direct_minimal's loop, on demand
  std::unique_ptr<HarnessRunner> harness;
  double last_direct_ops_per_s = 0;
};

// The fixtures, released by main before exit: destroyed by the exit
// handlers instead, a rocksdb instance's Close would log through RocksDB's
// own static objects, already destroyed by then (a crash at exit).
std::map<std::string, std::unique_ptr<Fixture>>& Fixtures() {
  static std::map<std::string, std::unique_ptr<Fixture>> fixtures;
  return fixtures;
}

Result<Fixture*> GetFixture(const std::string& backend, bool puts) {
  std::map<std::string, std::unique_ptr<Fixture>>& fixtures = Fixtures();
  std::string id = backend + (puts ? "/put" : "/get");
  auto it = fixtures.find(id);
  if (it != fixtures.end()) return it->second.get();
  auto f = std::make_unique<Fixture>();
  SB_ASSIGN_OR_RETURN(
      f->seq,
      OpSequence::Capture(SequenceSpec(g_flags.keys, puts), g_flags.sequence));
  PathOptions o = OptionsFor(backend);
  SB_ASSIGN_OR_RETURN(f->direct, MakeDirectRunner(*f->seq, o));
  SB_ASSIGN_OR_RETURN(f->harness, HarnessRunner::Make(*f->seq, o));
  return (fixtures[id] = std::move(f)).get();
}

// Runs chunks of `runner` as Google Benchmark iterations; returns ops/s.
double RunChunks(benchmark::State& state, ChunkRunner& runner, uint64_t chunk) {
  uint64_t total_ns = 0, ops = 0;
  for (auto _ : state) {
    Result<uint64_t> ns = runner.RunChunk(chunk);
    if (!ns.ok()) {
      state.SkipWithError(ns.status().ToString().c_str());
      return 0;
    }
    state.SetIterationTime(static_cast<double>(*ns) / 1e9);
    total_ns += *ns;
    ops += chunk;
  }
  state.SetItemsProcessed(static_cast<int64_t>(ops));
  return total_ns ? static_cast<double>(ops) * 1e9 / total_ns : 0;
}

void BM_Direct(benchmark::State& state, std::string backend, bool puts) {
  Result<Fixture*> f = GetFixture(backend, puts);
  if (!f.ok()) return state.SkipWithError(f.status().ToString().c_str());
  (*f)->last_direct_ops_per_s =
      RunChunks(state, *(*f)->direct, ChunkOps(backend));
  state.SetLabel((*f)->direct->Describe());
}

void BM_Harness(benchmark::State& state, std::string backend, bool puts) {
  Result<Fixture*> f = GetFixture(backend, puts);
  if (!f.ok()) return state.SkipWithError(f.status().ToString().c_str());
  double rate = RunChunks(state, *(*f)->harness, ChunkOps(backend));
  if ((*f)->last_direct_ops_per_s > 0) {
    state.counters["vs_direct"] = rate / (*f)->last_direct_ops_per_s;
  }
  state.SetLabel((*f)->harness->Describe());
}

// The harness path with another sampling rate (a fresh instance).
void BM_HarnessSampling(benchmark::State& state, std::string backend, bool puts,
                        uint32_t every) {
  Result<Fixture*> f = GetFixture(backend, puts);
  if (!f.ok()) return state.SkipWithError(f.status().ToString().c_str());
  PathOptions o = OptionsFor(backend);
  o.sample_every = every;
  Result<std::unique_ptr<HarnessRunner>> h = HarnessRunner::Make(*(*f)->seq, o);
  if (!h.ok()) return state.SkipWithError(h.status().ToString().c_str());
  double rate = RunChunks(state, **h, ChunkOps(backend));
  if ((*f)->last_direct_ops_per_s > 0) {
    state.counters["vs_direct"] = rate / (*f)->last_direct_ops_per_s;
  }
  state.SetLabel((*h)->Describe());
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

uint64_t ThreadCpuNs() {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

struct Rates {
  double wall = 0;  // ops per wall-clock second
  double cpu = 0;   // ops per second of this thread's CPU time
};

// Runs `runner` for about `seconds` of wall time. The CPU-time rate is what
// the path costs when the machine is shared (preemption is not in it).
Result<Rates> RunFor(ChunkRunner& runner, uint64_t chunk, double seconds) {
  uint64_t ns = 0, ops = 0;
  const uint64_t cpu0 = ThreadCpuNs();
  while (static_cast<double>(ns) < seconds * 1e9) {
    SB_ASSIGN_OR_RETURN(uint64_t t, runner.RunChunk(chunk));
    ns += t;
    ops += chunk;
  }
  const double cpu = static_cast<double>(ThreadCpuNs() - cpu0);
  return Rates{static_cast<double>(ops) * 1e9 / static_cast<double>(ns),
               cpu > 0 ? static_cast<double>(ops) * 1e9 / cpu : 0};
}

// Seconds per path per round: server rounds hold several checkpoint
// intervals, so that one slow commit does not decide a round.
double RoundSeconds(const std::string& backend) {
  return backend == "redis" || backend == "postgres" ? 1.0 : 0.1;
}

// `minimal`: against the minimal direct loop instead of the backend's own
// key encoding, commands and statements (PathOptions::direct_minimal).
void BM_Paired(benchmark::State& state, std::string backend, bool puts,
               bool minimal) {
  Result<Fixture*> f = GetFixture(backend, puts);
  if (!f.ok()) return state.SkipWithError(f.status().ToString().c_str());
  if (minimal && (*f)->minimal == nullptr) {
    PathOptions o = OptionsFor(backend);
    o.direct_minimal = true;
    Result<std::unique_ptr<ChunkRunner>> r = MakeDirectRunner(*(*f)->seq, o);
    if (!r.ok()) return state.SkipWithError(r.status().ToString().c_str());
    (*f)->minimal = std::move(r).value();
  }
  ChunkRunner* direct_path = minimal ? (*f)->minimal.get() : (*f)->direct.get();
  ChunkRunner* paths[2] = {direct_path, (*f)->harness.get()};
  state.SetLabel(direct_path->Describe());
  const uint64_t chunk = ChunkOps(backend);
  const double seconds = RoundSeconds(backend);
  for (auto _ : state) {
    std::vector<double> direct, harness, ratio, cpu_ratio;
    double total_s = 0;
    for (int round = 0; round < g_flags.paired_rounds; ++round) {
      Rates rate[2];
      for (int k = 0; k < 2; ++k) {
        int p = (round + k) % 2;  // alternate which path goes first
        Result<Rates> r = RunFor(*paths[p], chunk, seconds);
        if (!r.ok()) return state.SkipWithError(r.status().ToString().c_str());
        rate[p] = *r;
        total_s += seconds;
      }
      direct.push_back(rate[0].wall);
      harness.push_back(rate[1].wall);
      ratio.push_back(rate[1].wall / rate[0].wall);
      cpu_ratio.push_back(rate[1].cpu / rate[0].cpu);
    }
    state.SetIterationTime(total_s);
    state.counters["direct_ops_per_s"] = Median(direct);
    state.counters["harness_ops_per_s"] = Median(harness);
    state.counters["ratio"] = Median(ratio);
    state.counters["ratio_min"] = *std::min_element(ratio.begin(), ratio.end());
    state.counters["ratio_max"] = *std::max_element(ratio.begin(), ratio.end());
    state.counters["cpu_ratio"] = Median(cpu_ratio);
  }
}

// One layer of the harness path on its own (fresh instance), to price it.
enum class Layer { kDirect, kDirectKeyGroup, kBackend, kTimed, kSubtask };

void BM_Layer(benchmark::State& state, std::string backend, bool puts,
              Layer layer) {
  Result<Fixture*> f = GetFixture(backend, puts);
  if (!f.ok()) return state.SkipWithError(f.status().ToString().c_str());
  PathOptions o = OptionsFor(backend);
  Result<std::unique_ptr<ChunkRunner>> r = Status::Internal("no layer");
  switch (layer) {
    case Layer::kDirect:
    case Layer::kDirectKeyGroup:
      // The heap backends' layers start from the minimal loop: a plain map,
      // then the key group alone.
      o.direct_minimal = backend == "memory";
      o.direct_key_group = layer == Layer::kDirectKeyGroup;
      r = MakeDirectRunner(*(*f)->seq, o);
      break;
    case Layer::kBackend:
    case Layer::kTimed:
      r = MakeBackendLoopRunner(*(*f)->seq, o, layer == Layer::kTimed);
      break;
    case Layer::kSubtask: {
      Result<std::unique_ptr<HarnessRunner>> h =
          HarnessRunner::Make(*(*f)->seq, o);
      if (h.ok()) {
        r = std::unique_ptr<ChunkRunner>(std::move(h).value());
      } else {
        r = h.status();
      }
      break;
    }
  }
  if (!r.ok()) return state.SkipWithError(r.status().ToString().c_str());
  RunChunks(state, **r, ChunkOps(backend));
  state.SetLabel((*r)->Describe());
}

void BM_FullHarness(benchmark::State& state, std::string backend, bool puts) {
  Result<Fixture*> f = GetFixture(backend, puts);
  if (!f.ok()) return state.SkipWithError(f.status().ToString().c_str());
  RunConfig c;
  c.backend = backend;
  c.backend_options = OptionsFor(backend).backend_options;
  c.workload = (*f)->seq->spec();
  c.parallelism = 1;
  c.checkpoint.interval_ms = 0;
  c.warmup_s = 0.5;
  c.measure_s = g_flags.harness_seconds;
  c.measure_restore = false;
  const uint64_t chunk = ChunkOps(backend);
  const double half = g_flags.harness_seconds / 2;
  for (auto _ : state) {
    Result<Rates> before = RunFor(*(*f)->direct, chunk, half);
    RunResult run = RunBenchmark(c, BackendRegistry::Default());
    Result<Rates> after = RunFor(*(*f)->direct, chunk, half);
    if (!before.ok() || !after.ok() || run.status != RunStatus::kOk ||
        run.repetitions.empty()) {
      std::string why = run.status != RunStatus::kOk ? run.failure_reason
                        : !before.ok() ? before.status().ToString()
                                       : after.status().ToString();
      return state.SkipWithError(why.c_str());
    }
    const Repetition& rep = run.repetitions.front();
    double direct = (before->wall + after->wall) / 2;
    state.SetIterationTime(rep.measure_duration_s);
    state.counters["harness_ops_per_s"] = rep.ops_per_s;
    state.counters["direct_ops_per_s"] = direct;
    state.counters["ratio"] = rep.ops_per_s / direct;
    state.counters["sample_every"] = run.latency_sample_every;
  }
}

// ---- the cost of one latency sample ----

void BM_ClockRead(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(NowNs());
}

void BM_HistogramRecord(benchmark::State& state) {
  // Latencies spread over 50 ns .. ~10 ms, as a mixed run records them.
  std::vector<uint64_t> values(4096);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (uint64_t& v : values) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v = 50ull << (x % 18);
    v += x % v;
  }
  LatencyHistogram h;
  size_t i = 0;
  for (auto _ : state) {
    h.Record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.TotalCount());
  state.SetItemsProcessed(state.iterations());
}

// mode: 0 = recording off, else time one op in `mode`.
void BM_TimedOp(benchmark::State& state, std::string inner, uint32_t mode) {
  Result<std::unique_ptr<StateBackend>> b = MakeRecordCostBackend(inner);
  if (!b.ok()) return state.SkipWithError(b.status().ToString().c_str());
  TimedBackend timed(std::move(b).value(), mode == 0 ? 1 : mode);
  timed.set_recording(mode != 0);
  Result<StateId> id = timed.RegisterState({"value", StateKind::kValue});
  if (!id.ok()) return state.SkipWithError(id.status().ToString().c_str());
  // 1024 resident keys: the op itself stays cheap and cache-resident.
  std::vector<std::string> keys;
  std::vector<int> groups;
  for (int i = 0; i < 1024; ++i) {
    keys.push_back("key" + std::to_string(i));
    groups.push_back(
        AssignToKeyGroup(keys.back(), kDefaultLowerBoundMaxParallelism));
  }
  std::string value(100, 'v'), out;
  bool found = false;
  for (int i = 0; i < 1024; ++i) {
    if (!timed.ValuePut({*id, groups[i], keys[i], ""}, value).ok()) {
      return state.SkipWithError("preload failed");
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    size_t j = i++ & 1023;
    Status s = timed.ValueGet({*id, groups[j], keys[j], ""}, &out, &found);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}

void RegisterLayers(const std::string& b, bool puts) {
  const std::pair<const char*, Layer> layers[] = {
      {"1_direct", Layer::kDirect},
      {"2_direct+keygroup", Layer::kDirectKeyGroup},
      {"3_backend", Layer::kBackend},
      {"4_timed", Layer::kTimed},
      {"5_subtask", Layer::kSubtask},
  };
  for (const auto& [name, layer] : layers) {
    if (layer == Layer::kDirectKeyGroup && b != "memory") continue;
    benchmark::RegisterBenchmark(
        ("Layers/" + b + (puts ? "/put/" : "/get/") + name).c_str(), BM_Layer,
        b, puts, layer)
        ->UseManualTime();
  }
}

void RegisterAll() {
  for (const std::string& b : g_flags.backends) {
    benchmark::RegisterBenchmark(("Footprint/" + b + "/p2").c_str(),
                                 BM_Footprint, b, OptionsFor(b).backend_options)
        ->Iterations(1)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
  for (const std::string& b : g_flags.backends) {
    for (bool puts : {false, true}) {
      std::string suffix = b + (puts ? "/put" : "/get");
      benchmark::RegisterBenchmark(("Direct/" + suffix).c_str(), BM_Direct, b,
                                   puts)
          ->UseManualTime();
      benchmark::RegisterBenchmark(("Harness/" + suffix).c_str(), BM_Harness, b,
                                   puts)
          ->UseManualTime();
      if (b == "memory") {
        benchmark::RegisterBenchmark(
            ("Harness/" + suffix + "/sample_every:1").c_str(),
            BM_HarnessSampling, b, puts, 1u)
            ->UseManualTime();
      }
      benchmark::RegisterBenchmark(("Paired/" + suffix).c_str(), BM_Paired, b,
                                   puts, false)
          ->Iterations(1)
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
      {
        benchmark::RegisterBenchmark(
            ("Paired/" + suffix + "/vs_minimal").c_str(), BM_Paired, b, puts,
            true)
            ->Iterations(1)
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
      }
      if (b == "memory" || b == "rocksdb") {
        RegisterLayers(b, puts);
        benchmark::RegisterBenchmark(("FullHarness/" + suffix).c_str(),
                                     BM_FullHarness, b, puts)
            ->Iterations(1)
            ->UseManualTime()
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
  benchmark::RegisterBenchmark("Record/NowNs", BM_ClockRead);
  benchmark::RegisterBenchmark("Record/LatencyHistogram::Record",
                               BM_HistogramRecord);
  for (const char* inner : {"null", "memory"}) {
    for (uint32_t mode : {0u, 100u, 1u}) {
      std::string name = std::string("Record/TimedBackend/") + inner +
                         (mode == 0 ? "/recording_off"
                                    : "/sample_every:" + std::to_string(mode));
      benchmark::RegisterBenchmark(name.c_str(), BM_TimedOp, std::string(inner),
                                   mode);
    }
  }
  if (std::find(g_flags.backends.begin(), g_flags.backends.end(), "rocksdb") !=
      g_flags.backends.end()) {
    benchmark::RegisterBenchmark("WriteAmp/rocksdb", BM_WriteAmp,
                                 g_flags.wa_keys, g_flags.wa_puts,
                                 g_flags.rocksdb_options)
        ->Iterations(1)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t pos; (pos = s.find(sep, start)) != std::string::npos;
       start = pos + 1) {
    out.push_back(s.substr(start, pos - start));
  }
  out.push_back(s.substr(start));
  return out;
}

// Takes our flags out of argv (Google Benchmark rejects unknown ones).
// Returns false on a malformed flag.
bool ParseFlags(int* argc, char** argv) {
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      std::string p = std::string("--") + name + "=";
      return a.rfind(p, 0) == 0 ? argv[i] + p.size() : nullptr;
    };
    if (const char* v = value("keys")) {
      g_flags.keys = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("backends")) {
      g_flags.backends = Split(v, ',');
    } else if (const char* v = value("rocksdb_opt")) {
      std::string kv = v;
      size_t eq = kv.find('=');
      if (eq == std::string::npos) return false;
      g_flags.rocksdb_options[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (const char* v = value("harness_seconds")) {
      g_flags.harness_seconds = std::strtod(v, nullptr);
    } else if (const char* v = value("paired_rounds")) {
      g_flags.paired_rounds = std::atoi(v);
    } else if (const char* v = value("wa_keys")) {
      g_flags.wa_keys = std::strtoull(v, nullptr, 10);
    } else if (const char* v = value("wa_puts")) {
      g_flags.wa_puts = std::strtoull(v, nullptr, 10);
    } else {
      argv[out++] = argv[i];
      continue;
    }
  }
  *argc = out;
  if (g_flags.backends.empty()) {
    g_flags.backends = {"memory", "rocksdb"};
    for (const char* b : {"redis", "postgres"}) {
      if (!ServerTargetFromEnv(b).uri.empty() &&
          BackendRegistry::Default().Info(b).ok()) {
        g_flags.backends.push_back(b);
      }
    }
  }
  return g_flags.keys > 0 && g_flags.harness_seconds > 0 &&
         g_flags.paired_rounds > 0 && g_flags.wa_keys > 0;
}

}  // namespace
}  // namespace statebench

int main(int argc, char** argv) {
  if (!statebench::ParseFlags(&argc, argv)) {
    std::fprintf(stderr, "overhead_benchmark: malformed flag\n");
    return 2;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  statebench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  statebench::Fixtures().clear();
  return 0;
}
