// Internal: the redis backend class, shared by redis_backend.cc (state ops,
// factory) and redis_checkpoint.cc (checkpoints, restore). Include only
// from those files; the public entry points are in redis_backend.h.
#ifndef STATEBENCH_BACKENDS_REDIS_REDIS_BACKEND_IMPL_H_
#define STATEBENCH_BACKENDS_REDIS_REDIS_BACKEND_IMPL_H_

#include <atomic>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/redis/redis_commit.h"
#include "backends/redis/redis_connection.h"
#include "backends/redis/redis_io_stats.h"
#include "backends/redis/redis_overlay.h"
#include "backends/server/server_common.h"
#include "backends/state_backend.h"

namespace statebench::redis_internal {

inline constexpr char kName[] = "redis";

Capabilities RedisCapabilities(bool buffered);

// The server's persistence settings (CONFIG GET appendonly, appendfsync,
// save); on failure (CONFIG disabled or renamed, as on some managed
// services) the map holds "error".
std::map<std::string, std::string> ReadRedisPersistence(RedisConnection* conn);
// Sets c->durable and c->durability_note from c->persistence: a committed
// checkpoint survives a crash of the server only with appendonly yes and
// appendfsync always.
void ApplyRedisPersistence(Capabilities* c);

class RedisBackend final : public StateBackend {
 public:
  RedisBackend(const BackendConfig& config, std::shared_ptr<RedisCore> core);

  // Connects (AUTH, SELECT, PING) and takes the IoStats baseline.
  Status Open();

  Result<StateId> RegisterState(const StateDescriptor& desc) override {
    if (closed_) return Closed();
    return states_.Register(kName, desc);
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
  // Buffered mode: hands the apply of the completed checkpoint to the
  // applier thread (phase 2 of the commit); returns an earlier apply's
  // error.
  Status NotifyCheckpointComplete(int64_t checkpoint_id) override;
  // The aborted checkpoint's writes stay pending; the next commit carries
  // them.
  Status NotifyCheckpointAborted(int64_t) override {
    return closed_ ? Closed() : Status::Ok();
  }
  Status Restore(const std::vector<CheckpointHandle>& handles,
                 KeyGroupRange range) override;

  Capabilities GetCapabilities() const override {
    Capabilities c = RedisCapabilities(buffered());
    c.persistence = persistence_;
    ApplyRedisPersistence(&c);
    return c;
  }
  Status ResetJobStorage() override;
  IoStats GetIoStats() override {
    IoStats io = io_.Sample();
    io.read_sources["local_buffer"] = reads_local_.load();
    io.read_sources["server"] = reads_server_.load();
    io.storage_shared = true;
    io.last_restore = last_restore_;
    return io;
  }
  std::string_view Name() const override { return kName; }
  Status Close() override;

  // Returns once the writes of every completed checkpoint are applied on
  // the server (buffered mode applies them on a background thread), so
  // that a timer around a checkpoint can include the server's work.
  Status WaitApplied();

 private:
  bool buffered() const { return core_->settings().buffered; }
  const RedisKeyNames& names() const { return core_->names(); }
  Status Closed() const {
    return Status::FailedPrecondition("redis: backend is closed");
  }
  static void Count(std::atomic<uint64_t>* n) {
    n->store(n->load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  Status Scrub(const Status& s) const {
    return ScrubSecret(s, core_->settings().password);
  }

  // Validates the address, encodes it into address_ and, in write-through
  // mode, performs a pending clear first.
  Status Prepare(const StateKey& k, StateKind kind);
  Status ClearPendingRanges();
  std::string_view KeyNs() const {
    return std::string_view(address_).substr(8);
  }
  // The name of the state Prepare() last validated.
  const std::string& StateName() const { return *state_name_; }

  // Makes the instance hold nothing in `cleared` (the server's content
  // there stops counting) and discards every local write.
  void ResetLocal(std::vector<KeyGroupRange> cleared);

  // Looks an entry up in the active layer, then in pending layers (newest
  // first).
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

  // Walks the layers newest first; `visit` returns true to stop (a clear).
  // Returns whether the walk stopped; *pending receives the pending layers
  // (kept alive while the caller uses pointers into them).
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

  // Reads `argv` from the server. With pending layers, reads it in one
  // MULTI with the checkpoint id the server holds for this range, so that
  // layers the server already applied are not applied twice
  // (*server_ckpt; the minimum when none).
  Result<RedisReplyPtr> ReadServer(std::initializer_list<std::string_view> argv,
                                   bool with_checkpoint, int64_t* server_ckpt);

  // Write-through: queue one command; drain when the pipeline is full.
  Status WriteThrough(std::initializer_list<std::string_view> argv,
                      Expect expect);
  Status DrainWriteThrough();

  BackendConfig config_;
  std::shared_ptr<RedisCore> core_;
  RedisConnection conn_;  // the subtask thread's connection
  RedisIoStats io_;
  StateCatalog states_;
  const std::string* state_name_ = nullptr;  // set by Prepare()
  std::unique_ptr<Layer> active_;            // buffered mode
  // Write-through: key groups to delete on the server before the next op.
  std::vector<KeyGroupRange> wt_clear_;
  bool closed_ = false;
  RestoreStats last_restore_;
  int64_t last_snapshot_id_ = kNoCheckpoint;
  int64_t last_sealed_ = kNoCheckpoint;  // the chain of sealed layers
  std::string address_;                  // scratch: encoded entry address
  std::vector<Expect> wt_expects_;       // write-through replies outstanding
  // The server's persistence settings, read at Open.
  std::map<std::string, std::string> persistence_;
  // Reads served from the local layers / by the server (IoStats).
  // Written by the subtask thread only; GetIoStats may read them from
  // another.
  std::atomic<uint64_t> reads_local_{0};
  std::atomic<uint64_t> reads_server_{0};
};

}  // namespace statebench::redis_internal

#endif  // STATEBENCH_BACKENDS_REDIS_REDIS_BACKEND_IMPL_H_
