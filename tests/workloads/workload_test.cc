#include "workloads/workload.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/workloads/test_util.h"
#include "workloads/spec_fields.h"

namespace statebench {
namespace {

using testing::Describe;
using testing::Drain;
using testing::PartFilter;
using testing::SameOp;
using testing::SpecFor;

// Every built-in workload except trace replay, shrunk to test size, with
// disorder high enough that late events and merges occur.
std::vector<WorkloadSpec> SmallSpecs() {
  std::vector<WorkloadSpec> out;
  for (const WorkloadInfo& info : ListWorkloads()) {
    if (info.name == "trace") continue;
    WorkloadSpec s = SpecFor(info.name);
    s.key_count = 300;
    s.run_events = 4000;
    s.event_time.events_per_second = 1000;
    s.event_time.out_of_order_fraction = 0.3;
    s.event_time.max_out_of_order_ms = 1500;
    s.event_time.watermark_delay_ms = 500;
    s.event_time.allowed_lateness_ms = 200;
    s.op.window_size_ms = 1000;
    s.op.window_slide_ms = 250;
    s.op.session_gap_ms = 400;
    s.op.ttl_ms = 1500;
    s.flink.list_values = 5;
    s.ycsb.max_scan_length = 20;
    if (s.name == "ycsb") {
      s.ycsb.read_all_fields = false;
      s.ycsb.scan_proportion = 0.1;
      s.ycsb.insert_proportion = 0.05;
    }
    out.push_back(s);
  }
  return out;
}

std::string NameOf(const ::testing::TestParamInfo<WorkloadSpec>& info) {
  std::string n = info.param.name;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

class EveryWorkloadTest : public ::testing::TestWithParam<WorkloadSpec> {
 protected:
  std::unique_ptr<Workload> Create(const WorkloadSpec& spec) {
    Result<std::unique_ptr<Workload>> w = CreateWorkload(spec);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? std::move(w).value() : nullptr;
  }
  std::vector<Op> Stream(const Workload& w, bool run, KeyFilter filter) {
    auto source =
        run ? w.RunPhase(std::move(filter)) : w.LoadPhase(std::move(filter));
    return Drain(source.get());
  }
};

TEST_P(EveryWorkloadTest, SameSeedSameStreamOtherSeedOtherStream) {
  auto a = Create(GetParam());
  auto b = Create(GetParam());
  WorkloadSpec other = GetParam();
  other.seed += 1;
  auto c = Create(other);
  ASSERT_TRUE(a && b && c);
  std::vector<Op> sa = Stream(*a, true, nullptr);
  std::vector<Op> sb = Stream(*b, true, nullptr);
  std::vector<Op> sc = Stream(*c, true, nullptr);
  ASSERT_FALSE(sa.empty());
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    ASSERT_TRUE(SameOp(sa[i], sb[i])) << i << ": " << Describe(sa[i]);
  }
  bool differs = sa.size() != sc.size();
  for (size_t i = 0; !differs && i < sa.size(); ++i)
    differs = !SameOp(sa[i], sc[i]);
  EXPECT_TRUE(differs);
}

TEST_P(EveryWorkloadTest, FilteredStreamsAreTheUnfilteredRestricted) {
  auto w = Create(GetParam());
  ASSERT_TRUE(w);
  for (bool run : {false, true}) {
    std::vector<Op> all = Stream(*w, run, nullptr);
    size_t total = 0;
    for (int part = 0; part < 3; ++part) {
      KeyFilter f = PartFilter(part, 3);
      std::vector<Op> mine = Stream(*w, run, f);
      std::vector<Op> expected;
      for (const Op& op : all) {
        if (f(op.key)) expected.push_back(op);
      }
      ASSERT_EQ(mine.size(), expected.size())
          << "part " << part << " run " << run;
      for (size_t i = 0; i < mine.size(); ++i) {
        ASSERT_TRUE(SameOp(mine[i], expected[i]))
            << "part " << part << " op " << i << ": " << Describe(mine[i])
            << " vs " << Describe(expected[i]);
      }
      total += mine.size();
    }
    EXPECT_EQ(total, all.size());
  }
}

TEST_P(EveryWorkloadTest, EventIndexesAndDeclaredKinds) {
  auto w = Create(GetParam());
  ASSERT_TRUE(w);
  Result<WorkloadInfo> info = GetWorkloadInfo(GetParam().name);
  ASSERT_TRUE(info.ok());
  std::set<std::string> declared(info->op_kinds.begin(), info->op_kinds.end());
  std::set<std::string> seen;
  ASSERT_EQ(info->states.size(), w->States().size());
  for (bool run : {false, true}) {
    std::vector<Op> ops = Stream(*w, run, nullptr);
    uint64_t previous = run ? w->LoadEventCount() : 0;
    for (const Op& op : ops) {
      ASSERT_GE(op.event_index, previous) << Describe(op);
      if (!run) {
        ASSERT_LT(op.event_index, w->LoadEventCount()) << Describe(op);
      } else {
        ASSERT_LE(op.event_index, w->LoadEventCount() + GetParam().run_events);
      }
      ASSERT_LT(op.state, w->States().size());
      previous = op.event_index;
      seen.insert(std::string(OpTypeName(op.type)));
      if (!op.scan_to.empty()) {
        EXPECT_EQ(op.type, OpType::kMapScan);
      }
    }
  }
  for (const std::string& kind : seen) {
    EXPECT_TRUE(declared.count(kind) > 0) << kind << " not declared";
  }
  // Each declared kind shows up in a run of this size (the generic ycsb
  // declares reads of either shape; one spec produces one).
  if (GetParam().name != "ycsb") {
    EXPECT_EQ(seen, declared);
  }
}

INSTANTIATE_TEST_SUITE_P(All, EveryWorkloadTest,
                         ::testing::ValuesIn(SmallSpecs()), NameOf);

TEST(WorkloadRegistryTest, UnknownNameListsKnownOnes) {
  WorkloadSpec s;
  s.name = "no-such-workload";
  Result<std::unique_ptr<Workload>> w = CreateWorkload(s);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kNotFound);
  EXPECT_NE(w.status().message().find("tumbling-window"), std::string::npos);
  EXPECT_FALSE(DefaultWorkloadSpec("nope").ok());
}

TEST(WorkloadRegistryTest, BadSpecNamesTheField) {
  WorkloadSpec s;
  s.zipf_theta = 1.5;
  Status st = ValidateWorkloadSpec(s);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("zipf_theta"), std::string::npos);
  s = WorkloadSpec();
  s.name = "sliding-window";
  s.op.window_slide_ms = s.op.window_size_ms + 1;
  EXPECT_NE(ValidateWorkloadSpec(s).message().find("window_slide_ms"),
            std::string::npos);
  s = WorkloadSpec();
  s.key_distribution = "gaussian";
  EXPECT_NE(ValidateWorkloadSpec(s).message().find("gaussian"),
            std::string::npos);
}

TEST(WorkloadRegistryTest, PresetDefaults) {
  WorkloadSpec flink = SpecFor("flink-map");
  EXPECT_EQ(flink.key_count, 500000u);
  EXPECT_EQ(flink.flink.map_entries, 10u);
  EXPECT_EQ(flink.flink.list_values, 100u);
  EXPECT_EQ(flink.value_size, 8u);
  WorkloadSpec d = SpecFor("ycsb-d");
  EXPECT_EQ(d.key_distribution, "latest");
  EXPECT_DOUBLE_EQ(d.ycsb.insert_proportion, 0.05);
  EXPECT_EQ(SpecFor("ycsb").key_distribution, "uniform");
}

TEST(SpecFieldsTest, DescribeRoundTripsThroughSet) {
  WorkloadSpec s = SpecFor("session-window");
  s.zipf_theta = 0.123456789;
  s.op.join_lower_ms = -42;
  s.ycsb.read_all_fields = false;
  WorkloadSpec back;
  for (const auto& [name, value] : DescribeWorkloadSpec(s)) {
    ASSERT_TRUE(SetWorkloadSpecField(&back, name, value).ok()) << name;
  }
  EXPECT_EQ(DescribeWorkloadSpec(back), DescribeWorkloadSpec(s));
  EXPECT_DOUBLE_EQ(back.zipf_theta, 0.123456789);
  EXPECT_FALSE(SetWorkloadSpecField(&back, "key_count", "-1").ok());
  EXPECT_FALSE(SetWorkloadSpecField(&back, "key_count", "12x").ok());
  EXPECT_FALSE(SetWorkloadSpecField(&back, "zipf_theta", "nan").ok());
  EXPECT_FALSE(SetWorkloadSpecField(&back, "nope", "1").ok());
}

}  // namespace
}  // namespace statebench
