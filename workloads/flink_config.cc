#include "workloads/flink_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>

#include "base/file_util.h"
#include "base/text_check.h"
#include "workloads/yaml_position.h"

namespace statebench {
namespace {

constexpr const char* kRocksPrefix = "state.backend.rocksdb.";

// The value of one key as the file gives it.
struct Leaf {
  std::string key;
  std::string value;                // a list joined with ';'
  std::vector<std::string> values;  // the items (one for a scalar)
  YAML::Mark mark;
  bool consumed = false;
};

enum class BackendType {
  kRocksDb,
  kHashMap,
  kLegacyFilesystem,  // Flink's FsStateBackend
  kLegacyJobManager,  // Flink's MemoryStateBackend
  kForSt,
  kUnknown,
};

// state.backend.type as Flink reads it: a short name or a factory class.
BackendType ClassifyBackendType(std::string_view value) {
  std::string t = AsciiLower(TrimSpace(value));
  if (auto dot = t.rfind('.'); dot != std::string::npos) t = t.substr(dot + 1);
  if (t == "rocksdb" || t == "embeddedrocksdb" ||
      t == "embeddedrocksdbstatebackendfactory" ||
      t == "rocksdbstatebackendfactory") {
    return BackendType::kRocksDb;
  }
  if (t == "hashmap" || t == "hashmapstatebackendfactory") {
    return BackendType::kHashMap;
  }
  if (t == "filesystem") return BackendType::kLegacyFilesystem;
  if (t == "jobmanager") return BackendType::kLegacyJobManager;
  if (t == "forst" || t == "forststatebackendfactory") {
    return BackendType::kForSt;
  }
  return BackendType::kUnknown;
}

// Why a key the file may well hold does nothing here; keys not listed get
// the generic reason.
const std::map<std::string, std::string>& KnownUnusedReasons() {
  static const std::map<std::string, std::string> kReasons = {
      {"execution.checkpointing.mode",
       "statebench checkpoints are always aligned exactly-once snapshots of "
       "state"},
      {"execution.checkpointing.unaligned",
       "unaligned checkpoints persist in-flight data, which statebench has "
       "none of; state snapshots are the same"},
      {"execution.checkpointing.max-concurrent-checkpoints",
       "statebench runs one checkpoint at a time"},
      {"state.backend.local-recovery",
       "rocksdb restores from local files anyway; the restore mode is in the "
       "results"},
      {"state.backend.changelog.enabled",
       "the changelog state backend is not modelled"},
      {"state.changelog.enabled",
       "the changelog state backend is not modelled"},
      {"state.savepoints.dir", "statebench takes no savepoints"},
      {"execution.checkpointing.savepoint-dir",
       "statebench takes no savepoints"},
      {"state.backend.rocksdb.writebuffer.count",
       "the rocksdb backend has no option for the memtable count (RocksDB's "
       "default of 2 applies)"},
      {"state.backend.rocksdb.compaction.style",
       "the rocksdb backend has no option for the compaction style (level "
       "compaction applies)"},
      {"state.backend.rocksdb.memory.high-prio-pool-ratio",
       "the rocksdb backend has no option for the block cache's high-priority "
       "pool"},
      {"state.backend.rocksdb.memory.partitioned-index-filters",
       "the rocksdb backend has no option for partitioned index/filters"},
      {"state.backend.rocksdb.use-bloom-filter",
       "the rocksdb backend has no option for bloom filters"},
      {"state.backend.rocksdb.localdir",
       "rocksdb files go to a private temporary directory"},
      {"state.backend.rocksdb.timer-service.factory",
       "statebench's workloads keep no timers in state"},
      {"taskmanager.memory.managed.size",
       "managed memory is not modelled; see "
       "state.backend.rocksdb.memory.fixed-per-slot"},
      {"taskmanager.memory.managed.fraction",
       "managed memory is not modelled; see "
       "state.backend.rocksdb.memory.fixed-per-slot"},
  };
  return kReasons;
}

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  Result<FlinkConfig> Parse(std::string_view text) {
    out_.path = std::string(source_);
    if (std::optional<size_t> bad = FirstInvalidUtf8(text)) {
      const auto [line, column] = LineColumnAt(text, *bad);
      return Status::InvalidArgument(source_ + ":" + std::to_string(line) +
                                     ":" + std::to_string(column) +
                                     ": not UTF-8 text");
    }
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
      // An empty file is valid to Flink (all defaults), but given to a
      // benchmark it is a wrong or truncated file far more often.
      if (!root.IsMap() || root.size() == 0) {
        return Status::InvalidArgument(
            YamlPosition(source_, root.Mark()) +
            ": a Flink configuration is a mapping of keys to values "
            "(flink-conf.yaml 'key: value' lines or a nested config.yaml); "
            "this file holds none");
      }
      SB_RETURN_IF_ERROR(Flatten(root, ""));
    } catch (const YAML::Exception& e) {
      return Status::InvalidArgument(YamlPosition(source_, e.mark) + ": " +
                                     e.msg +
                                     "; not a Flink configuration file");
    }
    SB_RETURN_IF_ERROR(ApplyBackend());
    SB_RETURN_IF_ERROR(ApplyCheckpointing());
    SB_RETURN_IF_ERROR(ApplyParallelism());
    SB_RETURN_IF_ERROR(ApplyRocksDb());
    for (const Leaf& leaf : order_) {
      const Leaf& l = leaves_.at(leaf.key);
      if (l.consumed) continue;
      auto reason = KnownUnusedReasons().find(l.key);
      Note(l, reason != KnownUnusedReasons().end()
                  ? reason->second
                  : (l.key.rfind(kRocksPrefix, 0) == 0
                         ? "the rocksdb backend has no option for it"
                         : "not used by statebench"));
    }
    // In file order, whichever rule noted them.
    std::stable_sort(
        notes_.begin(), notes_.end(),
        [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [line, note] : notes_) out_.notes.push_back(std::move(note));
    return std::move(out_);
  }

 private:
  Status Error(const Leaf& l, const std::string& what) const {
    return Status::InvalidArgument(YamlPosition(source_, l.mark) + ": " +
                                   l.key + ": " + what);
  }

  void Note(const Leaf& l, const std::string& why) {
    notes_.emplace_back(l.mark.line, "flink config " + source_ + ":" +
                                         std::to_string(l.mark.line + 1) +
                                         ": " + l.key + " (" + l.value +
                                         "): " + why);
  }

  // Nested mappings join their keys with '.', so "state: {backend: {type:
  // x}}" and "state.backend.type: x" are the same key.
  Status Flatten(const YAML::Node& map, const std::string& prefix) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      // Copies: the iterator's pair is a temporary.
      const YAML::Node k = it->first;
      const YAML::Node v = it->second;
      if (!k.IsScalar() || k.Scalar().empty()) {
        return Status::InvalidArgument(YamlPosition(source_, k.Mark()) +
                                       ": a key must be a plain name");
      }
      const std::string key =
          prefix.empty() ? k.Scalar() : prefix + "." + k.Scalar();
      Leaf leaf;
      leaf.key = key;
      leaf.mark = v.IsNull() ? k.Mark() : v.Mark();
      if (v.IsMap()) {
        SB_RETURN_IF_ERROR(Flatten(v, key));
        continue;
      }
      if (v.IsScalar()) {
        leaf.value = v.Scalar();
        leaf.values = {leaf.value};
      } else if (v.IsSequence()) {
        for (const YAML::Node& item : v) {
          if (!item.IsScalar()) {
            return Status::InvalidArgument(YamlPosition(source_, item.Mark()) +
                                           ": " + key +
                                           ": a list holds single values only");
          }
          leaf.values.push_back(item.Scalar());
          leaf.value += (leaf.value.empty() ? "" : ";") + item.Scalar();
        }
      }
      // A key without a value (Flink ignores it) keeps value "".
      SB_RETURN_IF_ERROR(Add(std::move(leaf)));
    }
    return Status::Ok();
  }

  Status Add(Leaf leaf) {
    // yaml-cpp turns some control bytes of valid UTF-8 input into bytes
    // that are not (NUL becomes a lone 0x85), so its output is checked too.
    if (FirstInvalidUtf8(leaf.key) || FirstInvalidUtf8(leaf.value)) {
      return Status::InvalidArgument(YamlPosition(source_, leaf.mark) +
                                     ": not UTF-8 text");
    }
    auto it = leaves_.find(leaf.key);
    if (it == leaves_.end()) {
      order_.push_back(leaf);
      leaves_.emplace(leaf.key, std::move(leaf));
      return Status::Ok();
    }
    if (TrimSpace(it->second.value) != TrimSpace(leaf.value)) {
      return Error(leaf, "'" + leaf.value + "' conflicts with '" +
                             it->second.value + "' at " +
                             YamlPosition(source_, it->second.mark));
    }
    return Status::Ok();
  }

  // The first of `names` the file gives (names of one option across Flink
  // versions); InvalidArgument when two of them disagree.
  Result<Leaf*> Get(std::initializer_list<const char*> names) {
    Leaf* found = nullptr;
    for (const char* name : names) {
      auto it = leaves_.find(name);
      if (it == leaves_.end()) continue;
      it->second.consumed = true;
      if (found == nullptr) {
        found = &it->second;
      } else if (AsciiLower(TrimSpace(found->value)) !=
                 AsciiLower(TrimSpace(it->second.value))) {
        return Error(it->second, "'" + it->second.value + "' conflicts with " +
                                     found->key + ": '" + found->value +
                                     "' at " +
                                     YamlPosition(source_, found->mark));
      }
    }
    return found;
  }

  void Use(const Leaf& l, std::string setting, std::string value) {
    for (FlinkKeyUse& u : out_.used) {
      if (u.key == l.key) {
        u.sets.emplace_back(std::move(setting), std::move(value));
        return;
      }
    }
    FlinkKeyUse u;
    u.key = l.key;
    u.value = l.value;
    u.line = l.mark.line + 1;
    u.column = l.mark.column + 1;
    u.sets.emplace_back(std::move(setting), std::move(value));
    out_.used.push_back(std::move(u));
  }

  Result<bool> Bool(const Leaf& l) {
    Result<bool> b = ParseFlinkBool(l.value);
    if (!b.ok()) return Error(l, b.status().message());
    return *b;
  }

  Result<int64_t> Int(const Leaf& l, int64_t lo, int64_t hi) {
    const std::string_view t = TrimSpace(l.value);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size() ||
        v < lo || v > hi) {
      return Error(l, "'" + l.value + "' is not an integer in [" +
                          std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return v;
  }

  Result<uint64_t> Duration(const Leaf& l, uint64_t lo_ms, uint64_t hi_ms) {
    Result<uint64_t> ms = ParseFlinkDuration(l.value);
    if (!ms.ok()) return Error(l, ms.status().message());
    if (*ms < lo_ms || *ms > hi_ms) {
      return Error(l, "'" + l.value + "' is outside [" + std::to_string(lo_ms) +
                          " ms, " + std::to_string(hi_ms) + " ms]");
    }
    return *ms;
  }

  Result<uint64_t> Size(const Leaf& l) {
    Result<uint64_t> bytes = ParseFlinkMemorySize(l.value);
    if (!bytes.ok()) return Error(l, bytes.status().message());
    return *bytes;
  }

  void SetBackendOption(const Leaf& l, const std::string& backend,
                        const std::string& name, const std::string& value) {
    out_.run.backend_options[backend][name] = value;
    Use(l, "backend_options." + backend + "." + name, value);
  }

  // state.backend.type with the checkpoint storage: Flink's hashmap backend
  // is `memory` with jobmanager storage and `fs` with filesystem storage,
  // which Flink picks when a checkpoint directory is configured.
  Status ApplyBackend() {
    SB_ASSIGN_OR_RETURN(Leaf * type,
                        Get({"state.backend.type", "state.backend"}));
    SB_ASSIGN_OR_RETURN(Leaf * storage, Get({"execution.checkpointing.storage",
                                             "state.checkpoint-storage"}));
    SB_ASSIGN_OR_RETURN(Leaf * dir, Get({"execution.checkpointing.dir",
                                         "state.checkpoints.dir"}));
    std::string storage_name;
    if (storage != nullptr) {
      storage_name = AsciiLower(TrimSpace(storage->value));
      if (storage_name != "jobmanager" && storage_name != "filesystem") {
        return Error(*storage, "'" + storage->value +
                                   "' is not a checkpoint storage statebench "
                                   "knows: jobmanager or filesystem");
      }
    }
    if (dir != nullptr) {
      Note(*dir,
           "checkpoints go to a private temporary directory, not to this one");
    }
    if (type == nullptr) {
      if (storage != nullptr) {
        Note(*storage, "no state.backend.type names a backend to apply it to");
      }
      return Status::Ok();
    }
    std::string backend;
    std::string implied_storage;
    switch (ClassifyBackendType(type->value)) {
      case BackendType::kRocksDb:
        backend = "rocksdb";
        if (storage != nullptr) {
          Note(*storage,
               "rocksdb checkpoints always go to files in a temporary "
               "directory");
        }
        break;
      case BackendType::kHashMap: {
        const bool filesystem =
            storage != nullptr ? storage_name == "filesystem" : dir != nullptr;
        backend = filesystem ? "fs" : "memory";
        if (storage == nullptr && dir != nullptr) Use(*dir, "backend", backend);
        if (storage == nullptr && dir == nullptr) {
          Note(*type,
               "without a checkpoint directory Flink keeps hashmap "
               "checkpoints on the JobManager (capped at 5 MiB): the memory "
               "backend; set execution.checkpointing.dir for fs");
        }
        break;
      }
      case BackendType::kLegacyFilesystem:
        backend = "fs";
        implied_storage = "filesystem";
        break;
      case BackendType::kLegacyJobManager:
        backend = "memory";
        implied_storage = "jobmanager";
        break;
      case BackendType::kForSt:
        return Error(*type,
                     "ForSt (disaggregated state on remote object storage) "
                     "has no statebench equivalent; use rocksdb, the embedded "
                     "backend ForSt derives from");
      case BackendType::kUnknown:
        return Error(*type,
                     "'" + type->value +
                         "' is not a state backend statebench can map; known: "
                         "hashmap (memory or fs by checkpoint storage), "
                         "rocksdb, embeddedrocksdb, and the legacy filesystem "
                         "(fs) and jobmanager (memory)");
    }
    if (!implied_storage.empty() && storage != nullptr &&
        storage_name != implied_storage) {
      return Error(*storage, "'" + storage->value + "' conflicts with " +
                                 type->key + ": '" + type->value + "' at " +
                                 YamlPosition(source_, type->mark));
    }
    out_.backend = backend;
    Use(*type, "backend", backend);
    if (storage != nullptr && backend != "rocksdb") {
      Use(*storage, "backend", backend);
    }
    return Status::Ok();
  }

  Status ApplyCheckpointing() {
    constexpr uint64_t kMaxMs = UINT32_MAX;
    SB_ASSIGN_OR_RETURN(Leaf * incremental,
                        Get({"execution.checkpointing.incremental",
                             "state.backend.incremental"}));
    if (incremental != nullptr) {
      SB_ASSIGN_OR_RETURN(bool on, Bool(*incremental));
      out_.run.checkpoint_type = on ? "incremental" : "full";
      Use(*incremental, "checkpoint.type", *out_.run.checkpoint_type);
    }
    SB_ASSIGN_OR_RETURN(Leaf * interval,
                        Get({"execution.checkpointing.interval"}));
    if (interval != nullptr) {
      // Flink refuses intervals under 10 ms.
      SB_ASSIGN_OR_RETURN(uint64_t ms, Duration(*interval, 10, kMaxMs));
      out_.run.checkpoint_interval_ms = static_cast<uint32_t>(ms);
      Use(*interval, "checkpoint.interval_ms", std::to_string(ms));
    }
    SB_ASSIGN_OR_RETURN(Leaf * pause,
                        Get({"execution.checkpointing.min-pause"}));
    if (pause != nullptr) {
      SB_ASSIGN_OR_RETURN(uint64_t ms, Duration(*pause, 0, kMaxMs));
      out_.run.checkpoint_min_pause_ms = static_cast<uint32_t>(ms);
      Use(*pause, "checkpoint.min_pause_ms", std::to_string(ms));
    }
    SB_ASSIGN_OR_RETURN(Leaf * timeout,
                        Get({"execution.checkpointing.timeout"}));
    if (timeout != nullptr) {
      // The bounds of --checkpoint-timeout.
      SB_ASSIGN_OR_RETURN(uint64_t ms, Duration(*timeout, 1, 86'400'000));
      out_.run.checkpoint_timeout_ms = static_cast<uint32_t>(ms);
      Use(*timeout, "checkpoint.timeout_ms", std::to_string(ms));
    }
    SB_ASSIGN_OR_RETURN(Leaf * retained,
                        Get({"execution.checkpointing.num-retained",
                             "state.checkpoints.num-retained"}));
    if (retained != nullptr) {
      SB_ASSIGN_OR_RETURN(int64_t n, Int(*retained, 1, 1000));
      for (const char* backend : {"fs", "rocksdb"}) {
        SetBackendOption(*retained, backend, "retained_checkpoints",
                         std::to_string(n));
      }
    }
    return Status::Ok();
  }

  Status ApplyParallelism() {
    SB_ASSIGN_OR_RETURN(Leaf * p, Get({"parallelism.default"}));
    if (p != nullptr) {
      SB_ASSIGN_OR_RETURN(int64_t n, Int(*p, 1, 1024));
      out_.run.parallelism = static_cast<int>(n);
      Use(*p, "parallelism", std::to_string(n));
    }
    SB_ASSIGN_OR_RETURN(Leaf * max, Get({"pipeline.max-parallelism"}));
    if (max != nullptr) {
      // -1 is Flink's "derive it from the parallelism".
      SB_ASSIGN_OR_RETURN(int64_t n, Int(*max, -1, 32768));
      if (n == 0) return Error(*max, "'0' is not a max parallelism");
      out_.run.max_parallelism = n < 0 ? 0 : static_cast<int>(n);
      Use(*max, "max_parallelism", std::to_string(*out_.run.max_parallelism));
    }
    return Status::Ok();
  }

  Status ApplyRocksDb() {
    SB_RETURN_IF_ERROR(ApplyRocksDbMemory());
    SB_ASSIGN_OR_RETURN(Leaf * wb,
                        Get({"state.backend.rocksdb.writebuffer.size"}));
    if (wb != nullptr) {
      SB_ASSIGN_OR_RETURN(uint64_t bytes, Size(*wb));
      if (bytes < (64u << 10) || bytes > (4ull << 30)) {
        return Error(*wb, "'" + wb->value +
                              "' is outside the rocksdb backend's "
                              "write_buffer_size range [64kb, 4gb]");
      }
      SetBackendOption(*wb, "rocksdb", "write_buffer_size",
                       std::to_string(bytes));
    }
    SB_ASSIGN_OR_RETURN(Leaf * threads,
                        Get({"state.backend.rocksdb.thread.num"}));
    if (threads != nullptr) {
      SB_ASSIGN_OR_RETURN(int64_t n, Int(*threads, 1, 64));
      SetBackendOption(*threads, "rocksdb", "max_background_jobs",
                       std::to_string(n));
    }
    return ApplyCompression();
  }

  // RocksDB memory follows Flink's precedence: a fixed size per slot wins;
  // else managed memory (the default) sizes the shared cache, and the
  // per-option block cache size only counts when managed memory is off.
  Status ApplyRocksDbMemory() {
    SB_ASSIGN_OR_RETURN(Leaf * managed,
                        Get({"state.backend.rocksdb.memory.managed"}));
    SB_ASSIGN_OR_RETURN(Leaf * fixed,
                        Get({"state.backend.rocksdb.memory.fixed-per-slot"}));
    SB_ASSIGN_OR_RETURN(
        Leaf * ratio, Get({"state.backend.rocksdb.memory.write-buffer-ratio"}));
    SB_ASSIGN_OR_RETURN(Leaf * cache,
                        Get({"state.backend.rocksdb.block.cache-size"}));
    bool managed_on = true;
    if (managed != nullptr) {
      SB_ASSIGN_OR_RETURN(managed_on, Bool(*managed));
    }
    double write_ratio = 0.5;
    if (ratio != nullptr) {
      char* end = nullptr;
      const std::string v(TrimSpace(ratio->value));
      write_ratio = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(write_ratio > 0 && write_ratio < 1)) {
        return Error(
            *ratio, "'" + ratio->value + "' is not a fraction between 0 and 1");
      }
    }
    if (fixed != nullptr) {
      SB_ASSIGN_OR_RETURN(uint64_t bytes, Size(*fixed));
      // Flink's shared cache capacity for a slot of `bytes`, whose write
      // buffers are charged to the same cache.
      const auto capacity = static_cast<uint64_t>(
          std::floor((3 - write_ratio) * static_cast<double>(bytes) / 3));
      SetBackendOption(*fixed, "rocksdb", "block_cache_size",
                       std::to_string(capacity));
      if (ratio != nullptr) {
        Use(*ratio, "backend_options.rocksdb.block_cache_size",
            std::to_string(capacity));
      }
      Note(*fixed,
           "sizes the block cache as Flink does ((3 - write-buffer-ratio) / "
           "3 of it); memtables are not charged to it, each state keeps "
           "write_buffer_size");
      if (managed != nullptr) {
        Note(*managed, "memory.fixed-per-slot takes precedence, as in Flink");
      }
      if (cache != nullptr) {
        Note(*cache, "memory.fixed-per-slot takes precedence, as in Flink");
      }
    } else if (managed_on) {
      if (managed != nullptr) {
        Note(*managed,
             "managed memory is not modelled: the block cache keeps the "
             "rocksdb backend's block_cache_size (64MiB unless set)");
      }
      if (ratio != nullptr) {
        Note(*ratio, "managed memory is not modelled");
      }
      if (cache != nullptr) {
        Note(*cache,
             "Flink ignores it while state.backend.rocksdb.memory.managed is "
             "true (its default); set that to false to apply it");
      }
    } else {
      if (ratio != nullptr) {
        Note(*ratio, "only used with managed memory or fixed-per-slot");
      }
      if (cache != nullptr) {
        SB_ASSIGN_OR_RETURN(uint64_t bytes, Size(*cache));
        SetBackendOption(*cache, "rocksdb", "block_cache_size",
                         std::to_string(bytes));
        Use(*managed, "backend_options.rocksdb.block_cache_size",
            std::to_string(bytes));
      } else {
        Note(*managed,
             "without block.cache-size the block cache keeps the rocksdb "
             "backend's block_cache_size");
      }
    }
    return Status::Ok();
  }

  // Flink sets a compression per LSM level; the rocksdb backend has one
  // for all levels, so only a uniform list maps.
  Status ApplyCompression() {
    SB_ASSIGN_OR_RETURN(Leaf * per_level,
                        Get({"state.backend.rocksdb.compression.per.level"}));
    if (per_level == nullptr) return Status::Ok();
    static const std::map<std::string, std::string> kMapped = {
        {"NO_COMPRESSION", "none"},
        {"SNAPPY_COMPRESSION", "snappy"},
        {"LZ4_COMPRESSION", "lz4"},
        {"ZSTD_COMPRESSION", "zstd"},
    };
    static const std::set<std::string> kUnmapped = {
        "ZLIB_COMPRESSION", "BZLIB2_COMPRESSION", "LZ4HC_COMPRESSION",
        "XPRESS_COMPRESSION", "DISABLE_COMPRESSION_OPTION"};
    std::vector<std::string> items;
    for (const std::string& v : per_level->values) {
      std::string_view rest = v;
      while (!rest.empty()) {  // Flink 1.x writes a list as "a;b;c"
        const size_t semi = rest.find(';');
        std::string item(TrimSpace(rest.substr(0, semi)));
        std::transform(item.begin(), item.end(), item.begin(),
                       [](unsigned char c) { return std::toupper(c); });
        if (!item.empty()) items.push_back(item);
        rest = semi == std::string_view::npos ? "" : rest.substr(semi + 1);
      }
    }
    if (items.empty()) return Error(*per_level, "names no compression");
    for (const std::string& item : items) {
      if (kMapped.count(item) == 0 && kUnmapped.count(item) == 0) {
        return Error(*per_level,
                     "'" + item +
                         "' is not a RocksDB compression type (e.g. "
                         "NO_COMPRESSION, SNAPPY_COMPRESSION, LZ4_COMPRESSION, "
                         "ZSTD_COMPRESSION)");
      }
    }
    const bool uniform =
        std::all_of(items.begin(), items.end(),
                    [&](const std::string& i) { return i == items.front(); });
    if (!uniform) {
      Note(*per_level,
           "the rocksdb backend compresses every level alike "
           "(block_compression); a per-level list is not applied");
      return Status::Ok();
    }
    auto it = kMapped.find(items.front());
    if (it == kMapped.end()) {
      Note(*per_level, "the rocksdb backend's block_compression has no " +
                           items.front() +
                           " (none, snappy, lz4, zstd); not applied");
      return Status::Ok();
    }
    SetBackendOption(*per_level, "rocksdb", "block_compression", it->second);
    return Status::Ok();
  }

  const std::string source_;
  std::map<std::string, Leaf> leaves_;
  std::vector<Leaf> order_;                         // file order, for the notes
  std::vector<std::pair<int, std::string>> notes_;  // 0-based line, note
  FlinkConfig out_;
};

}  // namespace

Result<FlinkConfig> ParseFlinkConfig(std::string_view text,
                                     std::string_view source) {
  return Reader(source).Parse(text);
}

Result<FlinkConfig> LoadFlinkConfig(const std::string& path) {
  SB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  // Flink's own files are a few hundred lines.
  constexpr size_t kMaxBytes = 1 << 20;
  if (text.size() > kMaxBytes) {
    return Status::InvalidArgument(
        path + ": " + std::to_string(text.size()) +
        " bytes; a Flink configuration file is at most 1 MiB here");
  }
  return ParseFlinkConfig(text, path);
}

}  // namespace statebench
