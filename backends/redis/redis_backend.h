// The redis backend: keyed state in a Redis server, through hiredis 0.14.
//
// Options (BackendConfig::options; unknown names are InvalidArgument):
//   uri                 redis://[user@]host[:port][/db] (see redis_uri.h)
//   password_file       0600 file with the password (group/other-readable:
//                       PermissionDenied); or
//   password_env        name of an environment variable holding it
//   job                 isolates this job's keys ("sb:{job}:..."),
//                       default "statebench"
//   connect_timeout_ms  default 2000; command_timeout_ms default 5000
//   mode                buffered (default) | write-through
//   pipeline            commands per round trip; default 10000 in buffered
//                       mode, 1 (every write waits for its reply) in
//                       write-through
//   server_pid          set by the harness when statebench started the
//                       server: adds /proc/<pid>/io to GetIoStats
//
// buffered (exactly-once): writes since the last checkpoint stay in a local
// overlay that reads see. SnapshotSync seals it; AsyncSnapshot::Complete
// stages it on the server (durable, state keys untouched);
// NotifyCheckpointComplete applies it with the checkpoint id in one
// pipelined MULTI/EXEC on a background thread (two-phase commit, so that no
// subtask's state runs ahead of the job's last completed checkpoint).
// Restore rolls forward a completed checkpoint whose apply a crash lost,
// and refuses (FailedPrecondition) when the server holds a later one: a
// shared store cannot roll back. See redis_commit.h.
// write-through: every op goes to the server at once; a checkpoint only
// records its id, so writes after it survive a crash (not exactly-once).
//
// A backend that is not restored starts empty, like a job started without a
// savepoint: its first commit (write-through: its first op) deletes what
// earlier runs of the same job left in its key-group range. Two runs that
// must not interfere need distinct `job` names.
//
// Secrets: the password lives in memory only; no Status, handle or IoStats
// text contains it (every error is scrubbed as a last resort).
#ifndef STATEBENCH_BACKENDS_REDIS_REDIS_BACKEND_H_
#define STATEBENCH_BACKENDS_REDIS_REDIS_BACKEND_H_

#include <memory>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench {

// InvalidArgument naming the option for an unknown name or a bad value;
// reads the password file an option names. Reaches no server.
Result<std::shared_ptr<const BackendSettings>> ParseRedisOptions(
    const std::map<std::string, std::string>& options);

BackendInfo RedisBackendInfo();
// Connects (AUTH, SELECT, PING) before returning, so a wrong password or an
// unreachable server fails here, naming "redis host:port".
Result<std::unique_ptr<StateBackend>> CreateRedisBackend(
    const BackendConfig& config);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_REDIS_REDIS_BACKEND_H_
