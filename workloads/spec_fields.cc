#include "workloads/spec_fields.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "base/text_check.h"
#include "workloads/distributions.h"

namespace statebench {
namespace {

#define SB_SPEC_FIELD(path, type, member, help)                   \
  SpecField {                                                     \
    path, SpecFieldType::type,                                    \
        [](WorkloadSpec* s) -> void* { return &s->member; }, help \
  }

const std::vector<SpecField>& Table() {
  static const std::vector<SpecField> kFields = {
      SB_SPEC_FIELD("name", kString, name, "workload or preset name"),
      SB_SPEC_FIELD("seed", kUint64, seed, "seed of every random draw"),
      SB_SPEC_FIELD("key_count", kUint64, key_count,
                    "keys populated by the load phase"),
      SB_SPEC_FIELD("key_size", kUint32, key_size, "key bytes"),
      SB_SPEC_FIELD("value_size", kUint32, value_size,
                    "value bytes (maximum when not fixed)"),
      SB_SPEC_FIELD("value_size_min", kUint32, value_size_min,
                    "smallest value for uniform/skewed sizes"),
      SB_SPEC_FIELD("value_size_distribution", kString, value_size_distribution,
                    "fixed | uniform | skewed"),
      SB_SPEC_FIELD("key_distribution", kString, key_distribution,
                    "uniform | zipfian | hotspot | latest | sequential | "
                    "exponential"),
      SB_SPEC_FIELD("zipf_theta", kDouble, zipf_theta, "zipfian skew (0, 1)"),
      SB_SPEC_FIELD("hotspot_data_fraction", kDouble, hotspot_data_fraction,
                    "hotspot: share of keys that is hot"),
      SB_SPEC_FIELD("hotspot_op_fraction", kDouble, hotspot_op_fraction,
                    "hotspot: share of draws on hot keys"),
      SB_SPEC_FIELD("exponential_percentile", kDouble, exponential_percentile,
                    "exponential: percentile within the range"),
      SB_SPEC_FIELD("exponential_frac", kDouble, exponential_frac,
                    "exponential: range as a fraction of the keys"),
      SB_SPEC_FIELD("read_fraction", kDouble, read_fraction,
                    "value-rw: share of events that only read"),
      SB_SPEC_FIELD("run_events", kUint64, run_events,
                    "events of the run phase (0 = until stopped)"),
      SB_SPEC_FIELD("trace_path", kString, trace_path,
                    "workload trace: the trace file to replay"),
      SB_SPEC_FIELD("event_time.events_per_second", kUint32,
                    event_time.events_per_second, "event-time input rate"),
      SB_SPEC_FIELD("event_time.out_of_order_fraction", kDouble,
                    event_time.out_of_order_fraction,
                    "share of events delayed"),
      SB_SPEC_FIELD("event_time.max_out_of_order_ms", kUint32,
                    event_time.max_out_of_order_ms, "largest delay"),
      SB_SPEC_FIELD("event_time.watermark_delay_ms", kUint32,
                    event_time.watermark_delay_ms,
                    "bounded out-of-orderness of the watermark"),
      SB_SPEC_FIELD("event_time.watermark_interval_events", kUint32,
                    event_time.watermark_interval_events,
                    "events between watermarks"),
      SB_SPEC_FIELD("event_time.allowed_lateness_ms", kUint32,
                    event_time.allowed_lateness_ms,
                    "windows keep state this long past their end"),
      SB_SPEC_FIELD("operator.window_size_ms", kUint32, op.window_size_ms,
                    "tumbling/sliding window size"),
      SB_SPEC_FIELD("operator.window_slide_ms", kUint32, op.window_slide_ms,
                    "sliding window slide"),
      SB_SPEC_FIELD("operator.session_gap_ms", kUint32, op.session_gap_ms,
                    "session gap"),
      SB_SPEC_FIELD("operator.join_lower_ms", kInt32, op.join_lower_ms,
                    "interval join lower bound"),
      SB_SPEC_FIELD("operator.join_upper_ms", kInt32, op.join_upper_ms,
                    "interval join upper bound"),
      SB_SPEC_FIELD("operator.join_left_fraction", kDouble,
                    op.join_left_fraction, "share of left-input events"),
      SB_SPEC_FIELD("operator.ttl_ms", kUint32, op.ttl_ms,
                    "deduplication state TTL"),
      SB_SPEC_FIELD("ycsb.read_proportion", kDouble, ycsb.read_proportion,
                    "readproportion"),
      SB_SPEC_FIELD("ycsb.update_proportion", kDouble, ycsb.update_proportion,
                    "updateproportion"),
      SB_SPEC_FIELD("ycsb.insert_proportion", kDouble, ycsb.insert_proportion,
                    "insertproportion"),
      SB_SPEC_FIELD("ycsb.scan_proportion", kDouble, ycsb.scan_proportion,
                    "scanproportion"),
      SB_SPEC_FIELD("ycsb.read_modify_write_proportion", kDouble,
                    ycsb.read_modify_write_proportion,
                    "readmodifywriteproportion"),
      SB_SPEC_FIELD("ycsb.field_count", kUint32, ycsb.field_count,
                    "fieldcount"),
      SB_SPEC_FIELD("ycsb.field_length", kUint32, ycsb.field_length,
                    "fieldlength"),
      SB_SPEC_FIELD("ycsb.min_field_length", kUint32, ycsb.min_field_length,
                    "minfieldlength"),
      SB_SPEC_FIELD("ycsb.field_length_distribution", kString,
                    ycsb.field_length_distribution,
                    "fieldlengthdistribution: constant | uniform | zipfian"),
      SB_SPEC_FIELD("ycsb.read_all_fields", kBool, ycsb.read_all_fields,
                    "readallfields"),
      SB_SPEC_FIELD("ycsb.write_all_fields", kBool, ycsb.write_all_fields,
                    "writeallfields"),
      SB_SPEC_FIELD("ycsb.min_scan_length", kUint32, ycsb.min_scan_length,
                    "minscanlength"),
      SB_SPEC_FIELD("ycsb.max_scan_length", kUint32, ycsb.max_scan_length,
                    "maxscanlength"),
      SB_SPEC_FIELD("ycsb.scan_length_distribution", kString,
                    ycsb.scan_length_distribution,
                    "scanlengthdistribution: uniform | zipfian"),
      SB_SPEC_FIELD("ycsb.ordered_inserts", kBool, ycsb.ordered_inserts,
                    "insertorder=ordered"),
      SB_SPEC_FIELD("ycsb.zero_padding", kUint32, ycsb.zero_padding,
                    "zeropadding"),
      SB_SPEC_FIELD("ycsb.field_name_prefix", kString, ycsb.field_name_prefix,
                    "fieldnameprefix"),
      SB_SPEC_FIELD("ycsb.table", kString, ycsb.table,
                    "table: name of the record map state"),
      SB_SPEC_FIELD("flink.map_entries", kUint32, flink.map_entries,
                    "user keys per map"),
      SB_SPEC_FIELD("flink.list_values", kUint32, flink.list_values,
                    "values per list"),
  };
  return kFields;
}

#undef SB_SPEC_FIELD

// A value as quoted in an error: long ones cut, so that one bad line of a
// file cannot turn the message into megabytes.
std::string Shown(std::string_view text) {
  constexpr size_t kMax = 64;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "... (" +
         std::to_string(text.size()) + " bytes)";
}

template <typename T>
Status ParseInteger(std::string_view name, std::string_view text, T* out) {
  std::string_view t = text;
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);
  T v{};
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) {
    return Status::InvalidArgument(
        "field '" + std::string(name) + "': '" + Shown(text) +
        "' is not an integer in [" +
        std::to_string(std::numeric_limits<T>::min()) + ", " +
        std::to_string(std::numeric_limits<T>::max()) + "]");
  }
  *out = v;
  return Status::Ok();
}

Status ParseDouble(std::string_view name, std::string_view text, double* out) {
  std::string s(text);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) {
    return Status::InvalidArgument("field '" + std::string(name) + "': '" +
                                   Shown(s) + "' is not a finite number");
  }
  *out = v;
  return Status::Ok();
}

}  // namespace

const std::vector<SpecField>& WorkloadSpecFields() { return Table(); }

const SpecField* FindSpecField(std::string_view name) {
  for (const SpecField& f : Table()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Status SetWorkloadSpecField(WorkloadSpec* spec, std::string_view name,
                            std::string_view text) {
  const SpecField* f = FindSpecField(name);
  if (f == nullptr) {
    return Status::InvalidArgument("unknown workload field '" +
                                   std::string(name) + "'");
  }
  void* p = f->address(spec);
  switch (f->type) {
    case SpecFieldType::kString: {
      // Names end up in every key or record the workload writes (the YCSB
      // field name prefix in each field of each record), and all of them
      // in the results JSON.
      const size_t limit =
          name == "ycsb.field_name_prefix" || name == "ycsb.table"
              ? kMaxWorkloadNameBytes
              : kMaxInputStringBytes;
      if (text.size() > limit) {
        return Status::InvalidArgument("workload field '" + std::string(name) +
                                       "' is " + std::to_string(text.size()) +
                                       " bytes long; at most " +
                                       std::to_string(limit) + " bytes");
      }
      if (std::optional<size_t> bad = FirstInvalidUtf8(text)) {
        return Status::InvalidArgument("workload field '" + std::string(name) +
                                       "' is not valid UTF-8 (at byte " +
                                       std::to_string(*bad) + ")");
      }
      *static_cast<std::string*>(p) = std::string(text);
      return Status::Ok();
    }
    case SpecFieldType::kUint64:
      return ParseInteger(name, text, static_cast<uint64_t*>(p));
    case SpecFieldType::kUint32:
      return ParseInteger(name, text, static_cast<uint32_t*>(p));
    case SpecFieldType::kInt32:
      return ParseInteger(name, text, static_cast<int32_t*>(p));
    case SpecFieldType::kDouble:
      return ParseDouble(name, text, static_cast<double*>(p));
    case SpecFieldType::kBool:
      if (text == "true" || text == "false") {
        *static_cast<bool*>(p) = text == "true";
        return Status::Ok();
      }
      return Status::InvalidArgument("field '" + std::string(name) + "': '" +
                                     Shown(text) + "' is not true or false");
  }
  return Status::Internal("unhandled field type");
}

std::string GetWorkloadSpecField(const WorkloadSpec& spec,
                                 const SpecField& field) {
  // address() needs a mutable spec; the value is only read.
  void* p = field.address(const_cast<WorkloadSpec*>(&spec));
  switch (field.type) {
    case SpecFieldType::kString:
      return *static_cast<std::string*>(p);
    case SpecFieldType::kUint64:
      return std::to_string(*static_cast<uint64_t*>(p));
    case SpecFieldType::kUint32:
      return std::to_string(*static_cast<uint32_t*>(p));
    case SpecFieldType::kInt32:
      return std::to_string(*static_cast<int32_t*>(p));
    case SpecFieldType::kDouble: {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%.17g", *static_cast<double*>(p));
      // Prefer the shortest form that parses back to the same double.
      for (int precision = 1; precision < 17; ++precision) {
        char shorter[32];
        std::snprintf(shorter, sizeof(shorter), "%.*g", precision,
                      *static_cast<double*>(p));
        if (std::strtod(shorter, nullptr) == *static_cast<double*>(p)) {
          return shorter;
        }
      }
      return buf;
    }
    case SpecFieldType::kBool:
      return *static_cast<bool*>(p) ? "true" : "false";
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> DescribeWorkloadSpec(
    const WorkloadSpec& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const SpecField& f : Table()) {
    out.emplace_back(std::string(f.name), GetWorkloadSpecField(spec, f));
  }
  return out;
}

}  // namespace statebench
