#include "advisor/facts.h"

#include <fmt/format.h>

namespace statebench::advisor {
namespace {

constexpr std::string_view kNamespaces[] = {"profile.", "derived.",
                                            "metric.",  "capability.",
                                            "backend.", "verification."};

constexpr std::string_view kOps[] = {
    "value_get",  "value_put", "value_remove", "list_append", "list_get",
    "list_clear", "map_put",   "map_get",      "map_remove",  "map_scan"};

constexpr std::string_view kLatencyStats[] = {
    "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns"};

constexpr std::string_view kPlainMetrics[] = {
    "throughput.ops_per_s",
    "throughput.events_per_s",
    "throughput.ops_per_ms",
    "write_amplification",
    "space_amplification",
    "checkpoint.median_end_to_end_ms",
    "checkpoint.p90_end_to_end_ms",
    "checkpoint.max_end_to_end_ms",
    "checkpoint.min_end_to_end_ms",
    "checkpoint.over_interval_share",
    "checkpoint.median_start_delay_ms",
    "checkpoint.p90_start_delay_ms",
    "checkpoint.median_sync_ms",
    "checkpoint.median_async_ms",
    "checkpoint.median_alignment_ms",
    "checkpoint.median_size_bytes",
    "checkpoint.p90_size_bytes",
    "checkpoint.max_size_bytes",
    "checkpoint.median_full_size_bytes",
    "checkpoint.completed",
    "checkpoint.failed",
    "restore.duration_ms",
    "restore.bytes_read_bytes",
    "restore.bytes_per_s",
    "restore.state_bytes",
    "restore.bytes_copied_bytes",
    "restore.bytes_linked_bytes",
    "restore.entries",
    "rescale.duration_ms",
    "rescale.state_bytes",
    "rescale.bytes_copied_bytes",
    "rescale.entries",
    "memory.peak_rss_bytes",
    "state.logical_live_bytes",
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

bool IsKnownMetric(std::string_view m) {
  for (std::string_view p : kPlainMetrics) {
    if (p == m) return true;
  }
  for (std::string_view prefix : {"latency.", "latency_corrected."}) {
    if (m.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = m.substr(prefix.size());
    auto dot = rest.find('.');
    if (dot == std::string_view::npos) return false;
    std::string_view op = rest.substr(0, dot), stat = rest.substr(dot + 1);
    bool op_ok = false, stat_ok = false;
    for (std::string_view o : kOps) op_ok = op_ok || o == op;
    for (std::string_view s : kLatencyStats) stat_ok = stat_ok || s == stat;
    return op_ok && stat_ok;
  }
  return false;
}

VariableInfo Num(std::string name, Unit unit, bool per_backend,
                 std::string doc) {
  return {std::move(name), ValueKind::kNumber, unit, per_backend,
          std::move(doc)};
}
VariableInfo Flag(std::string name, bool per_backend, std::string doc) {
  return {std::move(name), ValueKind::kBool, Unit::kNone, per_backend,
          std::move(doc)};
}
VariableInfo Str(std::string name, bool per_backend, std::string doc) {
  return {std::move(name), ValueKind::kString, Unit::kNone, per_backend,
          std::move(doc)};
}

std::vector<VariableInfo> BuildCatalog() {
  using U = Unit;
  std::vector<VariableInfo> v = {
      Str("profile.name", false, "profile name"),
      Num("profile.state_size", U::kBytes, false, "live keyed state"),
      Num("profile.key_count", U::kCount, false, "distinct keys"),
      Num("profile.value_size", U::kBytes, false, "bytes per state entry"),
      Num("profile.event_rate", U::kEventsPerSecond, false,
          "required events/s, whole job"),
      Num("profile.read_write_mix", U::kFraction, false,
          "share of state ops that read"),
      Num("profile.latency_slo_p99", U::kSeconds, false,
          "p99 state-access latency objective"),
      Num("profile.recovery_time_objective", U::kSeconds, false,
          "longest tolerated restore"),
      Str("profile.tolerated_data_loss", false,
          "none | since_last_checkpoint | window"),
      Num("profile.tolerated_data_loss_window", U::kSeconds, false,
          "input that may be lost (0 for none; the checkpoint interval for "
          "since_last_checkpoint)"),
      Flag("profile.exactly_once", false, "exactly-once state required"),
      Num("profile.memory_per_node", U::kBytes, false,
          "heap usable for state per node"),
      Num("profile.nodes", U::kCount, false, "nodes"),
      Num("profile.checkpoint_interval", U::kSeconds, false,
          "checkpoint interval"),
      Flag("profile.managed_redis", false, "a managed Redis is available"),
      Flag("profile.managed_postgres", false,
           "a managed PostgreSQL is available"),
      Num("profile.disk_write_budget", U::kBytesPerSecond, false,
          "sustained disk writes the storage may take"),
      Num("profile.redis_server_memory", U::kBytes, false,
          "memory the Redis server (or managed instance) has for state"),
      Num("profile.redis_max_connections", U::kCount, false,
          "connections the Redis server accepts"),
      Num("profile.postgres_server_storage", U::kBytes, false,
          "storage the PostgreSQL server (or managed instance) has"),
      Num("profile.postgres_max_connections", U::kCount, false,
          "connections the PostgreSQL server accepts"),
      Num("profile.skills.sql", U::kLevel, false, "team skill 0..3"),
      Num("profile.skills.redis", U::kLevel, false, "team skill 0..3"),
      Num("profile.skills.rocksdb_tuning", U::kLevel, false, "team skill 0..3"),
      Num("profile.skills.heap_gc_tuning", U::kLevel, false, "team skill 0..3"),
      Num("profile.skills.operations", U::kLevel, false,
          "team capacity to run servers 0..3"),
      Num("derived.cluster_memory", U::kBytes, false,
          "memory_per_node x nodes"),
      Num("derived.heap_headroom", U::kRatio, false,
          "heap needed per byte of state (copy-on-write snapshots, GC)"),
      Num("derived.heap_required", U::kBytes, false,
          "state_size x heap_headroom"),
      Num("derived.write_rate", U::kBytesPerSecond, false,
          "logical state bytes written per second: event_rate x write "
          "share x value_size"),
      Num("derived.jobmanager_cap", U::kBytes, false,
          "jobmanager checkpoint storage cap (Flink's default 5 MiB)"),
      Num("derived.target_utilisation", U::kFraction, false,
          "share of a subtask's measured rate planned for"),
      Num("derived.per_subtask_rate", U::kEventsPerSecond, true,
          "events/s per subtask: measured, or a sweep's throughput curve "
          "at state_per_subtask"),
      Num("derived.per_subtask_rate_low", U::kEventsPerSecond, true,
          "low end of per_subtask_rate's 90% interval"),
      Num("derived.per_subtask_rate_high", U::kEventsPerSecond, true,
          "high end of per_subtask_rate's 90% interval"),
      Str("derived.rate_basis", true,
          "what per_subtask_rate reads from a sweep's curve, with its numbers"),
      Num("derived.block_cache_per_subtask", U::kBytes, true,
          "rocksdb: the block cache per subtask the rate is read at (half "
          "of memory_per_node x nodes / parallelism, else the sweep's)"),
      Num("derived.planned_rate_low", U::kEventsPerSecond, true,
          "parallelism x per_subtask_rate_low x target_utilisation: the "
          "rate the plan carries at the low end of the interval"),
      Num("derived.subtasks_needed", U::kCount, true,
          "ceil(event_rate / (per_subtask_rate x target_utilisation))"),
      Num("derived.parallelism", U::kCount, true,
          "planned parallelism: the smallest, from one subtask per node up "
          "to parallelism_cap, that meets the event rate, the "
          "recovery-time objective and the checkpoint interval"),
      Num("derived.parallelism_cap", U::kCount, true,
          "the most subtasks the nodes hold (measured memory per subtask) "
          "or Flink allows"),
      Str("derived.parallelism_basis", true,
          "which requirements set the parallelism, and at how many"),
      Str("derived.capacity_unmet", true,
          "requirements no parallelism up to the cap meets, by how much"),
      Num("derived.state_per_subtask", U::kBytes, true,
          "profile state_size / parallelism: where figures are forecast"),
      Num("derived.measured_per_subtask", U::kBytes, true,
          "the largest state per subtask measured (a sweep's largest size)"),
      Num("derived.subtasks_vs_best", U::kRatio, true,
          "subtasks_needed / the fewest any backend not vetoed needs"),
      Num("derived.parallelism_vs_best", U::kRatio, true,
          "parallelism / the smallest any backend not vetoed plans"),
      Num("derived.p99_latency", U::kSeconds, true,
          "worst measured p99 over op kinds"),
      Str("derived.p99_op", true, "op kind with the worst p99"),
      Num("derived.p99_vs_best", U::kRatio, true,
          "p99_latency / the best any backend not vetoed has"),
      Num("derived.measured_state", U::kBytes, true,
          "live state during the measurement"),
      Num("derived.extrapolation", U::kRatio, true,
          "state_per_subtask / measured_per_subtask"),
      Num("derived.checkpoint_full_size", U::kBytes, true,
          "a full checkpoint at the profile's state size (a sweep's curve "
          "at state_per_subtask, times the parallelism)"),
      Num("derived.checkpoint_size", U::kBytes, true,
          "one checkpoint at the profile's state size and write rate "
          "(the delta when incremental or remote)"),
      Num("derived.checkpoint_rate", U::kBytesPerSecond, true,
          "measured checkpoint bytes/s per subtask, from the p90 checkpoint "
          "(size and end-to-end; the median when the results lack it)"),
      Num("derived.checkpoint_duration", U::kSeconds, true,
          "checkpoint_size / (checkpoint_rate x parallelism)"),
      Num("derived.checkpoint_duration_low", U::kSeconds, true,
          "optimistic end of checkpoint_duration's 90% interval"),
      Num("derived.checkpoint_duration_high", U::kSeconds, true,
          "pessimistic end of checkpoint_duration's 90% interval"),
      Num("derived.restore_rate", U::kBytesPerSecond, true,
          "measured restore rate per subtask, in bytes of state restored "
          "per second (not bytes read: a local restore hard-links files)"),
      Num("derived.restore_time", U::kSeconds, true,
          "checkpoint_full_size / (restore_rate x parallelism); for server "
          "backends the longer of job_restore_time and server_restart_time"),
      Num("derived.restore_time_low", U::kSeconds, true,
          "optimistic end of restore_time's 90% interval (restore_time "
          "itself without a sweep's curve)"),
      Num("derived.restore_time_high", U::kSeconds, true,
          "pessimistic end of restore_time's 90% interval"),
      Str("derived.restore_basis", true,
          "what restore_time models, with its numbers"),
      Num("derived.job_restore_time", U::kSeconds, true,
          "server backends: measured restore after a job failure (reads "
          "the committed checkpoint id)"),
      Num("derived.server_restart_time", U::kSeconds, true,
          "server backends: a server crash (Redis reloads its RDB/AOF, "
          "PostgreSQL replays its WAL)"),
      Str("derived.server_restart_basis", true,
          "what server_restart_time models, with its numbers"),
      Num("derived.server_entry_overhead", U::kBytes, true,
          "server bytes per state entry beyond its logical bytes "
          "(measured)"),
      Num("derived.server_memory_required", U::kBytes, true,
          "redis: state_size + key_count x server_entry_overhead"),
      Num("derived.server_storage_required", U::kBytes, true,
          "postgres: state_size + key_count x server_entry_overhead"),
      Num("derived.server_connections", U::kCount, true,
          "server backends: parallelism x connections per subtask"),
      Num("derived.disk_write_rate", U::kBytesPerSecond, true,
          "write_rate x measured write amplification"),
      Num("derived.memory_per_subtask", U::kBytes, true,
          "heap state per subtask (heap backends) or measured RSS per "
          "subtask"),
      Num("derived.repetitions", U::kCount, true, "measured repetitions"),
      Num("derived.write_amplification", U::kRatio, true,
          "measured write amplification, or a sweep's curve at "
          "state_per_subtask"),
      Flag("capability.durable", true,
           "checkpoints survive the process (servers: and a crash of the "
           "server, by its persistence settings)"),
      Str("capability.durability_note", true,
          "why durable is what it is: the server's persistence settings"),
      Flag("capability.incremental", true, "incremental checkpoints"),
      Flag("capability.remote", true, "state lives in a server"),
      Flag("capability.exactly_once", true,
           "restore yields exactly the last checkpoint"),
      Flag("capability.memory_bound", true,
           "live state must fit in the process heap"),
      Str("capability.rescale_mode", true,
          "key-group-offsets | clip-delete-range | shared-store"),
      Str("backend.name", true, "backend name"),
      Str("backend.label", true, "name plus distinguishing options"),
      Str("backend.checkpoint_type", true, "full | incremental"),
      Str("verification.verdict", true,
          "crash verification: exactly-once | failed"),
      Num("verification.lost", U::kCount, true, "keys lost on restore"),
      Num("verification.resurrected", U::kCount, true,
          "writes after the checkpoint that survived"),
      Num("verification.wrong", U::kCount, true, "keys with wrong values"),
  };
  return v;
}

}  // namespace

Value Value::Number(double v, Unit u) {
  Value x;
  x.kind = ValueKind::kNumber;
  x.number = v;
  x.unit = u;
  return x;
}

Value Value::Bool(bool b) {
  Value x;
  x.kind = ValueKind::kBool;
  x.boolean = b;
  return x;
}

Value Value::Text(std::string s) {
  Value x;
  x.kind = ValueKind::kString;
  x.text = std::move(s);
  return x;
}

Value Value::Missing(std::string why) {
  Value x;
  x.missing_reason = std::move(why);
  return x;
}

std::string Value::Format() const {
  switch (kind) {
    case ValueKind::kMissing:
      return "n/a";
    case ValueKind::kNumber:
      return FormatQuantity(number, unit);
    case ValueKind::kBool:
      return boolean ? "true" : "false";
    case ValueKind::kString:
      return text;
  }
  return "?";
}

const Value& FactOrMissing(const Facts& facts, std::string_view name) {
  static const Value kMissing;
  auto it = facts.find(name);
  return it == facts.end() ? kMissing : it->second;
}

const std::vector<VariableInfo>& VariableCatalog() {
  static const std::vector<VariableInfo> catalog = BuildCatalog();
  return catalog;
}

bool DescribeMetricUnit(std::string_view m, Unit* unit, double* factor) {
  if (!IsKnownMetric(m)) return false;
  *factor = 1;
  if (EndsWith(m, "_ns")) {
    *unit = Unit::kSeconds;
    *factor = 1e-9;
  } else if (EndsWith(m, "_ms") && !EndsWith(m, "ops_per_ms")) {
    *unit = Unit::kSeconds;
    *factor = 1e-3;
  } else if (EndsWith(m, "bytes_per_s")) {
    *unit = Unit::kBytesPerSecond;
  } else if (EndsWith(m, "_bytes")) {
    *unit = Unit::kBytes;
  } else if (EndsWith(m, "events_per_s")) {
    *unit = Unit::kEventsPerSecond;
  } else if (EndsWith(m, "ops_per_s")) {
    *unit = Unit::kOpsPerSecond;
  } else if (EndsWith(m, "ops_per_ms")) {
    *unit = Unit::kOpsPerSecond;
    *factor = 1e3;
  } else if (EndsWith(m, "amplification")) {
    *unit = Unit::kRatio;
  } else if (EndsWith(m, "_share")) {
    *unit = Unit::kFraction;
  } else {
    *unit = Unit::kCount;
  }
  return true;
}

Result<VariableInfo> LookupVariable(std::string_view name) {
  for (const VariableInfo& v : VariableCatalog()) {
    if (v.name == name) return v;
  }
  constexpr std::string_view kMetric = "metric.", kOption = "backend.option.";
  if (name.substr(0, kMetric.size()) == kMetric) {
    Unit unit;
    double factor;
    std::string_view metric = name.substr(kMetric.size());
    if (DescribeMetricUnit(metric, &unit, &factor)) {
      return VariableInfo{std::string(name), ValueKind::kNumber, unit, true,
                          "median of the measured metric"};
    }
    return Status::NotFound(fmt::format(
        "unknown metric '{}' (see the metric names in the results file)",
        metric));
  }
  if (name.substr(0, kOption.size()) == kOption &&
      name.size() > kOption.size()) {
    return VariableInfo{std::string(name), ValueKind::kString, Unit::kNone,
                        true, "effective backend option"};
  }
  return Status::NotFound(fmt::format("unknown variable '{}'", name));
}

bool LooksLikeVariable(std::string_view text) {
  for (std::string_view ns : kNamespaces) {
    if (text.substr(0, ns.size()) == ns) return true;
  }
  return false;
}

}  // namespace statebench::advisor
