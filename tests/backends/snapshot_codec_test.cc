// Snapshot compression: the codecs themselves and the options that choose
// them. Backend round trips are in checkpoint_protection_test.cc.
#include "backends/snapshot/snapshot_codec.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/backends/backend_test_env.h"

namespace statebench {
namespace {

std::string Compressible(size_t n) {
  std::string s;
  while (s.size() < n) s += "key-" + std::to_string(s.size() % 977) + ";";
  s.resize(n);
  return s;
}

std::string Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

struct CodecCase {
  SnapshotCompression compression;
  int level;
};

class SnapshotCodecTest : public ::testing::TestWithParam<CodecCase> {};

TEST_P(SnapshotCodecTest, RoundTripsEmptyCompressibleAndRandomBlocks) {
  SnapshotCodecOptions o{GetParam().compression, GetParam().level};
  for (const std::string& raw : {std::string(), std::string("x"),
                                 Compressible(100000), Random(70000, 7)}) {
    SnapshotCodecStats stats;
    std::string stored = "prefix";
    SB_ASSERT_OK(CompressBlock(o, raw, &stored, &stats));
    EXPECT_EQ(stats.raw_bytes, raw.size());
    EXPECT_EQ(stats.stored_bytes, stored.size() - 6);
    std::string back;
    SB_ASSERT_OK(DecompressBlock(o.compression,
                                 std::string_view(stored).substr(6), raw.size(),
                                 &back, &stats, "test"));
    EXPECT_EQ(back, raw);
    if (o.compression != SnapshotCompression::kNone && raw.size() > 50000 &&
        raw[0] == 'k') {
      EXPECT_LT(stored.size(), raw.size() / 4) << "compressible data";
    }
  }
}

TEST_P(SnapshotCodecTest, DamagedBlocksAreCorruptionNotGarbage) {
  SnapshotCodecOptions o{GetParam().compression, GetParam().level};
  if (o.compression == SnapshotCompression::kNone) GTEST_SKIP();
  std::string raw = Compressible(20000);
  SnapshotCodecStats stats;
  std::string stored;
  SB_ASSERT_OK(CompressBlock(o, raw, &stored, &stats));
  std::string back;
  // A wrong expected size and a truncated block never decode silently.
  Status s = DecompressBlock(o.compression, stored, raw.size() + 1, &back,
                             &stats, "kg 3");
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("kg 3"), std::string::npos);
  s = DecompressBlock(o.compression, std::string_view(stored).substr(0, 10),
                      raw.size(), &back, &stats, "kg 3");
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
}

INSTANTIATE_TEST_SUITE_P(
    Codecs, SnapshotCodecTest,
    ::testing::Values(CodecCase{SnapshotCompression::kNone, 0},
                      CodecCase{SnapshotCompression::kLz4, 0},
                      CodecCase{SnapshotCompression::kLz4, 9},
                      CodecCase{SnapshotCompression::kZstd, 0},
                      CodecCase{SnapshotCompression::kZstd, 19}));

TEST(SnapshotCodecOptionsTest, ParsesNamesAndLevels) {
  SB_ASSERT_OK_AND_ASSIGN(SnapshotCodecOptions o,
                          ParseSnapshotCodecOptions("fs", {}));
  EXPECT_EQ(o.compression, SnapshotCompression::kNone);
  SB_ASSERT_OK_AND_ASSIGN(
      o, ParseSnapshotCodecOptions(
             "fs", {{"compression", "zstd"}, {"compression_level", "7"}}));
  EXPECT_EQ(o.compression, SnapshotCompression::kZstd);
  EXPECT_EQ(o.level, 7);
  SB_ASSERT_OK_AND_ASSIGN(
      o, ParseSnapshotCodecOptions("fs", {{"compression", "lz4"}}));
  EXPECT_EQ(o.compression, SnapshotCompression::kLz4);
}

TEST(SnapshotCodecOptionsTest, BadValuesNameTheOptionAndBackend) {
  std::vector<std::map<std::string, std::string>> bad = {
      {{"compression", "gzip"}},
      {{"compression", "zstd"}, {"compression_level", "20"}},
      {{"compression", "lz4"}, {"compression_level", "13"}},
      {{"compression", "zstd"}, {"compression_level", "x"}},
      {{"compression_level", "3"}},
  };
  for (const auto& options : bad) {
    auto r = ParseSnapshotCodecOptions("memory", options);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("memory option compression"),
              std::string::npos)
        << r.status().message();
  }
}

TEST(SnapshotCodecStatsTest, CpuTimeIsCounted) {
  SnapshotCodecStats stats;
  std::string raw = Compressible(1 << 22), stored;
  SB_ASSERT_OK(
      CompressBlock({SnapshotCompression::kZstd, 9}, raw, &stored, &stats));
  EXPECT_GT(stats.compress_cpu_ns, 0u);
}

}  // namespace
}  // namespace statebench
