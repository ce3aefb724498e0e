// Internal to the redis backend: pipelined MULTI/EXEC batches and the
// commands that apply a layer, shared by the commit core
// (redis_commit.cc) and nothing else.
#ifndef STATEBENCH_BACKENDS_REDIS_REDIS_BATCH_H_
#define STATEBENCH_BACKENDS_REDIS_REDIS_BATCH_H_

#include <string>
#include <vector>

#include "backends/redis/redis_commit.h"
#include "backends/redis/redis_connection.h"
#include "backends/redis/redis_overlay.h"

namespace statebench {

// One MULTI ... EXEC block sent with bounded pipelining: after `pipeline`
// queued commands the +QUEUED replies are read, so neither the client's
// output buffer nor the server's input buffer grows with the batch. A lost
// connection stops the batch (the server discards the MULTI); it is never
// continued on a new connection.
class MultiBatch {
 public:
  MultiBatch(RedisConnection* conn, size_t pipeline);
  Status Begin();
  Status Add(int argc, const char** argv, const size_t* lens, Expect e);
  Status Add(std::initializer_list<std::string_view> argv, Expect e);
  // Sends EXEC and returns its array reply (one element per Add). When a
  // WATCHed key changed, nothing was applied: FailedPrecondition and
  // watch_aborted() is true.
  Result<RedisReplyPtr> Exec();
  bool watch_aborted() const { return watch_aborted_; }
  const std::vector<Expect>& expects() const { return expects_; }

 private:
  Status Drain(size_t keep);

  RedisConnection* conn_;
  size_t pipeline_;
  std::vector<Expect> expects_;
  Status queue_error_;
  bool watch_aborted_ = false;
};

// Queues the commands that apply `layer`, whose state ids index
// `state_names`.
Status QueueLayer(const Layer& layer, const RedisKeyNames& names,
                  const std::vector<std::string>& state_names,
                  MultiBatch* batch);
// Queues DELs of `keys` (a few hundred per command).
Status QueueDeletes(const std::vector<std::string>& keys, MultiBatch* batch);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_REDIS_REDIS_BATCH_H_
