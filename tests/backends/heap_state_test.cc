// HeapState internals the conformance suite cannot see: copy-on-write at
// key-group granularity, entry-key encoding and op validation.
#include "backends/heap_state.h"

#include <gtest/gtest.h>

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
  auto it = p->Find(0)->values.find(std::string_view(ek));
  return it == p->Find(0)->values.end() ? "<none>" : it->second;
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

}  // namespace
}  // namespace statebench
