// The redis backend: state ops and the factory. Checkpoints and restore are
// in redis_checkpoint.cc; the data layout is described in redis_overlay.h.
#include "backends/redis/redis_backend.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

#include "backends/redis/redis_backend_impl.h"

namespace statebench {
namespace redis_internal {
namespace {

std::vector<BackendOptionInfo> RedisSpecificOptions() {
  return {
      {"mode", "buffered",
       "buffered (exactly-once: writes committed with the checkpoint) or "
       "write-through (every op goes to the server; not exactly-once)"},
      {"pipeline", "auto",
       "commands per round trip: 10000 in buffered mode, 1 in write-through"},
  };
}

int64_t ParseCheckpointId(const redisReply& r) {
  if (r.type != REDIS_REPLY_STRING) return kNoCheckpoint;
  std::string_view s = ReplyString(r);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size() ? v : kNoCheckpoint;
}

}  // namespace

Capabilities RedisCapabilities(bool buffered) {
  Capabilities c;
  // Only the server's settings can make it durable (ApplyRedisPersistence).
  c.durable = false;
  c.durability_note =
      "durable only when the server runs with appendonly yes and "
      "appendfsync always";
  c.incremental = false;
  c.remote = true;
  c.exactly_once = buffered;
  c.memory_bound = false;
  c.rescale_mode = RescaleMode::kSharedStore;
  return c;
}

std::map<std::string, std::string> ReadRedisPersistence(RedisConnection* conn) {
  std::map<std::string, std::string> out;
  for (const char* name : {"appendonly", "appendfsync", "save"}) {
    Result<RedisReplyPtr> r = conn->Command({"CONFIG", "GET", name});
    if (!r.ok()) {
      return {{"error", "CONFIG GET " + std::string(name) +
                            " failed: " + r.status().message()}};
    }
    const redisReply& reply = **r;
    if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 2) {
      return {
          {"error", "CONFIG GET " + std::string(name) + " returned no value"}};
    }
    out[name] = std::string(ReplyString(*reply.element[1]));
  }
  return out;
}

void ApplyRedisPersistence(Capabilities* c) {
  const auto& p = c->persistence;
  auto get = [&](const char* k) {
    auto it = p.find(k);
    return it == p.end() ? std::string() : it->second;
  };
  c->durable = false;
  if (p.empty()) return;  // not read (no server): keep the generic note
  if (p.count("error")) {
    c->durability_note = "persistence settings unreadable (" + get("error") +
                         "): taken as not durable";
    return;
  }
  const std::string aof = get("appendonly");
  const std::string fsync = get("appendfsync");
  const std::string save = get("save");
  if (aof == "yes" && fsync == "always") {
    c->durable = true;
    c->durability_note =
        "appendonly yes, appendfsync always: a checkpoint's commit is "
        "fsynced to the AOF before the server acknowledges it";
  } else if (aof == "yes" && fsync == "everysec") {
    c->durability_note =
        "appendonly yes, appendfsync everysec: a server crash can lose up "
        "to 1 s of committed checkpoints";
  } else if (aof == "yes") {
    c->durability_note = "appendonly yes, appendfsync " + fsync +
                         ": a server crash can lose committed checkpoints "
                         "the kernel had not written to disk (tens of "
                         "seconds)";
  } else if (save.empty()) {
    c->durability_note =
        "appendonly no and no RDB saves (save \"\"): a server crash loses "
        "all state";
  } else {
    c->durability_note = "appendonly no, RDB saves only (save " + save +
                         "): a server crash loses every checkpoint since "
                         "the last RDB save";
  }
}

RedisBackend::RedisBackend(const BackendConfig& config,
                           std::shared_ptr<RedisCore> core)
    : config_(config),
      core_(std::move(core)),
      conn_(core_->settings().uri, core_->settings().password,
            core_->settings().connect_timeout_ms,
            core_->settings().command_timeout_ms),
      io_(core_->settings()) {
  ResetLocal({config_.key_groups});
}

Status RedisBackend::Open() {
  SB_RETURN_IF_ERROR(Scrub(conn_.EnsureConnected()));
  persistence_ = ReadRedisPersistence(&conn_);
  if (auto e = persistence_.find("error"); e != persistence_.end()) {
    e->second = Scrub(Status::Unavailable(e->second)).message();
  }
  io_.Start();
  return Status::Ok();
}

Status RedisBackend::Prepare(const StateKey& k, StateKind kind) {
  if (closed_) return Closed();
  state_name_ = states_.Find(k.state, kind);
  if (state_name_ == nullptr) {
    return Status::InvalidArgument(
        "redis: state id " + std::to_string(k.state) + " is not a registered " +
        std::string(StateKindName(kind)) + " state");
  }
  if (!config_.key_groups.Contains(k.key_group)) {
    return Status::InvalidArgument(
        "redis: key group " + std::to_string(k.key_group) +
        " is outside this instance's range " + config_.key_groups.ToString());
  }
  EncodeEntryAddress(k, &address_);
  return wt_clear_.empty() ? Status::Ok() : ClearPendingRanges();
}

Status RedisBackend::ClearPendingRanges() {
  SB_RETURN_IF_ERROR(DrainWriteThrough());
  SB_RETURN_IF_ERROR(Scrub(core_->ClearRanges(&conn_, wt_clear_)));
  wt_clear_.clear();
  return Status::Ok();
}

Result<RedisReplyPtr> RedisBackend::ReadServer(
    std::initializer_list<std::string_view> argv, bool with_checkpoint,
    int64_t* server_ckpt) {
  *server_ckpt = kNoCheckpoint;
  if (!with_checkpoint) {
    Result<RedisReplyPtr> r = conn_.Command(argv);
    if (!r.ok()) return Scrub(r.status());
    return r;
  }
  std::string ckpt_key = names().Checkpoint(config_.key_groups);
  Status s = conn_.Append({"MULTI"});
  if (s.ok()) s = conn_.Append({"GET", ckpt_key});
  if (s.ok()) s = conn_.Append(argv);
  if (s.ok()) s = conn_.Append({"EXEC"});
  Status first_error = s;
  RedisReplyPtr exec;
  while (conn_.Outstanding() > 0) {
    Result<RedisReplyPtr> r = conn_.ReadReply();
    if (!r.ok() && first_error.ok()) first_error = r.status();
    if (r.ok() && conn_.Outstanding() == 0) exec = std::move(r).value();
  }
  if (!first_error.ok()) return Scrub(first_error);
  if (!exec || exec->type != REDIS_REPLY_ARRAY || exec->elements != 2) {
    return Status::Internal(conn_.Describe() + ": unexpected EXEC reply");
  }
  *server_ckpt = ParseCheckpointId(*exec->element[0]);
  if (exec->element[1]->type == REDIS_REPLY_ERROR) {
    return Status::IoError(conn_.Describe() + ": " +
                           std::string(ReplyString(*exec->element[1])));
  }
  // Detach element 1 so that it outlives the EXEC reply.
  RedisReplyPtr result(exec->element[1]);
  exec->element[1] = nullptr;
  return result;
}

Status RedisBackend::ValueGet(const StateKey& k, std::string* value,
                              bool* found) {
  SB_RETURN_IF_ERROR(Prepare(k, StateKind::kValue));
  if (buffered()) {
    Probe p = ProbeLayers(
        [&](const Layer& l) { return ProbeValue(l, address_, value); });
    if (p != Probe::kMiss) {
      *found = p == Probe::kFound;
      Count(&reads_local_);
      return Status::Ok();
    }
  } else {
    SB_RETURN_IF_ERROR(DrainWriteThrough());
  }
  Count(&reads_server_);
  int64_t unused;
  SB_ASSIGN_OR_RETURN(
      RedisReplyPtr r,
      ReadServer({"HGET", names().ValueHash(k.key_group, StateName()), KeyNs()},
                 false, &unused));
  *found = r->type == REDIS_REPLY_STRING;
  if (*found) value->assign(r->str, r->len);
  return Status::Ok();
}

Status RedisBackend::ValuePut(const StateKey& k, std::string_view value) {
  SB_RETURN_IF_ERROR(Prepare(k, StateKind::kValue));
  uint64_t bytes = KeyNs().size() + value.size();
  if (buffered()) {
    active_->values.insert_or_assign(address_, std::string(value));
    active_->logical_bytes += bytes;
    ++active_->ops;
    return Status::Ok();
  }
  return WriteThrough(
      {"HSET", names().ValueHash(k.key_group, StateName()), KeyNs(), value},
      {Effect::kHset, 1, bytes});
}

Status RedisBackend::ValueRemove(const StateKey& k) {
  SB_RETURN_IF_ERROR(Prepare(k, StateKind::kValue));
  if (buffered()) {
    active_->values.insert_or_assign(address_, std::nullopt);
    active_->logical_bytes += KeyNs().size();
    ++active_->ops;
    return Status::Ok();
  }
  return WriteThrough(
      {"HDEL", names().ValueHash(k.key_group, StateName()), KeyNs()},
      {Effect::kHdel, 1, 0});
}

Status RedisBackend::ListAppend(const StateKey& k, std::string_view value) {
  SB_RETURN_IF_ERROR(Prepare(k, StateKind::kList));
  uint64_t bytes = KeyNs().size() + value.size();
  if (buffered()) {
    active_->lists[address_].appended.emplace_back(value);
    active_->logical_bytes += bytes;
    ++active_->ops;
    return Status::Ok();
  }
  return WriteThrough(
      {"RPUSH", names().List(k.key_group, StateName(), KeyNs()), value},
      {Effect::kRpush, 1, bytes});
}

Status RedisBackend::ListClear(const StateKey& k) {
  SB_RETURN_IF_ERROR(Prepare(k, StateKind::kList));
  if (buffered()) {
    ListDelta& d = active_->lists[address_];
    d.cleared = true;
    d.appended.clear();
    active_->logical_bytes += KeyNs().size();
    ++active_->ops;
    return Status::Ok();
  }
  std::string list = names().List(k.key_group, StateName(), KeyNs());
  SB_RETURN_IF_ERROR(WriteThrough({"LLEN", list}, {Effect::kLlen, 0, 0}));
  return WriteThrough({"DEL", list}, {});
}

Status RedisBackend::ListGet(const StateKey& k,
                             std::vector<std::string>* values) {
  SB_RETURN_IF_ERROR(Prepare(k, StateKind::kList));
  values->clear();
  std::vector<std::pair<int64_t, const ListDelta*>> deltas;  // newest first
  std::vector<std::shared_ptr<const Layer>> pending;
  bool stopped = false;
  if (buffered()) {
    stopped = CollectDeltas(
        [&](const Layer& l) {
          auto it = l.lists.find(address_);
          if (it != l.lists.end()) {
            deltas.emplace_back(l.checkpoint_id, &it->second);
            if (it->second.cleared) return true;
          }
          return ClearsAddress(l, address_);
        },
        &pending);
  } else {
    SB_RETURN_IF_ERROR(DrainWriteThrough());
  }
  Count(stopped ? &reads_local_ : &reads_server_);
  if (!stopped) {
    int64_t applied;
    SB_ASSIGN_OR_RETURN(
        RedisReplyPtr reply,
        ReadServer({"LRANGE", names().List(k.key_group, StateName(), KeyNs()),
                    "0", "-1"},
                   !pending.empty(), &applied));
    // Layers the server already holds must not be applied twice.
    std::erase_if(deltas, [&](const auto& d) { return d.first <= applied; });
    for (size_t i = 0; i < reply->elements; ++i) {
      values->emplace_back(ReplyString(*reply->element[i]));
    }
  }
  for (auto it = deltas.rbegin(); it != deltas.rend(); ++it) {
    values->insert(values->end(), it->second->appended.begin(),
                   it->second->appended.end());
  }
  return Status::Ok();
}

Status RedisBackend::MapPut(const StateKey& k, std::string_view user_key,
                            std::string_view value) {
  SB_RETURN_IF_ERROR(Prepare(k, StateKind::kMap));
  uint64_t bytes = KeyNs().size() + user_key.size() + value.size();
  if (buffered()) {
    active_->maps[address_].insert_or_assign(std::string(user_key),
                                             std::string(value));
    active_->logical_bytes += bytes;
    ++active_->ops;
    return Status::Ok();
  }
  return WriteThrough(
      {"HSET", names().Map(k.key_group, StateName(), KeyNs()), user_key, value},
      {Effect::kHset, 1, bytes});
}

Status RedisBackend::MapRemove(const StateKey& k, std::string_view user_key) {
  SB_RETURN_IF_ERROR(Prepare(k, StateKind::kMap));
  if (buffered()) {
    active_->maps[address_].insert_or_assign(std::string(user_key),
                                             std::nullopt);
    active_->logical_bytes += KeyNs().size() + user_key.size();
    ++active_->ops;
    return Status::Ok();
  }
  return WriteThrough(
      {"HDEL", names().Map(k.key_group, StateName(), KeyNs()), user_key},
      {Effect::kHdel, 1, 0});
}

Status RedisBackend::MapGet(const StateKey& k, std::string_view user_key,
                            std::string* value, bool* found) {
  SB_RETURN_IF_ERROR(Prepare(k, StateKind::kMap));
  if (buffered()) {
    Probe p = ProbeLayers([&](const Layer& l) {
      return ProbeMapEntry(l, address_, user_key, value);
    });
    if (p != Probe::kMiss) {
      *found = p == Probe::kFound;
      Count(&reads_local_);
      return Status::Ok();
    }
  } else {
    SB_RETURN_IF_ERROR(DrainWriteThrough());
  }
  Count(&reads_server_);
  int64_t unused;
  SB_ASSIGN_OR_RETURN(
      RedisReplyPtr r,
      ReadServer(
          {"HGET", names().Map(k.key_group, StateName(), KeyNs()), user_key},
          false, &unused));
  *found = r->type == REDIS_REPLY_STRING;
  if (*found) value->assign(r->str, r->len);
  return Status::Ok();
}

Status RedisBackend::MapScan(
    const StateKey& k, std::string_view from, std::string_view to, size_t limit,
    std::vector<std::pair<std::string, std::string>>* entries) {
  SB_RETURN_IF_ERROR(Prepare(k, StateKind::kMap));
  entries->clear();
  std::vector<std::pair<int64_t, const MapDelta*>> deltas;  // newest first
  std::vector<std::shared_ptr<const Layer>> pending;
  bool stopped = false;
  if (buffered()) {
    stopped = CollectDeltas(
        [&](const Layer& l) {
          auto it = l.maps.find(address_);
          if (it != l.maps.end()) {
            deltas.emplace_back(l.checkpoint_id, &it->second);
          }
          return ClearsAddress(l, address_);
        },
        &pending);
  } else {
    SB_RETURN_IF_ERROR(DrainWriteThrough());
  }
  // The server returns a hash unordered; merge and sort here. A scan costs
  // O(entries of the map) whatever the bounds: the price of one hash per
  // (key, namespace).
  std::map<std::string, std::string> merged;
  Count(stopped ? &reads_local_ : &reads_server_);
  if (!stopped) {
    int64_t applied;
    SB_ASSIGN_OR_RETURN(
        RedisReplyPtr reply,
        ReadServer({"HGETALL", names().Map(k.key_group, StateName(), KeyNs())},
                   !pending.empty(), &applied));
    std::erase_if(deltas, [&](const auto& d) { return d.first <= applied; });
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
      merged.emplace(ReplyString(*reply->element[i]),
                     ReplyString(*reply->element[i + 1]));
    }
  }
  for (auto it = deltas.rbegin(); it != deltas.rend(); ++it) {
    for (const auto& [user_key, value] : *it->second) {
      if (value.has_value()) {
        merged.insert_or_assign(user_key, *value);
      } else {
        merged.erase(user_key);
      }
    }
  }
  for (auto it = merged.lower_bound(std::string(from)); it != merged.end();
       ++it) {
    if (!to.empty() && std::string_view(it->first) >= to) break;
    if (limit != 0 && entries->size() >= limit) break;
    entries->emplace_back(it->first, std::move(it->second));
  }
  return Status::Ok();
}

Status RedisBackend::WriteThrough(std::initializer_list<std::string_view> argv,
                                  Expect expect) {
  Status s = conn_.Append(argv);
  if (!s.ok()) return Scrub(s);
  wt_expects_.push_back(expect);
  if (wt_expects_.size() >= core_->settings().pipeline) {
    return DrainWriteThrough();
  }
  return Status::Ok();
}

Status RedisBackend::DrainWriteThrough() {
  Status first_error;
  for (const Expect& e : wt_expects_) {
    if (conn_.Outstanding() == 0) {
      if (first_error.ok()) {
        first_error = Status::Unavailable(
            conn_.Describe() + ": connection lost with writes in flight");
      }
      break;
    }
    Result<RedisReplyPtr> r = conn_.ReadReply();
    Status s = r.ok() ? ApplyEffect(e, **r, core_.get()) : r.status();
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  wt_expects_.clear();
  return Scrub(first_error);
}

}  // namespace redis_internal

BackendInfo RedisBackendInfo() {
  BackendInfo info;
  info.name = redis_internal::kName;
  info.flink_analogue = "none (the seed's RedisStateBackend)";
  info.description =
      "Redis server via hiredis. buffered mode (default) commits the writes "
      "since the last checkpoint with the checkpoint id in one MULTI/EXEC "
      "(exactly-once); write-through mode sends every op at once and is not "
      "exactly-once. Durability depends on the server's persistence "
      "(appendonly/appendfsync).";
  info.capabilities = redis_internal::RedisCapabilities(true);
  info.embedded = false;
  info.options = CommonServerOptionInfos("redis://127.0.0.1:6379/0");
  for (auto& o : redis_internal::RedisSpecificOptions()) {
    info.options.push_back(o);
  }
  return info;
}

Result<std::shared_ptr<const BackendSettings>> ParseRedisOptions(
    const std::map<std::string, std::string>& options) {
  constexpr const char* kName = redis_internal::kName;
  SB_ASSIGN_OR_RETURN(
      ServerOptions opts,
      ParseServerOptions(kName, options,
                         redis_internal::RedisSpecificOptions()));
  RedisSettings s;
  SB_ASSIGN_OR_RETURN(
      s.uri,
      ParseRedisUri(opts.uri.empty() ? "redis://127.0.0.1:6379/0" : opts.uri));
  std::string mode =
      opts.specific.count("mode") ? opts.specific["mode"] : "buffered";
  if (mode != "buffered" && mode != "write-through") {
    return Status::InvalidArgument("redis: option mode='" + mode +
                                   "' must be buffered or write-through");
  }
  s.buffered = mode == "buffered";
  s.pipeline = s.buffered ? 10000 : 1;
  if (opts.specific.count("pipeline") && opts.specific["pipeline"] != "auto") {
    SB_ASSIGN_OR_RETURN(
        int64_t p, ParseIntOption(kName, "pipeline", opts.specific["pipeline"],
                                  1, 1000000));
    s.pipeline = static_cast<size_t>(p);
  }
  if (!s.uri.user.empty() && opts.password.empty()) {
    return Status::InvalidArgument(
        "redis: the URI names user '" + s.uri.user +
        "' but neither password_file nor password_env is set");
  }
  s.password = std::move(opts.password);
  s.job = opts.job;
  s.connect_timeout_ms = opts.connect_timeout_ms;
  s.command_timeout_ms = opts.command_timeout_ms;
  s.server_pid = opts.server_pid;
  return MakeBackendSettings(std::move(s));
}

Result<std::unique_ptr<StateBackend>> CreateRedisBackend(
    const BackendConfig& config) {
  SB_ASSIGN_OR_RETURN(auto settings,
                      SettingsFor<RedisSettings>(config, ParseRedisOptions));
  SB_RETURN_IF_ERROR(CheckKeyGroupsFit("redis", config));
  RedisSettings s = settings->value;
  s.max_parallelism = config.max_parallelism;
  auto backend = std::make_unique<redis_internal::RedisBackend>(
      config, std::make_shared<RedisCore>(std::move(s)));
  SB_RETURN_IF_ERROR(backend->Open());
  return std::unique_ptr<StateBackend>(std::move(backend));
}

}  // namespace statebench
