#include "workloads/workload_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <type_traits>
#include <utility>

#include "base/file_util.h"
#include "base/text_check.h"
#include "workloads/distributions.h"
#include "workloads/operator.h"
#include "workloads/spec_fields.h"
#include "workloads/yaml_position.h"
#include "workloads/ycsb.h"

namespace statebench {
namespace {

constexpr std::string_view kSections[] = {"event_time", "operator", "ycsb",
                                          "flink"};

constexpr const char* kWhatItIs =
    "a workload file is a mapping with keys workload, run, checkpoint, "
    "backend_options (YAML), or a YCSB property file of key=value lines";

// Parses one YAML document; every error carries file:line:col.
class Parser {
 public:
  Parser(std::string_view source, std::string base_dir)
      : source_(source), base_dir_(std::move(base_dir)) {}

  Result<WorkloadFile> Parse(std::string_view text) {
    out_.path = std::string(source_);
    SB_RETURN_IF_ERROR(CheckUtf8File(text, source_));
    YAML::Node root;
    std::optional<Status> yaml_error;
    try {
      std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
      if (documents.size() > 1) {
        // yaml-cpp's Load() would quietly take the first document.
        return Status::InvalidArgument(
            SecondDocumentWhere(text, documents[1]) +
            ": a second YAML document starts here; a workload file holds "
            "one document (remove the '---' line, or split the file)");
      }
      if (!documents.empty()) root = documents[0];
    } catch (const YAML::Exception& e) {
      yaml_error = Status::InvalidArgument(YamlPosition(source_, e.mark) +
                                           ": " + e.msg + "; " + kWhatItIs);
    }
    // YCSB's own workload files (key=value lines) run as they are.
    if ((yaml_error || !root.IsMap()) && LooksLikeYcsbProperties(text)) {
      return ParseProperties(text);
    }
    if (yaml_error) return *yaml_error;
    if (!root.IsMap()) return Error(root, kWhatItIs);
    try {
      SB_RETURN_IF_ERROR(CheckKeys(
          root, "", {"workload", "run", "checkpoint", "backend_options"}));
      SB_RETURN_IF_ERROR(ParseWorkload(root["workload"]));
      SB_RETURN_IF_ERROR(ParseRun(root["run"]));
      SB_RETURN_IF_ERROR(ParseCheckpoint(root["checkpoint"]));
      SB_RETURN_IF_ERROR(ParseBackendOptions(root["backend_options"]));
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(YamlPosition(source_, e.mark) + ": " +
                                     e.msg);
    }
    return std::move(out_);
  }

 private:
  Result<WorkloadFile> ParseProperties(std::string_view text) {
    Result<YcsbPropertyFile> props =
        ParseYcsbProperties(text, source_, *DefaultWorkloadSpec("ycsb"));
    if (!props.ok()) return props.status();
    out_.spec = std::move(props->spec);
    out_.spec_fields_set = std::move(props->fields_set);
    out_.spec_fields_set.insert("name");
    out_.notes = std::move(props->notes);
    return std::move(out_);
  }

  // Where the second document of `text` starts: the marker line that
  // opens it, else its root node.
  std::string SecondDocumentWhere(std::string_view text,
                                  const YAML::Node& second) const {
    if (size_t line = SecondYamlDocumentLine(text); line > 0) {
      return std::string(source_) + ":" + std::to_string(line) + ":1";
    }
    return YamlPosition(source_, second.Mark());
  }

  Status Error(const YAML::Node& at, const std::string& what) const {
    return Status::InvalidArgument(YamlPosition(source_, at.Mark()) + ": " +
                                   what);
  }

  // Rejects unknown and duplicate keys of a mapping.
  Status CheckKeys(const YAML::Node& map, const std::string& context,
                   std::vector<std::string_view> known) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      SB_RETURN_IF_ERROR(CheckKeyLength(it->first));
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        return Error(it->first, "duplicate key '" + key + "'");
      }
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        std::string list;
        for (std::string_view k : known) {
          list += (list.empty() ? "" : ", ") + std::string(k);
        }
        return Error(it->first, "unknown key '" + key + "'" +
                                    (context.empty() ? "" : " in " + context) +
                                    "; known keys: " + list);
      }
    }
    return Status::Ok();
  }

  // Keys are echoed in messages; none of the known ones is long.
  Status CheckKeyLength(const YAML::Node& key) const {
    constexpr size_t kMaxKeyBytes = 256;
    if (key.IsScalar() && key.Scalar().size() > kMaxKeyBytes) {
      return Error(key, "a key of " + std::to_string(key.Scalar().size()) +
                            " bytes; keys are at most " +
                            std::to_string(kMaxKeyBytes) + " bytes");
    }
    return Status::Ok();
  }

  Result<std::string> Scalar(const YAML::Node& node, const std::string& key) {
    if (!node.IsScalar()) {
      return Error(node, "'" + key + "' must be a single value");
    }
    if (node.Scalar().size() > kMaxInputStringBytes) {
      return Error(node, "'" + key + "' is " +
                             std::to_string(node.Scalar().size()) +
                             " bytes long; a value is at most " +
                             std::to_string(kMaxInputStringBytes) + " bytes");
    }
    return node.Scalar();
  }

  Status ParseWorkload(const YAML::Node& w) {
    if (!w) return Status::Ok();
    if (!w.IsMap()) return Error(w, "'workload' must be a mapping");
    if (w["name"]) {
      SB_ASSIGN_OR_RETURN(std::string name, Scalar(w["name"], "name"));
      Result<WorkloadSpec> base = DefaultWorkloadSpec(name);
      if (!base.ok()) return Error(w["name"], base.status().message());
      out_.spec = *base;
      out_.spec_fields_set.insert("name");
    }
    if (w["ycsb_properties"]) {
      SB_RETURN_IF_ERROR(ApplyYcsbProperties(w["ycsb_properties"]));
    }
    SB_RETURN_IF_ERROR(ParseFields(w, ""));
    if (w["state_size"]) SB_RETURN_IF_ERROR(ApplyStateSize(w));
    Status valid = ValidateWorkloadSpec(out_.spec);
    if (!valid.ok()) return LocateValidationError(valid, w);
    return Status::Ok();
  }

  // Sets spec fields from a mapping whose keys are field names below
  // `prefix` (or sections of them).
  Status ParseFields(const YAML::Node& map, const std::string& prefix) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      SB_RETURN_IF_ERROR(CheckKeyLength(it->first));
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        return Error(it->first, "duplicate key '" + key + "'");
      }
      if (prefix.empty() &&
          (key == "name" || key == "state_size" || key == "ycsb_properties")) {
        continue;
      }
      const std::string dotted = prefix + key;
      if (prefix.empty() &&
          std::find(std::begin(kSections), std::end(kSections), key) !=
              std::end(kSections)) {
        if (!it->second.IsMap()) {
          return Error(it->second, "'" + key + "' must be a mapping");
        }
        SB_RETURN_IF_ERROR(ParseFields(it->second, dotted + "."));
        continue;
      }
      if (FindSpecField(dotted) == nullptr) {
        return Error(
            it->first,
            "unknown key '" + key + "' in " +
                (prefix.empty()
                     ? std::string("workload")
                     : "workload." + prefix.substr(0, prefix.size() - 1)) +
                KnownBelow(prefix));
      }
      SB_ASSIGN_OR_RETURN(std::string text, Scalar(it->second, key));
      Status s = SetWorkloadSpecField(&out_.spec, dotted, text);
      if (!s.ok()) return Error(it->second, s.message());
      out_.spec_fields_set.insert(dotted);
      marks_[dotted] = it->second.Mark();
    }
    return Status::Ok();
  }

  std::string KnownBelow(const std::string& prefix) const {
    std::string list;
    for (const SpecField& f : WorkloadSpecFields()) {
      std::string_view name = f.name;
      if (name.substr(0, prefix.size()) != prefix) continue;
      name.remove_prefix(prefix.size());
      if (name == "name" || name.find('.') != std::string_view::npos) continue;
      list += (list.empty() ? "" : ", ") + std::string(name);
    }
    if (prefix.empty()) {
      list +=
          ", state_size, ycsb_properties, event_time, operator, ycsb, flink";
    }
    return "; known keys: " + list;
  }

  Status ApplyYcsbProperties(const YAML::Node& node) {
    SB_ASSIGN_OR_RETURN(std::string rel, Scalar(node, "ycsb_properties"));
    std::string path =
        !rel.empty() && rel[0] == '/' ? rel : base_dir_ + "/" + rel;
    WorkloadSpec base = out_.spec;
    if (!out_.spec_fields_set.count("name")) {
      Result<WorkloadSpec> ycsb = DefaultWorkloadSpec("ycsb");
      base = *ycsb;
    }
    Result<YcsbPropertyFile> props = LoadYcsbPropertyFile(path, base);
    if (!props.ok()) {
      return Error(node, "ycsb_properties: " + props.status().message());
    }
    if (out_.spec_fields_set.count("name") && base.name != "ycsb") {
      return Error(node,
                   "ycsb_properties needs workload name 'ycsb' (or no "
                   "name), not '" +
                       base.name + "'");
    }
    out_.spec = props->spec;
    out_.spec_fields_set.insert("name");
    out_.spec_fields_set.insert(props->fields_set.begin(),
                                props->fields_set.end());
    for (std::string& note : props->notes)
      out_.notes.push_back(std::move(note));
    return Status::Ok();
  }

  Status ApplyStateSize(const YAML::Node& w) {
    const YAML::Node node = w["state_size"];
    if (w["key_count"]) {
      return Error(node, "give either state_size or key_count, not both");
    }
    SB_ASSIGN_OR_RETURN(std::string text, Scalar(node, "state_size"));
    Result<uint64_t> bytes = ParseByteSize(text);
    if (!bytes.ok()) return Error(node, bytes.status().message());
    Result<uint64_t> keys = KeyCountForStateSize(out_.spec, *bytes);
    if (!keys.ok()) return Error(node, keys.status().message());
    out_.spec.key_count = *keys;
    out_.spec_fields_set.insert("key_count");
    marks_["key_count"] = node.Mark();
    return Status::Ok();
  }

  // Validation names the field ("workload field 'x' ..."); point at it.
  // A field the file did not set (a preset's default that a value from
  // the file contradicts) has no mark of its own: the message points at
  // the `workload` mapping.
  Status LocateValidationError(const Status& s,
                               const YAML::Node& workload) const {
    const std::string& m = s.message();
    size_t open = m.find("field '");
    if (open != std::string::npos) {
      size_t start = open + 7;
      size_t close = m.find('\'', start);
      auto it = marks_.find(m.substr(start, close - start));
      if (it != marks_.end()) {
        return Status::InvalidArgument(YamlPosition(source_, it->second) +
                                       ": " + m);
      }
    }
    return Status::InvalidArgument(YamlPosition(source_, workload.Mark()) +
                                   ": " + m);
  }

  template <typename T>
  Status Number(const YAML::Node& map, const char* key, double min, double max,
                std::optional<T>* out) {
    const YAML::Node node = map[key];
    if (!node) return Status::Ok();
    SB_ASSIGN_OR_RETURN(std::string text, Scalar(node, key));
    char* end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    bool integral = std::is_integral_v<T>;
    if (text.empty() || end != text.c_str() + text.size() ||
        !std::isfinite(v) || v < min || v > max ||
        (integral && v != std::floor(v))) {
      return Error(node, "'" + std::string(key) + "' must be " +
                             (integral ? "an integer" : "a number") +
                             " within [" + FormatBound(min) + ", " +
                             FormatBound(max) + "], got '" + text + "'");
    }
    *out = static_cast<T>(v);
    return Status::Ok();
  }

  static std::string FormatBound(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }

  Status ParseRun(const YAML::Node& r) {
    if (!r) return Status::Ok();
    if (!r.IsMap()) return Error(r, "'run' must be a mapping");
    SB_RETURN_IF_ERROR(CheckKeys(
        r, "run",
        {"backends", "parallelism", "max_parallelism", "warmup_s", "measure_s",
         "measure_events", "rate", "repetitions", "latency_sample_every"}));
    WorkloadFileRun& run = out_.run;
    if (r["backends"]) {
      const YAML::Node b = r["backends"];
      std::vector<std::string> names;
      if (b.IsScalar()) {
        SB_ASSIGN_OR_RETURN(std::string name, Scalar(b, "backends"));
        names.push_back(name);
      } else if (b.IsSequence() && b.size() > 0) {
        for (const YAML::Node& n : b) {
          SB_ASSIGN_OR_RETURN(std::string name, Scalar(n, "backends"));
          names.push_back(name);
        }
      } else {
        return Error(b, "'backends' must be a backend name or a list of them");
      }
      run.backends = names;
    }
    SB_RETURN_IF_ERROR(Number(r, "parallelism", 1, 32768, &run.parallelism));
    SB_RETURN_IF_ERROR(
        Number(r, "max_parallelism", 0, 32768, &run.max_parallelism));
    SB_RETURN_IF_ERROR(Number(r, "warmup_s", 0, 1e6, &run.warmup_s));
    SB_RETURN_IF_ERROR(Number(r, "measure_s", 1e-3, 1e6, &run.measure_s));
    SB_RETURN_IF_ERROR(
        Number(r, "measure_events", 0, 1e18, &run.measure_events));
    SB_RETURN_IF_ERROR(Number(r, "rate", 0, 1e12, &run.rate));
    SB_RETURN_IF_ERROR(Number(r, "repetitions", 1, 1000, &run.repetitions));
    SB_RETURN_IF_ERROR(
        Number(r, "latency_sample_every", 0, 1e9, &run.latency_sample_every));
    if (run.parallelism && run.max_parallelism && *run.max_parallelism != 0 &&
        *run.max_parallelism < *run.parallelism) {
      return Error(r["max_parallelism"],
                   "'max_parallelism' must be 0 or at least 'parallelism'");
    }
    return Status::Ok();
  }

  Status ParseCheckpoint(const YAML::Node& c) {
    if (!c) return Status::Ok();
    if (!c.IsMap()) return Error(c, "'checkpoint' must be a mapping");
    SB_RETURN_IF_ERROR(
        CheckKeys(c, "checkpoint",
                  {"interval_ms", "min_pause_ms", "timeout_ms", "type"}));
    WorkloadFileRun& run = out_.run;
    SB_RETURN_IF_ERROR(
        Number(c, "interval_ms", 0, 4e9, &run.checkpoint_interval_ms));
    SB_RETURN_IF_ERROR(
        Number(c, "min_pause_ms", 0, 4e9, &run.checkpoint_min_pause_ms));
    SB_RETURN_IF_ERROR(
        Number(c, "timeout_ms", 1, 4e9, &run.checkpoint_timeout_ms));
    if (c["type"]) {
      SB_ASSIGN_OR_RETURN(std::string type, Scalar(c["type"], "type"));
      if (type != "full" && type != "incremental") {
        return Error(c["type"],
                     "'type' must be full or incremental, got '" + type + "'");
      }
      run.checkpoint_type = type;
    }
    return Status::Ok();
  }

  Status ParseBackendOptions(const YAML::Node& b) {
    if (!b) return Status::Ok();
    if (!b.IsMap()) {
      return Error(b, "'backend_options' must map backend names to options");
    }
    std::set<std::string> backends_seen;
    for (auto it = b.begin(); it != b.end(); ++it) {
      SB_RETURN_IF_ERROR(CheckKeyLength(it->first));
      const std::string backend = it->first.Scalar();
      if (!backends_seen.insert(backend).second) {
        return Error(it->first, "duplicate key '" + backend + "'");
      }
      if (!it->second.IsMap()) {
        return Error(it->second,
                     "options of backend '" + backend + "' must be a mapping");
      }
      auto& options = out_.run.backend_options[backend];
      auto& where = out_.run.backend_option_where[backend];
      // The backend name is checked when the run starts (workloads/ knows
      // no backends); that message points here.
      out_.run.backend_where[backend] = YamlPosition(source_, it->first.Mark());
      for (auto o = it->second.begin(); o != it->second.end(); ++o) {
        SB_RETURN_IF_ERROR(CheckKeyLength(o->first));
        const std::string name = o->first.Scalar();
        if (options.count(name) != 0) {
          return Error(o->first, "duplicate key '" + name + "' in options of " +
                                     "backend '" + backend + "'");
        }
        SB_ASSIGN_OR_RETURN(std::string v, Scalar(o->second, name));
        if (std::optional<size_t> bad = FirstInvalidUtf8(v)) {
          return Error(o->second, "'" + name + "' is not valid UTF-8");
        }
        options[name] = v;
        where[name] = YamlPosition(source_, o->second.Mark());
      }
    }
    return Status::Ok();
  }

  std::string_view source_;
  std::string base_dir_;
  WorkloadFile out_;
  std::map<std::string, YAML::Mark> marks_;
};

}  // namespace

Result<WorkloadFile> ParseWorkloadFile(std::string_view text,
                                       std::string_view source,
                                       const std::string& base_dir) {
  return Parser(source, base_dir).Parse(text);
}

Result<WorkloadFile> LoadWorkloadFile(const std::string& path) {
  SB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  // A workload file is a few lines; parsing megabytes of YAML only wastes
  // time.
  constexpr size_t kMaxBytes = 1 << 20;
  if (text.size() > kMaxBytes) {
    return Status::InvalidArgument(path + ": " + std::to_string(text.size()) +
                                   " bytes; a workload file is at most 1 MiB");
  }
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  if (dir.empty()) dir = "/";
  return ParseWorkloadFile(text, path, dir);
}

double EstimatedBytesPerKey(const WorkloadSpec& spec) {
  const double key = spec.key_size;
  const double value = ValueSizesFor(spec).Mean();
  const std::string& n = spec.name;
  if (n.rfind("ycsb", 0) == 0) {
    const YcsbSpec& y = spec.ycsb;
    double field = y.field_length_distribution == "constant"
                       ? y.field_length
                       : (y.min_field_length + y.field_length) / 2.0;
    double name = y.field_name_prefix.size() + 1;
    return 4 + 19 + y.field_count * (name + field);  // "user" + digits
  }
  if (n == "flink-list") return key + spec.flink.list_values * value;
  if (n == "flink-map") return key + spec.flink.map_entries * (8 + value);
  if (n == "dedup-ttl") return key + 8 + value;
  return key + value;
}

Result<uint64_t> KeyCountForStateSize(const WorkloadSpec& spec,
                                      uint64_t bytes) {
  const std::string& n = spec.name;
  if (n == "tumbling-window" || n == "sliding-window" ||
      n == "session-window" || n == "interval-join" || n == "dedup-ttl" ||
      n == "trace") {
    return Status::InvalidArgument(
        "state_size does not apply to '" + n +
        "': its state is built by the input; size it with key_count, "
        "event_time.events_per_second and the operator's windows or TTL");
  }
  double keys =
      std::ceil(static_cast<double>(bytes) / EstimatedBytesPerKey(spec));
  return static_cast<uint64_t>(std::max(1.0, keys));
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  std::string s(text);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::string unit = end;
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1},
      {"B", 1},
      {"KB", 1e3},
      {"MB", 1e6},
      {"GB", 1e9},
      {"TB", 1e12},
      {"KiB", 1024.0},
      {"MiB", 1048576.0},
      {"GiB", 1073741824.0},
      {"TiB", 1099511627776.0}};
  if (end != s.c_str() && std::isfinite(v) && v >= 0) {
    for (const auto& [name, scale] : kUnits) {
      if (unit == name && v * scale < 1.8e19) {
        return static_cast<uint64_t>(std::llround(v * scale));
      }
    }
  }
  return Status::InvalidArgument("'" + s +
                                 "' is not a size (e.g. 4096, 64MiB, 1.5GiB, "
                                 "100MB)");
}

}  // namespace statebench
