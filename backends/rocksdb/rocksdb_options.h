// Options of the rocksdb backend (BackendConfig::options) and the RocksDB
// objects built from them. Internal to backends/ and its tests.
#ifndef STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_OPTIONS_H_
#define STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_OPTIONS_H_

#include <rocksdb/options.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "backends/snapshot/snapshot_codec.h"
#include "backends/snapshot/snapshot_crypto.h"
#include "backends/state_backend.h"
#include "base/status.h"

namespace rocksdb {
class Cache;
class Statistics;
}  // namespace rocksdb

namespace statebench {

// Validated settings. Defaults follow Flink's EmbeddedRocksDBStateBackend
// where it has one.
struct RocksDbSettings {
  uint64_t block_cache_size = 64ull << 20;   // shared by all column families
  uint64_t write_buffer_size = 64ull << 20;  // per column family memtable
  // SST block compression: none | snappy | lz4 | zstd. RocksDB's (and so
  // Flink's) default: snappy.
  std::string block_compression = "snappy";
  // Compression of full checkpoint snapshots (per key-group section).
  SnapshotCodecOptions snapshot_codec;
  // Encrypts the files statebench writes to checkpoint storage; null = off.
  std::shared_ptr<const EncryptionKey> encryption_key;
  // Flink disables the WAL: checkpoints, not the log, make state durable.
  bool wal = false;
  int retained_checkpoints = 1;  // Flink's state.checkpoints.num-retained
  int max_background_jobs = 2;   // Flink's state.backend.rocksdb.thread.num
  // O_DIRECT reads, as db_bench's --use_direct_reads: the block cache is
  // then the only cache of SST blocks, as on a node whose state exceeds
  // its memory (the page cache would otherwise hold a small machine's
  // whole state).
  bool use_direct_reads = false;
  // Restore an incremental checkpoint by hard-linking its SST files where
  // the filesystem allows (Flink's local recovery); off: copy every file
  // from checkpoint storage, as Flink does by default.
  bool local_recovery = true;
};

// The options the factory accepts, with defaults and help, for BackendInfo.
std::vector<BackendOptionInfo> RocksDbOptionInfos();

// Parses and validates `options`. InvalidArgument naming the option for an
// unknown name (listing the known ones) or a bad value.
Result<RocksDbSettings> ParseRocksDbSettings(
    const std::map<std::string, std::string>& options);

// The effective settings as option name -> normalized value (sizes in
// bytes), e.g. for echoing into results.
std::map<std::string, std::string> EffectiveOptionMap(const RocksDbSettings& s);

// Parses "67108864", "64MiB", "64mb", "64m", "512KiB", "1GiB" (all binary
// multiples, like Flink's MemorySize). InvalidArgument if malformed.
Result<uint64_t> ParseByteSize(const std::string& text);

// The RocksDB objects one backend instance shares across the databases it
// opens (restores open new ones): statistics survive a restore, so IoStats
// stay cumulative since Open. Immutable after Make(); thread-safe.
class RocksDbResources {
 public:
  static std::shared_ptr<const RocksDbResources> Make(
      const RocksDbSettings& settings);

  const RocksDbSettings& settings() const { return settings_; }
  const std::shared_ptr<rocksdb::Statistics>& statistics() const {
    return statistics_;
  }
  rocksdb::DBOptions MakeDbOptions() const;
  rocksdb::ColumnFamilyOptions MakeCfOptions(StateKind kind) const;

 private:
  RocksDbSettings settings_;
  std::shared_ptr<rocksdb::Statistics> statistics_;
  std::shared_ptr<rocksdb::Cache> block_cache_;  // null when size is 0
  std::shared_ptr<rocksdb::MergeOperator> list_merge_;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_OPTIONS_H_
