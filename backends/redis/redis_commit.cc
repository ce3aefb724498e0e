#include "backends/redis/redis_commit.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

#include "backends/redis/redis_batch.h"

namespace statebench {
namespace {

// Redis caps one bulk string at 512 MiB; blobs go in chunks well below it.
constexpr size_t kChunkBytes = 64 << 20;

int64_t ParseId(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size() ? v : kNoCheckpoint;
}

// One MULTI: delete `deletes`, apply `layers` in order, record
// checkpoint_id for `range`, then drop the stage index entries <= the id.
// With `core`, replies update its size estimate.
// *watch_aborted (if given) says whether a WATCHed key made EXEC abort.
Status ApplyLayers(RedisConnection* conn, const RedisKeyNames& names,
                   size_t pipeline, const std::vector<std::string>& deletes,
                   const std::vector<NamedLayer>& layers, KeyGroupRange range,
                   int64_t checkpoint_id, RedisCore* core,
                   bool* watch_aborted = nullptr) {
  MultiBatch batch(conn, pipeline);
  SB_RETURN_IF_ERROR(batch.Begin());
  SB_RETURN_IF_ERROR(QueueDeletes(deletes, &batch));
  for (const NamedLayer& l : layers) {
    SB_RETURN_IF_ERROR(QueueLayer(*l.layer, names, *l.state_names, &batch));
  }
  std::string id = std::to_string(checkpoint_id);
  SB_RETURN_IF_ERROR(batch.Add({"SET", names.Checkpoint(range), id}, {}));
  SB_RETURN_IF_ERROR(
      batch.Add({"ZREMRANGEBYSCORE", names.Stages(range), "-inf", id}, {}));
  Result<RedisReplyPtr> exec = batch.Exec();
  if (watch_aborted != nullptr) *watch_aborted = batch.watch_aborted();
  if (!exec.ok()) return exec.status();
  Status first_error;
  for (size_t i = 0; i < (*exec)->elements; ++i) {
    const redisReply& r = *(*exec)->element[i];
    Status s = r.type == REDIS_REPLY_ERROR
                   ? Status::Internal(conn->Describe() +
                                      ": command in a checkpoint failed: " +
                                      std::string(ReplyString(r)))
               : core != nullptr ? ApplyEffect(batch.expects()[i], r, core)
                                 : Status::Ok();
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

// The ids in the stage index of `range`.
Result<std::vector<int64_t>> StagedIds(RedisConnection* conn,
                                       const RedisKeyNames& names,
                                       KeyGroupRange range) {
  SB_ASSIGN_OR_RETURN(
      RedisReplyPtr r,
      conn->Command({"ZRANGE", names.Stages(range), "0", "-1"}));
  std::vector<int64_t> ids;
  for (size_t i = 0; i < r->elements; ++i) {
    int64_t id = ParseId(ReplyString(*r->element[i]));
    if (id != kNoCheckpoint) ids.push_back(id);
  }
  return ids;
}

}  // namespace

Status ScanJobKeys(RedisConnection* conn, const RedisKeyNames& names,
                   const std::vector<KeyGroupRange>& ranges, KeyGroupRange own,
                   std::vector<std::string>* keys) {
  std::string pattern = names.prefix() + "*";
  std::string cursor = "0";
  auto overlaps = [&](const KeyGroupRange& r) {
    return std::any_of(ranges.begin(), ranges.end(),
                       [&](const auto& c) { return !c.Intersect(r).empty(); });
  };
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
      RedisKeyNames::Scanned c = names.Classify(key);
      bool ours = false;
      switch (c.kind) {
        case RedisKeyNames::Scanned::kState:
          ours = overlaps({c.key_group, c.key_group});
          break;
        case RedisKeyNames::Scanned::kCheckpoint:
          ours = overlaps(c.range);
          break;
        case RedisKeyNames::Scanned::kStage:
          ours = !(c.range == own) && overlaps(c.range);
          break;
        default:
          break;
      }
      if (ours) keys->emplace_back(key);
    }
  } while (cursor != "0");
  return Status::Ok();
}

RedisCore::RedisCore(RedisSettings settings)
    : settings_(std::move(settings)),
      names_(settings_.job),
      commit_conn_(settings_.uri, settings_.password,
                   settings_.connect_timeout_ms, settings_.command_timeout_ms) {
}

RedisCore::~RedisCore() {
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stop_ = true;
  }
  queue_cv_.notify_all();
  if (applier_.joinable()) applier_.join();
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
  (void)WaitApplied();
  std::lock_guard<std::mutex> lock(pending_mu_);
  pending_.clear();
  pending_count_.store(0);
}

void RedisCore::ResetIds(int64_t id) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  last_applied_ = id;
  staged_through_ = id;
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

Result<StageResult> RedisCore::Stage(
    int64_t checkpoint_id, KeyGroupRange range,
    const std::vector<std::string>& state_names) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  std::vector<std::shared_ptr<const Layer>> layers;
  {
    std::lock_guard<std::mutex> plock(pending_mu_);
    for (const auto& l : pending_) {
      if (l->checkpoint_id > checkpoint_id) break;
      if (l->checkpoint_id > staged_through_) layers.push_back(l);
    }
  }
  StageResult result;
  if (layers.empty()) return result;
  // A fresh chain replaces whatever an earlier run staged for this range.
  std::vector<std::string> stale;
  if (layers.front()->prev_id == kNoCheckpoint) {
    Result<std::vector<int64_t>> ids = StagedIds(&commit_conn_, names_, range);
    if (!ids.ok()) return ScrubSecret(ids.status(), settings_.password);
    for (int64_t id : *ids) stale.push_back(names_.Stage(range, id));
    stale.push_back(names_.Stages(range));
  }
  MultiBatch batch(&commit_conn_, settings_.pipeline);
  Status s = batch.Begin();
  if (s.ok()) s = QueueDeletes(stale, &batch);
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& l : layers) {
    if (!s.ok()) break;
    std::string blob = EncodeLayer(*l, state_names);
    std::string key = names_.Stage(range, l->checkpoint_id);
    std::string id = std::to_string(l->checkpoint_id);
    s = batch.Add({"DEL", key}, {});
    for (size_t off = 0; s.ok() && off < blob.size(); off += kChunkBytes) {
      std::string_view chunk = std::string_view(blob).substr(off, kChunkBytes);
      s = batch.Add({"RPUSH", key, chunk}, {});
    }
    if (s.ok()) s = batch.Add({"ZADD", names_.Stages(range), id, id}, {});
    result.staged_bytes += blob.size();
    result.logical_bytes += l->logical_bytes;
  }
  if (s.ok()) s = batch.Exec().status();
  if (!s.ok()) return ScrubSecret(s, settings_.password);
  staged_through_ = layers.back()->checkpoint_id;
  result.layers = layers.size();
  return result;
}

Status RedisCore::Apply(int64_t checkpoint_id, KeyGroupRange range,
                        const std::vector<std::string>& state_names) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  if (checkpoint_id <= last_applied_) return Status::Ok();
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
  std::vector<NamedLayer> named;
  std::vector<std::string> deletes;
  for (const auto& l : layers) {
    cleared.insert(cleared.end(), l->cleared.begin(), l->cleared.end());
    named.push_back({l.get(), &state_names});
    deletes.push_back(names_.Stage(range, l->checkpoint_id));
  }
  if (!cleared.empty()) {
    Status s = ScanJobKeys(&commit_conn_, names_, cleared, range, &deletes);
    if (!s.ok()) return ScrubSecret(s, settings_.password);
  }
  // Another instance restoring this range (a rescaled job) may roll the
  // same staged layers forward: the stage index is WATCHed and our newest
  // staged layer must still be in it, so they are applied exactly once.
  int64_t newest_staged = kNoCheckpoint;
  for (const auto& l : layers) {
    if (l->checkpoint_id <= staged_through_) newest_staged = l->checkpoint_id;
  }
  Status s;
  for (int attempt = 0; attempt < 5; ++attempt) {
    bool aborted = false;
    s = ApplyGuarded(range, newest_staged, deletes, named, checkpoint_id,
                     &aborted);
    if (!aborted) break;
  }
  if (!s.ok()) return ScrubSecret(s, settings_.password);
  {
    std::lock_guard<std::mutex> plock(pending_mu_);
    pending_.erase(pending_.begin(), pending_.begin() + layers.size());
    pending_count_.store(pending_.size());
  }
  last_applied_ = checkpoint_id;
  return Status::Ok();
}

Status RedisCore::ApplyGuarded(KeyGroupRange range, int64_t newest_staged,
                               const std::vector<std::string>& deletes,
                               const std::vector<NamedLayer>& layers,
                               int64_t checkpoint_id, bool* aborted) {
  RedisConnection* conn = &commit_conn_;
  if (newest_staged != kNoCheckpoint) {
    // One round trip for both.
    std::string id = std::to_string(newest_staged);
    std::string stages = names_.Stages(range);
    SB_RETURN_IF_ERROR(conn->Append({"WATCH", stages}));
    SB_RETURN_IF_ERROR(conn->Append({"ZSCORE", stages, id}));
    Status watched = conn->ReadReply().status();
    Result<RedisReplyPtr> score = conn->ReadReply();
    if (!watched.ok()) return watched;
    if (!score.ok() || (*score)->type == REDIS_REPLY_NIL) {
      (void)conn->Command({"UNWATCH"});
      if (!score.ok()) return score.status();
      return Status::FailedPrecondition(
          conn->Describe() + ": checkpoint " + id + " of key groups " +
          range.ToString() + " of job '" + settings_.job +
          "' was recovered by another instance; this instance is stale");
    }
  }
  return ApplyLayers(conn, names_, settings_.pipeline, deletes, layers, range,
                     checkpoint_id, this, aborted);
}

Status RedisCore::RequestApply(int64_t checkpoint_id, KeyGroupRange range,
                               std::vector<std::string> state_names) {
  std::lock_guard<std::mutex> lock(queue_mu_);
  Status earlier = apply_error_;
  apply_error_ = Status::Ok();
  if (checkpoint_id > apply_target_) {
    apply_target_ = checkpoint_id;
    apply_range_ = range;
    apply_names_ = std::move(state_names);
  }
  if (!applier_.joinable()) applier_ = std::thread([this] { ApplierLoop(); });
  queue_cv_.notify_all();
  return earlier;
}

void RedisCore::ApplierLoop() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  while (true) {
    queue_cv_.wait(lock, [&] { return stop_ || apply_target_ > done_; });
    if (apply_target_ <= done_) return;  // stopping with nothing queued
    int64_t target = apply_target_;
    KeyGroupRange range = apply_range_;
    std::vector<std::string> state_names = apply_names_;
    busy_ = true;
    lock.unlock();
    Status s = Apply(target, range, state_names);
    lock.lock();
    busy_ = false;
    // A failed apply is not retried in a loop: the next request retries
    // every pending layer.
    done_ = target;
    if (!s.ok()) apply_error_ = s;
    queue_cv_.notify_all();
  }
}

Status RedisCore::WaitApplied() {
  std::unique_lock<std::mutex> lock(queue_mu_);
  if (!applier_.joinable()) return Status::Ok();
  queue_cv_.wait(lock, [&] { return !busy_ && apply_target_ <= done_; });
  Status s = apply_error_;
  apply_error_ = Status::Ok();
  return s;
}

Status RedisCore::Recover(RedisConnection* conn, KeyGroupRange range,
                          int64_t checkpoint_id) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  // Subtasks of a rescaled job may recover the same old range at once: the
  // checkpoint key is WATCHed, so only one rolls forward; the others retry
  // and find the checkpoint in place.
  for (int attempt = 0; attempt < 5; ++attempt) {
    bool aborted = false;
    Status s = RecoverOnce(conn, range, checkpoint_id, &aborted);
    if (!aborted) {
      if (!s.ok()) (void)conn->Command({"UNWATCH"});
      return ScrubSecret(s, settings_.password);
    }
  }
  return Status::Unavailable(
      conn->Describe() + ": checkpoint key of key groups " + range.ToString() +
      " kept changing during restore");
}

Status RedisCore::RecoverOnce(RedisConnection* conn, KeyGroupRange range,
                              int64_t checkpoint_id, bool* aborted) {
  SB_ASSIGN_OR_RETURN(RedisReplyPtr watch,
                      conn->Command({"WATCH", names_.Checkpoint(range)}));
  SB_ASSIGN_OR_RETURN(RedisReplyPtr held_reply,
                      conn->Command({"GET", names_.Checkpoint(range)}));
  const bool has_held = held_reply->type == REDIS_REPLY_STRING;
  const int64_t held =
      has_held ? ParseId(ReplyString(*held_reply)) : kNoCheckpoint;
  SB_ASSIGN_OR_RETURN(std::vector<int64_t> staged,
                      StagedIds(conn, names_, range));
  std::vector<std::string> deletes;
  for (int64_t id : staged) deletes.push_back(names_.Stage(range, id));
  deletes.push_back(names_.Stages(range));
  // Whether the checkpoint key moved since `held` was read (a concurrent
  // recovery by another subtask); then this attempt starts over.
  auto held_changed = [&]() -> Result<bool> {
    SB_ASSIGN_OR_RETURN(RedisReplyPtr now,
                        conn->Command({"GET", names_.Checkpoint(range)}));
    const int64_t now_held = now->type == REDIS_REPLY_STRING
                                 ? ParseId(ReplyString(*now))
                                 : kNoCheckpoint;
    return now_held != held;
  };
  auto retry = [&]() -> Status {
    (void)conn->Command({"UNWATCH"});
    *aborted = true;
    return Status::Unavailable("checkpoint key changed during restore");
  };
  std::vector<Layer> chain;  // newest first
  std::vector<std::vector<std::string>> chain_names;
  bool fresh = false;
  if (held != checkpoint_id) {
    // Walk back from the asked checkpoint to what the server holds (or to
    // the start of a fresh job, which replaces it).
    int64_t cur = checkpoint_id;
    while (std::find(staged.begin(), staged.end(), cur) != staged.end()) {
      SB_ASSIGN_OR_RETURN(
          RedisReplyPtr chunks,
          conn->Command({"LRANGE", names_.Stage(range, cur), "0", "-1"}));
      std::string blob;
      for (size_t i = 0; i < chunks->elements; ++i) {
        blob.append(ReplyString(*chunks->element[i]));
      }
      if (blob.empty()) {
        // Gone since StagedIds: another subtask of a rescaled job rolled
        // this range forward meanwhile (its EXEC deleted the blobs), so
        // look again; otherwise the staged data really is missing.
        SB_ASSIGN_OR_RETURN(bool changed, held_changed());
        if (changed) return retry();
        return Status::Corruption(
            conn->Describe() + ": staged data of checkpoint " +
            std::to_string(cur) + " of key groups " + range.ToString() +
            " of job '" + settings_.job + "' is listed but missing");
      }
      chain_names.emplace_back();
      SB_ASSIGN_OR_RETURN(Layer layer, DecodeLayer(blob, &chain_names.back()));
      cur = layer.prev_id;
      chain.push_back(std::move(layer));
      if (cur == kNoCheckpoint) fresh = true;
      if (fresh || (has_held && cur == held)) break;
    }
    if (chain.empty() || !(fresh || (has_held && cur == held))) {
      // Another subtask may have rolled the range forward between our reads
      // of the checkpoint key and of the stage index: look again.
      SB_ASSIGN_OR_RETURN(bool changed, held_changed());
      if (changed) return retry();
      return Status::FailedPrecondition(
          conn->Describe() + ": server holds checkpoint " +
          (has_held ? std::to_string(held) : std::string("none")) +
          " for key groups " + range.ToString() + " of job '" + settings_.job +
          "', asked for " + std::to_string(checkpoint_id) +
          (chain.empty() ? std::string(" (a shared store cannot roll back)")
                         : " (staged data of checkpoint " +
                               std::to_string(cur) + " is missing)"));
    }
  }
  std::vector<NamedLayer> named;
  std::vector<KeyGroupRange> cleared;
  for (size_t i = chain.size(); i-- > 0;) {
    named.push_back({&chain[i], &chain_names[i]});
    cleared.insert(cleared.end(), chain[i].cleared.begin(),
                   chain[i].cleared.end());
  }
  if (!cleared.empty()) {
    SB_RETURN_IF_ERROR(ScanJobKeys(conn, names_, cleared, range, &deletes));
  }
  return ApplyLayers(conn, names_, settings_.pipeline, deletes, named, range,
                     checkpoint_id, nullptr, aborted);
}

Status RedisCore::TakeOverRange(RedisConnection* conn, KeyGroupRange range,
                                int64_t checkpoint_id) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  SB_ASSIGN_OR_RETURN(std::vector<int64_t> staged,
                      StagedIds(conn, names_, range));
  std::vector<std::string> keys = {names_.Stages(range)};
  for (int64_t id : staged) keys.push_back(names_.Stage(range, id));
  MultiBatch batch(conn, settings_.pipeline);
  SB_RETURN_IF_ERROR(batch.Begin());
  SB_RETURN_IF_ERROR(QueueDeletes(keys, &batch));
  SB_RETURN_IF_ERROR(batch.Add(
      {"SET", names_.Checkpoint(range), std::to_string(checkpoint_id)}, {}));
  return batch.Exec().status();
}

Status RedisCore::ClearRanges(RedisConnection* conn,
                              const std::vector<KeyGroupRange>& ranges) {
  std::vector<std::string> keys;
  SB_RETURN_IF_ERROR(ScanJobKeys(conn, names_, ranges, KeyGroupRange{}, &keys));
  if (keys.empty()) return Status::Ok();
  MultiBatch batch(conn, settings_.pipeline);
  SB_RETURN_IF_ERROR(batch.Begin());
  SB_RETURN_IF_ERROR(QueueDeletes(keys, &batch));
  return batch.Exec().status();
}

}  // namespace statebench
