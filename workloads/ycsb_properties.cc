// Reader for YCSB workload property files (workloads/workloada ...).
#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "base/file_util.h"
#include "base/text_check.h"
#include "workloads/distributions.h"
#include "workloads/spec_fields.h"
#include "workloads/ycsb.h"

namespace statebench {
namespace {

struct Property {
  std::string key;
  std::string value;
  int line = 0;
  // Whether the key ends at '=' or ':' (Java also accepts whitespace alone,
  // which is how a stray line of prose reads).
  bool has_assignment = false;
  std::string text;  // the logical line, for notes
};

// Property names are echoed in notes; YCSB's longest is 38 bytes.
constexpr size_t kMaxYcsbKeyBytes = 256;

// Splits Java .properties text into key/value pairs with the line each
// starts on. Escapes other than the line continuation are kept verbatim;
// YCSB's own files use none.
std::vector<Property> SplitProperties(std::string_view text) {
  std::vector<Property> out;
  int line_no = 0;
  std::string logical;
  int logical_start = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view line = logical.empty() ? TrimSpace(raw) : raw;
    if (logical.empty()) {
      if (line.empty() || line.front() == '#' || line.front() == '!') continue;
      logical_start = line_no;
    } else {
      line = TrimSpace(line);
    }
    bool continued = !line.empty() && line.back() == '\\';
    if (continued) line.remove_suffix(1);
    logical.append(line);
    if (continued && pos <= text.size()) continue;
    size_t sep = logical.find_first_of("=: \t");
    Property p;
    p.line = logical_start;
    p.key = std::string(TrimSpace(std::string_view(logical).substr(0, sep)));
    p.text = logical;
    if (sep != std::string::npos) {
      std::string_view rest = TrimSpace(std::string_view(logical).substr(sep));
      if (!rest.empty() && (rest.front() == '=' || rest.front() == ':')) {
        rest.remove_prefix(1);
        p.has_assignment = true;
      }
      p.value = std::string(TrimSpace(rest));
    }
    out.push_back(std::move(p));
    logical.clear();
  }
  return out;
}

using SetFn = std::function<Status(WorkloadSpec*, const std::string&)>;

// How a property reaches the spec: the field it sets ("" for none) and the
// parser that sets it.
struct Setter {
  std::string_view field;
  SetFn set;
};

// A property stored into a WorkloadSpec field of the same meaning.
Setter ToField(std::string_view field) {
  return {field, [field](WorkloadSpec* s, const std::string& v) {
            return SetWorkloadSpecField(s, field, v);
          }};
}

// Java's Boolean.parseBoolean accepts any case.
Setter ToBool(std::string_view field) {
  return {
      field, [field](WorkloadSpec* s, const std::string& v) {
        std::string lower = v;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (lower != "true" && lower != "false") {
          return Status::InvalidArgument("'" + v + "' is not true or false");
        }
        return SetWorkloadSpecField(s, field, lower);
      }};
}

Setter OneOf(std::string_view field, std::vector<std::string> allowed) {
  return {
      field, [field, allowed](WorkloadSpec* s, const std::string& v) {
        if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
          std::string list;
          for (const std::string& a : allowed)
            list += (list.empty() ? "" : ", ") + a;
          return Status::InvalidArgument("'" + v + "' is not one of " + list);
        }
        return SetWorkloadSpecField(s, field, v);
      }};
}

const std::map<std::string, Setter, std::less<>>& Setters() {
  static const auto* kSetters = new std::map<std::string, Setter, std::less<>>{
      {"recordcount",
       {"key_count",
        [](WorkloadSpec* s, const std::string& v) {
          SB_RETURN_IF_ERROR(SetWorkloadSpecField(s, "key_count", v));
          if (s->key_count == 0) {
            return Status::InvalidArgument("must be at least 1");
          }
          return Status::Ok();
        }}},
      {"operationcount", ToField("run_events")},
      {"readproportion", ToField("ycsb.read_proportion")},
      {"updateproportion", ToField("ycsb.update_proportion")},
      {"insertproportion", ToField("ycsb.insert_proportion")},
      {"scanproportion", ToField("ycsb.scan_proportion")},
      {"readmodifywriteproportion",
       ToField("ycsb.read_modify_write_proportion")},
      {"requestdistribution",
       OneOf("key_distribution", {"uniform", "zipfian", "latest", "hotspot",
                                  "sequential", "exponential"})},
      {"fieldcount", ToField("ycsb.field_count")},
      {"fieldlength", ToField("ycsb.field_length")},
      {"minfieldlength", ToField("ycsb.min_field_length")},
      {"fieldlengthdistribution", OneOf("ycsb.field_length_distribution",
                                        {"constant", "uniform", "zipfian"})},
      {"readallfields", ToBool("ycsb.read_all_fields")},
      {"writeallfields", ToBool("ycsb.write_all_fields")},
      {"minscanlength", ToField("ycsb.min_scan_length")},
      {"maxscanlength", ToField("ycsb.max_scan_length")},
      {"scanlengthdistribution",
       OneOf("ycsb.scan_length_distribution", {"uniform", "zipfian"})},
      {"insertorder",
       {"ycsb.ordered_inserts",
        [](WorkloadSpec* s, const std::string& v) {
          if (v != "hashed" && v != "ordered") {
            return Status::InvalidArgument("'" + v +
                                           "' is not one of hashed, ordered");
          }
          s->ycsb.ordered_inserts = v == "ordered";
          return Status::Ok();
        }}},
      {"zeropadding", ToField("ycsb.zero_padding")},
      {"fieldnameprefix", ToField("ycsb.field_name_prefix")},
      {"table", ToField("ycsb.table")},
      {"hotspotdatafraction", ToField("hotspot_data_fraction")},
      {"hotspotopnfraction", ToField("hotspot_op_fraction")},
      {"exponential.percentile", ToField("exponential_percentile")},
      {"exponential.frac", ToField("exponential_frac")},
      {"workload",
       {"",
        [](WorkloadSpec*, const std::string& v) {
          if (v != "site.ycsb.workloads.CoreWorkload" &&
              v != "com.yahoo.ycsb.workloads.CoreWorkload") {
            return Status::InvalidArgument(
                "workload class '" + v +
                "' is not supported; statebench runs YCSB's CoreWorkload");
          }
          return Status::Ok();
        }}},
  };
  return *kSetters;
}

// Properties of YCSB's client, bindings and measurement that have no
// meaning for a statebench workload (statebench flags cover threads,
// targets and durations).
bool IsClientProperty(std::string_view key) {
  static const char* const kClient[] = {
      "db",
      "exporter",
      "exportfile",
      "threadcount",
      "target",
      "maxexecutiontime",
      "measurementtype",
      "measurement.interval",
      "measurement.trackjvm",
      "histogram.buckets",
      "timeseries.granularity",
      "status.interval",
      "dataintegrity",
      "readallfieldsbyname",
      "insertstart",
      "insertcount",
      "core_workload_insertion_retry_limit",
      "core_workload_insertion_retry_interval",
      "fieldlengthhistogram",
      "keylengthdistribution",
      "debug"};
  for (const char* k : kClient) {
    if (key == k) return true;
  }
  return false;
}

}  // namespace

Result<YcsbPropertyFile> ParseYcsbProperties(std::string_view text,
                                             std::string_view source,
                                             const WorkloadSpec& base) {
  YcsbPropertyFile out;
  out.spec = base;
  out.spec.name = "ycsb";
  const std::string where(source);
  // The line after which the spec stopped validating (and never did again):
  // where a final validation error is reported.
  int invalid_since = 0;
  // Java reads .properties as ISO-8859-1; statebench reads UTF-8, since
  // names and notes from the file end up in the JSON results.
  SB_RETURN_IF_ERROR(CheckUtf8File(text, source));
  for (const Property& p : SplitProperties(text)) {
    const std::string at = where + ":" + std::to_string(p.line);
    if (p.key.size() > kMaxYcsbKeyBytes) {
      return Status::InvalidArgument(
          at + ": a property name of " + std::to_string(p.key.size()) +
          " bytes; names are at most " + std::to_string(kMaxYcsbKeyBytes) +
          " bytes");
    }
    if (p.value.size() > kMaxInputStringBytes) {
      return Status::InvalidArgument(
          at + ": property '" + p.key + "' has a value of " +
          std::to_string(p.value.size()) + " bytes; values are at most " +
          std::to_string(kMaxInputStringBytes) + " bytes");
    }
    if (p.key == "fieldlengthdistribution" && p.value == "histogram") {
      return Status::InvalidArgument(
          at +
          ": fieldlengthdistribution=histogram is not supported; use "
          "constant, uniform or zipfian");
    }
    auto it = Setters().find(p.key);
    if (it == Setters().end()) {
      if (!p.has_assignment) {
        out.notes.push_back(at + ": line '" + p.text +
                            "' is not a key=value property; ignored");
        continue;
      }
      out.notes.push_back(at + ": property '" + p.key + "' " +
                          (IsClientProperty(p.key)
                               ? "has no statebench equivalent"
                               : "is not a CoreWorkload property") +
                          "; ignored");
      continue;
    }
    Status s = it->second.set(&out.spec, p.value);
    if (!s.ok()) {
      return Status::InvalidArgument(at + ": property '" + p.key +
                                     "': " + s.message());
    }
    if (!it->second.field.empty()) {
      out.fields_set.insert(std::string(it->second.field));
    }
    if (ValidateWorkloadSpec(out.spec).ok()) {
      invalid_since = 0;
    } else if (invalid_since == 0) {
      invalid_since = p.line;
    }
  }
  Status valid = ValidateWorkloadSpec(out.spec);
  if (!valid.ok()) {
    return Status::InvalidArgument(
        where + (invalid_since > 0 ? ":" + std::to_string(invalid_since) : "") +
        ": " + valid.message());
  }
  return out;
}

bool LooksLikeYcsbProperties(std::string_view text) {
  bool assignment = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = TrimSpace(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;
    size_t key_end = 0;
    while (key_end < line.size() &&
           (std::isalnum(static_cast<unsigned char>(line[key_end])) ||
            line[key_end] == '_' || line[key_end] == '.' ||
            line[key_end] == '-')) {
      ++key_end;
    }
    if (key_end == 0) continue;
    std::string_view rest = TrimSpace(line.substr(key_end));
    if (!rest.empty() && rest.front() == '=') assignment = true;
    // "workload:" with nothing (or a comment) after it opens a YAML mapping.
    if (!rest.empty() && rest.front() == ':') {
      std::string_view value = TrimSpace(rest.substr(1));
      if (value.empty() || value.front() == '#') return false;
    }
  }
  return assignment;
}

Result<YcsbPropertyFile> LoadYcsbPropertyFile(const std::string& path,
                                              const WorkloadSpec& base) {
  SB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  // YCSB's own files are a few dozen lines. The bound is generous so
  // that an overlong line is refused at its line, by the limits on names
  // and values.
  constexpr size_t kMaxBytes = 16 << 20;
  if (text.size() > kMaxBytes) {
    return Status::InvalidArgument(
        path + ": " + std::to_string(text.size()) +
        " bytes; a YCSB property file is at most 16 MiB");
  }
  return ParseYcsbProperties(text, path, base);
}

}  // namespace statebench
