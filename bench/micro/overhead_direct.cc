// The direct path of the overhead benchmark: each storage library driven
// the way a program without statebench would drive it, over the same ops.
// Library exceptions and errors become Status here (the adapter edge).
#include <rocksdb/db.h>

#include <cstdint>
#include <exception>
#include <initializer_list>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "backends/heap/heap_state.h"
#include "backends/rocksdb/rocksdb_format.h"
#include "backends/rocksdb/rocksdb_options.h"
#include "base/file_util.h"
#include "base/key_groups.h"
#include "bench/harness/timed_backend.h"
#include "bench/micro/overhead_paths.h"

#ifdef STATEBENCH_WITH_REDIS
#include <hiredis/hiredis.h>

#include "backends/redis/redis_overlay.h"
#include "backends/redis/redis_uri.h"
#include "backends/server/server_common.h"
#endif
#ifdef STATEBENCH_WITH_POSTGRES
#include <pqxx/pqxx>

#include "backends/postgres/postgres_schema.h"
#include "backends/postgres/postgres_support.h"
#include "backends/server/server_common.h"
#endif

namespace statebench {
namespace {

// Keeps a value the compiler cannot prove unused, without a store per op.
template <typename T>
void KeepAlive(const T& v) {
  asm volatile("" : : "r,m"(v) : "memory");
}

// std::unordered_map<std::string, std::string> that finds by string_view.
struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    return std::hash<std::string_view>{}(s);
  }
};
using StringMap = std::unordered_map<std::string, std::string, TransparentHash,
                                     std::equal_to<>>;

// The minimal loop: one std::unordered_map of plain keys.
class MapRunner : public ChunkRunner {
 public:
  // `key_group`: also compute each op's key group (Flink's
  // HeapKeyedStateBackend does, to find the key group's map).
  MapRunner(const OpSequence& seq, bool key_group)
      : seq_(seq), key_group_(key_group) {
    std::unique_ptr<OpSource> load = seq.workload().LoadPhase(nullptr);
    Op op;
    while (load->Next(&op)) map_.insert_or_assign(op.key, op.value);
  }

  Result<uint64_t> RunChunk(uint64_t count) override {
    const uint64_t begin = cursor_, end = cursor_ + count;
    cursor_ = end;
    const uint64_t start = NowNs();
    uint64_t groups = 0;
    if (seq_.puts()) {
      for (uint64_t i = begin; i < end; ++i) {
        if (key_group_) groups += AssignToKeyGroup(seq_.Key(i), kGroups);
        auto it = map_.find(seq_.Key(i));
        if (it == map_.end()) {
          map_.emplace(seq_.Key(i), seq_.Value(i));
        } else {
          it->second.assign(seq_.Value(i));
        }
      }
    } else {
      // A get reads the value, so its memory is touched as a use would.
      uint64_t acc = 0;
      for (uint64_t i = begin; i < end; ++i) {
        if (key_group_) groups += AssignToKeyGroup(seq_.Key(i), kGroups);
        auto it = map_.find(seq_.Key(i));
        if (it == map_.end()) [[unlikely]]
          return Status::Internal("a preloaded key is missing");
        acc += static_cast<unsigned char>(it->second.back());
      }
      KeepAlive(acc);
    }
    KeepAlive(groups);
    return NowNs() - start;
  }

  std::string Describe() const override {
    return std::string(key_group_ ? "AssignToKeyGroup + " : "") +
           "std::unordered_map<std::string, std::string>::find (+ assign)";
  }

 private:
  static constexpr int kGroups = kDefaultLowerBoundMaxParallelism;
  const OpSequence& seq_;
  const bool key_group_;
  StringMap map_;
  uint64_t cursor_ = 0;
};

// std::unordered_map in the heap backends' layout, as Flink's
// HeapKeyedStateBackend holds state: one map per key group, each op's key
// group computed from its key (Flink's KeyGroupRangeAssignment), entries
// keyed by (key, namespace) in the backend's encoding (EncodeEntryKey).
// What the memory backend would cost built on the standard library's map
// with no statebench around it; MapRunner is the minimal loop.
class HeapLayoutMapRunner : public ChunkRunner {
 public:
  explicit HeapLayoutMapRunner(const OpSequence& seq)
      : seq_(seq), max_parallelism_(DefaultMaxParallelism(1)) {
    maps_.resize(static_cast<size_t>(max_parallelism_));
    std::unique_ptr<OpSource> load = seq.workload().LoadPhase(nullptr);
    Op op;
    while (load->Next(&op)) {
      EncodeEntryKey(op.key, "", &scratch_);
      Map(op.key).insert_or_assign(scratch_, op.value);
    }
  }

  Result<uint64_t> RunChunk(uint64_t count) override {
    const uint64_t begin = cursor_, end = cursor_ + count;
    cursor_ = end;
    const uint64_t start = NowNs();
    if (seq_.puts()) {
      for (uint64_t i = begin; i < end; ++i) {
        EncodeEntryKey(seq_.Key(i), "", &scratch_);
        auto& map = Map(seq_.Key(i));
        auto it = map.find(std::string_view(scratch_));
        if (it == map.end()) {
          map.emplace(scratch_, seq_.Value(i));
        } else {
          it->second.assign(seq_.Value(i));
        }
      }
    } else {
      uint64_t acc = 0;
      for (uint64_t i = begin; i < end; ++i) {
        EncodeEntryKey(seq_.Key(i), "", &scratch_);
        auto& map = Map(seq_.Key(i));
        auto it = map.find(std::string_view(scratch_));
        if (it == map.end()) [[unlikely]]
          return Status::Internal("a preloaded key is missing");
        acc += static_cast<unsigned char>(it->second.back());
      }
      KeepAlive(acc);
    }
    return NowNs() - start;
  }

  std::string Describe() const override {
    return "AssignToKeyGroup + std::unordered_map per key group, (key, ns) "
           "keys, ::find (+ assign)";
  }

 private:
  StringMap& Map(std::string_view key) {
    return maps_[static_cast<size_t>(AssignToKeyGroup(key, max_parallelism_))];
  }

  const OpSequence& seq_;
  const int max_parallelism_;
  std::vector<StringMap> maps_;
  std::string scratch_;
  uint64_t cursor_ = 0;
};

Status FromRocks(const rocksdb::Status& s, const char* what) {
  return s.ok() ? Status::Ok()
                : Status::IoError(std::string("rocksdb ") + what + ": " +
                                  s.ToString());
}

// rocksdb::DB opened with the very options the rocksdb backend builds
// (RocksDbResources), in the default column family. By default the keys
// are the ones the backend stores (EncodeStateKey: key-group byte, key,
// namespace), so that both stores hold the same bytes in the same sort
// order; `raw_keys` stores the plain 16-byte keys instead. That differs in
// more than the encoding: the load phase writes keys in key-index order,
// which is the plain keys' sort order, so the memtable's skip list is laid
// out in memory in search order, a locality no key-group-prefixed layout
// (Flink's) can have.
class RocksRunner : public ChunkRunner {
 public:
  explicit RocksRunner(bool raw_keys) : raw_keys_(raw_keys) {}

  ~RocksRunner() override {
    if (db_) (void)db_->Close();
    db_.reset();
    if (!dir_.empty()) (void)RemoveTree(dir_);
  }

  Status Open(const OpSequence& seq,
              const std::map<std::string, std::string>& options) {
    seq_ = &seq;
    SB_ASSIGN_OR_RETURN(RocksDbSettings settings,
                        ParseRocksDbSettings(options));
    resources_ = RocksDbResources::Make(settings);
    rocksdb::Options o(resources_->MakeDbOptions(),
                       resources_->MakeCfOptions(StateKind::kValue));
    write_options_.disableWAL = !settings.wal;
    SB_ASSIGN_OR_RETURN(dir_, MakeTempDirectory("sb-overhead-rocksdb-"));
    rocksdb::DB* db = nullptr;
    SB_RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(o, dir_, &db), "open"));
    db_.reset(db);
    describe_ = std::string("rocksdb::DB Get/Put, ") +
                (raw_keys_ ? "plain keys" : "the backend's key encoding") +
                ", backend options (wal " +
                std::string(settings.wal ? "on" : "off") + ", " +
                settings.block_compression + ", write buffer " +
                std::to_string(settings.write_buffer_size >> 20) +
                " MiB, block cache " +
                std::to_string(settings.block_cache_size >> 20) + " MiB)";
    std::unique_ptr<OpSource> load = seq.workload().LoadPhase(nullptr);
    Op op;
    while (load->Next(&op)) {
      SB_RETURN_IF_ERROR(FromRocks(
          db_->Put(write_options_, StoredKey(op.key), op.value), "put"));
    }
    return Status::Ok();
  }

  Result<uint64_t> RunChunk(uint64_t count) override {
    const OpSequence& seq = *seq_;
    const uint64_t begin = cursor_, end = cursor_ + count;
    cursor_ = end;
    rocksdb::ColumnFamilyHandle* cf = db_->DefaultColumnFamily();
    const uint64_t start = NowNs();
    if (seq.puts()) {
      for (uint64_t i = begin; i < end; ++i) {
        std::string_view v = seq.Value(i);
        rocksdb::Status s = db_->Put(write_options_, cf, StoredKey(seq.Key(i)),
                                     rocksdb::Slice(v.data(), v.size()));
        if (!s.ok()) [[unlikely]]
          return FromRocks(s, "put");
      }
    } else {
      uint64_t acc = 0;
      for (uint64_t i = begin; i < end; ++i) {
        rocksdb::Status s =
            db_->Get(read_options_, cf, StoredKey(seq.Key(i)), &pinned_);
        if (!s.ok()) [[unlikely]]
          return FromRocks(s, "get");
        acc += pinned_.size();
        pinned_.Reset();
      }
      KeepAlive(acc);
    }
    return NowNs() - start;
  }

  std::string Describe() const override { return describe_; }

 private:
  rocksdb::Slice StoredKey(std::string_view key) {
    if (raw_keys_) return rocksdb::Slice(key.data(), key.size());
    EncodeStateKey(KeyGroupPrefixBytes(kMaxParallelism),
                   AssignToKeyGroup(key, kMaxParallelism), key, "", &key_buf_);
    return rocksdb::Slice(key_buf_);
  }

  static constexpr int kMaxParallelism = 128;  // the harness's, at P = 1
  const bool raw_keys_;
  std::string key_buf_;
  const OpSequence* seq_ = nullptr;
  std::shared_ptr<const RocksDbResources> resources_;
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ReadOptions read_options_;
  rocksdb::WriteOptions write_options_;
  rocksdb::PinnableSlice pinned_;
  uint64_t cursor_ = 0;
  std::string describe_;
};

#ifdef STATEBENCH_WITH_REDIS
// One hiredis connection to the benchmark's server (connect, AUTH,
// SELECT) and the reply handling both redis loops share.
class HiredisLoop : public ChunkRunner {
 public:
  ~HiredisLoop() override {
    if (ctx_) redisFree(ctx_);
  }

 protected:
  // Connects to `target`; returns its "host:port".
  Result<std::string> Connect(const ServerTarget& target) {
    SB_ASSIGN_OR_RETURN(RedisUri uri, ParseRedisUri(target.uri));
    std::string password;
    if (!target.password_file.empty()) {
      SB_ASSIGN_OR_RETURN(password,
                          ReadPasswordFile("redis", target.password_file));
    }
    struct timeval tv = {2, 0};
    ctx_ = redisConnectWithTimeout(uri.host.c_str(), uri.port, tv);
    if (ctx_ == nullptr || ctx_->err) {
      return Status::Unavailable("redis " + uri.HostPort() +
                                 ": cannot connect");
    }
    if (!password.empty()) {
      SB_RETURN_IF_ERROR(
          uri.user.empty()
              ? Command("AUTH %b", password.data(), password.size())
              : Command("AUTH %b %b", uri.user.data(), uri.user.size(),
                        password.data(), password.size()));
    }
    SB_RETURN_IF_ERROR(Command("SELECT %d", uri.db));
    return uri.HostPort();
  }
  template <typename... A>
  Status Command(const char* format, A... args) {
    auto* r = static_cast<redisReply*>(redisCommand(ctx_, format, args...));
    if (r == nullptr) return Status::Unavailable("redis: connection lost");
    bool ok = r->type != REDIS_REPLY_ERROR;
    freeReplyObject(r);
    // The reply text is not echoed: it could quote a credential.
    return ok ? Status::Ok() : Status::PermissionDenied("redis refused");
  }
  Status Drain(uint64_t replies) {
    for (uint64_t i = 0; i < replies; ++i) {
      void* reply = nullptr;
      if (redisGetReply(ctx_, &reply) != REDIS_OK || reply == nullptr) {
        return Status::Unavailable("redis: connection lost");
      }
      bool ok = static_cast<redisReply*>(reply)->type != REDIS_REPLY_ERROR;
      freeReplyObject(reply);
      if (!ok) return Status::IoError("redis: a pipelined command failed");
    }
    return Status::Ok();
  }
  // One synchronous command whose reply must be a string; adds its length
  // to *acc.
  template <typename... A>
  Status ReadString(uint64_t* acc, const char* format, A... args) {
    auto* r = static_cast<redisReply*>(redisCommand(ctx_, format, args...));
    if (r == nullptr) return Status::Unavailable("redis: connection lost");
    bool ok = r->type == REDIS_REPLY_STRING;
    if (ok) *acc += r->len;
    freeReplyObject(r);
    if (!ok) return Status::Internal("redis: a preloaded key is missing");
    return Status::Ok();
  }

  redisContext* ctx_ = nullptr;
};

// hiredis: GET waits for its reply (a synchronous state read cannot be
// pipelined); SETs are pipelined, one round trip per 1000 (statebench's
// buffered mode commits a checkpoint's writes pipelined as well).
class RedisRunner : public HiredisLoop {
 public:
  static constexpr uint64_t kPipeline = 1000;

  ~RedisRunner() override {
    if (ctx_ && seq_) {
      // The loaded keys are this benchmark's; leave the server as found.
      std::unique_ptr<OpSource> load = seq_->workload().LoadPhase(nullptr);
      Op op;
      uint64_t pending = 0;
      while (load->Next(&op)) {
        redisAppendCommand(ctx_, "DEL %b", op.key.data(), op.key.size());
        if (++pending == kPipeline) {
          (void)Drain(pending);
          pending = 0;
        }
      }
      (void)Drain(pending);
    }
  }

  Status Open(const OpSequence& seq, const ServerTarget& target) {
    seq_ = &seq;
    SB_ASSIGN_OR_RETURN(std::string server, Connect(target));
    describe_ = "hiredis GET (one round trip each), SET pipelined by " +
                std::to_string(kPipeline) + ", redis " + server;
    std::unique_ptr<OpSource> load = seq.workload().LoadPhase(nullptr);
    Op op;
    uint64_t pending = 0;
    while (load->Next(&op)) {
      redisAppendCommand(ctx_, "SET %b %b", op.key.data(), op.key.size(),
                         op.value.data(), op.value.size());
      if (++pending == kPipeline) {
        SB_RETURN_IF_ERROR(Drain(pending));
        pending = 0;
      }
    }
    return Drain(pending);
  }

  Result<uint64_t> RunChunk(uint64_t count) override {
    const OpSequence& seq = *seq_;
    const uint64_t begin = cursor_, end = cursor_ + count;
    cursor_ = end;
    const uint64_t start = NowNs();
    if (seq.puts()) {
      uint64_t pending = 0;
      for (uint64_t i = begin; i < end; ++i) {
        std::string_view k = seq.Key(i), v = seq.Value(i);
        redisAppendCommand(ctx_, "SET %b %b", k.data(), k.size(), v.data(),
                           v.size());
        if (++pending == kPipeline) {
          SB_RETURN_IF_ERROR(Drain(pending));
          pending = 0;
        }
      }
      SB_RETURN_IF_ERROR(Drain(pending));
    } else {
      uint64_t acc = 0;
      for (uint64_t i = begin; i < end; ++i) {
        std::string_view k = seq.Key(i);
        SB_RETURN_IF_ERROR(ReadString(&acc, "GET %b", k.data(), k.size()));
      }
      KeepAlive(acc);
    }
    return NowNs() - start;
  }

  std::string Describe() const override { return describe_; }

 private:
  const OpSequence* seq_ = nullptr;
  uint64_t cursor_ = 0;
  std::string describe_;
};

// hiredis sending the redis backend's own commands (buffered mode) in its
// key layout, with its pipelining: per chunk (= checkpoint interval) the
// stage (MULTI, DEL, RPUSH of the interval's writes as one blob, ZADD,
// EXEC), the apply's guard (WATCH + ZSCORE) and the apply (MULTI, DEL of the
// stage, one HSET per op, SET of the checkpoint id, ZREMRANGEBYSCORE,
// EXEC), pipelined 10000 commands per round trip. A get is one HGET round
// trip. The blob is this loop's own length-prefixed encoding of the same
// entries (the server stores it as opaque bytes).
class RedisBackendCommandsRunner : public HiredisLoop {
 public:
  static constexpr uint64_t kPipeline = 10000;  // the backend's default
  static constexpr int kMaxParallelism = 128;

  ~RedisBackendCommandsRunner() override {
    if (ctx_ == nullptr) return;
    // Leave the server as found: the hashes, stage keys and checkpoint key.
    std::string cursor = "0";
    const std::string pattern = names_.prefix() + "*";
    do {
      auto* r = static_cast<redisReply*>(
          redisCommand(ctx_, "SCAN %s MATCH %b COUNT 1000", cursor.c_str(),
                       pattern.data(), pattern.size()));
      if (r == nullptr || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
        if (r) freeReplyObject(r);
        break;
      }
      cursor.assign(r->element[0]->str, r->element[0]->len);
      const redisReply* keys = r->element[1];
      for (size_t i = 0; i < keys->elements; ++i) {
        redisAppendCommand(ctx_, "DEL %b", keys->element[i]->str,
                           keys->element[i]->len);
      }
      (void)Drain(keys->elements);
      freeReplyObject(r);
    } while (cursor != "0");
  }

  Status Open(const OpSequence& seq, const ServerTarget& target) {
    seq_ = &seq;
    state_ = seq.workload().States().front().name;
    hashes_ = MakeHashes();
    SB_ASSIGN_OR_RETURN(std::string server, Connect(target));
    describe_ =
        "hiredis, the buffered backend's commands and layout (stage "
        "blob, WATCH, MULTI + HSET per op + EXEC, pipelined by " +
        std::to_string(kPipeline) + "; HGET per get), redis " + server;
    // Preload: the interval protocol over the load phase.
    std::unique_ptr<OpSource> load = seq.workload().LoadPhase(nullptr);
    Op op;
    while (load->Next(&op)) {
      loaded_keys_.push_back(op.key);
      loaded_values_.push_back(op.value);
    }
    std::vector<std::pair<std::string_view, std::string_view>> writes;
    for (size_t i = 0; i < loaded_keys_.size(); ++i) {
      writes.emplace_back(loaded_keys_[i], loaded_values_[i]);
      if (writes.size() == 10000 || i + 1 == loaded_keys_.size()) {
        SB_RETURN_IF_ERROR(Checkpoint(writes));
        writes.clear();
      }
    }
    loaded_keys_.clear();
    loaded_values_.clear();
    return Status::Ok();
  }

  Result<uint64_t> RunChunk(uint64_t count) override {
    const OpSequence& seq = *seq_;
    const uint64_t begin = cursor_, end = cursor_ + count;
    cursor_ = end;
    const uint64_t start = NowNs();
    if (seq.puts()) {
      writes_.clear();
      for (uint64_t i = begin; i < end; ++i) {
        writes_.emplace_back(seq.Key(i), seq.Value(i));
      }
      SB_RETURN_IF_ERROR(Checkpoint(writes_));
    } else {
      uint64_t acc = 0;
      for (uint64_t i = begin; i < end; ++i) {
        std::string_view k = seq.Key(i);
        field_.clear();
        AppendKeyNs(k, "", &field_);
        const std::string& hash = hashes_[AssignToKeyGroup(k, kMaxParallelism)];
        SB_RETURN_IF_ERROR(ReadString(&acc, "HGET %b %b", hash.data(),
                                      hash.size(), field_.data(),
                                      field_.size()));
      }
      KeepAlive(acc);
    }
    return NowNs() - start;
  }

  std::string Describe() const override { return describe_; }

 private:
  // Queues one command; drains when kPipeline replies are pending.
  Status Append(std::initializer_list<std::string_view> argv) {
    const char* a[8];
    size_t l[8];
    int n = 0;
    for (std::string_view s : argv) {
      a[n] = s.data();
      l[n++] = s.size();
    }
    redisAppendCommandArgv(ctx_, n, a, l);
    if (++pending_ == kPipeline) {
      pending_ = 0;
      return Drain(kPipeline);
    }
    return Status::Ok();
  }
  Status Flush() {
    uint64_t n = pending_;
    pending_ = 0;
    return Drain(n);
  }

  // One checkpoint interval's writes: stage, guard, apply.
  Status Checkpoint(
      const std::vector<std::pair<std::string_view, std::string_view>>& w) {
    const std::string id = std::to_string(++checkpoint_id_);
    const std::string stage = names_.Stage(range_, checkpoint_id_);
    const std::string stages = names_.Stages(range_);
    blob_.clear();
    for (const auto& [k, v] : w) {
      const uint32_t kg =
          static_cast<uint32_t>(AssignToKeyGroup(k, kMaxParallelism));
      blob_.append(reinterpret_cast<const char*>(&kg), sizeof kg);
      blob_.push_back(static_cast<char>(k.size()));
      blob_.append(k);
      const uint32_t vl = static_cast<uint32_t>(v.size());
      blob_.append(reinterpret_cast<const char*>(&vl), sizeof vl);
      blob_.append(v);
    }
    SB_RETURN_IF_ERROR(Append({"MULTI"}));
    SB_RETURN_IF_ERROR(Append({"DEL", stage}));
    SB_RETURN_IF_ERROR(Append({"RPUSH", stage, blob_}));
    SB_RETURN_IF_ERROR(Append({"ZADD", stages, id, id}));
    SB_RETURN_IF_ERROR(Append({"EXEC"}));
    SB_RETURN_IF_ERROR(Flush());
    SB_RETURN_IF_ERROR(Append({"WATCH", stages}));
    SB_RETURN_IF_ERROR(Append({"ZSCORE", stages, id}));
    SB_RETURN_IF_ERROR(Flush());
    SB_RETURN_IF_ERROR(Append({"MULTI"}));
    SB_RETURN_IF_ERROR(Append({"DEL", stage}));
    for (const auto& [k, v] : w) {
      field_.clear();
      AppendKeyNs(k, "", &field_);
      SB_RETURN_IF_ERROR(Append(
          {"HSET", hashes_[AssignToKeyGroup(k, kMaxParallelism)], field_, v}));
    }
    SB_RETURN_IF_ERROR(Append({"SET", names_.Checkpoint(range_), id}));
    SB_RETURN_IF_ERROR(Append({"ZREMRANGEBYSCORE", stages, "-inf", id}));
    SB_RETURN_IF_ERROR(Append({"EXEC"}));
    return Flush();
  }

  std::vector<std::string> MakeHashes() const {
    std::vector<std::string> h;
    for (int kg = 0; kg < kMaxParallelism; ++kg) {
      h.push_back(names_.ValueHash(kg, state_));
    }
    return h;
  }

  const OpSequence* seq_ = nullptr;
  const RedisKeyNames names_{"sb-overhead-direct"};
  const KeyGroupRange range_{0, kMaxParallelism - 1};
  std::string state_;
  std::vector<std::string> hashes_;  // by key group
  std::vector<std::string> loaded_keys_, loaded_values_;
  std::vector<std::pair<std::string_view, std::string_view>> writes_;
  std::string blob_, field_;
  int64_t checkpoint_id_ = 0;
  uint64_t pending_ = 0;
  uint64_t cursor_ = 0;
  std::string describe_;
};
#endif  // STATEBENCH_WITH_REDIS

#ifdef STATEBENCH_WITH_POSTGRES
// What both libpqxx loops share: the connection string, the connection,
// and turning library exceptions into Status.
class LibpqxxLoop : public ChunkRunner {
 public:
  std::string Describe() const override { return describe_; }

 protected:
  // The conninfo for `target` (its password read from the file).
  Result<std::string> Conninfo(const ServerTarget& target) {
    std::string password;
    if (!target.password_file.empty()) {
      SB_ASSIGN_OR_RETURN(password,
                          ReadPasswordFile("postgres", target.password_file));
    }
    return BuildConninfo(target.uri, password, 2000, 30000, &target_);
  }
  template <typename F>
  Status Guard(F&& body) {
    try {
      body();
      return Status::Ok();
    } catch (...) {
      return CurrentExceptionToStatus(target_, std::current_exception());
    }
  }

  const OpSequence* seq_ = nullptr;
  PostgresTarget target_;
  std::unique_ptr<pqxx::connection> conn_;
  uint64_t cursor_ = 0;
  std::string describe_;
};

// libpqxx: prepared SELECT and upsert on a two-column table inside one
// transaction per chunk (statebench: one transaction per checkpoint).
class PostgresRunner : public LibpqxxLoop {
 public:
  static constexpr char kTable[] = "sb_overhead_direct";

  ~PostgresRunner() override {
    try {
      if (conn_) {
        pqxx::nontransaction t(*conn_);
        t.exec0(std::string("DROP TABLE IF EXISTS ") + kTable);
      }
    } catch (...) {
    }
  }

  Status Open(const OpSequence& seq, const ServerTarget& target) {
    seq_ = &seq;
    SB_ASSIGN_OR_RETURN(std::string conninfo, Conninfo(target));
    describe_ = "libpqxx prepared SELECT/upsert, one transaction per chunk, " +
                target_.describe;
    return Guard([&] {
      conn_ = std::make_unique<pqxx::connection>(conninfo);
      {
        pqxx::nontransaction t(*conn_);
        t.exec0(std::string("DROP TABLE IF EXISTS ") + kTable);
        t.exec0(std::string("CREATE TABLE ") + kTable +
                " (k bytea PRIMARY KEY, v bytea NOT NULL)");
      }
      conn_->prepare("get",
                     std::string("SELECT v FROM ") + kTable + " WHERE k = $1");
      conn_->prepare("put", std::string("INSERT INTO ") + kTable +
                                " (k, v) VALUES ($1, $2) ON CONFLICT (k) DO "
                                "UPDATE SET v = EXCLUDED.v");
      pqxx::work w(*conn_);
      std::unique_ptr<OpSource> load = seq_->workload().LoadPhase(nullptr);
      Op op;
      while (load->Next(&op)) {
        w.exec_prepared0("put",
                         pqxx::binarystring(op.key.data(), op.key.size()),
                         pqxx::binarystring(op.value.data(), op.value.size()));
      }
      w.commit();
    });
  }

  Result<uint64_t> RunChunk(uint64_t count) override {
    const uint64_t begin = cursor_, end = cursor_ + count;
    cursor_ = end;
    const uint64_t start = NowNs();
    SB_RETURN_IF_ERROR(Guard([&] {
      const OpSequence& seq = *seq_;
      pqxx::work w(*conn_);
      uint64_t acc = 0;
      for (uint64_t i = begin; i < end; ++i) {
        std::string_view k = seq.Key(i);
        pqxx::binarystring key(k.data(), k.size());
        if (seq.puts()) {
          std::string_view v = seq.Value(i);
          w.exec_prepared0("put", key, pqxx::binarystring(v.data(), v.size()));
        } else {
          pqxx::row r = w.exec_prepared1("get", key);
          acc += pqxx::binarystring(r[0]).size();
        }
      }
      w.commit();
      KeepAlive(acc);
    }));
    return NowNs() - start;
  }
};

// libpqxx sending the postgres backend's own prepared statements on its
// schema, with its transaction sizes: one transaction per chunk
// (= checkpoint interval) holding sb_get, or sb_put_undo for the first
// change of an entry in the interval and sb_put for a later one, then
// sb_ckpt_put and COMMIT.
class PostgresBackendStatementsRunner : public LibpqxxLoop {
 public:
  static constexpr int kMaxParallelism = 128;
  static constexpr char kJob[] = "sb-overhead-direct";

  ~PostgresBackendStatementsRunner() override {
    try {
      if (conn_) {
        pqxx::work t(*conn_);
        for (const char* stmt :
             {"sb_clear_state", "sb_clear_list", "sb_clear_undo",
              "sb_clear_undo_list", "sb_clear_ckpt"}) {
          t.exec_prepared(stmt, kJob, 0, kMaxParallelism - 1);
        }
        t.commit();
      }
    } catch (...) {
    }
  }

  Status Open(const OpSequence& seq, const ServerTarget& target) {
    seq_ = &seq;
    state_ = seq.workload().States().front().name;
    SB_ASSIGN_OR_RETURN(std::string conninfo, Conninfo(target));
    describe_ =
        "libpqxx, the backend's prepared statements and schema "
        "(sb_get; sb_put_undo/sb_put; sb_ckpt_put + COMMIT per "
        "chunk), " +
        target_.describe;
    return Guard([&] {
      conn_ = std::make_unique<pqxx::connection>(conninfo);
      {
        pqxx::nontransaction t(*conn_);
        for (const char* sql : pg::SchemaStatements()) t.exec0(sql);
        sync_commit_ = t.exec1("SHOW synchronous_commit")[0].as<std::string>();
      }
      for (const auto& [name, sql] : pg::PreparedStatements()) {
        conn_->prepare(name, sql);
      }
      pqxx::work w(*conn_);
      for (const char* stmt :
           {"sb_clear_state", "sb_clear_list", "sb_clear_undo",
            "sb_clear_undo_list", "sb_clear_ckpt"}) {
        w.exec_prepared(stmt, kJob, 0, kMaxParallelism - 1);
      }
      std::unique_ptr<OpSource> load = seq_->workload().LoadPhase(nullptr);
      Op op;
      while (load->Next(&op)) {
        w.exec_prepared("sb_put", kJob,
                        AssignToKeyGroup(op.key, kMaxParallelism), state_,
                        Bin(op.key), Bin(""), Bin(""), Bin(op.value));
      }
      checkpoint_id_ = 1;
      w.exec_prepared("sb_ckpt_put", kJob, 0, kMaxParallelism - 1,
                      checkpoint_id_, int64_t{0}, sync_commit_);
      w.commit();
    });
  }

  Result<uint64_t> RunChunk(uint64_t count) override {
    const uint64_t begin = cursor_, end = cursor_ + count;
    cursor_ = end;
    const uint64_t start = NowNs();
    SB_RETURN_IF_ERROR(Guard([&] {
      const OpSequence& seq = *seq_;
      const int64_t base = checkpoint_id_;
      touched_.clear();
      pqxx::work w(*conn_);
      uint64_t acc = 0;
      for (uint64_t i = begin; i < end; ++i) {
        std::string_view k = seq.Key(i);
        const int kg = AssignToKeyGroup(k, kMaxParallelism);
        if (seq.puts()) {
          if (touched_.insert(k).second) {
            w.exec_prepared("sb_put_undo", kJob, kg, state_, Bin(k), Bin(""),
                            Bin(""), Bin(seq.Value(i)), 0, kMaxParallelism - 1,
                            base);
          } else {
            w.exec_prepared("sb_put", kJob, kg, state_, Bin(k), Bin(""),
                            Bin(""), Bin(seq.Value(i)));
          }
        } else {
          pqxx::result r = w.exec_prepared("sb_get", kJob, kg, state_, Bin(k),
                                           Bin(""), Bin(""));
          if (!r.empty()) acc += pqxx::binarystring(r[0][0]).size();
        }
      }
      // Undo images older than the previous checkpoint are pruned here, as
      // the backend does once the job completed that checkpoint.
      w.exec_prepared("sb_ckpt_put", kJob, 0, kMaxParallelism - 1, base + 1,
                      base, sync_commit_);
      w.commit();
      checkpoint_id_ = base + 1;
      KeepAlive(acc);
    }));
    return NowNs() - start;
  }

 private:
  static pqxx::binarystring Bin(std::string_view s) {
    return pqxx::binarystring(s.data(), s.size());
  }
  std::string state_;
  std::string sync_commit_;
  std::unordered_set<std::string_view> touched_;
  int64_t checkpoint_id_ = 0;
};
#endif  // STATEBENCH_WITH_POSTGRES

}  // namespace

Result<std::unique_ptr<ChunkRunner>> MakeDirectRunner(
    const OpSequence& seq, const PathOptions& options) {
  if (options.backend == "memory" || options.backend == "fs") {
    if (!options.direct_minimal) {
      return std::unique_ptr<ChunkRunner>(
          std::make_unique<HeapLayoutMapRunner>(seq));
    }
    return std::unique_ptr<ChunkRunner>(
        std::make_unique<MapRunner>(seq, options.direct_key_group));
  }
  if (options.backend == "rocksdb") {
    auto r = std::make_unique<RocksRunner>(options.direct_minimal);
    SB_RETURN_IF_ERROR(r->Open(seq, options.backend_options));
    return std::unique_ptr<ChunkRunner>(std::move(r));
  }
#ifdef STATEBENCH_WITH_REDIS
  if (options.backend == "redis" && !options.direct_minimal) {
    auto r = std::make_unique<RedisBackendCommandsRunner>();
    SB_RETURN_IF_ERROR(r->Open(seq, ServerTargetFromEnv("redis")));
    return std::unique_ptr<ChunkRunner>(std::move(r));
  }
  if (options.backend == "redis") {
    auto r = std::make_unique<RedisRunner>();
    SB_RETURN_IF_ERROR(r->Open(seq, ServerTargetFromEnv("redis")));
    return std::unique_ptr<ChunkRunner>(std::move(r));
  }
#endif
#ifdef STATEBENCH_WITH_POSTGRES
  if (options.backend == "postgres" && !options.direct_minimal) {
    auto r = std::make_unique<PostgresBackendStatementsRunner>();
    SB_RETURN_IF_ERROR(r->Open(seq, ServerTargetFromEnv("postgres")));
    return std::unique_ptr<ChunkRunner>(std::move(r));
  }
  if (options.backend == "postgres") {
    auto r = std::make_unique<PostgresRunner>();
    SB_RETURN_IF_ERROR(r->Open(seq, ServerTargetFromEnv("postgres")));
    return std::unique_ptr<ChunkRunner>(std::move(r));
  }
#endif
  return Status::NotFound("no direct path for backend '" + options.backend +
                          "' in this build");
}

}  // namespace statebench
