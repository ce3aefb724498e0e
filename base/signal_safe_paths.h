// A fixed-size, lock-free set of paths that a signal handler may walk while
// other threads add and remove entries (temporary directories, unfinished
// output files): on SIGINT/SIGTERM the handler removes what this process
// left half-made. Part of statebench_base.
#ifndef STATEBENCH_BASE_SIGNAL_SAFE_PATHS_H_
#define STATEBENCH_BASE_SIGNAL_SAFE_PATHS_H_

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <string>

namespace statebench {

template <int kSlots>
class SignalSafePathSet {
 public:
  // A path that finds no free slot, or is too long, is not tracked: its
  // owner still removes it, and stale ones are swept later.
  void Add(const std::string& path) {
    if (path.size() >= kPathMax) return;
    for (Slot& slot : slots_) {
      int expected = kFree;
      if (!slot.state.compare_exchange_strong(expected, kWriting)) continue;
      std::memcpy(slot.path, path.c_str(), path.size() + 1);
      slot.owner = ::getpid();
      slot.state.store(kReady, std::memory_order_release);
      return;
    }
  }

  void Remove(const std::string& path) {
    for (Slot& slot : slots_) {
      if (slot.state.load(std::memory_order_acquire) != kReady) continue;
      if (path != slot.path) continue;
      int expected = kReady;
      if (slot.state.compare_exchange_strong(expected, kWriting)) {
        slot.state.store(kFree, std::memory_order_release);
      }
    }
  }

  // Calls f(path) for every path this process added (a forked child's
  // copy of the set names its parent's paths, which it must not touch).
  // Async-signal-safe when f is.
  template <typename F>
  void ForEachOwn(F f) {
    const pid_t self = ::getpid();
    for (Slot& slot : slots_) {
      if (slot.state.load(std::memory_order_acquire) != kReady) continue;
      if (slot.owner == self) f(slot.path);
    }
  }

 private:
  static constexpr size_t kPathMax = 512;
  enum State : int { kFree = 0, kWriting = 1, kReady = 2 };
  struct Slot {
    std::atomic<int> state{kFree};
    pid_t owner = 0;
    char path[kPathMax];
  };
  Slot slots_[kSlots];
};

}  // namespace statebench

#endif  // STATEBENCH_BASE_SIGNAL_SAFE_PATHS_H_
