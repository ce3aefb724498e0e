// The StateBackend shared by the memory and fs backends: heap state
// (HeapState) plus a checkpoint storage that differs between them. Internal
// to backends/; the public factories are in memory_backend.h and
// fs_backend.h.
#ifndef STATEBENCH_BACKENDS_HEAP_HEAP_BACKEND_H_
#define STATEBENCH_BACKENDS_HEAP_HEAP_BACKEND_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/heap/heap_snapshot.h"
#include "backends/heap/heap_state.h"
#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench {

// Where a heap backend's snapshots go (jobmanager memory or files).
//
// Thread safety: Write() runs in async phases on any thread, possibly several
// at once, concurrently with AddIoStats(); everything else is called from the
// subtask thread while no Write() runs.
class HeapCheckpointStorage {
 public:
  virtual ~HeapCheckpointStorage() = default;

  // Serializes `capture` and fills the storage-specific fields of *handle
  // (location, inline_data, sizes, metadata); the common fields are set.
  virtual Status Write(const HeapCapture& capture,
                       CheckpointHandle* handle) = 0;
  // Opens the snapshot a handle names, for a restore.
  virtual Result<std::unique_ptr<SnapshotSource>> Open(
      const CheckpointHandle& handle) = 0;
  // Called with the bytes a restore read from sources this storage opened
  // and the decompression work it did.
  virtual void CountRestore(uint64_t bytes,
                            const SnapshotCodecStats& codec) = 0;
  // Checkpoint `id` completed: release what retention no longer needs.
  virtual Status OnComplete(int64_t id) = 0;
  // Checkpoint `id` will never complete: release what it wrote.
  virtual Status OnAborted(int64_t id) = 0;
  virtual void AddIoStats(IoStats* stats) const = 0;
};

// Validates the key-group configuration shared by every heap backend.
Status ValidateHeapConfig(std::string_view backend,
                          const BackendConfig& config);

// InvalidArgument for the first option of `config` that `info` does not
// list, naming it and the known ones.
Status CheckKnownOptions(const BackendInfo& info,
                         const std::map<std::string, std::string>& options);

// Parses a byte size: plain bytes or a number with B, KiB, MiB or GiB.
// InvalidArgument naming `option` when malformed, zero or above 2^62.
Result<uint64_t> ParseSizeOption(std::string_view option,
                                 const std::string& text);

// Parses an integer option in [min_value, max_value].
Result<int64_t> ParseIntOption(std::string_view option, const std::string& text,
                               int64_t min_value, int64_t max_value);

// A heap backend instance: HeapState for the state ops, `storage` for
// checkpoints. SnapshotSync captures the partitions (copy-on-write); the
// AsyncSnapshot serializes them through the storage and may outlive the
// backend. Restore decodes into fresh partitions and swaps them in only on
// success; a failed restore leaves the live state as it was. Thread safety
// and failures: as StateBackend.
class HeapBackend final : public StateBackend {
 public:
  // `config` must have passed ValidateHeapConfig.
  HeapBackend(std::string name, const BackendConfig& config,
              Capabilities capabilities,
              std::shared_ptr<HeapCheckpointStorage> storage);
  ~HeapBackend() override;

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

  Capabilities GetCapabilities() const override { return capabilities_; }
  IoStats GetIoStats() override;
  std::string_view Name() const override { return name_; }
  Status Close() override;

 private:
  Status CheckHandles(const std::vector<CheckpointHandle>& handles,
                      KeyGroupRange range) const;
  Status RestoreInto(const std::vector<CheckpointHandle>& handles,
                     KeyGroupRange range, std::vector<StateDescriptor>* states,
                     std::vector<std::shared_ptr<HeapPartition>>* partitions,
                     uint64_t* bytes_read);
  Status Closed() const;

  const std::string name_;
  const Capabilities capabilities_;
  std::shared_ptr<HeapCheckpointStorage> storage_;
  HeapState state_;
  int64_t last_checkpoint_id_ = 0;
  bool closed_ = false;
  // Reads served (all from the heap). Written by the subtask thread only,
  // with a plain load and store: an atomic increment would cost more than
  // some of the reads it counts.
  std::atomic<uint64_t> reads_{0};
  void CountRead() {
    reads_.store(reads_.load(std::memory_order_relaxed) + 1,
                 std::memory_order_relaxed);
  }
  RestoreStats last_restore_;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_HEAP_HEAP_BACKEND_H_
