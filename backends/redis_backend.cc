#include "backends/redis_backend.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <unordered_map>
#include <utility>

#include "backends/redis_commit.h"
#include "backends/redis_connection.h"
#include "backends/redis_io_stats.h"
#include "backends/redis_overlay.h"
#include "backends/server_common.h"

namespace statebench {
namespace {

constexpr char kName[] = "redis";

// Parses a decimal; `fallback` for anything else (handles come from files).
int64_t ToInt64(std::string_view s, int64_t fallback) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size() ? v : fallback;
}

std::vector<BackendOptionInfo> RedisSpecificOptions() {
  return {
      {"mode", "buffered",
       "buffered (exactly-once: writes committed with the checkpoint) or "
       "write-through (every op goes to the server; not exactly-once)"},
      {"pipeline", "auto",
       "commands per round trip: 1000 in buffered mode, 1 in write-through"},
  };
}

Capabilities RedisCapabilities(bool buffered) {
  Capabilities c;
  c.durable = true;  // as durable as the server's persistence settings
  c.incremental = false;
  c.remote = true;
  c.exactly_once = buffered;
  c.memory_bound = false;
  c.rescale_mode = RescaleMode::kSharedStore;
  return c;
}

// The async phase of a buffered checkpoint: the commit.
class BufferedSnapshot final : public AsyncSnapshot {
 public:
  BufferedSnapshot(std::shared_ptr<RedisCore> core, int64_t id,
                   KeyGroupRange range, std::vector<std::string> state_names)
      : core_(std::move(core)),
        id_(id),
        range_(range),
        state_names_(std::move(state_names)) {}

  Result<CheckpointHandle> Complete() override {
    SB_ASSIGN_OR_RETURN(CommitResult r,
                        core_->Commit(id_, range_, state_names_));
    CheckpointHandle h = BaseHandle(*core_, id_, range_);
    h.checkpointed_size = r.committed_bytes;
    h.full_size = r.full_bytes;
    h.metadata["entries"] = std::to_string(r.entries);
    h.metadata["committed_layers"] = std::to_string(r.layers);
    return h;
  }

  static CheckpointHandle BaseHandle(const RedisCore& core, int64_t id,
                                     KeyGroupRange range) {
    const RedisSettings& s = core.settings();
    CheckpointHandle h;
    h.backend = kName;
    h.checkpoint_id = id;
    h.type = CheckpointType::kFull;
    h.key_groups = range;
    h.max_parallelism = s.max_parallelism;
    h.location = s.uri.ToString();
    h.metadata["job"] = s.job;
    h.metadata["mode"] = s.buffered ? "buffered" : "write-through";
    h.metadata["server"] = s.uri.HostPort();
    h.metadata["checkpoint_key"] = core.names().Checkpoint(range);
    return h;
  }

 private:
  std::shared_ptr<RedisCore> core_;
  int64_t id_;
  KeyGroupRange range_;
  std::vector<std::string> state_names_;
};

// Write-through checkpoints finish in the sync phase.
class DoneSnapshot final : public AsyncSnapshot {
 public:
  explicit DoneSnapshot(CheckpointHandle h) : handle_(std::move(h)) {}
  Result<CheckpointHandle> Complete() override { return handle_; }

 private:
  CheckpointHandle handle_;
};

class RedisBackend final : public StateBackend {
 public:
  RedisBackend(const BackendConfig& config, std::shared_ptr<RedisCore> core)
      : config_(config),
        core_(std::move(core)),
        conn_(core_->settings().uri, core_->settings().password,
              core_->settings().connect_timeout_ms,
              core_->settings().command_timeout_ms),
        io_(core_->settings()),
        range_(config.key_groups) {
    BecomeEmpty();
  }

  Status Open() {
    SB_RETURN_IF_ERROR(Scrub(conn_.EnsureConnected()));
    io_.Start();
    return Status::Ok();
  }

  Result<StateId> RegisterState(const StateDescriptor& desc) override {
    if (closed_) return Closed();
    auto it = state_ids_.find(desc.name);
    if (it != state_ids_.end()) {
      if (states_[it->second].kind != desc.kind) {
        return Status::InvalidArgument(
            "redis: state '" + desc.name + "' already registered as " +
            std::string(StateKindName(states_[it->second].kind)));
      }
      return it->second;
    }
    bool valid = !desc.name.empty() &&
                 std::all_of(desc.name.begin(), desc.name.end(), [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) ||
                          c == '_' || c == '.' || c == '-';
                 });
    if (!valid) {
      return Status::InvalidArgument("redis: invalid state name '" + desc.name +
                                     "' (want [A-Za-z0-9_.-]+)");
    }
    StateId id = static_cast<StateId>(states_.size());
    states_.push_back(desc);
    state_ids_.emplace(desc.name, id);
    return id;
  }

  Status ValueGet(const StateKey& k, std::string* value, bool* found) override;
  Status ValuePut(const StateKey& k, std::string_view value) override;
  Status ValueRemove(const StateKey& k) override;
  Status ListAppend(const StateKey& k, std::string_view value) override;
  Status ListGet(const StateKey& k, std::vector<std::string>* values) override;
  Status ListClear(const StateKey& k) override;
  Status MapPut(const StateKey& k, std::string_view user_key,
                std::string_view value) override;
  Status MapGet(const StateKey& k, std::string_view user_key,
                std::string* value, bool* found) override;
  Status MapRemove(const StateKey& k, std::string_view user_key) override;
  Status MapScan(
      const StateKey& k, std::string_view from, std::string_view to,
      size_t limit,
      std::vector<std::pair<std::string, std::string>>* entries) override;

  Result<std::unique_ptr<AsyncSnapshot>> SnapshotSync(
      int64_t checkpoint_id) override;
  Status NotifyCheckpointComplete(int64_t) override {
    return closed_ ? Closed() : Status::Ok();
  }
  // The aborted checkpoint's writes stay pending; the next commit carries
  // them.
  Status NotifyCheckpointAborted(int64_t) override {
    return closed_ ? Closed() : Status::Ok();
  }
  Status Restore(const std::vector<CheckpointHandle>& handles,
                 KeyGroupRange range) override;

  Capabilities GetCapabilities() const override {
    return RedisCapabilities(buffered());
  }
  IoStats GetIoStats() override { return io_.Sample(); }
  std::string_view Name() const override { return kName; }

  Status Close() override {
    if (closed_) return Status::Ok();
    // Uncommitted buffered writes are dropped, as in a crash: only
    // checkpoints are durable.
    Status s = buffered() ? Status::Ok() : DrainWriteThrough();
    closed_ = true;
    core_->DiscardPending();
    active_.reset();
    conn_.Drop();
    io_.Stop();
    return Scrub(s);
  }

 private:
  bool buffered() const { return core_->settings().buffered; }
  const RedisKeyNames& names() const { return core_->names(); }
  Status Closed() const {
    return Status::FailedPrecondition("redis: backend is closed");
  }
  Status Scrub(const Status& s) const {
    return ScrubSecret(s, core_->settings().password);
  }

  // Validates the address and encodes it into address_.
  Status Prepare(const StateKey& k, StateKind kind) {
    if (closed_) return Closed();
    if (k.state >= states_.size() || states_[k.state].kind != kind) {
      return Status::InvalidArgument(
          "redis: state id " + std::to_string(k.state) +
          " is not a registered " + std::string(StateKindName(kind)) +
          " state");
    }
    if (!range_.Contains(k.key_group)) {
      return Status::InvalidArgument(
          "redis: key group " + std::to_string(k.key_group) +
          " is outside this instance's range " + range_.ToString());
    }
    EncodeEntryAddress(k, &address_);
    return buffered() ? Status::Ok() : PrepareWriteThrough();
  }
  Status PrepareWriteThrough() {
    if (!clear_pending_) return Status::Ok();
    SB_RETURN_IF_ERROR(DrainWriteThrough());
    SB_RETURN_IF_ERROR(Scrub(core_->ClearRange(&conn_, range_)));
    clear_pending_ = false;
    return Status::Ok();
  }
  std::string_view KeyNs() const {
    return std::string_view(address_).substr(8);
  }
  const std::string& StateName(const StateKey& k) const {
    return states_[k.state].name;
  }

  // An empty instance: nothing of the server's content in range_ counts.
  void BecomeEmpty() {
    core_->DiscardPending();
    active_ = std::make_unique<Layer>();
    active_->range_cleared = true;
    clear_pending_ = !buffered();
    core_->ResetEstimate(0, 0);
  }

  // Looks an entry up in the active layer, then in pending layers.
  template <typename ProbeFn>
  Probe ProbeLayers(ProbeFn probe) {
    Probe p = probe(*active_);
    if (p != Probe::kMiss || !core_->HasPending()) return p;
    std::vector<std::shared_ptr<const Layer>> pending = core_->PendingLayers();
    for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
      p = probe(**it);
      if (p != Probe::kMiss) return p;
    }
    return Probe::kMiss;
  }

  // Reads `argv` from the server together with the checkpoint id it holds
  // for range_ (one MULTI), so layers already applied can be told apart.
  Result<RedisReplyPtr> ReadConsistent(
      std::initializer_list<std::string_view> argv, int64_t* server_ckpt);

  // Walks the layers newest first collecting the deltas of one address;
  // `visit` returns true to stop (a clear). Sets *need_server when the walk
  // reached past the oldest layer, and *pending to the pending layers seen.
  template <typename VisitFn>
  bool CollectDeltas(VisitFn visit,
                     std::vector<std::shared_ptr<const Layer>>* pending) {
    if (visit(*active_)) return true;
    if (!core_->HasPending()) return false;
    *pending = core_->PendingLayers();
    for (auto it = pending->rbegin(); it != pending->rend(); ++it) {
      if (visit(**it)) return true;
    }
    return false;
  }

  // Write-through: queue one command; drain when the pipeline is full.
  Status WriteThrough(std::initializer_list<std::string_view> argv,
                      Expect expect);
  Status DrainWriteThrough();

  BackendConfig config_;
  std::shared_ptr<RedisCore> core_;
  RedisConnection conn_;  // the subtask thread's connection
  RedisIoStats io_;
  std::vector<StateDescriptor> states_;
  std::unordered_map<std::string, StateId> state_ids_;
  KeyGroupRange range_;
  std::unique_ptr<Layer> active_;  // buffered mode
  bool clear_pending_ = false;     // write-through: fresh range not cleared
  bool closed_ = false;
  int64_t last_snapshot_id_ = std::numeric_limits<int64_t>::min();
  std::string address_;             // scratch: encoded entry address
  std::vector<Expect> wt_expects_;  // write-through replies outstanding
};

Result<RedisReplyPtr> RedisBackend::ReadConsistent(
    std::initializer_list<std::string_view> argv, int64_t* server_ckpt) {
  std::string ckpt_key = names().Checkpoint(range_);
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
  const redisReply& id = *exec->element[0];
  *server_ckpt =
      id.type == REDIS_REPLY_STRING
          ? ToInt64(ReplyString(id), std::numeric_limits<int64_t>::min())
          : std::numeric_limits<int64_t>::min();
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
      return Status::Ok();
    }
  } else {
    SB_RETURN_IF_ERROR(DrainWriteThrough());
  }
  Result<RedisReplyPtr> r = conn_.Command(
      {"HGET", names().ValueHash(k.key_group, StateName(k)), KeyNs()});
  if (!r.ok()) return Scrub(r.status());
  *found = (*r)->type == REDIS_REPLY_STRING;
  if (*found) value->assign((*r)->str, (*r)->len);
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
      {"HSET", names().ValueHash(k.key_group, StateName(k)), KeyNs(), value},
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
      {"HDEL", names().ValueHash(k.key_group, StateName(k)), KeyNs()},
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
      {"RPUSH", names().List(k.key_group, StateName(k), KeyNs()), value},
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
  std::string list = names().List(k.key_group, StateName(k), KeyNs());
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
          return l.range_cleared;
        },
        &pending);
  } else {
    SB_RETURN_IF_ERROR(DrainWriteThrough());
  }
  if (!stopped) {
    std::string list = names().List(k.key_group, StateName(k), KeyNs());
    RedisReplyPtr reply;
    if (pending.empty()) {
      Result<RedisReplyPtr> r = conn_.Command({"LRANGE", list, "0", "-1"});
      if (!r.ok()) return Scrub(r.status());
      reply = std::move(r).value();
    } else {
      int64_t applied = 0;
      SB_ASSIGN_OR_RETURN(
          reply, ReadConsistent({"LRANGE", list, "0", "-1"}, &applied));
      // Layers the server already holds must not be applied twice.
      std::erase_if(deltas, [&](const auto& d) { return d.first <= applied; });
    }
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
  return WriteThrough({"HSET", names().Map(k.key_group, StateName(k), KeyNs()),
                       user_key, value},
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
      {"HDEL", names().Map(k.key_group, StateName(k), KeyNs()), user_key},
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
      return Status::Ok();
    }
  } else {
    SB_RETURN_IF_ERROR(DrainWriteThrough());
  }
  Result<RedisReplyPtr> r = conn_.Command(
      {"HGET", names().Map(k.key_group, StateName(k), KeyNs()), user_key});
  if (!r.ok()) return Scrub(r.status());
  *found = (*r)->type == REDIS_REPLY_STRING;
  if (*found) value->assign((*r)->str, (*r)->len);
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
          return l.range_cleared;
        },
        &pending);
  } else {
    SB_RETURN_IF_ERROR(DrainWriteThrough());
  }
  // The server returns a hash unordered; merge and sort here. A scan costs
  // O(entries of the map) whatever the bounds: the price of one hash per
  // (key, namespace).
  std::map<std::string, std::string> merged;
  if (!stopped) {
    std::string map = names().Map(k.key_group, StateName(k), KeyNs());
    RedisReplyPtr reply;
    if (pending.empty()) {
      Result<RedisReplyPtr> r = conn_.Command({"HGETALL", map});
      if (!r.ok()) return Scrub(r.status());
      reply = std::move(r).value();
    } else {
      int64_t applied = 0;
      SB_ASSIGN_OR_RETURN(reply, ReadConsistent({"HGETALL", map}, &applied));
      std::erase_if(deltas, [&](const auto& d) { return d.first <= applied; });
    }
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
        first_error = Status::Unavailable(conn_.Describe() +
                                          ": connection lost with writes in "
                                          "flight");
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

Result<std::unique_ptr<AsyncSnapshot>> RedisBackend::SnapshotSync(
    int64_t checkpoint_id) {
  if (closed_) return Closed();
  if (checkpoint_id <= last_snapshot_id_) {
    return Status::InvalidArgument("redis: checkpoint ids must increase (got " +
                                   std::to_string(checkpoint_id) + " after " +
                                   std::to_string(last_snapshot_id_) + ")");
  }
  std::vector<std::string> state_names;
  for (const auto& d : states_) state_names.push_back(d.name);
  if (buffered()) {
    active_->checkpoint_id = checkpoint_id;
    core_->PushPending(std::shared_ptr<const Layer>(std::move(active_)));
    active_ = std::make_unique<Layer>();
    last_snapshot_id_ = checkpoint_id;
    return std::unique_ptr<AsyncSnapshot>(std::make_unique<BufferedSnapshot>(
        core_, checkpoint_id, range_, std::move(state_names)));
  }
  SB_RETURN_IF_ERROR(PrepareWriteThrough());
  SB_RETURN_IF_ERROR(DrainWriteThrough());
  Result<RedisReplyPtr> r = conn_.Command(
      {"SET", names().Checkpoint(range_), std::to_string(checkpoint_id)});
  if (!r.ok()) return Scrub(r.status());
  last_snapshot_id_ = checkpoint_id;
  core_->SetLastCommitted(checkpoint_id);
  CheckpointHandle h =
      BufferedSnapshot::BaseHandle(*core_, checkpoint_id, range_);
  LiveSizeEstimate e = core_->Estimate();
  h.full_size = e.bytes();
  h.checkpointed_size = 0;  // the data went to the server op by op
  h.metadata["entries"] = std::to_string(e.entries());
  return std::unique_ptr<AsyncSnapshot>(
      std::make_unique<DoneSnapshot>(std::move(h)));
}

Status RedisBackend::Restore(const std::vector<CheckpointHandle>& handles,
                             KeyGroupRange range) {
  if (closed_) return Closed();
  // Drop everything local first: on any failure the instance is empty.
  conn_.Drop();
  wt_expects_.clear();
  range_ = config_.key_groups;
  BecomeEmpty();
  if (!range.empty() && range.Intersect(config_.key_groups) != range) {
    return Status::InvalidArgument("redis: restore range " + range.ToString() +
                                   " is not within this instance's range " +
                                   config_.key_groups.ToString());
  }
  if (handles.empty()) return Status::Ok();
  const RedisSettings& s = core_->settings();
  int64_t id = handles.front().checkpoint_id;
  int covered = 0;
  uint64_t entries = 0, bytes = 0;
  for (const CheckpointHandle& h : handles) {
    auto job = h.metadata.find("job");
    if (h.backend != kName || h.checkpoint_id != id ||
        h.max_parallelism != s.max_parallelism || job == h.metadata.end() ||
        job->second != s.job) {
      return Status::InvalidArgument(
          "redis: handle for key groups " + h.key_groups.ToString() +
          " is not a redis checkpoint " + std::to_string(id) + " of job '" +
          s.job + "' at max parallelism " + std::to_string(s.max_parallelism));
    }
    Result<RedisReplyPtr> r =
        conn_.Command({"GET", names().Checkpoint(h.key_groups)});
    if (!r.ok()) return Scrub(r.status());
    std::string held = (*r)->type == REDIS_REPLY_STRING
                           ? std::string(ReplyString(**r))
                           : std::string("none");
    if (held != std::to_string(id)) {
      return Status::FailedPrecondition(
          conn_.Describe() + ": server holds checkpoint " + held +
          " for key groups " + h.key_groups.ToString() + " of job '" + s.job +
          "', asked for " + std::to_string(id) +
          " (a shared store cannot roll back)");
    }
    int overlap = h.key_groups.Intersect(range).size();
    covered += overlap;
    auto e = h.metadata.find("entries");
    uint64_t handle_entries = static_cast<uint64_t>(std::max<int64_t>(
        0, e == h.metadata.end() ? 0 : ToInt64(e->second, 0)));
    entries += ProrateByKeyGroups(handle_entries, overlap, h.key_groups.size());
    bytes += ProrateByKeyGroups(h.full_size, overlap, h.key_groups.size());
  }
  if (covered < range.size()) {
    return Status::InvalidArgument(
        "redis: the handles cover " + std::to_string(covered) + " of the " +
        std::to_string(range.size()) + " key groups of " + range.ToString());
  }
  bool same_range = std::any_of(handles.begin(), handles.end(),
                                [&](auto& h) { return h.key_groups == range; });
  if (!same_range) {
    // A checkpoint key for the new range can only be stale (an earlier
    // incarnation at this parallelism); reads must not trust it.
    Result<RedisReplyPtr> r = conn_.Command({"DEL", names().Checkpoint(range)});
    if (!r.ok()) return Scrub(r.status());
  }
  range_ = range;
  active_ = std::make_unique<Layer>();
  clear_pending_ = false;
  core_->ResetEstimate(entries, bytes);
  core_->SetLastCommitted(id);
  last_snapshot_id_ = id;
  return Status::Ok();
}

}  // namespace

BackendInfo RedisBackendInfo() {
  BackendInfo info;
  info.name = kName;
  info.flink_analogue = "none (the seed's RedisStateBackend)";
  info.description =
      "Redis server via hiredis. buffered mode (default) commits the writes "
      "since the last checkpoint with the checkpoint id in one MULTI/EXEC "
      "(exactly-once); write-through mode sends every op at once and is not "
      "exactly-once. Durability depends on the server's persistence "
      "(appendonly/appendfsync).";
  info.capabilities = RedisCapabilities(true);
  info.embedded = false;
  info.options = CommonServerOptionInfos("redis://127.0.0.1:6379/0");
  for (auto& o : RedisSpecificOptions()) info.options.push_back(o);
  return info;
}

Result<std::unique_ptr<StateBackend>> CreateRedisBackend(
    const BackendConfig& config) {
  SB_ASSIGN_OR_RETURN(
      ServerOptions opts,
      ParseServerOptions(kName, config.options, RedisSpecificOptions()));
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
  s.pipeline = s.buffered ? 1000 : 1;
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
  if (config.max_parallelism <= 0 || config.key_groups.empty() ||
      config.key_groups.start < 0 ||
      config.key_groups.end >= config.max_parallelism) {
    return Status::InvalidArgument("redis: key groups " +
                                   config.key_groups.ToString() +
                                   " do not fit max parallelism " +
                                   std::to_string(config.max_parallelism));
  }
  s.password = std::move(opts.password);
  s.job = opts.job;
  s.connect_timeout_ms = opts.connect_timeout_ms;
  s.command_timeout_ms = opts.command_timeout_ms;
  s.server_pid = opts.server_pid;
  s.max_parallelism = config.max_parallelism;
  auto backend = std::make_unique<RedisBackend>(
      config, std::make_shared<RedisCore>(std::move(s)));
  SB_RETURN_IF_ERROR(backend->Open());
  return std::unique_ptr<StateBackend>(std::move(backend));
}

}  // namespace statebench
