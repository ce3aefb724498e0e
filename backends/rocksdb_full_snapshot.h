// The canonical full snapshot of the rocksdb backend. Internal to backends/.
//
// File layout (integers little-endian unless noted):
//   header   "SBRDBFS1", fixed32 version, fixed32 max_parallelism,
//            fixed32 first key group, fixed32 last key group,
//            fixed64 checkpoint id, varint state count,
//            per state: u8 kind, varint(len) name;
//            fixed32 CRC-32C of the header bytes before it
//   sections one per key group of the range, in order; each a run of
//            entries: varint state index, varint(len) key, varint(len) value,
//            where key is the RocksDB key without its key-group prefix
//   index    per key group: fixed64 offset, fixed64 length, fixed32 CRC-32C
//            of the section
//   footer   fixed64 index offset, fixed64 index length, fixed32 index CRC,
//            fixed32 header length, "SBRDBFE1"  (32 bytes)
// A restore reads the footer, header and index, then only the sections of
// the key groups it needs, each verified against its checksum.
#ifndef STATEBENCH_BACKENDS_ROCKSDB_FULL_SNAPSHOT_H_
#define STATEBENCH_BACKENDS_ROCKSDB_FULL_SNAPSHOT_H_

#include <rocksdb/db.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/key_groups.h"
#include "backends/rocksdb_instance.h"
#include "backends/rocksdb_io.h"
#include "backends/status.h"

namespace statebench {

struct FullSnapshotMeta {
  int max_parallelism = 0;
  KeyGroupRange key_groups;
  int64_t checkpoint_id = 0;
  std::vector<StateSpec> states;  // the state index in entries refers here
};

// Writes every entry of `cfs` (parallel to meta.states) visible in
// `snapshot` and inside meta.key_groups to `sink`, then finishes the sink.
// Safe to run while other threads write to `db`.
Status WriteFullSnapshot(rocksdb::DB* db, const rocksdb::Snapshot* snapshot,
                         const std::vector<rocksdb::ColumnFamilyHandle*>& cfs,
                         const FullSnapshotMeta& meta, ByteSink* sink);

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

 private:
  FullSnapshotReader() = default;
  Status ReadHeader(uint64_t header_length);
  Status ReadIndex(uint64_t offset, uint64_t length, uint32_t crc);

  struct Section {
    uint64_t offset;
    uint64_t length;
    uint32_t crc;
  };
  std::unique_ptr<ByteSource> source_;
  std::string what_;
  FullSnapshotMeta meta_;
  std::vector<Section> sections_;
  std::string buffer_;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_ROCKSDB_FULL_SNAPSHOT_H_
