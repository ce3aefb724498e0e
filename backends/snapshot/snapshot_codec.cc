#include "backends/snapshot/snapshot_codec.h"

#include <lz4.h>
#include <lz4hc.h>
#include <time.h>
#include <zstd.h>

#include <charconv>
#include <limits>

#include "backends/snapshot/snapshot_crypto.h"

namespace statebench {
namespace {

constexpr int kLz4DefaultLevel = 1;
constexpr int kZstdDefaultLevel = 3;
constexpr int kZstdMaxLevel = 19;

int EffectiveLevel(const SnapshotCodecOptions& o) {
  if (o.level != 0) return o.level;
  return o.compression == SnapshotCompression::kZstd ? kZstdDefaultLevel
                                                     : kLz4DefaultLevel;
}

// Adds the thread CPU time since construction to *counter on destruction.
class CpuTimer {
 public:
  explicit CpuTimer(uint64_t* counter)
      : counter_(counter), start_(ThreadCpuNs()) {}
  ~CpuTimer() { *counter_ += ThreadCpuNs() - start_; }

 private:
  uint64_t* counter_;
  uint64_t start_;
};

}  // namespace

std::string_view SnapshotCompressionName(SnapshotCompression c) {
  switch (c) {
    case SnapshotCompression::kNone:
      return "none";
    case SnapshotCompression::kLz4:
      return "lz4";
    case SnapshotCompression::kZstd:
      return "zstd";
  }
  return "unknown";
}

std::vector<BackendOptionInfo> SnapshotCodecOptionInfos() {
  return {{kCompressionOption, "none",
           "checkpoint snapshot compression per key group: none, lz4 or zstd"},
          {kCompressionLevelOption, "",
           "lz4: 1 (fast) or 2..12 (HC); zstd: 1..19; default lz4 1, zstd 3"}};
}

Result<SnapshotCodecOptions> ParseSnapshotCodecOptions(
    std::string_view backend,
    const std::map<std::string, std::string>& options) {
  SnapshotCodecOptions o;
  std::string prefix = std::string(backend) + " option ";
  if (auto it = options.find(kCompressionOption); it != options.end()) {
    const std::string& v = it->second;
    if (v == "none") {
      o.compression = SnapshotCompression::kNone;
    } else if (v == "lz4") {
      o.compression = SnapshotCompression::kLz4;
    } else if (v == "zstd") {
      o.compression = SnapshotCompression::kZstd;
    } else {
      return Status::InvalidArgument(
          prefix + kCompressionOption + "='" + v +
          "': expected none, lz4 or zstd" +
          (backend == "rocksdb" ? " (RocksDB's SST compression is the "
                                  "block_compression option)"
                                : ""));
    }
  }
  if (auto it = options.find(kCompressionLevelOption); it != options.end()) {
    const std::string& v = it->second;
    int max = o.compression == SnapshotCompression::kZstd ? kZstdMaxLevel
                                                          : LZ4HC_CLEVEL_MAX;
    if (o.compression == SnapshotCompression::kNone) {
      return Status::InvalidArgument(prefix + kCompressionLevelOption +
                                     " needs compression=lz4 or zstd");
    }
    int level = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), level);
    if (ec != std::errc() || p != v.data() + v.size() || level < 1 ||
        level > max) {
      return Status::InvalidArgument(
          prefix + kCompressionLevelOption + "='" + v +
          "': expected an integer in [1, " + std::to_string(max) + "] for " +
          std::string(SnapshotCompressionName(o.compression)));
    }
    o.level = level;
  }
  return o;
}

void RecordSnapshotFigures(SnapshotCompression compression,
                           const SnapshotCodecStats& stats, bool encrypted,
                           uint64_t encrypt_cpu_ns, CheckpointHandle* h) {
  h->figures.compression = std::string(SnapshotCompressionName(compression));
  h->figures.uncompressed_size = stats.raw_bytes;
  h->figures.compress_cpu_ns = stats.compress_cpu_ns;
  if (encrypted) {
    h->figures.encryption = kEncryptionName;
    h->figures.encrypt_cpu_ns = encrypt_cpu_ns;
  }
}

void CodecCpuCounters::AddTo(IoStats* stats) const {
  auto add = [stats](const char* name, const std::atomic<uint64_t>& v) {
    uint64_t n = v.load(std::memory_order_relaxed);
    if (n > 0) stats->cpu_ns[name] += n;
  };
  add("compress", compress_ns);
  add("decompress", decompress_ns);
  add("encrypt", encrypt_ns);
  add("decrypt", decrypt_ns);
}

uint64_t ThreadCpuNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

Status CompressBlock(const SnapshotCodecOptions& options, std::string_view raw,
                     std::string* out, SnapshotCodecStats* stats) {
  CpuTimer timer(&stats->compress_cpu_ns);
  stats->raw_bytes += raw.size();
  size_t start = out->size();
  switch (options.compression) {
    case SnapshotCompression::kNone:
      out->append(raw);
      break;
    case SnapshotCompression::kLz4: {
      if (raw.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
        return Status::Internal(
            "a key-group section above 2 GiB cannot be "
            "compressed with lz4");
      }
      int n = static_cast<int>(raw.size());
      out->resize(start + static_cast<size_t>(LZ4_compressBound(n)));
      int level = EffectiveLevel(options);
      int written = level <= 1
                        ? LZ4_compress_default(raw.data(), out->data() + start,
                                               n, LZ4_compressBound(n))
                        : LZ4_compress_HC(raw.data(), out->data() + start, n,
                                          LZ4_compressBound(n), level);
      if (written <= 0 && n > 0)
        return Status::Internal("lz4 compression failed");
      out->resize(start + static_cast<size_t>(written));
      break;
    }
    case SnapshotCompression::kZstd: {
      size_t bound = ZSTD_compressBound(raw.size());
      out->resize(start + bound);
      size_t written = ZSTD_compress(out->data() + start, bound, raw.data(),
                                     raw.size(), EffectiveLevel(options));
      if (ZSTD_isError(written)) {
        return Status::Internal(std::string("zstd compression failed: ") +
                                ZSTD_getErrorName(written));
      }
      out->resize(start + written);
      break;
    }
  }
  stats->stored_bytes += out->size() - start;
  return Status::Ok();
}

Status DecompressBlock(SnapshotCompression compression, std::string_view stored,
                       uint64_t raw_size, std::string* out,
                       SnapshotCodecStats* stats, std::string_view what) {
  CpuTimer timer(&stats->decompress_cpu_ns);
  auto corrupt = [&](std::string_view why) {
    return Status::Corruption(std::string(what) + ": " + std::string(why));
  };
  // The size comes from a checksummed index; the cap only keeps a forged
  // one from asking for an absurd allocation.
  if (raw_size > (uint64_t{1} << 32)) {
    return corrupt("implausible uncompressed size " + std::to_string(raw_size));
  }
  switch (compression) {
    case SnapshotCompression::kNone:
      if (stored.size() != raw_size) return corrupt("section size mismatch");
      out->assign(stored);
      return Status::Ok();
    case SnapshotCompression::kLz4: {
      if (raw_size > static_cast<uint64_t>(LZ4_MAX_INPUT_SIZE) ||
          stored.size() >
              static_cast<size_t>(std::numeric_limits<int>::max())) {
        return corrupt("lz4 section too large");
      }
      out->resize(raw_size);
      int n = LZ4_decompress_safe(stored.data(), out->data(),
                                  static_cast<int>(stored.size()),
                                  static_cast<int>(raw_size));
      if (n < 0 || static_cast<uint64_t>(n) != raw_size) {
        return corrupt("lz4 section does not decompress");
      }
      return Status::Ok();
    }
    case SnapshotCompression::kZstd: {
      out->resize(raw_size);
      size_t n =
          ZSTD_decompress(out->data(), raw_size, stored.data(), stored.size());
      if (ZSTD_isError(n) || n != raw_size) {
        return corrupt("zstd section does not decompress");
      }
      return Status::Ok();
    }
  }
  return corrupt("unknown compression");
}

}  // namespace statebench
