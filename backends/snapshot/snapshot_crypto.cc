#include "backends/snapshot/snapshot_crypto.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "backends/snapshot/snapshot_codec.h"

namespace statebench {
namespace {

constexpr size_t kLengthBytes = 4;
constexpr size_t kMaxHeaderBytes = 64 << 10;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Hex(const uint8_t* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}

// 32 raw bytes or 64 hex digits, one trailing newline allowed.
bool DecodeKeyMaterial(std::string_view m, std::array<uint8_t, 32>* key) {
  if (m.size() == 65 || m.size() == 33) {
    if (m.back() == '\n') m.remove_suffix(1);
  }
  if (m.size() == 32) {
    std::memcpy(key->data(), m.data(), 32);
    return true;
  }
  if (m.size() != 64) return false;
  for (size_t i = 0; i < 32; ++i) {
    int hi = HexDigit(m[2 * i]), lo = HexDigit(m[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*key)[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

std::string KeyId(const std::array<uint8_t, 32>& key) {
  std::string input = "statebench key id";
  input.append(reinterpret_cast<const char*>(key.data()), key.size());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr);
  OPENSSL_cleanse(input.data(), input.size());
  return Hex(md, 8);
}

Result<std::string> ReadKeyFile(std::string_view backend,
                                const std::string& path) {
  std::string opt =
      std::string(backend) + " option " + kEncryptionKeyFileOption + " " + path;
  // O_NONBLOCK: a FIFO must not block the open (fstat refuses it next).
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return Status::InvalidArgument(opt + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(opt + ": is not a regular file");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o",
                  static_cast<unsigned>(st.st_mode & 07777));
    // Bad input (exit 2), unlike a server refusing a password.
    return Status::InvalidArgument(opt +
                                   ": is accessible by group or others (mode " +
                                   mode + "); run chmod 600 on it");
  }
  std::string data(128, '\0');
  size_t got = 0;
  while (got < data.size()) {
    ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(got);
  return data;
}

Status EvpError(std::string_view what) {
  return Status::Internal("OpenSSL " + std::string(what) + " failed");
}

std::string HeaderText(const EnvelopeHeader& h, const std::string& key_id) {
  return "format=" + h.format + "\nbackend=" + h.backend +
         "\ncheckpoint=" + std::to_string(h.checkpoint_id) +
         "\nkey_groups=" + std::to_string(h.key_groups.start) + "-" +
         std::to_string(h.key_groups.end) + "\nfile=" + h.file +
         "\nkey_id=" + key_id + "\n";
}

std::map<std::string, std::string> ParseHeaderText(std::string_view text) {
  std::map<std::string, std::string> fields;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    size_t eq = line.find('=');
    if (eq != std::string_view::npos) {
      fields[std::string(line.substr(0, eq))] =
          std::string(line.substr(eq + 1));
    }
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return fields;
}

void PutFixed32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  }
  return v;
}

class CpuTimer {
 public:
  explicit CpuTimer(uint64_t* counter)
      : counter_(counter), start_(ThreadCpuNs()) {}
  ~CpuTimer() { *counter_ += ThreadCpuNs() - start_; }

 private:
  uint64_t* counter_;
  uint64_t start_;
};

}  // namespace

std::vector<BackendOptionInfo> EncryptionOptionInfos() {
  return {{kEncryptionKeyFileOption, "",
           "encrypt checkpoint files (AES-256-GCM) with the key in this file: "
           "32 raw bytes or 64 hex digits, mode 0600"},
          {kEncryptionKeyEnvOption, "",
           "encrypt checkpoint files with the key (64 hex digits) in this "
           "environment variable"}};
}

Result<std::shared_ptr<const EncryptionKey>> MakeEncryptionKey(
    std::string_view material) {
  auto key = std::make_shared<EncryptionKey>();
  if (!DecodeKeyMaterial(material, &key->bytes)) {
    return Status::InvalidArgument(
        "an encryption key is 32 raw bytes or 64 hex digits");
  }
  key->id = KeyId(key->bytes);
  return std::shared_ptr<const EncryptionKey>(std::move(key));
}

Result<std::shared_ptr<const EncryptionKey>> LoadEncryptionKey(
    std::string_view backend,
    const std::map<std::string, std::string>& options) {
  auto file = options.find(kEncryptionKeyFileOption);
  auto env = options.find(kEncryptionKeyEnvOption);
  std::string b(backend);
  if (file != options.end() && env != options.end()) {
    return Status::InvalidArgument(b + ": set " + kEncryptionKeyFileOption +
                                   " or " + kEncryptionKeyEnvOption +
                                   ", not both");
  }
  std::string material, where;
  if (file != options.end()) {
    SB_ASSIGN_OR_RETURN(material, ReadKeyFile(backend, file->second));
    where = b + " option " + kEncryptionKeyFileOption + " " + file->second;
  } else if (env != options.end()) {
    where = b + " option " + kEncryptionKeyEnvOption + " " + env->second;
    const char* v = std::getenv(env->second.c_str());
    if (v == nullptr || *v == '\0') {
      return Status::InvalidArgument(where +
                                     ": the environment variable is not set");
    }
    material = v;
  } else {
    return std::shared_ptr<const EncryptionKey>();
  }
  Result<std::shared_ptr<const EncryptionKey>> key =
      MakeEncryptionKey(material);
  OPENSSL_cleanse(material.data(), material.size());
  if (!key.ok()) {
    return Status::InvalidArgument(
        where + ": the key must be 32 raw bytes or 64 hex digits");
  }
  return key;
}

Status NewNonce(Nonce* nonce) {
  if (RAND_bytes(nonce->data(), static_cast<int>(nonce->size())) != 1) {
    return Status::Internal("OpenSSL RAND_bytes failed (no entropy?)");
  }
  return Status::Ok();
}

bool IsEnvelope(std::string_view data) {
  return data.substr(0, kEnvelopeMagic.size()) == kEnvelopeMagic;
}

bool FileIsEnvelope(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  char head[kEnvelopeMagic.size()];
  ssize_t n = ::pread(fd, head, sizeof head, 0);
  ::close(fd);
  return n == static_cast<ssize_t>(sizeof head) &&
         IsEnvelope(std::string_view(head, sizeof head));
}

EnvelopeWriter::~EnvelopeWriter() { EVP_CIPHER_CTX_free(ctx_); }

Result<std::unique_ptr<EnvelopeWriter>> EnvelopeWriter::Begin(
    const EncryptionKey& key, const EnvelopeHeader& header, std::string* out) {
  std::unique_ptr<EnvelopeWriter> w(new EnvelopeWriter());
  CpuTimer timer(&w->cpu_ns_);
  Nonce nonce;
  SB_RETURN_IF_ERROR(NewNonce(&nonce));
  std::string prefix(kEnvelopeMagic);
  std::string text = HeaderText(header, key.id);
  PutFixed32(static_cast<uint32_t>(text.size()), &prefix);
  prefix += text;
  prefix.append(reinterpret_cast<const char*>(nonce.data()), nonce.size());
  w->ctx_ = EVP_CIPHER_CTX_new();
  int len = 0;
  if (w->ctx_ == nullptr ||
      EVP_EncryptInit_ex(w->ctx_, EVP_aes_256_gcm(), nullptr, key.bytes.data(),
                         nonce.data()) != 1 ||
      EVP_EncryptUpdate(w->ctx_, nullptr, &len,
                        reinterpret_cast<const uint8_t*>(prefix.data()),
                        static_cast<int>(prefix.size())) != 1) {
    return EvpError("AES-256-GCM encryption setup");
  }
  out->append(prefix);
  return w;
}

Status EnvelopeWriter::Update(std::string_view plaintext, std::string* out) {
  CpuTimer timer(&cpu_ns_);
  constexpr size_t kChunk = 1 << 30;
  while (!plaintext.empty()) {
    size_t n = std::min(plaintext.size(), kChunk);
    size_t start = out->size();
    out->resize(start + n);
    int len = 0;
    if (EVP_EncryptUpdate(ctx_, reinterpret_cast<uint8_t*>(out->data() + start),
                          &len,
                          reinterpret_cast<const uint8_t*>(plaintext.data()),
                          static_cast<int>(n)) != 1) {
      return EvpError("AES-256-GCM encryption");
    }
    out->resize(start + static_cast<size_t>(len));
    plaintext.remove_prefix(n);
  }
  return Status::Ok();
}

Status EnvelopeWriter::Finish(std::string* out) {
  CpuTimer timer(&cpu_ns_);
  uint8_t rest[16];
  int len = 0;
  uint8_t tag[kTagBytes];
  if (EVP_EncryptFinal_ex(ctx_, rest, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) != 1) {
    return EvpError("AES-256-GCM finalisation");
  }
  out->append(reinterpret_cast<const char*>(rest), static_cast<size_t>(len));
  out->append(reinterpret_cast<const char*>(tag), kTagBytes);
  return Status::Ok();
}

EnvelopeReader::~EnvelopeReader() { EVP_CIPHER_CTX_free(ctx_); }

Result<size_t> EnvelopeReader::PrefixSize(std::string_view first_bytes,
                                          std::string_view what) {
  if (first_bytes.size() < kEnvelopeMagic.size() + kLengthBytes ||
      !IsEnvelope(first_bytes)) {
    return Status::Corruption(std::string(what) +
                              ": not an encrypted checkpoint file (an "
                              "encryption key is configured)");
  }
  uint32_t header = GetFixed32(first_bytes.data() + kEnvelopeMagic.size());
  if (header > kMaxHeaderBytes) {
    return Status::Corruption(std::string(what) +
                              ": encrypted file header is too long");
  }
  return kEnvelopeMagic.size() + kLengthBytes + header + kNonceBytes;
}

Result<std::unique_ptr<EnvelopeReader>> EnvelopeReader::Begin(
    const EncryptionKey& key, const EnvelopeHeader& expected,
    std::string_view prefix, std::string what) {
  std::unique_ptr<EnvelopeReader> r(new EnvelopeReader());
  CpuTimer timer(&r->cpu_ns_);
  r->what_ = std::move(what);
  const std::string& w = r->what_;
  SB_ASSIGN_OR_RETURN(size_t prefix_size, PrefixSize(prefix, w));
  if (prefix.size() != prefix_size) {
    return Status::Corruption(w + ": encrypted file is truncated");
  }
  size_t header_start = kEnvelopeMagic.size() + kLengthBytes;
  std::map<std::string, std::string> got = ParseHeaderText(
      prefix.substr(header_start, prefix_size - header_start - kNonceBytes));
  if (got["key_id"] != key.id) {
    return Status::InvalidArgument(
        w + ": encrypted with another key (key id '" + got["key_id"] +
        "'; the configured key has id '" + key.id + "')");
  }
  std::map<std::string, std::string> want =
      ParseHeaderText(HeaderText(expected, key.id));
  if (expected.checkpoint_id < 0) {
    want["checkpoint"] = got["checkpoint"];
    want["key_groups"] = got["key_groups"];
  }
  for (const auto& [field, value] : want) {
    if (got[field] == value) continue;
    return Status::Corruption(
        w + ": encrypted file header says " + field + "='" + got[field] +
        "' where '" + value +
        "' was expected (a file swapped from another checkpoint or renamed?)");
  }
  const auto* nonce = reinterpret_cast<const uint8_t*>(prefix.data()) +
                      prefix_size - kNonceBytes;
  r->ctx_ = EVP_CIPHER_CTX_new();
  int len = 0;
  if (r->ctx_ == nullptr ||
      EVP_DecryptInit_ex(r->ctx_, EVP_aes_256_gcm(), nullptr, key.bytes.data(),
                         nonce) != 1 ||
      EVP_DecryptUpdate(r->ctx_, nullptr, &len,
                        reinterpret_cast<const uint8_t*>(prefix.data()),
                        static_cast<int>(prefix.size())) != 1) {
    return EvpError("AES-256-GCM decryption setup");
  }
  return r;
}

Status EnvelopeReader::Update(std::string_view ciphertext, std::string* out) {
  CpuTimer timer(&cpu_ns_);
  constexpr size_t kChunk = 1 << 30;
  while (!ciphertext.empty()) {
    size_t n = std::min(ciphertext.size(), kChunk);
    size_t start = out->size();
    out->resize(start + n);
    int len = 0;
    if (EVP_DecryptUpdate(ctx_, reinterpret_cast<uint8_t*>(out->data() + start),
                          &len,
                          reinterpret_cast<const uint8_t*>(ciphertext.data()),
                          static_cast<int>(n)) != 1) {
      return EvpError("AES-256-GCM decryption");
    }
    out->resize(start + static_cast<size_t>(len));
    ciphertext.remove_prefix(n);
  }
  return Status::Ok();
}

Status EnvelopeReader::Finish(std::string_view tag) {
  CpuTimer timer(&cpu_ns_);
  uint8_t t[kTagBytes];
  uint8_t rest[16];
  int len = 0;
  if (tag.size() != kTagBytes) {
    return Status::Corruption(what_ + ": encrypted file is truncated");
  }
  std::memcpy(t, tag.data(), kTagBytes);
  if (EVP_CIPHER_CTX_ctrl(ctx_, EVP_CTRL_GCM_SET_TAG, kTagBytes, t) != 1 ||
      EVP_DecryptFinal_ex(ctx_, rest, &len) != 1) {
    return Status::Corruption(
        what_ +
        ": authentication failed (the encrypted file was modified or "
        "truncated)");
  }
  return Status::Ok();
}

Result<std::string> SealEnvelope(const EncryptionKey& key,
                                 const EnvelopeHeader& header,
                                 std::string_view plaintext, uint64_t* cpu_ns) {
  std::string out;
  out.reserve(plaintext.size() + 256);
  SB_ASSIGN_OR_RETURN(std::unique_ptr<EnvelopeWriter> w,
                      EnvelopeWriter::Begin(key, header, &out));
  SB_RETURN_IF_ERROR(w->Update(plaintext, &out));
  SB_RETURN_IF_ERROR(w->Finish(&out));
  if (cpu_ns != nullptr) *cpu_ns += w->cpu_ns();
  return out;
}

Result<std::string> OpenEnvelope(const EncryptionKey& key,
                                 const EnvelopeHeader& expected,
                                 std::string_view envelope,
                                 const std::string& what, uint64_t* cpu_ns) {
  SB_ASSIGN_OR_RETURN(size_t prefix,
                      EnvelopeReader::PrefixSize(envelope, what));
  if (envelope.size() < prefix + kTagBytes) {
    return Status::Corruption(what + ": encrypted file is truncated");
  }
  SB_ASSIGN_OR_RETURN(
      std::unique_ptr<EnvelopeReader> r,
      EnvelopeReader::Begin(key, expected, envelope.substr(0, prefix), what));
  std::string plain;
  plain.reserve(envelope.size() - prefix - kTagBytes);
  SB_RETURN_IF_ERROR(r->Update(
      envelope.substr(prefix, envelope.size() - prefix - kTagBytes), &plain));
  Status s = r->Finish(envelope.substr(envelope.size() - kTagBytes));
  if (cpu_ns != nullptr) *cpu_ns += r->cpu_ns();
  if (!s.ok()) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return s;
  }
  return plain;
}

}  // namespace statebench
