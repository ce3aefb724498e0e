// Internal to base/spawn.cc: the process-wide registry of running spawned
// servers that StopAllSpawnedServers() (spawn_registry.cc) cleans up.
//
// Fixed-size and lock-free, so that a signal handler can walk it while the
// main thread updates it.
#ifndef STATEBENCH_BASE_SPAWN_REGISTRY_H_
#define STATEBENCH_BASE_SPAWN_REGISTRY_H_

#include <sys/types.h>

#include <string>

namespace statebench::spawn_registry {

// Records `dir` (removed at cleanup); returns a slot, or -1 when the
// registry is full (the server then still stops through its destructor).
int Add(const std::string& dir);
// The process (group) now running in the slot's directory; 0 = none.
void SetPid(int slot, pid_t pid);
// Takes the slot's pid away from StopAllSpawnedServers(): true if it was
// still `pid`, false if that already reaped it (then the pid must not be
// signalled: it may belong to another process by now).
bool ClaimPid(int slot, pid_t pid);
// Forgets the slot without touching the process or the directory.
void Remove(int slot);

// Removes a directory tree with async-signal-safe calls only (openat,
// getdents64, unlinkat). Does not follow symlinks.
void RemoveTreeSignalSafe(const char* path);

}  // namespace statebench::spawn_registry

#endif  // STATEBENCH_BASE_SPAWN_REGISTRY_H_
