#include "bench/cli/sweep.h"

#include <fmt/format.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "reports/report_util.h"
#include "reports/results/cost_model.h"
#include "workloads/workload_file.h"

namespace statebench {
namespace {

constexpr uint64_t kMiB = 1ull << 20;
// The smallest block cache the cache curve runs with.
constexpr uint64_t kMinCacheCurveBytes = 64ull << 10;
// The share of reads a cache twice the state serves once warm: not all of
// them, as flushes and compactions write new files whose blocks start cold
// (a 512 MiB cache over 256 MiB of state served 89 % after 13 s).
constexpr double kWarmCacheShare = 0.8;

}  // namespace

std::string FormatStateSize(uint64_t bytes) {
  return report::FormatBytes(static_cast<double>(bytes));
}

namespace {

// Keys loaded per second, a prior for the first estimate of each backend
// (measured on the project's 2-vCPU machine, rounded down).
double LoadKeysPerSecond(const std::string& backend) {
  if (backend == "memory" || backend == "fs") return 2e6;
  if (backend == "rocksdb") return 2.5e5;
  if (backend == "redis") return 2e5;
  if (backend == "postgres") return 8e3;
  return 1e5;
}

// Peak disk per byte of state: fs keeps a checkpoint beside the one in
// progress; rocksdb its database, checkpoints, the restored copy and the
// rescaled instances; postgres its table, WAL and undo; redis its AOF.
double DiskPerStateByte(const std::string& backend) {
  if (backend == "memory") return 0;
  if (backend == "fs") return 2.5;
  if (backend == "rocksdb") return 5;
  if (backend == "postgres") return 4;
  return 2;
}

bool IsHeap(const std::string& backend) {
  return backend == "memory" || backend == "fs";
}

}  // namespace

Result<std::vector<uint64_t>> ParseStateSizes(
    const std::string& flag, const std::vector<std::string>& items) {
  std::vector<uint64_t> sizes;
  for (const std::string& item : items) {
    Result<uint64_t> size = ParseByteSize(item);
    if (!size.ok()) {
      return Status::InvalidArgument(flag + ": '" + item +
                                     "' is not a size (e.g. 16MiB, 2GiB)");
    }
    if (*size == 0) {
      return Status::InvalidArgument(flag + ": '" + item + "' is zero");
    }
    if (!sizes.empty() && *size == sizes.back()) {
      return Status::InvalidArgument(flag + ": '" + item + "' is repeated");
    }
    if (!sizes.empty() && *size < sizes.back()) {
      return Status::InvalidArgument(flag + ": sizes must ascend; '" + item +
                                     "' follows " +
                                     FormatStateSize(sizes.back()));
    }
    sizes.push_back(*size);
  }
  if (sizes.empty()) return Status::InvalidArgument(flag + ": no sizes");
  return sizes;
}

Result<std::vector<uint64_t>> GeometricStateSizes(uint64_t from, uint64_t up_to,
                                                  int steps) {
  if (steps < 2) {
    return Status::InvalidArgument("--steps: a curve needs at least 2 sizes");
  }
  if (from == 0 || up_to <= from) {
    return Status::InvalidArgument("--up-to " + FormatStateSize(up_to) +
                                   " must exceed --from " +
                                   FormatStateSize(from));
  }
  const double factor = std::pow(static_cast<double>(up_to) / from,
                                 1.0 / static_cast<double>(steps - 1));
  std::vector<uint64_t> sizes;
  for (int i = 0; i < steps; ++i) {
    double x = static_cast<double>(from) * std::pow(factor, i);
    uint64_t size = i == steps - 1 ? up_to : static_cast<uint64_t>(x);
    if (size > kMiB && i != steps - 1 && i != 0) {
      size = (size + kMiB / 2) / kMiB * kMiB;
    }
    if (!sizes.empty() && size <= sizes.back()) {
      return Status::InvalidArgument("--steps " + std::to_string(steps) +
                                     " between " + FormatStateSize(from) +
                                     " and " + FormatStateSize(up_to) +
                                     " gives repeated sizes; use fewer steps");
    }
    sizes.push_back(size);
  }
  return sizes;
}

Result<double> StateBytesPerKey(const WorkloadSpec& w,
                                const Workload& workload) {
  const std::vector<WorkloadState>& states = workload.States();
  if (states.size() != 1 || states[0].kind != WorkloadStateKind::kValue ||
      workload.LoadEventCount() != w.key_count) {
    return Status::InvalidArgument(
        "sweep: workload '" + w.name +
        "' does not keep one value per key, so a state size cannot set its "
        "key count; sweep a value workload (value-rw, ycsb-a..f, "
        "flink-value)");
  }
  double value = w.value_size;
  if (w.value_size_distribution != "fixed") {
    value = (static_cast<double>(w.value_size_min) + w.value_size) / 2;
  }
  return static_cast<double>(w.key_size) + value;
}

MachineLimits ReadMachineLimits(const std::string& work_dir) {
  MachineLimits m;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  std::string unit;
  while (meminfo >> key >> kb >> unit) {
    if (key == "MemAvailable:") m.memory_available = kb * 1024;
  }
  struct statvfs vfs {};
  if (::statvfs(work_dir.c_str(), &vfs) == 0) {
    m.disk_free = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  }
  return m;
}

namespace {

// With direct reads only the run's own reads fill the block cache, one
// block per miss: a cache of hundreds of MiB is still cold after the
// default half second, and its throughput would be its warm-up's. The
// warmup reads the smaller of the cache and the state at a rate the slowest
// step here sustains (about 5,000 misses/s of 4 KiB blocks, direct).
constexpr double kWarmupBlockBytes = 4096;
constexpr double kWarmupMissesPerSecond = 5000;
constexpr double kMaxCacheWarmupSeconds = 60;

void SetCacheWarmup(const SweepPlanInput& in, uint64_t cache, SweepStep* s) {
  const double per_subtask =
      static_cast<double>(s->state_bytes) / static_cast<double>(in.parallelism);
  const double fill = std::min(static_cast<double>(cache), per_subtask) /
                      (kWarmupBlockBytes * kWarmupMissesPerSecond);
  const double warmup = std::min(fill, kMaxCacheWarmupSeconds);
  if (warmup <= in.warmup_s) {
    s->warmup_s = 0;
    return;
  }
  s->warmup_s = warmup;
  s->seconds += in.repetitions * (warmup - in.warmup_s);
}

// rocksdb's cache-curve steps (kCacheCurveRatios), inserted after the steps
// of the size they run at.
void InsertCacheCurveSteps(const SweepPlanInput& in,
                           std::vector<SweepStep>* steps) {
  // At the first size below the largest whose state per subtask is at
  // least twice the write buffer: smaller states live in the memtable
  // whatever the block cache, and the largest size is the one the
  // forecast check forecasts from the others.
  auto rocksdb =
      std::find_if(steps->begin(), steps->end(), [&](const SweepStep& s) {
        return s.backend == "rocksdb" && s.skip_reason.empty() &&
               s.state_bytes < in.sizes.back() &&
               s.state_bytes / static_cast<uint64_t>(in.parallelism) >=
                   2 * in.rocksdb_write_buffer;
      });
  if (rocksdb == steps->end()) return;
  {
    const SweepStep base = *rocksdb;
    const double per_subtask = static_cast<double>(base.state_bytes) /
                               static_cast<double>(in.parallelism);
    std::vector<SweepStep> curve;
    for (double ratio : kCacheCurveRatios) {
      SweepStep s = base;
      s.block_cache_bytes = std::max<uint64_t>(
          kMinCacheCurveBytes, static_cast<uint64_t>(ratio * per_subtask));
      if (s.warmup_s > 0) {
        s.seconds -= in.repetitions * (s.warmup_s - in.warmup_s);
        s.warmup_s = 0;
      }
      SetCacheWarmup(in, s.block_cache_bytes, &s);
      curve.push_back(s);
    }
    // Right after that size's own steps.
    auto after = std::find_if(rocksdb, steps->end(), [&](const SweepStep& s) {
      return s.state_bytes != base.state_bytes;
    });
    steps->insert(after, curve.begin(), curve.end());
  }
}

}  // namespace

Result<std::vector<SweepStep>> PlanSweep(const SweepPlanInput& in) {
  std::vector<SweepStep> steps;
  for (uint64_t size : in.sizes) {
    const double keys_d =
        std::floor(static_cast<double>(size) / in.bytes_per_key);
    if (keys_d < in.parallelism) {
      return Status::InvalidArgument(
          "state size " + FormatStateSize(size) +
          " is below one key per subtask (" +
          std::to_string(static_cast<int>(in.bytes_per_key)) +
          " bytes per key, parallelism " + std::to_string(in.parallelism) +
          ")");
    }
    for (const std::string& b : in.backends) {
      SweepStep s;
      s.backend = b;
      s.state_bytes = size;
      s.keys = static_cast<uint64_t>(keys_d);
      const double state = static_cast<double>(size);
      s.disk_bytes = static_cast<uint64_t>(state * DiskPerStateByte(b));
      // Heap state with Flink's 2x headroom; rocksdb its caches.
      s.memory_bytes =
          IsHeap(b) ? static_cast<uint64_t>(2 * state) : 256 * kMiB;
      s.seconds = static_cast<double>(s.keys) / LoadKeysPerSecond(b) +
                  in.seconds_per_run + 3 * state / (200.0 * kMiB) + 2;
      if (b == "rocksdb" && in.rocksdb_cache_curve) {
        SetCacheWarmup(in, in.rocksdb_block_cache, &s);
      }
      if (IsHeap(b) && in.machine.memory_available > 0 &&
          s.memory_bytes > in.machine.memory_available) {
        s.skip_reason =
            b + " keeps state on the heap: " + FormatStateSize(size) +
            " with Flink's 2x headroom needs " +
            FormatStateSize(s.memory_bytes) + ", and the machine has " +
            FormatStateSize(in.machine.memory_available) + " available";
      }
      steps.push_back(s);
    }
    // A size no backend of the sweep can hold is beyond the machine.
    auto first = steps.end() - static_cast<std::ptrdiff_t>(in.backends.size());
    if (std::all_of(first, steps.end(), [](const SweepStep& s) {
          return !s.skip_reason.empty();
        })) {
      return Status::InvalidArgument(
          "state size " + FormatStateSize(size) +
          " is beyond this machine: " + first->skip_reason);
    }
  }
  if (in.rocksdb_cache_curve) InsertCacheCurveSteps(in, &steps);
  uint64_t worst = 0;
  const SweepStep* worst_step = nullptr;
  for (const SweepStep& s : steps) {
    if (s.skip_reason.empty() && s.disk_bytes > worst) {
      worst = s.disk_bytes;
      worst_step = &s;
    }
  }
  if (worst_step != nullptr && in.machine.disk_free > 0 &&
      worst > in.machine.disk_free / 10 * 9) {
    return Status::InvalidArgument(
        "state size " + FormatStateSize(worst_step->state_bytes) + " on " +
        worst_step->backend + " needs about " + FormatStateSize(worst) +
        " of disk, and the work directory has " +
        FormatStateSize(in.machine.disk_free) +
        " free; lower --up-to / --state-sizes or point TMPDIR elsewhere");
  }
  return steps;
}

StepCadence CheckpointCadence::For(const std::string& backend,
                                   uint64_t state_bytes) const {
  StepCadence c{interval_ms_, measure_s_};
  auto last = last_.find(backend);
  if (interval_ms_ == 0 || last == last_.end() || last->second.first == 0) {
    return c;
  }
  const double forecast_ms = last->second.second *
                             static_cast<double>(state_bytes) /
                             static_cast<double>(last->second.first);
  const double interval =
      std::max<double>(interval_ms_, forecast_ms / kCheckpointDuty);
  c.interval_ms = static_cast<uint32_t>(std::min(interval, 3.6e6));
  c.measure_s = std::max(measure_s_, (c.interval_ms + 2 * forecast_ms) / 1e3);
  return c;
}

void CheckpointCadence::Measured(const std::string& backend,
                                 uint64_t state_bytes, double end_to_end_ms) {
  if (!(end_to_end_ms > 0)) return;
  auto& last = last_[backend];
  if (state_bytes >= last.first) last = {state_bytes, end_to_end_ms};
}

std::map<std::string, double> CurveMetrics(const RunResult& run) {
  static const char* const kSummary[] = {
      "throughput.ops_per_s",
      "checkpoint.median_end_to_end_ms",
      "checkpoint.p90_end_to_end_ms",
      "checkpoint.median_sync_ms",
      "checkpoint.median_async_ms",
      "checkpoint.median_size_bytes",
      "checkpoint.median_full_size_bytes",
      "restore.duration_ms",
      "rescale.duration_ms",
      "write_amplification",
      "memory.peak_rss_bytes",
  };
  std::map<std::string, double> out;
  for (const char* name : kSummary) {
    auto it = run.summary.find(name);
    if (it != run.summary.end()) out[name] = it->second.median;
  }
  for (const auto& [name, s] : run.summary) {
    if (name.rfind("latency.", 0) != 0) continue;
    if (name.ends_with(".p50_ns") || name.ends_with(".p99_ns") ||
        name.ends_with(".p999_ns")) {
      out[name] = s.median;
    }
  }
  // Disk, space amplification and read sources from the last repetition
  // that completed.
  for (auto rep = run.repetitions.rbegin(); rep != run.repetitions.rend();
       ++rep) {
    if (rep->status != RunStatus::kOk) continue;
    if (rep->io.storage_size > 0) {
      out["io.storage_size_bytes"] = static_cast<double>(rep->io.storage_size);
    }
    if (rep->io.space_amplification) {
      out["io.space_amplification"] = *rep->io.space_amplification;
    }
    uint64_t total = 0, in_memory = 0;
    for (const auto& [level, n] : rep->io.read_sources) {
      total += n;
      if (level != "storage" && level != "server") in_memory += n;
    }
    if (total > 0) {
      out["reads.memory_share"] =
          static_cast<double>(in_memory) / static_cast<double>(total);
    }
    break;
  }
  return out;
}

namespace {

// The block cache a rocksdb run had (its effective configuration); 0 when
// it is not a rocksdb run or says none.
double BlockCacheBytes(const RunResult& run) {
  auto it = run.effective_config.find("block_cache_size");
  if (it == run.effective_config.end()) return 0;
  Result<uint64_t> bytes = ParseByteSize(it->second);
  return bytes.ok() ? static_cast<double>(*bytes) : 0;
}

// The cache-curve steps of each configuration, as the curve and its JSON:
// throughput relative to the step with the largest cache, at the cache
// the ladder ran with. Configurations with fewer than two steps have none.
struct MeasuredCacheCurve {
  CacheCurve curve;
  nlohmann::json json;
};
std::map<std::string, MeasuredCacheCurve> CacheCurves(
    const std::vector<RunResult>& runs) {
  struct Step {
    double ratio, ops, memory_share, x;
  };
  std::map<std::string, std::vector<Step>> steps;
  std::map<std::string, double> ladder_cache;
  for (const RunResult& run : runs) {
    if (run.status != RunStatus::kOk) continue;
    auto sweep = run.extra.find("sweep");
    if (sweep == run.extra.end() || !sweep->is_object()) continue;
    const double x = sweep->value("state_bytes_per_subtask", 0.0);
    const double cache = BlockCacheBytes(run);
    if (!(x > 0) || !(cache > 0)) continue;
    if (!IsCacheCurveStep(run)) {
      ladder_cache[CurveLabel(run)] = cache;
      continue;
    }
    const std::map<std::string, double> metrics = CurveMetrics(run);
    auto ops = metrics.find("throughput.ops_per_s");
    if (ops == metrics.end() || !(ops->second > 0)) continue;
    auto share = metrics.find("reads.memory_share");
    steps[CurveLabel(run)].push_back(
        {cache / x, ops->second, share == metrics.end() ? 1.0 : share->second,
         x});
  }
  std::map<std::string, MeasuredCacheCurve> out;
  for (auto& [label, list] : steps) {
    std::sort(list.begin(), list.end(),
              [](const Step& a, const Step& b) { return a.ratio < b.ratio; });
    list.erase(std::unique(list.begin(), list.end(),
                           [](const Step& a, const Step& b) {
                             return a.ratio == b.ratio;
                           }),
               list.end());
    auto cache = ladder_cache.find(label);
    if (list.size() < 2 || cache == ladder_cache.end()) continue;
    MeasuredCacheCurve m;
    m.curve.cache_bytes = cache->second;
    nlohmann::json points = nlohmann::json::array();
    for (const Step& s : list) {
      const double relative = s.ops / list.back().ops;
      m.curve.points.push_back({s.ratio, relative});
      points.push_back({{"ratio", s.ratio},
                        {"relative_throughput", relative},
                        {"ops_per_s", s.ops},
                        {"memory_share", s.memory_share}});
    }
    m.json = {{"block_cache_bytes", cache->second},
              {"state_bytes_per_subtask", list.front().x},
              {"points", std::move(points)}};
    // The reference, a cache twice the state, must have held the state by
    // the end of the run; a cache still cold from the load would price
    // every ratio by its warm-up instead.
    if (list.back().ratio < 1) {
      m.json["applied"] = false;
      m.json["reason"] = fmt::format(
          "not applied: the largest block cache measured is {:.3g}x the "
          "state, not one that holds it (the step with the largest did not "
          "complete)",
          list.back().ratio);
    } else if (list.back().memory_share < kWarmCacheShare) {
      m.json["applied"] = false;
      m.json["reason"] = fmt::format(
          "not applied: with a block cache {:.3g}x the state, {:.0f}% of reads "
          "were served from memory; the cache had not warmed up within the "
          "run (a longer --warmup warms it)",
          list.back().ratio, 100 * list.back().memory_share);
    }
    out[label] = std::move(m);
  }
  return out;
}

nlohmann::json ModelJson(const CostModel& m) {
  nlohmann::json j = {{"kind", CostModelKindName(m.kind)},
                      {"params", m.params},
                      {"describe", m.Describe()},
                      {"fit_error", m.fit_error},
                      {"log_sigma", m.log_sigma},
                      {"mean_log_x", m.mean_log_x},
                      {"sxx_log_x", m.sxx_log_x},
                      {"points", m.points},
                      {"max_x", m.max_x}};
  if (m.holdout_error) j["holdout_error"] = *m.holdout_error;
  return j;
}

nlohmann::json CheckJson(const ForecastCheck& c) {
  return {{"x", c.x},
          {"measured", c.measured},
          {"forecast", c.forecast.value},
          {"low", c.forecast.low},
          {"high", c.forecast.high},
          {"extrapolation", c.forecast.extrapolation},
          {"relative_error", c.relative_error},
          {"inside_interval", c.inside_interval},
          {"model", CostModelKindName(c.model.kind)}};
}

}  // namespace

nlohmann::json FitCurves(const std::vector<RunResult>& runs) {
  // label -> metric -> points
  std::map<std::string, std::map<std::string, std::vector<CurvePoint>>> by;
  for (const RunResult& run : runs) {
    if (run.status != RunStatus::kOk) continue;
    auto sweep = run.extra.find("sweep");
    if (sweep == run.extra.end() || !sweep->is_object()) continue;
    if (IsCacheCurveStep(run)) continue;
    const double x = sweep->value("state_bytes_per_subtask", 0.0);
    if (!(x > 0)) continue;
    const std::string label = CurveLabel(run);
    for (const auto& [metric, y] : CurveMetrics(run)) {
      if (y > 0 && std::isfinite(y)) by[label][metric].push_back({x, y});
    }
  }
  const std::map<std::string, MeasuredCacheCurve> caches = CacheCurves(runs);
  nlohmann::json out = nlohmann::json::object();
  out["x"] = "state_bytes_per_subtask";
  out["interval_level"] = 0.9;
  nlohmann::json backends = nlohmann::json::object();
  for (const auto& [label, metrics] : by) {
    auto cache = caches.find(label);
    nlohmann::json jm = nlohmann::json::object();
    for (const auto& [metric, points] : metrics) {
      nlohmann::json c;
      nlohmann::json pts = nlohmann::json::array();
      for (const CurvePoint& p : points) pts.push_back({p.x, p.y});
      c["points"] = pts;
      std::optional<CacheCurve> curve;
      if (cache != caches.end() && metric.starts_with("throughput.")) {
        c["cache"] = cache->second.json;
        curve = CacheCurveFromJson(c);
      }
      Result<CostModel> m = FitCurveJson(c);
      if (m.ok()) {
        c["model"] = ModelJson(*m);
      } else {
        c["model_error"] = m.status().message();
      }
      Result<ForecastCheck> check = CheckLargestForecast(points, curve);
      if (check.ok()) c["forecast_check"] = CheckJson(*check);
      jm[metric] = std::move(c);
    }
    backends[label] = std::move(jm);
  }
  out["backends"] = std::move(backends);
  return out;
}

}  // namespace statebench
