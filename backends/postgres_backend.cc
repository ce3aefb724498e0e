// Table layout of the postgres backend (created when absent):
//
//   sb_state(job text, kg integer, state text, kdig bytea, ndig bytea,
//            ukey bytea, key bytea, ns bytea, value bytea,
//            PRIMARY KEY (job, kg, state, kdig, ndig, ukey))
//     value state: one row per (key, namespace) with ukey = '' (empty);
//     map state:   one row per (key, namespace, user key). bytea compares
//                  bytewise, so a MapScan is an index range scan on the
//                  primary key, already in user-key order.
//     kdig/ndig = sha256(key)/sha256(ns), computed by the server: a btree
//     entry is limited to ~2.7 KB, and keys may be larger (the full key and
//     namespace are kept in key/ns). User keys are indexed as they are, so
//     they are limited to ~2.5 KB.
//   sb_list(job text, kg integer, state text, kdig bytea, ndig bytea,
//           seq bigserial, key bytea, ns bytea, value bytea,
//           PRIMARY KEY (job, kg, state, kdig, ndig, seq))
//     one row per list element: an append is one INSERT (O(1)); seq, drawn
//     from a sequence, keeps append order.
//   sb_checkpoint(job text, kg_start integer, kg_end integer,
//                 checkpoint_id bigint, synchronous_commit text,
//                 committed_at timestamptz,
//                 PRIMARY KEY (job, kg_start, kg_end))
//     the last committed checkpoint of each subtask's key-group range, and
//     the synchronous_commit setting it was committed with.
//
// `job` keeps jobs sharing a database apart; `kg` (the key group) leads
// every key after it, so a subtask reads only its own key groups, a
// restore at another parallelism selects its range, and a fresh job deletes
// an earlier run's rows by range. State names, not ids, are stored: names
// are stable across processes. Every statement is prepared; writes are
// upserts (INSERT ... ON CONFLICT DO UPDATE).
//
// Transactions: one open transaction holds every write since the last
// checkpoint; the checkpoint upserts its sb_checkpoint row in it and commits.
#include "backends/postgres_backend.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <pqxx/pqxx>
#include <unordered_map>

#include "backends/postgres_support.h"
#include "backends/server_common.h"

namespace statebench {
namespace {

constexpr char kName[] = "postgres";

constexpr const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS sb_state (job text NOT NULL, kg integer NOT "
    "NULL, state text NOT NULL, kdig bytea NOT NULL, ndig bytea NOT NULL, "
    "ukey bytea NOT NULL, key bytea NOT NULL, ns bytea NOT NULL, value bytea "
    "NOT NULL, PRIMARY KEY (job, kg, state, kdig, ndig, ukey))",
    "CREATE TABLE IF NOT EXISTS sb_list (job text NOT NULL, kg integer NOT "
    "NULL, state text NOT NULL, kdig bytea NOT NULL, ndig bytea NOT NULL, "
    "seq bigserial, key bytea NOT NULL, ns bytea NOT NULL, value bytea NOT "
    "NULL, PRIMARY KEY (job, kg, state, kdig, ndig, seq))",
    "CREATE TABLE IF NOT EXISTS sb_checkpoint (job text NOT NULL, kg_start "
    "integer NOT NULL, kg_end integer NOT NULL, checkpoint_id bigint NOT "
    "NULL, synchronous_commit text NOT NULL, committed_at timestamptz NOT "
    "NULL DEFAULT now(), PRIMARY KEY (job, kg_start, kg_end))",
};

// Tables created by another layout would make every statement fail.
constexpr char kLayoutCheck[] =
    "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
    "current_schema() AND table_name IN ('sb_state', 'sb_list') AND "
    "column_name IN ('kdig', 'ndig')";

#define SB_ENTRY                                                          \
  "job = $1 AND kg = $2 AND state = $3 AND kdig = sha256($4) AND ndig = " \
  "sha256($5)"

constexpr std::pair<const char*, const char*> kStatements[] = {
    {"sb_get", "SELECT value FROM sb_state WHERE " SB_ENTRY " AND ukey = $6"},
    {"sb_put",
     "INSERT INTO sb_state (job, kg, state, kdig, ndig, ukey, key, ns, value) "
     "VALUES ($1, $2, $3, sha256($4), sha256($5), $6, $4, $5, $7) ON CONFLICT "
     "(job, kg, state, kdig, ndig, ukey) DO UPDATE SET value = EXCLUDED.value "
     "RETURNING (xmax = 0)"},
    {"sb_delete", "DELETE FROM sb_state WHERE " SB_ENTRY " AND ukey = $6"},
    {"sb_scan", "SELECT ukey, value FROM sb_state WHERE " SB_ENTRY
                " AND ukey >= $6 ORDER BY ukey LIMIT $7"},
    {"sb_scan_to", "SELECT ukey, value FROM sb_state WHERE " SB_ENTRY
                   " AND ukey >= $6 AND ukey < $7 ORDER BY ukey LIMIT $8"},
    {"sb_list_append",
     "INSERT INTO sb_list (job, kg, state, kdig, ndig, key, ns, value) VALUES "
     "($1, $2, $3, sha256($4), sha256($5), $4, $5, $6)"},
    {"sb_list_get",
     "SELECT value FROM sb_list WHERE " SB_ENTRY " ORDER BY seq"},
    {"sb_list_clear", "DELETE FROM sb_list WHERE " SB_ENTRY},
    {"sb_ckpt_put",
     "INSERT INTO sb_checkpoint (job, kg_start, kg_end, checkpoint_id, "
     "synchronous_commit, committed_at) VALUES ($1, $2, $3, $4, $5, now()) ON "
     "CONFLICT (job, kg_start, kg_end) DO UPDATE SET checkpoint_id = "
     "EXCLUDED.checkpoint_id, synchronous_commit = "
     "EXCLUDED.synchronous_commit, committed_at = now()"},
    {"sb_ckpt_get",
     "SELECT checkpoint_id FROM sb_checkpoint WHERE job = $1 AND kg_start = "
     "$2 AND kg_end = $3"},
    {"sb_clear_state",
     "DELETE FROM sb_state WHERE job = $1 AND kg BETWEEN $2 AND $3"},
    {"sb_clear_list",
     "DELETE FROM sb_list WHERE job = $1 AND kg BETWEEN $2 AND $3"},
    // Only checkpoint rows inside the range: a row overlapping another
    // subtask's range would be deleted by both, and the second transaction
    // would wait on the first until its checkpoint.
    {"sb_clear_ckpt",
     "DELETE FROM sb_checkpoint WHERE job = $1 AND kg_start >= $2 AND kg_end "
     "<= $3"},
};
#undef SB_ENTRY

const char* const kSyncCommitValues[] = {"on", "off", "local", "remote_write",
                                         "remote_apply"};

std::vector<BackendOptionInfo> PostgresSpecificOptions() {
  return {{"synchronous_commit", "",
           "on|off|local|remote_write|remote_apply; unset keeps the "
           "server's setting; recorded in every checkpoint"}};
}

Capabilities PostgresCapabilities() {
  Capabilities c;
  c.durable = true;  // as durable as the server's fsync/synchronous_commit
  c.incremental = false;
  c.remote = true;
  c.exactly_once = true;
  c.memory_bound = false;
  c.rescale_mode = RescaleMode::kSharedStore;
  return c;
}

pqxx::binarystring Bin(std::string_view s) {
  return pqxx::binarystring(s.data(), s.size());
}

int64_t ToInt64(std::string_view s, int64_t fallback) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size() ? v : fallback;
}

struct PostgresSettings {
  std::string conninfo;  // holds the password: never printed
  PostgresTarget target;
  std::string password;  // for scrubbing messages only
  std::string job;
  std::string synchronous_commit;  // "" = server default
  int command_timeout_ms = 5000;
  int server_pid = 0;
};

class DoneSnapshot final : public AsyncSnapshot {
 public:
  explicit DoneSnapshot(CheckpointHandle h) : handle_(std::move(h)) {}
  Result<CheckpointHandle> Complete() override { return handle_; }

 private:
  CheckpointHandle handle_;
};

class PostgresBackend final : public StateBackend {
 public:
  PostgresBackend(const BackendConfig& config, PostgresSettings settings)
      : config_(config),
        s_(std::move(settings)),
        watchdog_(s_.command_timeout_ms),
        io_(s_.conninfo, s_.target, s_.server_pid),
        clear_{config.key_groups} {}

  ~PostgresBackend() override { (void)Close(); }

  Status Open() {
    SB_RETURN_IF_ERROR(Connect());
    int64_t layout_columns = 0;
    SB_RETURN_IF_ERROR(RunOutsideTxn([&](pqxx::connection& c) {
      pqxx::work t(c);
      t.exec("SELECT pg_advisory_xact_lock(hashtext('statebench schema'))");
      for (const char* sql : kSchema) t.exec(sql);
      layout_columns = t.exec1(kLayoutCheck)[0].as<int64_t>();
      t.commit();
    }));
    if (layout_columns != 4) {
      return Status::FailedPrecondition(
          s_.target.describe +
          ": tables sb_state/sb_list exist with another layout (from another "
          "statebench version?); drop them or use another database");
    }
    io_.Start();
    return Status::Ok();
  }

  Result<StateId> RegisterState(const StateDescriptor& desc) override {
    if (closed_) return Closed();
    return states_.Register(kName, desc);
  }

  Status ValueGet(const StateKey& k, std::string* value, bool* found) override {
    return Get(k, StateKind::kValue, "", value, found);
  }
  Status ValuePut(const StateKey& k, std::string_view value) override {
    return Put(k, StateKind::kValue, "", value);
  }
  Status ValueRemove(const StateKey& k) override {
    return Delete(k, StateKind::kValue, "");
  }
  Status ListAppend(const StateKey& k, std::string_view value) override;
  Status ListGet(const StateKey& k, std::vector<std::string>* values) override;
  Status ListClear(const StateKey& k) override;
  Status MapPut(const StateKey& k, std::string_view user_key,
                std::string_view value) override {
    return Put(k, StateKind::kMap, user_key, value);
  }
  Status MapGet(const StateKey& k, std::string_view user_key,
                std::string* value, bool* found) override {
    return Get(k, StateKind::kMap, user_key, value, found);
  }
  Status MapRemove(const StateKey& k, std::string_view user_key) override {
    return Delete(k, StateKind::kMap, user_key);
  }
  Status MapScan(
      const StateKey& k, std::string_view from, std::string_view to,
      size_t limit,
      std::vector<std::pair<std::string, std::string>>* entries) override;

  Result<std::unique_ptr<AsyncSnapshot>> SnapshotSync(
      int64_t checkpoint_id) override;
  Status NotifyCheckpointComplete(int64_t) override {
    return closed_ ? Closed() : Status::Ok();
  }
  Status NotifyCheckpointAborted(int64_t) override {
    return closed_ ? Closed() : Status::Ok();
  }
  Status Restore(const std::vector<CheckpointHandle>& handles,
                 KeyGroupRange range) override;

  Capabilities GetCapabilities() const override {
    return PostgresCapabilities();
  }
  IoStats GetIoStats() override { return io_.Sample(); }
  std::string_view Name() const override { return kName; }

  Status Close() override {
    if (closed_) return Status::Ok();
    AbortTxn();  // uncommitted writes are dropped, as in a crash
    conn_.reset();
    io_.Stop();
    closed_ = true;
    return Status::Ok();
  }

 private:
  Status Closed() const {
    return Status::FailedPrecondition("postgres: backend is closed");
  }
  Status Scrub(const Status& s) const { return ScrubSecret(s, s_.password); }

  Status Connect();
  Status Check(const StateKey& k, StateKind kind);
  void AbortTxn();
  // Converts the exception in flight, drops transaction and connection,
  // and marks the writes since the last checkpoint lost if there were any.
  Status Fail(std::exception_ptr e);
  Status EnsureTxn();

  // Runs fn(txn) in the open transaction under the watchdog.
  template <typename Fn>
  Status Run(Fn&& fn) {
    SB_RETURN_IF_ERROR(EnsureTxn());
    watchdog_.Arm(conn_->sock());
    try {
      fn(*txn_);
    } catch (...) {
      watchdog_.Disarm();
      return Fail(std::current_exception());
    }
    watchdog_.Disarm();
    return Status::Ok();
  }
  // Runs fn(connection) with no state transaction open.
  template <typename Fn>
  Status RunOutsideTxn(Fn&& fn) {
    if (conn_ == nullptr) SB_RETURN_IF_ERROR(Connect());
    watchdog_.Arm(conn_->sock());
    try {
      fn(*conn_);
    } catch (...) {
      watchdog_.Disarm();
      return Fail(std::current_exception());
    }
    watchdog_.Disarm();
    return Status::Ok();
  }

  Status Get(const StateKey& k, StateKind kind, std::string_view ukey,
             std::string* value, bool* found);
  Status Put(const StateKey& k, StateKind kind, std::string_view ukey,
             std::string_view value);
  Status Delete(const StateKey& k, StateKind kind, std::string_view ukey);

  BackendConfig config_;
  const PostgresSettings s_;
  SocketWatchdog watchdog_;
  PostgresIoStats io_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> txn_;
  std::string effective_sync_commit_;
  StateCatalog states_;
  const std::string* state_name_ = nullptr;  // set by Check()
  // Key groups whose rows of earlier runs do not count: deleted at the start
  // of every transaction until a checkpoint commits the deletion. All of
  // them for a fresh job; after a restore, the part it did not cover.
  std::vector<KeyGroupRange> clear_;
  bool dirty_ = false;  // the open transaction holds writes
  bool lost_ = false;   // a transaction with writes was aborted
  bool closed_ = false;
  int64_t last_checkpoint_ = std::numeric_limits<int64_t>::min();
  uint64_t txn_bytes_ = 0;
  LiveSizeEstimate estimate_;
};

Status PostgresBackend::Connect() {
  conn_.reset();
  try {
    conn_ = std::make_unique<pqxx::connection>(s_.conninfo);
    pqxx::nontransaction t(*conn_);
    t.exec("SET statement_timeout = " + std::to_string(s_.command_timeout_ms));
    if (!s_.synchronous_commit.empty()) {
      t.exec("SET synchronous_commit = " + s_.synchronous_commit);
    }
    effective_sync_commit_ = t.exec1("SHOW synchronous_commit")[0].c_str();
    for (const auto& [name, sql] : kStatements) conn_->prepare(name, sql);
  } catch (...) {
    conn_.reset();
    return Scrub(CurrentExceptionToStatus(s_.target, std::current_exception()));
  }
  return Status::Ok();
}

Status PostgresBackend::Check(const StateKey& k, StateKind kind) {
  if (closed_) return Closed();
  if (lost_) {
    return Status::FailedPrecondition(
        s_.target.describe +
        ": the transaction holding the writes since the last checkpoint was "
        "lost; restore from the last checkpoint");
  }
  state_name_ = states_.Find(k.state, kind);
  if (state_name_ == nullptr) {
    return Status::InvalidArgument(
        "postgres: state id " + std::to_string(k.state) +
        " is not a registered " + std::string(StateKindName(kind)) + " state");
  }
  if (!config_.key_groups.Contains(k.key_group)) {
    return Status::InvalidArgument(
        "postgres: key group " + std::to_string(k.key_group) +
        " is outside this instance's range " + config_.key_groups.ToString());
  }
  return Status::Ok();
}

void PostgresBackend::AbortTxn() {
  // pqxx's destructor rolls back and swallows errors of a dead connection.
  txn_.reset();
  dirty_ = false;
  txn_bytes_ = 0;
}

Status PostgresBackend::Fail(std::exception_ptr e) {
  Status s = CurrentExceptionToStatus(s_.target, e);
  if (watchdog_.Fired()) {
    s = Status::Unavailable(s_.target.describe + ": no reply within " +
                            std::to_string(s_.command_timeout_ms) +
                            " ms (command_timeout_ms)");
  }
  bool had_writes = dirty_;
  AbortTxn();
  conn_.reset();  // reconnect next time: the session state is unknown
  if (had_writes) {
    lost_ = true;
    s = Status(s.code(), s.message() +
                             "; the writes since the last checkpoint are "
                             "lost: restore from the last checkpoint");
  }
  return Scrub(s);
}

Status PostgresBackend::EnsureTxn() {
  if (txn_ != nullptr) return Status::Ok();
  return RunOutsideTxn([&](pqxx::connection& c) {
    txn_ = std::make_unique<pqxx::work>(c);
    txn_bytes_ = 0;
    // Inside the transaction: the deletes commit with the next checkpoint,
    // and reads already see them.
    for (const KeyGroupRange& r : clear_) {
      for (const char* stmt :
           {"sb_clear_state", "sb_clear_list", "sb_clear_ckpt"}) {
        txn_->exec_prepared(stmt, s_.job, r.start, r.end);
      }
    }
  });
}

Status PostgresBackend::Get(const StateKey& k, StateKind kind,
                            std::string_view ukey, std::string* value,
                            bool* found) {
  SB_RETURN_IF_ERROR(Check(k, kind));
  return Run([&](pqxx::work& t) {
    pqxx::result r =
        t.exec_prepared("sb_get", s_.job, k.key_group, *state_name_, Bin(k.key),
                        Bin(k.ns), Bin(ukey));
    *found = !r.empty();
    if (*found) *value = pqxx::binarystring(r[0][0]).str();
  });
}

Status PostgresBackend::Put(const StateKey& k, StateKind kind,
                            std::string_view ukey, std::string_view value) {
  SB_RETURN_IF_ERROR(Check(k, kind));
  uint64_t bytes = k.key.size() + k.ns.size() + ukey.size() + value.size();
  return Run([&](pqxx::work& t) {
    pqxx::result r =
        t.exec_prepared("sb_put", s_.job, k.key_group, *state_name_, Bin(k.key),
                        Bin(k.ns), Bin(ukey), Bin(value));
    dirty_ = true;
    txn_bytes_ += bytes;
    if (!r.empty() && r[0][0].as<bool>()) estimate_.Inserted(bytes);
  });
}

Status PostgresBackend::Delete(const StateKey& k, StateKind kind,
                               std::string_view ukey) {
  SB_RETURN_IF_ERROR(Check(k, kind));
  return Run([&](pqxx::work& t) {
    pqxx::result r =
        t.exec_prepared("sb_delete", s_.job, k.key_group, *state_name_,
                        Bin(k.key), Bin(k.ns), Bin(ukey));
    dirty_ = true;
    txn_bytes_ += k.key.size() + k.ns.size() + ukey.size();
    estimate_.Removed(static_cast<uint64_t>(r.affected_rows()));
  });
}

Status PostgresBackend::ListAppend(const StateKey& k, std::string_view value) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kList));
  uint64_t bytes = k.key.size() + k.ns.size() + value.size();
  return Run([&](pqxx::work& t) {
    t.exec_prepared("sb_list_append", s_.job, k.key_group, *state_name_,
                    Bin(k.key), Bin(k.ns), Bin(value));
    dirty_ = true;
    txn_bytes_ += bytes;
    estimate_.Inserted(bytes);
  });
}

Status PostgresBackend::ListGet(const StateKey& k,
                                std::vector<std::string>* values) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kList));
  values->clear();
  return Run([&](pqxx::work& t) {
    pqxx::result r = t.exec_prepared("sb_list_get", s_.job, k.key_group,
                                     *state_name_, Bin(k.key), Bin(k.ns));
    values->reserve(r.size());
    for (const auto& row : r) {
      values->push_back(pqxx::binarystring(row[0]).str());
    }
  });
}

Status PostgresBackend::ListClear(const StateKey& k) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kList));
  return Run([&](pqxx::work& t) {
    pqxx::result r = t.exec_prepared("sb_list_clear", s_.job, k.key_group,
                                     *state_name_, Bin(k.key), Bin(k.ns));
    dirty_ = true;
    txn_bytes_ += k.key.size() + k.ns.size();
    estimate_.Removed(static_cast<uint64_t>(r.affected_rows()));
  });
}

Status PostgresBackend::MapScan(
    const StateKey& k, std::string_view from, std::string_view to, size_t limit,
    std::vector<std::pair<std::string, std::string>>* entries) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kMap));
  entries->clear();
  int64_t max_rows = limit == 0 ? std::numeric_limits<int64_t>::max()
                                : static_cast<int64_t>(limit);
  return Run([&](pqxx::work& t) {
    const std::string& state = *state_name_;
    pqxx::result r =
        to.empty() ? t.exec_prepared("sb_scan", s_.job, k.key_group, state,
                                     Bin(k.key), Bin(k.ns), Bin(from), max_rows)
                   : t.exec_prepared("sb_scan_to", s_.job, k.key_group, state,
                                     Bin(k.key), Bin(k.ns), Bin(from), Bin(to),
                                     max_rows);
    entries->reserve(r.size());
    for (const auto& row : r) {
      entries->emplace_back(pqxx::binarystring(row[0]).str(),
                            pqxx::binarystring(row[1]).str());
    }
  });
}

Result<std::unique_ptr<AsyncSnapshot>> PostgresBackend::SnapshotSync(
    int64_t checkpoint_id) {
  if (closed_) return Closed();
  if (lost_) {
    return Status::FailedPrecondition(
        s_.target.describe +
        ": cannot checkpoint: the writes since the last checkpoint were lost");
  }
  if (checkpoint_id <= last_checkpoint_) {
    return Status::InvalidArgument(
        "postgres: checkpoint ids must increase (got " +
        std::to_string(checkpoint_id) + " after " +
        std::to_string(last_checkpoint_) + ")");
  }
  uint64_t committed = 0;
  SB_RETURN_IF_ERROR(Run([&](pqxx::work& t) {
    t.exec_prepared("sb_ckpt_put", s_.job, config_.key_groups.start,
                    config_.key_groups.end, checkpoint_id,
                    effective_sync_commit_);
    committed = txn_bytes_;
    t.commit();
  }));
  txn_.reset();
  dirty_ = false;
  clear_.clear();
  txn_bytes_ = 0;
  last_checkpoint_ = checkpoint_id;
  CheckpointHandle h;
  h.backend = kName;
  h.checkpoint_id = checkpoint_id;
  h.type = CheckpointType::kFull;
  h.key_groups = config_.key_groups;
  h.max_parallelism = config_.max_parallelism;
  // State lives on the server, not in a file: location stays empty.
  h.metadata["uri"] = s_.target.redacted_uri;
  h.checkpointed_size = committed;
  h.full_size = estimate_.bytes();
  h.metadata["job"] = s_.job;
  h.metadata["server"] = s_.target.host_port;
  h.metadata["synchronous_commit"] = effective_sync_commit_;
  h.metadata["entries"] = std::to_string(estimate_.entries());
  return std::unique_ptr<AsyncSnapshot>(
      std::make_unique<DoneSnapshot>(std::move(h)));
}

Status PostgresBackend::Restore(const std::vector<CheckpointHandle>& handles,
                                KeyGroupRange range) {
  if (closed_) return Closed();
  AbortTxn();
  lost_ = false;
  clear_ = {config_.key_groups};  // empty until the handles check out
  estimate_.Reset(0, 0);
  if (!range.empty() && range.Intersect(config_.key_groups) != range) {
    return Status::InvalidArgument("postgres: restore range " +
                                   range.ToString() +
                                   " is not within this instance's range " +
                                   config_.key_groups.ToString());
  }
  if (handles.empty() || range.empty()) return Status::Ok();
  int64_t id = handles.front().checkpoint_id;
  int covered = 0;
  uint64_t entries = 0, bytes = 0;
  for (const CheckpointHandle& h : handles) {
    auto job = h.metadata.find("job");
    if (h.backend != kName || h.checkpoint_id != id ||
        h.max_parallelism != config_.max_parallelism ||
        job == h.metadata.end() || job->second != s_.job) {
      return Status::InvalidArgument(
          "postgres: handle for key groups " + h.key_groups.ToString() +
          " is not a postgres checkpoint " + std::to_string(id) + " of job '" +
          s_.job + "' at max parallelism " +
          std::to_string(config_.max_parallelism));
    }
    std::string held = "none";
    SB_RETURN_IF_ERROR(RunOutsideTxn([&](pqxx::connection& c) {
      pqxx::nontransaction t(c);
      pqxx::result r = t.exec_prepared("sb_ckpt_get", s_.job,
                                       h.key_groups.start, h.key_groups.end);
      if (!r.empty()) held = r[0][0].c_str();
    }));
    if (held != std::to_string(id)) {
      return Status::FailedPrecondition(
          s_.target.describe + ": server holds checkpoint " + held +
          " for key groups " + h.key_groups.ToString() + " of job '" + s_.job +
          "', asked for " + std::to_string(id) +
          " (a shared store cannot roll back)");
    }
    int overlap = h.key_groups.Intersect(range).size();
    covered += overlap;
    auto e = h.metadata.find("entries");
    int64_t handle_entries = e == h.metadata.end() ? 0 : ToInt64(e->second, 0);
    entries += ProrateByKeyGroups(std::max<int64_t>(0, handle_entries), overlap,
                                  h.key_groups.size());
    bytes += ProrateByKeyGroups(h.full_size, overlap, h.key_groups.size());
  }
  if (covered < range.size()) {
    return Status::InvalidArgument(
        "postgres: the handles cover " + std::to_string(covered) + " of the " +
        std::to_string(range.size()) + " key groups of " + range.ToString());
  }
  clear_ = RangeComplement(config_.key_groups, range);
  estimate_.Reset(entries, bytes);
  last_checkpoint_ = id;
  return Status::Ok();
}

}  // namespace

BackendInfo PostgresBackendInfo() {
  BackendInfo info;
  info.name = kName;
  info.flink_analogue = "none (the seed's JDBCStateBackend)";
  info.description =
      "PostgreSQL via libpqxx: one open transaction holds the writes since "
      "the last checkpoint and commits with the checkpoint id "
      "(exactly-once). Durability follows the server's fsync and "
      "synchronous_commit.";
  info.capabilities = PostgresCapabilities();
  info.embedded = false;
  info.options = CommonServerOptionInfos(
      "postgresql://statebench@127.0.0.1:5432/statebench");
  for (auto& o : PostgresSpecificOptions()) info.options.push_back(o);
  return info;
}

Result<std::unique_ptr<StateBackend>> CreatePostgresBackend(
    const BackendConfig& config) {
  SB_ASSIGN_OR_RETURN(
      ServerOptions opts,
      ParseServerOptions(kName, config.options, PostgresSpecificOptions()));
  PostgresSettings s;
  if (opts.specific.count("synchronous_commit")) {
    s.synchronous_commit = opts.specific["synchronous_commit"];
    if (std::find(std::begin(kSyncCommitValues), std::end(kSyncCommitValues),
                  s.synchronous_commit) == std::end(kSyncCommitValues)) {
      return Status::InvalidArgument(
          "postgres: option synchronous_commit='" + s.synchronous_commit +
          "' must be one of on, off, local, remote_write, remote_apply");
    }
  }
  if (config.max_parallelism <= 0 || config.key_groups.empty() ||
      config.key_groups.start < 0 ||
      config.key_groups.end >= config.max_parallelism) {
    return Status::InvalidArgument("postgres: key groups " +
                                   config.key_groups.ToString() +
                                   " do not fit max parallelism " +
                                   std::to_string(config.max_parallelism));
  }
  SB_ASSIGN_OR_RETURN(
      s.conninfo,
      BuildConninfo(opts.uri, opts.password, opts.connect_timeout_ms,
                    opts.command_timeout_ms, &s.target));
  s.password = std::move(opts.password);
  s.job = opts.job;
  s.command_timeout_ms = opts.command_timeout_ms;
  s.server_pid = opts.server_pid;
  auto backend = std::make_unique<PostgresBackend>(config, std::move(s));
  SB_RETURN_IF_ERROR(backend->Open());
  return std::unique_ptr<StateBackend>(std::move(backend));
}

}  // namespace statebench
