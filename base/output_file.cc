#include "base/output_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "base/output_temporaries.h"
#include "base/signal_safe_paths.h"

namespace statebench {
namespace {

constexpr size_t kBufferSize = 64 * 1024;
constexpr int kMaxSymlinkHops = 40;
constexpr time_t kStaleAfterSeconds = 60;
constexpr size_t kTempSuffixLength = 6;
constexpr char kTempAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

// Unfinished temporary files, for RemoveOutputTemporariesSignalSafe().
SignalSafePathSet<32> g_temp_files;

void RegisterTempFile(const std::string& path) { g_temp_files.Add(path); }

void ForgetTempFile(const std::string& path) { g_temp_files.Remove(path); }

Status Errno(std::string_view what, const std::string& path) {
  return Status::IoError(std::string(what) + " " + Quoted(path) + ": " +
                         std::strerror(errno));
}

std::string DirName(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

std::string BaseName(const std::string& path) {
  auto pos = path.find_last_of('/');
  return pos == std::string::npos ? path : path.substr(pos + 1);
}

bool IsStandardOutput(const struct stat& st) {
  struct stat out;
  return ::fstat(STDOUT_FILENO, &out) == 0 && out.st_dev == st.st_dev &&
         out.st_ino == st.st_ino;
}

// fs.protected_symlinks' rule, applied whatever the sysctl says: a symlink
// in a sticky world-writable directory is followed only when it belongs to
// this user or to the directory's owner.
Status CheckSymlinkMayBeFollowed(const std::string& link,
                                 const struct stat& link_st) {
  const std::string dir = DirName(link);
  struct stat dir_st;
  if (::stat(dir.c_str(), &dir_st) != 0) return Status::Ok();
  const bool shared_sticky =
      (dir_st.st_mode & S_ISVTX) != 0 && (dir_st.st_mode & S_IWOTH) != 0;
  if (!shared_sticky || link_st.st_uid == ::geteuid() ||
      link_st.st_uid == dir_st.st_uid) {
    return Status::Ok();
  }
  return Status::InvalidArgument(
      Quoted(link) + " is a symlink of uid " + std::to_string(link_st.st_uid) +
      " in the shared sticky directory " + Quoted(dir) +
      "; statebench does not follow it");
}

Result<std::string> ReadLink(const std::string& link) {
  std::string buf(4096, '\0');
  ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size());
  if (n < 0) return Errno("cannot read symlink", link);
  buf.resize(static_cast<size_t>(n));
  if (!buf.empty() && buf.front() == '/') return buf;
  return DirName(link) + "/" + buf;
}

struct Resolved {
  OutputTarget kind = OutputTarget::kAtomic;
  std::string path;     // symlinks followed (in place: as given)
  bool exists = false;  // kAtomic: an existing regular file is replaced
  struct stat st {};    // of that file
};

Status NotDirectory(const std::string& dir) {
  return Status::InvalidArgument("directory " + Quoted(dir) +
                                 " does not exist");
}

Result<Resolved> Resolve(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("empty path");
  Resolved r;
  if (path == "-") {
    r.kind = OutputTarget::kStandardOutput;
    return r;
  }
  if (path.back() == '/') {
    return Status::InvalidArgument(Quoted(path) +
                                   " names a directory, not a file");
  }
  std::string cur = path;
  for (int hop = 0;; ++hop) {
    if (hop > kMaxSymlinkHops) {
      return Status::InvalidArgument(Quoted(path) +
                                     ": too many levels of symlinks");
    }
    struct stat st;
    if (::lstat(cur.c_str(), &st) != 0) {
      if (errno != ENOENT && errno != ENOTDIR) return Errno("cannot stat", cur);
      struct stat dir_st;
      const std::string dir = DirName(cur);
      if (::stat(dir.c_str(), &dir_st) != 0 || !S_ISDIR(dir_st.st_mode)) {
        return NotDirectory(dir);
      }
      r.path = cur;
      return r;
    }
    if (S_ISLNK(st.st_mode)) {
      SB_RETURN_IF_ERROR(CheckSymlinkMayBeFollowed(cur, st));
      // Devices, FIFOs and /proc/self/fd links ("pipe:[123]") are opened
      // through the link, so the kernel resolves them.
      struct stat target;
      if (::stat(cur.c_str(), &target) == 0) {
        const bool stdout_target = IsStandardOutput(target);
        if (stdout_target || S_ISCHR(target.st_mode) ||
            S_ISFIFO(target.st_mode)) {
          r.kind = stdout_target ? OutputTarget::kStandardOutput
                                 : OutputTarget::kInPlace;
          r.path = cur;
          return r;
        }
      }
      SB_ASSIGN_OR_RETURN(cur, ReadLink(cur));
      continue;
    }
    r.path = cur;
    r.st = st;
    if (IsStandardOutput(st)) {
      r.kind = OutputTarget::kStandardOutput;
    } else if (S_ISREG(st.st_mode)) {
      r.exists = true;
    } else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      r.kind = OutputTarget::kInPlace;
    } else if (S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument(Quoted(cur) + " is a directory");
    } else if (S_ISBLK(st.st_mode)) {
      return Status::InvalidArgument(
          Quoted(cur) +
          " is a block device; statebench writes only regular files, "
          "character devices and FIFOs");
    } else {
      return Status::InvalidArgument(
          Quoted(cur) +
          " is a socket or another special file; statebench writes only "
          "regular files, character devices and FIFOs");
    }
    return r;
  }
}

Status WriteAll(int fd, const char* p, size_t left, const std::string& what) {
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {  // a non-blocking stdout or FIFO
        struct pollfd pfd = {fd, POLLOUT, 0};
        (void)::poll(&pfd, 1, 1000);
        continue;
      }
      return Errno("cannot write", what);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

std::string RandomSuffix() {
  unsigned char bytes[kTempSuffixLength];
  if (::getrandom(bytes, sizeof bytes, 0) !=
      static_cast<ssize_t>(sizeof bytes)) {
    uint64_t x = static_cast<uint64_t>(
        std::chrono::steady_clock::now().time_since_epoch().count());
    for (unsigned char& b : bytes) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      b = static_cast<unsigned char>(x >> 56);
    }
  }
  std::string s;
  for (unsigned char b : bytes) s.push_back(kTempAlphabet[b % 62]);
  return s;
}

// "<pid>.<6 of kTempAlphabet>" -> pid; 0 when `rest` is not of that form.
pid_t TempWriterPid(std::string_view rest) {
  const size_t dot = rest.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot > 10) return 0;
  if (rest.size() - dot - 1 != kTempSuffixLength) return 0;
  long pid = 0;
  for (size_t i = 0; i < dot; ++i) {
    if (rest[i] < '0' || rest[i] > '9') return 0;
    pid = pid * 10 + (rest[i] - '0');
  }
  for (size_t i = dot + 1; i < rest.size(); ++i) {
    if (std::strchr(kTempAlphabet, rest[i]) == nullptr || rest[i] == '\0') {
      return 0;
    }
  }
  return pid > 0 && pid <= 0x7fffffff ? static_cast<pid_t>(pid) : 0;
}

bool ProcessIsGone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

Result<OutputTarget> ClassifyOutput(const std::string& path) {
  SB_ASSIGN_OR_RETURN(Resolved r, Resolve(path));
  return r.kind;
}

Status CheckOutputFile(const std::string& path) {
  Result<Resolved> r = Resolve(path);
  if (!r.ok()) return Status::InvalidArgument(r.status().message());
  switch (r->kind) {
    case OutputTarget::kStandardOutput:
      return Status::Ok();
    case OutputTarget::kInPlace:
      if (::access(r->path.c_str(), W_OK) != 0) {
        return Status::InvalidArgument(
            Quoted(r->path) + " is not writable: " + std::strerror(errno));
      }
      return Status::Ok();
    case OutputTarget::kAtomic:
      break;
  }
  const std::string dir = DirName(r->path);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::InvalidArgument("directory " + Quoted(dir) +
                                   " is not writable: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status CheckOutputDirectory(const std::string& path) {
  if (path.empty()) return Status::InvalidArgument("empty path");
  if (path == "-") {
    return Status::InvalidArgument(
        "this output is a directory of files; standard output cannot be one");
  }
  std::string dir = path;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument(Quoted(path) + " is not a directory");
    }
  } else {
    const std::string parent = DirName(dir);
    if (::stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return NotDirectory(parent);
    }
    dir = parent;
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::InvalidArgument("directory " + Quoted(dir) +
                                   " is not writable: " + std::strerror(errno));
  }
  return Status::Ok();
}

Result<std::unique_ptr<OutputFile>> OutputFile::Open(const std::string& path,
                                                     FileAccess access) {
  SB_ASSIGN_OR_RETURN(Resolved r, Resolve(path));
  std::unique_ptr<OutputFile> f(new OutputFile());
  switch (r.kind) {
    case OutputTarget::kStandardOutput:
      // Whatever std::cout (synchronised with stdio) holds goes first.
      std::fflush(stdout);
      f->fd_ = STDOUT_FILENO;
      f->target_ = path == "-" ? "standard output" : path;
      return f;
    case OutputTarget::kInPlace:
      f->fd_ = ::open(r.path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
      if (f->fd_ < 0) return Errno("cannot open", r.path);
      f->owns_fd_ = true;
      f->target_ = r.path;
      return f;
    case OutputTarget::kAtomic:
      break;
  }
  SweepStaleTemporaries(r.path);
  f->atomic_ = true;
  f->target_ = r.path;
  const std::string prefix =
      r.path + ".tmp." + std::to_string(::getpid()) + ".";
  const mode_t create_mode = access == FileAccess::kPrivate ? 0600 : 0666;
  for (int attempt = 0; attempt < 100 && f->fd_ < 0; ++attempt) {
    f->temp_ = prefix + RandomSuffix();
    f->fd_ = ::open(f->temp_.c_str(),
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    create_mode);
    if (f->fd_ < 0 && errno != EEXIST) {
      f->temp_.clear();
      return Errno("cannot create a temporary file for", r.path);
    }
  }
  if (f->fd_ < 0) {
    f->temp_.clear();
    return Status::IoError("cannot create a temporary file for " +
                           Quoted(r.path));
  }
  f->owns_fd_ = true;
  RegisterTempFile(f->temp_);
  if (access == FileAccess::kPrivate) {
    ::fchmod(f->fd_, 0600);
  } else if (r.exists) {
    // The new file takes the old one's place: its owner (when root may
    // give it) and permission bits, never set-id bits.
    if (::geteuid() == 0 &&
        (r.st.st_uid != ::geteuid() || r.st.st_gid != ::getegid())) {
      (void)::fchown(f->fd_, r.st.st_uid, r.st.st_gid);
    }
    ::fchmod(f->fd_, r.st.st_mode & 0777);
  }
  return f;
}

OutputFile::~OutputFile() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
  if (atomic_ && !committed_ && !temp_.empty()) ::unlink(temp_.c_str());
  if (atomic_ && !temp_.empty()) ForgetTempFile(temp_);
}

Status OutputFile::Flush() {
  if (!error_.ok() || buffer_.empty()) return error_;
  error_ =
      WriteAll(fd_, buffer_.data(), buffer_.size(), atomic_ ? temp_ : target_);
  buffer_.clear();
  return error_;
}

Status OutputFile::Append(std::string_view data) {
  if (!error_.ok()) return error_;
  if (committed_) return Status::FailedPrecondition("output already committed");
  if (buffer_.size() + data.size() > kBufferSize) {
    SB_RETURN_IF_ERROR(Flush());
    if (data.size() >= kBufferSize) {
      error_ =
          WriteAll(fd_, data.data(), data.size(), atomic_ ? temp_ : target_);
      return error_;
    }
  }
  buffer_.append(data);
  return Status::Ok();
}

Status OutputFile::Commit() {
  if (committed_) return Status::FailedPrecondition("output already committed");
  SB_RETURN_IF_ERROR(Flush());
  if (!atomic_) {
    committed_ = true;
    if (owns_fd_ && ::close(fd_) != 0) {
      fd_ = -1;
      return Errno("cannot close", target_);
    }
    fd_ = -1;
    return Status::Ok();
  }
  if (::fsync(fd_) != 0) return Errno("cannot fsync", temp_);
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) return Errno("cannot close", temp_);
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    return Errno("cannot rename into", target_);
  }
  committed_ = true;
  ForgetTempFile(temp_);
  const std::string dir = DirName(target_);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno("cannot open directory", dir);
  const int sync_rc = ::fsync(dfd);
  ::close(dfd);
  if (sync_rc != 0) return Errno("cannot fsync directory", dir);
  return Status::Ok();
}

void SweepStaleTemporaries(const std::string& path) {
  const std::string dir = DirName(path);
  const std::string prefix = BaseName(path) + ".tmp.";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  const time_t now = std::time(nullptr);
  const int dfd = ::dirfd(d);
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix)
      continue;
    const pid_t pid = TempWriterPid(name.substr(prefix.size()));
    if (pid == 0) continue;
    struct stat st;
    if (::fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) continue;
    const bool old = now - st.st_mtime >= kStaleAfterSeconds;
    if (old || (pid != ::getpid() && ProcessIsGone(pid))) {
      (void)::unlinkat(dfd, e->d_name, 0);
    }
  }
  ::closedir(d);
}

void RemoveOutputTemporariesSignalSafe() {
  g_temp_files.ForEachOwn([](const char* path) { ::unlink(path); });
}

}  // namespace statebench
