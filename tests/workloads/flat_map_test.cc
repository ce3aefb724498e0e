#include "workloads/flat_map.h"

#include <gtest/gtest.h>

#include <unordered_map>

namespace statebench {
namespace {

// Low-entropy traits: every key hashes into 8 homes, so probe runs are long
// and wrap around the table, exercising backward-shift deletion.
struct CollidingTraits {
  static uint64_t Empty() { return UINT64_MAX; }
  static uint64_t Hash(uint64_t id) { return (id % 8) * 0x9e3779b97f4a7c15ull; }
};

template <typename Traits>
void MatchesUnorderedMap() {
  FlatMap<uint64_t, int64_t, Traits> flat;
  std::unordered_map<uint64_t, int64_t> reference;
  for (uint64_t i = 0; i < 20000; ++i) {
    EventRng rng(5, i);
    const uint64_t key = rng.NextBelow(500);
    switch (rng.NextBelow(3)) {
      case 0: {
        auto [value, inserted] = flat.TryInsert(key);
        EXPECT_EQ(inserted, reference.count(key) == 0) << key;
        *value = static_cast<int64_t>(i);
        reference[key] = static_cast<int64_t>(i);
        break;
      }
      case 1:
        EXPECT_EQ(flat.Erase(key), reference.erase(key) == 1) << key;
        break;
      default: {
        int64_t* found = flat.Find(key);
        auto it = reference.find(key);
        ASSERT_EQ(found != nullptr, it != reference.end()) << key;
        if (found != nullptr) {
          EXPECT_EQ(*found, it->second);
        }
      }
    }
    ASSERT_EQ(flat.size(), reference.size());
  }
  for (const auto& [key, value] : reference) {
    ASSERT_NE(flat.Find(key), nullptr);
    EXPECT_EQ(*flat.Find(key), value);
  }
}

TEST(FlatMapTest, MatchesUnorderedMapUnderRandomOps) {
  MatchesUnorderedMap<IdTraits>();
}

TEST(FlatMapTest, MatchesUnorderedMapWithCollidingHashes) {
  MatchesUnorderedMap<CollidingTraits>();
}

TEST(FlatMapTest, PairKeys) {
  FlatMap<KeyWindow, uint8_t, KeyWindowTraits> set;
  EXPECT_TRUE(set.TryInsert({1, 1000}).second);
  EXPECT_FALSE(set.TryInsert({1, 1000}).second);
  EXPECT_TRUE(set.TryInsert({1, 2000}).second);
  EXPECT_TRUE(set.TryInsert({2, 1000}).second);
  EXPECT_TRUE(set.Erase({1, 1000}));
  EXPECT_FALSE(set.Erase({1, 1000}));
  EXPECT_EQ(set.Find({1, 1000}), nullptr);
  EXPECT_NE(set.Find({1, 2000}), nullptr);
  EXPECT_EQ(set.size(), 2u);
}

}  // namespace
}  // namespace statebench
