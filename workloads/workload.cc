#include "workloads/workload.h"

#include <cmath>
#include <string>
#include <utility>

#include "workloads/builtin_workloads.h"
#include "workloads/distributions.h"
#include "workloads/trace.h"

namespace statebench {

std::string_view OpTypeName(OpType type) {
  switch (type) {
    case OpType::kValueGet:
      return "value_get";
    case OpType::kValuePut:
      return "value_put";
    case OpType::kValueRemove:
      return "value_remove";
    case OpType::kListAppend:
      return "list_append";
    case OpType::kListGet:
      return "list_get";
    case OpType::kListClear:
      return "list_clear";
    case OpType::kMapPut:
      return "map_put";
    case OpType::kMapGet:
      return "map_get";
    case OpType::kMapRemove:
      return "map_remove";
    case OpType::kMapScan:
      return "map_scan";
  }
  return "unknown";
}

Result<OpType> OpTypeFromName(std::string_view name) {
  for (int i = 0; i < kOpTypeCount; ++i) {
    auto t = static_cast<OpType>(i);
    if (OpTypeName(t) == name) return t;
  }
  return Status::InvalidArgument("unknown op type '" + std::string(name) + "'");
}

namespace {

using Factory = std::unique_ptr<Workload> (*)(const WorkloadSpec&);

struct Entry {
  WorkloadInfo info;
  Factory factory;
  void (*apply_defaults)(WorkloadSpec*);  // null: the generic defaults
};

template <char kLetter>
void YcsbPreset(WorkloadSpec* spec) {
  ApplyYcsbPreset(kLetter, spec);
}

Entry Ycsb(char letter, std::string description) {
  static void (*const kPresets[])(WorkloadSpec*) = {
      YcsbPreset<'a'>, YcsbPreset<'b'>, YcsbPreset<'c'>,
      YcsbPreset<'d'>, YcsbPreset<'e'>, YcsbPreset<'f'>};
  // The presets read all fields (readallfields=true): reads are scans of
  // the record, never single-field gets.
  return {{std::string("ycsb-") + letter,
           std::move(description),
           {"map_put", "map_scan"},
           {"usertable:map"}},
          MakeYcsbWorkload,
          kPresets[letter - 'a']};
}

const std::vector<Entry>& Registry() {
  static const std::vector<Entry> kEntries = {
      {{"value-rw",
        "value state get/put mix (read_fraction reads), keys by "
        "key_distribution",
        {"value_get", "value_put"},
        {"value:value"}},
       MakeValueRwWorkload,
       nullptr},
      {{"keyed-aggregation",
        "running aggregate per key: value get + put per event",
        {"value_get", "value_put"},
        {"aggregate:value"}},
       MakeOperatorWorkload,
       nullptr},
      {{"tumbling-window",
        "event-time tumbling windows over list state: append per event, "
        "read + clear when the watermark passes the window end",
        {"list_append", "list_get", "list_clear"},
        {"window-contents:list"}},
       MakeOperatorWorkload,
       nullptr},
      {{"sliding-window",
        "event-time sliding windows (size, slide) over list state: append to "
        "each window, fire and purge at watermarks",
        {"list_append", "list_get", "list_clear"},
        {"window-contents:list"}},
       MakeOperatorWorkload,
       nullptr},
      {{"session-window",
        "event-time session windows (gap) with merging: list state per "
        "session, merged state moved, merging-window-set persisted",
        {"list_append", "list_get", "list_clear"},
        {"window-contents:list", "merging-window-set:list"}},
       MakeOperatorWorkload,
       nullptr},
      {{"interval-join",
        "two-input interval join: map put per element, range scan of the "
        "other side's buffer, map remove when the watermark passes",
        {"map_put", "map_scan", "map_remove"},
        {"join-left:map", "join-right:map"}},
       MakeOperatorWorkload,
       nullptr},
      {{"dedup-ttl",
        "keep-first deduplication with state TTL: value get per event, put "
        "for new keys, remove of expired entries (on read and by timers)",
        {"value_get", "value_put", "value_remove"},
        {"dedup:value"}},
       MakeOperatorWorkload,
       nullptr},
      {{"ycsb",
        "YCSB CoreWorkload with the spec's ycsb.* properties (records = map "
        "state, 10 fields x 100 bytes by default)",
        {"map_put", "map_get", "map_scan"},
        {"usertable:map"}},
       MakeYcsbWorkload,
       // CoreWorkload's requestdistribution default.
       [](WorkloadSpec* s) { s->key_distribution = "uniform"; }},
      Ycsb('a', "YCSB A: update heavy, 50/50 read/update, zipfian"),
      Ycsb('b', "YCSB B: read mostly, 95/5 read/update, zipfian"),
      Ycsb('c', "YCSB C: read only, zipfian"),
      Ycsb('d', "YCSB D: read latest, 95/5 read/insert, latest"),
      Ycsb('e',
           "YCSB E: short ranges, 95/5 scan/insert, zipfian, scans "
           "of up to 100 records"),
      Ycsb('f', "YCSB F: read-modify-write, 50/50 read/rmw, zipfian"),
      {{"flink-value",
        "Flink ValueStateBenchmark: get, update, add over 500,000 setup "
        "keys, 8-byte values",
        {"value_get", "value_put"},
        {"value:value"}},
       MakeFlinkWorkload,
       ApplyFlinkPreset},
      {{"flink-list",
        "Flink ListStateBenchmark: get, add, update (clear + 100 values) "
        "over 500,000 keys with 100 values each",
        {"list_get", "list_append", "list_clear"},
        {"list:list"}},
       MakeFlinkWorkload,
       ApplyFlinkPreset},
      {{"flink-map",
        "Flink MapStateBenchmark: get, contains, update, add, iterate, "
        "isEmpty, remove over 500,000 keys with 10 entries each",
        {"map_get", "map_put", "map_scan", "map_remove"},
        {"map:map"}},
       MakeFlinkWorkload,
       ApplyFlinkPreset},
      {{"trace",
        "replay of a recorded op trace (trace_path): the exact op stream of "
        "the recorded workload",
        {},
        {}},
       nullptr,
       nullptr},
  };
  return kEntries;
}

const Entry* Find(std::string_view name) {
  for (const Entry& e : Registry()) {
    if (e.info.name == name) return &e;
  }
  return nullptr;
}

Status UnknownWorkload(std::string_view name) {
  std::string known;
  for (const Entry& e : Registry()) {
    known += (known.empty() ? "" : ", ") + e.info.name;
  }
  return Status::NotFound("unknown workload '" + std::string(name) +
                          "'; available: " + known);
}

Status Field(std::string_view field, const std::string& requirement) {
  return Status::InvalidArgument("workload field '" + std::string(field) +
                                 "' " + requirement);
}

bool InUnit(double v) { return std::isfinite(v) && v >= 0 && v <= 1; }

Status ValidateGeneric(const WorkloadSpec& s) {
  if (s.key_count == 0) return Field("key_count", "must be at least 1");
  if (s.key_size == 0 || s.key_size > (1u << 20)) {
    return Field("key_size", "must be within [1, 1048576]");
  }
  if (s.value_size > (64u << 20)) {
    return Field("value_size", "must be at most 67108864 (64 MiB)");
  }
  // value_size_min bounds only the distributions that draw sizes; a fixed
  // size may be anything up to the limit, 0 included (an empty value is
  // legal Flink state: a serializer may write no bytes).
  if (s.value_size_distribution != "fixed" && s.value_size_min > s.value_size) {
    return Field("value_size_min",
                 "must not exceed value_size (" + std::to_string(s.value_size) +
                     ") when " + "value_size_distribution is " +
                     s.value_size_distribution);
  }
  SB_RETURN_IF_ERROR(
      ParseValueSizeDistribution(s.value_size_distribution)
          .status()
          .WithContext("workload field 'value_size_distribution'"));
  SB_RETURN_IF_ERROR(ParseKeyDistribution(s.key_distribution)
                         .status()
                         .WithContext("workload field 'key_distribution'"));
  if (!(s.zipf_theta > 0 && s.zipf_theta < 1)) {
    return Field("zipf_theta", "must be within (0, 1)");
  }
  if (!InUnit(s.hotspot_data_fraction)) {
    return Field("hotspot_data_fraction", "must be within [0, 1]");
  }
  if (!InUnit(s.hotspot_op_fraction)) {
    return Field("hotspot_op_fraction", "must be within [0, 1]");
  }
  if (!(s.exponential_percentile > 0 && s.exponential_percentile < 100)) {
    return Field("exponential_percentile", "must be within (0, 100)");
  }
  if (!(s.exponential_frac > 0 && std::isfinite(s.exponential_frac))) {
    return Field("exponential_frac", "must be positive");
  }
  if (!InUnit(s.read_fraction)) {
    return Field("read_fraction", "must be within [0, 1]");
  }
  return Status::Ok();
}

Status ValidateOperators(const WorkloadSpec& s) {
  const EventTimeSpec& t = s.event_time;
  if (t.events_per_second == 0) {
    return Field("event_time.events_per_second", "must be at least 1");
  }
  if (!InUnit(t.out_of_order_fraction)) {
    return Field("event_time.out_of_order_fraction", "must be within [0, 1]");
  }
  if (t.watermark_interval_events == 0) {
    return Field("event_time.watermark_interval_events", "must be at least 1");
  }
  const OperatorSpec& o = s.op;
  if (o.window_size_ms == 0) {
    return Field("operator.window_size_ms", "must be at least 1");
  }
  if (o.window_slide_ms == 0 || o.window_slide_ms > o.window_size_ms) {
    return Field("operator.window_slide_ms",
                 "must be within [1, operator.window_size_ms]");
  }
  if (o.session_gap_ms == 0) {
    return Field("operator.session_gap_ms", "must be at least 1");
  }
  if (o.join_lower_ms > o.join_upper_ms) {
    return Field("operator.join_lower_ms",
                 "must not exceed operator.join_upper_ms");
  }
  if (!InUnit(o.join_left_fraction)) {
    return Field("operator.join_left_fraction", "must be within [0, 1]");
  }
  if (o.ttl_ms == 0) return Field("operator.ttl_ms", "must be at least 1");
  return Status::Ok();
}

Status ValidateYcsb(const YcsbSpec& y) {
  const double props[] = {y.read_proportion, y.update_proportion,
                          y.insert_proportion, y.scan_proportion,
                          y.read_modify_write_proportion};
  double sum = 0;
  for (double p : props) {
    if (!(p >= 0 && std::isfinite(p))) {
      return Field("ycsb.*_proportion", "must be finite and non-negative");
    }
    sum += p;
  }
  if (sum <= 0) return Field("ycsb.*_proportion", "must not all be zero");
  if (y.field_count == 0 || y.field_count > 1000) {
    return Field("ycsb.field_count", "must be within [1, 1000]");
  }
  if (y.field_length == 0 || y.field_length > (16u << 20)) {
    return Field("ycsb.field_length", "must be within [1, 16777216]");
  }
  // A record is one value of the record map state: the value_size limit
  // holds for the whole of it.
  if (uint64_t{y.field_count} * y.field_length > (64u << 20)) {
    return Field("ycsb.field_length",
                 "times ycsb.field_count must be at most 67108864 (64 MiB, "
                 "the limit on a value)");
  }
  if (y.min_field_length > y.field_length) {
    return Field("ycsb.min_field_length", "must not exceed ycsb.field_length");
  }
  if (y.field_length_distribution != "constant" &&
      y.field_length_distribution != "uniform" &&
      y.field_length_distribution != "zipfian") {
    return Field("ycsb.field_length_distribution",
                 "must be constant, uniform or zipfian");
  }
  if (y.min_scan_length == 0 || y.min_scan_length > y.max_scan_length) {
    return Field("ycsb.min_scan_length",
                 "must be within [1, ycsb.max_scan_length]");
  }
  if (y.max_scan_length > 1000000) {
    return Field("ycsb.max_scan_length", "must be at most 1000000");
  }
  if (y.scan_length_distribution != "uniform" &&
      y.scan_length_distribution != "zipfian") {
    return Field("ycsb.scan_length_distribution", "must be uniform or zipfian");
  }
  if (y.zero_padding > 64) {
    return Field("ycsb.zero_padding", "must be at most 64");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateWorkloadSpec(const WorkloadSpec& spec) {
  if (Find(spec.name) == nullptr) return UnknownWorkload(spec.name);
  if (spec.name == "trace" && spec.trace_path.empty()) {
    return Field("trace_path", "must name the trace file to replay");
  }
  SB_RETURN_IF_ERROR(ValidateGeneric(spec));
  SB_RETURN_IF_ERROR(ValidateOperators(spec));
  SB_RETURN_IF_ERROR(ValidateYcsb(spec.ycsb));
  if (spec.flink.map_entries == 0 || spec.flink.map_entries > 1000000) {
    return Field("flink.map_entries", "must be within [1, 1000000]");
  }
  if (spec.flink.list_values == 0 || spec.flink.list_values > 1000000) {
    return Field("flink.list_values", "must be within [1, 1000000]");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Workload>> CreateWorkload(const WorkloadSpec& spec) {
  SB_RETURN_IF_ERROR(ValidateWorkloadSpec(spec));
  if (spec.name == "trace") return OpenTraceWorkload(spec.trace_path);
  return Find(spec.name)->factory(spec);
}

std::vector<WorkloadInfo> ListWorkloads() {
  std::vector<WorkloadInfo> out;
  for (const Entry& e : Registry()) out.push_back(e.info);
  return out;
}

Result<WorkloadInfo> GetWorkloadInfo(std::string_view name) {
  const Entry* e = Find(name);
  if (e == nullptr) return UnknownWorkload(name);
  return e->info;
}

Result<WorkloadSpec> DefaultWorkloadSpec(std::string_view name) {
  const Entry* e = Find(name);
  if (e == nullptr) return UnknownWorkload(name);
  WorkloadSpec spec;
  spec.name = std::string(name);
  if (e->apply_defaults != nullptr) e->apply_defaults(&spec);
  return spec;
}

}  // namespace statebench
