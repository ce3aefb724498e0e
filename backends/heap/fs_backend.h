// The `fs` backend: Flink's HashMapStateBackend with filesystem checkpoint
// storage (the old FsStateBackend).
//
// Keyed state lives in heap hash maps, one partition per key group.
// SnapshotSync captures the partitions copy-on-write; the async phase writes
// them crash-safely (temp file, fsync, rename, fsync of the directory) to
//   <checkpoint_dir>/chk-<id>/kg-<first>-<last>.snapshot
// in the canonical heap snapshot format (heap_snapshot.h). A restore reads
// only the byte ranges of the key groups it needs. Files are 0600,
// directories 0700; symlinks in the checkpoint directory are never followed.
// NotifyCheckpointComplete deletes this instance's own files of checkpoints
// beyond `retained_checkpoints`, never files it did not write. Incremental
// checkpoints are taken as full ones.
//
// Options: retained_checkpoints (default 1); compression and
// compression_level (snapshot_codec.h); encryption_key_file or
// encryption_key_env (snapshot_crypto.h), which make every snapshot file an
// AES-256-GCM envelope, authenticated as a whole on restore.
// Threading: as StateBackend.
#ifndef STATEBENCH_BACKENDS_HEAP_FS_BACKEND_H_
#define STATEBENCH_BACKENDS_HEAP_FS_BACKEND_H_

#include <memory>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench {

BackendInfo FsBackendInfo();

// InvalidArgument naming the option for an unknown name or a bad value;
// reads the key file an encryption option names.
Result<std::shared_ptr<const BackendSettings>> ParseFsOptions(
    const std::map<std::string, std::string>& options);

// InvalidArgument for an invalid key-group configuration or option or a
// missing checkpoint_dir; IoError when the checkpoint directory cannot be
// created.
Result<std::unique_ptr<StateBackend>> CreateFsBackend(
    const BackendConfig& config);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_HEAP_FS_BACKEND_H_
