// The part of the redis backend shared with its in-flight async snapshots:
// the layers waiting to be committed and the connection that commits them.
//
// Checkpoints commit in two phases, like Flink's two-phase-commit sinks,
// because one subtask's state must never run ahead of the job's last
// completed checkpoint on a server that cannot roll back:
//   1. Stage (AsyncSnapshot::Complete): the sealed layers are written to the
//      server as opaque blobs under sb:{job}:stage:{range}:{layer id}
//      (indexed by the sorted set sb:{job}:stages:{range}). Durable, but the
//      state keys do not change.
//   2. Apply (NotifyCheckpointComplete, on a background applier thread):
//      every pending layer up to the completed id, the checkpoint id, and
//      the removal of their stage blobs go to the server in ONE MULTI/EXEC
//      sent pipelined (`pipeline` commands per round trip). Redis applies a
//      MULTI block atomically: a reader or a crash sees none or all of it.
// Restore rolls forward: a completed checkpoint whose apply was lost with a
// crash is applied from its staged blobs (Recover()).
//
// Layers stay pending (and readable through the overlay) until applied; a
// failed or aborted checkpoint's layers are carried by the next one.
//
// Thread safety: all methods may be called from any thread; staging,
// applying and recovery are serialised by an internal mutex.
#ifndef STATEBENCH_BACKENDS_REDIS_REDIS_COMMIT_H_
#define STATEBENCH_BACKENDS_REDIS_REDIS_COMMIT_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "backends/redis/redis_connection.h"
#include "backends/redis/redis_overlay.h"
#include "backends/redis/redis_uri.h"
#include "backends/server/server_common.h"

namespace statebench {

inline constexpr int64_t kNoCheckpoint = std::numeric_limits<int64_t>::min();

struct RedisSettings {
  RedisUri uri;
  std::string password;  // in memory only
  std::string job;
  int connect_timeout_ms = 2000;
  int command_timeout_ms = 5000;
  size_t pipeline = 10000;  // commands per round trip
  bool buffered = true;
  int server_pid = 0;
  int max_parallelism = 0;
};

// A layer to apply together with the state names its ids refer to.
struct NamedLayer {
  const Layer* layer;
  const std::vector<std::string>* state_names;
};

struct StageResult {
  // Bytes of the layers staged now as sent: a layer holds the last write
  // of each entry it changed (overwrites replace, a remove after a put is
  // only the remove; list appends in order), so this is bounded by the
  // entries touched, not by the ops made.
  uint64_t staged_bytes = 0;
  uint64_t logical_bytes = 0;  // key+ns+value bytes of every op recorded
  size_t layers = 0;
};

class RedisCore {
 public:
  explicit RedisCore(RedisSettings settings);
  // Stops the applier thread after the queued apply.
  ~RedisCore();

  const RedisSettings& settings() const { return settings_; }
  const RedisKeyNames& names() const { return names_; }

  // Pending layers (oldest first).
  void PushPending(std::shared_ptr<const Layer> layer);
  bool HasPending() const { return pending_count_.load() != 0; }
  std::vector<std::shared_ptr<const Layer>> PendingLayers() const;
  // Waits for the applier, then drops every pending layer.
  void DiscardPending();

  // Phase 1: stages the pending layers with id <= checkpoint_id that are not
  // staged yet. `state_names` maps state ids to names.
  Result<StageResult> Stage(int64_t checkpoint_id, KeyGroupRange range,
                            const std::vector<std::string>& state_names);
  // Phase 2: queues the apply of checkpoint_id for the applier thread and
  // returns at once. Returns the error of an earlier apply, if one failed
  // (its layers stay pending and this apply retries them).
  Status RequestApply(int64_t checkpoint_id, KeyGroupRange range,
                      std::vector<std::string> state_names);
  // Waits until no apply is queued or running; returns (and clears) the
  // error of the last failed apply.
  Status WaitApplied();

  // Restore of one handle: makes the server hold checkpoint_id for `range`,
  // rolling staged layers forward when the crash lost their apply, and
  // drops staged layers of later checkpoints. FailedPrecondition when the
  // server holds a later checkpoint or the staged chain has a gap.
  Status Recover(RedisConnection* conn, KeyGroupRange range,
                 int64_t checkpoint_id);
  // A rescaled instance takes over `range`, whose state the restore just
  // brought to checkpoint_id: records that id for the range (later layers
  // chain from it) and drops anything staged there (stale).
  Status TakeOverRange(RedisConnection* conn, KeyGroupRange range,
                       int64_t checkpoint_id);
  // After a restore to `id`: later layers chain from it.
  void ResetIds(int64_t id);

  // Write-through mode: atomically deletes everything the job has in
  // `ranges` (and checkpoint keys overlapping them), using `conn`.
  Status ClearRanges(RedisConnection* conn,
                     const std::vector<KeyGroupRange>& ranges);

  // The live-size estimate (guarded; callable from any thread).
  void ResetEstimate(uint64_t entries, uint64_t bytes);
  void EstimateInserted(uint64_t bytes, uint64_t count = 1);
  void EstimateRemoved(uint64_t count);
  LiveSizeEstimate Estimate() const;

 private:
  void ApplierLoop();
  Status RecoverOnce(RedisConnection* conn, KeyGroupRange range,
                     int64_t checkpoint_id, bool* aborted);
  Status ApplyGuarded(KeyGroupRange range, int64_t newest_staged,
                      const std::vector<std::string>& deletes,
                      const std::vector<NamedLayer>& layers,
                      int64_t checkpoint_id, bool* aborted);
  Status Apply(int64_t checkpoint_id, KeyGroupRange range,
               const std::vector<std::string>& state_names);

  const RedisSettings settings_;
  const RedisKeyNames names_;

  mutable std::mutex pending_mu_;
  std::deque<std::shared_ptr<const Layer>> pending_;
  std::atomic<size_t> pending_count_{0};

  std::mutex commit_mu_;  // serialises stage/apply/recover; guards below
  RedisConnection commit_conn_;
  int64_t last_applied_ = kNoCheckpoint;
  int64_t staged_through_ = kNoCheckpoint;

  // The applier thread and its one-slot queue.
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::thread applier_;
  bool stop_ = false;
  bool busy_ = false;
  int64_t apply_target_ = kNoCheckpoint;
  int64_t done_ = kNoCheckpoint;  // the last target the applier processed
  KeyGroupRange apply_range_;
  std::vector<std::string> apply_names_;
  Status apply_error_;

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

// Keys of `names`' job in `ranges` plus checkpoint and stage keys of ranges
// overlapping them (except the stage keys of `own`, which the caller
// manages), found with SCAN: O(keys in the database), done once per fresh
// job.
Status ScanJobKeys(RedisConnection* conn, const RedisKeyNames& names,
                   const std::vector<KeyGroupRange>& ranges, KeyGroupRange own,
                   std::vector<std::string>* keys);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_REDIS_REDIS_COMMIT_H_
