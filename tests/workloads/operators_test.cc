#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/workloads/operator_test_util.h"
#include "tests/workloads/test_util.h"
#include "workloads/operator.h"

namespace statebench {
namespace {

using testing::BigEndian;
using testing::Describe;
using testing::OperatorDriver;

std::vector<OpType> Types(const std::vector<Op>& ops) {
  std::vector<OpType> out;
  for (const Op& op : ops) out.push_back(op.type);
  return out;
}

TEST(KeyedAggregationTest, ReadModifyWritePerEvent) {
  WorkloadSpec s;
  s.key_size = 8;
  OperatorDriver d(MakeAggregationOperator(s), 8);
  d.Event(0, 4, 10);
  std::vector<Op> ops = d.Take();
  ASSERT_EQ(Types(ops),
            (std::vector<OpType>{OpType::kValueGet, OpType::kValuePut}));
  EXPECT_EQ(ops[0].key, d.Key(4));
  EXPECT_EQ(ops[1].key, d.Key(4));
  EXPECT_EQ(ops[1].value.size(), s.value_size);
  EXPECT_EQ(ops[1].event_time_ms, 10);
}

WorkloadSpec DedupSpec() {
  WorkloadSpec s;
  s.key_size = 8;
  s.value_size = 20;
  s.op.ttl_ms = 1000;
  return s;
}

TEST(DedupTtlTest, DuplicatesWithinTtlExpiryCleansAndReadmits) {
  OperatorDriver d(MakeDedupOperator(DedupSpec()), 8);
  constexpr OpType kGet = OpType::kValueGet, kPut = OpType::kValuePut,
                   kRemove = OpType::kValueRemove;
  d.Event(0, 1, 0, /*arrival=*/0);
  std::vector<Op> ops = d.Take();
  ASSERT_EQ(Types(ops), (std::vector<OpType>{kGet, kPut}));
  // The stored value carries its write time for the TTL check.
  EXPECT_EQ(ops[1].value.substr(0, 8), BigEndian(0));
  EXPECT_EQ(ops[1].value.size(), 8u + 20u);

  d.Event(1, 1, 500, 500);
  EXPECT_EQ(Types(d.Take()), (std::vector<OpType>{kGet}));
  EXPECT_EQ(d.stats().duplicates, 1u);

  d.Watermark(0, 2, /*now=*/999);
  EXPECT_TRUE(d.Take().empty());
  d.Watermark(0, 3, /*now=*/1000);
  ops = d.Take();
  ASSERT_EQ(Types(ops), (std::vector<OpType>{kRemove}));
  EXPECT_EQ(ops[0].key, d.Key(1));
  EXPECT_EQ(ops[0].event_index, 3u);
  EXPECT_EQ(d.stats().ttl_cleaned, 1u);

  // After expiry the key is new again.
  d.Event(4, 1, 1100, 1100);
  ops = d.Take();
  ASSERT_EQ(Types(ops), (std::vector<OpType>{kGet, kPut}));
  EXPECT_EQ(ops[1].value.substr(0, 8), BigEndian(1100));
}

TEST(DedupTtlTest, ExpiredEntryIsInvisibleBeforeCleanupRuns) {
  OperatorDriver d(MakeDedupOperator(DedupSpec()), 8);
  d.Event(0, 2, 0, 0);
  d.Take();
  // No cleanup has run yet, but the entry is past its TTL: the read treats
  // it as absent, removes it and admits the event.
  d.Event(1, 2, 1200, 1200);
  std::vector<Op> ops = d.Take();
  EXPECT_EQ(Types(ops),
            (std::vector<OpType>{OpType::kValueGet, OpType::kValueRemove,
                                 OpType::kValuePut}));
  EXPECT_EQ(d.stats().expired_reads, 1u);
  // The first entry's timer is stale now; the new entry expires at 2200.
  d.Watermark(0, 2, 2199);
  EXPECT_TRUE(d.Take().empty());
  d.Watermark(0, 3, 2200);
  EXPECT_EQ(Types(d.Take()), (std::vector<OpType>{OpType::kValueRemove}));
}

// Event indexes whose first draw puts them on the left (or right) input.
uint64_t IndexOnSide(bool left, uint64_t from) {
  for (uint64_t i = from;; ++i) {
    EventRng rng(OperatorDriver::kSeed, i);
    if ((rng.NextDouble() < 0.5) == left) return i;
  }
}

TEST(IntervalJoinTest, BufferScanAndCleanup) {
  WorkloadSpec s;
  s.key_size = 8;
  s.op.join_lower_ms = -100;
  s.op.join_upper_ms = 200;
  s.op.join_left_fraction = 0.5;
  OperatorDriver d(MakeIntervalJoinOperator(s), 8);
  const uint64_t left = IndexOnSide(true, 0);
  const uint64_t right = IndexOnSide(false, left + 1);

  d.Event(left, 9, 1000);
  std::vector<Op> ops = d.Take();
  ASSERT_EQ(Types(ops),
            (std::vector<OpType>{OpType::kMapPut, OpType::kMapScan}));
  EXPECT_EQ(ops[0].state, 0);  // join-left
  EXPECT_EQ(ops[0].user_key, BigEndian(1000) + BigEndian(left));
  EXPECT_EQ(ops[1].state, 1);                  // scans join-right
  EXPECT_EQ(ops[1].user_key, BigEndian(900));  // 1000 + lower
  EXPECT_EQ(ops[1].scan_to, BigEndian(1201));  // 1000 + upper, inclusive

  d.Event(right, 9, 1100);
  ops = d.Take();
  ASSERT_EQ(Types(ops),
            (std::vector<OpType>{OpType::kMapPut, OpType::kMapScan}));
  EXPECT_EQ(ops[0].state, 1);
  EXPECT_EQ(ops[1].state, 0);
  EXPECT_EQ(ops[1].user_key, BigEndian(900));  // 1100 - upper
  EXPECT_EQ(ops[1].scan_to, BigEndian(1201));  // 1100 - lower, inclusive
  EXPECT_EQ(d.stats().joins, 2u);

  d.Watermark(1199, 50);
  EXPECT_TRUE(d.Take().empty());
  // Left 1000 can match nothing after 1000 + upper; right 1100 nothing
  // after 1100 - lower: both buffers are cleaned at 1200.
  d.Watermark(1200, 51);
  ops = d.Take();
  ASSERT_EQ(Types(ops),
            (std::vector<OpType>{OpType::kMapRemove, OpType::kMapRemove}))
      << Describe(ops[0]);
  EXPECT_EQ(ops[0].state, 0);
  EXPECT_EQ(ops[0].user_key, BigEndian(1000) + BigEndian(left));
  EXPECT_EQ(ops[1].state, 1);
  EXPECT_EQ(ops[1].user_key, BigEndian(1100) + BigEndian(right));

  // Elements behind the watermark are dropped.
  d.Event(IndexOnSide(true, right + 1), 9, 1150);
  EXPECT_TRUE(d.Take().empty());
  EXPECT_EQ(d.stats().late_dropped, 1u);
}

}  // namespace
}  // namespace statebench
