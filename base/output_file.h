// Writing to a path a user chose, without ever damaging what it names
// (part of statebench_base).
//
// CI pipelines run statebench as root with output paths of their own
// choosing: /dev/null, /dev/stdout, a FIFO that a later step reads, a
// symlink into an artifacts directory. Replacing such a path with a fresh
// regular file (the usual temp-and-rename) would break the machine, so what
// the path names decides how it is written:
//
//   "-" or the file open as standard output   written in place to fd 1
//   a character device or a FIFO               written in place (opened
//                                              O_WRONLY, never truncated,
//                                              never replaced)
//   a symlink                                  followed: its target is
//                                              written by these same rules
//                                              and the link itself stays
//   a regular file, or a name not yet taken    atomically: a temporary file
//                                              next to it, fsync, rename,
//                                              fsync of the directory
//   a directory, block device or socket        refused (InvalidArgument)
//
// A symlink in a sticky world-writable directory (/tmp) that belongs to
// neither this user nor the directory's owner is refused, as the kernel's
// fs.protected_symlinks refuses to follow it, so a link planted in /tmp
// never makes root replace a file elsewhere.
//
// Temporary files are named "<target>.tmp.<pid>.<6 letters or digits>".
// Before creating one, the temporaries of earlier writers to the same
// target that were killed (their pid is gone, or the file has not changed
// for a minute) are removed; nothing else is ever touched.
#ifndef STATEBENCH_BASE_OUTPUT_FILE_H_
#define STATEBENCH_BASE_OUTPUT_FILE_H_

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace statebench {

// Who may read what statebench writes.
enum class FileAccess {
  // Files 0600 and directories 0700 whatever the umask: checkpoints,
  // encryption keys, password files, server configurations.
  kPrivate,
  // Results, reports and exports: a new file is 0666 & ~umask and a new
  // directory 0777 & ~umask; a file that exists keeps its permission bits
  // (and, when root replaces it, its owner).
  kShared,
};

// How a path would be written (see the table above).
enum class OutputTarget {
  kStandardOutput,
  kInPlace,  // a character device or a FIFO
  kAtomic,   // a regular file or a new name
};

// How `path` would be written, with symlinks followed; InvalidArgument
// naming the reason when it cannot be (empty, a directory, a missing
// directory, a block device, an untrusted symlink, ...).
Result<OutputTarget> ClassifyOutput(const std::string& path);

// Ok when a write to `path` can be expected to succeed: ClassifyOutput
// succeeds and the directory (for kAtomic) or the file (kInPlace) is
// writable. InvalidArgument with the reason otherwise. Creates nothing.
Status CheckOutputFile(const std::string& path);
// The same for a directory of output files (created if absent; its parent
// must exist). Standard output is not a directory.
Status CheckOutputDirectory(const std::string& path);

// A file written in pieces by the rules above: in place, or through a
// temporary file that Commit() renames over the target. Not thread-safe.
class OutputFile {
 public:
  static Result<std::unique_ptr<OutputFile>> Open(const std::string& path,
                                                  FileAccess access);
  // Without Commit(), a temporary file is removed and the target keeps its
  // old contents; what was written in place stays written.
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Buffered; an error sticks and is returned by every later call.
  Status Append(std::string_view data);
  // Flushes and, for a temporary file, fsyncs it, renames it over the
  // target and fsyncs the directory.
  Status Commit();

  // The file written: the path given, or the target of its symlinks.
  const std::string& target() const { return target_; }

 private:
  OutputFile() = default;
  Status Flush();

  int fd_ = -1;
  bool owns_fd_ = false;
  bool atomic_ = false;
  bool committed_ = false;
  std::string target_;
  std::string temp_;
  std::string buffer_;
  Status error_;
};

// Removes the temporaries that killed writers to `path` left beside it:
// regular files of this user named "<path>.tmp.<pid>.<6 letters or digits>"
// whose pid is no longer running or that have not changed for a minute.
void SweepStaleTemporaries(const std::string& path);

}  // namespace statebench

#endif  // STATEBENCH_BASE_OUTPUT_FILE_H_
