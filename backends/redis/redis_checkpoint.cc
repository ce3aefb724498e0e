// The redis backend: checkpoints, restore and close.
#include <algorithm>

#include "backends/redis/redis_backend_impl.h"

namespace statebench::redis_internal {
namespace {

// Handle fields common to both modes. State lives on the server, not in a
// file: location stays empty and the server goes into the metadata.
CheckpointHandle BaseHandle(const RedisCore& core, int64_t id,
                            KeyGroupRange range) {
  const RedisSettings& s = core.settings();
  CheckpointHandle h;
  h.backend = kName;
  h.checkpoint_id = id;
  h.type = CheckpointType::kFull;
  h.key_groups = range;
  h.max_parallelism = s.max_parallelism;
  h.metadata["job"] = s.job;
  h.metadata["mode"] = s.buffered ? "buffered" : "write-through";
  h.metadata["server"] = s.uri.HostPort();
  h.metadata["uri"] = s.uri.ToString();
  h.metadata["checkpoint_key"] = core.names().Checkpoint(range);
  return h;
}

// The async phase of a buffered checkpoint: staging (phase 1 of the
// commit; NotifyCheckpointComplete applies).
class BufferedSnapshot final : public AsyncSnapshot {
 public:
  BufferedSnapshot(std::shared_ptr<RedisCore> core, int64_t id,
                   KeyGroupRange range, std::vector<std::string> state_names)
      : core_(std::move(core)),
        id_(id),
        range_(range),
        state_names_(std::move(state_names)) {}

  Result<CheckpointHandle> Complete() override {
    SB_ASSIGN_OR_RETURN(StageResult r, core_->Stage(id_, range_, state_names_));
    CheckpointHandle h = BaseHandle(*core_, id_, range_);
    // Approximate: the estimate covers applied checkpoints, plus what this
    // one staged.
    LiveSizeEstimate e = core_->Estimate();
    h.checkpointed_size = r.staged_bytes;
    h.full_size = e.bytes() + r.staged_bytes;
    h.metadata["entries"] = std::to_string(e.entries());
    h.metadata["staged_layers"] = std::to_string(r.layers);
    h.metadata["logical_bytes"] = std::to_string(r.logical_bytes);
    return h;
  }

 private:
  std::shared_ptr<RedisCore> core_;
  int64_t id_;
  KeyGroupRange range_;
  std::vector<std::string> state_names_;
};

}  // namespace

Status RedisBackend::NotifyCheckpointComplete(int64_t checkpoint_id) {
  if (closed_) return Closed();
  if (!buffered()) return Status::Ok();
  return Scrub(
      core_->RequestApply(checkpoint_id, config_.key_groups, states_.Names()));
}

void RedisBackend::ResetLocal(std::vector<KeyGroupRange> cleared) {
  core_->DiscardPending();
  last_sealed_ = kNoCheckpoint;
  active_ = std::make_unique<Layer>();
  if (buffered()) {
    active_->cleared = std::move(cleared);
    wt_clear_.clear();
  } else {
    wt_clear_ = std::move(cleared);
  }
  core_->ResetEstimate(0, 0);
}

Result<std::unique_ptr<AsyncSnapshot>> RedisBackend::SnapshotSync(
    int64_t checkpoint_id) {
  if (closed_) return Closed();
  if (checkpoint_id <= last_snapshot_id_) {
    return Status::InvalidArgument("redis: checkpoint ids must increase (got " +
                                   std::to_string(checkpoint_id) + " after " +
                                   std::to_string(last_snapshot_id_) + ")");
  }
  const KeyGroupRange range = config_.key_groups;
  if (buffered()) {
    active_->checkpoint_id = checkpoint_id;
    active_->prev_id = last_sealed_;
    last_sealed_ = checkpoint_id;
    core_->PushPending(std::shared_ptr<const Layer>(std::move(active_)));
    active_ = std::make_unique<Layer>();
    last_snapshot_id_ = checkpoint_id;
    return std::unique_ptr<AsyncSnapshot>(std::make_unique<BufferedSnapshot>(
        core_, checkpoint_id, range, states_.Names()));
  }
  if (!wt_clear_.empty()) SB_RETURN_IF_ERROR(ClearPendingRanges());
  SB_RETURN_IF_ERROR(DrainWriteThrough());
  Result<RedisReplyPtr> r = conn_.Command(
      {"SET", names().Checkpoint(range), std::to_string(checkpoint_id)});
  if (!r.ok()) return Scrub(r.status());
  last_snapshot_id_ = checkpoint_id;
  CheckpointHandle h = BaseHandle(*core_, checkpoint_id, range);
  LiveSizeEstimate e = core_->Estimate();
  h.full_size = e.bytes();
  h.checkpointed_size = 0;  // the data went to the server op by op
  h.metadata["entries"] = std::to_string(e.entries());
  return std::unique_ptr<AsyncSnapshot>(
      std::make_unique<FinishedSnapshot>(std::move(h)));
}

Status RedisBackend::Restore(const std::vector<CheckpointHandle>& handles,
                             KeyGroupRange range) {
  if (closed_) return Closed();
  // Drop everything local first: on any failure the instance is empty.
  conn_.Drop();
  wt_expects_.clear();
  ResetLocal({config_.key_groups});
  const KeyGroupRange own = config_.key_groups;
  if (!range.empty() && range.Intersect(own) != range) {
    return Status::InvalidArgument("redis: restore range " + range.ToString() +
                                   " is not within this instance's range " +
                                   own.ToString());
  }
  if (handles.empty() || range.empty()) return Status::Ok();
  const RedisSettings& s = core_->settings();
  SB_ASSIGN_OR_RETURN(
      ServerRestoreScope scope,
      CheckServerHandles(kName, s.job, s.max_parallelism, handles, range));
  const int64_t id = scope.checkpoint_id;
  const uint64_t entries = scope.entries, bytes = scope.bytes;
  // Make the server hold checkpoint `id` for every handle's range, rolling
  // forward staged layers whose apply a crash prevented.
  // Write-through mode promises no rollback (its capabilities say it is not
  // exactly-once): the server's state is restored as it is, even when a
  // crash came after a later checkpoint's sync phase had set its id.
  if (buffered()) {
    for (const CheckpointHandle& h : handles) {
      SB_RETURN_IF_ERROR(Scrub(core_->Recover(&conn_, h.key_groups, id)));
    }
  }
  bool own_key_is_a_handle = std::any_of(
      handles.begin(), handles.end(),
      [&](const CheckpointHandle& h) { return h.key_groups == own; });
  if (!own_key_is_a_handle) {
    // A rescale: the key groups of this instance's range are now at
    // checkpoint `id`, whatever its checkpoint key said (an earlier
    // incarnation at this parallelism).
    SB_RETURN_IF_ERROR(Scrub(core_->TakeOverRange(&conn_, own, id)));
  }
  // Key groups this instance owns but the restore did not cover are empty.
  ResetLocal(RangeComplement(own, range));
  core_->ResetEstimate(entries, bytes);
  core_->ResetIds(id);
  last_sealed_ = id;
  last_snapshot_id_ = id;
  last_restore_ = InPlaceRestore("redis", entries, bytes);
  return Status::Ok();
}

Status RedisBackend::ResetJobStorage() {
  if (closed_) return Closed();
  SB_RETURN_IF_ERROR(DrainWriteThrough());
  SB_RETURN_IF_ERROR(Scrub(core_->WaitApplied()));
  const KeyGroupRange all{0, core_->settings().max_parallelism - 1};
  SB_RETURN_IF_ERROR(Scrub(core_->ClearRanges(&conn_, {all})));
  ResetLocal({config_.key_groups});
  return Status::Ok();
}

Status RedisBackend::WaitApplied() {
  if (closed_) return Closed();
  return Scrub(buffered() ? core_->WaitApplied() : DrainWriteThrough());
}

Status RedisBackend::Close() {
  if (closed_) return Status::Ok();
  // Completed checkpoints finish applying; writes after the last one are
  // dropped, as in a crash: only checkpoints are durable.
  Status s = buffered() ? core_->WaitApplied() : DrainWriteThrough();
  closed_ = true;
  core_->DiscardPending();
  active_.reset();
  conn_.Drop();
  io_.Stop();
  return Scrub(s);
}

}  // namespace statebench::redis_internal
