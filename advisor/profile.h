// The requirements profile: what a job needs and what its team can run.
// Read from YAML (see advisor/README-profiles.md); every figure is stored in
// a base unit (bytes, seconds, per second).
//
// Thread safety: plain values.
#ifndef STATEBENCH_ADVISOR_PROFILE_H_
#define STATEBENCH_ADVISOR_PROFILE_H_

#include <optional>
#include <string>

#include "base/status.h"

namespace statebench::advisor {

// Each 0 (none) .. 3 (expert). Default 1: "can follow a runbook".
struct TeamSkills {
  int sql = 1;
  int redis = 1;
  int rocksdb_tuning = 1;
  int heap_gc_tuning = 1;
  int operations = 1;  // capacity to run and page for servers
};

enum class DataLoss {
  kNone,                 // nothing acknowledged may be lost
  kSinceLastCheckpoint,  // the source replays from the last checkpoint
  kWindow,               // up to `tolerated_data_loss_s` of input
};

struct Profile {
  std::string name;         // default: the file's stem
  std::string description;  // free text
  std::string origin;       // path it was read from, for messages

  double state_size_bytes = 0;  // required: live keyed state, all subtasks
  // When one of key_count / value_size is absent it is derived from the
  // other and state_size; when both are, value_size defaults to 100 B.
  double key_count = 0;
  double value_size_bytes = 0;
  double event_rate = 0;       // required: events/s, whole job
  double read_fraction = 0.5;  // read_write_mix: share of state ops reading

  std::optional<double> latency_slo_p99_s;
  std::optional<double> recovery_time_objective_s;
  DataLoss tolerated_data_loss = DataLoss::kSinceLastCheckpoint;
  double tolerated_data_loss_s = 0;  // kWindow only
  bool exactly_once = false;

  std::optional<double> memory_per_node_bytes;  // heap usable for state
  int nodes = 1;
  double checkpoint_interval_s = 60;

  bool managed_redis = false;
  bool managed_postgres = false;
  // What the state servers offer (self-run or a managed instance's
  // limits): Redis keeps every entry in RAM, PostgreSQL on its storage, and
  // each subtask holds its own connections. Absent: not checked.
  std::optional<double> redis_server_memory_bytes;
  std::optional<double> redis_max_connections;
  std::optional<double> postgres_server_storage_bytes;
  std::optional<double> postgres_max_connections;
  std::optional<double> disk_write_budget_bytes_per_s;

  TeamSkills skills;
};

// "none" | "since_last_checkpoint" | "<N>s" (as written in profiles).
std::string DataLossName(const Profile& p);

// Parses profile YAML. Unknown keys, wrong types, bad units and values out
// of range fail with InvalidArgument "origin:line:column: ...". `origin`
// names the source in messages and gives the default name.
Result<Profile> ParseProfile(const std::string& text,
                             const std::string& origin);
// Reads and parses a profile file.
Result<Profile> LoadProfile(const std::string& path);

}  // namespace statebench::advisor

#endif  // STATEBENCH_ADVISOR_PROFILE_H_
