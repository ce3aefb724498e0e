// Synthetic, plausible results files for advisor tests: every backend
// configuration the advisor must tell apart, with medians in the ranges a
// laptop measures (heap ~2M events/s and sub-microsecond p99, RocksDB
// ~400k/s and ~10 us, Redis and PostgreSQL ~1 ms round trips).
// Each metric has three samples (+-2% around the median).
#ifndef STATEBENCH_TESTS_ADVISOR_SYNTHETIC_RESULTS_H_
#define STATEBENCH_TESTS_ADVISOR_SYNTHETIC_RESULTS_H_

#include <map>
#include <optional>
#include <string>

#include "reports/results/results.h"

namespace statebench::advisor::testing {

inline constexpr double kMiB = 1024.0 * 1024.0;
inline constexpr double kGiB = 1024.0 * kMiB;

struct SyntheticBackend {
  std::string name;
  std::map<std::string, std::string> options;
  std::string checkpoint_type = "full";
  CapabilitiesRecord caps;
  double events_per_s = 0;
  double p99_get_ns = 0;
  double p99_put_ns = 0;
  double checkpoint_size = 0;       // per checkpoint (delta when incremental)
  double checkpoint_full_size = 0;  // bytes
  double checkpoint_e2e_ms = 0;
  std::optional<double> restore_bytes_per_s;
  double restore_ms = 0;
  double write_amplification = 1;
  double peak_rss = 256 * kMiB;
  double live_state = 64 * kMiB;
  nlohmann::json verification;  // null: not verified
};

inline MetricSummary Around(double v) {
  return Summarize({v * 0.98, v, v * 1.02});
}

inline RunResult MakeRun(const SyntheticBackend& b) {
  RunResult r;
  r.backend = b.name;
  r.workload = "value-rw";
  r.capabilities = b.caps;
  r.backend_options = b.options;
  r.checkpoint_type = b.checkpoint_type;
  r.parallelism = 1;
  r.verification = b.verification;
  auto& s = r.summary;
  s["throughput.events_per_s"] = Around(b.events_per_s);
  s["throughput.ops_per_s"] = Around(b.events_per_s);
  s["latency.value_get.p99_ns"] = Around(b.p99_get_ns);
  s["latency.value_put.p99_ns"] = Around(b.p99_put_ns);
  s["latency.value_get.p50_ns"] = Around(b.p99_get_ns / 4);
  s["checkpoint.median_size_bytes"] = Around(b.checkpoint_size);
  s["checkpoint.median_full_size_bytes"] = Around(b.checkpoint_full_size);
  s["checkpoint.median_end_to_end_ms"] = Around(b.checkpoint_e2e_ms);
  s["checkpoint.completed"] = Around(9);
  s["restore.duration_ms"] = Around(b.restore_ms);
  if (b.restore_bytes_per_s) {
    s["restore.bytes_per_s"] = Around(*b.restore_bytes_per_s);
    s["restore.bytes_read_bytes"] =
        Around(*b.restore_bytes_per_s * b.restore_ms / 1e3);
  }
  s["write_amplification"] = Around(b.write_amplification);
  s["memory.peak_rss_bytes"] = Around(b.peak_rss);
  s["state.logical_live_bytes"] = Around(b.live_state);
  // Three repetitions of 10 s writing 10 MiB/s of state, checkpointing
  // every second: what the delta model reads.
  for (int i = 0; i < 3; ++i) {
    Repetition rep;
    rep.index = i;
    rep.measure_duration_s = 10;
    rep.io.logical_bytes_written = static_cast<uint64_t>(100 * kMiB);
    for (int c = 1; c <= 9; ++c) {
      CheckpointRecord cp;
      cp.id = c;
      cp.status = CheckpointStatus::kCompleted;
      cp.trigger_time_s = c;
      rep.checkpoints.push_back(cp);
    }
    r.repetitions.push_back(rep);
  }
  return r;
}

inline CapabilitiesRecord Caps(bool durable, bool incremental, bool remote,
                               bool exactly_once, bool memory_bound,
                               std::string rescale) {
  CapabilitiesRecord c;
  c.durable = durable;
  c.incremental = incremental;
  c.remote = remote;
  c.exactly_once = exactly_once;
  c.memory_bound = memory_bound;
  c.rescale_mode = std::move(rescale);
  return c;
}

inline SyntheticBackend Memory() {
  SyntheticBackend b{"memory"};
  b.caps = Caps(false, false, false, true, true, "key-group-offsets");
  b.events_per_s = 2.0e6;
  b.p99_get_ns = 400;
  b.p99_put_ns = 600;
  b.checkpoint_size = b.checkpoint_full_size = 64 * kMiB;
  b.checkpoint_e2e_ms = 150;
  b.restore_bytes_per_s = 800 * kMiB;
  b.restore_ms = 80;
  b.write_amplification = 1.0;
  return b;
}

inline SyntheticBackend Fs() {
  SyntheticBackend b{"fs"};
  b.caps = Caps(true, false, false, true, true, "key-group-offsets");
  b.events_per_s = 1.9e6;
  b.p99_get_ns = 500;
  b.p99_put_ns = 700;
  b.checkpoint_size = b.checkpoint_full_size = 64 * kMiB;
  b.checkpoint_e2e_ms = 400;
  b.restore_bytes_per_s = 600 * kMiB;
  b.restore_ms = 107;
  b.write_amplification = 1.2;
  return b;
}

inline SyntheticBackend RocksDb(bool incremental) {
  SyntheticBackend b{"rocksdb"};
  b.caps = Caps(true, true, false, true, false, "clip-delete-range");
  b.checkpoint_type = incremental ? "incremental" : "full";
  b.events_per_s = 4.0e5;
  b.p99_get_ns = 8000;
  b.p99_put_ns = 12000;
  b.checkpoint_full_size = 70 * kMiB;
  b.checkpoint_size = incremental ? 6 * kMiB : 70 * kMiB;
  b.checkpoint_e2e_ms = incremental ? 200 : 900;
  b.restore_bytes_per_s = 300 * kMiB;
  b.restore_ms = 233;
  b.write_amplification = 8;
  return b;
}

inline SyntheticBackend Redis(bool write_through) {
  SyntheticBackend b{"redis"};
  b.options = {{"mode", write_through ? "write-through" : "buffered"},
               {"batch", write_through ? "1" : "1000"}};
  b.caps = Caps(true, false, true, !write_through, false, "shared-store");
  b.events_per_s = write_through ? 4.0e4 : 6.0e4;
  b.p99_get_ns = write_through ? 1.0e6 : 9.0e5;
  b.p99_put_ns = write_through ? 1.2e6 : 1.1e6;
  b.checkpoint_size = write_through ? 0 : 2 * kMiB;
  b.checkpoint_full_size = 80 * kMiB;
  b.checkpoint_e2e_ms = write_through ? 3 : 30;
  b.restore_ms = write_through ? 15 : 20;
  b.write_amplification = 2;
  return b;
}

inline SyntheticBackend Postgres() {
  SyntheticBackend b{"postgres"};
  b.caps = Caps(true, false, true, true, false, "shared-store");
  b.events_per_s = 1.5e4;
  b.p99_get_ns = 1.5e6;
  b.p99_put_ns = 2.0e6;
  b.checkpoint_size = 3 * kMiB;
  b.checkpoint_full_size = 90 * kMiB;
  b.checkpoint_e2e_ms = 60;
  b.restore_ms = 25;
  b.write_amplification = 3;
  return b;
}

// memory, fs, rocksdb (full and incremental), redis (buffered and
// write-through), postgres.
inline ResultsFile StandardResults() {
  ResultsFile f;
  f.context.command = "compare";
  for (const SyntheticBackend& b :
       {Memory(), Fs(), RocksDb(false), RocksDb(true), Redis(false),
        Redis(true), Postgres()}) {
    f.runs.push_back(MakeRun(b));
  }
  return f;
}

// The run of `backend` (with option mode=`mode` when given, checkpoint type
// `checkpoint` when given).
inline RunResult* FindRun(ResultsFile* f, const std::string& backend,
                          const std::string& mode = "",
                          const std::string& checkpoint = "") {
  for (RunResult& r : f->runs) {
    if (r.backend != backend) continue;
    auto it = r.backend_options.find("mode");
    if (!mode.empty() &&
        (it == r.backend_options.end() || it->second != mode)) {
      continue;
    }
    if (!checkpoint.empty() && r.checkpoint_type != checkpoint) continue;
    return &r;
  }
  return nullptr;
}

inline void SetMetric(RunResult* r, const std::string& metric, double v) {
  r->summary[metric] = Around(v);
}

}  // namespace statebench::advisor::testing

#endif  // STATEBENCH_TESTS_ADVISOR_SYNTHETIC_RESULTS_H_
