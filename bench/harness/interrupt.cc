#include "bench/harness/interrupt.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/file_util.h"
#include "base/spawn.h"

namespace statebench {
namespace {

std::atomic<int> g_signal{0};
std::atomic<int> g_scopes{0};
std::atomic<bool> g_installed{false};
timer_t g_watchdog{};
bool g_has_watchdog = false;

// Ends the process by `sig` with its default action, so that the parent
// sees the signal (a shell shows 128 + sig). Async-signal-safe.
[[noreturn]] void DieBy(int sig) {
  ::signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ::raise(sig);
  ::_exit(128 + sig);
}

// Only async-signal-safe calls: it runs inside the handlers.
[[noreturn]] void CleanUpAndDie(int sig) {
  StopAllSpawnedServers();
  RemoveTempDirectoriesSignalSafe();
  DieBy(sig);
}

void OnSignal(int sig) {
  int expected = 0;
  const bool first = g_signal.compare_exchange_strong(expected, sig);
  if (!first || g_scopes.load() == 0) CleanUpAndDie(first ? sig : expected);
  if (g_has_watchdog) {
    itimerspec grace{};
    grace.it_value.tv_sec = kInterruptGraceMs / 1000;
    grace.it_value.tv_nsec = (kInterruptGraceMs % 1000) * 1000000L;
    ::timer_settime(g_watchdog, 0, &grace, nullptr);
  }
}

// The cooperative shutdown took too long (a call that does not poll).
void OnWatchdog(int) {
  const int sig = g_signal.load();
  if (sig != 0) CleanUpAndDie(sig);
}

}  // namespace

bool InterruptRequested() { return g_signal.load() != 0; }

int InterruptSignal() { return g_signal.load(); }

std::string InterruptReason() {
  return g_signal.load() == SIGTERM ? "interrupted by SIGTERM"
                                    : "interrupted by SIGINT";
}

void NoteInterrupt(int sig) {
  int expected = 0;
  g_signal.compare_exchange_strong(expected, sig);
}

void ClearInterrupt() {
  if (g_has_watchdog) {
    itimerspec off{};
    ::timer_settime(g_watchdog, 0, &off, nullptr);
  }
  g_signal.store(0);
}

void ReraiseIfInterrupted() {
  const int sig = g_signal.load();
  if (sig == 0) return;
  std::fflush(nullptr);
  if (g_has_watchdog) {
    itimerspec off{};
    ::timer_settime(g_watchdog, 0, &off, nullptr);
  }
  DieBy(sig);
}

InterruptScope::InterruptScope() { g_scopes.fetch_add(1); }

InterruptScope::~InterruptScope() { g_scopes.fetch_sub(1); }

void InstallSpawnSignalHandlers() {
  if (g_installed.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sigaddset(&sa.sa_mask, SIGALRM);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  sa.sa_handler = OnWatchdog;
  ::sigaction(SIGALRM, &sa, nullptr);
  sigevent ev{};
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGALRM;
  g_has_watchdog = ::timer_create(CLOCK_MONOTONIC, &ev, &g_watchdog) == 0;
}

Result<int> WaitForwardingInterrupt(pid_t pid) {
  int status = 0;
  bool forwarded = false;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return Status::IoError(std::string("waitpid: ") + std::strerror(errno));
    }
    if (InterruptRequested() && !forwarded) {
      ::kill(pid, InterruptSignal());
      forwarded = true;
    }
  }
  const int child_signal = WIFSIGNALED(status) ? WTERMSIG(status)
                           : WIFEXITED(status) ? WEXITSTATUS(status) - 128
                                               : 0;
  if (child_signal == SIGINT || child_signal == SIGTERM) {
    NoteInterrupt(child_signal);
  }
  return status;
}

}  // namespace statebench
