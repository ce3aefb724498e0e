#include "advisor/capacity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
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

void AddResourceFacts(const BackendMeasurement& m, double parallelism,
                      Facts* f) {
  std::optional<double> wa = m.Median("write_amplification");
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
  // restore in parallel.
  double parallelism = std::max<double>(subtasks, p.nodes);
  f["derived.parallelism"] = Num(parallelism, Unit::kCount);
  AddCheckpointFacts(p, m, parallelism, &f);
  AddRestoreFacts(p, m, parallelism, &f);
  AddServerFacts(p, m, parallelism, &f);
  AddResourceFacts(m, parallelism, &f);
  return f;
}

void AddRelativeFacts(std::vector<Facts>* per_backend,
                      const std::vector<bool>& in_running) {
  for (const auto& [name, relative] :
       {std::pair{"derived.subtasks_needed", "derived.subtasks_vs_best"},
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
