#include "bench/spawn_registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "bench/spawn.h"

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

struct LinuxDirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Empties the directory open as `fd`; recursion depth is bounded so that a
// pathological tree cannot exhaust a signal handler's stack.
void EmptyDirectory(int fd, int depth) {
  if (depth > 24) return;
  alignas(8) char buf[4096];
  for (int pass = 0; pass < 10000; ++pass) {
    ::lseek(fd, 0, SEEK_SET);
    bool removed_any = false;
    bool saw_entry = false;
    long n;
    while ((n = ::syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<LinuxDirent64*>(buf + off);
        off += d->d_reclen;
        const char* name = d->d_name;
        if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) {
          continue;
        }
        saw_entry = true;
        bool is_dir = d->d_type == DT_DIR;
        if (d->d_type == DT_UNKNOWN) {
          struct stat st;
          is_dir = ::fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                   S_ISDIR(st.st_mode);
        }
        if (is_dir) {
          int child = ::openat(fd, name,
                               O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (child >= 0) {
            EmptyDirectory(child, depth + 1);
            ::close(child);
          }
          if (::unlinkat(fd, name, AT_REMOVEDIR) == 0) removed_any = true;
        } else if (::unlinkat(fd, name, 0) == 0) {
          removed_any = true;
        }
      }
    }
    if (!saw_entry || !removed_any) return;
  }
}

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
  int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    ::unlink(path);
    return;
  }
  EmptyDirectory(fd, 0);
  ::close(fd);
  ::rmdir(path);
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

namespace {

void StopAndReraise(int sig) {
  StopAllSpawnedServers();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

}  // namespace

void InstallSpawnSignalHandlers() {
  struct sigaction sa {};
  sa.sa_handler = StopAndReraise;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace statebench
