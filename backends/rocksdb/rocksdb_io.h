// Byte sinks and sources for checkpoint storage (a directory, or memory for
// jobmanager-style storage), and a durable file copy. Internal to backends/.
//
// Thread safety: one object per thread; the free functions are thread-safe.
#ifndef STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_IO_H_
#define STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_IO_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "backends/snapshot/snapshot_crypto.h"
#include "base/status.h"

namespace statebench {

// Where a snapshot is written. Append may buffer; nothing is visible to a
// reader until Finish() returned Ok. Destroying an unfinished sink discards
// what was written.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Finish() = 0;
  uint64_t size() const { return size_; }

 protected:
  uint64_t size_ = 0;
};

// Writes `path` crash-safely: a temp file in the same directory, fsync,
// rename, fsync of the directory.
Result<std::unique_ptr<ByteSink>> NewFileSink(const std::string& path);
// Collects bytes into a string, available after Finish().
class StringSink final : public ByteSink {
 public:
  Status Append(std::string_view data) override;
  Status Finish() override { return Status::Ok(); }
  std::string Release() { return std::move(data_); }

 private:
  std::string data_;
};

// Random-access reads of a snapshot; counts the bytes it returned.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // Replaces *out with exactly n bytes at offset; Corruption if the source
  // is shorter (a truncated file).
  virtual Status ReadAt(uint64_t offset, size_t n, std::string* out) = 0;
  uint64_t bytes_read() const { return bytes_read_; }

 protected:
  uint64_t bytes_read_ = 0;
};

Result<std::unique_ptr<ByteSource>> NewFileSource(const std::string& path);
std::unique_ptr<ByteSource> NewMemorySource(
    std::shared_ptr<const std::string> data);

// Copies `src` to `dst` through a temp file + fsync + rename (the caller
// fsyncs dst's directory once for a batch). Adds the bytes copied to
// *bytes. `dst` must not be open elsewhere.
Status CopyFileDurably(const std::string& src, const std::string& dst,
                       uint64_t* bytes);

// Hard-links `src` to `dst`, or copies it when linking is impossible (other
// filesystem). Adds the bytes copied (0 when linked) to *bytes_copied and
// the size of a linked file to *bytes_linked (when not null).
Status LinkOrCopyFile(const std::string& src, const std::string& dst,
                      uint64_t* bytes_copied, uint64_t* bytes_linked = nullptr);

// Encrypts what is appended into an envelope written to `inner`. size()
// counts plaintext bytes (offsets inside the snapshot); stored_size() the
// bytes `inner` received. Finish() appends the tag and finishes `inner`.
class EncryptingByteSink final : public ByteSink {
 public:
  static Result<std::unique_ptr<EncryptingByteSink>> Open(
      std::unique_ptr<ByteSink> inner, const EncryptionKey& key,
      const EnvelopeHeader& header);
  Status Append(std::string_view data) override;
  Status Finish() override;
  uint64_t stored_size() const { return inner_->size(); }
  uint64_t cpu_ns() const { return writer_->cpu_ns(); }

 private:
  EncryptingByteSink() = default;
  std::unique_ptr<ByteSink> inner_;
  std::unique_ptr<EnvelopeWriter> writer_;
  std::string buf_;
};

// Copies `src` into an envelope at `dst` (temp file + fsync + rename; the
// caller fsyncs the directory). Adds the bytes written to *bytes and the
// encryption CPU time to *cpu_ns.
Status EncryptFileDurably(const std::string& src, const std::string& dst,
                          const EncryptionKey& key,
                          const EnvelopeHeader& header, uint64_t* bytes,
                          uint64_t* cpu_ns);
// Decrypts the envelope `src` into `dst`, which appears (by rename) only
// once the whole file authenticated; not fsynced (restores write scratch
// directories). Adds the bytes read to *bytes and the CPU time to *cpu_ns.
// Symlinks are not followed.
Status DecryptFile(const std::string& src, const std::string& dst,
                   const EncryptionKey& key, const EnvelopeHeader& expected,
                   uint64_t* bytes, uint64_t* cpu_ns);

// Size of a file (of a symlink itself: not followed); NotFound if absent.
Result<uint64_t> FileSize(const std::string& path);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_IO_H_
