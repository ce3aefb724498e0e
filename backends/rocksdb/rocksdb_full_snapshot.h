// The canonical full snapshot of the rocksdb backend. Internal to backends/.
//
// File layout (integers little-endian unless noted):
//   header   "SBRDBFS1", fixed32 version (1, or 2 when compressed),
//            fixed32 max_parallelism,
//            fixed32 first key group, fixed32 last key group,
//            fixed64 checkpoint id, varint state count,
//            per state: u8 kind, varint(len) name;
//            version 2 only: u8 compression (SnapshotCompression);
//            fixed32 CRC-32C of the header bytes before it
//   sections one per key group of the range, in order; each a run of
//            entries: varint state index, varint(len) key, varint(len) value,
//            where key is the RocksDB key without its key-group prefix;
//            in version 2 each section is compressed on its own
//   index    per key group: fixed64 offset, fixed64 length, fixed32 CRC-32C
//            of the section as stored; version 2 adds fixed64 length of the
//            section uncompressed
//   footer   fixed64 index offset, fixed64 index length, fixed32 index CRC,
//            fixed32 header length, "SBRDBFE1"  (32 bytes)
// A restore reads the footer, header and index, then only the sections of
// the key groups it needs, each verified against its checksum.
#ifndef STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_FULL_SNAPSHOT_H_
#define STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_FULL_SNAPSHOT_H_

#include <rocksdb/db.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/rocksdb/rocksdb_instance.h"
#include "backends/rocksdb/rocksdb_io.h"
#include "backends/snapshot/snapshot_codec.h"
#include "backends/snapshot/snapshot_crypto.h"
#include "base/key_groups.h"
#include "base/status.h"

namespace statebench {

struct FullSnapshotMeta {
  int max_parallelism = 0;
  KeyGroupRange key_groups;
  int64_t checkpoint_id = 0;
  std::vector<StateSpec> states;  // the state index in entries refers here
};

// Writes every entry of `cfs` (parallel to meta.states) visible in
// `snapshot` and inside meta.key_groups to `sink`, then finishes the sink.
// Safe to run while other threads write to `db`. With a compression each
// key-group section is buffered whole and compressed; *stats (optional)
// receives sizes and codec CPU time.
Status WriteFullSnapshot(rocksdb::DB* db, const rocksdb::Snapshot* snapshot,
                         const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                         const FullSnapshotMeta& meta, ByteSink* sink,
                         const SnapshotCodecOptions& codec = {},
                         SnapshotCodecStats* stats = nullptr);

inline constexpr char kFullSnapshotFormat[] = "rocksdb-full/1";

// The envelope header of an encrypted full snapshot: `file` is
// "chk-<id>/<name>" relative to the checkpoint root.
EnvelopeHeader FullSnapshotEnvelopeHeader(int64_t checkpoint_id,
                                          KeyGroupRange key_groups,
                                          std::string file);

// Reads a snapshot written by WriteFullSnapshot. Not thread-safe.
class FullSnapshotReader {
 public:
  using EntryFn = std::function<Status(uint32_t state_index,
                                       std::string_view key_without_prefix,
                                       std::string_view value)>;

  // Reads and verifies footer, header and index. Corruption names `what`
  // (the file) for any mismatch.
  static Result<std::unique_ptr<FullSnapshotReader>> Open(
      std::unique_ptr<ByteSource> source, std::string what);

  const FullSnapshotMeta& meta() const { return meta_; }
  // Calls fn for every entry of `key_group` (within meta().key_groups)
  // after verifying the section's checksum; stops at fn's first error.
  Status ForEachEntry(int key_group, const EntryFn& fn);
  uint64_t bytes_read() const { return source_->bytes_read(); }
  const SnapshotCodecStats& codec_stats() const { return codec_stats_; }

 private:
  FullSnapshotReader() = default;
  Status ReadHeader(uint64_t header_length);
  Status ReadIndex(uint64_t offset, uint64_t length, uint32_t crc);

  struct Section {
    uint64_t offset;
    uint64_t length;
    uint32_t crc;
    uint64_t raw_length;
  };
  std::unique_ptr<ByteSource> source_;
  uint32_t version_ = 1;
  SnapshotCompression compression_ = SnapshotCompression::kNone;
  SnapshotCodecStats codec_stats_;
  std::string raw_;
  std::string what_;
  FullSnapshotMeta meta_;
  std::vector<Section> sections_;
  std::string buffer_;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_FULL_SNAPSHOT_H_
