// Internal: the postgres backend class, shared by postgres_backend.cc
// (state ops, factory) and postgres_checkpoint.cc (checkpoints, restore).
// Include only from those files; the public entry points are in
// postgres_backend.h.
#ifndef STATEBENCH_BACKENDS_POSTGRES_POSTGRES_BACKEND_IMPL_H_
#define STATEBENCH_BACKENDS_POSTGRES_POSTGRES_BACKEND_IMPL_H_

#include <atomic>
#include <limits>
#include <map>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <unordered_set>
#include <vector>

#include "backends/postgres/postgres_support.h"
#include "backends/server/server_common.h"
#include "backends/state_backend.h"

namespace statebench::pg {

inline constexpr char kName[] = "postgres";
inline constexpr int64_t kNoCheckpoint = std::numeric_limits<int64_t>::min();

Capabilities PostgresCapabilities();
// Sets c->durable and c->durability_note from c->persistence: committed
// checkpoints survive a crash of the server with fsync on, full_page_writes
// on and synchronous_commit on, local, remote_write or remote_apply.
void ApplyPostgresPersistence(Capabilities* c);

inline pqxx::binarystring Bin(std::string_view s) {
  return pqxx::binarystring(s.data(), s.size());
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

class PostgresBackend final : public StateBackend {
 public:
  PostgresBackend(const BackendConfig& config, PostgresSettings settings);
  ~PostgresBackend() override { (void)Close(); }

  // Connects and creates the schema when absent.
  Status Open();

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
  // Undo images older than a completed checkpoint are pruned with the next
  // checkpoint.
  Status NotifyCheckpointComplete(int64_t checkpoint_id) override;
  Status NotifyCheckpointAborted(int64_t) override {
    return closed_ ? Closed() : Status::Ok();
  }
  Status Restore(const std::vector<CheckpointHandle>& handles,
                 KeyGroupRange range) override;

  Capabilities GetCapabilities() const override;
  IoStats GetIoStats() override {
    IoStats io = io_.Sample();
    io.read_sources["server"] = reads_.load();
    io.storage_shared = true;
    io.last_restore = last_restore_;
    return io;
  }
  Status ResetJobStorage() override;
  std::string_view Name() const override { return kName; }
  Status Close() override;

 private:
  Status Closed() const {
    return Status::FailedPrecondition("postgres: backend is closed");
  }
  Status Scrub(const Status& s) const { return ScrubSecret(s, s_.password); }
  void CountRead() {
    reads_.store(reads_.load(std::memory_order_relaxed) + 1,
                 std::memory_order_relaxed);
  }

  Status Connect();
  Status Check(const StateKey& k, StateKind kind);
  void AbortTxn();
  // Converts the exception in flight, drops transaction and connection,
  // and marks the writes since the last checkpoint lost if there were any.
  Status Fail(std::exception_ptr e);
  Status EnsureTxn();
  // The undo statement's extra parameters apply from the second interval
  // on: before the first checkpoint there is nothing to revert to.
  bool NeedUndo() const { return base_ != kNoCheckpoint; }
  // True the first time the entry changes in this interval.
  bool FirstTouch(const StateKey& k, std::string_view ukey);
  // Makes the server hold checkpoint `id` for `range`, reverting what
  // uncompleted later checkpoints committed there (in `t`).
  Status RevertTo(pqxx::work& t, const std::vector<CheckpointHandle>& handles,
                  KeyGroupRange range, int64_t id, bool* reverted);

  // Runs fn(txn) in the open transaction under the watchdog.
  template <typename Fn>
  Status Run(Fn&& fn) {
    SB_RETURN_IF_ERROR(CheckServerResponsive(s_.target.describe));
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
    SB_RETURN_IF_ERROR(CheckServerResponsive(s_.target.describe));
    if (conn_ == nullptr) SB_RETURN_IF_ERROR(Connect());
    watchdog_.Arm(conn_->sock());
    Status s;
    try {
      s = fn(*conn_);
    } catch (...) {
      watchdog_.Disarm();
      return Fail(std::current_exception());
    }
    watchdog_.Disarm();
    return s;
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
  // Key groups whose rows do not count: deleted at the start of every
  // transaction until a checkpoint commits the deletion. All of them for a
  // fresh job (earlier runs' rows); after a restore, the part it did not
  // cover (with undo images, as a later restore may need them back).
  std::vector<KeyGroupRange> clear_;
  bool clear_with_undo_ = false;
  bool cleared_checkpoints_ = false;  // fresh: overlapping rows deleted
  bool dirty_ = false;                // the open transaction holds writes
  bool lost_ = false;                 // a transaction with writes was aborted
  bool closed_ = false;
  RestoreStats last_restore_;
  int64_t last_checkpoint_ = kNoCheckpoint;
  // The checkpoint the current interval started from (kNoCheckpoint before
  // the first one of a fresh job); stored with undo images and list rows.
  int64_t base_ = kNoCheckpoint;
  // The last completed checkpoint: undo images of older intervals are
  // pruned with the next checkpoint.
  int64_t undo_floor_ = kNoCheckpoint;
  // Entries changed in this interval (encoded), so only their first change
  // pays for an undo image.
  std::unordered_set<std::string> touched_;
  std::string scratch_;
  uint64_t txn_bytes_ = 0;
  LiveSizeEstimate estimate_;
  // The server's fsync, synchronous_commit (this session's) and
  // full_page_writes, read at connect.
  std::map<std::string, std::string> persistence_;
  // Reads (each a round trip); written by the subtask thread only.
  std::atomic<uint64_t> reads_{0};
};

}  // namespace statebench::pg

#endif  // STATEBENCH_BACKENDS_POSTGRES_POSTGRES_BACKEND_IMPL_H_
