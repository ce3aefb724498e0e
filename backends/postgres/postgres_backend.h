// The postgres backend: keyed state in PostgreSQL tables, through libpqxx 6.
//
// Options (BackendConfig::options; unknown names are InvalidArgument):
//   uri                 postgresql://[user@]host[:port]/db (or a libpq
//                       key=value string); libpq's environment variables
//                       (PGHOST, PGUSER, ...) and ~/.pgpass fill the rest
//   password_file       0600 file with the password (group/other-readable:
//                       PermissionDenied); or
//   password_env        name of an environment variable holding it
//   job                 isolates this job's rows, default "statebench"
//   connect_timeout_ms  default 2000 (libpq rounds up to whole seconds, >= 2)
//   command_timeout_ms  default 5000: statement_timeout on the server plus a
//                       client-side watchdog for a server that stops answering
//   synchronous_commit  on | off | local | remote_write | remote_apply; unset
//                       keeps the server's setting. The effective value is
//                       recorded in every CheckpointHandle and checkpoint row.
//   server_pid          set by the harness when statebench started the
//                       server: adds /proc/<pid>/io to GetIoStats
//
// Exactly-once: one open transaction holds every write since the last
// checkpoint; SnapshotSync writes the checkpoint id into it and commits (the
// sync phase; the async phase has nothing left to do). The first change of
// each entry per interval also saves the entry's old image (an undo log), so
// that Restore can revert checkpoints this subtask committed but the job
// never completed (a crash between the commit and the job's completion);
// images are pruned once a later checkpoint completes. Restore refuses
// (FailedPrecondition) to go back further than the undo images reach. A
// lost connection or a failed statement aborts the open transaction: the
// writes since the last checkpoint are gone, so later ops fail with
// FailedPrecondition until Restore.
//
// A backend that is not restored starts empty: its first transaction
// deletes what earlier runs of the same job left in its key-group range.
//
// Secrets: the password is only in the in-memory connection string; no
// Status, handle or IoStats text contains it.
#ifndef STATEBENCH_BACKENDS_POSTGRES_POSTGRES_BACKEND_H_
#define STATEBENCH_BACKENDS_POSTGRES_POSTGRES_BACKEND_H_

#include <memory>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench {

// InvalidArgument naming the option for an unknown name or a bad value;
// reads the password file an option names. Reaches no server.
Result<std::shared_ptr<const BackendSettings>> ParsePostgresOptions(
    const std::map<std::string, std::string>& options);

BackendInfo PostgresBackendInfo();
// Connects and creates the schema when absent before returning, so a wrong
// password or an unreachable server fails here, naming "postgres host:port".
Result<std::unique_ptr<StateBackend>> CreatePostgresBackend(
    const BackendConfig& config);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_POSTGRES_POSTGRES_BACKEND_H_
