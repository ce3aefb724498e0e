// GetIoStats for the redis backend.
//
// Sources: the server's INFO counters (AOF growth -> "server_log",
// used_memory_dataset -> storage_size), which are whole-server figures, and
// when statebench started the server (server_pid set), /proc/<pid>/io of the
// server and its forked children (RDB saves, AOF rewrites), which counts
// every byte the server made the storage layer write. IoStats::source says
// which were used.
//
// Thread-safe: Sample() may run concurrently with the backend's state ops
// and commits (it has its own connection).
#ifndef STATEBENCH_BACKENDS_REDIS_REDIS_IO_STATS_H_
#define STATEBENCH_BACKENDS_REDIS_REDIS_IO_STATS_H_

#include <mutex>

#include "backends/redis/redis_commit.h"
#include "backends/redis/redis_connection.h"
#include "backends/server/server_common.h"
#include "backends/state_backend.h"

namespace statebench {

class RedisIoStats {
 public:
  explicit RedisIoStats(const RedisSettings& settings);

  // Takes the baseline; later samples are deltas from it.
  void Start();
  IoStats Sample();
  void Stop();

 private:
  struct Info {
    bool aof_enabled = false;
    uint64_t aof_current_size = 0;
    uint64_t used_memory_dataset = 0;
  };
  Result<Info> ReadInfo();
  void Account(const Info& info);

  std::mutex mu_;
  RedisConnection conn_;
  int server_pid_;
  bool started_ = false;
  bool have_aof_ = false;
  uint64_t aof_last_ = 0;
  uint64_t aof_written_ = 0;
  ServerProcessIo proc_;
  IoStats last_;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_REDIS_REDIS_IO_STATS_H_
