#include "workloads/ycsb.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/workloads/test_util.h"
#include "workloads/distributions.h"

namespace statebench {
namespace {

using testing::Drain;
using testing::SourceDir;
using testing::SpecFor;

std::string ExampleFile(char letter) {
  return SourceDir() + "/workloads/examples/ycsb/workload" + letter;
}

class YcsbFileTest : public ::testing::TestWithParam<char> {};

TEST_P(YcsbFileTest, CoreWorkloadFileMatchesPreset) {
  const char letter = GetParam();
  Result<YcsbPropertyFile> file =
      LoadYcsbPropertyFile(ExampleFile(letter), SpecFor("ycsb"));
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_TRUE(file->notes.empty()) << file->notes.front();
  const WorkloadSpec& got = file->spec;
  const WorkloadSpec want = SpecFor(std::string("ycsb-") + letter);
  EXPECT_EQ(got.name, "ycsb");
  EXPECT_EQ(got.key_count, 1000u);
  EXPECT_EQ(got.run_events, 1000u);
  EXPECT_EQ(got.key_distribution, want.key_distribution);
  EXPECT_DOUBLE_EQ(got.ycsb.read_proportion, want.ycsb.read_proportion);
  EXPECT_DOUBLE_EQ(got.ycsb.update_proportion, want.ycsb.update_proportion);
  EXPECT_DOUBLE_EQ(got.ycsb.insert_proportion, want.ycsb.insert_proportion);
  EXPECT_DOUBLE_EQ(got.ycsb.scan_proportion, want.ycsb.scan_proportion);
  EXPECT_DOUBLE_EQ(got.ycsb.read_modify_write_proportion,
                   want.ycsb.read_modify_write_proportion);
  EXPECT_EQ(got.ycsb.read_all_fields, true);
  EXPECT_EQ(got.ycsb.field_count, 10u);
  EXPECT_EQ(got.ycsb.field_length, 100u);
  if (letter == 'e') {
    EXPECT_EQ(got.ycsb.max_scan_length, 100u);
    EXPECT_EQ(want.ycsb.max_scan_length, 100u);
  }
  // The file runs as it is.
  Result<std::unique_ptr<Workload>> w = CreateWorkload(got);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto run = (*w)->RunPhase(nullptr);
  EXPECT_FALSE(Drain(run.get()).empty());
}

INSTANTIATE_TEST_SUITE_P(AtoF, YcsbFileTest,
                         ::testing::Values('a', 'b', 'c', 'd', 'e', 'f'));

TEST(YcsbPropertiesTest, SyntaxVariantsAndNotes) {
  const std::string text =
      "# comment\n"
      "! also a comment\n"
      "recordcount = 50\n"
      "operationcount: 70\n"
      "fieldcount 3\n"
      "readproportion=0.\\\n"
      "  5\n"
      "updateproportion=0.5\n"
      "threadcount=8\n"
      "myproperty=1\n"
      "insertorder=ordered\n"
      "zeropadding=6\n"
      "readallfields=FALSE\n";
  Result<YcsbPropertyFile> f =
      ParseYcsbProperties(text, "w.props", SpecFor("ycsb"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->spec.key_count, 50u);
  EXPECT_EQ(f->spec.run_events, 70u);
  EXPECT_EQ(f->spec.ycsb.field_count, 3u);
  EXPECT_DOUBLE_EQ(f->spec.ycsb.read_proportion, 0.5);
  EXPECT_TRUE(f->spec.ycsb.ordered_inserts);
  EXPECT_FALSE(f->spec.ycsb.read_all_fields);
  EXPECT_EQ(f->spec.key_distribution, "uniform");  // CoreWorkload's default
  ASSERT_EQ(f->notes.size(), 2u);
  EXPECT_NE(f->notes[0].find("w.props:9: property 'threadcount'"),
            std::string::npos)
      << f->notes[0];
  EXPECT_NE(f->notes[1].find("w.props:10: property 'myproperty'"),
            std::string::npos)
      << f->notes[1];
  // Ordered inserts and padding give YCSB's key names.
  auto w = CreateWorkload(f->spec);
  ASSERT_TRUE(w.ok());
  auto load = (*w)->LoadPhase(nullptr);
  std::vector<Op> ops = Drain(load.get());
  ASSERT_EQ(ops.size(), 150u);
  EXPECT_EQ(ops[0].key, "user000000");
  EXPECT_EQ(ops[3].key, "user000001");
  EXPECT_EQ(ops[2].user_key, "field2");
}

TEST(YcsbPropertiesTest, BadValuesNameFileAndLine) {
  struct Case {
    std::string text;
    std::string expect;
  };
  const Case cases[] = {
      {"recordcount=10\nreadproportion=abc\n",
       "f:2: property 'readproportion'"},
      {"requestdistribution=gaussian\n", "f:1: property 'requestdistribution'"},
      {"\n\nfieldlengthdistribution=histogram\n",
       "f:3: fieldlengthdistribution=histogram"},
      {"workload=site.ycsb.workloads.RestWorkload\n",
       "f:1: property 'workload'"},
      {"recordcount=0\n", "f:1: property 'recordcount'"},
      {"readallfields=yes\n", "f:1: property 'readallfields'"},
      {"insertorder=random\n", "f:1: property 'insertorder'"},
      {"readproportion=0\nupdateproportion=0\n", "f:2: workload field"},
  };
  for (const Case& c : cases) {
    Result<YcsbPropertyFile> f =
        ParseYcsbProperties(c.text, "f", SpecFor("ycsb"));
    ASSERT_FALSE(f.ok()) << c.text;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(f.status().message().rfind(c.expect, 0), 0u)
        << f.status().message();
  }
  EXPECT_FALSE(
      LoadYcsbPropertyFile("/nonexistent/workloadz", SpecFor("ycsb")).ok());
}

std::vector<Op> RunEvents(WorkloadSpec spec, uint64_t events) {
  spec.run_events = events;
  auto w = CreateWorkload(spec);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  auto source = (*w)->RunPhase(nullptr);
  return Drain(source.get());
}

TEST(YcsbWorkloadTest, WorkloadAMixesReadsAndSingleFieldUpdates) {
  WorkloadSpec spec = SpecFor("ycsb-a");
  spec.key_count = 1000;
  std::vector<Op> ops = RunEvents(spec, 20000);
  ASSERT_EQ(ops.size(), 20000u);  // one op per event
  uint64_t scans = 0;
  for (const Op& op : ops) {
    if (op.type == OpType::kMapScan) {
      ++scans;
      EXPECT_TRUE(op.user_key.empty() && op.scan_to.empty());
    } else {
      ASSERT_EQ(op.type, OpType::kMapPut);
      EXPECT_EQ(op.value.size(), 100u);
      EXPECT_EQ(op.user_key.rfind("field", 0), 0u);
    }
  }
  EXPECT_NEAR(scans / 20000.0, 0.5, 0.02);
}

TEST(YcsbWorkloadTest, WorkloadEScansUpTo100Records) {
  WorkloadSpec spec = SpecFor("ycsb-e");
  spec.key_count = 5000;
  std::vector<Op> ops = RunEvents(spec, 4000);
  std::map<uint64_t, int> reads_per_event;
  uint64_t insert_puts = 0;
  for (const Op& op : ops) {
    if (op.type == OpType::kMapScan) ++reads_per_event[op.event_index];
    if (op.type == OpType::kMapPut) ++insert_puts;
  }
  double sum = 0;
  int longest = 0;
  for (const auto& [event, n] : reads_per_event) {
    sum += n;
    longest = std::max(longest, n);
  }
  EXPECT_LE(longest, 100);
  EXPECT_GE(longest, 90);
  EXPECT_NEAR(sum / reads_per_event.size(), 50.5, 3);  // uniform in [1, 100]
  EXPECT_NEAR(static_cast<double>(reads_per_event.size()) / 4000, 0.95, 0.02);
  EXPECT_EQ(insert_puts % 10, 0u);  // whole records
}

TEST(YcsbWorkloadTest, WorkloadDReadsFavourRecentInserts) {
  WorkloadSpec spec = SpecFor("ycsb-d");
  spec.key_count = 1000;
  std::vector<Op> ops = RunEvents(spec, 20000);
  std::map<std::string, uint64_t> keynum;
  std::string key;
  for (uint64_t i = 0; i < spec.key_count; ++i) {
    MakeYcsbKeyInto(i, 1, true, &key);
    keynum[key] = i;
  }
  uint64_t records = spec.key_count, recent_reads = 0, reads = 0;
  for (const Op& op : ops) {
    if (op.type == OpType::kMapPut) {
      if (!keynum.count(op.key)) keynum[op.key] = records++;
      continue;
    }
    ASSERT_EQ(op.type, OpType::kMapScan);
    ASSERT_TRUE(keynum.count(op.key)) << "read of a record never inserted";
    ++reads;
    recent_reads += keynum[op.key] + 100 >= records;
  }
  EXPECT_GT(records, spec.key_count + 900);  // ~5% of 20000 inserted
  // Zipfian from the newest back: the newest 100 of ~1000-2000 records get
  // about zeta(100) / zeta(n) of the reads; uniform would give under 10%.
  EXPECT_GT(static_cast<double>(recent_reads) / reads, 0.6);
}

TEST(YcsbWorkloadTest, WorkloadFReadModifyWriteIsReadThenPutOfSameRecord) {
  WorkloadSpec spec = SpecFor("ycsb-f");
  spec.key_count = 1000;
  std::vector<Op> ops = RunEvents(spec, 5000);
  uint64_t rmw = 0;
  for (size_t i = 0; i + 1 < ops.size(); ++i) {
    if (ops[i].type == OpType::kMapScan && ops[i + 1].type == OpType::kMapPut) {
      EXPECT_EQ(ops[i].event_index, ops[i + 1].event_index);
      EXPECT_EQ(ops[i].key, ops[i + 1].key);
      ++rmw;
    }
  }
  EXPECT_NEAR(rmw / 5000.0, 0.5, 0.03);
}

TEST(YcsbWorkloadTest, LoadWritesWholeRecords) {
  WorkloadSpec spec = SpecFor("ycsb-c");
  spec.key_count = 20;
  auto w = CreateWorkload(spec);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->States()[0].name, "usertable");
  EXPECT_EQ((*w)->States()[0].kind, WorkloadStateKind::kMap);
  auto load = (*w)->LoadPhase(nullptr);
  std::vector<Op> ops = Drain(load.get());
  ASSERT_EQ(ops.size(), 200u);
  std::set<std::string> keys;
  for (size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i].type, OpType::kMapPut);
    EXPECT_EQ(ops[i].user_key, "field" + std::to_string(i % 10));
    EXPECT_EQ(ops[i].event_index, i / 10);
    EXPECT_EQ(ops[i].value.size(), 100u);
    keys.insert(ops[i].key);
  }
  EXPECT_EQ(keys.size(), 20u);
}

}  // namespace
}  // namespace statebench
