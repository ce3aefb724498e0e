// The rocksdb backend class, shared by rocksdb_backend.cc (state ops),
// rocksdb_checkpoint.cc (snapshots) and rocksdb_restore.cc. Internal to
// backends/; everyone else goes through StateBackend and
// backends/rocksdb/rocksdb_backend.h.
#ifndef STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_BACKEND_IMPL_H_
#define STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_BACKEND_IMPL_H_

#include <rocksdb/db.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/rocksdb/rocksdb_instance.h"
#include "backends/rocksdb/rocksdb_ledger.h"
#include "backends/rocksdb/rocksdb_options.h"
#include "backends/state_backend.h"

namespace statebench {

// Byte counters shared with async snapshots (which run on other threads).
struct RocksDbCounters {
  std::atomic<uint64_t> checkpoint_bytes{0};       // to checkpoint storage
  std::atomic<uint64_t> snapshot_memory_bytes{0};  // inline (jobmanager)
  std::atomic<uint64_t> restore_bytes_read{0};
  CodecCpuCounters cpu;
};

class RocksDbBackend final : public StateBackend {
 public:
  // `config` is validated by the caller except for the directories.
  static Result<std::unique_ptr<RocksDbBackend>> Open(
      const BackendConfig& config, const RocksDbSettings& settings);
  ~RocksDbBackend() override;

  Result<StateId> RegisterState(const StateDescriptor& desc) override;
  Status ValueGet(const StateKey& k, std::string* value, bool* found) override;
  Status ValuePut(const StateKey& k, std::string_view value) override;
  Status ValueRemove(const StateKey& k) override;
  Status ListAppend(const StateKey& k, std::string_view value) override;
  Status ListGet(const StateKey& k, std::vector<std::string>* values) override;
  Status ListClear(const StateKey& k) override;
  Status MapPut(const StateKey& k, std::string_view user_key,
                std::string_view value) override;
  Status MapGet(const StateKey& k, std::string_view user_key,
                std::string* value, bool* found) override;
  Status MapRemove(const StateKey& k, std::string_view user_key) override;
  Status MapScan(
      const StateKey& k, std::string_view from, std::string_view to,
      size_t limit,
      std::vector<std::pair<std::string, std::string>>* entries) override;

  Result<std::unique_ptr<AsyncSnapshot>> SnapshotSync(
      int64_t checkpoint_id) override;
  Status NotifyCheckpointComplete(int64_t checkpoint_id) override;
  Status NotifyCheckpointAborted(int64_t checkpoint_id) override;
  Status Restore(const std::vector<CheckpointHandle>& handles,
                 KeyGroupRange range) override;
  Result<uint64_t> CountEntries() override;

  Capabilities GetCapabilities() const override;
  IoStats GetIoStats() override;
  std::string_view Name() const override { return "rocksdb"; }
  Status Close() override;

  Result<std::string> CompactionStats();
  std::map<std::string, std::string> EffectiveOptions() const {
    return EffectiveOptionMap(res_->settings());
  }

 private:
  struct State {
    std::string name;
    StateKind kind;
    rocksdb::ColumnFamilyHandle* cf;  // owned by db_
  };

  RocksDbBackend() = default;

  // Sets *cf to the column family of k.state after checking the state's
  // kind and that the key group is this instance's.
  Status Resolve(const StateKey& k, StateKind kind,
                 rocksdb::ColumnFamilyHandle** cf);
  Status CheckOpen() const;
  std::vector<StateSpec> StateSpecs() const;
  // Replaces db_ by `inst` and rebinds states_ to `specs` (in id order).
  void Adopt(std::shared_ptr<RocksDbInstance> inst,
             const std::vector<StateSpec>& specs);
  // Discards the current database; returns a fresh directory for the next
  // one and renews the writer token.
  Result<std::string> NextGeneration();
  // Closes and deletes the current database and renews the writer token.
  Status DropDatabase();
  // A fresh directory for the next database, leaving the current one open.
  Result<std::string> NewGenerationDir();
  // An empty database with `specs` (the failure path of Restore too).
  Status OpenEmpty(const std::vector<StateSpec>& specs);
  Status RestoreInto(const std::vector<CheckpointHandle>& handles,
                     KeyGroupRange range, const std::vector<StateSpec>& specs);
  // Writer name of this generation's files in checkpoint storage.
  std::string Writer() const;

  BackendConfig config_;
  std::shared_ptr<const RocksDbResources> res_;
  std::shared_ptr<CheckpointLedger> ledger_;
  std::shared_ptr<RocksDbCounters> counters_;
  std::shared_ptr<RocksDbInstance> db_;
  std::vector<State> states_;
  int prefix_bytes_ = 1;
  std::string work_dir_;
  bool owns_work_dir_ = false;
  std::string token_;
  RestoreStats last_restore_;
  int generation_ = 0;
  int64_t last_checkpoint_id_ = INT64_MIN;
  bool closed_ = false;

  // Created once and reused: ops must cost what raw RocksDB calls cost.
  rocksdb::ReadOptions read_options_;
  rocksdb::WriteOptions write_options_;
  std::string key_buf_;
  std::string aux_buf_;
  rocksdb::PinnableSlice pinned_;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_BACKEND_IMPL_H_
