#include "backends/fs_backend.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "backends/file_util.h"
#include "backends/heap_backend.h"

namespace statebench {
namespace {

constexpr char kName[] = "fs";
constexpr char kRetained[] = "retained_checkpoints";

Status Errno(std::string_view what, const std::string& path) {
  return Status::IoError(std::string(what) + " " + path + ": " +
                         std::strerror(errno));
}

// Creates <parent>/<dir> if absent and makes its entry durable. Refuses an
// existing entry that is not a real directory (a symlink is not followed).
Status PrepareCheckpointSubdir(const std::string& parent,
                               const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Errno("cannot create checkpoint directory", dir);
  }
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return Errno("cannot stat", dir);
  if (!S_ISDIR(st.st_mode)) {
    return Status::IoError(
        dir +
        " is not a directory (symlinks in checkpoint directories are "
        "not followed)");
  }
  return FsyncDirectory(parent);
}

// Writes a temp file next to the target; Commit() fsyncs it, renames it over
// the target and fsyncs the directory. Abandoned temp files are removed.
class AtomicFileSink final : public SnapshotSink {
 public:
  static Result<std::unique_ptr<AtomicFileSink>> Create(std::string dir,
                                                        std::string name) {
    std::string tmpl = dir + "/." + name + ".tmp.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    int fd = ::mkstemp(buf.data());  // O_EXCL, mode 0600
    if (fd < 0) return Errno("cannot create temporary file", tmpl);
    return std::unique_ptr<AtomicFileSink>(new AtomicFileSink(
        std::move(dir), std::move(name), std::string(buf.data()), fd));
  }

  ~AtomicFileSink() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errno("cannot write", tmp_);
      }
      written_ += static_cast<uint64_t>(n);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::Ok();
  }

  Status Commit() {
    if (::fsync(fd_) != 0) return Errno("cannot fsync", tmp_);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Errno("cannot close", tmp_);
    if (::rename(tmp_.c_str(), path().c_str()) != 0) {
      return Errno("cannot rename into", path());
    }
    committed_ = true;
    return FsyncDirectory(dir_);
  }

  std::string path() const { return dir_ + "/" + name_; }
  uint64_t written() const { return written_; }

 private:
  AtomicFileSink(std::string dir, std::string name, std::string tmp, int fd)
      : dir_(std::move(dir)),
        name_(std::move(name)),
        tmp_(std::move(tmp)),
        fd_(fd) {}

  const std::string dir_, name_, tmp_;
  int fd_;
  bool committed_ = false;
  uint64_t written_ = 0;
};

// pread access to a snapshot file; reads only what the reader asks for.
class FileSnapshotSource final : public SnapshotSource {
 public:
  static Result<std::unique_ptr<SnapshotSource>> Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) {
        return Status::NotFound(path + ": checkpoint file is missing");
      }
      if (errno == ELOOP) {
        return Status::InvalidArgument(
            path + ": is a symlink; checkpoint files are not followed");
      }
      return Errno("cannot open", path);
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      return Status::InvalidArgument(path + ": is not a regular file");
    }
    return std::unique_ptr<SnapshotSource>(
        new FileSnapshotSource(path, fd, static_cast<uint64_t>(st.st_size)));
  }

  ~FileSnapshotSource() override { ::close(fd_); }

  uint64_t size() const override { return size_; }

  Result<std::string_view> ReadAt(uint64_t offset, size_t n,
                                  std::string* scratch) override {
    if (offset > size_ || n > size_ - offset) {
      return Status::Corruption(path_ + ": read beyond the end of the file");
    }
    scratch->resize(n);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, scratch->data() + done, n - done,
                          static_cast<off_t>(offset + done));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return Errno("cannot read", path_);
      if (r == 0) return Status::Corruption(path_ + ": file shrank while read");
      done += static_cast<size_t>(r);
      bytes_read_ += static_cast<uint64_t>(r);
    }
    return std::string_view(*scratch);
  }

 private:
  FileSnapshotSource(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}

  const std::string path_;
  const int fd_;
  const uint64_t size_;
};

class FsCheckpointStorage final : public HeapCheckpointStorage {
 public:
  FsCheckpointStorage(std::string checkpoint_dir, int retained)
      : checkpoint_dir_(std::move(checkpoint_dir)), retained_(retained) {}

  Status Write(const HeapCapture& capture, CheckpointHandle* h) override {
    std::string chk = "chk-" + std::to_string(capture.checkpoint_id);
    std::string dir = checkpoint_dir_ + "/" + chk;
    SB_RETURN_IF_ERROR(PrepareCheckpointSubdir(checkpoint_dir_, dir));
    std::string name = "kg-" + std::to_string(capture.key_groups.start) + "-" +
                       std::to_string(capture.key_groups.end) + ".snapshot";
    SB_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileSink> sink,
                        AtomicFileSink::Create(dir, name));
    Result<uint64_t> size = WriteHeapSnapshot(capture, sink.get());
    Status committed = size.ok() ? sink->Commit() : size.status();
    written_bytes_.fetch_add(sink->written(), std::memory_order_relaxed);
    SB_RETURN_IF_ERROR(committed);
    h->location = sink->path();
    h->checkpointed_size = h->full_size = *size;
    h->metadata["format"] = std::string(kHeapSnapshotFormat);
    h->metadata["storage"] = "filesystem";
    h->metadata["file"] = chk + "/" + name;
    std::lock_guard<std::mutex> lock(mu_);
    files_[capture.checkpoint_id] = {h->location, dir, *size};
    return Status::Ok();
  }

  Result<std::unique_ptr<SnapshotSource>> Open(
      const CheckpointHandle& h) override {
    if (h.location.empty()) {
      return Status::InvalidArgument("handle of checkpoint " +
                                     std::to_string(h.checkpoint_id) +
                                     " names no checkpoint file");
    }
    return FileSnapshotSource::Open(h.location);
  }

  void CountRestoreBytes(uint64_t bytes) override {
    restore_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }

  Status OnComplete(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<int64_t> done;
    for (const auto& [cid, file] : files_) {
      if (cid <= id) done.push_back(cid);
    }
    Status first;
    for (size_t i = 0; i + retained_ < done.size(); ++i) {
      Status s = DeleteLocked(done[i]);
      if (first.ok()) first = s;
    }
    return first;
  }

  Status OnAborted(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return files_.contains(id) ? DeleteLocked(id) : Status::Ok();
  }

  void AddIoStats(IoStats* stats) const override {
    stats->write_breakdown["checkpoint"] +=
        written_bytes_.load(std::memory_order_relaxed);
    stats->bytes_read += restore_bytes_.load(std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, file] : files_) stats->storage_size += file.size;
  }

 private:
  struct File {
    std::string path;
    std::string dir;
    uint64_t size;
  };

  // Deletes only the file this instance wrote; the chk-<id> directory goes
  // only when no other subtask's file remains in it.
  Status DeleteLocked(int64_t id) {
    const File& f = files_.at(id);
    if (::unlink(f.path.c_str()) != 0 && errno != ENOENT) {
      return Errno("cannot delete subsumed checkpoint file", f.path);
    }
    (void)::rmdir(f.dir.c_str());
    files_.erase(id);
    return Status::Ok();
  }

  const std::string checkpoint_dir_;
  const size_t retained_;
  std::atomic<uint64_t> written_bytes_{0};
  std::atomic<uint64_t> restore_bytes_{0};
  mutable std::mutex mu_;
  std::map<int64_t, File> files_;  // own retained files by checkpoint id
};

Capabilities FsCapabilities() {
  Capabilities c;
  c.durable = true;
  c.incremental = false;
  c.remote = false;
  c.exactly_once = true;
  c.memory_bound = true;
  c.rescale_mode = RescaleMode::kKeyGroupOffsets;
  return c;
}

}  // namespace

BackendInfo FsBackendInfo() {
  BackendInfo info;
  info.name = kName;
  info.flink_analogue =
      "HashMapStateBackend + FileSystemCheckpointStorage (FsStateBackend)";
  info.description =
      "Heap hash maps per key group; copy-on-write snapshots written "
      "crash-safely to the checkpoint directory, restored per key group.";
  info.capabilities = FsCapabilities();
  info.embedded = true;
  info.options = {{kRetained, "1",
                   "completed checkpoints whose files this instance keeps; "
                   "older ones are deleted"}};
  return info;
}

Result<std::unique_ptr<StateBackend>> CreateFsBackend(
    const BackendConfig& config) {
  BackendInfo info = FsBackendInfo();
  SB_RETURN_IF_ERROR(ValidateHeapConfig(kName, config));
  SB_RETURN_IF_ERROR(CheckKnownOptions(info, config));
  int64_t retained = 1;
  if (auto it = config.options.find(kRetained); it != config.options.end()) {
    SB_ASSIGN_OR_RETURN(retained,
                        ParseIntOption(kRetained, it->second, 1, 1000000));
  }
  if (config.checkpoint_dir.empty()) {
    return Status::InvalidArgument(
        "the fs backend needs a checkpoint directory (checkpoint_dir)");
  }
  SB_RETURN_IF_ERROR(EnsureDirectory(config.checkpoint_dir));
  return std::unique_ptr<StateBackend>(std::make_unique<HeapBackend>(
      kName, config, info.capabilities,
      std::make_shared<FsCheckpointStorage>(config.checkpoint_dir,
                                            static_cast<int>(retained))));
}

}  // namespace statebench
