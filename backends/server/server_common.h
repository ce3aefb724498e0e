// Plumbing shared by the server backends (redis, postgres): the options both
// accept, password sources, redaction, /proc/<pid>/io sampling and the
// approximate live-state size they report as a checkpoint's full size.
//
// Secrets: a password read here lives only in ServerOptions::password (in
// memory). Nothing in this file puts it into a message; ScrubSecret() is the
// last line of defence applied to every error a server backend returns.
//
// All functions are thread-safe (only the unresponsive-server record below
// is shared, behind a mutex).
#ifndef STATEBENCH_BACKENDS_SERVER_SERVER_COMMON_H_
#define STATEBENCH_BACKENDS_SERVER_SERVER_COMMON_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "backends/registry.h"
#include "backends/state_backend.h"
#include "base/status.h"

namespace statebench {

// The options common to both server backends, validated.
struct ServerOptions {
  std::string uri;
  // From password_file or password_env; empty when neither is set (the
  // client library's own defaults then apply, e.g. .pgpass). Never printed.
  std::string password;
  // Isolates this job's data from other jobs on the same server.
  std::string job = "statebench";
  int connect_timeout_ms = 2000;
  int command_timeout_ms = 5000;
  // Pid of the server when statebench started it (the harness sets it);
  // 0 otherwise. Enables /proc/<pid>/io sampling.
  int server_pid = 0;
  // Backend-specific options, already checked to be known names; the
  // backend validates their values.
  std::map<std::string, std::string> specific;
};

// Descriptions of the common options, for BackendInfo::options.
std::vector<BackendOptionInfo> CommonServerOptionInfos(
    std::string_view uri_example);

// Parses the common options and checks that every name is either common or
// listed in `specific`. Errors are InvalidArgument naming `backend`, the
// option and the known names; PermissionDenied for a password file readable
// by group or others.
Result<ServerOptions> ParseServerOptions(
    std::string_view backend, const std::map<std::string, std::string>& options,
    const std::vector<BackendOptionInfo>& specific);

// Reads a password file: refused (PermissionDenied) when group- or
// other-readable; one trailing newline is stripped; empty is an error.
Result<std::string> ReadPasswordFile(std::string_view backend,
                                     const std::string& path);

// InvalidArgument naming `backend` when the config's key groups do not fit
// its max parallelism.
Status CheckKeyGroupsFit(std::string_view backend, const BackendConfig& config);

// Parses a decimal integer option in [min, max].
Result<int64_t> ParseIntOption(std::string_view backend, std::string_view name,
                               std::string_view value, int64_t min,
                               int64_t max);

// Replaces every occurrence of `secret` in the status message by "***".
// Returns `status` unchanged when the secret is empty or absent.
Status ScrubSecret(const Status& status, std::string_view secret);

// A server that let a command go unanswered for command_timeout_ms (alive
// but stuck: SIGSTOP, a storage stall) is recorded for kUnresponsiveMs, so
// that the steps after the first timeout (the final checkpoint, the io
// statistics, closing) fail at once instead of each reconnecting (the
// kernel still accepts connections for a stopped process) and waiting for
// the timeout again. `server` is the backend's description ("redis
// 127.0.0.1:6379"); the process-wide record covers every connection to it.
inline constexpr int kUnresponsiveMs = 30000;
void MarkServerUnresponsive(const std::string& server, const Status& why);
// Ok, or Unavailable repeating the recorded timeout.
Status CheckServerResponsive(const std::string& server);

// Replaces the password of a "scheme://user:password@host..." URI by "***";
// other strings are returned unchanged. Also masks "password=..." in a libpq
// key=value string.
std::string RedactUri(std::string_view uri);

// Cumulative I/O counters of a process tree, from /proc/<pid>/io.
struct ProcIo {
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;
  int processes = 0;  // how many /proc/<pid>/io files were summed
};

// Sums /proc/<pid>/io of `pid` and, when `with_children`, of its direct
// children (found through /proc/*/stat). Children that exit between
// samples were reaped by `pid`, whose counters then include theirs.
// NotFound when the process is gone; PermissionDenied when not readable.
Result<ProcIo> ReadProcessTreeIo(int pid, bool with_children);

// A server's storage traffic since a baseline: ReadProcessTreeIo of the
// server and its children, as deltas. Only for a server statebench started
// (its pid known); otherwise, or when the counters were unreadable at
// Start(), every read is NotFound and the backend falls back to the
// server's own counters.
class ServerProcessIo {
 public:
  explicit ServerProcessIo(int pid) : pid_(pid) {}
  // Takes the baseline.
  void Start();
  // Bytes read and written since Start(), and the processes summed.
  Result<ProcIo> SinceStart() const;

 private:
  int pid_;
  bool ok_ = false;
  ProcIo base_;
};

// An approximate count of the logical bytes of live state (keys, namespaces,
// user keys and values) behind one backend instance. Servers do not tell the
// old size of an overwritten entry for free, so an overwrite is assumed to
// keep the entry's size and a removal subtracts the mean entry size. Exact
// for insert-and-remove workloads; drifts when values change size.
class LiveSizeEstimate {
 public:
  void Reset(uint64_t entries, uint64_t bytes) {
    entries_ = entries;
    bytes_ = bytes;
  }
  // `count` new entries of `bytes` bytes in total.
  void Inserted(uint64_t bytes, uint64_t count = 1) {
    entries_ += count;
    bytes_ += bytes;
  }
  void Removed(uint64_t count);
  uint64_t entries() const { return entries_; }
  uint64_t bytes() const { return bytes_; }

 private:
  uint64_t entries_ = 0;
  uint64_t bytes_ = 0;
};

// The registered states of one server backend instance, by dense id.
// Not thread-safe (the subtask thread registers and looks up).
class StateCatalog {
 public:
  // Idempotent for the same name and kind; InvalidArgument for the same name
  // with another kind or a name outside [A-Za-z0-9_.-]+.
  Result<StateId> Register(std::string_view backend,
                           const StateDescriptor& desc);
  // The state's name if `id` is registered with `kind`, else nullptr.
  const std::string* Find(StateId id, StateKind kind) const {
    return id < states_.size() && states_[id].kind == kind ? &states_[id].name
                                                           : nullptr;
  }
  std::vector<std::string> Names() const;

 private:
  std::vector<StateDescriptor> states_;
  std::map<std::string, StateId, std::less<>> ids_;
};

// The key groups of `outer` outside `inner` (zero, one or two ranges).
std::vector<KeyGroupRange> RangeComplement(KeyGroupRange outer,
                                           KeyGroupRange inner);

// The part of `handle_full` attributable to `overlap` key groups out of
// `handle_groups` (for restoring at another parallelism).
uint64_t ProrateByKeyGroups(uint64_t handle_full, int overlap,
                            int handle_groups);

// The restore figures of a server backend: nothing is copied or linked,
// the state is already in the server; `entries` and `state_bytes` are the
// checkpoint's figures for the restored key groups.
RestoreStats InPlaceRestore(const std::string& server, uint64_t entries,
                            uint64_t state_bytes);

// A numeric metadata entry of a handle ("entries"); 0 when absent.
uint64_t HandleMetadataCount(const CheckpointHandle& h, const std::string& key);

// What a server backend's restore of `range` takes from its handles.
struct ServerRestoreScope {
  int64_t checkpoint_id = 0;
  uint64_t entries = 0;  // the handles' entries, prorated to `range`
  uint64_t bytes = 0;    // the handles' full size, prorated to `range`
};

// Checks that every handle is `backend`'s checkpoint of `job` at
// `max_parallelism`, all of one checkpoint id, and that together they
// cover `range`. InvalidArgument naming the first handle that is not, or
// how many key groups are covered. `handles` is not empty.
Result<ServerRestoreScope> CheckServerHandles(
    std::string_view backend, const std::string& job, int max_parallelism,
    const std::vector<CheckpointHandle>& handles, KeyGroupRange range);

// The async phase of a checkpoint whose sync phase already finished it
// (postgres commits, redis write-through): Complete() returns the handle.
class FinishedSnapshot final : public AsyncSnapshot {
 public:
  explicit FinishedSnapshot(CheckpointHandle h) : handle_(std::move(h)) {}
  Result<CheckpointHandle> Complete() override { return handle_; }

 private:
  CheckpointHandle handle_;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_SERVER_SERVER_COMMON_H_
