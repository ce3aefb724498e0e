#include "backends/redis_commit.h"

#include <algorithm>
#include <utility>

namespace statebench {
namespace {

// One MULTI ... EXEC block sent with bounded pipelining: after `pipeline`
// queued commands the +QUEUED replies are read, so neither the client's
// output buffer nor the server's input buffer grows with the batch.
class MultiBatch {
 public:
  MultiBatch(RedisConnection* conn, size_t pipeline)
      : conn_(conn), pipeline_(std::max<size_t>(pipeline, 1)) {}

  Status Begin() { return conn_->Append({"MULTI"}); }

  Status Add(int argc, const char** argv, const size_t* lens, Expect e) {
    SB_RETURN_IF_ERROR(conn_->AppendArgv(argc, argv, lens));
    expects_.push_back(e);
    if (conn_->Outstanding() >= pipeline_) return Drain(0);
    return Status::Ok();
  }
  Status Add(std::initializer_list<std::string_view> argv, Expect e) {
    SB_RETURN_IF_ERROR(conn_->Append(argv));
    expects_.push_back(e);
    if (conn_->Outstanding() >= pipeline_) return Drain(0);
    return Status::Ok();
  }

  // Sends EXEC and returns its array reply.
  Result<RedisReplyPtr> Exec() {
    SB_RETURN_IF_ERROR(conn_->Append({"EXEC"}));
    SB_RETURN_IF_ERROR(Drain(1));
    Result<RedisReplyPtr> exec = conn_->ReadReply();
    if (!queue_error_.ok()) return queue_error_;  // EXECABORT: nothing applied
    if (!exec.ok()) return exec.status();
    if ((*exec)->type != REDIS_REPLY_ARRAY ||
        (*exec)->elements != expects_.size()) {
      return Status::Internal(conn_->Describe() +
                              ": unexpected EXEC reply shape");
    }
    return exec;
  }

  const std::vector<Expect>& expects() const { return expects_; }

 private:
  // Reads replies until `keep` remain outstanding.
  Status Drain(size_t keep) {
    while (conn_->Outstanding() > keep) {
      Result<RedisReplyPtr> r = conn_->ReadReply();
      if (!r.ok()) {
        // A lost connection discards the MULTI on the server; stop here
        // rather than let a reconnect send the rest outside of it.
        if (!conn_->connected()) return r.status();
        if (queue_error_.ok()) queue_error_ = r.status();
      }
    }
    return Status::Ok();
  }

  RedisConnection* conn_;
  size_t pipeline_;
  std::vector<Expect> expects_;
  Status queue_error_;
};

// Queues the commands that apply `layer`.
Status QueueLayer(const Layer& layer, const RedisKeyNames& names,
                  const std::vector<std::string>& state_names,
                  MultiBatch* batch) {
  auto state_name = [&](StateId id) -> const std::string& {
    return state_names[id];
  };
  for (const auto& [address, value] : layer.values) {
    DecodedAddress a = DecodeEntryAddress(address);
    std::string hash = names.ValueHash(a.key_group, state_name(a.state));
    if (value.has_value()) {
      uint64_t bytes = a.key_ns.size() + value->size();
      SB_RETURN_IF_ERROR(batch->Add({"HSET", hash, a.key_ns, *value},
                                    {Effect::kHset, 1, bytes}));
    } else {
      SB_RETURN_IF_ERROR(
          batch->Add({"HDEL", hash, a.key_ns}, {Effect::kHdel, 1, 0}));
    }
  }
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& [address, delta] : layer.lists) {
    DecodedAddress a = DecodeEntryAddress(address);
    std::string list = names.List(a.key_group, state_name(a.state), a.key_ns);
    if (delta.cleared) {
      SB_RETURN_IF_ERROR(batch->Add({"LLEN", list}, {Effect::kLlen, 0, 0}));
      SB_RETURN_IF_ERROR(batch->Add({"DEL", list}, {}));
    }
    if (delta.appended.empty()) continue;
    argv = {"RPUSH", list.data()};
    lens = {5, list.size()};
    uint64_t bytes = 0;
    for (const std::string& v : delta.appended) {
      argv.push_back(v.data());
      lens.push_back(v.size());
      bytes += a.key_ns.size() + v.size();
    }
    SB_RETURN_IF_ERROR(batch->Add(
        static_cast<int>(argv.size()), argv.data(), lens.data(),
        {Effect::kRpush, static_cast<uint32_t>(delta.appended.size()), bytes}));
  }
  for (const auto& [address, delta] : layer.maps) {
    DecodedAddress a = DecodeEntryAddress(address);
    std::string map = names.Map(a.key_group, state_name(a.state), a.key_ns);
    for (const auto& [user_key, value] : delta) {
      if (value.has_value()) {
        uint64_t bytes = a.key_ns.size() + user_key.size() + value->size();
        SB_RETURN_IF_ERROR(batch->Add({"HSET", map, user_key, *value},
                                      {Effect::kHset, 1, bytes}));
      } else {
        SB_RETURN_IF_ERROR(
            batch->Add({"HDEL", map, user_key}, {Effect::kHdel, 1, 0}));
      }
    }
  }
  return Status::Ok();
}

Status QueueDeletes(const std::vector<std::string>& keys, MultiBatch* batch) {
  constexpr size_t kKeysPerDel = 256;
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (size_t i = 0; i < keys.size(); i += kKeysPerDel) {
    argv = {"DEL"};
    lens = {3};
    for (size_t j = i; j < std::min(keys.size(), i + kKeysPerDel); ++j) {
      argv.push_back(keys[j].data());
      lens.push_back(keys[j].size());
    }
    SB_RETURN_IF_ERROR(batch->Add(static_cast<int>(argv.size()), argv.data(),
                                  lens.data(), {}));
  }
  return Status::Ok();
}

}  // namespace

RedisCore::RedisCore(RedisSettings settings)
    : settings_(std::move(settings)),
      names_(settings_.job),
      commit_conn_(settings_.uri, settings_.password,
                   settings_.connect_timeout_ms, settings_.command_timeout_ms) {
}

void RedisCore::PushPending(std::shared_ptr<const Layer> layer) {
  std::lock_guard<std::mutex> lock(pending_mu_);
  pending_.push_back(std::move(layer));
  pending_count_.store(pending_.size());
}

std::vector<std::shared_ptr<const Layer>> RedisCore::PendingLayers() const {
  std::lock_guard<std::mutex> lock(pending_mu_);
  return {pending_.begin(), pending_.end()};
}

void RedisCore::DiscardPending() {
  std::lock_guard<std::mutex> lock(pending_mu_);
  pending_.clear();
  pending_count_.store(0);
}

void RedisCore::ResetEstimate(uint64_t entries, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(estimate_mu_);
  estimate_.Reset(entries, bytes);
}
void RedisCore::EstimateInserted(uint64_t bytes, uint64_t count) {
  std::lock_guard<std::mutex> lock(estimate_mu_);
  estimate_.Inserted(bytes, count);
}
void RedisCore::EstimateRemoved(uint64_t count) {
  std::lock_guard<std::mutex> lock(estimate_mu_);
  estimate_.Removed(count);
}
LiveSizeEstimate RedisCore::Estimate() const {
  std::lock_guard<std::mutex> lock(estimate_mu_);
  return estimate_;
}

void RedisCore::SetLastCommitted(int64_t id) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  last_committed_ = id;
}

Status ApplyEffect(const Expect& expect, const redisReply& reply,
                   RedisCore* core) {
  if (expect.effect == Effect::kNone) return Status::Ok();
  if (expect.effect == Effect::kRpush) {
    core->EstimateInserted(expect.bytes, expect.count);
    return Status::Ok();
  }
  if (reply.type != REDIS_REPLY_INTEGER) {
    return Status::Internal("redis: unexpected reply type " +
                            std::to_string(reply.type) +
                            " where an integer was expected");
  }
  switch (expect.effect) {
    case Effect::kHset:
      if (reply.integer > 0) core->EstimateInserted(expect.bytes);
      break;
    case Effect::kHdel:
    case Effect::kLlen:
      core->EstimateRemoved(static_cast<uint64_t>(reply.integer));
      break;
    default:
      break;
  }
  return Status::Ok();
}

Status ScanJobKeys(RedisConnection* conn, const RedisKeyNames& names,
                   const std::vector<KeyGroupRange>& ranges,
                   std::vector<std::string>* keys) {
  std::string pattern = names.prefix() + "*";
  std::string cursor = "0";
  do {
    SB_ASSIGN_OR_RETURN(
        RedisReplyPtr reply,
        conn->Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}));
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[1]->type != REDIS_REPLY_ARRAY) {
      return Status::Internal(conn->Describe() + ": unexpected SCAN reply");
    }
    cursor = std::string(ReplyString(*reply->element[0]));
    const redisReply& batch = *reply->element[1];
    for (size_t i = 0; i < batch.elements; ++i) {
      std::string_view key = ReplyString(*batch.element[i]);
      KeyGroupRange ckpt;
      int kg = names.ClassifyScannedKey(key, &ckpt);
      bool ours = std::any_of(ranges.begin(), ranges.end(), [&](auto& r) {
        return kg >= 0 ? r.Contains(kg)
                       : kg == -1 && !ckpt.Intersect(r).empty();
      });
      if (ours) keys->emplace_back(key);
    }
  } while (cursor != "0");
  return Status::Ok();
}

Status RedisCore::ClearRanges(RedisConnection* conn,
                              const std::vector<KeyGroupRange>& ranges) {
  std::vector<std::string> keys;
  SB_RETURN_IF_ERROR(ScanJobKeys(conn, names_, ranges, &keys));
  if (keys.empty()) return Status::Ok();
  MultiBatch batch(conn, settings_.pipeline);
  SB_RETURN_IF_ERROR(batch.Begin());
  SB_RETURN_IF_ERROR(QueueDeletes(keys, &batch));
  return batch.Exec().status();
}

Result<CommitResult> RedisCore::Commit(
    int64_t checkpoint_id, KeyGroupRange range,
    const std::vector<std::string>& state_names) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  if (checkpoint_id <= last_committed_) {
    return Status::FailedPrecondition(
        commit_conn_.Describe() + ": checkpoint " +
        std::to_string(checkpoint_id) + " was already superseded by " +
        std::to_string(last_committed_));
  }
  std::vector<std::shared_ptr<const Layer>> layers;
  {
    std::lock_guard<std::mutex> plock(pending_mu_);
    for (const auto& l : pending_) {
      if (l->checkpoint_id > checkpoint_id) break;
      layers.push_back(l);
    }
  }
  // Only the oldest pending layer can clear (the first after a restore or
  // a fresh start), so deleting before applying any layer is its order.
  std::vector<KeyGroupRange> cleared;
  for (const auto& l : layers) {
    cleared.insert(cleared.end(), l->cleared.begin(), l->cleared.end());
  }
  std::vector<std::string> clear_keys;
  if (!cleared.empty()) {
    SB_RETURN_IF_ERROR(
        ScanJobKeys(&commit_conn_, names_, cleared, &clear_keys));
  }
  CommitResult result;
  Status s = CommitLayersLocked(layers, clear_keys, checkpoint_id, range,
                                state_names, &result);
  if (!s.ok()) return ScrubSecret(s, settings_.password);
  {
    std::lock_guard<std::mutex> plock(pending_mu_);
    pending_.erase(pending_.begin(), pending_.begin() + layers.size());
    pending_count_.store(pending_.size());
  }
  last_committed_ = checkpoint_id;
  LiveSizeEstimate e = Estimate();
  result.full_bytes = e.bytes();
  result.entries = e.entries();
  result.layers = layers.size();
  return result;
}

Status RedisCore::CommitLayersLocked(
    const std::vector<std::shared_ptr<const Layer>>& layers,
    const std::vector<std::string>& clear_keys, int64_t checkpoint_id,
    KeyGroupRange range, const std::vector<std::string>& state_names,
    CommitResult* result) {
  MultiBatch batch(&commit_conn_, settings_.pipeline);
  SB_RETURN_IF_ERROR(batch.Begin());
  SB_RETURN_IF_ERROR(QueueDeletes(clear_keys, &batch));
  for (const auto& layer : layers) {
    SB_RETURN_IF_ERROR(QueueLayer(*layer, names_, state_names, &batch));
    result->committed_bytes += layer->logical_bytes;
  }
  std::string id = std::to_string(checkpoint_id);
  SB_RETURN_IF_ERROR(batch.Add({"SET", names_.Checkpoint(range), id}, {}));
  SB_ASSIGN_OR_RETURN(RedisReplyPtr exec, batch.Exec());
  Status first_error;
  for (size_t i = 0; i < exec->elements; ++i) {
    const redisReply& r = *exec->element[i];
    Status s = r.type == REDIS_REPLY_ERROR
                   ? Status::Internal(commit_conn_.Describe() +
                                      ": command in a checkpoint failed: " +
                                      std::string(ReplyString(r)))
                   : ApplyEffect(batch.expects()[i], r, this);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

}  // namespace statebench
