// Interruption by SIGINT (Ctrl-C) or SIGTERM.
//
// The handlers (InstallSpawnSignalHandlers, base/spawn.h) treat a signal
// in one of two ways:
//  - cooperative: while an InterruptScope exists and this is the first
//    signal, the handler only records it. The command notices
//    InterruptRequested() between steps (the harness polls it every
//    millisecond), stops its servers and children, removes its temporary
//    directories, writes what it finished, and RunCli returns
//    kExitInterrupted. main() then calls ReraiseIfInterrupted(), so the
//    process ends by the signal, as it would without a handler.
//  - last resort: a second signal, a signal outside any InterruptScope, or
//    a cooperative shutdown still running kInterruptGraceMs after the
//    signal: the handler kills every spawned server, removes every
//    registered temporary directory and unfinished output file, and
//    re-raises the signal with its default action.
// Either way the process dies by the signal (a shell shows 128 + its
// number: 130 for SIGINT, 143 for SIGTERM).
#ifndef STATEBENCH_BENCH_HARNESS_INTERRUPT_H_
#define STATEBENCH_BENCH_HARNESS_INTERRUPT_H_

#include <sys/types.h>

#include <string>

#include "base/status.h"

namespace statebench {

// How long a cooperative shutdown may take before the last resort ends it.
inline constexpr int kInterruptGraceMs = 800;

// True once SIGINT or SIGTERM arrived (or NoteInterrupt was called).
bool InterruptRequested();
// The signal that arrived (SIGINT, SIGTERM), 0 when none.
int InterruptSignal();
// "interrupted by SIGINT" (or SIGTERM): the reason a step that stopped
// early records.
std::string InterruptReason();
// Records an interruption seen elsewhere: a child process that ended by
// SIGINT/SIGTERM, which means the user interrupted the whole process group.
void NoteInterrupt(int sig);
// Forgets a recorded interruption (in-process tests run many commands).
void ClearInterrupt();
// Ends the process by the recorded signal, after flushing stdio; returns
// when there is none.
void ReraiseIfInterrupted();

// Waits for the child `pid` and returns its wait status. A Ctrl-C or
// SIGTERM that arrives meanwhile is passed on to the child once (it has its
// own handlers: it stops, cleans up and ends by the signal), and a child
// that ends by SIGINT/SIGTERM (or exits with 128 + one) is noted as an
// interruption: the user interrupted the whole process group, even when
// this process has not seen its own signal yet.
Result<int> WaitForwardingInterrupt(pid_t pid);

// While one exists, the first signal is only recorded (see above).
class InterruptScope {
 public:
  InterruptScope();
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
};

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_INTERRUPT_H_
