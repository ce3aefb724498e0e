// Checkpoints of the rocksdb backend: the sync phases (a RocksDB snapshot,
// or flush + RocksDB checkpoint) and the async phases that write to
// checkpoint storage.
#include <rocksdb/utilities/checkpoint.h>

#include <utility>

#include "backends/rocksdb/rocksdb_backend_impl.h"
#include "backends/rocksdb/rocksdb_full_snapshot.h"
#include "backends/rocksdb/rocksdb_incremental.h"
#include "backends/rocksdb/rocksdb_io.h"
#include "base/file_util.h"

namespace statebench {
namespace {

constexpr char kFullFormat[] = "rocksdb-full/1";

std::string StatesText(const std::vector<StateSpec>& states) {
  std::string out;
  for (const StateSpec& s : states) {
    if (!out.empty()) out += ',';
    out += s.name + ":" + std::string(StateKindName(s.kind));
  }
  return out;
}

// What an async phase needs, captured at the sync phase so that it never
// touches the backend object (whose states may change meanwhile).
struct SnapshotContext {
  std::shared_ptr<RocksDbInstance> db;
  std::shared_ptr<CheckpointLedger> ledger;
  std::shared_ptr<RocksDbCounters> counters;
  std::vector<StateSpec> states;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;  // parallel to states
  int max_parallelism = 0;
  KeyGroupRange key_groups;
  int64_t checkpoint_id = 0;
  std::string writer;
  SnapshotCodecOptions codec;
  std::shared_ptr<const EncryptionKey> key;
};

class FullAsyncSnapshot final : public AsyncSnapshot {
 public:
  FullAsyncSnapshot(SnapshotContext ctx, const rocksdb::Snapshot* snapshot)
      : ctx_(std::move(ctx)), snapshot_(snapshot) {}
  ~FullAsyncSnapshot() override { ReleaseSnapshot(); }

  Result<CheckpointHandle> Complete() override {
    if (snapshot_ == nullptr) {
      return Status::FailedPrecondition("full snapshot already completed");
    }
    Result<CheckpointHandle> h = Write();
    ReleaseSnapshot();
    return h;
  }

 private:
  void ReleaseSnapshot() {
    if (snapshot_ != nullptr) ctx_.db->db()->ReleaseSnapshot(snapshot_);
    snapshot_ = nullptr;
  }

  Result<CheckpointHandle> Write() {
    FullSnapshotMeta meta{ctx_.max_parallelism, ctx_.key_groups,
                          ctx_.checkpoint_id, ctx_.states};
    CheckpointHandle h;
    h.backend = "rocksdb";
    h.checkpoint_id = ctx_.checkpoint_id;
    h.type = CheckpointType::kFull;
    h.key_groups = ctx_.key_groups;
    h.max_parallelism = ctx_.max_parallelism;
    h.metadata["format"] = kFullFormat;
    h.metadata["states"] = StatesText(ctx_.states);
    const std::string& root = ctx_.ledger->root();
    SnapshotCodecStats stats;
    if (root.empty()) {
      StringSink sink;
      SB_RETURN_IF_ERROR(WriteFullSnapshot(ctx_.db->db(), snapshot_, ctx_.cfs,
                                           meta, &sink, ctx_.codec, &stats));
      ctx_.counters->cpu.compress_ns += stats.compress_cpu_ns;
      h.checkpointed_size = h.full_size = sink.size();
      ctx_.counters->snapshot_memory_bytes += sink.size();
      h.inline_data = std::make_shared<const std::string>(sink.Release());
      RecordSnapshotFigures(ctx_.codec.compression, stats, false, 0, &h);
      return h;
    }
    std::string chk = "chk-" + std::to_string(ctx_.checkpoint_id);
    std::string dir = root + "/" + chk;
    std::string name = ctx_.writer + ".snapshot";
    std::string path = dir + "/" + name;
    SB_RETURN_IF_ERROR(EnsureDirectory(dir));
    SB_RETURN_IF_ERROR(FsyncDirectory(root));
    SB_ASSIGN_OR_RETURN(std::unique_ptr<ByteSink> file, NewFileSink(path));
    std::unique_ptr<ByteSink> sink = std::move(file);
    EncryptingByteSink* encrypting = nullptr;
    if (ctx_.key) {
      SB_ASSIGN_OR_RETURN(
          std::unique_ptr<EncryptingByteSink> e,
          EncryptingByteSink::Open(
              std::move(sink), *ctx_.key,
              FullSnapshotEnvelopeHeader(ctx_.checkpoint_id, ctx_.key_groups,
                                         chk + "/" + name)));
      encrypting = e.get();
      sink = std::move(e);
    }
    Status s = WriteFullSnapshot(ctx_.db->db(), snapshot_, ctx_.cfs, meta,
                                 sink.get(), ctx_.codec, &stats);
    uint64_t encrypt_ns = encrypting ? encrypting->cpu_ns() : 0;
    ctx_.counters->cpu.compress_ns += stats.compress_cpu_ns;
    ctx_.counters->cpu.encrypt_ns += encrypt_ns;
    if (!s.ok()) {
      return s.WithContext("full checkpoint " +
                           std::to_string(ctx_.checkpoint_id));
    }
    uint64_t stored = encrypting ? encrypting->stored_size() : sink->size();
    ctx_.counters->checkpoint_bytes += stored;
    ctx_.ledger->AddCheckpoint(ctx_.checkpoint_id, path, {});
    h.location = path;
    h.checkpointed_size = h.full_size = stored;
    h.metadata["writer"] = ctx_.writer;
    RecordSnapshotFigures(ctx_.codec.compression, stats, ctx_.key != nullptr,
                          encrypt_ns, &h);
    return h;
  }

  SnapshotContext ctx_;
  const rocksdb::Snapshot* snapshot_;
};

class IncrementalAsyncSnapshot final : public AsyncSnapshot {
 public:
  IncrementalAsyncSnapshot(SnapshotContext ctx, std::string staging_dir)
      : ctx_(std::move(ctx)), staging_dir_(std::move(staging_dir)) {}
  ~IncrementalAsyncSnapshot() override { (void)RemoveTree(staging_dir_); }

  Result<CheckpointHandle> Complete() override {
    if (done_) {
      return Status::FailedPrecondition(
          "incremental snapshot already completed");
    }
    done_ = true;
    IncrementalMetadata meta;
    meta.checkpoint_id = ctx_.checkpoint_id;
    meta.max_parallelism = ctx_.max_parallelism;
    meta.key_groups = ctx_.key_groups;
    meta.states = ctx_.states;
    uint64_t written = 0;
    uint64_t encrypt_ns = 0;
    Result<CheckpointHandle> h = UploadIncrementalCheckpoint(
        staging_dir_, ctx_.writer, std::move(meta), ctx_.ledger.get(),
        ctx_.key.get(), &written, &encrypt_ns);
    ctx_.counters->checkpoint_bytes += written;
    ctx_.counters->cpu.encrypt_ns += encrypt_ns;
    if (h.ok() && ctx_.key) {
      h->figures.encryption = kEncryptionName;
      h->figures.encrypt_cpu_ns = encrypt_ns;
    }
    (void)RemoveTree(staging_dir_);
    return h;
  }

 private:
  SnapshotContext ctx_;
  std::string staging_dir_;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<AsyncSnapshot>> RocksDbBackend::SnapshotSync(
    int64_t checkpoint_id) {
  SB_RETURN_IF_ERROR(CheckOpen());
  if (checkpoint_id <= last_checkpoint_id_) {
    return Status::FailedPrecondition(
        "checkpoint id " + std::to_string(checkpoint_id) +
        " is not greater than the previous one, " +
        std::to_string(last_checkpoint_id_));
  }
  SnapshotContext ctx;
  ctx.db = db_;
  ctx.ledger = ledger_;
  ctx.counters = counters_;
  for (const State& s : states_) {
    ctx.states.push_back({s.name, s.kind});
    ctx.cfs.push_back(s.cf);
  }
  ctx.max_parallelism = config_.max_parallelism;
  ctx.key_groups = config_.key_groups;
  ctx.checkpoint_id = checkpoint_id;
  ctx.writer = Writer();
  ctx.codec = res_->settings().snapshot_codec;
  ctx.key = res_->settings().encryption_key;

  std::unique_ptr<AsyncSnapshot> async;
  if (config_.checkpoint_type == CheckpointType::kFull) {
    const rocksdb::Snapshot* snap = db_->db()->GetSnapshot();
    if (snap == nullptr) return Status::Internal("rocksdb GetSnapshot failed");
    async = std::make_unique<FullAsyncSnapshot>(std::move(ctx), snap);
  } else {
    rocksdb::DB* db = db_->db();
    rocksdb::FlushOptions flush;
    flush.wait = true;
    if (!ctx.cfs.empty()) {
      SB_RETURN_IF_ERROR(
          FromRocks(db->Flush(flush, ctx.cfs), "flush before checkpoint"));
    }
    std::string staging =
        work_dir_ + "/staging-" + std::to_string(checkpoint_id) + "-" + token_;
    SB_RETURN_IF_ERROR(RemoveTree(staging));
    rocksdb::Checkpoint* raw = nullptr;
    SB_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db, &raw),
                                 "cannot create rocksdb checkpoint object"));
    std::unique_ptr<rocksdb::Checkpoint> cp(raw);
    Status s = FromRocks(cp->CreateCheckpoint(staging),
                         "rocksdb checkpoint into " + staging);
    if (!s.ok()) {
      (void)RemoveTree(staging);
      return s;
    }
    async = std::make_unique<IncrementalAsyncSnapshot>(std::move(ctx),
                                                       std::move(staging));
  }
  last_checkpoint_id_ = checkpoint_id;
  return async;
}

Status RocksDbBackend::NotifyCheckpointComplete(int64_t checkpoint_id) {
  SB_RETURN_IF_ERROR(CheckOpen());
  return ledger_->OnComplete(checkpoint_id);
}

Status RocksDbBackend::NotifyCheckpointAborted(int64_t checkpoint_id) {
  SB_RETURN_IF_ERROR(CheckOpen());
  return ledger_->OnAborted(checkpoint_id);
}

}  // namespace statebench
