// The postgres backend: checkpoints and restore (with the undo log).
#include <algorithm>
#include <map>

#include "backends/postgres/postgres_backend_impl.h"

namespace statebench::pg {

Result<std::unique_ptr<AsyncSnapshot>> PostgresBackend::SnapshotSync(
    int64_t checkpoint_id) {
  if (closed_) return Closed();
  if (lost_) {
    return Status::FailedPrecondition(
        s_.target.describe +
        ": cannot checkpoint: the writes since the last checkpoint were lost");
  }
  if (checkpoint_id <= last_checkpoint_) {
    return Status::InvalidArgument(
        "postgres: checkpoint ids must increase (got " +
        std::to_string(checkpoint_id) + " after " +
        std::to_string(last_checkpoint_) + ")");
  }
  const KeyGroupRange own = config_.key_groups;
  const int64_t floor = undo_floor_;
  uint64_t committed = 0;
  SB_RETURN_IF_ERROR(Run([&](pqxx::work& t) {
    t.exec_prepared("sb_ckpt_put", s_.job, own.start, own.end, checkpoint_id,
                    floor, effective_sync_commit_);
    committed = txn_bytes_;
    t.commit();
  }));
  txn_.reset();
  dirty_ = false;
  clear_.clear();
  clear_with_undo_ = false;
  touched_.clear();
  txn_bytes_ = 0;
  base_ = checkpoint_id;
  last_checkpoint_ = checkpoint_id;
  CheckpointHandle h;
  h.backend = kName;
  h.checkpoint_id = checkpoint_id;
  h.type = CheckpointType::kFull;
  h.key_groups = own;
  h.max_parallelism = config_.max_parallelism;
  // State lives on the server, not in a file: location stays empty.
  h.checkpointed_size = committed;
  h.full_size = estimate_.bytes();
  h.metadata["job"] = s_.job;
  h.metadata["server"] = s_.target.host_port;
  h.metadata["uri"] = s_.target.redacted_uri;
  h.figures.synchronous_commit = effective_sync_commit_;
  h.metadata["entries"] = std::to_string(estimate_.entries());
  return std::unique_ptr<AsyncSnapshot>(
      std::make_unique<FinishedSnapshot>(std::move(h)));
}

Status PostgresBackend::NotifyCheckpointComplete(int64_t checkpoint_id) {
  if (closed_) return Closed();
  undo_floor_ = std::max(undo_floor_, checkpoint_id);
  return Status::Ok();
}

Status PostgresBackend::RevertTo(pqxx::work& t,
                                 const std::vector<CheckpointHandle>& handles,
                                 KeyGroupRange range, int64_t id,
                                 bool* reverted) {
  struct Row {
    int64_t checkpoint = 0;
    int64_t undo_from = 0;
  };
  std::map<std::pair<int, int>, Row> rows;
  for (const auto& r :
       t.exec_prepared("sb_ckpt_lock", s_.job, range.start, range.end)) {
    rows[{r[0].as<int>(), r[1].as<int>()}] = {r[2].as<int64_t>(),
                                              r[3].as<int64_t>()};
  }
  auto held = [&](const KeyGroupRange& r) {
    auto it = rows.find({r.start, r.end});
    return it == rows.end() ? std::string("none")
                            : std::to_string(it->second.checkpoint);
  };
  auto refuse = [&](const KeyGroupRange& r, const std::string& why) {
    return Status::FailedPrecondition(
        s_.target.describe + ": server holds checkpoint " + held(r) +
        " for key groups " + r.ToString() + " of job '" + s_.job +
        "', asked for " + std::to_string(id) + why);
  };
  for (const CheckpointHandle& h : handles) {
    auto it = rows.find({h.key_groups.start, h.key_groups.end});
    if (it == rows.end() || it->second.checkpoint < id) {
      return refuse(h.key_groups, " (the server lost committed data?)");
    }
  }
  // Checkpoints committed after `id` that the job never completed: revert
  // them in `range` from the undo images, if those still reach back.
  for (const auto& [r, row] : rows) {
    if (row.checkpoint <= id) continue;
    if (row.undo_from > id) {
      return refuse({r.first, r.second},
                    " (a shared store cannot roll back past its undo "
                    "images, kept from checkpoint " +
                        std::to_string(row.undo_from) + ")");
    }
    *reverted = true;
  }
  if (!*reverted) return Status::Ok();
  for (const char* stmt :
       {"sb_revert_state", "sb_revert_list_appends", "sb_revert_list_clears",
        "sb_revert_drop_undo", "sb_revert_drop_undo_list", "sb_ckpt_set"}) {
    t.exec_prepared(stmt, s_.job, range.start, range.end, id);
  }
  return Status::Ok();
}

Status PostgresBackend::Restore(const std::vector<CheckpointHandle>& handles,
                                KeyGroupRange range) {
  if (closed_) return Closed();
  AbortTxn();
  // Empty until the handles check out. Not a fresh job, though: nothing is
  // deleted outside the interval's transaction.
  lost_ = false;
  clear_ = {config_.key_groups};
  clear_with_undo_ = false;
  cleared_checkpoints_ = true;
  base_ = kNoCheckpoint;
  estimate_.Reset(0, 0);
  if (!range.empty() && range.Intersect(config_.key_groups) != range) {
    return Status::InvalidArgument("postgres: restore range " +
                                   range.ToString() +
                                   " is not within this instance's range " +
                                   config_.key_groups.ToString());
  }
  if (handles.empty() || range.empty()) return Status::Ok();
  SB_ASSIGN_OR_RETURN(ServerRestoreScope scope,
                      CheckServerHandles(kName, s_.job, config_.max_parallelism,
                                         handles, range));
  const int64_t id = scope.checkpoint_id;
  const uint64_t entries = scope.entries, bytes = scope.bytes;
  SB_RETURN_IF_ERROR(RunOutsideTxn([&](pqxx::connection& c) {
    pqxx::work t(c);
    bool reverted = false;
    SB_RETURN_IF_ERROR(RevertTo(t, handles, range, id, &reverted));
    t.commit();
    return Status::Ok();
  }));
  // Key groups this instance owns but the restore did not cover are empty;
  // their rows are deleted with undo images (a later restore may need
  // them).
  clear_ = RangeComplement(config_.key_groups, range);
  clear_with_undo_ = true;
  base_ = id;
  undo_floor_ = id;
  last_checkpoint_ = id;
  estimate_.Reset(entries, bytes);
  last_restore_ = InPlaceRestore("postgres", entries, bytes);
  return Status::Ok();
}

}  // namespace statebench::pg
