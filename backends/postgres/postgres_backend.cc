// Table layout of the postgres backend (created when absent; the SQL is in
// postgres_schema.cc):
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
//           seq bigserial, key bytea, ns bytea, value bytea, base bigint,
//           PRIMARY KEY (job, kg, state, kdig, ndig, seq))
//     one row per list element: an append is one INSERT (O(1)); seq, drawn
//     from a sequence, keeps append order; base = the checkpoint the
//     appending interval started from.
//   sb_checkpoint(job text, kg_start integer, kg_end integer,
//                 checkpoint_id bigint, undo_from bigint,
//                 synchronous_commit text, committed_at timestamptz,
//                 PRIMARY KEY (job, kg_start, kg_end))
//     the last committed checkpoint of each subtask's key-group range, how
//     far back undo images reach, and the synchronous_commit setting it was
//     committed with.
//   sb_undo(job, kg_start, kg_end, base, kg, state, kdig, ndig, ukey, key,
//           ns, value NULL = absent)  and
//   sb_undo_list(job, kg_start, kg_end, undo_base, kg, state, kdig, ndig,
//                seq, key, ns, value, base)
//     the image of an entry before its first change in an interval, and the
//     list rows an interval cleared; kept until a later checkpoint of the
//     job completes (NotifyCheckpointComplete), then pruned.
//
// `job` keeps jobs sharing a database apart; `kg` (the key group) leads
// every key after it, so a subtask reads only its own key groups, a
// restore at another parallelism selects its range, and a fresh job deletes
// an earlier run's rows by range. State names, not ids, are stored: names
// are stable across processes. Every statement is prepared; writes are
// upserts (INSERT ... ON CONFLICT DO UPDATE).
//
// Transactions: one open transaction holds every write since the last
// checkpoint; the checkpoint upserts its sb_checkpoint row in it and commits
// (the sync phase). A subtask's commit can thus precede the job's completion
// of that checkpoint; if the job then fails, Restore reverts the key groups
// to the completed checkpoint from the undo images (the undo log is what
// makes this exactly-once on a store that cannot roll back by itself).
#include "backends/postgres/postgres_backend.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "backends/postgres/postgres_backend_impl.h"
#include "backends/postgres/postgres_schema.h"

namespace statebench {
namespace pg {

Capabilities PostgresCapabilities() {
  Capabilities c;
  // Only the server's settings can make it durable
  // (ApplyPostgresPersistence).
  c.durable = false;
  c.durability_note =
      "durable only when the server runs with fsync on, full_page_writes on "
      "and synchronous_commit on (or local, remote_write, remote_apply)";
  c.incremental = false;
  c.remote = true;
  c.exactly_once = true;
  c.memory_bound = false;
  c.rescale_mode = RescaleMode::kSharedStore;
  return c;
}

void ApplyPostgresPersistence(Capabilities* c) {
  const auto& p = c->persistence;
  if (p.empty()) return;  // not read (no server): keep the generic note
  auto get = [&](const char* k) {
    auto it = p.find(k);
    return it == p.end() ? std::string("?") : it->second;
  };
  const std::string fsync = get("fsync");
  const std::string sync_commit = get("synchronous_commit");
  const std::string fpw = get("full_page_writes");
  const bool commit_waits = sync_commit == "on" || sync_commit == "local" ||
                            sync_commit == "remote_write" ||
                            sync_commit == "remote_apply";
  c->durable = fsync == "on" && fpw == "on" && commit_waits;
  if (fsync != "on") {
    c->durability_note =
        "fsync " + fsync +
        ": a crash of the server's host can lose or corrupt committed "
        "checkpoints";
  } else if (!commit_waits) {
    c->durability_note =
        "synchronous_commit " + sync_commit +
        ": a server crash can lose the checkpoints committed in the last "
        "3 x wal_writer_delay (600 ms by default)";
  } else if (fpw != "on") {
    c->durability_note = "full_page_writes " + fpw +
                         ": a crash of the server's host can leave torn pages";
  } else {
    c->durability_note = "fsync on, full_page_writes on, synchronous_commit " +
                         sync_commit +
                         ": a checkpoint's commit is flushed to the WAL "
                         "before the server acknowledges it";
  }
}

Capabilities PostgresBackend::GetCapabilities() const {
  Capabilities c = PostgresCapabilities();
  c.persistence = persistence_;
  ApplyPostgresPersistence(&c);
  return c;
}

PostgresBackend::PostgresBackend(const BackendConfig& config,
                                 PostgresSettings settings)
    : config_(config),
      s_(std::move(settings)),
      watchdog_(s_.command_timeout_ms),
      io_(s_.conninfo, s_.target, s_.server_pid, s_.command_timeout_ms),
      clear_{config.key_groups} {}

Status PostgresBackend::Open() {
  SB_RETURN_IF_ERROR(Connect());
  int64_t layout_columns = 0;
  SB_RETURN_IF_ERROR(RunOutsideTxn([&](pqxx::connection& c) {
    pqxx::work t(c);
    t.exec("SELECT pg_advisory_xact_lock(hashtext('statebench schema'))");
    for (const char* sql : SchemaStatements()) t.exec(sql);
    layout_columns = t.exec1(kLayoutCheck)[0].as<int64_t>();
    t.commit();
    return Status::Ok();
  }));
  if (layout_columns != kLayoutColumns) {
    return Status::FailedPrecondition(
        s_.target.describe +
        ": the sb_* tables exist with another layout (from another "
        "statebench version?); drop them or use another database");
  }
  io_.Start();
  return Status::Ok();
}

Status PostgresBackend::Connect() {
  conn_.reset();
  SB_RETURN_IF_ERROR(CheckServerResponsive(s_.target.describe));
  try {
    conn_ = std::make_unique<pqxx::connection>(s_.conninfo);
    pqxx::nontransaction t(*conn_);
    t.exec("SET statement_timeout = " + std::to_string(s_.command_timeout_ms));
    if (!s_.synchronous_commit.empty()) {
      t.exec("SET synchronous_commit = " + s_.synchronous_commit);
    }
    effective_sync_commit_ = t.exec1("SHOW synchronous_commit")[0].c_str();
    persistence_["synchronous_commit"] = effective_sync_commit_;
    for (const char* name : {"fsync", "full_page_writes"}) {
      persistence_[name] = t.exec1(std::string("SHOW ") + name)[0].c_str();
    }
    for (const auto& [name, sql] : PreparedStatements()) {
      conn_->prepare(name, sql);
    }
  } catch (...) {
    conn_.reset();
    Status s = CurrentExceptionToStatus(s_.target, std::current_exception());
    // libpq's connect_timeout: a stopped server still completes the TCP
    // handshake (the kernel does) but never answers the startup packet.
    if (s.message().find("timeout expired") != std::string::npos) {
      MarkServerUnresponsive(s_.target.describe, s);
    }
    return Scrub(s);
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
  touched_.clear();
}

Status PostgresBackend::Fail(std::exception_ptr e) {
  Status s = CurrentExceptionToStatus(s_.target, e);
  if (watchdog_.Fired()) {
    s = Status::Unavailable(s_.target.describe + ": no reply within " +
                            std::to_string(s_.command_timeout_ms) +
                            " ms (command_timeout_ms)");
    MarkServerUnresponsive(s_.target.describe, s);
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
  if (!clear_with_undo_ && !clear_.empty() && !cleared_checkpoints_) {
    // A fresh job: earlier runs' checkpoint rows must not take part in a
    // later restore's bookkeeping.
    SB_RETURN_IF_ERROR(RunOutsideTxn([&](pqxx::connection& c) {
      pqxx::work t(c);
      for (const KeyGroupRange& r : clear_) {
        t.exec_prepared("sb_clear_ckpt", s_.job, r.start, r.end);
      }
      t.commit();
      return Status::Ok();
    }));
    cleared_checkpoints_ = true;
  }
  return RunOutsideTxn([&](pqxx::connection& c) {
    txn_ = std::make_unique<pqxx::work>(c);
    txn_bytes_ = 0;
    // Inside the transaction: the deletes commit with the next checkpoint,
    // and reads already see them.
    const KeyGroupRange own = config_.key_groups;
    for (const KeyGroupRange& r : clear_) {
      if (clear_with_undo_) {
        for (const char* stmt : {"sb_clear_state_undo", "sb_clear_list_undo"}) {
          txn_->exec_prepared(stmt, s_.job, r.start, r.end, own.start, own.end,
                              base_);
        }
      } else {
        for (const char* stmt : {"sb_clear_state", "sb_clear_list",
                                 "sb_clear_undo", "sb_clear_undo_list"}) {
          txn_->exec_prepared(stmt, s_.job, r.start, r.end);
        }
      }
    }
    return Status::Ok();
  });
}

bool PostgresBackend::FirstTouch(const StateKey& k, std::string_view ukey) {
  // state:kg:|key|:|ns|:key ns ukey - the lengths make it unambiguous.
  scratch_.clear();
  for (size_t n : {size_t{k.state}, static_cast<size_t>(k.key_group),
                   k.key.size(), k.ns.size()}) {
    scratch_.append(std::to_string(n)).push_back(':');
  }
  scratch_.append(k.key).append(k.ns).append(ukey);
  return touched_.insert(scratch_).second;
}

Status PostgresBackend::Get(const StateKey& k, StateKind kind,
                            std::string_view ukey, std::string* value,
                            bool* found) {
  SB_RETURN_IF_ERROR(Check(k, kind));
  CountRead();
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
  const bool undo = NeedUndo() && FirstTouch(k, ukey);
  return Run([&](pqxx::work& t) {
    pqxx::result r =
        undo ? t.exec_prepared("sb_put_undo", s_.job, k.key_group, *state_name_,
                               Bin(k.key), Bin(k.ns), Bin(ukey), Bin(value),
                               config_.key_groups.start, config_.key_groups.end,
                               base_)
             : t.exec_prepared("sb_put", s_.job, k.key_group, *state_name_,
                               Bin(k.key), Bin(k.ns), Bin(ukey), Bin(value));
    dirty_ = true;
    txn_bytes_ += bytes;
    if (!r.empty() && r[0][0].as<bool>()) estimate_.Inserted(bytes);
  });
}

Status PostgresBackend::Delete(const StateKey& k, StateKind kind,
                               std::string_view ukey) {
  SB_RETURN_IF_ERROR(Check(k, kind));
  const bool undo = NeedUndo() && FirstTouch(k, ukey);
  return Run([&](pqxx::work& t) {
    pqxx::result r =
        undo ? t.exec_prepared("sb_delete_undo", s_.job, k.key_group,
                               *state_name_, Bin(k.key), Bin(k.ns), Bin(ukey),
                               config_.key_groups.start, config_.key_groups.end,
                               base_)
             : t.exec_prepared("sb_delete", s_.job, k.key_group, *state_name_,
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
                    Bin(k.key), Bin(k.ns), Bin(value), base_);
    dirty_ = true;
    txn_bytes_ += bytes;
    estimate_.Inserted(bytes);
  });
}

Status PostgresBackend::ListGet(const StateKey& k,
                                std::vector<std::string>* values) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kList));
  values->clear();
  CountRead();
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
    uint64_t removed = 0;
    if (NeedUndo()) {
      pqxx::result r = t.exec_prepared(
          "sb_list_clear_undo", s_.job, k.key_group, *state_name_, Bin(k.key),
          Bin(k.ns), config_.key_groups.start, config_.key_groups.end, base_);
      removed = r[0][0].as<uint64_t>();
    } else {
      pqxx::result r = t.exec_prepared("sb_list_clear", s_.job, k.key_group,
                                       *state_name_, Bin(k.key), Bin(k.ns));
      removed = static_cast<uint64_t>(r.affected_rows());
    }
    dirty_ = true;
    txn_bytes_ += k.key.size() + k.ns.size();
    estimate_.Removed(removed);
  });
}

Status PostgresBackend::MapScan(
    const StateKey& k, std::string_view from, std::string_view to, size_t limit,
    std::vector<std::pair<std::string, std::string>>* entries) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kMap));
  entries->clear();
  CountRead();
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

Status PostgresBackend::ResetJobStorage() {
  if (closed_) return Closed();
  AbortTxn();
  // The deleted rows stay in the files as dead tuples until a vacuum, and
  // a plain VACUUM keeps their space for reuse: only a rewrite (VACUUM
  // FULL) gives the tables the size of what is left. A rewrite needs the
  // tables to itself; when another job holds them open longer than
  // lock_timeout, waiting would stall that job's statements queued behind
  // it, so a plain VACUUM makes the space reusable instead. Either can
  // outlast command_timeout_ms on a large table, as can the deletes: all
  // run on a connection of their own without a statement timeout.
  constexpr const char* kTables =
      "sb_state, sb_list, sb_checkpoint, sb_undo, sb_undo_list";
  try {
    pqxx::connection c(s_.conninfo);
    {
      pqxx::work w(c);
      w.exec("SET LOCAL statement_timeout = 0");
      for (const char* table : {"sb_state", "sb_list", "sb_checkpoint",
                                "sb_undo", "sb_undo_list"}) {
        w.exec_params(std::string("DELETE FROM ") + table + " WHERE job = $1",
                      s_.job);
      }
      w.commit();
    }
    pqxx::nontransaction t(c);
    t.exec("SET statement_timeout = 0");
    t.exec("SET lock_timeout = '2s'");
    try {
      t.exec(std::string("VACUUM FULL ") + kTables);
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() != "55P03") throw;  // lock_not_available
      t.exec("SET lock_timeout = 0");
      t.exec(std::string("VACUUM ") + kTables);
    }
  } catch (...) {
    return Scrub(CurrentExceptionToStatus(s_.target, std::current_exception()));
  }
  clear_ = {config_.key_groups};
  clear_with_undo_ = false;
  cleared_checkpoints_ = false;
  lost_ = false;
  base_ = kNoCheckpoint;
  undo_floor_ = kNoCheckpoint;
  estimate_.Reset(0, 0);
  return Status::Ok();
}

Status PostgresBackend::Close() {
  if (closed_) return Status::Ok();
  AbortTxn();  // uncommitted writes are dropped, as in a crash
  conn_.reset();
  io_.Stop();
  closed_ = true;
  return Status::Ok();
}

}  // namespace pg

namespace {

const char* const kSyncCommitValues[] = {"on", "off", "local", "remote_write",
                                         "remote_apply"};

std::vector<BackendOptionInfo> PostgresSpecificOptions() {
  return {{"synchronous_commit", "",
           "on|off|local|remote_write|remote_apply; unset keeps the "
           "server's setting; recorded in every checkpoint"}};
}

}  // namespace

BackendInfo PostgresBackendInfo() {
  BackendInfo info;
  info.name = pg::kName;
  info.flink_analogue = "none (the seed's JDBCStateBackend)";
  info.description =
      "PostgreSQL via libpqxx: one open transaction holds the writes since "
      "the last checkpoint and commits with the checkpoint id; an undo log "
      "lets a restore revert checkpoints the job did not complete "
      "(exactly-once). Durability follows the server's fsync and "
      "synchronous_commit.";
  info.capabilities = pg::PostgresCapabilities();
  info.embedded = false;
  info.options = CommonServerOptionInfos(
      "postgresql://statebench@127.0.0.1:5432/statebench");
  for (auto& o : PostgresSpecificOptions()) info.options.push_back(o);
  return info;
}

Result<std::shared_ptr<const BackendSettings>> ParsePostgresOptions(
    const std::map<std::string, std::string>& options) {
  constexpr const char* kName = pg::kName;
  SB_ASSIGN_OR_RETURN(
      ServerOptions opts,
      ParseServerOptions(kName, options, PostgresSpecificOptions()));
  pg::PostgresSettings s;
  if (opts.specific.count("synchronous_commit")) {
    s.synchronous_commit = opts.specific["synchronous_commit"];
    if (std::find(std::begin(kSyncCommitValues), std::end(kSyncCommitValues),
                  s.synchronous_commit) == std::end(kSyncCommitValues)) {
      return Status::InvalidArgument(
          "postgres: option synchronous_commit='" + s.synchronous_commit +
          "' must be one of on, off, local, remote_write, remote_apply");
    }
  }
  SB_ASSIGN_OR_RETURN(
      s.conninfo,
      BuildConninfo(opts.uri, opts.password, opts.connect_timeout_ms,
                    opts.command_timeout_ms, &s.target));
  s.password = std::move(opts.password);
  s.job = opts.job;
  s.command_timeout_ms = opts.command_timeout_ms;
  s.server_pid = opts.server_pid;
  return MakeBackendSettings(std::move(s));
}

Result<std::unique_ptr<StateBackend>> CreatePostgresBackend(
    const BackendConfig& config) {
  SB_ASSIGN_OR_RETURN(auto settings, SettingsFor<pg::PostgresSettings>(
                                         config, ParsePostgresOptions));
  SB_RETURN_IF_ERROR(CheckKeyGroupsFit("postgres", config));
  auto backend = std::make_unique<pg::PostgresBackend>(config, settings->value);
  SB_RETURN_IF_ERROR(backend->Open());
  return std::unique_ptr<StateBackend>(std::move(backend));
}

}  // namespace statebench
