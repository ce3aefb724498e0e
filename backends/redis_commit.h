// The part of the redis backend shared with its in-flight async snapshots:
// the layers waiting to be committed and the connection that commits them.
//
// A commit applies every pending layer up to its checkpoint id plus the
// checkpoint id itself in ONE MULTI ... EXEC, sent pipelined (`pipeline`
// commands per round trip). Redis applies a MULTI block atomically, so a
// reader (or a crash) sees either none or all of a checkpoint's writes.
// Layers stay pending until their commit succeeded; a failed or abandoned
// checkpoint's layer is carried by the next commit.
//
// Thread safety: Commit() may run on any thread, concurrently with the
// subtask thread reading pending layers (PendingLayers()); commits are
// serialised by an internal mutex.
#ifndef STATEBENCH_BACKENDS_REDIS_COMMIT_H_
#define STATEBENCH_BACKENDS_REDIS_COMMIT_H_

#include <atomic>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/redis_connection.h"
#include "backends/redis_overlay.h"
#include "backends/redis_uri.h"
#include "backends/server_common.h"

namespace statebench {

struct RedisSettings {
  RedisUri uri;
  std::string password;  // in memory only
  std::string job;
  int connect_timeout_ms = 2000;
  int command_timeout_ms = 5000;
  size_t pipeline = 1000;  // commands per round trip
  bool buffered = true;
  int server_pid = 0;
  int max_parallelism = 0;
};

struct CommitResult {
  uint64_t committed_bytes = 0;  // logical bytes of the committed layers
  uint64_t full_bytes = 0;       // LiveSizeEstimate after the commit
  uint64_t entries = 0;
  size_t layers = 0;
};

class RedisCore {
 public:
  explicit RedisCore(RedisSettings settings);

  const RedisSettings& settings() const { return settings_; }
  const RedisKeyNames& names() const { return names_; }

  // Pending layers (oldest first).
  void PushPending(std::shared_ptr<const Layer> layer);
  bool HasPending() const { return pending_count_.load() != 0; }
  std::vector<std::shared_ptr<const Layer>> PendingLayers() const;
  void DiscardPending();

  // Commits the pending layers with id <= checkpoint_id and records
  // checkpoint_id under the checkpoint key of `range`. `state_names` maps
  // state ids to names. Unavailable/IoError leave the layers pending.
  Result<CommitResult> Commit(int64_t checkpoint_id, KeyGroupRange range,
                              const std::vector<std::string>& state_names);

  // Write-through mode: atomically deletes everything the job has in
  // `ranges` (and checkpoint keys overlapping them), using `conn`.
  Status ClearRanges(RedisConnection* conn,
                     const std::vector<KeyGroupRange>& ranges);

  // The live-size estimate (guarded; callable from any thread).
  void ResetEstimate(uint64_t entries, uint64_t bytes);
  void EstimateInserted(uint64_t bytes, uint64_t count = 1);
  void EstimateRemoved(uint64_t count);
  LiveSizeEstimate Estimate() const;

  // Highest id committed (or restored); later ids must exceed it.
  void SetLastCommitted(int64_t id);

 private:
  Status CommitLayersLocked(
      const std::vector<std::shared_ptr<const Layer>>& layers,
      const std::vector<std::string>& clear_keys, int64_t checkpoint_id,
      KeyGroupRange range, const std::vector<std::string>& state_names,
      CommitResult* result);

  const RedisSettings settings_;
  const RedisKeyNames names_;

  mutable std::mutex pending_mu_;
  std::deque<std::shared_ptr<const Layer>> pending_;
  std::atomic<size_t> pending_count_{0};

  std::mutex commit_mu_;  // serialises commits; guards commit_conn_
  RedisConnection commit_conn_;
  int64_t last_committed_ = std::numeric_limits<int64_t>::min();

  mutable std::mutex estimate_mu_;
  LiveSizeEstimate estimate_;
};

// What a queued command does to the live-size estimate, interpreted from
// its reply.
enum class Effect : uint8_t {
  kNone,
  kHset,   // reply 1: a new entry of `bytes`
  kHdel,   // reply n: n entries removed
  kRpush,  // `count` new entries of `bytes` in total
  kLlen,   // reply n: n entries about to be removed (precedes a DEL)
};
struct Expect {
  Effect effect = Effect::kNone;
  uint32_t count = 0;
  uint64_t bytes = 0;
};
// Applies one reply's effect to the estimate; a non-integer reply where an
// integer is expected is an Internal error.
Status ApplyEffect(const Expect& expect, const redisReply& reply,
                   RedisCore* core);

// Keys of `names`' job in `ranges` plus checkpoint keys overlapping them,
// found with SCAN (O(keys in the database), done once per fresh job).
Status ScanJobKeys(RedisConnection* conn, const RedisKeyNames& names,
                   const std::vector<KeyGroupRange>& ranges,
                   std::vector<std::string>* keys);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_REDIS_COMMIT_H_
