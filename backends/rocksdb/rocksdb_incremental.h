// Incremental checkpoints of the rocksdb backend: uploading a local RocksDB
// checkpoint to checkpoint storage, sharing SST files between checkpoints,
// and bringing a checkpoint back as a database directory. Internal to
// backends/.
//
// Storage layout below BackendConfig::checkpoint_dir (the "root"):
//   shared/<writer>-<sst name>        SSTs, shared by checkpoints (refcounted
//                                     by the writing instance's ledger)
//   chk-<id>/<writer>/                private files: CURRENT, MANIFEST-*,
//                                     OPTIONS-*, WAL, and METADATA
// where <writer> = rocksdb-s<subtask>-<token>, unique per database
// generation of an instance, so that subtasks and successive instances never
// overwrite each other's files. METADATA (written last, atomically) is the
// commit point: it lists the states, the private files and the shared SSTs
// with sizes, and ends with a CRC-32C line.
#ifndef STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_INCREMENTAL_H_
#define STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_INCREMENTAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/rocksdb/rocksdb_instance.h"
#include "backends/rocksdb/rocksdb_ledger.h"
#include "backends/snapshot/snapshot_crypto.h"
#include "backends/state_backend.h"
#include "base/key_groups.h"
#include "base/status.h"

namespace statebench {

inline constexpr char kIncrementalMetadataFile[] = "METADATA";
inline constexpr char kIncrementalFormat[] = "rocksdb-incremental/1";

struct IncrementalMetadata {
  int64_t checkpoint_id = 0;
  int max_parallelism = 0;
  KeyGroupRange key_groups;
  std::vector<StateSpec> states;
  std::vector<std::pair<std::string, uint64_t>> private_files;  // name, size
  std::vector<SharedSst> shared_files;
};

std::string SerializeIncrementalMetadata(const IncrementalMetadata& m);
// Corruption naming `what` if malformed or the checksum does not match.
Result<IncrementalMetadata> ParseIncrementalMetadata(std::string_view text,
                                                     const std::string& what);

// The checkpoint root of a handle whose location is <root>/chk-<id>/<writer>.
std::string CheckpointRootOf(const std::string& location);

// Uploads the RocksDB checkpoint in `staging_dir` as checkpoint `meta`
// (whose file lists are filled here) of the writer named `writer`: SSTs
// not yet in `ledger` go to shared/, the rest to chk-<id>/<writer>/. On
// success the checkpoint is recorded in the ledger and the handle returned;
// on failure everything it uploaded that nobody references is removed.
// With a `key` every file (SSTs, private files, METADATA) is written as an
// AES-256-GCM envelope (snapshot_crypto.h). *bytes_written receives the
// bytes written to checkpoint storage, *encrypt_cpu_ns the encryption time.
Result<CheckpointHandle> UploadIncrementalCheckpoint(
    const std::string& staging_dir, const std::string& writer,
    IncrementalMetadata meta, CheckpointLedger* ledger,
    const EncryptionKey* key, uint64_t* bytes_written,
    uint64_t* encrypt_cpu_ns);

// Reads and verifies the metadata of an incremental handle, decrypting it
// with `key` when not null.
Result<IncrementalMetadata> ReadIncrementalMetadata(const CheckpointHandle& h,
                                                    const EncryptionKey* key);

// Makes `db_dir` (created) a database directory holding the checkpoint:
// SSTs hard-linked (copied across filesystems; copied always when
// `bytes_linked` is null), private files copied; with
// a `key`, every file decrypted and authenticated instead. File sizes are
// checked against the metadata (Corruption on mismatch). *bytes_read
// receives the bytes read (copied or decrypted), *bytes_linked the bytes
// hard-linked without reading, *decrypt_cpu_ns the decryption time.
Status MaterializeIncrementalCheckpoint(
    const CheckpointHandle& h, const IncrementalMetadata& meta,
    const std::string& db_dir, const EncryptionKey* key, uint64_t* bytes_read,
    uint64_t* bytes_linked, uint64_t* decrypt_cpu_ns);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_INCREMENTAL_H_
