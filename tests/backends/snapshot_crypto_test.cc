// Encryption at rest: key loading, nonces, and the envelope format.
// Backend-level tamper tests are in checkpoint_protection_test.cc.
#include "backends/snapshot/snapshot_crypto.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <unordered_set>

#include "base/file_util.h"
#include "tests/backends/backend_test_env.h"

namespace statebench {
namespace {

constexpr char kHexKey[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

std::shared_ptr<const EncryptionKey> Key(const char* hex = kHexKey) {
  auto k = MakeEncryptionKey(hex);
  EXPECT_TRUE(k.ok()) << k.status().ToString();
  return k.ok() ? *k : nullptr;
}

EnvelopeHeader Header(int64_t id = 7) {
  return {"statebench.heap-snapshot/1",
          "fs",
          id,
          {0, 63},
          "chk-" + std::to_string(id) + "/kg-0-63.snapshot"};
}

TEST(NonceTest, MillionNoncesAreDistinct) {
  std::unordered_set<std::string> seen;
  seen.reserve(1 << 21);
  Nonce n;
  for (int i = 0; i < 1000000; ++i) {
    SB_ASSERT_OK(NewNonce(&n));
    ASSERT_TRUE(
        seen.emplace(reinterpret_cast<const char*>(n.data()), n.size()).second)
        << "nonce repeated after " << i << " draws";
  }
}

TEST(EnvelopeTest, EveryEnvelopeGetsAFreshNonce) {
  auto key = Key();
  std::unordered_set<std::string> nonces;
  for (int i = 0; i < 1000; ++i) {
    SB_ASSERT_OK_AND_ASSIGN(std::string e, SealEnvelope(*key, Header(), "x"));
    SB_ASSERT_OK_AND_ASSIGN(size_t prefix,
                            EnvelopeReader::PrefixSize(e, "test"));
    ASSERT_TRUE(
        nonces.insert(e.substr(prefix - kNonceBytes, kNonceBytes)).second);
  }
}

TEST(EnvelopeTest, RoundTripsAndHidesThePlaintext) {
  auto key = Key();
  std::string plain(10000, 'p');
  plain += "secret-state-value";
  SB_ASSERT_OK_AND_ASSIGN(std::string e, SealEnvelope(*key, Header(), plain));
  EXPECT_TRUE(IsEnvelope(e));
  EXPECT_EQ(e.find("secret-state-value"), std::string::npos);
  SB_ASSERT_OK_AND_ASSIGN(std::string back,
                          OpenEnvelope(*key, Header(), e, "f"));
  EXPECT_EQ(back, plain);
}

TEST(EnvelopeTest, EverySingleBitFlipIsRejected) {
  auto key = Key();
  SB_ASSERT_OK_AND_ASSIGN(std::string e,
                          SealEnvelope(*key, Header(), std::string(300, 'v')));
  for (size_t bit = 0; bit < e.size() * 8; ++bit) {
    std::string bad = e;
    bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_FALSE(OpenEnvelope(*key, Header(), bad, "f").ok()) << bit;
  }
  for (size_t cut = 0; cut < e.size(); ++cut) {
    EXPECT_FALSE(OpenEnvelope(*key, Header(), e.substr(0, cut), "f").ok())
        << cut;
  }
}

TEST(EnvelopeTest, AnotherCheckpointOrFileOrKeyIsRejectedClearly) {
  auto key = Key();
  SB_ASSERT_OK_AND_ASSIGN(std::string e, SealEnvelope(*key, Header(7), "x"));
  Status s = OpenEnvelope(*key, Header(8), e, "f").status();
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.message().find("checkpoint='7'"), std::string::npos)
      << s.message();
  EnvelopeHeader other = Header(7);
  other.key_groups = {64, 127};
  EXPECT_EQ(OpenEnvelope(*key, other, e, "f").status().code(),
            StatusCode::kCorruption);
  EnvelopeHeader shared = Header(-1);
  shared.file = Header(7).file;
  SB_EXPECT_OK(OpenEnvelope(*key, shared, e, "f"));
  auto wrong =
      Key("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100");
  s = OpenEnvelope(*wrong, Header(7), e, "f").status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("another key"), std::string::npos);
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SB_ASSERT_OK_AND_ASSIGN(dir_, MakeTempDirectory("statebench-key-test-"));
  }
  void TearDown() override { (void)RemoveTree(dir_); }
  std::string Write(const std::string& name, const std::string& data,
                    mode_t mode) {
    std::string path = dir_ + "/" + name;
    EXPECT_TRUE(WriteFileAtomically(path, data).ok());
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  std::string dir_;
};

TEST_F(KeyFileTest, AcceptsHexAndRawKeysInPrivateFiles) {
  std::string hex = Write("hex", std::string(kHexKey) + "\n", 0600);
  std::string raw = Write("raw", std::string(32, '\x42'), 0400);
  SB_ASSERT_OK_AND_ASSIGN(
      auto k1, LoadEncryptionKey("fs", {{"encryption_key_file", hex}}));
  ASSERT_NE(k1, nullptr);
  EXPECT_EQ(k1->id, Key()->id);
  SB_ASSERT_OK_AND_ASSIGN(
      auto k2, LoadEncryptionKey("fs", {{"encryption_key_file", raw}}));
  ASSERT_NE(k2, nullptr);
  EXPECT_NE(k2->id, k1->id);
  SB_ASSERT_OK_AND_ASSIGN(auto none, LoadEncryptionKey("fs", {}));
  EXPECT_EQ(none, nullptr);
}

TEST_F(KeyFileTest, RefusesAKeyFileOthersMayRead) {
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
    std::string path = Write("open", kHexKey, mode);
    auto k = LoadEncryptionKey("rocksdb", {{"encryption_key_file", path}});
    ASSERT_FALSE(k.ok()) << std::oct << mode;
    EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(k.status().message().find(path), std::string::npos);
    EXPECT_NE(k.status().message().find("chmod 600"), std::string::npos);
  }
}

TEST_F(KeyFileTest, BadKeysAreInvalidArgumentNamingTheOption) {
  std::string short_key = Write("short", "abcd", 0600);
  std::string bad_hex = Write("badhex", std::string(64, 'z'), 0600);
  for (const auto& options : std::vector<std::map<std::string, std::string>>{
           {{"encryption_key_file", short_key}},
           {{"encryption_key_file", bad_hex}},
           {{"encryption_key_file", dir_ + "/absent"}},
           {{"encryption_key_file", dir_}},
           {{"encryption_key_env", "STATEBENCH_TEST_NO_SUCH_VARIABLE"}},
           {{"encryption_key_file", short_key}, {"encryption_key_env", "X"}}}) {
    auto k = LoadEncryptionKey("fs", options);
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(k.status().message().find("encryption_key_"), std::string::npos)
        << k.status().message();
    // The key material never appears in a message.
    EXPECT_EQ(k.status().message().find(std::string(64, 'z')),
              std::string::npos);
  }
}

TEST_F(KeyFileTest, ReadsTheKeyFromANamedEnvironmentVariable) {
  ::setenv("STATEBENCH_TEST_KEY", kHexKey, 1);
  SB_ASSERT_OK_AND_ASSIGN(
      auto k,
      LoadEncryptionKey("fs", {{"encryption_key_env", "STATEBENCH_TEST_KEY"}}));
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->id, Key()->id);
  ::setenv("STATEBENCH_TEST_KEY", "not-a-key", 1);
  auto bad =
      LoadEncryptionKey("fs", {{"encryption_key_env", "STATEBENCH_TEST_KEY"}});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find("not-a-key"), std::string::npos);
  ::unsetenv("STATEBENCH_TEST_KEY");
}

}  // namespace
}  // namespace statebench
