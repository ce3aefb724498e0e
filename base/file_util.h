// Small POSIX file helpers shared by every folder (part of statebench_base).
//
// Files statebench writes for itself are 0600 and its directories 0700;
// results, reports and exports follow the umask (FileAccess, output_file.h).
// Regular files are written through a temp file in the same directory, fsync,
// rename and an fsync of the directory, so a reader (or a crash) sees either
// the old or the new file.
#ifndef STATEBENCH_BASE_FILE_UTIL_H_
#define STATEBENCH_BASE_FILE_UTIL_H_

#include <string>
#include <string_view>

#include "base/output_file.h"
#include "base/status.h"

namespace statebench {

// Writes `data` to `path` by the rules of output_file.h: a regular file or a
// new name is replaced atomically; a character device, a FIFO or standard
// output ("-") is written in place; a symlink is followed.
Status WriteFileAtomically(const std::string& path, std::string_view data,
                           FileAccess access = FileAccess::kPrivate);
// Reads a regular file whole. Refuses directories and symlinks with
// InvalidArgument naming the path.
Result<std::string> ReadFileToString(const std::string& path);
// fsync of a directory, so that a rename in it is durable.
Status FsyncDirectory(const std::string& dir);
// Creates `dir` (and parents) if absent: mode 0700, or 0777 & ~umask for
// FileAccess::kShared.
Status EnsureDirectory(const std::string& dir,
                       FileAccess access = FileAccess::kPrivate);
// mkdtemp below $TMPDIR (or /tmp): "<base>/<prefix>XXXXXX", mode 0700.
// The directory is registered for RemoveTempDirectoriesSignalSafe() until
// RemoveTree() removes it.
Result<std::string> MakeTempDirectory(std::string_view prefix);
// Removes a file or directory tree; absent is not an error. Does not follow
// symlinks. Unregisters a temporary directory it removes.
Status RemoveTree(const std::string& path);
// RemoveTree(root + "/" + relative), refusing (IoError) when a component
// between `root` and the target is a symlink or not a directory, so that a
// symlink planted in a checkpoint directory never redirects a deletion.
Status RemoveTreeBelow(const std::string& root, const std::string& relative);

// Ok when `dir` is a real directory (lstat: a symlink is not); NotFound
// when absent; InvalidArgument naming it otherwise ("symlinks in checkpoint
// directories are not followed").
Status CheckRealDirectory(const std::string& dir);

// Removes every registered temporary directory this process made, and the
// temporary files of outputs it has not finished writing (their targets keep
// their old contents), with async-signal-safe calls only: for SIGINT/SIGTERM
// handlers (see base/spawn.h InstallSpawnSignalHandlers). Directories made by
// another process (a fork) are left alone.
void RemoveTempDirectoriesSignalSafe();
// Removes a directory tree with async-signal-safe calls only (openat,
// getdents64, unlinkat). Does not follow symlinks.
void RemoveTreeSignalSafe(const char* path);
// Total size of regular files below `path` (not following symlinks).
uint64_t DirectorySize(const std::string& path);

}  // namespace statebench

#endif  // STATEBENCH_BASE_FILE_UTIL_H_
