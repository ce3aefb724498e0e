// Runs the statebench binary as a child process for CLI-level tests: no
// shell, stdin from /dev/null, stdout and stderr captured to files, wall
// and CPU time measured, and a hard timeout so that a hanging case fails
// instead of stalling ctest.
#ifndef STATEBENCH_TESTS_TEST_PROCESS_H_
#define STATEBENCH_TESTS_TEST_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace statebench::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;      // the terminating signal, if any
  bool timed_out = false;
  double seconds = 0;  // wall time from spawn to exit
  // CPU time (user + system) the child used: what it cost, whatever else
  // the machine was running meanwhile.
  double cpu_seconds = 0;
  std::string out;
  std::string err;
};

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A started child; Wait() or Kill() reaps it.
class ChildProcess {
 public:
  // `capture_prefix`: stdout goes to capture_prefix + ".out", stderr to
  // ".err". False when the spawn failed.
  bool Start(const std::vector<std::string>& argv,
             const std::string& capture_prefix) {
    out_path_ = capture_prefix + ".out";
    err_path_ = capture_prefix + ".err";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    start_ = std::chrono::steady_clock::now();
    int rc =
        posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    return rc == 0;
  }

  pid_t pid() const { return pid_; }

  // Waits up to `timeout_s`, then kills the child with SIGKILL.
  ProcessResult Wait(double timeout_s) {
    ProcessResult r;
    int status = 0;
    rusage usage{};
    const auto deadline = start_ + std::chrono::duration<double>(timeout_s);
    for (;;) {
      pid_t done = wait4(pid_, &status, WNOHANG, &usage);
      if (done == pid_) break;
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        wait4(pid_, &status, 0, &usage);
        r.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    r.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
            .count();
    r.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec) +
                    static_cast<double>(usage.ru_stime.tv_sec) +
                    (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    r.out = ReadWholeFile(out_path_);
    r.err = ReadWholeFile(err_path_);
    unlink(out_path_.c_str());
    unlink(err_path_.c_str());
    pid_ = -1;
    return r;
  }

  // Sends SIGKILL and reaps the child.
  ProcessResult Kill() {
    kill(pid_, SIGKILL);
    return Wait(60);
  }

 private:
  pid_t pid_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::string out_path_;
  std::string err_path_;
};

inline ProcessResult RunProcess(const std::vector<std::string>& argv,
                                const std::string& capture_prefix,
                                double timeout_s) {
  ChildProcess child;
  if (!child.Start(argv, capture_prefix)) {
    ProcessResult r;
    r.err = "posix_spawn failed for " + argv[0];
    return r;
  }
  return child.Wait(timeout_s);
}

}  // namespace statebench::testing

#endif  // STATEBENCH_TESTS_TEST_PROCESS_H_
