#include "workloads/workload_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tests/workloads/test_util.h"

namespace statebench {
namespace {

using testing::SourceDir;

std::string Example(const std::string& name) {
  return SourceDir() + "/workloads/examples/" + name;
}

class ExampleFileTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ExampleFileTest, LoadsAndCreatesItsWorkload) {
  Result<WorkloadFile> f = LoadWorkloadFile(Example(GetParam()));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  Result<std::unique_ptr<Workload>> w = CreateWorkload(f->spec);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE(f->run.backends.has_value());
  EXPECT_FALSE(f->run.backends->empty());
  EXPECT_TRUE(f->run.measure_s.has_value());
  EXPECT_TRUE(f->run.checkpoint_interval_ms.has_value());
  EXPECT_TRUE(f->spec_fields_set.count("name"));
}

INSTANTIATE_TEST_SUITE_P(
    Examples, ExampleFileTest,
    ::testing::Values("keyed-aggregation.yaml", "tumbling-window.yaml",
                      "sliding-window.yaml", "session-window.yaml",
                      "interval-join.yaml", "dedup-ttl.yaml", "ycsb-a.yaml",
                      "flink-map.yaml"),
    [](const auto& info) {
      std::string n = info.param.substr(0, info.param.find('.'));
      for (char& c : n) c = c == '-' ? '_' : c;
      return n;
    });

TEST(WorkloadFileTest, ExampleValuesArrive) {
  Result<WorkloadFile> agg =
      LoadWorkloadFile(Example("keyed-aggregation.yaml"));
  ASSERT_TRUE(agg.ok());
  EXPECT_EQ(agg->spec.key_count,
            static_cast<uint64_t>(std::ceil((1ull << 30) / 116.0)));
  EXPECT_TRUE(agg->spec_fields_set.count("key_count"));
  EXPECT_FALSE(agg->spec_fields_set.count("read_fraction"));
  EXPECT_EQ(*agg->run.parallelism, 2);
  EXPECT_EQ(*agg->run.repetitions, 3);
  EXPECT_EQ(*agg->run.checkpoint_type, "incremental");
  EXPECT_EQ(*agg->run.backends,
            (std::vector<std::string>{"memory", "rocksdb"}));

  Result<WorkloadFile> tw = LoadWorkloadFile(Example("tumbling-window.yaml"));
  ASSERT_TRUE(tw.ok());
  EXPECT_EQ(tw->spec.event_time.allowed_lateness_ms, 500u);
  EXPECT_EQ(tw->spec.key_distribution, "hotspot");
  EXPECT_DOUBLE_EQ(*tw->run.rate, 200000);
  EXPECT_TRUE(tw->spec_fields_set.count("event_time.allowed_lateness_ms"));

  Result<WorkloadFile> ycsb = LoadWorkloadFile(Example("ycsb-a.yaml"));
  ASSERT_TRUE(ycsb.ok()) << ycsb.status().ToString();
  EXPECT_EQ(ycsb->spec.name, "ycsb");
  EXPECT_EQ(ycsb->spec.key_count, 100000u);  // the YAML overrides the file
  EXPECT_EQ(ycsb->spec.run_events, 0u);
  EXPECT_DOUBLE_EQ(ycsb->spec.ycsb.update_proportion, 0.5);
  EXPECT_EQ(ycsb->spec.key_distribution, "zipfian");

  Result<WorkloadFile> flink = LoadWorkloadFile(Example("flink-map.yaml"));
  ASSERT_TRUE(flink.ok());
  EXPECT_EQ(flink->spec.key_count, 500000u);  // the preset's default
  EXPECT_EQ(flink->run.backend_options["rocksdb"]["block_cache_size"],
            "256MiB");
  EXPECT_EQ(*flink->run.checkpoint_interval_ms, 0u);
}

struct ErrorCase {
  std::string yaml;
  std::string expect;  // prefix of the message
};

class WorkloadFileErrorTest : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(WorkloadFileErrorTest, NamesFileLineAndColumn) {
  Result<WorkloadFile> f = ParseWorkloadFile(GetParam().yaml, "t.yaml", ".");
  ASSERT_FALSE(f.ok()) << GetParam().yaml;
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.status().message().rfind(GetParam().expect, 0), 0u)
      << f.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, WorkloadFileErrorTest,
    ::testing::Values(
        ErrorCase{"workload:\n  name: value-rw\nwrkload: {}\n",
                  "t.yaml:3:1: unknown key 'wrkload'"},
        ErrorCase{"workload:\n  name: tumbling-window\n  event_time:\n"
                  "    lateness: 5\n",
                  "t.yaml:4:5: unknown key 'lateness' in workload.event_time"},
        ErrorCase{"workload:\n  key_count: -5\n",
                  "t.yaml:2:14: field 'key_count'"},
        ErrorCase{"workload:\n  event_time: 5\n",
                  "t.yaml:2:15: 'event_time' must be a mapping"},
        ErrorCase{"workload:\n  seed: [1, 2]\n",
                  "t.yaml:2:9: 'seed' must be a single value"},
        ErrorCase{"workload: [unclosed\n", "t.yaml:"},
        ErrorCase{"workload:\n  name: value-rw\n  zipf_theta: 1.5\n",
                  "t.yaml:3:15: workload field 'zipf_theta' must be within"},
        ErrorCase{"workload:\n  name: nope\n",
                  "t.yaml:2:9: unknown workload 'nope'"},
        ErrorCase{"checkpoint:\n  type: partial\n",
                  "t.yaml:2:9: 'type' must be full or incremental"},
        ErrorCase{"run:\n  parallelism: 0\n",
                  "t.yaml:2:16: 'parallelism' must be an integer within [1, "
                  "32768]"},
        ErrorCase{"run:\n  measure_s: fast\n", "t.yaml:2:14: 'measure_s'"},
        ErrorCase{"run:\n  backends: {a: 1}\n", "t.yaml:2:13: 'backends'"},
        ErrorCase{"workload:\n  seed: 1\n  seed: 2\n",
                  "t.yaml:3:3: duplicate key 'seed'"},
        ErrorCase{"workload:\n  key_count: 10\n  state_size: 1MiB\n",
                  "t.yaml:3:15: give either state_size or key_count"},
        ErrorCase{"workload:\n  name: session-window\n  state_size: 1MiB\n",
                  "t.yaml:3:15: state_size does not apply"},
        ErrorCase{"workload:\n  state_size: lots\n",
                  "t.yaml:2:15: 'lots' is not a size"},
        ErrorCase{"workload:\n  ycsb_properties: no/such/file\n",
                  "t.yaml:2:20: ycsb_properties:"},
        ErrorCase{"- just\n- a list\n",
                  "t.yaml:1:1: a workload file is a mapping"},
        ErrorCase{"workload:\n  ycsb:\n    read_all_fields: maybe\n",
                  "t.yaml:3:22: field 'ycsb.read_all_fields'"}));

TEST(ByteSizeTest, Units) {
  EXPECT_EQ(*ParseByteSize("4096"), 4096u);
  EXPECT_EQ(*ParseByteSize("64MiB"), 64u << 20);
  EXPECT_EQ(*ParseByteSize("1.5GiB"), 3ull << 29);
  EXPECT_EQ(*ParseByteSize("100MB"), 100000000u);
  EXPECT_EQ(*ParseByteSize("2 KiB"), 2048u);
  EXPECT_FALSE(ParseByteSize("12 parsecs").ok());
  EXPECT_FALSE(ParseByteSize("-1MiB").ok());
  EXPECT_FALSE(ParseByteSize("").ok());
}

}  // namespace
}  // namespace statebench
