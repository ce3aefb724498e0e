// Helpers of the postgres backend: the libpq connection string, exception
// conversion, a client-side command timeout and IoStats sampling.
//
// Secrets: the password enters the connection string only in memory
// (BuildConninfo); every printable description of the connection comes from
// PostgresTarget, which never holds it.
#ifndef STATEBENCH_BACKENDS_POSTGRES_POSTGRES_SUPPORT_H_
#define STATEBENCH_BACKENDS_POSTGRES_POSTGRES_SUPPORT_H_

#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "backends/server/server_common.h"
#include "backends/state_backend.h"
#include "base/status.h"

namespace pqxx {
class connection_base;
}

namespace statebench {

// What a postgres backend connects to, printable.
struct PostgresTarget {
  std::string redacted_uri;  // the uri option with any password masked
  std::string host_port;     // "127.0.0.1:5432", libpq defaults resolved
  std::string describe;      // "postgres 127.0.0.1:5432"
};

// Parses `uri` (a postgresql:// URI or a key=value string) with libpq and
// returns the connection string to use: the URI's parameters plus the
// password (when not empty; otherwise libpq's PGPASSWORD/.pgpass apply),
// connect_timeout, TCP keepalives and tcp_user_timeout derived from the
// timeouts. Parameters the URI leaves out keep libpq's environment
// defaults (PGHOST, PGPORT, PGUSER, ...). A password inside `uri` is
// refused (InvalidArgument, not echoed).
Result<std::string> BuildConninfo(const std::string& uri,
                                  const std::string& password,
                                  int connect_timeout_ms,
                                  int command_timeout_ms,
                                  PostgresTarget* target);

// Converts the exception in flight (call inside a catch block) to a Status
// prefixed by target.describe. Authentication failures become
// PermissionDenied, lost connections Unavailable, SQL errors IoError with
// the SQLSTATE.
Status CurrentExceptionToStatus(const PostgresTarget& target,
                                std::exception_ptr e);

// A client-side deadline for one blocking libpq call: libpq waits for a
// reply forever when the server is alive but stuck (SIGSTOP, a storage
// hang), and statement_timeout is enforced by that same stuck server. When
// an armed call outlives `timeout_ms`, a helper thread shuts the socket
// down, so the call fails at once (as a lost connection).
//
// Arm/Disarm are called by one thread (the op thread); they cost two
// atomic stores and a clock read.
class SocketWatchdog {
 public:
  explicit SocketWatchdog(int timeout_ms);
  ~SocketWatchdog();
  SocketWatchdog(const SocketWatchdog&) = delete;
  SocketWatchdog& operator=(const SocketWatchdog&) = delete;

  void Arm(int fd);
  void Disarm();
  // True when the watchdog fired during the last armed call.
  bool Fired() const { return fired_.load(); }
  int timeout_ms() const { return timeout_ms_; }

 private:
  void Loop();

  const int timeout_ms_;
  std::atomic<int64_t> deadline_ns_{0};  // 0 = disarmed
  std::atomic<int> fd_{-1};
  std::atomic<bool> fired_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// GetIoStats for the postgres backend: WAL bytes from the WAL insert
// position (pg_current_wal_insert_lsn deltas: the same bytes as
// pg_stat_wal.wal_bytes, but exact at once, whereas pg_stat_wal is only
// updated when backends flush their statistics, up to seconds later;
// whole-server) and the size of the sb_* tables, plus /proc/<pid>/io of the
// postmaster and its children when statebench started the server.
// Has its own connection; Sample() is thread-safe.
class PostgresIoStats {
 public:
  // Its query runs under a SocketWatchdog of `command_timeout_ms`: a stuck
  // server must not hang the sampling caller.
  PostgresIoStats(std::string conninfo, PostgresTarget target, int server_pid,
                  int command_timeout_ms);
  ~PostgresIoStats();
  void Start();
  IoStats Sample();
  void Stop();

 private:
  struct Counters {
    uint64_t wal_bytes = 0;
    uint64_t table_bytes = 0;
  };
  Result<Counters> Read();

  std::mutex mu_;
  const std::string conninfo_;
  const PostgresTarget target_;
  const int server_pid_;
  const int command_timeout_ms_;
  std::unique_ptr<SocketWatchdog> watchdog_;  // made at the first query
  // pqxx::connection_base has no virtual destructor: only deleting the
  // pqxx::connection itself closes the socket.
  struct CloseConnection {
    void operator()(pqxx::connection_base* c) const;
  };
  std::unique_ptr<pqxx::connection_base, CloseConnection> conn_;
  bool started_ = false;
  uint64_t wal_base_ = 0;
  ServerProcessIo proc_;
  IoStats last_;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_POSTGRES_POSTGRES_SUPPORT_H_
