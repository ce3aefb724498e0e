// Encryption at rest of checkpoint files: AES-256-GCM through OpenSSL's EVP
// interface. Internal to backends/.
//
// An encrypted file (an "envelope"):
//   "SBENCGCM", fixed32 header length, header text, 12-byte nonce,
//   ciphertext, 16-byte GCM tag
// The header text names what the file is ("format=", "backend=",
// "checkpoint=", "key_groups=", "file=", "key_id=" lines). Everything
// before the ciphertext is the GCM associated data, so a file renamed or
// swapped into another checkpoint, with another key-group range, or edited
// anywhere fails authentication or the header comparison. Every file gets a
// fresh random nonce (RAND_bytes); with 96-bit random nonces the chance of
// a repeat stays below 2^-32 up to 2^32 files per key.
//
// Nothing decrypted is used before the tag is verified: OpenEnvelope
// returns the plaintext only after verification, and file decryption writes
// a temp file renamed into place only after it.
//
// Options shared by fs and rocksdb (BackendConfig::options), at most one:
//   encryption_key_file  a file holding the key: 32 raw bytes or 64 hex
//                        digits (a trailing newline is ignored); refused
//                        when group or others have any access to it
//   encryption_key_env   the name of an environment variable holding the key
//                        as 64 hex digits
//
// Thread safety: keys are immutable; writers and readers are used by one
// thread each.
#ifndef STATEBENCH_BACKENDS_SNAPSHOT_SNAPSHOT_CRYPTO_H_
#define STATEBENCH_BACKENDS_SNAPSHOT_SNAPSHOT_CRYPTO_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "backends/registry.h"
#include "base/key_groups.h"
#include "base/status.h"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace statebench {

inline constexpr char kEncryptionKeyFileOption[] = "encryption_key_file";
inline constexpr char kEncryptionKeyEnvOption[] = "encryption_key_env";
inline constexpr char kEncryptionName[] = "aes-256-gcm";
inline constexpr size_t kNonceBytes = 12;
inline constexpr size_t kTagBytes = 16;
inline constexpr std::string_view kEnvelopeMagic = "SBENCGCM";

struct EncryptionKey {
  std::array<uint8_t, 32> bytes{};
  std::string id;  // 16 hex digits of SHA-256("statebench key id" + key)
};

std::vector<BackendOptionInfo> EncryptionOptionInfos();

// The key named by `options`, or null when neither option is set.
// InvalidArgument naming the option (and file or variable) for a missing,
// unreadable or malformed key, both options at once, or a key file that
// group or others may access (the CLI exits 2).
Result<std::shared_ptr<const EncryptionKey>> LoadEncryptionKey(
    std::string_view backend,
    const std::map<std::string, std::string>& options);
// A key from 32 raw bytes or 64 hex digits (tests, tools).
Result<std::shared_ptr<const EncryptionKey>> MakeEncryptionKey(
    std::string_view material);

using Nonce = std::array<uint8_t, kNonceBytes>;
// A fresh random nonce from OpenSSL's CSPRNG.
Status NewNonce(Nonce* nonce);

// What an envelope claims to hold; its text form is authenticated.
struct EnvelopeHeader {
  std::string format;   // e.g. "statebench.heap-snapshot/1", "rocksdb-sst"
  std::string backend;  // registry name
  int64_t checkpoint_id = 0;
  KeyGroupRange key_groups;
  std::string file;  // the file's name relative to the checkpoint root
};

// Streams plaintext into an envelope. Begin() appends magic, header and
// nonce to *out; Update() appends ciphertext; Finish() appends the tag.
class EnvelopeWriter {
 public:
  ~EnvelopeWriter();
  EnvelopeWriter(const EnvelopeWriter&) = delete;
  EnvelopeWriter& operator=(const EnvelopeWriter&) = delete;

  static Result<std::unique_ptr<EnvelopeWriter>> Begin(
      const EncryptionKey& key, const EnvelopeHeader& header, std::string* out);
  Status Update(std::string_view plaintext, std::string* out);
  Status Finish(std::string* out);
  uint64_t cpu_ns() const { return cpu_ns_; }

 private:
  EnvelopeWriter() = default;
  EVP_CIPHER_CTX* ctx_ = nullptr;
  uint64_t cpu_ns_ = 0;
};

// Streams an envelope back. Begin() takes the envelope's prefix (magic,
// header, nonce: EnvelopePrefixSize bytes) and checks the header against
// `expected` (checkpoint_id < 0 accepts any id and key-group range: a file
// shared between checkpoints, bound by its unique name); Update() decrypts
// ciphertext into *out (not yet authenticated!); Finish() verifies the tag.
// Errors are Corruption naming `what`, except a key mismatch, which is
// InvalidArgument.
class EnvelopeReader {
 public:
  ~EnvelopeReader();
  EnvelopeReader(const EnvelopeReader&) = delete;
  EnvelopeReader& operator=(const EnvelopeReader&) = delete;

  // The prefix size from the envelope's first 12 bytes.
  static Result<size_t> PrefixSize(std::string_view first_bytes,
                                   std::string_view what);
  static Result<std::unique_ptr<EnvelopeReader>> Begin(
      const EncryptionKey& key, const EnvelopeHeader& expected,
      std::string_view prefix, std::string what);
  Status Update(std::string_view ciphertext, std::string* out);
  Status Finish(std::string_view tag);
  uint64_t cpu_ns() const { return cpu_ns_; }

 private:
  EnvelopeReader() = default;
  EVP_CIPHER_CTX* ctx_ = nullptr;
  std::string what_;
  uint64_t cpu_ns_ = 0;
};

// Whole-buffer helpers over the streaming classes.
Result<std::string> SealEnvelope(const EncryptionKey& key,
                                 const EnvelopeHeader& header,
                                 std::string_view plaintext,
                                 uint64_t* cpu_ns = nullptr);
Result<std::string> OpenEnvelope(const EncryptionKey& key,
                                 const EnvelopeHeader& expected,
                                 std::string_view envelope,
                                 const std::string& what,
                                 uint64_t* cpu_ns = nullptr);

// True when `data` starts like an envelope.
bool IsEnvelope(std::string_view data);
// True when the file at `path` (not following a symlink) starts like an
// envelope; false when it does not or cannot be read.
bool FileIsEnvelope(const std::string& path);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_SNAPSHOT_SNAPSHOT_CRYPTO_H_
