// The state backend contract.
//
// A StateBackend holds the keyed state of ONE subtask of a keyed operator: the
// key groups in BackendConfig::key_groups. It knows nothing of workloads or of
// measurement; it contains no clocks (timing is the TimedBackend decorator in
// bench/). All failures are returned as Status; no exception escapes.
//
// Addressing: every entry is addressed by (state, key group, key, namespace)
// and, for map state, a user key. The key group is computed by the caller with
// AssignToKeyGroup(key, max_parallelism) and must lie in the instance's
// range; a backend may use it as a prefix (rocksdb) or a partition index
// (heap backends) and must never recompute it.
//
// Threading: one thread (the subtask thread) calls the state ops and
// SnapshotSync(). The AsyncSnapshot returned by SnapshotSync() may run
// Complete() on another thread while the subtask thread keeps issuing state
// ops; the backend must make that safe (copy-on-write, a RocksDB checkpoint,
// a server transaction). NotifyCheckpointComplete/Aborted, Restore,
// GetIoStats and Close are called from the subtask thread while no async
// phase of this instance runs, except GetIoStats, which may be called
// concurrently with an async phase.
//
// Checkpoint life cycle, as in Flink:
//   1. SnapshotSync(id)         - sync phase; the caller pauses processing.
//   2. AsyncSnapshot::Complete  - async phase; processing continues.
//   3. NotifyCheckpointComplete - all subtasks finished id; the backend may
//      now release checkpoints beyond its retention and shared files that no
//      retained checkpoint references.
// A checkpoint whose async phase failed or timed out gets
// NotifyCheckpointAborted(id) and must not be referenced by later incremental
// checkpoints.
#ifndef STATEBENCH_BACKENDS_STATE_BACKEND_H_
#define STATEBENCH_BACKENDS_STATE_BACKEND_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/key_groups.h"
#include "base/status.h"

namespace statebench {

enum class StateKind { kValue, kList, kMap };
inline std::string_view StateKindName(StateKind kind) {
  switch (kind) {
    case StateKind::kValue:
      return "value";
    case StateKind::kList:
      return "list";
    case StateKind::kMap:
      return "map";
  }
  return "unknown";
}

struct StateDescriptor {
  std::string name;  // unique per backend instance; [A-Za-z0-9_.-]+
  StateKind kind = StateKind::kValue;
};

using StateId = uint32_t;

// The address of one entry. Views must stay valid for the duration of a call.
struct StateKey {
  StateId state = 0;
  int key_group = 0;
  std::string_view key;
  std::string_view ns;  // the namespace; "" is Flink's VoidNamespace
};

enum class CheckpointType { kFull, kIncremental };
inline std::string_view CheckpointTypeName(CheckpointType type) {
  return type == CheckpointType::kFull ? "full" : "incremental";
}

// Everything a restore needs to find one subtask's part of one checkpoint.
// Produced by AsyncSnapshot::Complete(); plain data, copyable, serializable
// by the harness (to JSON) so that another process can restore from it.
// Figures of one checkpoint for the results; restore never reads them. What
// a backend does not produce stays empty.
struct CheckpointFigures {
  // The snapshot files' codec ("none", "lz4", "zstd"); empty when the
  // backend writes no snapshot files (server backends).
  std::string compression;
  std::string encryption;  // "aes-256-gcm"; empty when not encrypted
  std::optional<uint64_t> uncompressed_size;  // snapshot bytes before the codec
  std::optional<uint64_t> compress_cpu_ns;
  std::optional<uint64_t> encrypt_cpu_ns;
  // postgres: the synchronous_commit the checkpoint committed under.
  std::string synchronous_commit;
};

struct CheckpointHandle {
  std::string backend;  // registry name of the backend that wrote it
  int64_t checkpoint_id = 0;
  CheckpointType type = CheckpointType::kFull;
  KeyGroupRange key_groups;  // the key groups this handle holds
  int max_parallelism = 0;
  std::string location;  // a directory or file; "" for in-memory
  // Bytes written for this checkpoint (the delta when incremental) and the
  // bytes of the whole checkpoint including shared files it references:
  // Flink's checkpointedSize and fullSize.
  uint64_t checkpointed_size = 0;
  uint64_t full_size = 0;
  // Backend-specific description (file lists, offsets, server checkpoint
  // ids). Keys and values are plain text.
  std::map<std::string, std::string> metadata;
  CheckpointFigures figures;
  // In-memory payload for jobmanager-style storage; null for everything
  // that lives in files or on a server.
  std::shared_ptr<const std::string> inline_data;
};

// The async phase of one checkpoint. Complete() is called at most once.
// Destroying an AsyncSnapshot without calling Complete() abandons the
// checkpoint and releases what the sync phase pinned.
class AsyncSnapshot {
 public:
  virtual ~AsyncSnapshot() = default;
  AsyncSnapshot(const AsyncSnapshot&) = delete;
  AsyncSnapshot& operator=(const AsyncSnapshot&) = delete;

  // Writes the snapshot to checkpoint storage. Safe to run concurrently with
  // state ops on the backend that created it.
  virtual Result<CheckpointHandle> Complete() = 0;

 protected:
  AsyncSnapshot() = default;
};

// What a backend guarantees; shown by `statebench backends` and used by the
// advisor. Describes the configured instance (e.g. redis write-through is not
// exactly-once).
enum class RescaleMode {
  kKeyGroupOffsets,  // heap: read only the key-group ranges needed
  kClipDeleteRange,  // rocksdb: open overlapping instances, clip
  kSharedStore,      // servers: the state is already in one place
};
inline std::string_view RescaleModeName(RescaleMode mode) {
  switch (mode) {
    case RescaleMode::kKeyGroupOffsets:
      return "key-group-offsets";
    case RescaleMode::kClipDeleteRange:
      return "clip-delete-range";
    case RescaleMode::kSharedStore:
      return "shared-store";
  }
  return "unknown";
}

struct Capabilities {
  bool durable = false;       // checkpoints survive the process
  bool incremental = false;   // supports CheckpointType::kIncremental
  bool remote = false;        // state lives in a server
  bool exactly_once = false;  // restore yields exactly the last checkpoint
  bool memory_bound = false;  // live state must fit in the process heap
  RescaleMode rescale_mode = RescaleMode::kKeyGroupOffsets;
  // Server backends: the server's persistence settings as the server
  // reports them (redis CONFIG GET, postgres SHOW), name -> value. `durable`
  // follows them: it is true only when a checkpoint the server committed
  // survives a crash of the server. Empty for embedded backends.
  std::map<std::string, std::string> persistence;
  // Why `durable` is what it is when settings decide it, in words (e.g.
  // "appendfsync everysec: a server crash loses up to 1 s of committed
  // checkpoints"); empty when nothing needs saying.
  std::string durability_note;
  // Live state of one subtask (key + namespace + user key + value bytes)
  // above this cannot be checkpointed: the snapshot holds at least those
  // bytes and the backend refuses it with ResourceExhausted. 0 = no cap, or
  // none that can be judged from the state's size (compressed snapshots).
  uint64_t state_size_cap = 0;
};

// What the last successful Restore() of an instance did. Restores differ
// in what they move: a heap backend deserializes the whole snapshot, the
// rocksdb backend hard-links the SST files of an incremental checkpoint
// that lives on the same filesystem (reading only its small private files),
// and a server backend moves nothing (the state is already in the server).
// A rate per byte read would call a hard-linked restore slow; a rate per
// byte of state made available compares them.
struct RestoreStats {
  bool restored = false;      // a Restore() succeeded on this instance
  uint64_t bytes_copied = 0;  // read from checkpoint storage and written
  uint64_t bytes_linked = 0;  // made available without copying (hard links)
  // Bytes of state the restore made available: snapshot bytes decoded, or
  // the database files copied and linked; for a server, its storage size
  // when known (0 otherwise).
  uint64_t state_bytes = 0;
  // "local"              files reused where they lie (hard links), as
  //                      Flink's local recovery restores without download
  // "checkpoint-storage" everything read from checkpoint storage
  // "in-place"           the state is already where it lives (servers)
  std::string mode;
  std::string detail;  // one line: how, in words
  // (key, namespace) entries restored, a value, a list or a map each
  // counting once, when the backend knows them without an extra pass (a
  // hard-linked rocksdb restore does not); nullopt otherwise.
  std::optional<uint64_t> entries;
};

// Bytes moved by the backend, cumulative since Open. Every figure is what
// this instance made its storage do, split by cause where known.
struct IoStats {
  uint64_t bytes_written = 0;  // all physical writes (sum of breakdown)
  uint64_t bytes_read = 0;     // physical reads (restore, compaction, ...)
  uint64_t storage_size = 0;   // bytes the live state occupies now
  // Cause -> bytes written. Causes used: "wal", "flush", "compaction",
  // "checkpoint", "server_log", "snapshot_memory".
  std::map<std::string, uint64_t> write_breakdown;
  // CPU time of checkpoint codecs, ns: "compress", "decompress", "encrypt",
  // "decrypt". Only non-zero entries.
  std::map<std::string, uint64_t> cpu_ns;
  // How the figures were obtained, e.g. "rocksdb statistics + properties",
  // "own byte counters", "redis INFO (server not started by statebench)".
  std::string source;
  // Where reads were served, cumulative since Open: level -> lookups.
  // Levels: "local_buffer" (writes not yet committed, held in the process),
  // "memory" (heap state), "memtable", "block_cache" and "storage" (rocksdb;
  // the last two count data-block lookups, "storage" the blocks read from
  // SST files), "server" (a round trip to the server). Only levels used.
  std::map<std::string, uint64_t> read_sources;
  // True when storage_size is the whole shared store's (a server), the same
  // figure for every instance of a job, rather than this instance's part.
  bool storage_shared = false;
  RestoreStats last_restore;
};

// Configuration of one backend instance (one subtask).
// A backend's options, parsed and checked once (BackendRegistry::
// ParseOptions) into the family's own typed settings, and shared read-only
// by every instance of a run: each subtask, each restore, each rescale.
class BackendSettings {
 public:
  virtual ~BackendSettings() = default;
};

// The settings of one family: a plain struct T behind the common base.
template <typename T>
class TypedBackendSettings final : public BackendSettings {
 public:
  explicit TypedBackendSettings(T v) : value(std::move(v)) {}
  const T value;
};

template <typename T>
std::shared_ptr<const BackendSettings> MakeBackendSettings(T value) {
  return std::make_shared<const TypedBackendSettings<T>>(std::move(value));
}

struct BackendConfig {
  int max_parallelism = kDefaultLowerBoundMaxParallelism;
  KeyGroupRange key_groups{0, kDefaultLowerBoundMaxParallelism - 1};
  int subtask_index = 0;
  // A private directory for local working state (e.g. the RocksDB instance).
  // Created by the caller, removed by the caller.
  std::string work_dir;
  // Where checkpoints go for filesystem checkpoint storage. Shared by all
  // subtasks of a job; a backend writes below a subdirectory of its own.
  std::string checkpoint_dir;
  CheckpointType checkpoint_type = CheckpointType::kFull;
  // Backend-specific options "name" -> "value" without the backend prefix
  // (e.g. "block_cache_size" -> "64MiB"). A factory rejects unknown names
  // with InvalidArgument naming the option and listing the known ones.
  std::map<std::string, std::string> options;
  // The same options already parsed for this backend; when set, the
  // factory works from them and `options` is not read.
  std::shared_ptr<const BackendSettings> settings;
};

class StateBackend {
 public:
  virtual ~StateBackend() = default;
  StateBackend(const StateBackend&) = delete;
  StateBackend& operator=(const StateBackend&) = delete;

  // Declares a state. Idempotent for the same name and kind; the same name
  // with another kind is InvalidArgument. Ids are dense from 0 in
  // registration order.
  virtual Result<StateId> RegisterState(const StateDescriptor& desc) = 0;

  // Value state. ValueGet sets *found; *value is set only when found.
  virtual Status ValueGet(const StateKey& k, std::string* value,
                          bool* found) = 0;
  virtual Status ValuePut(const StateKey& k, std::string_view value) = 0;
  virtual Status ValueRemove(const StateKey& k) = 0;

  // List state. ListGet replaces *values with the list in append order
  // (empty when absent). ListClear removes the whole list.
  virtual Status ListAppend(const StateKey& k, std::string_view value) = 0;
  virtual Status ListGet(const StateKey& k,
                         std::vector<std::string>* values) = 0;
  virtual Status ListClear(const StateKey& k) = 0;

  // Map state: user_key -> value under (state, key, namespace).
  virtual Status MapPut(const StateKey& k, std::string_view user_key,
                        std::string_view value) = 0;
  virtual Status MapGet(const StateKey& k, std::string_view user_key,
                        std::string* value, bool* found) = 0;
  virtual Status MapRemove(const StateKey& k, std::string_view user_key) = 0;
  // Entries with from <= user_key < to in bytewise order of user_key,
  // at most `limit` of them (0 = no limit). An empty `to` means no upper
  // bound. Replaces *entries.
  virtual Status MapScan(
      const StateKey& k, std::string_view from, std::string_view to,
      size_t limit,
      std::vector<std::pair<std::string, std::string>>* entries) = 0;

  // Sync phase of checkpoint `checkpoint_id` (strictly increasing). On
  // success the returned object captures the state as of this call; state ops
  // after it are not part of the checkpoint. On failure nothing is pinned and
  // live state is untouched.
  virtual Result<std::unique_ptr<AsyncSnapshot>> SnapshotSync(
      int64_t checkpoint_id) = 0;
  virtual Status NotifyCheckpointComplete(int64_t checkpoint_id) = 0;
  virtual Status NotifyCheckpointAborted(int64_t checkpoint_id) = 0;

  // Replaces all state of this instance with the state in `handles`, clipped
  // to `range` (which may differ from the instance's configured range only
  // when rescaling; it must be within it). `handles` holds one handle per
  // subtask of the checkpoint that overlaps `range`; all of one checkpoint.
  // Never half-restored: on failure the memory, fs and rocksdb backends keep
  // the state they had before the call; server backends are left empty.
  virtual Status Restore(const std::vector<CheckpointHandle>& handles,
                         KeyGroupRange range) = 0;

  // Deletes everything the instance's job keeps in storage that outlives
  // the instance (a server's rows or keys, for every key group, with its
  // checkpoint records) and gives the space back (postgres: VACUUM FULL),
  // so that a benchmark repetition starts from the state the first one
  // started from. Only while no other instance of the job is open; the
  // instance then behaves as a fresh one. Backends whose storage lives and
  // dies with the instance have nothing to do.
  virtual Status ResetJobStorage() { return Status::Ok(); }

  // Counts this instance's (key, namespace) entries, a value, a list or a
  // map each counting once, by a pass over the whole state: for reports,
  // never inside a timed region. Backends whose Restore already reports
  // RestoreStats::entries need not implement it.
  virtual Result<uint64_t> CountEntries() {
    return Status::Unimplemented("counting entries");
  }

  virtual Capabilities GetCapabilities() const = 0;
  virtual IoStats GetIoStats() = 0;
  // The backend's registry name.
  virtual std::string_view Name() const = 0;

  // Flushes and releases resources. Further calls fail. Idempotent.
  virtual Status Close() = 0;

 protected:
  StateBackend() = default;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_STATE_BACKEND_H_
