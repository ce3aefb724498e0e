// Private database servers that statebench starts itself (--spawn).
//
// ServerProcess starts redis-server or PostgreSQL on 127.0.0.1 on a free
// port, with its data in a fresh mkdtemp directory (mode 0700), a generated
// password in a 0600 file (never on a command line), and the persistence
// settings the run asks for. It waits until the server serves clients (its
// data loaded, crash recovery done), exposes what a backend needs to
// connect (Connection()), and stops the server and
// removes the directory when stopped or destroyed. It only ever signals
// processes it forked itself (each server runs in its own process group).
//
// PostgreSQL refuses to run as root: when statebench runs as root, initdb
// and postgres run as the `postgres` user (setuid in the forked child, so
// that the pid we hold is the postmaster's, not a runuser wrapper's).
//
// Binaries: redis-server from PATH; PostgreSQL from $STATEBENCH_PG_BINDIR or
// the highest /usr/lib/postgresql/<version>/bin.
//
// Cleanup on signals: every running server is recorded in a fixed-size,
// lock-free registry; StopAllSpawnedServers() kills them and removes their
// directories using only async-signal-safe calls, so a SIGINT/SIGTERM
// handler may call it (InstallSpawnSignalHandlers() installs such handlers).
//
// Thread safety: a ServerProcess is used from one thread at a time.
// StopAllSpawnedServers() may run concurrently with anything (it races with
// a concurrent Stop() harmlessly: each server is stopped once).
#ifndef STATEBENCH_BASE_SPAWN_H_
#define STATEBENCH_BASE_SPAWN_H_

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace statebench {

struct RedisPersistence {
  bool appendonly = false;               // AOF on/off
  std::string appendfsync = "everysec";  // always | everysec | no
  bool rdb_snapshots = false;  // Redis's default RDB save rules, or none
};

struct PostgresPersistence {
  bool fsync = true;
  // on | off | local | remote_write | remote_apply
  std::string synchronous_commit = "on";
};

struct SpawnOptions {
  std::string backend;  // "redis" or "postgres"
  RedisPersistence redis;
  PostgresPersistence postgres;
  // How long to wait for the server to answer (initdb included).
  int start_timeout_ms = 60000;
  // Kill the server (SIGKILL) if the thread that started it dies, so that a
  // crashed statebench leaves no server behind. The starting thread must
  // then outlive the server (start servers from the main thread).
  bool kill_with_parent = true;
};

// What a backend needs to talk to a spawned server: the entries to merge
// into BackendConfig::options ("uri", "password_file", "server_pid").
struct SpawnedServerConnection {
  std::string backend;
  std::map<std::string, std::string> options;
};

class ServerProcess {
 public:
  // Starts a server and waits until it serves clients. Errors:
  // InvalidArgument for bad options, NotFound for a missing binary,
  // Unavailable when the server did not come up in time (with what it was
  // still doing and the tail of its log).
  static Result<std::unique_ptr<ServerProcess>> Start(
      const SpawnOptions& options);

  // Stops the server (Stop()) if still running.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Graceful stop (redis: SIGTERM; postgres: SIGINT, its fast shutdown),
  // SIGKILL to the process group after a timeout, then removes the
  // directory. Idempotent.
  Status Stop();
  // SIGKILL to the whole process group (a crash); the directory and port
  // are kept for Restart().
  Status Kill();
  // Starts the server again with the same directory, configuration and
  // port (after Kill() or, if running, after a graceful stop that keeps the
  // directory) and waits until it serves its data again: redis has loaded
  // its AOF or RDB file, PostgreSQL has finished crash recovery. Unavailable
  // with the reason when it does not (e.g. another process took the port).
  Status Restart();

  bool running() const { return pid_ > 0; }
  const std::string& backend() const { return options_.backend; }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  const std::string& uri() const { return uri_; }
  const std::string& password_file() const { return password_file_; }
  const std::string& dir() const { return dir_; }
  SpawnedServerConnection Connection() const;
  // "redis on 127.0.0.1:40123 (pid 4242, /tmp/statebench-redis-AbC123)".
  std::string Describe() const;

 private:
  explicit ServerProcess(SpawnOptions options) : options_(std::move(options)) {}
  Status Prepare();
  Status PrepareRedis();
  Status PreparePostgres();
  Status Launch();
  // Waits until the server serves clients: started, answering, its data
  // loaded (or recovered) and the process on the port the one started.
  Status WaitReady();
  // Why the server does not serve clients yet; "" once it does.
  std::string RedisNotReadyReason() const;
  std::string PostgresNotReadyReason() const;
  // Signals the group, waits up to `timeout_ms`, then SIGKILLs it.
  Status Terminate(int signal, int timeout_ms);
  std::string LogTail() const;

  SpawnOptions options_;
  std::string binary_;  // redis-server or postgres
  std::string bindir_;  // postgres only
  std::string dir_;
  std::string data_dir_;
  std::string log_file_;
  std::string password_file_;
  std::string uri_;
  std::vector<std::string> args_;  // argv for the server
  int port_ = 0;
  pid_t pid_ = 0;
  uid_t run_uid_ = 0;  // postgres as root: the postgres user
  gid_t run_gid_ = 0;
  bool switch_user_ = false;
  int slot_ = -1;  // index in the cleanup registry
};

// Kills every server still running that ServerProcess started (SIGKILL to
// each process group), reaps them and removes their directories. Uses only
// async-signal-safe calls: callable from a signal handler.
void StopAllSpawnedServers();

// Installs the SIGINT and SIGTERM handlers of bench/harness/interrupt.h: inside
// an InterruptScope the first signal is only recorded for a cooperative
// shutdown; otherwise (and on a second signal) they call
// StopAllSpawnedServers(), remove the temporary directories and unfinished
// output files this process made (RemoveTempDirectoriesSignalSafe,
// base/file_util.h) and re-raise the signal with its default action
// (so the exit status still says "killed by signal"). Call from the main
// thread; a second call does nothing.
void InstallSpawnSignalHandlers();

// The server binary for `backend` ("redis": redis-server from PATH;
// "postgres": the directory holding postgres and initdb).
Result<std::string> FindServerBinary(std::string_view backend);

}  // namespace statebench

#endif  // STATEBENCH_BASE_SPAWN_H_
