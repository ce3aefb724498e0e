// Restore and rescaling of the rocksdb backend, as Flink does it: the
// incremental checkpoint with the largest overlap becomes the base database,
// clipped to the new key-group range with DeleteRange; the key groups of
// every other overlapping handle are inserted with write batches.
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <utility>

#include "backends/rocksdb/rocksdb_backend_impl.h"
#include "backends/rocksdb/rocksdb_format.h"
#include "backends/rocksdb/rocksdb_full_snapshot.h"
#include "backends/rocksdb/rocksdb_incremental.h"
#include "backends/rocksdb/rocksdb_io.h"
#include "base/file_util.h"

namespace statebench {
namespace {

constexpr size_t kBatchBytes = 4 << 20;

// One overlapping handle, opened.
struct Source {
  const CheckpointHandle* handle = nullptr;
  KeyGroupRange overlap;
  std::unique_ptr<FullSnapshotReader> full;  // kFull
  std::optional<IncrementalMetadata> inc;    // kIncremental
  const std::vector<StateSpec>& states() const {
    return full ? full->meta().states : inc->states;
  }
};

// The bytes of a full snapshot file; decrypted and authenticated as a whole
// when `key` is set, before anything is parsed.
Result<std::unique_ptr<ByteSource>> OpenFullSnapshotFile(
    const CheckpointHandle& h, const EncryptionKey* key,
    RocksDbCounters* counters) {
  SB_RETURN_IF_ERROR(CheckRealDirectory(
      std::filesystem::path(h.location).parent_path().string()));
  SB_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> file,
                      NewFileSource(h.location));
  if (key == nullptr) {
    if (FileIsEnvelope(h.location)) {
      return Status::InvalidArgument(
          h.location + ": is encrypted; set the rocksdb option " +
          kEncryptionKeyFileOption + " or " + kEncryptionKeyEnvOption);
    }
    return file;
  }
  std::string all;
  SB_RETURN_IF_ERROR(file->ReadAt(0, file->size(), &all));
  std::filesystem::path p(h.location);
  uint64_t cpu = 0;
  Result<std::string> plain = OpenEnvelope(
      *key,
      FullSnapshotEnvelopeHeader(h.checkpoint_id, h.key_groups,
                                 "chk-" + std::to_string(h.checkpoint_id) +
                                     "/" + p.filename().string()),
      all, h.location, &cpu);
  counters->cpu.decrypt_ns += cpu;
  if (!plain.ok()) return plain.status();
  return NewMemorySource(
      std::make_shared<const std::string>(std::move(plain).value()));
}

Result<Source> OpenSource(const CheckpointHandle& h, KeyGroupRange range,
                          const EncryptionKey* key, RocksDbCounters* counters) {
  Source src;
  src.handle = &h;
  if (h.type == CheckpointType::kFull) {
    std::unique_ptr<ByteSource> bytes;
    std::string what = h.location;
    if (h.inline_data) {
      bytes = NewMemorySource(h.inline_data);
      what = "(in-memory) of checkpoint " + std::to_string(h.checkpoint_id);
    } else {
      SB_ASSIGN_OR_RETURN(bytes, OpenFullSnapshotFile(h, key, counters));
    }
    SB_ASSIGN_OR_RETURN(src.full,
                        FullSnapshotReader::Open(std::move(bytes), what));
    const FullSnapshotMeta& m = src.full->meta();
    if (m.max_parallelism != h.max_parallelism ||
        m.checkpoint_id != h.checkpoint_id || m.key_groups != h.key_groups) {
      return Status::Corruption("full snapshot " + what +
                                " does not match its handle");
    }
    src.overlap = m.key_groups.Intersect(range);
  } else {
    SB_ASSIGN_OR_RETURN(IncrementalMetadata m, ReadIncrementalMetadata(h, key));
    src.overlap = m.key_groups.Intersect(range);
    src.inc = std::move(m);
  }
  return src;
}

// Adds the states of `extra` to `*specs` (new names at the end).
Status MergeStates(const std::vector<StateSpec>& extra,
                   std::vector<StateSpec>* specs) {
  for (const StateSpec& e : extra) {
    auto it =
        std::find_if(specs->begin(), specs->end(),
                     [&](const StateSpec& s) { return s.name == e.name; });
    if (it == specs->end()) {
      specs->push_back(e);
    } else if (it->kind != e.kind) {
      return Status::InvalidArgument(
          "state '" + e.name + "' is " + std::string(StateKindName(e.kind)) +
          " state in the checkpoint but " +
          std::string(StateKindName(it->kind)) + " state here");
    }
  }
  return Status::Ok();
}

// Buffers puts into one database and commits them in bounded batches.
class BatchWriter {
 public:
  BatchWriter(rocksdb::DB* db, const rocksdb::WriteOptions& wo)
      : db_(db), wo_(wo) {}
  Status Put(rocksdb::ColumnFamilyHandle* cf, const rocksdb::Slice& key,
             const rocksdb::Slice& value) {
    SB_RETURN_IF_ERROR(FromRocks(batch_.Put(cf, key, value), "restore batch"));
    return batch_.GetDataSize() >= kBatchBytes ? Commit() : Status::Ok();
  }
  Status Commit() {
    if (batch_.Count() == 0) return Status::Ok();
    Status s = FromRocks(db_->Write(wo_, &batch_), "restore write");
    batch_.Clear();
    return s;
  }

 private:
  rocksdb::DB* db_;
  const rocksdb::WriteOptions& wo_;
  rocksdb::WriteBatch batch_;
};

Status InsertFull(Source* src, RocksDbInstance* target, int prefix_bytes,
                  BatchWriter* out) {
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;
  for (const StateSpec& s : src->states())
    cfs.push_back(target->Handle(s.name));
  std::string key;
  for (int kg = src->overlap.start; kg <= src->overlap.end; ++kg) {
    SB_RETURN_IF_ERROR(src->full->ForEachEntry(
        kg,
        [&](uint32_t state, std::string_view suffix, std::string_view value) {
          key.clear();
          AppendKeyGroupPrefix(prefix_bytes, kg, &key);
          key.append(suffix);
          return out->Put(cfs[state], key,
                          rocksdb::Slice(value.data(), value.size()));
        }));
  }
  return out->Commit();
}

// Copies the key groups in src->overlap of every state of an opened
// incremental checkpoint; adds the bytes iterated to *bytes.
Status InsertFromInstance(const Source& src, RocksDbInstance* from,
                          RocksDbInstance* target, int prefix_bytes,
                          BatchWriter* out, uint64_t* bytes) {
  std::string lower, upper;
  AppendKeyGroupPrefix(prefix_bytes, src.overlap.start, &lower);
  AppendKeyGroupPrefix(prefix_bytes, src.overlap.end + 1, &upper);
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  for (const StateSpec& s : src.states()) {
    rocksdb::ColumnFamilyHandle* from_cf = from->Handle(s.name);
    if (from_cf == nullptr) continue;
    rocksdb::ColumnFamilyHandle* to_cf = target->Handle(s.name);
    std::unique_ptr<rocksdb::Iterator> it(from->db()->NewIterator(ro, from_cf));
    for (it->Seek(lower_slice); it->Valid(); it->Next()) {
      *bytes += it->key().size() + it->value().size();
      SB_RETURN_IF_ERROR(out->Put(to_cf, it->key(), it->value()));
    }
    SB_RETURN_IF_ERROR(FromRocks(it->status(), "restore iteration"));
  }
  return out->Commit();
}

// Deletes every key outside `range` from every state of `db`.
Status ClipToRange(RocksDbInstance* db, const std::vector<StateSpec>& states,
                   KeyGroupRange range, int max_parallelism,
                   const rocksdb::WriteOptions& wo) {
  int prefix_bytes = KeyGroupPrefixBytes(max_parallelism);
  std::string first, start, after_end, beyond;
  AppendKeyGroupPrefix(prefix_bytes, 0, &first);
  AppendKeyGroupPrefix(prefix_bytes, range.start, &start);
  AppendKeyGroupPrefix(prefix_bytes, range.end + 1, &after_end);
  AppendKeyGroupPrefix(prefix_bytes, max_parallelism, &beyond);
  for (const StateSpec& s : states) {
    rocksdb::ColumnFamilyHandle* cf = db->Handle(s.name);
    if (cf == nullptr) continue;
    if (range.start > 0) {
      SB_RETURN_IF_ERROR(FromRocks(db->db()->DeleteRange(wo, cf, first, start),
                                   "clip below " + range.ToString()));
    }
    if (range.end + 1 < max_parallelism) {
      SB_RETURN_IF_ERROR(
          FromRocks(db->db()->DeleteRange(wo, cf, after_end, beyond),
                    "clip above " + range.ToString()));
    }
  }
  return Status::Ok();
}

// Every key group of `range` must be in exactly one handle, all of one
// checkpoint: a gap would silently lose state, an overlap double it.
Status CheckCoverage(const std::vector<CheckpointHandle>& handles,
                     KeyGroupRange range) {
  for (const CheckpointHandle& h : handles) {
    if (h.checkpoint_id != handles[0].checkpoint_id) {
      return Status::InvalidArgument("handles from different checkpoints (" +
                                     std::to_string(handles[0].checkpoint_id) +
                                     " and " + std::to_string(h.checkpoint_id) +
                                     ")");
    }
  }
  for (int kg = range.start; kg <= range.end; ++kg) {
    int holders = 0;
    for (const CheckpointHandle& h : handles)
      holders += h.key_groups.Contains(kg);
    if (holders != 1) {
      return Status::InvalidArgument(
          std::string(holders == 0 ? "the handles do not cover"
                                   : "the handles overlap at") +
          " key group " + std::to_string(kg) + " of the restore range " +
          range.ToString());
    }
  }
  return Status::Ok();
}

}  // namespace

Status RocksDbBackend::Restore(const std::vector<CheckpointHandle>& handles,
                               KeyGroupRange range) {
  SB_RETURN_IF_ERROR(CheckOpen());
  // Never half-restored: the new database is built beside the live one and
  // replaces it only on success.
  return RestoreInto(handles, range, StateSpecs())
      .WithContext("rocksdb restore");
}

namespace {

// What building a restored database needs from the backend.
struct RestoreEnv {
  std::shared_ptr<const RocksDbResources> res;
  RocksDbCounters* counters;
  const rocksdb::WriteOptions* write_options;
  int max_parallelism;
  int prefix_bytes;
  std::string tmp_prefix;  // <work_dir>/restore-
  std::string token;
};

// Builds the restored database in `dir` from the opened sources.
Status BuildRestored(const RestoreEnv& env, std::vector<Source>& sources,
                     Source* base, const std::vector<StateSpec>& specs,
                     KeyGroupRange range, const std::string& dir,
                     const EncryptionKey* key,
                     std::shared_ptr<RocksDbInstance>* out,
                     uint64_t* bytes_read, uint64_t* bytes_linked) {
  std::shared_ptr<RocksDbInstance>& inst = *out;
  const auto& res_ = env.res;
  RocksDbCounters* counters_ = env.counters;
  const rocksdb::WriteOptions& write_options_ = *env.write_options;
  const int prefix_bytes_ = env.prefix_bytes;
  uint64_t cpu = 0;
  if (base != nullptr) {
    Status m = MaterializeIncrementalCheckpoint(
        *base->handle, *base->inc, dir, key, bytes_read,
        res_->settings().local_recovery ? bytes_linked : nullptr, &cpu);
    counters_->cpu.decrypt_ns += cpu;
    SB_RETURN_IF_ERROR(m);
    SB_ASSIGN_OR_RETURN(inst, RocksDbInstance::Open(dir, res_, specs, false));
    if (base->overlap != base->inc->key_groups) {
      SB_RETURN_IF_ERROR(ClipToRange(inst.get(), base->inc->states, range,
                                     env.max_parallelism, write_options_));
    }
  } else {
    SB_ASSIGN_OR_RETURN(inst, RocksDbInstance::Open(dir, res_, specs, false));
  }

  BatchWriter writer(inst->db(), write_options_);
  for (Source& src : sources) {
    if (&src == base) continue;
    if (src.full) {
      Status s = InsertFull(&src, inst.get(), prefix_bytes_, &writer);
      *bytes_read += src.full->bytes_read();
      counters_->cpu.decompress_ns += src.full->codec_stats().decompress_cpu_ns;
      SB_RETURN_IF_ERROR(s);
      continue;
    }
    std::string tmp = env.tmp_prefix +
                      std::to_string(src.handle->checkpoint_id) + "-" +
                      env.token;
    SB_RETURN_IF_ERROR(RemoveTree(tmp));
    cpu = 0;
    // Linked into a scratch database only to read its key groups, which
    // are counted as copied when inserted.
    uint64_t scratch_linked = 0;
    Status s = MaterializeIncrementalCheckpoint(
        *src.handle, *src.inc, tmp, key, bytes_read, &scratch_linked, &cpu);
    counters_->cpu.decrypt_ns += cpu;
    if (s.ok()) {
      auto from = RocksDbInstance::Open(tmp, res_, src.inc->states, true);
      s = from.ok() ? InsertFromInstance(src, from->get(), inst.get(),
                                         prefix_bytes_, &writer, bytes_read)
                    : from.status();
    }
    (void)RemoveTree(tmp);
    SB_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

}  // namespace

Status RocksDbBackend::RestoreInto(const std::vector<CheckpointHandle>& handles,
                                   KeyGroupRange range,
                                   const std::vector<StateSpec>& registered) {
  if (!range.empty() && (range.Intersect(config_.key_groups) != range)) {
    return Status::InvalidArgument("restore range " + range.ToString() +
                                   " is not within this instance's " +
                                   config_.key_groups.ToString());
  }
  SB_RETURN_IF_ERROR(CheckCoverage(handles, range));
  const EncryptionKey* key = res_->settings().encryption_key.get();
  std::vector<Source> sources;
  std::vector<StateSpec> specs = registered;
  for (const CheckpointHandle& h : handles) {
    if (h.backend != "rocksdb") {
      return Status::InvalidArgument("cannot restore a '" + h.backend +
                                     "' checkpoint into the rocksdb backend");
    }
    if (h.max_parallelism != config_.max_parallelism) {
      return Status::InvalidArgument(
          "checkpoint has max parallelism " +
          std::to_string(h.max_parallelism) + ", this job " +
          std::to_string(config_.max_parallelism) +
          " (it is fixed for the life of the state)");
    }
    if (h.key_groups.Intersect(range).empty()) continue;
    SB_ASSIGN_OR_RETURN(Source src, OpenSource(h, range, key, counters_.get()));
    if (src.overlap.empty()) continue;
    SB_RETURN_IF_ERROR(MergeStates(src.states(), &specs));
    sources.push_back(std::move(src));
  }

  // The base: the incremental source covering most of the range.
  Source* base = nullptr;
  for (Source& src : sources) {
    if (src.inc &&
        (base == nullptr || src.overlap.size() > base->overlap.size())) {
      base = &src;
    }
  }
  SB_ASSIGN_OR_RETURN(std::string dir, NewGenerationDir());
  uint64_t bytes_read = 0, bytes_linked = 0;
  std::shared_ptr<RocksDbInstance> inst;
  RestoreEnv env{res_,
                 counters_.get(),
                 &write_options_,
                 config_.max_parallelism,
                 prefix_bytes_,
                 work_dir_ + "/restore-",
                 token_};
  Status s = BuildRestored(env, sources, base, specs, range, dir, key, &inst,
                           &bytes_read, &bytes_linked);
  counters_->restore_bytes_read += bytes_read;
  if (!s.ok()) {
    inst.reset();
    (void)RemoveTree(dir);
    return s;
  }
  // The restored database replaces the live one.
  ledger_->Reset();
  (void)DropDatabase();

  if (base != nullptr) {
    // Later incremental checkpoints reuse the base's SSTs (still live in the
    // new database) instead of uploading them again; never deleting them.
    ledger_->SeedRestored(base->handle->checkpoint_id, base->handle->location,
                          base->inc->shared_files);
  }
  Adopt(std::move(inst), specs);
  last_restore_ = RestoreStats{};
  last_restore_.restored = true;
  last_restore_.bytes_copied = bytes_read;
  last_restore_.bytes_linked = bytes_linked;
  last_restore_.state_bytes = bytes_read + bytes_linked;
  if (bytes_linked > 0) {
    last_restore_.mode = "local";
    last_restore_.detail =
        "hard-linked the checkpoint's SST files (same filesystem as the "
        "checkpoint directory, as Flink's local recovery reuses local files) "
        "and copied its private files";
  } else {
    last_restore_.mode = "checkpoint-storage";
    last_restore_.detail =
        base != nullptr
            ? "copied the checkpoint's files from checkpoint storage"
            : "read the full snapshot from checkpoint storage and "
              "inserted its entries";
  }
  return Status::Ok();
}

}  // namespace statebench
