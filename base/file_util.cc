#include "base/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "base/output_temporaries.h"
#include "base/signal_safe_paths.h"

namespace statebench {
namespace {

Status Errno(std::string_view what, const std::string& path) {
  return Status::IoError(std::string(what) + " " + path + ": " +
                         std::strerror(errno));
}

// The temporary directories, for RemoveTempDirectoriesSignalSafe().
SignalSafePathSet<128> g_temp_dirs;

void RegisterTempDirectory(const std::string& path) { g_temp_dirs.Add(path); }

void ForgetTempDirectory(const std::string& path) { g_temp_dirs.Remove(path); }

struct LinuxDirent64 {
  ino64_t d_ino;
  off64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Empties the directory open as `fd`; recursion depth is bounded so that a
// pathological tree cannot exhaust a signal handler's stack.
void EmptyDirectorySignalSafe(int fd, int depth) {
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
            EmptyDirectorySignalSafe(child, depth + 1);
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

Status FsyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open directory", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot fsync directory", dir);
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, std::string_view data,
                           FileAccess access) {
  SB_ASSIGN_OR_RETURN(std::unique_ptr<OutputFile> out,
                      OutputFile::Open(path, access));
  SB_RETURN_IF_ERROR(out->Append(data));
  return out->Commit();
}

Result<std::string> ReadFileToString(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return Errno("cannot stat", path);
  }
  if (S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(path + ": is a directory, not a file");
  }
  if (S_ISLNK(st.st_mode)) {
    // Follow a symlink given by the user explicitly, but only to a file.
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      return Status::InvalidArgument(path + ": is not a regular file");
    }
  } else if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path + ": is not a regular file");
  }
  // O_NONBLOCK and fstat: the path may have become a FIFO since lstat, and
  // opening one would wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": is not a regular file");
  }
  std::string out;
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Errno("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status EnsureDirectory(const std::string& dir, FileAccess access) {
  const mode_t mode = access == FileAccess::kPrivate ? 0700 : 0777;
  std::error_code ec;
  std::filesystem::path p(dir);
  std::filesystem::path cur;
  for (const auto& part : p) {
    cur /= part;
    if (std::filesystem::is_directory(cur, ec)) continue;
    if (::mkdir(cur.c_str(), mode) != 0 && errno != EEXIST) {
      return Errno("cannot create directory", cur.string());
    }
  }
  return Status::Ok();
}

Result<std::string> MakeTempDirectory(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" +
                     std::string(prefix) + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    return Errno("cannot create temporary directory", tmpl);
  }
  std::string dir(buf.data());
  RegisterTempDirectory(dir);
  return dir;
}

Status RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Status::IoError("cannot remove " + path + ": " + ec.message());
  ForgetTempDirectory(path);
  return Status::Ok();
}

Status RemoveTreeBelow(const std::string& root, const std::string& relative) {
  std::filesystem::path rel(relative);
  if (rel.is_absolute()) {
    return Status::InvalidArgument(relative + " is not relative to " + root);
  }
  std::string cur = root;
  for (auto it = rel.begin(); it != rel.end();) {
    std::string part = it->string();
    if (part == ".." || part.empty() || part == ".") {
      return Status::InvalidArgument("refusing to delete " + relative +
                                     " below " + root);
    }
    cur += "/" + part;
    if (++it == rel.end()) break;
    struct stat st;
    if (::lstat(cur.c_str(), &st) != 0) {
      if (errno == ENOENT) return Status::Ok();
      return Errno("cannot stat", cur);
    }
    if (!S_ISDIR(st.st_mode)) {
      return Status::IoError(cur +
                             " is not a directory (symlinks in checkpoint "
                             "directories are not followed); not deleting " +
                             relative);
    }
  }
  return RemoveTree(cur);
}

Status CheckRealDirectory(const std::string& dir) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(dir + ": no such directory");
    return Errno("cannot stat", dir);
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument(
        dir +
        " is not a directory (symlinks in checkpoint directories are not "
        "followed)");
  }
  return Status::Ok();
}

void RemoveTreeSignalSafe(const char* path) {
  int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    ::unlink(path);
    return;
  }
  EmptyDirectorySignalSafe(fd, 0);
  ::close(fd);
  ::rmdir(path);
}

void RemoveTempDirectoriesSignalSafe() {
  RemoveOutputTemporariesSignalSafe();
  g_temp_dirs.ForEachOwn([](const char* path) { RemoveTreeSignalSafe(path); });
}

uint64_t DirectorySize(const std::string& path) {
  std::error_code ec;
  uint64_t total = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) {
      total += it->file_size(ec);
    }
  }
  return total;
}

}  // namespace statebench
