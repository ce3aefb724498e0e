#include "backends/redis/redis_io_stats.h"

#include <charconv>
#include <string_view>

namespace statebench {
namespace {

// The value of "name:value" in an INFO reply, or 0.
uint64_t InfoField(std::string_view info, std::string_view name) {
  size_t pos = 0;
  while ((pos = info.find(name, pos)) != std::string_view::npos) {
    bool line_start = pos == 0 || info[pos - 1] == '\n';
    size_t colon = pos + name.size();
    if (line_start && colon < info.size() && info[colon] == ':') {
      uint64_t v = 0;
      std::from_chars(info.data() + colon + 1, info.data() + info.size(), v);
      return v;
    }
    pos = colon;
  }
  return 0;
}

}  // namespace

RedisIoStats::RedisIoStats(const RedisSettings& settings)
    : conn_(settings.uri, settings.password, settings.connect_timeout_ms,
            settings.command_timeout_ms),
      server_pid_(settings.server_pid),
      proc_(settings.server_pid) {}

Result<RedisIoStats::Info> RedisIoStats::ReadInfo() {
  SB_ASSIGN_OR_RETURN(RedisReplyPtr persistence,
                      conn_.Command({"INFO", "persistence"}));
  SB_ASSIGN_OR_RETURN(RedisReplyPtr memory, conn_.Command({"INFO", "memory"}));
  Info info;
  std::string_view p = ReplyString(*persistence);
  info.aof_enabled = InfoField(p, "aof_enabled") == 1;
  info.aof_current_size = InfoField(p, "aof_current_size");
  info.used_memory_dataset =
      InfoField(ReplyString(*memory), "used_memory_dataset");
  return info;
}

// AOF bytes written: growth between samples; a shrink means a rewrite,
// which wrote the whole new file.
void RedisIoStats::Account(const Info& info) {
  if (!info.aof_enabled) return;
  if (!have_aof_) {
    have_aof_ = true;
  } else if (info.aof_current_size >= aof_last_) {
    aof_written_ += info.aof_current_size - aof_last_;
  } else {
    aof_written_ += info.aof_current_size;
  }
  aof_last_ = info.aof_current_size;
}

void RedisIoStats::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  started_ = true;
  Result<Info> info = ReadInfo();
  if (info.ok()) Account(*info);
  proc_.Start();
}

void RedisIoStats::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  started_ = false;
  conn_.Drop();
}

IoStats RedisIoStats::Sample() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!started_) return last_;
  IoStats out;
  Result<Info> info = ReadInfo();
  if (!info.ok()) {
    out = last_;
    out.source +=
        " (last sample; INFO failed: " + info.status().message() + ")";
    return out;
  }
  Account(*info);
  out.storage_size = info->used_memory_dataset;
  uint64_t aof = aof_written_;
  Result<ProcIo> io = proc_.SinceStart();
  if (io.ok()) {
    const uint64_t written = io->write_bytes;
    out.bytes_read = io->read_bytes;
    uint64_t log = std::min(aof, written);
    out.bytes_written = written;
    out.write_breakdown["server_log"] = log;
    out.write_breakdown["server_snapshot"] = written - log;
    out.source =
        "redis INFO (storage_size = used_memory_dataset, server_log = AOF "
        "growth) + /proc/" +
        std::to_string(server_pid_) +
        "/io of the server started by statebench and its children";
  } else {
    out.bytes_written = aof;
    out.write_breakdown["server_log"] = aof;
    out.source =
        "redis INFO (storage_size = used_memory_dataset, server_log = AOF "
        "growth; RDB saves not counted); " +
        std::string(server_pid_ > 0 ? "/proc/" + std::to_string(server_pid_) +
                                          "/io unreadable, "
                                    : "server not started by statebench, ") +
        "whole-server counters";
  }
  last_ = out;
  return out;
}

}  // namespace statebench
