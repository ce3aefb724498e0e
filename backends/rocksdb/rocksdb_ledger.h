// What one rocksdb backend instance has in checkpoint storage: its
// checkpoints, the shared SST files they reference with reference counts,
// and the retention policy. Internal to backends/.
//
// Ownership of files: the ledger deletes only what this instance wrote.
// Files and checkpoints seeded from a restore ("foreign") are referenced so
// that later incremental checkpoints reuse them, but never deleted: another
// instance (a crashed predecessor, or a sibling restored from the same
// checkpoint when rescaling) may still need them. This is Flink's LEGACY
// restore mode at the file level.
//
// Thread safety: all methods are thread-safe (one mutex). upload_mutex()
// serializes the upload phases of concurrent incremental checkpoints so that
// the same SST is never uploaded twice.
#ifndef STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_LEDGER_H_
#define STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_LEDGER_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace statebench {

// An SST file in checkpoint storage.
struct SharedSst {
  std::string local_name;  // name in the working database, e.g. "000012.sst"
  std::string path;        // relative to the checkpoint root: "shared/..."
  uint64_t size = 0;
};

class CheckpointLedger {
 public:
  // `checkpoint_root` is BackendConfig::checkpoint_dir ("" for in-memory
  // checkpoints, which own no files); `retained` >= 1 completed checkpoints
  // are kept.
  CheckpointLedger(std::string checkpoint_root, int retained);

  const std::string& root() const { return root_; }
  std::mutex& upload_mutex() { return upload_mu_; }

  // The registered file for `local_name`, taking a reference on it; nullopt
  // when it has to be uploaded.
  std::optional<SharedSst> Acquire(const std::string& local_name);
  // Registers a file this instance just uploaded, with one reference.
  void AddUploaded(const SharedSst& file);
  // Drops one reference on each file; deletes files this instance uploaded
  // once nobody references them.
  Status Release(const std::vector<std::string>& local_names);

  // Records a written checkpoint: its private file or directory (absolute;
  // "" for none) and the shared files it already holds references on.
  void AddCheckpoint(int64_t id, std::string private_path,
                     std::vector<std::string> local_names);
  // Records the checkpoint a restore started from, as completed and foreign.
  void SeedRestored(int64_t id, std::string private_path,
                    const std::vector<SharedSst>& files);

  // Marks `id` completed; releases written-but-unconfirmed checkpoints
  // older than it (subsumed) and completed ones beyond retention.
  Status OnComplete(int64_t id);
  // Releases `id` unless it already completed. Unknown ids are fine.
  Status OnAborted(int64_t id);
  // Forgets everything without deleting anything (a restore starts over).
  void Reset();

  // Completed checkpoint ids still retained, oldest first.
  std::vector<int64_t> Retained() const;

 private:
  struct FileEntry {
    SharedSst file;
    int refs = 0;
    bool owned = false;
  };
  struct CheckpointEntry {
    std::string private_path;
    std::vector<std::string> files;
    bool owned = true;
    bool completed = false;
  };

  Status ReleaseLocked(const std::vector<std::string>& local_names);
  Status DropLocked(int64_t id);

  const std::string root_;
  const int retained_;
  std::mutex upload_mu_;
  mutable std::mutex mu_;
  std::map<std::string, FileEntry> files_;
  std::map<int64_t, CheckpointEntry> checkpoints_;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_LEDGER_H_
