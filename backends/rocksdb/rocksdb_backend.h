// The rocksdb state backend: Flink's EmbeddedRocksDBStateBackend.
//
// State lives in an embedded RocksDB below BackendConfig::work_dir, one
// column family per registered state, keys prefixed by their key group (see
// backends/rocksdb/rocksdb_format.h). List append is a RocksDB merge.
// Checkpoints:
//   full         sync: a RocksDB snapshot; async: a canonical snapshot file
//                with a per-key-group index and checksums, written to
//                <checkpoint_dir>/chk-<id>/ (or kept in memory, in the
//                handle's inline_data, when checkpoint_dir is empty)
//   incremental  sync: flush + RocksDB checkpoint (hard links); async:
//                upload only SSTs no retained checkpoint already holds to
//                <checkpoint_dir>/shared/ (see rocksdb_incremental.h)
// Restore opens the overlapping checkpoint with the largest overlap as the
// base, clips it to the new key-group range with DeleteRange, and inserts
// the other handles' key groups (Flink's rescaling approach).
//
// Checkpoint files: an instance deletes only files it wrote, when
// NotifyCheckpointComplete moves a checkpoint beyond `retained_checkpoints`
// or NotifyCheckpointAborted drops one. After a restore, its incremental
// checkpoints reuse the restored checkpoint's shared SSTs without ever
// deleting them (Flink's LEGACY restore mode): cleaning up a dead
// predecessor's checkpoints is the job's business, not the instance's.
//
// Thread safety: as the StateBackend contract. Options: see
// RocksDbOptionInfos() (backends/rocksdb/rocksdb_options.h) or `statebench
// backends`.
#ifndef STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_BACKEND_H_
#define STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_BACKEND_H_

#include <map>
#include <memory>
#include <string>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench {

BackendInfo RocksDbBackendInfo();

// InvalidArgument naming the option for an unknown name or a bad value.
Result<std::shared_ptr<const BackendSettings>> ParseRocksDbOptions(
    const std::map<std::string, std::string>& options);

// InvalidArgument for an unknown or malformed option, an incremental
// checkpoint type without a checkpoint_dir, or a key-group range outside
// the max parallelism. When work_dir is empty the backend makes (and on
// Close removes) a temporary one.
Result<std::unique_ptr<StateBackend>> CreateRocksDbBackend(
    const BackendConfig& config);

// RocksDB's own compaction and level statistics ("rocksdb.stats" property),
// to cross-check IoStats. InvalidArgument unless `backend` is a rocksdb
// backend itself (not wrapped in a decorator); FailedPrecondition if closed.
Result<std::string> RocksDbCompactionStats(StateBackend* backend);

// The effective option values (sizes in bytes) of a rocksdb backend, for
// echoing into results. InvalidArgument as above.
Result<std::map<std::string, std::string>> RocksDbEffectiveOptions(
    const StateBackend* backend);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_BACKEND_H_
