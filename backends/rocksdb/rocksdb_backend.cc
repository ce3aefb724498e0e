#include "backends/rocksdb/rocksdb_backend.h"

#include <rocksdb/statistics.h>
#include <rocksdb/transaction_log.h>

#include <cstdio>
#include <random>
#include <utility>

#include "backends/rocksdb/rocksdb_backend_impl.h"
#include "backends/rocksdb/rocksdb_format.h"
#include "base/file_util.h"

namespace statebench {
namespace {

Capabilities CapabilitiesFor(bool durable) {
  Capabilities c;
  c.durable = durable;
  c.incremental = true;
  c.remote = false;
  c.exactly_once = true;
  c.memory_bound = false;
  c.rescale_mode = RescaleMode::kClipDeleteRange;
  return c;
}

bool ValidStateName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string RandomToken() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[16];
  std::snprintf(buf, sizeof buf, "%012llx",
                static_cast<unsigned long long>(v & 0xffffffffffffull));
  return buf;
}

Status ValidateConfig(const BackendConfig& c) {
  if (c.max_parallelism < 1 || c.max_parallelism > kUpperBoundMaxParallelism) {
    return Status::InvalidArgument(
        "rocksdb: max parallelism " + std::to_string(c.max_parallelism) +
        " is outside [1, " + std::to_string(kUpperBoundMaxParallelism) + "]");
  }
  if (!c.key_groups.empty() &&
      (c.key_groups.start < 0 || c.key_groups.end >= c.max_parallelism)) {
    return Status::InvalidArgument(
        "rocksdb: key groups " + c.key_groups.ToString() +
        " are outside max parallelism " + std::to_string(c.max_parallelism));
  }
  if (c.checkpoint_type == CheckpointType::kIncremental &&
      c.checkpoint_dir.empty()) {
    return Status::InvalidArgument(
        "rocksdb: incremental checkpoints need filesystem checkpoint storage "
        "(a checkpoint_dir)");
  }
  return Status::Ok();
}

}  // namespace

BackendInfo RocksDbBackendInfo() {
  BackendInfo info;
  info.name = "rocksdb";
  info.flink_analogue = "EmbeddedRocksDBStateBackend";
  info.description =
      "embedded RocksDB, one column family per state, key-group-prefixed "
      "keys; full (snapshot file) or incremental (shared SSTs) checkpoints";
  info.capabilities = CapabilitiesFor(true);
  info.embedded = true;
  info.options = RocksDbOptionInfos();
  return info;
}

Result<std::shared_ptr<const BackendSettings>> ParseRocksDbOptions(
    const std::map<std::string, std::string>& options) {
  SB_ASSIGN_OR_RETURN(RocksDbSettings s, ParseRocksDbSettings(options));
  return MakeBackendSettings(std::move(s));
}

Result<std::unique_ptr<StateBackend>> CreateRocksDbBackend(
    const BackendConfig& config) {
  SB_RETURN_IF_ERROR(ValidateConfig(config));
  SB_ASSIGN_OR_RETURN(
      auto settings, SettingsFor<RocksDbSettings>(config, ParseRocksDbOptions));
  SB_ASSIGN_OR_RETURN(auto backend,
                      RocksDbBackend::Open(config, settings->value));
  return std::unique_ptr<StateBackend>(std::move(backend));
}

Result<std::string> RocksDbCompactionStats(StateBackend* backend) {
  auto* rocks = dynamic_cast<RocksDbBackend*>(backend);
  if (rocks == nullptr) {
    return Status::InvalidArgument(
        "RocksDbCompactionStats needs the rocksdb backend itself, not a "
        "decorator or another backend");
  }
  return rocks->CompactionStats();
}

Result<std::map<std::string, std::string>> RocksDbEffectiveOptions(
    const StateBackend* backend) {
  auto* rocks = dynamic_cast<const RocksDbBackend*>(backend);
  if (rocks == nullptr) {
    return Status::InvalidArgument(
        "RocksDbEffectiveOptions needs the rocksdb backend itself");
  }
  return rocks->EffectiveOptions();
}

Result<std::unique_ptr<RocksDbBackend>> RocksDbBackend::Open(
    const BackendConfig& config, const RocksDbSettings& settings) {
  std::unique_ptr<RocksDbBackend> b(new RocksDbBackend());
  b->config_ = config;
  b->res_ = RocksDbResources::Make(settings);
  b->ledger_ = std::make_shared<CheckpointLedger>(
      config.checkpoint_dir, settings.retained_checkpoints);
  b->counters_ = std::make_shared<RocksDbCounters>();
  b->prefix_bytes_ = KeyGroupPrefixBytes(config.max_parallelism);
  b->write_options_.disableWAL = !settings.wal;
  if (config.work_dir.empty()) {
    SB_ASSIGN_OR_RETURN(b->work_dir_, MakeTempDirectory("statebench-rocksdb-"));
    b->owns_work_dir_ = true;
  } else {
    b->work_dir_ = config.work_dir;
    SB_RETURN_IF_ERROR(EnsureDirectory(b->work_dir_));
  }
  if (!config.checkpoint_dir.empty()) {
    SB_RETURN_IF_ERROR(EnsureDirectory(config.checkpoint_dir));
  }
  SB_RETURN_IF_ERROR(b->OpenEmpty({}));
  return b;
}

RocksDbBackend::~RocksDbBackend() { (void)Close(); }

Status RocksDbBackend::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  states_.clear();
  db_.reset();
  if (owns_work_dir_) return RemoveTree(work_dir_);
  return Status::Ok();
}

Status RocksDbBackend::CheckOpen() const {
  if (closed_) return Status::FailedPrecondition("rocksdb backend is closed");
  if (!db_) {
    return Status::FailedPrecondition(
        "rocksdb backend has no database (a failed restore could not reopen "
        "an empty one)");
  }
  return Status::Ok();
}

std::string RocksDbBackend::Writer() const {
  return "rocksdb-s" + std::to_string(config_.subtask_index) + "-" + token_;
}

std::vector<StateSpec> RocksDbBackend::StateSpecs() const {
  std::vector<StateSpec> specs;
  for (const State& s : states_) specs.push_back({s.name, s.kind});
  return specs;
}

void RocksDbBackend::Adopt(std::shared_ptr<RocksDbInstance> inst,
                           const std::vector<StateSpec>& specs) {
  db_ = std::move(inst);
  states_.clear();
  for (const StateSpec& s : specs) {
    states_.push_back({s.name, s.kind, db_->Handle(s.name)});
  }
}

Status RocksDbBackend::DropDatabase() {
  std::string old_dir = db_ ? db_->dir() : "";
  states_.clear();
  db_.reset();
  token_ = RandomToken();
  return old_dir.empty() ? Status::Ok() : RemoveTree(old_dir);
}

Result<std::string> RocksDbBackend::NextGeneration() {
  SB_RETURN_IF_ERROR(DropDatabase());
  return NewGenerationDir();
}

Result<std::string> RocksDbBackend::NewGenerationDir() {
  std::string dir = work_dir_ + "/db-" + std::to_string(generation_++);
  SB_RETURN_IF_ERROR(RemoveTree(dir));
  return dir;
}

Status RocksDbBackend::OpenEmpty(const std::vector<StateSpec>& specs) {
  ledger_->Reset();
  SB_ASSIGN_OR_RETURN(std::string dir, NextGeneration());
  SB_ASSIGN_OR_RETURN(auto inst,
                      RocksDbInstance::Open(dir, res_, specs, false));
  Adopt(std::move(inst), specs);
  return Status::Ok();
}

Result<StateId> RocksDbBackend::RegisterState(const StateDescriptor& desc) {
  SB_RETURN_IF_ERROR(CheckOpen());
  for (size_t i = 0; i < states_.size(); ++i) {
    if (states_[i].name != desc.name) continue;
    if (states_[i].kind != desc.kind) {
      return Status::InvalidArgument(
          "state '" + desc.name + "' is already registered as " +
          std::string(StateKindName(states_[i].kind)) + ", not " +
          std::string(StateKindName(desc.kind)));
    }
    return static_cast<StateId>(i);
  }
  if (!ValidStateName(desc.name)) {
    return Status::InvalidArgument("invalid state name '" + desc.name +
                                   "': use [A-Za-z0-9_.-]+");
  }
  SB_ASSIGN_OR_RETURN(rocksdb::ColumnFamilyHandle * cf,
                      db_->AddState({desc.name, desc.kind}));
  states_.push_back({desc.name, desc.kind, cf});
  return static_cast<StateId>(states_.size() - 1);
}

Status RocksDbBackend::Resolve(const StateKey& k, StateKind kind,
                               rocksdb::ColumnFamilyHandle** cf) {
  if (k.state >= states_.size() || states_[k.state].kind != kind) [[unlikely]] {
    SB_RETURN_IF_ERROR(CheckOpen());
    if (k.state >= states_.size()) {
      return Status::InvalidArgument("unknown state id " +
                                     std::to_string(k.state));
    }
    return Status::InvalidArgument(
        "state '" + states_[k.state].name + "' is " +
        std::string(StateKindName(states_[k.state].kind)) + " state, not " +
        std::string(StateKindName(kind)));
  }
  if (!config_.key_groups.Contains(k.key_group)) [[unlikely]] {
    return Status::InvalidArgument("key group " + std::to_string(k.key_group) +
                                   " is not in this instance's range " +
                                   config_.key_groups.ToString());
  }
  *cf = states_[k.state].cf;
  return Status::Ok();
}

Status RocksDbBackend::ValueGet(const StateKey& k, std::string* value,
                                bool* found) {
  rocksdb::ColumnFamilyHandle* cf;
  SB_RETURN_IF_ERROR(Resolve(k, StateKind::kValue, &cf));
  EncodeStateKey(prefix_bytes_, k.key_group, k.key, k.ns, &key_buf_);
  pinned_.Reset();
  rocksdb::Status s = db_->db()->Get(read_options_, cf, key_buf_, &pinned_);
  *found = s.ok();
  if (s.ok()) {
    value->assign(pinned_.data(), pinned_.size());
    pinned_.Reset();
    return Status::Ok();
  }
  if (s.IsNotFound()) return Status::Ok();
  return FromRocks(s, "value get");
}

Status RocksDbBackend::ValuePut(const StateKey& k, std::string_view value) {
  rocksdb::ColumnFamilyHandle* cf;
  SB_RETURN_IF_ERROR(Resolve(k, StateKind::kValue, &cf));
  EncodeStateKey(prefix_bytes_, k.key_group, k.key, k.ns, &key_buf_);
  rocksdb::Status s = db_->db()->Put(
      write_options_, cf, key_buf_, rocksdb::Slice(value.data(), value.size()));
  return s.ok() ? Status::Ok() : FromRocks(s, "value put");
}

Status RocksDbBackend::ValueRemove(const StateKey& k) {
  rocksdb::ColumnFamilyHandle* cf;
  SB_RETURN_IF_ERROR(Resolve(k, StateKind::kValue, &cf));
  EncodeStateKey(prefix_bytes_, k.key_group, k.key, k.ns, &key_buf_);
  rocksdb::Status s = db_->db()->Delete(write_options_, cf, key_buf_);
  return s.ok() ? Status::Ok() : FromRocks(s, "value remove");
}

Status RocksDbBackend::ListAppend(const StateKey& k, std::string_view value) {
  rocksdb::ColumnFamilyHandle* cf;
  SB_RETURN_IF_ERROR(Resolve(k, StateKind::kList, &cf));
  EncodeStateKey(prefix_bytes_, k.key_group, k.key, k.ns, &key_buf_);
  aux_buf_.clear();
  AppendListElement(value, &aux_buf_);
  rocksdb::Status s = db_->db()->Merge(write_options_, cf, key_buf_, aux_buf_);
  return s.ok() ? Status::Ok() : FromRocks(s, "list append");
}

Status RocksDbBackend::ListGet(const StateKey& k,
                               std::vector<std::string>* values) {
  rocksdb::ColumnFamilyHandle* cf;
  SB_RETURN_IF_ERROR(Resolve(k, StateKind::kList, &cf));
  EncodeStateKey(prefix_bytes_, k.key_group, k.key, k.ns, &key_buf_);
  pinned_.Reset();
  rocksdb::Status s = db_->db()->Get(read_options_, cf, key_buf_, &pinned_);
  if (s.IsNotFound()) {
    values->clear();
    return Status::Ok();
  }
  if (!s.ok()) return FromRocks(s, "list get");
  Status st =
      DecodeListValue(std::string_view(pinned_.data(), pinned_.size()), values);
  pinned_.Reset();
  return st;
}

Status RocksDbBackend::ListClear(const StateKey& k) {
  rocksdb::ColumnFamilyHandle* cf;
  SB_RETURN_IF_ERROR(Resolve(k, StateKind::kList, &cf));
  EncodeStateKey(prefix_bytes_, k.key_group, k.key, k.ns, &key_buf_);
  rocksdb::Status s = db_->db()->Delete(write_options_, cf, key_buf_);
  return s.ok() ? Status::Ok() : FromRocks(s, "list clear");
}

Status RocksDbBackend::MapPut(const StateKey& k, std::string_view user_key,
                              std::string_view value) {
  rocksdb::ColumnFamilyHandle* cf;
  SB_RETURN_IF_ERROR(Resolve(k, StateKind::kMap, &cf));
  EncodeStateKey(prefix_bytes_, k.key_group, k.key, k.ns, &key_buf_);
  key_buf_.append(user_key);
  rocksdb::Status s = db_->db()->Put(
      write_options_, cf, key_buf_, rocksdb::Slice(value.data(), value.size()));
  return s.ok() ? Status::Ok() : FromRocks(s, "map put");
}

Status RocksDbBackend::MapGet(const StateKey& k, std::string_view user_key,
                              std::string* value, bool* found) {
  rocksdb::ColumnFamilyHandle* cf;
  SB_RETURN_IF_ERROR(Resolve(k, StateKind::kMap, &cf));
  EncodeStateKey(prefix_bytes_, k.key_group, k.key, k.ns, &key_buf_);
  key_buf_.append(user_key);
  pinned_.Reset();
  rocksdb::Status s = db_->db()->Get(read_options_, cf, key_buf_, &pinned_);
  *found = s.ok();
  if (s.ok()) {
    value->assign(pinned_.data(), pinned_.size());
    pinned_.Reset();
    return Status::Ok();
  }
  if (s.IsNotFound()) return Status::Ok();
  return FromRocks(s, "map get");
}

Status RocksDbBackend::MapRemove(const StateKey& k, std::string_view user_key) {
  rocksdb::ColumnFamilyHandle* cf;
  SB_RETURN_IF_ERROR(Resolve(k, StateKind::kMap, &cf));
  EncodeStateKey(prefix_bytes_, k.key_group, k.key, k.ns, &key_buf_);
  key_buf_.append(user_key);
  rocksdb::Status s = db_->db()->Delete(write_options_, cf, key_buf_);
  return s.ok() ? Status::Ok() : FromRocks(s, "map remove");
}

Status RocksDbBackend::MapScan(
    const StateKey& k, std::string_view from, std::string_view to, size_t limit,
    std::vector<std::pair<std::string, std::string>>* entries) {
  rocksdb::ColumnFamilyHandle* cf;
  SB_RETURN_IF_ERROR(Resolve(k, StateKind::kMap, &cf));
  entries->clear();
  EncodeStateKey(prefix_bytes_, k.key_group, k.key, k.ns, &key_buf_);
  const size_t prefix_size = key_buf_.size();
  // The (key, namespace) prefix is never empty nor all 0xff (it holds a
  // length byte < 0x80), so a successor always exists.
  if (to.empty()) {
    (void)PrefixSuccessor(key_buf_, &aux_buf_);
  } else {
    aux_buf_.assign(key_buf_);
    aux_buf_.append(to);
  }
  key_buf_.append(from);
  rocksdb::Slice upper(aux_buf_);
  rocksdb::ReadOptions ro = read_options_;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(ro, cf));
  for (it->Seek(key_buf_); it->Valid(); it->Next()) {
    if (limit != 0 && entries->size() >= limit) break;
    rocksdb::Slice key = it->key();
    rocksdb::Slice value = it->value();
    entries->emplace_back(
        std::string(key.data() + prefix_size, key.size() - prefix_size),
        std::string(value.data(), value.size()));
  }
  return FromRocks(it->status(), "map scan");
}

Result<uint64_t> RocksDbBackend::CountEntries() {
  SB_RETURN_IF_ERROR(CheckOpen());
  uint64_t entries = 0;
  rocksdb::ReadOptions ro = read_options_;
  ro.fill_cache = false;  // a report's pass must not evict the working set
  for (const State& state : states_) {
    std::unique_ptr<rocksdb::Iterator> it(db_->db()->NewIterator(ro, state.cf));
    // A map's entries share their (key, namespace) prefix and sort
    // together: one entry per run of equal prefixes.
    std::string last_prefix;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      if (state.kind != StateKind::kMap) {
        ++entries;
        continue;
      }
      DecodedStateKey d;
      if (!DecodeStateKey(prefix_bytes_, key, &d)) {
        return Status::Corruption("undecodable key in state '" + state.name +
                                  "'");
      }
      std::string_view prefix = key.substr(0, key.size() - d.user_key.size());
      if (prefix != last_prefix) {
        ++entries;
        last_prefix.assign(prefix);
      }
    }
    SB_RETURN_IF_ERROR(FromRocks(it->status(), "count entries"));
  }
  return entries;
}

Capabilities RocksDbBackend::GetCapabilities() const {
  return CapabilitiesFor(!config_.checkpoint_dir.empty());
}

IoStats RocksDbBackend::GetIoStats() {
  IoStats io;
  io.source = "rocksdb statistics + properties";
  const auto& stats = res_->statistics();
  io.write_breakdown["wal"] = stats->getTickerCount(rocksdb::WAL_FILE_BYTES);
  io.write_breakdown["flush"] =
      stats->getTickerCount(rocksdb::FLUSH_WRITE_BYTES);
  io.write_breakdown["compaction"] =
      stats->getTickerCount(rocksdb::COMPACT_WRITE_BYTES);
  io.write_breakdown["checkpoint"] = counters_->checkpoint_bytes.load();
  if (uint64_t mem = counters_->snapshot_memory_bytes.load(); mem > 0) {
    io.write_breakdown["snapshot_memory"] = mem;
  }
  for (const auto& [cause, bytes] : io.write_breakdown) {
    io.bytes_written += bytes;
  }
  io.bytes_read = counters_->restore_bytes_read.load() +
                  stats->getTickerCount(rocksdb::COMPACT_READ_BYTES);
  counters_->cpu.AddTo(&io);
  // Point reads found in a memtable, then data-block lookups by where the
  // block came from. Without a block cache every block comes from the SST
  // files, and the statistics count Gets found there instead.
  io.read_sources["memtable"] = stats->getTickerCount(rocksdb::MEMTABLE_HIT);
  if (res_->settings().block_cache_size > 0) {
    io.read_sources["block_cache"] =
        stats->getTickerCount(rocksdb::BLOCK_CACHE_DATA_HIT);
    io.read_sources["storage"] =
        stats->getTickerCount(rocksdb::BLOCK_CACHE_DATA_MISS);
  } else {
    io.read_sources["storage"] =
        stats->getTickerCount(rocksdb::GET_HIT_L0) +
        stats->getTickerCount(rocksdb::GET_HIT_L1) +
        stats->getTickerCount(rocksdb::GET_HIT_L2_AND_UP);
  }
  io.last_restore = last_restore_;
  if (!closed_ && db_) {
    uint64_t sst = 0;
    if (db_->db()->GetAggregatedIntProperty(
            rocksdb::DB::Properties::kLiveSstFilesSize, &sst)) {
      io.storage_size += sst;
    }
    rocksdb::VectorLogPtr wals;
    if (db_->db()->GetSortedWalFiles(wals).ok()) {
      for (const auto& w : wals) io.storage_size += w->SizeFileBytes();
    }
  }
  return io;
}

Result<std::string> RocksDbBackend::CompactionStats() {
  SB_RETURN_IF_ERROR(CheckOpen());
  // "rocksdb.stats" covers one column family; every state has its own.
  std::string text;
  if (!db_->db()->GetProperty(rocksdb::DB::Properties::kDBStats, &text)) {
    return Status::Internal("rocksdb did not report rocksdb.dbstats");
  }
  for (const State& s : states_) {
    std::string cf_text;
    if (db_->db()->GetProperty(s.cf, rocksdb::DB::Properties::kCFStats,
                               &cf_text)) {
      text += "\n** state " + s.name + " **\n" + cf_text;
    }
  }
  return text;
}

}  // namespace statebench
