// Starting child processes: the one launcher every part of statebench uses
// (the database servers of --spawn, initdb, the crash-verification child,
// the run a `gate` measures, the job `run --verify` checks).
//
// A child gets an argv (never a shell), its three standard streams, the
// parent's environment with some variables replaced, and optionally its own
// process group, another user, and death with its parent. Files the child
// writes to are opened by the parent before the child exists, so an
// unopenable log is an error here, not a silent child exit.
//
// Thread safety: Launch may be called from any thread. The child only makes
// async-signal-safe calls between its start and exec.
#ifndef STATEBENCH_BASE_PROCESS_H_
#define STATEBENCH_BASE_PROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace statebench {

// Where one of the child's standard streams goes.
struct ChildStream {
  enum class Kind {
    kInherit,   // the parent's
    kNull,      // /dev/null
    kTruncate,  // `path`, created 0600 or emptied
    kAppend,    // `path`, created 0600 or appended to
    kFd,        // `fd`, a descriptor of the parent (a pipe's end)
    kStdout,    // stderr only: wherever stdout goes
  };
  Kind kind = Kind::kInherit;
  std::string path;
  int fd = -1;

  static ChildStream Inherit() { return {}; }
  static ChildStream Null() { return {Kind::kNull, "", -1}; }
  static ChildStream Truncate(std::string p) {
    return {Kind::kTruncate, std::move(p), -1};
  }
  static ChildStream Append(std::string p) {
    return {Kind::kAppend, std::move(p), -1};
  }
  static ChildStream Fd(int f) { return {Kind::kFd, "", f}; }
  static ChildStream SameAsStdout() { return {Kind::kStdout, "", -1}; }
};

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0] is the program
  // Look argv[0] up in PATH when it has no '/'.
  bool search_path = false;
  ChildStream in = ChildStream::Inherit();
  ChildStream out = ChildStream::Inherit();
  ChildStream err = ChildStream::Inherit();
  // "NAME=value" entries that replace NAME in the parent's environment.
  std::vector<std::string> env;
  // The child leads a process group of its own, so that signalling -pid
  // reaches everything it starts.
  bool own_process_group = false;
  // Run as this user and group (the parent must be root).
  std::optional<uid_t> uid;
  gid_t gid = 0;
  // SIGKILL the child when the thread that launched it ends.
  bool kill_with_parent = false;
};

// Starts the child and returns its pid; the caller waits for it.
Result<pid_t> Launch(const LaunchSpec& spec);

// The path of the running binary (/proc/self/exe), for starting another
// process of it; Internal when it cannot be read.
Result<std::string> SelfExecutable();

// How a waited-for child ended, as a shell reports it: its exit code, or
// 128 + the signal that ended it.
int ShellExitCode(int wait_status);

}  // namespace statebench

#endif  // STATEBENCH_BASE_PROCESS_H_
