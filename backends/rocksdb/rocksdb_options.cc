#include "backends/rocksdb/rocksdb_options.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "backends/rocksdb/rocksdb_format.h"

namespace statebench {
namespace {

constexpr const char* kBlockCacheSize = "block_cache_size";
constexpr const char* kWriteBufferSize = "write_buffer_size";
constexpr const char* kBlockCompression = "block_compression";
constexpr const char* kWal = "wal";
constexpr const char* kRetainedCheckpoints = "retained_checkpoints";
constexpr const char* kMaxBackgroundJobs = "max_background_jobs";
constexpr const char* kUseDirectReads = "use_direct_reads";
constexpr const char* kLocalRecovery = "local_recovery";

struct CompressionName {
  const char* name;
  rocksdb::CompressionType type;
};
constexpr CompressionName kCompressions[] = {
    {"none", rocksdb::kNoCompression},
    {"snappy", rocksdb::kSnappyCompression},
    {"lz4", rocksdb::kLZ4Compression},
    {"zstd", rocksdb::kZSTD},
};

rocksdb::CompressionType CompressionTypeOf(const std::string& name) {
  for (const CompressionName& c : kCompressions) {
    if (name == c.name) return c.type;
  }
  return rocksdb::kNoCompression;
}

std::string KnownOptionNames() {
  std::string out;
  for (const BackendOptionInfo& o : RocksDbOptionInfos()) {
    if (!out.empty()) out += ", ";
    out += o.name;
  }
  return out;
}

Status BadValue(const std::string& name, const std::string& value,
                const std::string& expected) {
  return Status::InvalidArgument("rocksdb option " + name + "='" + value +
                                 "': expected " + expected);
}

Result<int> ParseIntInRange(const std::string& name, const std::string& value,
                            int lo, int hi) {
  int v = 0;
  auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || v < lo ||
      v > hi) {
    return BadValue(name, value,
                    "an integer in [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "]");
  }
  return v;
}

Status ApplyOption(const std::string& name, const std::string& value,
                   RocksDbSettings* s) {
  if (name == kBlockCacheSize || name == kWriteBufferSize) {
    auto size = ParseByteSize(value);
    if (!size.ok()) return BadValue(name, value, "a size such as 64MiB");
    if (name == kBlockCacheSize) {
      s->block_cache_size = *size;
    } else {
      if (*size < (64u << 10) || *size > (4ull << 30)) {
        return BadValue(name, value, "a size in [64KiB, 4GiB]");
      }
      s->write_buffer_size = *size;
    }
    return Status::Ok();
  }
  if (name == kBlockCompression) {
    std::string lower = value;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    for (const CompressionName& c : kCompressions) {
      if (lower != c.name) continue;
      auto supported = rocksdb::GetSupportedCompressions();
      if (c.type != rocksdb::kNoCompression &&
          std::find(supported.begin(), supported.end(), c.type) ==
              supported.end()) {
        return BadValue(name, value,
                        "a compression this librocksdb was built with");
      }
      s->block_compression = lower;
      return Status::Ok();
    }
    return BadValue(name, value, "one of none, snappy, lz4, zstd");
  }
  if (name == kCompressionOption || name == kCompressionLevelOption ||
      name == kEncryptionKeyFileOption || name == kEncryptionKeyEnvOption) {
    return Status::Ok();  // parsed together in ParseRocksDbSettings
  }
  if (name == kWal || name == kUseDirectReads || name == kLocalRecovery) {
    bool* flag = name == kWal              ? &s->wal
                 : name == kUseDirectReads ? &s->use_direct_reads
                                           : &s->local_recovery;
    if (value == "on" || value == "true") {
      *flag = true;
    } else if (value == "off" || value == "false") {
      *flag = false;
    } else {
      return BadValue(name, value, "on or off");
    }
    return Status::Ok();
  }
  if (name == kRetainedCheckpoints) {
    SB_ASSIGN_OR_RETURN(s->retained_checkpoints,
                        ParseIntInRange(name, value, 1, 1000));
    return Status::Ok();
  }
  if (name == kMaxBackgroundJobs) {
    SB_ASSIGN_OR_RETURN(s->max_background_jobs,
                        ParseIntInRange(name, value, 1, 64));
    return Status::Ok();
  }
  return Status::InvalidArgument("unknown rocksdb option '" + name +
                                 "'; known options: " + KnownOptionNames());
}

}  // namespace

std::vector<BackendOptionInfo> RocksDbOptionInfos() {
  return {
      {kBlockCacheSize, "64MiB",
       "LRU block cache shared by all states (0 disables it)"},
      {kWriteBufferSize, "64MiB", "memtable size per state (column family)"},
      {kBlockCompression, "snappy",
       "SST block compression: none, snappy, lz4 or zstd"},
      {kWal, "off",
       "write-ahead log; off like Flink, whose checkpoints give durability"},
      {kRetainedCheckpoints, "1",
       "completed checkpoints kept in checkpoint storage"},
      {kMaxBackgroundJobs, "2", "RocksDB flush + compaction threads"},
      {kUseDirectReads, "off",
       "O_DIRECT reads (db_bench's --use_direct_reads): the block cache is "
       "the only cache, as when state exceeds the node's memory"},
      {kLocalRecovery, "on",
       "restore incremental checkpoints by hard-linking SST files (Flink's "
       "local recovery); off copies them from checkpoint storage"},
      {kCompressionOption, "none",
       "full checkpoint snapshot compression per key group: none, lz4 or "
       "zstd"},
      {kCompressionLevelOption, "",
       "lz4: 1 (fast) or 2..12 (HC); zstd: 1..19; default lz4 1, zstd 3"},
      {kEncryptionKeyFileOption, "",
       "encrypt checkpoint files (AES-256-GCM) with the key in this file: "
       "32 raw bytes or 64 hex digits, mode 0600"},
      {kEncryptionKeyEnvOption, "",
       "encrypt checkpoint files with the key (64 hex digits) in this "
       "environment variable"},
  };
}

Result<uint64_t> ParseByteSize(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() &&
         std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  if (digits == 0) {
    return Status::InvalidArgument("'" + text + "' is not a size");
  }
  uint64_t number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number);
  if (ec != std::errc()) {
    return Status::InvalidArgument("'" + text + "' is out of range");
  }
  std::string unit;
  for (size_t i = digits; i < text.size(); ++i) {
    if (text[i] == ' ') continue;
    unit.push_back(
        static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
  }
  int shift = -1;
  if (unit.empty() || unit == "b") shift = 0;
  if (unit == "k" || unit == "kb" || unit == "kib") shift = 10;
  if (unit == "m" || unit == "mb" || unit == "mib") shift = 20;
  if (unit == "g" || unit == "gb" || unit == "gib") shift = 30;
  if (unit == "t" || unit == "tb" || unit == "tib") shift = 40;
  if (shift < 0) {
    return Status::InvalidArgument("'" + text + "' has an unknown size unit");
  }
  if (shift > 0 && number > (UINT64_MAX >> shift)) {
    return Status::InvalidArgument("'" + text + "' is out of range");
  }
  return number << shift;
}

Result<RocksDbSettings> ParseRocksDbSettings(
    const std::map<std::string, std::string>& options) {
  RocksDbSettings s;
  for (const auto& [name, value] : options) {
    SB_RETURN_IF_ERROR(ApplyOption(name, value, &s));
  }
  SB_ASSIGN_OR_RETURN(s.snapshot_codec,
                      ParseSnapshotCodecOptions("rocksdb", options));
  SB_ASSIGN_OR_RETURN(s.encryption_key, LoadEncryptionKey("rocksdb", options));
  return s;
}

std::map<std::string, std::string> EffectiveOptionMap(
    const RocksDbSettings& s) {
  return {
      {kBlockCacheSize, std::to_string(s.block_cache_size)},
      {kWriteBufferSize, std::to_string(s.write_buffer_size)},
      {kBlockCompression, s.block_compression},
      {kCompressionOption,
       std::string(SnapshotCompressionName(s.snapshot_codec.compression))},
      {"encryption", s.encryption_key ? kEncryptionName : "none"},
      {kWal, s.wal ? "on" : "off"},
      {kRetainedCheckpoints, std::to_string(s.retained_checkpoints)},
      {kMaxBackgroundJobs, std::to_string(s.max_background_jobs)},
      {kUseDirectReads, s.use_direct_reads ? "on" : "off"},
      {kLocalRecovery, s.local_recovery ? "on" : "off"},
  };
}

std::shared_ptr<const RocksDbResources> RocksDbResources::Make(
    const RocksDbSettings& settings) {
  auto r = std::make_shared<RocksDbResources>();
  r->settings_ = settings;
  r->statistics_ = rocksdb::CreateDBStatistics();
  // Tickers only: the byte counters IoStats needs, without the per-op
  // timers that would tax every Get and Put.
  r->statistics_->set_stats_level(
      rocksdb::StatsLevel::kExceptHistogramOrTimers);
  if (settings.block_cache_size > 0) {
    r->block_cache_ = rocksdb::NewLRUCache(settings.block_cache_size);
  }
  r->list_merge_ = NewListAppendMergeOperator();
  return r;
}

rocksdb::DBOptions RocksDbResources::MakeDbOptions() const {
  rocksdb::DBOptions o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.max_background_jobs = settings_.max_background_jobs;
  o.statistics = statistics_;
  o.keep_log_file_num = 2;
  o.max_log_file_size = 4 << 20;
  // A restored database must not flush on close a state nobody asked to
  // keep; live state is rebuilt from checkpoints, not from the work dir.
  o.avoid_flush_during_shutdown = true;
  o.use_direct_reads = settings_.use_direct_reads;
  return o;
}

rocksdb::ColumnFamilyOptions RocksDbResources::MakeCfOptions(
    StateKind kind) const {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = settings_.write_buffer_size;
  o.compression = CompressionTypeOf(settings_.block_compression);
  rocksdb::BlockBasedTableOptions table;
  if (block_cache_) {
    table.block_cache = block_cache_;
  } else {
    table.no_block_cache = true;
  }
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (kind == StateKind::kList) o.merge_operator = list_merge_;
  return o;
}

}  // namespace statebench
