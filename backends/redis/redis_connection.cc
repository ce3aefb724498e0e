#include "backends/redis/redis_connection.h"

#include <sys/time.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include "backends/server/server_common.h"

namespace statebench {
namespace {

timeval ToTimeval(int ms) {
  timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  return tv;
}

// The first word of an error reply ("WRONGPASS", "NOAUTH", "ERR").
std::string_view ErrorCode(std::string_view msg) {
  return msg.substr(0, msg.find(' '));
}

}  // namespace

RedisConnection::RedisConnection(RedisUri uri, std::string password,
                                 int connect_timeout_ms, int command_timeout_ms)
    : uri_(std::move(uri)),
      password_(std::move(password)),
      connect_timeout_ms_(connect_timeout_ms),
      command_timeout_ms_(command_timeout_ms),
      describe_("redis " + uri_.HostPort()) {}

void RedisConnection::Drop() {
  ctx_.reset();
  outstanding_ = 0;
}

Status RedisConnection::ContextError() {
  std::string detail = ctx_ ? std::string(ctx_->errstr) : "no connection";
  int err = ctx_ ? ctx_->err : REDIS_ERR_OTHER;
  Drop();
  switch (err) {
    case REDIS_ERR_IO:
      if (detail == std::strerror(EAGAIN) ||
          detail == std::strerror(EWOULDBLOCK)) {
        Status timeout = Status::Unavailable(
            describe_ + ": no reply within " +
            std::to_string(command_timeout_ms_) + " ms (command_timeout_ms)");
        MarkServerUnresponsive(describe_, timeout);
        return timeout;
      }
      return Status::Unavailable(describe_ + ": I/O error: " + detail);
    case REDIS_ERR_EOF:
      return Status::Unavailable(describe_ +
                                 ": the server closed the connection");
    case REDIS_ERR_OOM:
      return Status::ResourceExhausted(describe_ + ": out of memory");
    case REDIS_ERR_PROTOCOL:
      return Status::IoError(describe_ + ": protocol error: " + detail);
    default:
      return Status::Unavailable(describe_ + ": " + detail);
  }
}

Status RedisConnection::ReplyError(const redisReply& reply) {
  std::string_view msg = ReplyString(reply);
  std::string_view code = ErrorCode(msg);
  if (code == "NOAUTH") {
    return Status::PermissionDenied(
        describe_ +
        ": authentication required (NOAUTH); set password_file or "
        "password_env");
  }
  if (code == "WRONGPASS" || msg.find("invalid password") != msg.npos ||
      msg.find("without any password configured") != msg.npos) {
    return Status::PermissionDenied(
        describe_ + ": authentication failed: wrong user name or password (" +
        std::string(code.empty() ? "ERR" : code) +
        "); check password_file or password_env");
  }
  if (code == "NOPERM") {
    return Status::PermissionDenied(describe_ + ": " + std::string(msg));
  }
  if (code == "LOADING" || code == "BUSY" || code == "MASTERDOWN") {
    return Status::Unavailable(describe_ + ": " + std::string(msg));
  }
  return Status::IoError(describe_ + ": " + std::string(msg));
}

Status RedisConnection::Connect() {
  SB_RETURN_IF_ERROR(CheckServerResponsive(describe_));
  redisContext* raw = redisConnectWithTimeout(uri_.host.c_str(), uri_.port,
                                              ToTimeval(connect_timeout_ms_));
  if (raw == nullptr) {
    return Status::ResourceExhausted(describe_ +
                                     ": cannot allocate a connection");
  }
  ctx_.reset(raw);
  if (ctx_->err != 0) {
    std::string detail = ctx_->errstr;
    Drop();
    return Status::Unavailable(describe_ + ": cannot connect: " + detail);
  }
  if (redisSetTimeout(ctx_.get(), ToTimeval(command_timeout_ms_)) != REDIS_OK ||
      redisEnableKeepAlive(ctx_.get()) != REDIS_OK) {
    return ContextError();
  }
  // AUTH, SELECT and PING go out in one round trip. PING makes a missing
  // password (NOAUTH) show up now rather than at the first state op.
  Status s;
  if (!password_.empty()) {
    s = uri_.user.empty() ? Append({"AUTH", password_})
                          : Append({"AUTH", uri_.user, password_});
    if (!s.ok()) return s;
  }
  std::string db = std::to_string(uri_.db);
  if (uri_.db != 0) SB_RETURN_IF_ERROR(Append({"SELECT", db}));
  SB_RETURN_IF_ERROR(Append({"PING"}));
  Status first_error;
  while (outstanding_ > 0) {
    Result<RedisReplyPtr> r = ReadReply();
    if (!r.ok() && ctx_ == nullptr) return r.status();  // connection lost
    if (!r.ok() && first_error.ok()) first_error = r.status();
  }
  if (!first_error.ok()) {
    Drop();
    return first_error;
  }
  return Status::Ok();
}

Status RedisConnection::EnsureConnected() {
  if (ctx_ != nullptr) return Status::Ok();
  return Connect();
}

namespace {
// Commands up to this many argument bytes are formatted here.
constexpr size_t kFormatLimit = 64 << 10;
}  // namespace

Status RedisConnection::AppendArgv(int argc, const char** argv,
                                   const size_t* lens) {
  if (Status s = CheckServerResponsive(describe_); !s.ok()) {
    Drop();
    return s;
  }
  if (ctx_ == nullptr) {
    if (outstanding_ != 0) {
      return Status::Unavailable(describe_ + ": connection lost");
    }
    SB_RETURN_IF_ERROR(Connect());
  }
  size_t total = 0;
  for (int i = 0; i < argc; ++i) total += lens[i];
  if (total > kFormatLimit) {
    // Large (a staged blob): hiredis copies it once, and out_ stays small.
    if (redisAppendCommandArgv(ctx_.get(), argc, argv, lens) != REDIS_OK) {
      return ContextError();
    }
    ++outstanding_;
    return Status::Ok();
  }
  // RESP: *argc CRLF, then $len CRLF bytes CRLF per argument.
  out_.clear();
  auto append_header = [&](char kind, size_t n) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
    out_.push_back(kind);
    out_.append(digits, end);
    out_.append("\r\n", 2);
  };
  append_header('*', static_cast<size_t>(argc));
  for (int i = 0; i < argc; ++i) {
    append_header('$', lens[i]);
    out_.append(argv[i], lens[i]);
    out_.append("\r\n", 2);
  }
  if (redisAppendFormattedCommand(ctx_.get(), out_.data(), out_.size()) !=
      REDIS_OK) {
    return ContextError();
  }
  ++outstanding_;
  return Status::Ok();
}

Status RedisConnection::Append(std::initializer_list<std::string_view> argv) {
  constexpr size_t kMax = 8;
  const char* ptrs[kMax];
  size_t lens[kMax];
  if (argv.size() > kMax) return Status::Internal("too many redis arguments");
  size_t i = 0;
  for (std::string_view a : argv) {
    ptrs[i] = a.data();
    lens[i] = a.size();
    ++i;
  }
  return AppendArgv(static_cast<int>(i), ptrs, lens);
}

Result<RedisReplyPtr> RedisConnection::ReadReply() {
  if (ctx_ == nullptr || outstanding_ == 0) {
    return Status::Internal(describe_ + ": no reply pending");
  }
  void* raw = nullptr;
  if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) {
    return ContextError();
  }
  --outstanding_;
  RedisReplyPtr reply(static_cast<redisReply*>(raw));
  if (reply->type == REDIS_REPLY_ERROR) return ReplyError(*reply);
  return reply;
}

Result<RedisReplyPtr> RedisConnection::Command(
    std::initializer_list<std::string_view> argv) {
  if (outstanding_ != 0) {
    return Status::Internal(describe_ + ": command while a pipeline is open");
  }
  SB_RETURN_IF_ERROR(Append(argv));
  return ReadReply();
}

}  // namespace statebench
