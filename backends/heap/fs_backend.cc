#include "backends/heap/fs_backend.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "backends/heap/heap_backend.h"
#include "backends/snapshot/snapshot_codec.h"
#include "backends/snapshot/snapshot_crypto.h"
#include "base/file_util.h"

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

// Encrypts what is appended on its way to `inner`; Finish() adds the tag.
class EncryptingSink final : public SnapshotSink {
 public:
  static Result<std::unique_ptr<EncryptingSink>> Begin(
      const EncryptionKey& key, const EnvelopeHeader& header,
      SnapshotSink* inner) {
    std::string prefix;
    SB_ASSIGN_OR_RETURN(std::unique_ptr<EnvelopeWriter> w,
                        EnvelopeWriter::Begin(key, header, &prefix));
    SB_RETURN_IF_ERROR(inner->Append(prefix));
    return std::unique_ptr<EncryptingSink>(
        new EncryptingSink(std::move(w), inner));
  }
  Status Append(std::string_view data) override {
    buf_.clear();
    SB_RETURN_IF_ERROR(writer_->Update(data, &buf_));
    return inner_->Append(buf_);
  }
  Status Finish() {
    buf_.clear();
    SB_RETURN_IF_ERROR(writer_->Finish(&buf_));
    return inner_->Append(buf_);
  }
  uint64_t cpu_ns() const { return writer_->cpu_ns(); }

 private:
  EncryptingSink(std::unique_ptr<EnvelopeWriter> w, SnapshotSink* inner)
      : writer_(std::move(w)), inner_(inner) {}
  std::unique_ptr<EnvelopeWriter> writer_;
  SnapshotSink* inner_;
  std::string buf_;
};

// A decrypted, authenticated snapshot held in memory; counts the file's
// bytes as read.
class DecryptedSnapshotSource final : public SnapshotSource {
 public:
  DecryptedSnapshotSource(std::string plain, uint64_t file_bytes)
      : plain_(std::move(plain)) {
    bytes_read_ = file_bytes;
  }
  uint64_t size() const override { return plain_.size(); }
  Result<std::string_view> ReadAt(uint64_t offset, size_t n,
                                  std::string* /*scratch*/) override {
    if (offset > plain_.size() || n > plain_.size() - offset) {
      return Status::Corruption("read beyond the end of a decrypted snapshot");
    }
    return std::string_view(plain_).substr(offset, n);
  }

 private:
  std::string plain_;
};

std::string SnapshotFileName(int64_t id, KeyGroupRange kgs) {
  return "chk-" + std::to_string(id) + "/kg-" + std::to_string(kgs.start) +
         "-" + std::to_string(kgs.end) + ".snapshot";
}

EnvelopeHeader HeaderFor(int64_t id, KeyGroupRange kgs) {
  return {std::string(kHeapSnapshotFormat), kName, id, kgs,
          SnapshotFileName(id, kgs)};
}

class FsCheckpointStorage final : public HeapCheckpointStorage {
 public:
  FsCheckpointStorage(std::string checkpoint_dir, int retained,
                      SnapshotCodecOptions codec,
                      std::shared_ptr<const EncryptionKey> key)
      : checkpoint_dir_(std::move(checkpoint_dir)),
        retained_(retained),
        codec_(codec),
        key_(std::move(key)) {}

  Status Write(const HeapCapture& capture, CheckpointHandle* h) override {
    std::string chk = "chk-" + std::to_string(capture.checkpoint_id);
    std::string dir = checkpoint_dir_ + "/" + chk;
    SB_RETURN_IF_ERROR(PrepareCheckpointSubdir(checkpoint_dir_, dir));
    std::string name = "kg-" + std::to_string(capture.key_groups.start) + "-" +
                       std::to_string(capture.key_groups.end) + ".snapshot";
    SB_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileSink> sink,
                        AtomicFileSink::Create(dir, name));
    SnapshotCodecStats stats;
    std::unique_ptr<EncryptingSink> encrypt;
    Result<uint64_t> size = uint64_t{0};
    if (key_ != nullptr) {
      Result<std::unique_ptr<EncryptingSink>> e = EncryptingSink::Begin(
          *key_, HeaderFor(capture.checkpoint_id, capture.key_groups),
          sink.get());
      if (e.ok())
        encrypt = std::move(e).value();
      else
        size = e.status();
    }
    if (size.ok()) {
      SnapshotSink* target =
          encrypt ? static_cast<SnapshotSink*>(encrypt.get()) : sink.get();
      size = WriteHeapSnapshot(capture, target, codec_, &stats);
    }
    if (size.ok() && encrypt) {
      Status f = encrypt->Finish();
      if (!f.ok()) size = f;
    }
    Status committed = size.ok() ? sink->Commit() : size.status();
    written_bytes_.fetch_add(sink->written(), std::memory_order_relaxed);
    cpu_.compress_ns.fetch_add(stats.compress_cpu_ns,
                               std::memory_order_relaxed);
    uint64_t encrypt_ns = encrypt ? encrypt->cpu_ns() : 0;
    cpu_.encrypt_ns.fetch_add(encrypt_ns, std::memory_order_relaxed);
    SB_RETURN_IF_ERROR(committed);
    h->location = sink->path();
    h->checkpointed_size = h->full_size = sink->written();
    h->metadata["format"] = std::string(kHeapSnapshotFormat);
    h->metadata["storage"] = "filesystem";
    h->metadata["file"] = chk + "/" + name;
    RecordSnapshotFigures(codec_.compression, stats, key_ != nullptr,
                          encrypt_ns, h);
    std::lock_guard<std::mutex> lock(mu_);
    files_[capture.checkpoint_id] = {h->location, dir, sink->written()};
    return Status::Ok();
  }

  Result<std::unique_ptr<SnapshotSource>> Open(
      const CheckpointHandle& h) override {
    if (h.location.empty()) {
      return Status::InvalidArgument("handle of checkpoint " +
                                     std::to_string(h.checkpoint_id) +
                                     " names no checkpoint file");
    }
    SB_RETURN_IF_ERROR(
        CheckRealDirectory(h.location.substr(0, h.location.find_last_of('/'))));
    SB_ASSIGN_OR_RETURN(std::unique_ptr<SnapshotSource> file,
                        FileSnapshotSource::Open(h.location));
    std::string buf;
    if (key_ == nullptr) {
      if (FileIsEnvelope(h.location)) {
        return Status::InvalidArgument(
            h.location + ": is encrypted; set the fs option " +
            kEncryptionKeyFileOption + " or " + kEncryptionKeyEnvOption);
      }
      return file;
    }
    // Authenticated as a whole before any byte is decoded, so an encrypted
    // snapshot is read entirely even when a restore needs a few key groups.
    SB_ASSIGN_OR_RETURN(std::string_view all,
                        file->ReadAt(0, file->size(), &buf));
    uint64_t cpu = 0;
    Result<std::string> plain = OpenEnvelope(
        *key_, HeaderFor(h.checkpoint_id, h.key_groups), all, h.location, &cpu);
    cpu_.decrypt_ns.fetch_add(cpu, std::memory_order_relaxed);
    if (!plain.ok()) {
      restore_bytes_.fetch_add(file->bytes_read(), std::memory_order_relaxed);
      return plain.status();
    }
    return std::unique_ptr<SnapshotSource>(
        std::make_unique<DecryptedSnapshotSource>(std::move(plain).value(),
                                                  file->bytes_read()));
  }

  void CountRestore(uint64_t bytes, const SnapshotCodecStats& codec) override {
    restore_bytes_.fetch_add(bytes, std::memory_order_relaxed);
    cpu_.decompress_ns.fetch_add(codec.decompress_cpu_ns,
                                 std::memory_order_relaxed);
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
    cpu_.AddTo(stats);
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
    const File f = files_.at(id);
    struct stat st;
    if (::lstat(f.dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      files_.erase(id);
      return Status::IoError(f.dir +
                             " was replaced by a non-directory; not deleting "
                             "through it (symlinks are not followed)");
    }
    if (::unlink(f.path.c_str()) != 0 && errno != ENOENT) {
      return Errno("cannot delete subsumed checkpoint file", f.path);
    }
    (void)::rmdir(f.dir.c_str());
    files_.erase(id);
    return Status::Ok();
  }

  const std::string checkpoint_dir_;
  const size_t retained_;
  const SnapshotCodecOptions codec_;
  const std::shared_ptr<const EncryptionKey> key_;
  CodecCpuCounters cpu_;
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
  for (auto infos : {SnapshotCodecOptionInfos(), EncryptionOptionInfos()}) {
    for (BackendOptionInfo& o : infos) info.options.push_back(std::move(o));
  }
  return info;
}

namespace {

struct FsSettings {
  int retained = 1;
  SnapshotCodecOptions codec;
  std::shared_ptr<const EncryptionKey> key;
};

}  // namespace

Result<std::shared_ptr<const BackendSettings>> ParseFsOptions(
    const std::map<std::string, std::string>& options) {
  SB_RETURN_IF_ERROR(CheckKnownOptions(FsBackendInfo(), options));
  FsSettings s;
  if (auto it = options.find(kRetained); it != options.end()) {
    SB_ASSIGN_OR_RETURN(int64_t retained,
                        ParseIntOption(kRetained, it->second, 1, 1000000));
    s.retained = static_cast<int>(retained);
  }
  SB_ASSIGN_OR_RETURN(s.codec, ParseSnapshotCodecOptions(kName, options));
  // The key file is read once for the whole run.
  SB_ASSIGN_OR_RETURN(s.key, LoadEncryptionKey(kName, options));
  return MakeBackendSettings(std::move(s));
}

Result<std::unique_ptr<StateBackend>> CreateFsBackend(
    const BackendConfig& config) {
  SB_RETURN_IF_ERROR(ValidateHeapConfig(kName, config));
  SB_ASSIGN_OR_RETURN(auto settings,
                      SettingsFor<FsSettings>(config, ParseFsOptions));
  const FsSettings& s = settings->value;
  if (config.checkpoint_dir.empty()) {
    return Status::InvalidArgument(
        "the fs backend needs a checkpoint directory (checkpoint_dir)");
  }
  SB_RETURN_IF_ERROR(EnsureDirectory(config.checkpoint_dir));
  return std::unique_ptr<StateBackend>(std::make_unique<HeapBackend>(
      kName, config, FsBackendInfo().capabilities,
      std::make_shared<FsCheckpointStorage>(config.checkpoint_dir, s.retained,
                                            s.codec, s.key)));
}

}  // namespace statebench
