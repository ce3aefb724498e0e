// HeapState internals the conformance suite cannot see: copy-on-write at
// key-group granularity, entry-key encoding, op validation and the
// open-addressing tables (heap_table.h).
#include "backends/heap/heap_state.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "tests/backends/backend_test_env.h"

namespace statebench {
namespace {

constexpr KeyGroupRange kRange{0, 127};

StateKey Key(std::string_view key, StateId state = 0) {
  return StateKey{state, AssignToKeyGroup(key, 128), key, ""};
}

std::string ValueIn(const HeapCapture& c, std::string_view key) {
  const HeapPartition* p = c.Partition(AssignToKeyGroup(key, 128));
  if (p == nullptr || p->Find(0) == nullptr) return "<none>";
  std::string ek;
  EncodeEntryKey(key, "", &ek);
  const HeapBytesNode* n = p->Find(0)->values.Find(ek, HeapKeyHash(ek));
  return n == nullptr ? "<none>" : std::string(n->value());
}

TEST(HeapStateTest, CaptureKeepsItsViewWhileLiveStateChanges) {
  HeapState s(128, kRange);
  SB_ASSERT_OK(s.RegisterState({"v", StateKind::kValue}).status());
  SB_ASSERT_OK(s.ValuePut(Key("a"), "old"));
  SB_ASSERT_OK(s.ValuePut(Key("b"), "kept"));
  HeapCapture c = s.Capture(1);
  SB_ASSERT_OK(s.ValuePut(Key("a"), "new"));
  SB_ASSERT_OK(s.ValueRemove(Key("b")));
  SB_ASSERT_OK(s.ValuePut(Key("c"), "added"));
  EXPECT_EQ(ValueIn(c, "a"), "old");
  EXPECT_EQ(ValueIn(c, "b"), "kept");
  EXPECT_EQ(ValueIn(c, "c"), "<none>");
  std::string v;
  bool found = false;
  SB_ASSERT_OK(s.ValueGet(Key("a"), &v, &found));
  EXPECT_EQ(v, "new");
  SB_ASSERT_OK(s.ValueGet(Key("b"), &v, &found));
  EXPECT_FALSE(found);
}

TEST(HeapStateTest, PartitionsAreClonedOnlyWhileACaptureIsAlive) {
  HeapState s(128, kRange);
  SB_ASSERT_OK(s.RegisterState({"v", StateKind::kValue}).status());
  int kg = AssignToKeyGroup("a", 128);
  SB_ASSERT_OK(s.ValuePut(Key("a"), "1"));
  const HeapPartition* first;
  {
    HeapCapture c = s.Capture(1);
    first = c.Partition(kg);
  }  // released: later writes go in place
  SB_ASSERT_OK(s.ValuePut(Key("a"), "2"));
  HeapCapture c2 = s.Capture(2);
  EXPECT_EQ(c2.Partition(kg), first) << "no clone without a live capture";
  SB_ASSERT_OK(s.ValuePut(Key("a"), "3"));  // c2 alive: clone once
  SB_ASSERT_OK(s.ValuePut(Key("a"), "4"));  // the clone is private now
  HeapCapture c3 = s.Capture(3);
  EXPECT_NE(c3.Partition(kg), c2.Partition(kg));
  EXPECT_EQ(ValueIn(c2, "a"), "2");
  EXPECT_EQ(ValueIn(c3, "a"), "4");
  // Key groups not written since c2 are shared, not copied.
  int other = AssignToKeyGroup("zz", 128);
  ASSERT_NE(other, kg);
  SB_ASSERT_OK(s.ValuePut(Key("zz"), "x"));
  HeapCapture c4 = s.Capture(4);
  EXPECT_EQ(c4.Partition(kg), c3.Partition(kg));
}

TEST(HeapStateTest, EntryKeysRoundTripIncludingLongKeys) {
  for (size_t len :
       {size_t{0}, size_t{1}, size_t{127}, size_t{128}, size_t{20000}}) {
    std::string key(len, 'k');
    std::string ns("n\0s", 3);
    std::string ek;
    EncodeEntryKey(key, ns, &ek);
    std::string_view k, n;
    ASSERT_TRUE(DecodeEntryKey(ek, &k, &n)) << len;
    EXPECT_EQ(k, key);
    EXPECT_EQ(n, ns);
  }
  std::string_view k, n;
  EXPECT_FALSE(DecodeEntryKey("", &k, &n));
  EXPECT_FALSE(
      DecodeEntryKey("\x05"
                     "abc",
                     &k, &n));                       // length beyond end
  EXPECT_FALSE(DecodeEntryKey("\x80\x80", &k, &n));  // unterminated varint
}

TEST(HeapStateTest, OpsValidateStateKindAndKeyGroup) {
  HeapState s(128, KeyGroupRange{0, 63});
  SB_ASSERT_OK(s.RegisterState({"v", StateKind::kValue}).status());
  SB_ASSERT_OK(s.RegisterState({"l", StateKind::kList}).status());
  EXPECT_EQ(s.ListAppend(StateKey{0, 1, "k", ""}, "x").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ValuePut(StateKey{1, 1, "k", ""}, "x").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ValuePut(StateKey{7, 1, "k", ""}, "x").code(),
            StatusCode::kInvalidArgument);
  Status outside = s.ValuePut(StateKey{0, 64, "k", ""}, "x");
  EXPECT_EQ(outside.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(outside.message().find("[0, 63]"), std::string::npos);
  EXPECT_EQ(s.RegisterState({"bad name", StateKind::kValue}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s.RegisterState({"", StateKind::kValue}).status().code(),
            StatusCode::kInvalidArgument);
}

// Few distinct hashes (and one tag: the top 16 bits are zero) force long
// probe runs that wrap around the slot array, so insertion, lookup and
// backward-shift deletion meet every case.
size_t CollidingHash(std::string_view key) { return HeapKeyHash(key) % 7; }
struct CollidingHasher {
  size_t operator()(std::string_view key) const { return CollidingHash(key); }
};
using Table = HeapIndex<HeapBytesNode, CollidingHasher>;

void ExpectTableIs(const Table& t, const std::map<std::string, std::string>& m,
                   int absent_upto) {
  ASSERT_EQ(t.size(), m.size());
  for (const auto& [k, v] : m) {
    const HeapBytesNode* n = t.Find(k, CollidingHash(k));
    ASSERT_NE(n, nullptr) << k;
    EXPECT_EQ(n->value(), v) << k;
  }
  for (int i = 0; i < absent_upto; ++i) {
    std::string k = "k" + std::to_string(i);
    if (!m.contains(k)) {
      EXPECT_EQ(t.Find(k, CollidingHash(k)), nullptr) << k;
    }
  }
  std::map<std::string, std::string> seen;
  for (const HeapBytesNode& n : t) {
    EXPECT_TRUE(seen.emplace(n.key(), n.value()).second) << n.key();
  }
  EXPECT_EQ(seen, m);
}

TEST(HeapIndexTest, RandomOpsUnderCollidingHashesMatchAMap) {
  Table t;
  std::map<std::string, std::string> model;
  std::mt19937 rng(7);
  constexpr int kKeys = 300;
  for (int round = 0; round < 40; ++round) {
    for (int op = 0; op < 200; ++op) {
      std::string k = "k" + std::to_string(rng() % kKeys);
      size_t h = CollidingHash(k);
      switch (rng() % 3) {
        case 0:
        case 1: {  // put; values of varying size grow and shrink nodes
          std::string v(rng() % 40, static_cast<char>('a' + rng() % 26));
          const bool present = t.Update(k, h, [&](HeapBytesNode* n) {
            return HeapBytesNode::SetValue(n, v);
          });
          if (!present) t.Insert(HeapBytesNode::Make(k, v), h);
          model[k] = v;
          break;
        }
        case 2:
          EXPECT_EQ(t.Erase(k, h), model.erase(k) == 1) << k;
          break;
      }
    }
    ExpectTableIs(t, model, kKeys);
  }
  // Empty it entirely, then use it again.
  for (int i = 0; i < kKeys; ++i) {
    std::string k = "k" + std::to_string(i);
    EXPECT_EQ(t.Erase(k, CollidingHash(k)), model.erase(k) == 1);
  }
  ExpectTableIs(t, model, kKeys);
  t.Insert(HeapBytesNode::Make("k1", "again"), CollidingHash("k1"));
  model["k1"] = "again";
  ExpectTableIs(t, model, kKeys);
}

TEST(HeapIndexTest, SameKeySeesEveryByteAtEveryLength) {
  for (size_t n = 0; n <= 40; ++n) {
    std::string a(n, '\0');
    for (size_t i = 0; i < n; ++i) a[i] = static_cast<char>('a' + i % 26);
    std::string b = a;
    EXPECT_TRUE(HeapSameKey(a, b)) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string c = a;
      c[i] = static_cast<char>(c[i] ^ 0x80);
      EXPECT_FALSE(HeapSameKey(a, c)) << "length " << n << " byte " << i;
    }
    EXPECT_FALSE(HeapSameKey(a, a + "x")) << n;
  }
}

TEST(HeapIndexTest, CopiesAreDeepAndCompareByContent) {
  using Table = HeapValueTable;  // real hashes: tags differ
  Table a;
  for (int i = 0; i < 50; ++i) {
    std::string k = "k" + std::to_string(i);
    a.Insert(HeapBytesNode::Make(k, std::string(i, 'x')), HeapKeyHash(k));
  }
  Table b = a;
  EXPECT_TRUE(a == b);
  EXPECT_TRUE(a.Update("k3", HeapKeyHash("k3"), [](HeapBytesNode* n) {
    return HeapBytesNode::SetValue(n, "changed");
  }));
  EXPECT_FALSE(a == b);
  EXPECT_EQ(b.Find("k3", HeapKeyHash("k3"))->value(), "xxx");
  EXPECT_TRUE(b.Erase("k4", HeapKeyHash("k4")));
  EXPECT_NE(a.Find("k4", HeapKeyHash("k4")), nullptr);
  Table moved = std::move(b);
  EXPECT_EQ(moved.size(), 49u);
  Table empty;
  EXPECT_EQ(empty.Find("k1", HeapKeyHash("k1")), nullptr);
  EXPECT_FALSE(empty.Erase("k1", HeapKeyHash("k1")));
  EXPECT_TRUE(empty == Table());
  EXPECT_TRUE(empty.begin() == empty.end());
}

TEST(HeapIndexTest, ReserveKeepsEntriesAndObjectNodesHoldTheirObjects) {
  HeapListTable lists;
  for (int i = 0; i < 10; ++i) {
    std::string k = "k" + std::to_string(i);
    lists.Insert(HeapListTable::NodeType::Make(k, {k, "second"}),
                 HeapKeyHash(k));
  }
  lists.Reserve(10000);
  ASSERT_EQ(lists.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    std::string k = "k" + std::to_string(i);
    const auto* n = lists.Find(k, HeapKeyHash(k));
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->value(), (std::vector<std::string>{k, "second"}));
  }
}

}  // namespace
}  // namespace statebench
