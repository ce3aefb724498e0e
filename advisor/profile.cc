#include "advisor/profile.h"

#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <map>

#include "advisor/units.h"
#include "advisor/yaml_util.h"
#include "base/file_util.h"

namespace statebench::advisor {
namespace {

constexpr double kDefaultValueSize = 100;

// Reads one profile field from a YAML node into the profile.
// `key` names the field in messages.
using FieldParser = std::function<Status(
    const YAML::Node&, const std::string& key, const std::string&, Profile*)>;

// A quantity of `unit`; a plain number is accepted unless the unit is a
// duration (a bare "5" could be seconds or milliseconds).
Result<double> ReadQuantity(const YAML::Node& n, const std::string& origin,
                            std::string_view key, Unit unit,
                            std::string_view example) {
  SB_ASSIGN_OR_RETURN(std::string text, ScalarText(n, origin, key));
  Result<Quantity> q = ParseQuantity(text);
  bool ok = q.ok() && (q->unit == unit ||
                       (q->unit == Unit::kNone && unit != Unit::kSeconds) ||
                       (q->unit == Unit::kFraction && unit == Unit::kNone));
  if (!ok) {
    return ErrorAt(origin, n,
                   fmt::format("{}: '{}' is not a {} (e.g. {})", key, text,
                               UnitName(unit), example));
  }
  if (q->value < 0) {
    return ErrorAt(origin, n, fmt::format("{}: must not be negative", key));
  }
  return q->value;
}

Result<bool> ReadBool(const YAML::Node& n, const std::string& origin,
                      std::string_view key) {
  SB_ASSIGN_OR_RETURN(std::string text, ScalarText(n, origin, key));
  if (text == "true" || text == "yes") return true;
  if (text == "false" || text == "no") return false;
  return ErrorAt(origin, n,
                 fmt::format("{}: '{}' is not true or false", key, text));
}

Result<int> ReadSkill(const YAML::Node& n, const std::string& origin,
                      std::string_view key) {
  SB_ASSIGN_OR_RETURN(std::string text, ScalarText(n, origin, key));
  if (text.size() != 1 || text[0] < '0' || text[0] > '3') {
    return ErrorAt(
        origin, n,
        fmt::format("skills.{}: '{}' is not a level 0..3", key, text));
  }
  return text[0] - '0';
}

Status ReadDataLoss(const YAML::Node& n, const std::string& /*key*/,
                    const std::string& origin, Profile* p) {
  SB_ASSIGN_OR_RETURN(std::string text,
                      ScalarText(n, origin, "tolerated_data_loss"));
  if (text == "none") {
    p->tolerated_data_loss = DataLoss::kNone;
    return Status::Ok();
  }
  if (text == "since_last_checkpoint") {
    p->tolerated_data_loss = DataLoss::kSinceLastCheckpoint;
    return Status::Ok();
  }
  Result<Quantity> q = ParseQuantity(text);
  if (!q.ok() || q->unit != Unit::kSeconds || q->value < 0) {
    return ErrorAt(origin, n,
                   fmt::format("tolerated_data_loss: '{}' is not none, "
                               "since_last_checkpoint or a duration like 30s",
                               text));
  }
  p->tolerated_data_loss = DataLoss::kWindow;
  p->tolerated_data_loss_s = q->value;
  return Status::Ok();
}

Status ReadSkills(const YAML::Node& n, const std::string& /*key*/,
                  const std::string& origin, Profile* p) {
  if (!n.IsMap()) return ErrorAt(origin, n, "skills must be a mapping");
  SB_RETURN_IF_ERROR(CheckKeys(
      n, origin, "skills",
      {"sql", "redis", "rocksdb_tuning", "heap_gc_tuning", "operations"}));
  const std::map<std::string, int*> fields = {
      {"sql", &p->skills.sql},
      {"redis", &p->skills.redis},
      {"rocksdb_tuning", &p->skills.rocksdb_tuning},
      {"heap_gc_tuning", &p->skills.heap_gc_tuning},
      {"operations", &p->skills.operations}};
  for (const auto& kv : n) {
    SB_ASSIGN_OR_RETURN(*fields.at(kv.first.Scalar()),
                        ReadSkill(kv.second, origin, kv.first.Scalar()));
  }
  return Status::Ok();
}

FieldParser QuantityField(double Profile::*field, Unit unit,
                          std::string_view example) {
  return [=](const YAML::Node& n, const std::string& key, const std::string& o,
             Profile* p) -> Status {
    SB_ASSIGN_OR_RETURN(p->*field, ReadQuantity(n, o, key, unit, example));
    return Status::Ok();
  };
}

FieldParser OptQuantityField(std::optional<double> Profile::*field, Unit unit,
                             std::string_view example) {
  return [=](const YAML::Node& n, const std::string& key, const std::string& o,
             Profile* p) -> Status {
    SB_ASSIGN_OR_RETURN(p->*field, ReadQuantity(n, o, key, unit, example));
    return Status::Ok();
  };
}

FieldParser BoolField(bool Profile::*field) {
  return [=](const YAML::Node& n, const std::string& key, const std::string& o,
             Profile* p) -> Status {
    SB_ASSIGN_OR_RETURN(p->*field, ReadBool(n, o, key));
    return Status::Ok();
  };
}

FieldParser TextField(std::string Profile::*field) {
  return [=](const YAML::Node& n, const std::string& key, const std::string& o,
             Profile* p) -> Status {
    SB_ASSIGN_OR_RETURN(p->*field, ScalarText(n, o, key));
    return Status::Ok();
  };
}

const std::map<std::string, FieldParser>& FieldParsers() {
  static const std::map<std::string, FieldParser> parsers = {
      {"name", TextField(&Profile::name)},
      {"description", TextField(&Profile::description)},
      {"state_size",
       QuantityField(&Profile::state_size_bytes, Unit::kBytes, "300GiB")},
      {"key_count", QuantityField(&Profile::key_count, Unit::kNone, "10M")},
      {"value_size",
       QuantityField(&Profile::value_size_bytes, Unit::kBytes, "1KiB")},
      {"event_rate",
       QuantityField(&Profile::event_rate, Unit::kEventsPerSecond, "200k/s")},
      {"read_write_mix",
       QuantityField(&Profile::read_fraction, Unit::kNone, "0.8 or 80%")},
      {"latency_slo_p99",
       OptQuantityField(&Profile::latency_slo_p99_s, Unit::kSeconds, "5ms")},
      {"recovery_time_objective",
       OptQuantityField(&Profile::recovery_time_objective_s, Unit::kSeconds,
                        "60s")},
      {"tolerated_data_loss", ReadDataLoss},
      {"exactly_once", BoolField(&Profile::exactly_once)},
      {"memory_per_node", OptQuantityField(&Profile::memory_per_node_bytes,
                                           Unit::kBytes, "64GiB")},
      {"nodes",
       [](const YAML::Node& n, const std::string&, const std::string& o,
          Profile* p) -> Status {
         SB_ASSIGN_OR_RETURN(double v,
                             ReadQuantity(n, o, "nodes", Unit::kNone, "4"));
         if (v < 1 || v > 100000 || v != std::floor(v)) {
           return ErrorAt(o, n, "nodes: must be a whole number >= 1");
         }
         p->nodes = static_cast<int>(v);
         return Status::Ok();
       }},
      {"checkpoint_interval",
       QuantityField(&Profile::checkpoint_interval_s, Unit::kSeconds, "60s")},
      {"managed_redis", BoolField(&Profile::managed_redis)},
      {"managed_postgres", BoolField(&Profile::managed_postgres)},
      {"redis_server_memory",
       OptQuantityField(&Profile::redis_server_memory_bytes, Unit::kBytes,
                        "64GiB")},
      {"redis_max_connections",
       OptQuantityField(&Profile::redis_max_connections, Unit::kNone, "10000")},
      {"postgres_server_storage",
       OptQuantityField(&Profile::postgres_server_storage_bytes, Unit::kBytes,
                        "2TiB")},
      {"postgres_max_connections",
       OptQuantityField(&Profile::postgres_max_connections, Unit::kNone,
                        "100")},
      {"disk_write_budget",
       OptQuantityField(&Profile::disk_write_budget_bytes_per_s,
                        Unit::kBytesPerSecond, "200MiB/s")},
      {"skills", ReadSkills},
  };
  return parsers;
}

std::string StemOf(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  auto dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

// Cross-field checks and defaults, once every field is read.
Status Finish(const YAML::Node& root, const std::string& origin,
              const std::map<std::string, YAML::Node>& given, Profile* p) {
  for (const char* required : {"state_size", "event_rate"}) {
    if (!given.count(required)) {
      return ErrorAt(origin, root,
                     fmt::format("profile: '{}' is required", required));
    }
  }
  if (p->read_fraction > 1) {
    return ErrorAt(origin, given.at("read_write_mix"),
                   "read_write_mix: the read fraction must be within 0..1");
  }
  if (p->checkpoint_interval_s <= 0) {
    return ErrorAt(origin, given.at("checkpoint_interval"),
                   "checkpoint_interval: must be positive");
  }
  for (const char* key :
       {"redis_max_connections", "postgres_max_connections"}) {
    auto it = given.find(key);
    if (it == given.end()) continue;
    double v = key[0] == 'r' ? *p->redis_max_connections
                             : *p->postgres_max_connections;
    if (v < 1 || v != std::floor(v)) {
      return ErrorAt(origin, it->second,
                     fmt::format("{}: must be a whole number >= 1", key));
    }
  }
  bool keys = given.count("key_count") && p->key_count > 0;
  bool values = given.count("value_size") && p->value_size_bytes > 0;
  if (!values) {
    p->value_size_bytes =
        keys ? p->state_size_bytes / p->key_count : kDefaultValueSize;
  }
  if (!keys) {
    p->key_count =
        std::ceil(p->state_size_bytes / std::max(1.0, p->value_size_bytes));
  }
  if (p->name.empty()) p->name = StemOf(origin);
  p->origin = origin;
  return Status::Ok();
}

}  // namespace

std::string DataLossName(const Profile& p) {
  switch (p.tolerated_data_loss) {
    case DataLoss::kNone:
      return "none";
    case DataLoss::kSinceLastCheckpoint:
      return "since_last_checkpoint";
    case DataLoss::kWindow:
      return FormatNumber(p.tolerated_data_loss_s) + "s";
  }
  return "?";
}

Result<Profile> ParseProfile(const std::string& text,
                             const std::string& origin) {
  SB_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(text, origin));
  if (!root.IsMap()) {
    return ErrorAt(origin, root, "a profile must be a YAML mapping of fields");
  }
  std::vector<std::string_view> known;
  for (const auto& [k, _] : FieldParsers()) known.push_back(k);
  std::map<std::string, YAML::Node> given;
  Profile p;
  for (const auto& kv : root) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    auto it = FieldParsers().find(key);
    if (it == FieldParsers().end()) {
      return ErrorAt(origin, kv.first,
                     fmt::format("unknown profile key '{}' (known: {})", key,
                                 fmt::join(known, ", ")));
    }
    if (given.count(key)) {
      return ErrorAt(origin, kv.first,
                     fmt::format("profile key '{}' given twice", key));
    }
    given[key] = kv.second;
    SB_RETURN_IF_ERROR(it->second(kv.second, key, origin, &p));
  }
  SB_RETURN_IF_ERROR(Finish(root, origin, given, &p));
  return p;
}

Result<Profile> LoadProfile(const std::string& path) {
  SB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  // A profile is a few lines; parsing megabytes of YAML only wastes time.
  constexpr size_t kMaxBytes = 1 << 20;
  if (text.size() > kMaxBytes) {
    return Status::InvalidArgument(path + ": " + std::to_string(text.size()) +
                                   " bytes; a profile is at most 1 MiB");
  }
  return ParseProfile(text, path);
}

}  // namespace statebench::advisor
