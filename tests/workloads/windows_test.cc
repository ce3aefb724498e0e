#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/workloads/operator_test_util.h"
#include "tests/workloads/test_util.h"
#include "workloads/operator.h"

namespace statebench {
namespace {

using testing::Describe;
using testing::Ns;
using testing::OperatorDriver;

WorkloadSpec WindowSpec(uint32_t size, uint32_t slide, uint32_t lateness) {
  WorkloadSpec s;
  s.key_size = 8;
  s.op.window_size_ms = size;
  s.op.window_slide_ms = slide;
  s.op.session_gap_ms = 1000;
  s.event_time.allowed_lateness_ms = lateness;
  return s;
}

// (type, key, namespace) of each op, for compact expectations.
struct Shape {
  OpType type;
  std::string key;
  std::string ns;
  bool operator==(const Shape&) const = default;
};

std::vector<Shape> Shapes(const std::vector<Op>& ops) {
  std::vector<Shape> out;
  for (const Op& op : ops) out.push_back({op.type, op.key, op.ns});
  return out;
}

std::string Show(const std::vector<Op>& ops) {
  std::string s;
  for (const Op& op : ops) s += Describe(op) + "\n";
  return s;
}

TEST(TumblingWindowTest, FiresAtWatermarkAndDropsLateEvents) {
  OperatorDriver d(MakeWindowOperator(WindowSpec(1000, 1000, 0), false), 8);
  const std::string k1 = d.Key(1), k2 = d.Key(2);
  d.Event(0, 1, 100);
  d.Event(1, 1, 900);
  d.Event(2, 2, 1200);
  std::vector<Op> ops = d.Take();
  EXPECT_EQ(Shapes(ops),
            (std::vector<Shape>{{OpType::kListAppend, k1, Ns(0, 1000)},
                                {OpType::kListAppend, k1, Ns(0, 1000)},
                                {OpType::kListAppend, k2, Ns(1000, 2000)}}));
  EXPECT_EQ(ops[0].value.size(), 100u);

  d.Watermark(998, 3);
  EXPECT_TRUE(d.Take().empty());
  // Out of order but not late: the window's last timestamp 999 > 998.
  d.Event(3, 1, 500);
  EXPECT_EQ(Shapes(d.Take()),
            (std::vector<Shape>{{OpType::kListAppend, k1, Ns(0, 1000)}}));

  d.Watermark(999, 4);
  ops = d.Take();
  EXPECT_EQ(Shapes(ops),
            (std::vector<Shape>{{OpType::kListGet, k1, Ns(0, 1000)},
                                {OpType::kListClear, k1, Ns(0, 1000)}}))
      << Show(ops);
  EXPECT_EQ(ops[0].event_index, 4u);

  // Behind the watermark with no allowed lateness: dropped, no state op.
  d.Event(5, 1, 300);
  EXPECT_TRUE(d.Take().empty());
  EXPECT_EQ(d.stats().late_dropped, 1u);

  d.Watermark(5000, 6);
  EXPECT_EQ(Shapes(d.Take()),
            (std::vector<Shape>{{OpType::kListGet, k2, Ns(1000, 2000)},
                                {OpType::kListClear, k2, Ns(1000, 2000)}}));
  EXPECT_EQ(d.stats().fired, 2u);
  EXPECT_EQ(d.stats().purged, 2u);
}

TEST(TumblingWindowTest, AllowedLatenessKeepsStateAndFiresLateElements) {
  OperatorDriver d(MakeWindowOperator(WindowSpec(1000, 1000, 200), false), 8);
  const std::string k = d.Key(7);
  d.Event(0, 7, 100);
  d.Take();
  d.Watermark(999, 1);
  EXPECT_EQ(Shapes(d.Take()),
            (std::vector<Shape>{{OpType::kListGet, k, Ns(0, 1000)}}));
  // Late but within lateness: added and fired again at once.
  d.Event(2, 7, 300);
  EXPECT_EQ(Shapes(d.Take()),
            (std::vector<Shape>{{OpType::kListAppend, k, Ns(0, 1000)},
                                {OpType::kListGet, k, Ns(0, 1000)}}));
  EXPECT_EQ(d.stats().late_accepted, 1u);
  d.Watermark(1198, 3);
  EXPECT_TRUE(d.Take().empty());
  d.Watermark(1199, 4);
  EXPECT_EQ(Shapes(d.Take()),
            (std::vector<Shape>{{OpType::kListClear, k, Ns(0, 1000)}}));
  // Past end + lateness: dropped.
  d.Event(5, 7, 400);
  EXPECT_TRUE(d.Take().empty());
  EXPECT_EQ(d.stats().late_dropped, 1u);
}

TEST(SlidingWindowTest, ElementJoinsEveryOverlappingWindow) {
  OperatorDriver d(MakeWindowOperator(WindowSpec(1000, 500, 0), true), 8);
  const std::string k = d.Key(3);
  d.Event(0, 3, 700);
  std::vector<Op> ops = d.Take();
  EXPECT_EQ(Shapes(ops),
            (std::vector<Shape>{{OpType::kListAppend, k, Ns(500, 1500)},
                                {OpType::kListAppend, k, Ns(0, 1000)}}));
  EXPECT_EQ(ops[0].value, ops[1].value);
  d.Watermark(999, 1);
  EXPECT_EQ(Shapes(d.Take()),
            (std::vector<Shape>{{OpType::kListGet, k, Ns(0, 1000)},
                                {OpType::kListClear, k, Ns(0, 1000)}}));
  d.Watermark(1499, 2);
  EXPECT_EQ(Shapes(d.Take()),
            (std::vector<Shape>{{OpType::kListGet, k, Ns(500, 1500)},
                                {OpType::kListClear, k, Ns(500, 1500)}}));
}

TEST(SessionWindowTest, SessionsMergeAndMoveState) {
  OperatorDriver d(MakeSessionOperator(WindowSpec(1000, 1000, 0)), 8);
  const std::string k = d.Key(1);
  constexpr OpType kGet = OpType::kListGet, kAdd = OpType::kListAppend,
                   kClear = OpType::kListClear;
  d.Event(0, 1, 0);  // session A [0, 1000)
  std::vector<Op> ops = d.Take();
  EXPECT_EQ(Shapes(ops), (std::vector<Shape>{{kGet, k, ""},
                                             {kAdd, k, Ns(0, 1000)},
                                             {kClear, k, ""},
                                             {kAdd, k, ""}}))
      << Show(ops);
  EXPECT_EQ(ops[0].state, 1);  // the merging-window-set
  EXPECT_EQ(ops[1].state, 0);
  const std::string a_value = ops[1].value;

  d.Event(1, 1, 2500);  // session B [2500, 3500)
  ops = d.Take();
  ASSERT_EQ(ops.size(), 5u) << Show(ops);  // get, add, clear, 2 entries
  const std::string b_value = ops[1].value;

  // [1500, 2500) touches B: B grows to [1500, 3500), its state stays put.
  d.Event(2, 1, 1500);
  ops = d.Take();
  EXPECT_EQ(Shapes(ops), (std::vector<Shape>{{kGet, k, ""},
                                             {kAdd, k, Ns(2500, 3500)},
                                             {kClear, k, ""},
                                             {kAdd, k, ""},
                                             {kAdd, k, ""}}))
      << Show(ops);
  const std::string b2_value = ops[1].value;
  EXPECT_EQ(d.stats().merges, 0u);

  // [900, 1900) bridges A and B: B's two elements move into A's namespace.
  d.Event(3, 1, 900);
  ops = d.Take();
  EXPECT_EQ(Shapes(ops), (std::vector<Shape>{{kGet, k, ""},
                                             {kGet, k, Ns(2500, 3500)},
                                             {kAdd, k, Ns(0, 1000)},
                                             {kAdd, k, Ns(0, 1000)},
                                             {kClear, k, Ns(2500, 3500)},
                                             {kAdd, k, Ns(0, 1000)},
                                             {kClear, k, ""},
                                             {kAdd, k, ""}}))
      << Show(ops);
  EXPECT_EQ(ops[2].value, b_value);
  EXPECT_EQ(ops[3].value, b2_value);
  EXPECT_NE(ops[5].value, a_value);
  EXPECT_EQ(d.stats().merges, 1u);
  // The persisted set holds the merged window [0, 3500) -> state [0, 1000).
  EXPECT_EQ(ops[7].value, Ns(0, 3500) + Ns(0, 1000));

  // The timers of the old windows are gone: nothing fires at 999 or 2499.
  d.Watermark(3498, 4);
  EXPECT_TRUE(d.Take().empty());
  d.Watermark(3499, 5);
  ops = d.Take();
  EXPECT_EQ(Shapes(ops), (std::vector<Shape>{{kGet, k, ""},
                                             {kGet, k, Ns(0, 1000)},
                                             {kClear, k, Ns(0, 1000)},
                                             {kClear, k, ""}}))
      << Show(ops);
  EXPECT_EQ(d.stats().fired, 1u);
  EXPECT_EQ(d.stats().purged, 1u);
}

TEST(SessionWindowTest, LateSessionIsDroppedButLateMergeIsAccepted) {
  OperatorDriver d(MakeSessionOperator(WindowSpec(1000, 1000, 0)), 8);
  d.Event(0, 1, 5000);  // [5000, 6000)
  d.Take();
  d.Watermark(5500, 1);
  d.Take();
  // [100, 1100) is entirely behind the watermark and touches nothing.
  d.Event(2, 1, 100);
  std::vector<Op> ops = d.Take();
  ASSERT_EQ(ops.size(), 1u);  // only the merging-window-set read
  EXPECT_EQ(ops[0].type, OpType::kListGet);
  EXPECT_EQ(d.stats().late_dropped, 1u);
  // [4800, 5800) is behind the watermark too, but merges into a live session.
  d.Event(3, 1, 4800);
  ops = d.Take();
  ASSERT_GE(ops.size(), 2u);
  EXPECT_EQ(ops[1].type, OpType::kListAppend);
  EXPECT_EQ(ops[1].ns, Ns(5000, 6000));
  EXPECT_EQ(d.stats().late_dropped, 1u);
}

TEST(WindowSourceTest, OutOfOrderStreamHasLateAcceptedAndDroppedEvents) {
  WorkloadSpec s = WindowSpec(1000, 1000, 300);
  s.name = "tumbling-window";
  s.key_count = 50;
  s.event_time.events_per_second = 1000;
  s.event_time.out_of_order_fraction = 0.3;
  s.event_time.max_out_of_order_ms = 2000;
  s.event_time.watermark_delay_ms = 500;
  s.event_time.watermark_interval_events = 50;
  OperatorSource source(s, MakeWindowOperator(s, false), 0, 20000, nullptr);
  std::vector<Op> ops = testing::Drain(&source);
  const OperatorStats& st = source.op().stats();
  EXPECT_EQ(st.events, 20000u);
  EXPECT_GT(st.late_accepted, 0u);
  EXPECT_GT(st.late_dropped, 0u);
  // Dropped events are exactly those delayed past watermark + lateness, so
  // roughly (2000 - 800) / 2000 of the delayed third, minus window slack.
  EXPECT_LT(st.late_dropped, 20000u * 3 / 10);
  uint64_t appends = 0, clears = 0;
  std::set<std::pair<std::string, std::string>> windows;
  for (const Op& op : ops) {
    appends += op.type == OpType::kListAppend;
    clears += op.type == OpType::kListClear;
    if (op.type == OpType::kListAppend) windows.insert({op.key, op.ns});
  }
  EXPECT_EQ(appends, st.events - st.late_dropped);
  // Every window is purged exactly once; the end of input purges the rest.
  EXPECT_EQ(clears, st.purged);
  EXPECT_EQ(clears, windows.size());
}

}  // namespace
}  // namespace statebench
