// Flink's key-group assignment (KeyGroupRangeAssignment, MathUtils), checked
// against values derived from Flink's formulas and, for the hash, against
// keys a Flink job mapped to a known key group.
#include "base/key_groups.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace statebench {
namespace {

// Java's String.hashCode() for ASCII text (no leading 1, unlike
// Arrays.hashCode), to reproduce what Flink computes for String keys.
int32_t JavaStringHashCode(std::string_view s) {
  uint32_t h = 0;
  for (char c : s) h = 31u * h + static_cast<uint8_t>(c);
  return static_cast<int32_t>(h);
}

TEST(KeyGroupRangeTest, OperatorRangesForMaxParallelism128AndParallelism3) {
  // computeKeyGroupRangeForOperatorIndex(128, 3, i):
  // [ceil(i*128/3), floor(((i+1)*128-1)/3)].
  EXPECT_EQ(KeyGroupRangeForSubtask(128, 3, 0), KeyGroupRange::Of(0, 42));
  EXPECT_EQ(KeyGroupRangeForSubtask(128, 3, 1), KeyGroupRange::Of(43, 85));
  EXPECT_EQ(KeyGroupRangeForSubtask(128, 3, 2), KeyGroupRange::Of(86, 127));
}

TEST(KeyGroupRangeTest, OperatorRangesForMaxParallelism32768) {
  // 32768 / 3: i=1 starts at ceil(32768/3) = 10923 and ends at
  // floor((2*32768-1)/3) = 21845.
  EXPECT_EQ(KeyGroupRangeForSubtask(32768, 3, 0), KeyGroupRange::Of(0, 10922));
  EXPECT_EQ(KeyGroupRangeForSubtask(32768, 3, 1),
            KeyGroupRange::Of(10923, 21845));
  EXPECT_EQ(KeyGroupRangeForSubtask(32768, 3, 2),
            KeyGroupRange::Of(21846, 32767));
  EXPECT_EQ(KeyGroupRangeForSubtask(32768, 1, 0), KeyGroupRange::Of(0, 32767));
}

TEST(KeyGroupRangeTest, DefaultMaxParallelismFollowsFlinksFormula) {
  // min(max(roundUpPow2(p + p/2), 128), 32768)
  EXPECT_EQ(DefaultMaxParallelism(1), 128);        // 1 -> 1 -> 128
  EXPECT_EQ(DefaultMaxParallelism(100), 256);      // 150 -> 256
  EXPECT_EQ(DefaultMaxParallelism(200), 512);      // 300 -> 512
  EXPECT_EQ(DefaultMaxParallelism(30000), 32768);  // 45000 -> 65536 -> cap
}

TEST(KeyGroupRangeTest, SubtaskRangesCoverEveryKeyGroupExactlyOnce) {
  for (int m : {128, 1000, 32768}) {
    for (int p : {1, 3, 7, 100, 127}) {
      if (p > m) continue;
      std::vector<int> owners(m, 0);
      int expected_start = 0;
      for (int i = 0; i < p; ++i) {
        KeyGroupRange r = KeyGroupRangeForSubtask(m, p, i);
        ASSERT_FALSE(r.empty()) << "m=" << m << " p=" << p << " i=" << i;
        ASSERT_EQ(r.start, expected_start) << "ranges must be contiguous";
        expected_start = r.end + 1;
        for (int kg = r.start; kg <= r.end; ++kg) {
          ++owners[kg];
          ASSERT_EQ(OperatorIndexForKeyGroup(m, p, kg), i)
              << "m=" << m << " p=" << p << " kg=" << kg;
        }
      }
      EXPECT_EQ(expected_start, m);
      for (int kg = 0; kg < m; ++kg) ASSERT_EQ(owners[kg], 1) << "kg=" << kg;
    }
  }
}

TEST(KeyGroupRangeTest, IntersectAndContains) {
  KeyGroupRange a = KeyGroupRange::Of(10, 20);
  EXPECT_EQ(a.Intersect(KeyGroupRange::Of(15, 30)), KeyGroupRange::Of(15, 20));
  EXPECT_TRUE(a.Intersect(KeyGroupRange::Of(21, 30)).empty());
  EXPECT_EQ(a.size(), 11);
  EXPECT_TRUE(a.Contains(10));
  EXPECT_FALSE(a.Contains(21));
}

// MathUtils.murmurHash(int), traced by hand for code = 0:
//   k = 0 * 0xcc9e2d51 = 0; rotl(0, 15) = 0; 0 * 0x1b873593 = 0;
//   h = rotl(0, 13) * 5 + 0xe6546b64 = 0xe6546b64; h ^= 4 -> 0xe6546b60
//   fmix: h ^= h >>> 16 -> 0xe6548d34; h *= 0x85ebca6b -> 0x9f7e0cbc;
//         h ^= h >>> 13 -> 0x9f7af74c; h *= 0xc2b2ae35 -> 0x2362dabc;
//         h ^= h >>> 16 -> 0x2362f9de = 593689054 (positive, returned as is)
// and for code = 1:
//   k = 0xcc9e2d51; rotl 15 -> 0x16a8e64f; * 0x1b873593 -> 0xc3539a5d;
//   rotl 13 -> 0x734bb86a; * 5 + 0xe6546b64 -> 0x26cf0576; ^ 4 -> 0x26cf0572
//   fmix -> 0x26cf23bd, 0xaa4611ff, 0xaa4343cf, 0xfbf1bbdb, 0xfbf1402a
//   = -68075478 as an int, negative, so murmurHash returns 68075478.
TEST(KeyGroupHashTest, MurmurHashMatchesFlinkForHandComputedInputs) {
  EXPECT_EQ(FlinkMurmurHash(0), 593689054);
  EXPECT_EQ(FlinkMurmurHash(1), 68075478);
  // Same algorithm for 42 (0xbc5b91e3 = -1134849565 -> negated) and -1
  // (0x76293b50, positive).
  EXPECT_EQ(FlinkMurmurHash(42), 1134849565);
  EXPECT_EQ(FlinkMurmurHash(-1), 1982413648);
}

TEST(KeyGroupHashTest, StringKeysLandInTheKeyGroupFlinkAssigned) {
  // A Flink program printed these strings as keys for which
  // MathUtils.murmurHash(s.hashCode()) % 128 == 17.
  for (const char* s : {"UM57", "pIUm", "Unpw", "HRvb", "HwHh", "Z6nR", "v4fA",
                        "6RjC", "FLbh", "uItr"}) {
    EXPECT_EQ(FlinkMurmurHash(JavaStringHashCode(s)) % 128, 17) << s;
  }
}

TEST(KeyGroupHashTest, BytesHashCodeIsJavaArraysHashCodeOverSignedBytes) {
  EXPECT_EQ(JavaBytesHashCode(""), 1);
  EXPECT_EQ(JavaBytesHashCode("a"), 31 + 97);
  EXPECT_EQ(JavaBytesHashCode("\xff"), 31 - 1);  // byte 0xff is -1 in Java
  // Arrays.hashCode = 31^n + String.hashCode for ASCII.
  EXPECT_EQ(
      JavaBytesHashCode("UM57"),
      static_cast<int32_t>(31u * 31u * 31u * 31u +
                           static_cast<uint32_t>(JavaStringHashCode("UM57"))));
}

TEST(KeyGroupHashTest, AssignToKeyGroupIsMurmurOfHashCodeModuloM) {
  for (int m : {128, 32768}) {
    for (const char* key : {"", "a", "key-1", "\xff"}) {
      int kg = AssignToKeyGroup(key, m);
      EXPECT_EQ(kg, FlinkMurmurHash(JavaBytesHashCode(key)) % m);
      EXPECT_GE(kg, 0);
      EXPECT_LT(kg, m);
    }
  }
  EXPECT_EQ(AssignToKeyGroup("a", 128), 41);  // murmur(128) = 132521001
}

// Java's loop, byte by byte, as the reference for the 16-byte SSE2 steps.
int32_t SerialBytesHashCode(std::string_view key) {
  uint32_t h = 1;
  for (char c : key) {
    h = 31u * h + static_cast<uint32_t>(
                      static_cast<int32_t>(static_cast<signed char>(c)));
  }
  return static_cast<int32_t>(h);
}

TEST(KeyGroupHashTest, BlockStepsEqualJavasSerialLoop) {
  std::mt19937 rng(7);
  for (size_t len = 0; len <= 70; ++len) {
    for (int round = 0; round < 50; ++round) {
      std::string key(len, '\0');
      // The extremes of a signed byte (-128, 127) in the first rounds.
      for (char& c : key) {
        c = round == 0   ? '\x80'
            : round == 1 ? '\x7f'
            : round == 2 ? '\xff'
                         : static_cast<char>(rng());
      }
      ASSERT_EQ(JavaBytesHashCode(key), SerialBytesHashCode(key))
          << "length " << len;
      // Power-of-two (mask) and other maxima (division) agree with the
      // definition.
      for (int m : {1, 3, 100, 128, 1000, 4096, 32768}) {
        const int64_t murmur = FlinkMurmurHash(SerialBytesHashCode(key));
        ASSERT_EQ(AssignToKeyGroup(key, m), murmur % m) << "m " << m;
      }
    }
  }
}

}  // namespace
}  // namespace statebench
