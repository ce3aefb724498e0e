// One blocking hiredis connection with timeouts, AUTH and SELECT, turning
// every hiredis error into a Status that names "redis host:port".
//
// After an I/O error the connection is dropped; the next call reconnects
// (once, within the connect timeout). A dead server therefore yields
// Unavailable within connect/command timeouts, never a hang.
//
// Not thread-safe: one thread at a time per RedisConnection (the backend
// holds one per thread role).
#ifndef STATEBENCH_BACKENDS_REDIS_REDIS_CONNECTION_H_
#define STATEBENCH_BACKENDS_REDIS_REDIS_CONNECTION_H_

#include <hiredis.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "backends/redis/redis_uri.h"
#include "base/status.h"

namespace statebench {

struct RedisReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

class RedisConnection {
 public:
  RedisConnection(RedisUri uri, std::string password, int connect_timeout_ms,
                  int command_timeout_ms);
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Connects, authenticates and selects the database if not connected.
  Status EnsureConnected();

  // Sends one command and returns its reply. A Redis error reply is
  // returned as a Status (not as a reply).
  Result<RedisReplyPtr> Command(std::initializer_list<std::string_view> argv);

  // Pipelining: Append() queues a command locally; ReadReply() flushes the
  // queue and returns the next reply (error replies as a Status, but the
  // connection stays usable for the remaining replies). Appended() counts
  // the replies not read yet.
  Status Append(std::initializer_list<std::string_view> argv);
  Status AppendArgv(int argc, const char** argv, const size_t* lens);
  Result<RedisReplyPtr> ReadReply();
  size_t Outstanding() const { return outstanding_; }

  bool connected() const { return ctx_ != nullptr; }

  // Closes the connection (the next call reconnects).
  void Drop();

  // "redis 127.0.0.1:6380", the prefix of every message.
  const std::string& Describe() const { return describe_; }
  const RedisUri& uri() const { return uri_; }

 private:
  Status ContextError();
  Status ReplyError(const redisReply& reply);
  Status Connect();

  struct ContextDeleter {
    void operator()(redisContext* c) const { redisFree(c); }
  };
  RedisUri uri_;
  std::string password_;
  int connect_timeout_ms_;
  int command_timeout_ms_;
  std::string describe_;
  std::unique_ptr<redisContext, ContextDeleter> ctx_;
  // Reused for formatting commands (RESP) without hiredis's printf-style
  // formatter, which costs more than the command's bytes.
  std::string out_;
  size_t outstanding_ = 0;
};

// The reply's string payload (status, string or error types).
inline std::string_view ReplyString(const redisReply& r) {
  return std::string_view(r.str, r.len);
}

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_REDIS_REDIS_CONNECTION_H_
