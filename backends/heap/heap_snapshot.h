// The canonical snapshot of the heap backends (memory and fs), one format for
// both storages. Internal to backends/.
//
// Layout (integers little-endian; varint = unsigned LEB128; bytes = varint
// length followed by that many bytes):
//   header   "SBHEAPS1", fixed32 version (1, or 2 when compressed),
//            fixed32 max_parallelism,
//            fixed32 first key group, fixed32 last key group,
//            fixed64 checkpoint id, varint state count,
//            per state: u8 kind (0 value, 1 list, 2 map), bytes name;
//            version 2 only: u8 compression (SnapshotCompression);
//            fixed32 CRC-32C of the header bytes before it
//   sections one per key group of the range, in order; each a run of state
//            blocks: varint state index (into the header's states), varint
//            entry count, then the entries:
//              value: bytes key, bytes namespace, bytes value
//              list:  bytes key, bytes namespace, varint n, n x bytes element
//              map:   bytes key, bytes namespace, varint n,
//                     n x (bytes user key, bytes value)
//            (an empty key group is an empty section); in version 2 each
//            section is compressed on its own
//   index    per key group: fixed64 offset, fixed64 length, fixed32 CRC-32C
//            of the section (as stored); version 2 adds fixed64 length of
//            the section uncompressed
//   footer   fixed64 index offset, fixed64 index length, fixed32 index CRC,
//            fixed32 header length, fixed32 CRC-32C of the footer's first 24
//            bytes, "SBHEAPE1"  (36 bytes)
// A restore reads the footer, the header and the index, then only the
// sections of the key groups it needs, each checked against its CRC before
// it is decompressed and decoded. Any mismatch is Corruption naming the
// snapshot and the part. Uncompressed snapshots are written as version 1,
// byte for byte what earlier builds wrote.
#ifndef STATEBENCH_BACKENDS_HEAP_HEAP_SNAPSHOT_H_
#define STATEBENCH_BACKENDS_HEAP_HEAP_SNAPSHOT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/heap/heap_state.h"
#include "backends/snapshot/snapshot_codec.h"
#include "base/key_groups.h"
#include "base/status.h"

namespace statebench {

inline constexpr uint32_t kHeapSnapshotVersion = 1;
inline constexpr uint32_t kHeapSnapshotCompressedVersion = 2;
inline constexpr std::string_view kHeapSnapshotFormat =
    "statebench.heap-snapshot/1";

// CRC-32C (Castagnoli), continuing the checksum `crc` of earlier bytes
// (0 to start). Uses SSE4.2 when the CPU has it.
uint32_t SnapshotCrc32c(uint32_t crc, std::string_view data);

// Where a snapshot is written. Append() is called with chunks in order.
class SnapshotSink {
 public:
  virtual ~SnapshotSink() = default;
  virtual Status Append(std::string_view data) = 0;
};

// Serializes `capture`, returning the number of bytes appended to `sink`.
// Reads only the capture, so it may run on any thread. Fails only when the
// sink fails. With a compression, each key-group section is buffered whole
// and compressed; *stats (optional) receives sizes and codec CPU time.
Result<uint64_t> WriteHeapSnapshot(const HeapCapture& capture,
                                   SnapshotSink* sink,
                                   const SnapshotCodecOptions& codec = {},
                                   SnapshotCodecStats* stats = nullptr);

// Random access to a written snapshot. Counts the bytes it reads.
class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  virtual uint64_t size() const = 0;
  // The `n` bytes at `offset`: a view into the source or into *scratch,
  // valid until the next call. Corruption when the range is out of bounds.
  virtual Result<std::string_view> ReadAt(uint64_t offset, size_t n,
                                          std::string* scratch) = 0;
  uint64_t bytes_read() const { return bytes_read_; }

 protected:
  uint64_t bytes_read_ = 0;
};

// A snapshot held in memory (jobmanager storage).
class StringSnapshotSource : public SnapshotSource {
 public:
  explicit StringSnapshotSource(std::shared_ptr<const std::string> data)
      : data_(std::move(data)) {}
  uint64_t size() const override { return data_->size(); }
  Result<std::string_view> ReadAt(uint64_t offset, size_t n,
                                  std::string* scratch) override;

 private:
  std::shared_ptr<const std::string> data_;
};

// Reads one snapshot. Not thread-safe; the source must outlive the reader.
class HeapSnapshotReader {
 public:
  // Reads and verifies footer, header and index. `what` names the snapshot
  // in error messages (a file path or "checkpoint 7 (in memory)").
  static Result<std::unique_ptr<HeapSnapshotReader>> Open(
      SnapshotSource* source, std::string what);

  int max_parallelism() const { return max_parallelism_; }
  KeyGroupRange key_groups() const { return key_groups_; }
  int64_t checkpoint_id() const { return checkpoint_id_; }
  const std::vector<StateDescriptor>& states() const { return states_; }
  const std::string& what() const { return what_; }
  SnapshotCompression compression() const { return compression_; }
  // Decompression work done so far.
  const SnapshotCodecStats& codec_stats() const { return codec_stats_; }

  // Decodes key group `key_group` into *partition, storing the snapshot's
  // state i under state_ids[i]. On failure *partition holds part of the
  // group and must be discarded.
  Status ReadKeyGroup(int key_group, const std::vector<StateId>& state_ids,
                      HeapPartition* partition);

 private:
  struct Section {
    uint64_t offset;
    uint64_t length;
    uint32_t crc;
    uint64_t raw_length;
  };
  HeapSnapshotReader(SnapshotSource* source, std::string what)
      : source_(source), what_(std::move(what)) {}
  Status ParseHeader(std::string_view header);
  Status ParseIndex(std::string_view index, uint64_t header_length,
                    uint64_t index_offset);
  Status Corrupt(std::string_view detail) const;

  SnapshotSource* source_;
  std::string what_;
  std::string scratch_;
  std::string raw_;
  uint32_t version_ = kHeapSnapshotVersion;
  SnapshotCompression compression_ = SnapshotCompression::kNone;
  SnapshotCodecStats codec_stats_;
  int max_parallelism_ = 0;
  KeyGroupRange key_groups_;
  int64_t checkpoint_id_ = 0;
  std::vector<StateDescriptor> states_;
  std::vector<Section> sections_;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_HEAP_HEAP_SNAPSHOT_H_
