#include "backends/redis/redis_batch.h"

#include <algorithm>

namespace statebench {

MultiBatch::MultiBatch(RedisConnection* conn, size_t pipeline)
    : conn_(conn), pipeline_(std::max<size_t>(pipeline, 1)) {}

Status MultiBatch::Begin() { return conn_->Append({"MULTI"}); }

Status MultiBatch::Add(int argc, const char** argv, const size_t* lens,
                       Expect e) {
  SB_RETURN_IF_ERROR(conn_->AppendArgv(argc, argv, lens));
  expects_.push_back(e);
  if (conn_->Outstanding() >= pipeline_) return Drain(0);
  return Status::Ok();
}
Status MultiBatch::Add(std::initializer_list<std::string_view> argv, Expect e) {
  SB_RETURN_IF_ERROR(conn_->Append(argv));
  expects_.push_back(e);
  if (conn_->Outstanding() >= pipeline_) return Drain(0);
  return Status::Ok();
}

Result<RedisReplyPtr> MultiBatch::Exec() {
  SB_RETURN_IF_ERROR(conn_->Append({"EXEC"}));
  SB_RETURN_IF_ERROR(Drain(1));
  Result<RedisReplyPtr> exec = conn_->ReadReply();
  if (!queue_error_.ok()) return queue_error_;  // EXECABORT: nothing applied
  if (!exec.ok()) return exec.status();
  if ((*exec)->type == REDIS_REPLY_NIL) {
    watch_aborted_ = true;
    return Status::FailedPrecondition(conn_->Describe() +
                                      ": transaction aborted: a watched key "
                                      "changed");
  }
  if ((*exec)->type != REDIS_REPLY_ARRAY ||
      (*exec)->elements != expects_.size()) {
    return Status::Internal(conn_->Describe() +
                            ": unexpected EXEC reply shape");
  }
  return exec;
}

// Reads replies until `keep` remain outstanding.
Status MultiBatch::Drain(size_t keep) {
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

}  // namespace statebench
