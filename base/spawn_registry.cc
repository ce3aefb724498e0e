#include "base/spawn_registry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "base/file_util.h"
#include "base/spawn.h"

namespace statebench {
namespace spawn_registry {
namespace {

constexpr int kSlots = 64;
constexpr size_t kMaxPath = 512;

struct Slot {
  std::atomic<bool> used{false};
  std::atomic<bool> has_dir{false};
  std::atomic<pid_t> pid{0};
  char dir[kMaxPath];
};
Slot g_slots[kSlots];

}  // namespace

int Add(const std::string& dir) {
  if (dir.size() >= kMaxPath) return -1;
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (!g_slots[i].used.compare_exchange_strong(expected, true)) continue;
    std::memcpy(g_slots[i].dir, dir.c_str(), dir.size() + 1);
    g_slots[i].pid.store(0);
    g_slots[i].has_dir.store(true);
    return i;
  }
  return -1;
}

void SetPid(int slot, pid_t pid) {
  if (slot >= 0) g_slots[slot].pid.store(pid);
}

bool ClaimPid(int slot, pid_t pid) {
  if (slot < 0) return true;
  return g_slots[slot].pid.compare_exchange_strong(pid, 0);
}

void Remove(int slot) {
  if (slot < 0) return;
  g_slots[slot].pid.store(0);
  g_slots[slot].has_dir.store(false);
  g_slots[slot].used.store(false);
}

void RemoveTreeSignalSafe(const char* path) {
  statebench::RemoveTreeSignalSafe(path);
}

}  // namespace spawn_registry

void StopAllSpawnedServers() {
  using spawn_registry::g_slots;
  using spawn_registry::kSlots;
  for (int i = 0; i < kSlots; ++i) {
    pid_t pid = g_slots[i].pid.exchange(0);
    if (pid > 0) {
      ::kill(-pid, SIGKILL);  // the server's own process group
      ::waitpid(pid, nullptr, 0);
    }
  }
  for (int i = 0; i < kSlots; ++i) {
    if (g_slots[i].has_dir.exchange(false)) {
      spawn_registry::RemoveTreeSignalSafe(g_slots[i].dir);
    }
  }
}

}  // namespace statebench
