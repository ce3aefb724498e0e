#include "backends/rocksdb/rocksdb_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "base/file_util.h"

namespace statebench {
namespace {

Status Errno(std::string_view what, const std::string& path) {
  return Status::IoError(std::string(what) + " " + path + ": " +
                         std::strerror(errno));
}

std::string ParentDir(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  return pos == 0 ? "/" : path.substr(0, pos);
}

Status WriteAll(int fd, const char* p, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

// An O_EXCL temp file next to `path`, renamed over it by Commit().
class TempFile {
 public:
  TempFile() = default;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!tmp_.empty()) ::unlink(tmp_.c_str());
  }

  Status Create(const std::string& path) {
    path_ = path;
    std::string tmpl = path + ".tmp.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    fd_ = ::mkstemp(buf.data());
    if (fd_ < 0) return Errno("cannot create temporary file for", path);
    tmp_.assign(buf.data());
    ::fchmod(fd_, 0600);
    return Status::Ok();
  }
  int fd() const { return fd_; }
  const std::string& tmp_path() const { return tmp_; }

  // fsync (unless !durable), close, rename over the target; the directory
  // fsync is the caller's (once per batch of files).
  Status Commit(bool durable = true) {
    if (durable && ::fsync(fd_) != 0) return Errno("cannot fsync", tmp_);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return Errno("cannot close", tmp_);
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      return Errno("cannot rename into", path_);
    }
    tmp_.clear();
    return Status::Ok();
  }

 private:
  std::string path_;
  std::string tmp_;
  int fd_ = -1;
};

class FileSink final : public ByteSink {
 public:
  explicit FileSink(std::string path) : path_(std::move(path)) {}
  Status Open() { return file_.Create(path_); }

  Status Append(std::string_view data) override {
    size_ += data.size();
    buffer_.append(data);
    if (buffer_.size() >= kBufferBytes) return Drain();
    return Status::Ok();
  }

  Status Finish() override {
    SB_RETURN_IF_ERROR(Drain());
    SB_RETURN_IF_ERROR(file_.Commit());
    return FsyncDirectory(ParentDir(path_));
  }

 private:
  static constexpr size_t kBufferBytes = 1 << 20;
  Status Drain() {
    Status s =
        WriteAll(file_.fd(), buffer_.data(), buffer_.size(), file_.tmp_path());
    buffer_.clear();
    return s;
  }

  std::string path_;
  TempFile file_;
  std::string buffer_;
};

class FileSource final : public ByteSource {
 public:
  FileSource(int fd, uint64_t size, std::string path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  ~FileSource() override { ::close(fd_); }
  uint64_t size() const override { return size_; }

  Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    if (offset > size_ || n > size_ - offset) {
      return Status::Corruption(path_ + ": truncated (wanted " +
                                std::to_string(n) + " bytes at offset " +
                                std::to_string(offset) + " of " +
                                std::to_string(size_) + ")");
    }
    out->resize(n);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out->data() + done, n - done,
                          static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return Errno("cannot read", path_);
      }
      if (r == 0)
        return Status::Corruption(path_ + ": truncated while reading");
      done += static_cast<size_t>(r);
    }
    bytes_read_ += n;
    return Status::Ok();
  }

 private:
  int fd_;
  uint64_t size_;
  std::string path_;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::shared_ptr<const std::string> data)
      : data_(std::move(data)) {}
  uint64_t size() const override { return data_->size(); }
  Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    if (offset > data_->size() || n > data_->size() - offset) {
      return Status::Corruption("in-memory snapshot is truncated");
    }
    out->assign(*data_, offset, n);
    bytes_read_ += n;
    return Status::Ok();
  }

 private:
  std::shared_ptr<const std::string> data_;
};

}  // namespace

Status StringSink::Append(std::string_view data) {
  size_ += data.size();
  data_.append(data);
  return Status::Ok();
}

Result<std::unique_ptr<ByteSink>> NewFileSink(const std::string& path) {
  auto sink = std::make_unique<FileSink>(path);
  SB_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<ByteSink>(std::move(sink));
}

Result<std::unique_ptr<ByteSource>> NewFileSource(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
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
  return std::unique_ptr<ByteSource>(std::make_unique<FileSource>(
      fd, static_cast<uint64_t>(st.st_size), path));
}

std::unique_ptr<ByteSource> NewMemorySource(
    std::shared_ptr<const std::string> data) {
  return std::make_unique<MemorySource>(std::move(data));
}

Status CopyFileDurably(const std::string& src, const std::string& dst,
                       uint64_t* bytes) {
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (in < 0) return Errno("cannot open", src);
  TempFile out;
  Status s = out.Create(dst);
  std::vector<char> buf(1 << 20);
  while (s.ok()) {
    ssize_t r = ::read(in, buf.data(), buf.size());
    if (r < 0) {
      if (errno == EINTR) continue;
      s = Errno("cannot read", src);
      break;
    }
    if (r == 0) break;
    s = WriteAll(out.fd(), buf.data(), static_cast<size_t>(r), out.tmp_path());
    if (s.ok()) *bytes += static_cast<uint64_t>(r);
  }
  ::close(in);
  if (!s.ok()) return s;
  return out.Commit();
}

Result<std::unique_ptr<EncryptingByteSink>> EncryptingByteSink::Open(
    std::unique_ptr<ByteSink> inner, const EncryptionKey& key,
    const EnvelopeHeader& header) {
  std::unique_ptr<EncryptingByteSink> s(new EncryptingByteSink());
  std::string prefix;
  SB_ASSIGN_OR_RETURN(s->writer_, EnvelopeWriter::Begin(key, header, &prefix));
  SB_RETURN_IF_ERROR(inner->Append(prefix));
  s->inner_ = std::move(inner);
  return s;
}

Status EncryptingByteSink::Append(std::string_view data) {
  size_ += data.size();
  buf_.clear();
  SB_RETURN_IF_ERROR(writer_->Update(data, &buf_));
  return inner_->Append(buf_);
}

Status EncryptingByteSink::Finish() {
  buf_.clear();
  SB_RETURN_IF_ERROR(writer_->Finish(&buf_));
  SB_RETURN_IF_ERROR(inner_->Append(buf_));
  return inner_->Finish();
}

Status EncryptFileDurably(const std::string& src, const std::string& dst,
                          const EncryptionKey& key,
                          const EnvelopeHeader& header, uint64_t* bytes,
                          uint64_t* cpu_ns) {
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (in < 0) return Errno("cannot open", src);
  TempFile out;
  Status s = out.Create(dst);
  std::string cipher;
  std::unique_ptr<EnvelopeWriter> w;
  if (s.ok()) {
    auto begun = EnvelopeWriter::Begin(key, header, &cipher);
    if (begun.ok()) {
      w = std::move(begun).value();
    } else {
      s = begun.status();
    }
  }
  std::vector<char> buf(1 << 20);
  uint64_t written = 0;
  bool eof = false;
  while (s.ok()) {
    if (!cipher.empty()) {
      s = WriteAll(out.fd(), cipher.data(), cipher.size(), out.tmp_path());
      written += cipher.size();
      cipher.clear();
      if (!s.ok() || eof) break;
    }
    ssize_t r = ::read(in, buf.data(), buf.size());
    if (r < 0) {
      if (errno == EINTR) continue;
      s = Errno("cannot read", src);
      break;
    }
    if (r == 0) {
      s = w->Finish(&cipher);
      eof = true;
      continue;
    }
    s = w->Update(std::string_view(buf.data(), static_cast<size_t>(r)),
                  &cipher);
  }
  ::close(in);
  if (w) *cpu_ns += w->cpu_ns();
  if (!s.ok()) return s;
  SB_RETURN_IF_ERROR(out.Commit());
  *bytes += written;
  return Status::Ok();
}

Status DecryptFile(const std::string& src, const std::string& dst,
                   const EncryptionKey& key, const EnvelopeHeader& expected,
                   uint64_t* bytes, uint64_t* cpu_ns) {
  SB_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> in, NewFileSource(src));
  std::string head;
  uint64_t size = in->size();
  SB_RETURN_IF_ERROR(in->ReadAt(0, std::min<uint64_t>(size, 12), &head));
  SB_ASSIGN_OR_RETURN(size_t prefix_size,
                      EnvelopeReader::PrefixSize(head, src));
  if (size < prefix_size + kTagBytes) {
    return Status::Corruption(src + ": encrypted file is truncated");
  }
  std::string prefix;
  SB_RETURN_IF_ERROR(in->ReadAt(0, prefix_size, &prefix));
  SB_ASSIGN_OR_RETURN(std::unique_ptr<EnvelopeReader> r,
                      EnvelopeReader::Begin(key, expected, prefix, src));
  TempFile out;
  SB_RETURN_IF_ERROR(out.Create(dst));
  uint64_t pos = prefix_size;
  const uint64_t end = size - kTagBytes;
  std::string chunk, plain;
  Status s;
  while (s.ok() && pos < end) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(end - pos, 1 << 20));
    s = in->ReadAt(pos, n, &chunk);
    plain.clear();
    if (s.ok()) s = r->Update(chunk, &plain);
    if (s.ok())
      s = WriteAll(out.fd(), plain.data(), plain.size(), out.tmp_path());
    pos += n;
  }
  if (s.ok()) s = in->ReadAt(end, kTagBytes, &chunk);
  if (s.ok()) s = r->Finish(chunk);
  *cpu_ns += r->cpu_ns();
  *bytes += in->bytes_read();
  SB_RETURN_IF_ERROR(s);
  // Restores write into a scratch database directory: the rename is what
  // matters (nothing unauthenticated becomes visible), not durability.
  return out.Commit(/*durable=*/false);
}

Status LinkOrCopyFile(const std::string& src, const std::string& dst,
                      uint64_t* bytes_copied, uint64_t* bytes_linked) {
  if (::link(src.c_str(), dst.c_str()) == 0) {
    if (bytes_linked != nullptr) {
      SB_ASSIGN_OR_RETURN(uint64_t size, FileSize(dst));
      *bytes_linked += size;
    }
    return Status::Ok();
  }
  if (errno != EXDEV && errno != EPERM && errno != EMLINK) {
    return Errno("cannot link " + src + " to", dst);
  }
  return CopyFileDurably(src, dst, bytes_copied);
}

Result<uint64_t> FileSize(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return Errno("cannot stat", path);
  }
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace statebench
