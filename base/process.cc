#include "base/process.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace statebench {
namespace {

// Descriptors the parent opened for the child; closed when the launch ends.
class OpenedFds {
 public:
  ~OpenedFds() {
    for (int fd : fds_) ::close(fd);
  }
  int Keep(int fd) {
    fds_.push_back(fd);
    return fd;
  }

 private:
  std::vector<int> fds_;
};

// The parent's descriptor for `s`, -1 for kInherit and kStdout.
Result<int> OpenStream(const ChildStream& s, int flags_for_null,
                       OpenedFds* opened) {
  switch (s.kind) {
    case ChildStream::Kind::kInherit:
    case ChildStream::Kind::kStdout:
      return -1;
    case ChildStream::Kind::kFd:
      return s.fd;
    case ChildStream::Kind::kNull: {
      int fd = ::open("/dev/null", flags_for_null | O_CLOEXEC);
      if (fd < 0) {
        return Status::IoError(std::string("cannot open /dev/null: ") +
                               std::strerror(errno));
      }
      return opened->Keep(fd);
    }
    case ChildStream::Kind::kTruncate:
    case ChildStream::Kind::kAppend: {
      int flags = O_WRONLY | O_CREAT | O_CLOEXEC |
                  (s.kind == ChildStream::Kind::kAppend ? O_APPEND : O_TRUNC);
      int fd = ::open(s.path.c_str(), flags, 0600);
      if (fd < 0) {
        return Status::IoError("cannot open " + s.path + ": " +
                               std::strerror(errno));
      }
      return opened->Keep(fd);
    }
  }
  return -1;
}

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

Result<std::string> ResolveProgram(const LaunchSpec& spec) {
  const std::string& program = spec.argv[0];
  if (!spec.search_path || program.find('/') != std::string::npos) {
    return program;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path
                                         : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (IsExecutableFile(candidate)) return candidate;
  }
  return Status::InvalidArgument("cannot run '" + program +
                                 "': not found in PATH");
}

// The parent's environment with spec.env's variables replaced.
std::vector<char*> Environment(const LaunchSpec& spec) {
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    size_t name_len = eq != nullptr ? static_cast<size_t>(eq - *e) : 0;
    bool replaced = false;
    for (const std::string& v : spec.env) {
      if (v.size() > name_len && v[name_len] == '=' &&
          std::strncmp(v.c_str(), *e, name_len) == 0) {
        replaced = true;
      }
    }
    if (!replaced) envp.push_back(*e);
  }
  for (const std::string& v : spec.env)
    envp.push_back(const_cast<char*>(v.c_str()));
  envp.push_back(nullptr);
  return envp;
}

Status CannotRun(const std::string& program, int err) {
  // A program that is missing or not executable is the caller's input.
  if (err == ENOENT || err == EACCES || err == ENOEXEC || err == ENOTDIR) {
    return Status::InvalidArgument("cannot run '" + program +
                                   "': " + std::strerror(err));
  }
  return Status::IoError("cannot start '" + program +
                         "': " + std::strerror(err));
}

// posix_spawn: no copy of the parent's address space, which a benchmark
// holding gigabytes of heap state would otherwise pay for (and which
// overcommit accounting may refuse).
Result<pid_t> SpawnChild(const std::string& program, char* const* argv,
                         char* const* envp, const int fds[3],
                         bool own_process_group) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  for (int target = 0; target < 3; ++target) {
    if (fds[target] >= 0) {
      posix_spawn_file_actions_adddup2(&actions, fds[target], target);
    } else if (fds[target] == -2) {  // stderr to stdout
      posix_spawn_file_actions_adddup2(&actions, 1, 2);
    }
  }
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (own_process_group) {
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
  }
  pid_t pid = 0;
  int rc = posix_spawn(&pid, program.c_str(), &actions, &attr, argv, envp);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return CannotRun(program, rc);
  return pid;
}

// fork + exec, for what posix_spawn cannot do: another user, and death with
// the parent. An exec failure comes back through a close-on-exec pipe.
Result<pid_t> ForkChild(const std::string& program, char* const* argv,
                        char* const* envp, const int fds[3],
                        const LaunchSpec& spec) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) {
    return Status::IoError(std::string("pipe: ") + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(report[0]);
    ::close(report[1]);
    return Status::IoError(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    // Async-signal-safe calls only until exec.
    auto fail = [&](int err) {
      (void)!::write(report[1], &err, sizeof err);
      ::_exit(127);
    };
    if (spec.own_process_group) ::setpgid(0, 0);
    for (int target = 0; target < 3; ++target) {
      if (fds[target] >= 0 && ::dup2(fds[target], target) < 0) fail(errno);
      if (fds[target] == -2 && ::dup2(1, 2) < 0) fail(errno);
    }
    if (spec.uid.has_value()) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(spec.gid) != 0 ||
          ::setuid(*spec.uid) != 0) {
        fail(errno);
      }
    }
    // After the uid change, which would clear it.
    if (spec.kill_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(125);
    }
    ::execve(program.c_str(), argv, envp);
    fail(errno);
  }
  // Also from here, so that the group exists before the caller signals it.
  if (spec.own_process_group) ::setpgid(pid, pid);
  ::close(report[1]);
  int err = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n == static_cast<ssize_t>(sizeof err)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return CannotRun(program, err);
  }
  return pid;
}

}  // namespace

Result<std::string> SelfExecutable() {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    return Status::Internal(std::string("cannot find the running binary: ") +
                            std::strerror(errno));
  }
  return std::string(self, static_cast<size_t>(n));
}

Result<pid_t> Launch(const LaunchSpec& spec) {
  if (spec.argv.empty()) return Status::InvalidArgument("launch: empty argv");
  SB_ASSIGN_OR_RETURN(std::string program, ResolveProgram(spec));
  OpenedFds opened;
  int fds[3];
  SB_ASSIGN_OR_RETURN(fds[0], OpenStream(spec.in, O_RDONLY, &opened));
  SB_ASSIGN_OR_RETURN(fds[1], OpenStream(spec.out, O_WRONLY, &opened));
  SB_ASSIGN_OR_RETURN(fds[2], OpenStream(spec.err, O_WRONLY, &opened));
  if (spec.err.kind == ChildStream::Kind::kStdout) fds[2] = -2;
  std::vector<char*> argv;
  for (const std::string& a : spec.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp = Environment(spec);
  if (spec.uid.has_value() || spec.kill_with_parent) {
    return ForkChild(program, argv.data(), envp.data(), fds, spec);
  }
  return SpawnChild(program, argv.data(), envp.data(), fds,
                    spec.own_process_group);
}

int ShellExitCode(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 128;
}

}  // namespace statebench
