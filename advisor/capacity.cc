#include "advisor/capacity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace statebench::advisor {
namespace {

Value Num(double v, Unit u) { return Value::Number(v, u); }

Value OptNum(const std::optional<double>& v, Unit u) {
  return v ? Num(*v, u) : Value::Missing();
}

// The checkpoint figure the plan uses: the p90 over checkpoints, so the
// incremental checkpoints that follow a compaction (about one in four,
// uploading much of the state) are planned for; the median for results
// recorded without percentiles.
std::optional<double> CheckpointTail(const BackendMeasurement& m,
                                     const std::string& what) {
  if (std::optional<double> p90 = m.Median("checkpoint.p90_" + what)) {
    return p90;
  }
  return m.Median("checkpoint.median_" + what);
}

void AddMetricFacts(const BackendMeasurement& m, Facts* f) {
  for (const auto& [name, s] : m.summary) {
    Unit unit;
    double factor;
    if (!DescribeMetricUnit(name, &unit, &factor)) continue;
    if (std::optional<double> med = m.Median(name)) {
      (*f)["metric." + name] = Num(*med * factor, unit);
    }
  }
}

void AddBackendFacts(const BackendMeasurement& m, Facts* f) {
  (*f)["backend.name"] = Value::Text(m.name);
  (*f)["backend.label"] = Value::Text(m.label);
  (*f)["backend.checkpoint_type"] = Value::Text(m.checkpoint_type);
  for (const auto& [k, v] : m.options) {
    (*f)["backend.option." + k] = Value::Text(v);
  }
  const CapabilitiesRecord& c = m.capabilities;
  (*f)["capability.durable"] = Value::Bool(c.durable);
  (*f)["capability.durability_note"] =
      c.durability_note.empty()
          ? Value::Missing("the results give no durability note")
          : Value::Text(c.durability_note);
  (*f)["capability.incremental"] = Value::Bool(c.incremental);
  (*f)["capability.remote"] = Value::Bool(c.remote);
  (*f)["capability.exactly_once"] = Value::Bool(c.exactly_once);
  (*f)["capability.memory_bound"] = Value::Bool(c.memory_bound);
  (*f)["capability.rescale_mode"] = Value::Text(c.rescale_mode);
  const nlohmann::json& v = m.verification;
  if (v.is_object()) {
    if (v.contains("verdict") && v["verdict"].is_string()) {
      (*f)["verification.verdict"] =
          Value::Text(v["verdict"].get<std::string>());
    }
    for (const char* k : {"lost", "resurrected", "wrong"}) {
      if (v.contains(k) && v[k].is_number()) {
        (*f)[std::string("verification.") + k] =
            Num(v[k].get<double>(), Unit::kCount);
      }
    }
  }
}

// Worst p99 over op kinds, service time or coordinated-omission corrected.
void AddLatencyFacts(const BackendMeasurement& m, Facts* f) {
  double worst = -1;
  std::string op;
  for (const auto& [name, s] : m.summary) {
    bool corrected = name.rfind("latency_corrected.", 0) == 0;
    if (!corrected && name.rfind("latency.", 0) != 0) continue;
    if (name.size() < 7 || name.substr(name.size() - 7) != ".p99_ns") continue;
    std::optional<double> med = m.Median(name);
    if (!med || *med <= worst) continue;
    worst = *med;
    size_t first = name.find('.') + 1;
    op = name.substr(first, name.size() - 7 - first) +
         (corrected ? " (corrected)" : "");
  }
  if (worst < 0) {
    (*f)["derived.p99_latency"] = Value::Missing("no p99 latency was measured");
    return;
  }
  (*f)["derived.p99_latency"] = Num(worst * 1e-9, Unit::kSeconds);
  (*f)["derived.p99_op"] = Value::Text(op);
}

// Measured state and the full checkpoint at the profile's state size.
void AddStateFacts(const Profile& p, const BackendMeasurement& m, Facts* f) {
  std::optional<double> live = m.Median("state.logical_live_bytes");
  std::optional<double> full = m.Median("checkpoint.median_full_size_bytes");
  std::optional<double> measured = live && *live > 0 ? live : full;
  if (!measured || *measured <= 0) {
    (*f)["derived.measured_state"] =
        Value::Missing("the measured state size is not in the results");
    (*f)["derived.extrapolation"] = (*f)["derived.measured_state"];
  } else {
    (*f)["derived.measured_state"] = Num(*measured, Unit::kBytes);
    (*f)["derived.extrapolation"] =
        Num(p.state_size_bytes / *measured, Unit::kRatio);
  }
  // Snapshot format overhead (or compression) relative to live state.
  double ratio = live && full && *live > 0 && *full > 0 ? *full / *live : 1.0;
  (*f)["derived.checkpoint_full_size"] =
      Num(p.state_size_bytes * ratio, Unit::kBytes);
}

// Bytes of one checkpoint at the profile's write rate: the full size, or
// for incremental and remote backends the measured delta per written byte.
Value CheckpointSize(const Profile& p, const BackendMeasurement& m,
                     const Facts& f) {
  const Value& full = FactOrMissing(f, "derived.checkpoint_full_size");
  bool delta = m.checkpoint_type == "incremental" || m.capabilities.remote;
  if (!delta) return full;
  std::optional<double> size = CheckpointTail(m, "size_bytes");
  if (!size || !m.logical_write_bytes_per_s || !m.checkpoint_spacing_s ||
      *m.logical_write_bytes_per_s <= 0 || *m.checkpoint_spacing_s <= 0) {
    return Value::Missing(
        "the checkpoint delta per written byte could not be measured (needs "
        "checkpoint sizes, logical bytes written and checkpoint spacing)");
  }
  double per_written_byte =
      *size / (*m.logical_write_bytes_per_s * *m.checkpoint_spacing_s);
  double write_rate = FactOrMissing(f, "derived.write_rate").number;
  return Num(std::min(full.number,
                      write_rate * p.checkpoint_interval_s * per_written_byte),
             Unit::kBytes);
}

void AddCheckpointFacts(const Profile& p, const BackendMeasurement& m,
                        double parallelism, Facts* f) {
  Value size = CheckpointSize(p, m, *f);
  (*f)["derived.checkpoint_size"] = size;
  std::optional<double> bytes = CheckpointTail(m, "size_bytes");
  std::optional<double> e2e = CheckpointTail(m, "end_to_end_ms");
  if (bytes && e2e && *bytes > 0 && *e2e > 0) {
    double rate = *bytes / (*e2e / 1e3) / m.parallelism;
    (*f)["derived.checkpoint_rate"] = Num(rate, Unit::kBytesPerSecond);
    if (size.present()) {
      (*f)["derived.checkpoint_duration"] =
          Num(size.number / (rate * parallelism), Unit::kSeconds);
      return;
    }
  } else {
    (*f)["derived.checkpoint_rate"] =
        Value::Missing("no checkpoint with a size and duration was measured");
  }
  // Nothing to scale by (e.g. a write-through server commits no data at a
  // checkpoint): keep the measured duration.
  if (e2e && size.present() && (!bytes || *bytes == 0)) {
    (*f)["derived.checkpoint_duration"] = Num(*e2e / 1e3, Unit::kSeconds);
  } else if (!size.present()) {
    (*f)["derived.checkpoint_duration"] = size;
  } else {
    (*f)["derived.checkpoint_duration"] =
        Value::Missing("checkpoint durations were not measured");
  }
}

// Restoring an embedded backend reads its whole checkpoint, in parallel
// over the subtasks.
void AddEmbeddedRestoreFacts(const BackendMeasurement& m, double parallelism,
                             std::optional<double> rate, Facts* f) {
  if (!rate || *rate <= 0) {
    (*f)["derived.restore_rate"] = Value::Missing("no restore was measured");
    (*f)["derived.restore_time"] = (*f)["derived.restore_rate"];
    (*f)["derived.restore_basis"] = (*f)["derived.restore_rate"];
    return;
  }
  double per_subtask = *rate / m.parallelism;
  const Value& full = FactOrMissing(*f, "derived.checkpoint_full_size");
  (*f)["derived.restore_rate"] = Num(per_subtask, Unit::kBytesPerSecond);
  (*f)["derived.restore_time"] =
      Num(full.number / (per_subtask * parallelism), Unit::kSeconds);
  (*f)["derived.restore_basis"] = Value::Text(fmt::format(
      "restoring {} at the measured {} per subtask over {} subtask(s)",
      full.Format(), FormatQuantity(per_subtask, Unit::kBytesPerSecond),
      FormatQuantity(parallelism, Unit::kCount)));
}

// How long a state server takes to come back after it crashes, and why.
// Redis reloads its whole data set (RDB, or an AOF with its RDB preamble);
// PostgreSQL's heap is on disk and it replays the WAL written since its
// last checkpoint, which max_wal_size and checkpoint_timeout bound.
void AddServerRestartFacts(const Profile& p, const BackendMeasurement& m,
                           Facts* f) {
  if (m.name == "redis") {
    double seconds = p.state_size_bytes / kRedisReloadBytesPerSecond;
    (*f)["derived.server_restart_time"] = Num(seconds, Unit::kSeconds);
    (*f)["derived.server_restart_basis"] = Value::Text(fmt::format(
        "a Redis server crash: it reloads {} from its RDB/AOF at about {}",
        FormatQuantity(p.state_size_bytes, Unit::kBytes),
        FormatQuantity(kRedisReloadBytesPerSecond, Unit::kBytesPerSecond)));
  } else if (m.name == "postgres") {
    double wal =
        std::min(kPostgresMaxWalBytes,
                 FactOrMissing(*f, "derived.write_rate").number *
                     kPostgresWalPerLogicalByte * kPostgresCheckpointTimeoutS);
    double seconds = wal / kPostgresReplayBytesPerSecond;
    (*f)["derived.server_restart_time"] = Num(seconds, Unit::kSeconds);
    (*f)["derived.server_restart_basis"] = Value::Text(fmt::format(
        "a PostgreSQL server crash: it replays {} of WAL written since its "
        "last checkpoint at about {}",
        FormatQuantity(wal, Unit::kBytes),
        FormatQuantity(kPostgresReplayBytesPerSecond, Unit::kBytesPerSecond)));
  }
}

void AddRestoreFacts(const Profile& p, const BackendMeasurement& m,
                     double parallelism, Facts* f) {
  std::optional<double> duration = m.Median("restore.duration_ms");
  // Per byte of state made available: a hard-linked restore reads a few kB
  // for MBs of state, and extrapolating a rate per byte read from it
  // would predict days. Older results without restore.state_bytes give
  // the rate per byte read.
  std::optional<double> rate;
  std::optional<double> state = m.Median("restore.state_bytes");
  if (state && *state > 0 && duration && *duration > 0) {
    rate = *state / (*duration / 1e3);
  } else if (!state) {
    rate = m.Median("restore.bytes_per_s");
    std::optional<double> bytes = m.Median("restore.bytes_read_bytes");
    if (!rate && bytes && duration && *duration > 0) {
      rate = *bytes / (*duration / 1e3);
    }
  }
  if (!m.capabilities.remote && m.capabilities.rescale_mode != "shared-store") {
    AddEmbeddedRestoreFacts(m, parallelism, rate, f);
    return;
  }
  // The state is already on the server: a job restore reads the committed
  // checkpoint id, not the state, so its measured time does not grow with
  // the state size. A crash of the server itself does.
  if (rate) {
    (*f)["derived.restore_rate"] =
        Num(*rate / m.parallelism, Unit::kBytesPerSecond);
  }
  AddServerRestartFacts(p, m, f);
  (*f)["derived.job_restore_time"] =
      duration ? Num(*duration / 1e3, Unit::kSeconds)
               : Value::Missing("no restore was measured");
  const Value& job = (*f)["derived.job_restore_time"];
  const Value& server = FactOrMissing(*f, "derived.server_restart_time");
  if (server.present() && (!job.present() || server.number >= job.number)) {
    (*f)["derived.restore_time"] = server;
    (*f)["derived.restore_basis"] = (*f)["derived.server_restart_basis"];
  } else {
    (*f)["derived.restore_time"] = job;
    (*f)["derived.restore_basis"] =
        job.present() ? Value::Text(
                            "a job restore: the state is already on the "
                            "server and the measured restore reads the "
                            "committed checkpoint id")
                      : job;
  }
}

// What the state server must hold and serve: memory (Redis keeps every
// entry in RAM) or storage (PostgreSQL), and the connections of all
// subtasks.
void AddServerFacts(const Profile& p, const BackendMeasurement& m,
                    double parallelism, Facts* f) {
  if (m.name == "redis") {
    (*f)["derived.server_entry_overhead"] =
        Num(kRedisEntryOverheadBytes, Unit::kBytes);
    (*f)["derived.server_memory_required"] =
        Num(p.state_size_bytes + p.key_count * kRedisEntryOverheadBytes,
            Unit::kBytes);
    (*f)["derived.server_connections"] =
        Num(parallelism * kRedisConnectionsPerSubtask, Unit::kCount);
  } else if (m.name == "postgres") {
    (*f)["derived.server_entry_overhead"] =
        Num(kPostgresRowOverheadBytes, Unit::kBytes);
    (*f)["derived.server_storage_required"] =
        Num(p.state_size_bytes + p.key_count * kPostgresRowOverheadBytes,
            Unit::kBytes);
    (*f)["derived.server_connections"] =
        Num(parallelism * kPostgresConnectionsPerSubtask, Unit::kCount);
  }
}

// A figure at one parallelism: its forecast and the ends of its interval
// (the same value three times for a figure scaled from one measurement).
struct Ranged {
  double value = 0;
  double low = 0;
  double high = 0;
};

void PutRanged(const std::string& name, const Ranged& r, Unit u, Facts* f) {
  (*f)[name] = Num(r.value, u);
  (*f)[name + "_low"] = Num(r.low, u);
  (*f)[name + "_high"] = Num(r.high, u);
}

// The point figure as a range of one value, when it is present.
void PutPointRange(const std::string& name, Facts* f) {
  const Value v = FactOrMissing(*f, name);
  (*f)[name + "_low"] = v;
  (*f)[name + "_high"] = v;
}

// The sweep's model of `metric` at x bytes per subtask, divided by
// `divisor` (ms to s, a job's rate to a subtask's); a model measured
// against the block cache is read at `cache_bytes` per subtask when given.
std::optional<Ranged> CurveAt(const BackendMeasurement& m,
                              const std::string& metric, double x,
                              double divisor, double cache_bytes = 0) {
  auto it = m.curves.find(metric);
  if (it == m.curves.end() || !(x > 0)) return std::nullopt;
  CostModel model = it->second;
  if (model.cache && cache_bytes > 0) model.cache->cache_bytes = cache_bytes;
  Forecast fc = model.At(x);
  if (!(fc.value > 0) || !std::isfinite(fc.value)) return std::nullopt;
  return Ranged{fc.value / divisor, fc.low / divisor, fc.high / divisor};
}

std::string CurveWords(const BackendMeasurement& m, const std::string& metric,
                       double x) {
  const CostModel& model = m.curves.at(metric);
  return fmt::format(
      "the sweep's {} curve at {} per subtask ({} beyond the largest "
      "measured, {})",
      CostModelKindName(model.kind), FormatQuantity(x, Unit::kBytes),
      FormatQuantity(std::max(1.0, x / model.max_x), Unit::kRatio),
      FormatQuantity(model.max_x, Unit::kBytes));
}

// The block cache a subtask has in the plan: half the memory it gets on its
// node (Flink's managed memory, shared with the write buffers at
// write_buffer_ratio 0.5), or the sweep's own cache when the profile gives
// no memory per node.
double PlannedBlockCache(const Profile& p, const CacheCurve& sweep,
                         double parallelism) {
  if (!p.memory_per_node_bytes || !(*p.memory_per_node_bytes > 0)) {
    return sweep.cache_bytes;
  }
  return 0.5 * *p.memory_per_node_bytes * p.nodes / parallelism;
}

// `metric`'s throughput curve at x per subtask, divided by `divisor`; a
// curve measured against the block cache is read at the plan's cache, and
// the basis says so.
std::optional<Ranged> RateCurveAt(const Profile& p, const BackendMeasurement& m,
                                  const std::string& metric, double x,
                                  double divisor, double parallelism,
                                  Facts* f) {
  auto curve = m.curves.find(metric);
  if (curve == m.curves.end() || !(divisor > 0)) return std::nullopt;
  const std::optional<CacheCurve>& c = curve->second.cache;
  const double cache = c ? PlannedBlockCache(p, *c, parallelism) : 0;
  std::optional<Ranged> r = CurveAt(m, metric, x, divisor, cache);
  if (!r) return std::nullopt;
  std::string basis = CurveWords(m, metric, x);
  if (c) {
    const double ratio = cache / x;
    (*f)["derived.block_cache_per_subtask"] = Num(cache, Unit::kBytes);
    basis += fmt::format(
        ", at {} of its in-cache rate: a {} block cache per subtask ({}) "
        "is {} of the state, and the cache curve measured down to {}",
        FormatQuantity(c->Factor(ratio), Unit::kFraction),
        FormatQuantity(cache, Unit::kBytes),
        p.memory_per_node_bytes > 0.0
            ? "half of memory_per_node per subtask"
            : "the sweep's own: the profile gives no memory_per_node",
        FormatQuantity(ratio, Unit::kFraction),
        FormatQuantity(c->points.front().ratio, Unit::kFraction));
  }
  (*f)["derived.rate_basis"] = Value::Text(basis);
  return r;
}

// A subtask's events/s at x: from the sweep's throughput curve (events,
// or ops converted at the measured events per op), else the measured rate.
std::optional<Ranged> SubtaskRateAt(const Profile& p,
                                    const BackendMeasurement& m, double x,
                                    double parallelism, Facts* f) {
  if (auto r = RateCurveAt(p, m, "throughput.events_per_s", x, m.parallelism,
                           parallelism, f)) {
    return r;
  }
  std::optional<double> events = m.Median("throughput.events_per_s");
  std::optional<double> ops = m.Median("throughput.ops_per_s");
  if (events && ops && *ops > 0 && *events > 0) {
    if (auto r = RateCurveAt(p, m, "throughput.ops_per_s", x,
                             m.parallelism * *ops / *events, parallelism, f)) {
      return r;
    }
  }
  if (!events || *events <= 0) return std::nullopt;
  const double v = *events / m.parallelism;
  return Ranged{v, v, v};
}

// Replaces the point figures at `parallelism` by the sweep's curves where
// it measured them, and gives every planned figure its range.
void AddCurveFigures(const Profile& p, const BackendMeasurement& m,
                     double parallelism, Facts* f) {
  const double x = p.state_size_bytes / parallelism;
  (*f)["derived.state_per_subtask"] = Num(x, Unit::kBytes);
  const double measured =
      m.largest_per_subtask_bytes > 0
          ? m.largest_per_subtask_bytes
          : FactOrMissing(*f, "derived.measured_state").number / m.parallelism;
  if (measured > 0) {
    (*f)["derived.measured_per_subtask"] = Num(measured, Unit::kBytes);
    (*f)["derived.extrapolation"] = Num(x / measured, Unit::kRatio);
  }
  if (std::optional<Ranged> rate = SubtaskRateAt(p, m, x, parallelism, f)) {
    PutRanged("derived.per_subtask_rate", *rate, Unit::kEventsPerSecond, f);
    // What the plan carries at the low end of the rate's interval.
    (*f)["derived.planned_rate_low"] = Num(
        rate->low * parallelism * kTargetUtilisation, Unit::kEventsPerSecond);
  }
  const bool embedded =
      !m.capabilities.remote && m.capabilities.rescale_mode != "shared-store";
  std::optional<Ranged> restore;
  if (embedded) restore = CurveAt(m, "restore.duration_ms", x, 1e3);
  if (restore) {
    PutRanged("derived.restore_time", *restore, Unit::kSeconds, f);
    (*f)["derived.restore_basis"] = Value::Text(
        "restoring " + CurveWords(m, "restore.duration_ms", x) + " over " +
        FormatQuantity(parallelism, Unit::kCount) + " subtask(s)");
  } else {
    PutPointRange("derived.restore_time", f);
  }
  // A full checkpoint's duration follows the state per subtask; an
  // incremental or remote one follows the writes, which a sweep at its
  // own rate does not model.
  std::optional<Ranged> checkpoint;
  std::string ck_metric = "checkpoint.p90_end_to_end_ms";
  if (!m.curves.count(ck_metric)) ck_metric = "checkpoint.median_end_to_end_ms";
  if (m.checkpoint_type != "incremental" && !m.capabilities.remote) {
    checkpoint = CurveAt(m, ck_metric, x, 1e3);
  }
  if (checkpoint) {
    PutRanged("derived.checkpoint_duration", *checkpoint, Unit::kSeconds, f);
  } else {
    PutPointRange("derived.checkpoint_duration", f);
  }
}

// Every figure of `m` planned at `parallelism`.
// A full checkpoint's size from the sweep's curve at the state per subtask,
// over all subtasks (the snapshot format's overhead per entry included).
void AddCurveCheckpointSize(const Profile& p, const BackendMeasurement& m,
                            double parallelism, Facts* f) {
  const double x = p.state_size_bytes / parallelism;
  if (auto full =
          CurveAt(m, "checkpoint.median_full_size_bytes", x, m.parallelism)) {
    (*f)["derived.checkpoint_full_size"] =
        Num(full->value * parallelism, Unit::kBytes);
  }
}

void AddResourceFacts(const Profile& p, const BackendMeasurement& m,
                      double parallelism, Facts* f) {
  // A sweep's curve at the state per subtask: leveled compaction writes
  // each byte once more per level, and levels grow with the state.
  std::optional<double> wa = m.Median("write_amplification");
  if (auto curve = CurveAt(m, "write_amplification",
                           p.state_size_bytes / parallelism, 1)) {
    wa = curve->value;
  }
  if (wa) {
    (*f)["derived.write_amplification"] = Num(*wa, Unit::kRatio);
    (*f)["derived.disk_write_rate"] =
        Num(FactOrMissing(*f, "derived.write_rate").number * *wa,
            Unit::kBytesPerSecond);
  } else {
    (*f)["derived.write_amplification"] =
        Value::Missing("write amplification was not measured");
    (*f)["derived.disk_write_rate"] = (*f)["derived.write_amplification"];
  }
  if (m.capabilities.memory_bound) {
    (*f)["derived.memory_per_subtask"] =
        Num(FactOrMissing(*f, "derived.heap_required").number / parallelism,
            Unit::kBytes);
  } else if (std::optional<double> rss = m.Median("memory.peak_rss_bytes")) {
    (*f)["derived.memory_per_subtask"] =
        Num(*rss / m.parallelism, Unit::kBytes);
  } else {
    (*f)["derived.memory_per_subtask"] =
        Value::Missing("peak memory was not measured");
  }
  (*f)["derived.repetitions"] = Num(m.repetitions, Unit::kCount);
}

Facts FiguresAt(const Profile& p, const BackendMeasurement& m,
                double parallelism, const Facts& base) {
  Facts f = base;
  f["derived.parallelism"] = Num(parallelism, Unit::kCount);
  AddCurveCheckpointSize(p, m, parallelism, &f);
  AddCheckpointFacts(p, m, parallelism, &f);
  AddRestoreFacts(p, m, parallelism, &f);
  AddCurveFigures(p, m, parallelism, &f);
  return f;
}

// The requirements more subtasks can meet, each judged on the forecast.
struct Requirement {
  const char* name;
  std::function<bool(const Facts&, double parallelism)> met;
  std::function<std::string(const Facts&)> shortfall;
  // Where the parallelism this requirement alone needs is recorded, if
  // anywhere.
  const char* needs_fact = nullptr;
};

// A duration `fact` that must not exceed `limit` seconds (a missing figure
// does not hold the plan back; its rule says it could not be evaluated).
Requirement AtMost(const char* name, const char* fact, const char* what,
                   const char* limit_name, double limit) {
  return {name,
          [fact, limit](const Facts& f, double) {
            const Value& t = FactOrMissing(f, fact);
            return !t.present() || t.number <= limit;
          },
          [fact, what, limit_name, limit](const Facts& f) {
            const double t = FactOrMissing(f, fact).number;
            return fmt::format("{} takes {}, {} over the {} {}", what,
                               FormatQuantity(t, Unit::kSeconds),
                               FormatQuantity(t / limit - 1, Unit::kFraction),
                               FormatQuantity(limit, Unit::kSeconds),
                               limit_name);
          }};
}

std::vector<Requirement> Requirements(const Profile& p) {
  std::vector<Requirement> out;
  out.push_back(
      {"the event rate",
       [&p](const Facts& f, double parallelism) {
         const Value& r = FactOrMissing(f, "derived.per_subtask_rate");
         return r.present() &&
                parallelism * r.number * kTargetUtilisation >= p.event_rate;
       },
       [&p](const Facts& f) {
         const Value& r = FactOrMissing(f, "derived.per_subtask_rate");
         const double got = r.number * kTargetUtilisation *
                            FactOrMissing(f, "derived.parallelism").number;
         return fmt::format(
             "{} planned at {} utilisation, {} short of {}",
             FormatQuantity(got, Unit::kEventsPerSecond),
             FormatQuantity(kTargetUtilisation, Unit::kFraction),
             FormatQuantity(1 - got / p.event_rate, Unit::kFraction),
             FormatQuantity(p.event_rate, Unit::kEventsPerSecond));
       },
       "derived.subtasks_needed"});
  if (p.recovery_time_objective_s) {
    out.push_back(AtMost("the recovery-time objective", "derived.restore_time",
                         "a restore", "objective",
                         *p.recovery_time_objective_s));
  }
  out.push_back(AtMost("the checkpoint interval", "derived.checkpoint_duration",
                       "a checkpoint", "interval", p.checkpoint_interval_s));
  return out;
}

// The most subtasks the profile's nodes can run: Flink's bound on the max
// parallelism, and for backends outside the heap the memory each subtask
// measured against each node's memory.
double ParallelismCap(const Profile& p, const BackendMeasurement& m,
                      std::string* why) {
  double cap = kMaxPlannedParallelism;
  *why = "Flink's upper bound on the max parallelism";
  std::optional<double> rss = m.Median("memory.peak_rss_bytes");
  if (p.memory_per_node_bytes && rss && *rss > 0 &&
      !m.capabilities.memory_bound) {
    const double per_node =
        std::floor(*p.memory_per_node_bytes / (*rss / m.parallelism));
    if (per_node * p.nodes < cap) {
      cap = per_node * p.nodes;
      *why = fmt::format(
          "the most whose measured memory ({} each) the {} "
          "node(s) of {} hold",
          FormatQuantity(*rss / m.parallelism, Unit::kBytes), p.nodes,
          FormatQuantity(*p.memory_per_node_bytes, Unit::kBytes));
    }
  }
  return std::max<double>(cap, std::max(1, p.nodes));
}

// The smallest parallelism in [low, cap] at which `req` is met, assuming
// more subtasks never make it worse; nullopt when it is not met at cap.
std::optional<double> SmallestMeeting(const Profile& p,
                                      const BackendMeasurement& m,
                                      const Facts& base, const Requirement& req,
                                      double low, double cap) {
  auto met = [&](double n) { return req.met(FiguresAt(p, m, n, base), n); };
  if (met(low)) return low;
  if (!met(cap)) return std::nullopt;
  double bad = low, good = cap;  // met(good), !met(bad)
  while (good - bad > 1) {
    const double mid = std::floor((bad + good) / 2);
    (met(mid) ? good : bad) = mid;
  }
  return good;
}

// Plans the parallelism: the smallest that meets the event rate, the
// recovery-time objective and the checkpoint interval within the nodes'
// limits, instead of vetoing a backend for a figure more subtasks fix.
// Says what set it and what no parallelism meets.
double SolveParallelism(const Profile& p, const BackendMeasurement& m,
                        const Facts& base, Facts* f) {
  const double low = std::max(1, p.nodes);
  std::string cap_why;
  const double cap = ParallelismCap(p, m, &cap_why);
  double chosen = low;
  std::vector<std::string> drivers, unmet;
  for (const Requirement& req : Requirements(p)) {
    // From one subtask: what the requirement alone needs, whatever the
    // nodes.
    std::optional<double> n = SmallestMeeting(p, m, base, req, 1, cap);
    if (n && req.needs_fact != nullptr) {
      (*f)[req.needs_fact] = Num(*n, Unit::kCount);
    }
    if (!n) {
      unmet.push_back(fmt::format("{}: even at {} subtasks ({}), {}", req.name,
                                  FormatQuantity(cap, Unit::kCount), cap_why,
                                  req.shortfall(FiguresAt(p, m, cap, base))));
      continue;
    }
    if (*n > low) {
      drivers.push_back(
          fmt::format("{} for {}", FormatQuantity(*n, Unit::kCount), req.name));
    }
    chosen = std::max(chosen, *n);
  }
  // A requirement no parallelism meets does not raise it: the figure is
  // judged (and vetoed) at the parallelism the others need, and the note
  // says how far it misses even at the cap.
  (*f)["derived.parallelism_cap"] = Num(cap, Unit::kCount);
  (*f)["derived.parallelism_basis"] = Value::Text(
      drivers.empty()
          ? fmt::format("one subtask per node ({}) meets every requirement",
                        FormatQuantity(low, Unit::kCount))
          : fmt::format("the smallest parallelism meeting every requirement "
                        "it can: {}",
                        fmt::join(drivers, ", ")));
  (*f)["derived.capacity_unmet"] =
      unmet.empty() ? Value::Missing("every requirement is met")
                    : Value::Text(fmt::format("{}", fmt::join(unmet, "; ")));
  return chosen;
}

}  // namespace

Facts ProfileFacts(const Profile& p) {
  Facts f;
  f["profile.name"] = Value::Text(p.name);
  f["profile.state_size"] = Num(p.state_size_bytes, Unit::kBytes);
  f["profile.key_count"] = Num(p.key_count, Unit::kCount);
  f["profile.value_size"] = Num(p.value_size_bytes, Unit::kBytes);
  f["profile.event_rate"] = Num(p.event_rate, Unit::kEventsPerSecond);
  f["profile.read_write_mix"] = Num(p.read_fraction, Unit::kFraction);
  f["profile.latency_slo_p99"] = OptNum(p.latency_slo_p99_s, Unit::kSeconds);
  f["profile.recovery_time_objective"] =
      OptNum(p.recovery_time_objective_s, Unit::kSeconds);
  f["profile.tolerated_data_loss"] = Value::Text(
      p.tolerated_data_loss == DataLoss::kWindow ? "window" : DataLossName(p));
  double window = p.tolerated_data_loss == DataLoss::kNone ? 0
                  : p.tolerated_data_loss == DataLoss::kWindow
                      ? p.tolerated_data_loss_s
                      : p.checkpoint_interval_s;
  f["profile.tolerated_data_loss_window"] = Num(window, Unit::kSeconds);
  f["profile.exactly_once"] = Value::Bool(p.exactly_once);
  f["profile.memory_per_node"] = OptNum(p.memory_per_node_bytes, Unit::kBytes);
  f["profile.nodes"] = Num(p.nodes, Unit::kCount);
  f["profile.checkpoint_interval"] =
      Num(p.checkpoint_interval_s, Unit::kSeconds);
  f["profile.managed_redis"] = Value::Bool(p.managed_redis);
  f["profile.managed_postgres"] = Value::Bool(p.managed_postgres);
  f["profile.redis_server_memory"] =
      OptNum(p.redis_server_memory_bytes, Unit::kBytes);
  f["profile.redis_max_connections"] =
      OptNum(p.redis_max_connections, Unit::kCount);
  f["profile.postgres_server_storage"] =
      OptNum(p.postgres_server_storage_bytes, Unit::kBytes);
  f["profile.postgres_max_connections"] =
      OptNum(p.postgres_max_connections, Unit::kCount);
  f["profile.disk_write_budget"] =
      OptNum(p.disk_write_budget_bytes_per_s, Unit::kBytesPerSecond);
  f["profile.skills.sql"] = Num(p.skills.sql, Unit::kLevel);
  f["profile.skills.redis"] = Num(p.skills.redis, Unit::kLevel);
  f["profile.skills.rocksdb_tuning"] =
      Num(p.skills.rocksdb_tuning, Unit::kLevel);
  f["profile.skills.heap_gc_tuning"] =
      Num(p.skills.heap_gc_tuning, Unit::kLevel);
  f["profile.skills.operations"] = Num(p.skills.operations, Unit::kLevel);

  if (p.memory_per_node_bytes) {
    f["derived.cluster_memory"] =
        Num(*p.memory_per_node_bytes * p.nodes, Unit::kBytes);
  }
  f["derived.heap_headroom"] = Num(kHeapHeadroom, Unit::kRatio);
  f["derived.heap_required"] =
      Num(p.state_size_bytes * kHeapHeadroom, Unit::kBytes);
  double entry =
      p.key_count > 0 ? p.state_size_bytes / p.key_count : p.value_size_bytes;
  f["derived.write_rate"] =
      Num(p.event_rate * (1 - p.read_fraction) * entry, Unit::kBytesPerSecond);
  f["derived.jobmanager_cap"] = Num(kJobManagerCapBytes, Unit::kBytes);
  f["derived.target_utilisation"] = Num(kTargetUtilisation, Unit::kFraction);
  return f;
}

Facts BackendFacts(const Profile& p, const Facts& profile_facts,
                   const BackendMeasurement& m) {
  Facts f = profile_facts;
  AddBackendFacts(m, &f);
  if (!m.ok) return f;  // a failed run is vetoed; no figures to derive
  AddMetricFacts(m, &f);
  AddLatencyFacts(m, &f);
  AddStateFacts(p, m, &f);
  double subtasks = 0;
  if (std::optional<double> eps = m.Median("throughput.events_per_s");
      eps && *eps > 0) {
    double per_subtask = *eps / m.parallelism;
    subtasks = std::max(
        1.0, std::ceil(p.event_rate / (per_subtask * kTargetUtilisation)));
    f["derived.per_subtask_rate"] = Num(per_subtask, Unit::kEventsPerSecond);
    f["derived.subtasks_needed"] = Num(subtasks, Unit::kCount);
  } else {
    f["derived.per_subtask_rate"] =
        Value::Missing("throughput.events_per_s was not measured");
    f["derived.subtasks_needed"] = f["derived.per_subtask_rate"];
  }
  // A job runs at least one subtask per node; all of them checkpoint and
  // restore in parallel, so more of them can meet what fewer cannot.
  const double parallelism = SolveParallelism(p, m, f, &f);
  f = FiguresAt(p, m, parallelism, f);
  AddServerFacts(p, m, parallelism, &f);
  AddResourceFacts(p, m, parallelism, &f);
  return f;
}

void AddRelativeFacts(std::vector<Facts>* per_backend,
                      const std::vector<bool>& in_running) {
  for (const auto& [name, relative] :
       {std::pair{"derived.subtasks_needed", "derived.subtasks_vs_best"},
        std::pair{"derived.parallelism", "derived.parallelism_vs_best"},
        std::pair{"derived.p99_latency", "derived.p99_vs_best"}}) {
    double best = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < per_backend->size(); ++i) {
      if (i < in_running.size() && !in_running[i]) continue;
      const Value& v = FactOrMissing((*per_backend)[i], name);
      if (v.present() && v.number > 0) best = std::min(best, v.number);
    }
    for (Facts& f : *per_backend) {
      const Value& v = FactOrMissing(f, name);
      f[relative] = v.present() && std::isfinite(best)
                        ? Num(v.number / best, Unit::kRatio)
                        : Value::Missing(v.missing_reason);
    }
  }
}

}  // namespace statebench::advisor
