// Compression of checkpoint snapshots (heap snapshots and rocksdb full
// snapshots), one key-group section at a time, so that a restore of a
// key-group range still reads only that range's bytes. Internal to
// backends/.
//
// Options shared by memory, fs and rocksdb (BackendConfig::options):
//   compression        none | lz4 | zstd            (default none)
//   compression_level  lz4: 1 = LZ4 fast, 2..12 = LZ4 HC level;
//                      zstd: 1..19                  (defaults 1 and 3)
//
// Cost accounting: the codec measures the CPU time of the calling thread
// (CLOCK_THREAD_CPUTIME_ID) around each compress/decompress call. It is the
// one clock inside backends/: only the backend can separate codec time from
// the rest of a checkpoint's async phase. The figures travel in the handle
// metadata (see SnapshotCodecStats) and in IoStats; the harness records them.
//
// Thread safety: the functions are thread-safe; a SnapshotCodecStats is
// owned by one writer or reader thread.
#ifndef STATEBENCH_BACKENDS_SNAPSHOT_SNAPSHOT_CODEC_H_
#define STATEBENCH_BACKENDS_SNAPSHOT_SNAPSHOT_CODEC_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "backends/registry.h"
#include "backends/state_backend.h"
#include "base/status.h"

namespace statebench {

enum class SnapshotCompression : uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };
std::string_view SnapshotCompressionName(SnapshotCompression c);

struct SnapshotCodecOptions {
  SnapshotCompression compression = SnapshotCompression::kNone;
  int level = 0;  // the codec's default when 0
};

inline constexpr char kCompressionOption[] = "compression";
inline constexpr char kCompressionLevelOption[] = "compression_level";

// BackendOptionInfo rows for `compression` and `compression_level`.
std::vector<BackendOptionInfo> SnapshotCodecOptionInfos();

// Parses `compression` and `compression_level` from `options` (other names
// are ignored). InvalidArgument naming the option and the backend for a bad
// value, or for a level without a compression.
Result<SnapshotCodecOptions> ParseSnapshotCodecOptions(
    std::string_view backend,
    const std::map<std::string, std::string>& options);

// Bytes and CPU time of one snapshot's (or restore's) codec work.
struct SnapshotCodecStats {
  uint64_t raw_bytes = 0;     // section bytes before compression
  uint64_t stored_bytes = 0;  // section bytes after compression
  uint64_t compress_cpu_ns = 0;
  uint64_t decompress_cpu_ns = 0;
};

// Appends `raw` compressed to *out. Internal on a codec failure (a bug).
Status CompressBlock(const SnapshotCodecOptions& options, std::string_view raw,
                     std::string* out, SnapshotCodecStats* stats);
// Replaces *out with `stored` decompressed; Corruption naming `what` unless
// it decompresses to exactly `raw_size` bytes.
Status DecompressBlock(SnapshotCompression compression, std::string_view stored,
                       uint64_t raw_size, std::string* out,
                       SnapshotCodecStats* stats, std::string_view what);

// CPU time consumed by the calling thread, in nanoseconds.
uint64_t ThreadCpuNs();

// Records `compression`, `stats` and, when `encrypted`, the encryption and
// its CPU time in h->figures.
void RecordSnapshotFigures(SnapshotCompression compression,
                           const SnapshotCodecStats& stats, bool encrypted,
                           uint64_t encrypt_cpu_ns, CheckpointHandle* h);

// Cumulative codec CPU time of one backend instance, for IoStats::cpu_ns.
// Thread-safe.
struct CodecCpuCounters {
  std::atomic<uint64_t> compress_ns{0};
  std::atomic<uint64_t> decompress_ns{0};
  std::atomic<uint64_t> encrypt_ns{0};
  std::atomic<uint64_t> decrypt_ns{0};
  // Adds the non-zero counters to stats->cpu_ns.
  void AddTo(IoStats* stats) const;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_SNAPSHOT_SNAPSHOT_CODEC_H_
