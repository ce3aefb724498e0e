#include "advisor/measurements.h"

#include <gtest/gtest.h>

#include "tests/advisor/synthetic_results.h"

namespace statebench::advisor {
namespace {

using testing::StandardResults;

std::vector<std::string> Labels(const std::vector<BackendMeasurement>& ms) {
  std::vector<std::string> out;
  for (const BackendMeasurement& m : ms) out.push_back(m.label);
  return out;
}

TEST(MeasurementsTest, LabelsTellConfigurationsApartWithFewestOptions) {
  Result<std::vector<BackendMeasurement>> ms =
      CollectMeasurements({StandardResults()});
  ASSERT_TRUE(ms.ok());
  // redis runs differ in mode and batch; mode alone tells them apart.
  EXPECT_EQ(
      Labels(*ms),
      (std::vector<std::string>{
          "memory", "fs", "rocksdb", "rocksdb[checkpoint=incremental]",
          "redis[mode=buffered]", "redis[mode=write-through]", "postgres"}));
}

// Two compare runs against two spawned servers: the same configuration,
// different addresses. One group, labelled by configuration only; a run
// that recorded no mode shows none (never "mode=-").
TEST(MeasurementsTest, ServerAddressesAreNotConfiguration) {
  ResultsFile a = StandardResults(), b = StandardResults();
  RunResult* ra = testing::FindRun(&a, "redis", "buffered");
  RunResult* rb = testing::FindRun(&b, "redis", "buffered");
  ra->backend_options = {{"uri", "redis://127.0.0.1:34219/0"},
                         {"server_pid", "1471"}};
  rb->backend_options = {{"uri", "redis://127.0.0.1:41000/0"},
                         {"server_pid", "2290"}};
  Result<std::vector<BackendMeasurement>> ms = CollectMeasurements({a, b});
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(Labels(*ms),
            (std::vector<std::string>{
                "memory", "fs", "rocksdb", "rocksdb[checkpoint=incremental]",
                "redis", "redis[mode=write-through]", "postgres"}));
  EXPECT_EQ((*ms)[4].runs_merged, 2);
}

TEST(MeasurementsTest, SameConfigurationInTwoFilesIsMerged) {
  ResultsFile a = StandardResults(), b = StandardResults();
  testing::SetMetric(testing::FindRun(&b, "fs"), "throughput.events_per_s",
                     1e6);
  Result<std::vector<BackendMeasurement>> ms = CollectMeasurements({a, b});
  ASSERT_TRUE(ms.ok());
  ASSERT_EQ(ms->size(), 7u);
  const BackendMeasurement& fs = (*ms)[1];
  EXPECT_EQ(fs.label, "fs");
  EXPECT_EQ(fs.runs_merged, 2);
  EXPECT_EQ(fs.repetitions, 6);
  EXPECT_EQ(fs.summary.at("throughput.events_per_s").samples.size(), 6u);
  // Samples 1.862M 1.9M 1.938M 0.98M 1M 1.02M: median between the sets.
  EXPECT_NEAR(*fs.Median("throughput.events_per_s"),
              (1e6 * 1.02 + 1.9e6 * 0.98) / 2, 1);
  EXPECT_EQ(fs.checkpoint_spacing_s, 1.0);
  EXPECT_DOUBLE_EQ(*fs.logical_write_bytes_per_s, 10 * testing::kMiB);
}

// A sweep describes the configurations it measured: its largest size gives
// the summary (not a median over sizes), the curves come from all sizes,
// and a single point of the same configuration in another file keeps only
// its verification verdict.
TEST(MeasurementsTest, ASweepDescribesTheConfigurationsItMeasured) {
  ResultsFile point = StandardResults();
  testing::FindRun(&point, "fs")->verification = {{"verdict", "exactly-once"},
                                                  {"cycles", 3}};
  ResultsFile sweep;
  for (double mib : {16.0, 64.0, 256.0}) {
    ResultsFile one = StandardResults();
    RunResult fs = *testing::FindRun(&one, "fs");
    fs.verification = nullptr;
    testing::SetMetric(&fs, "throughput.events_per_s", 4e6 / mib);
    fs.extra["sweep"] = {{"state_bytes", mib * testing::kMiB},
                         {"state_bytes_per_subtask", mib * testing::kMiB}};
    sweep.runs.push_back(fs);
  }
  sweep.curves = {{"backends",
                   {{"fs",
                     {{"throughput.events_per_s",
                       {{"points",
                         {{16 * testing::kMiB, 250000.0},
                          {64 * testing::kMiB, 62500.0},
                          {256 * testing::kMiB, 15625.0}}}}}}}}}};
  Result<std::vector<BackendMeasurement>> ms =
      CollectMeasurements({point, sweep});
  ASSERT_TRUE(ms.ok());
  const BackendMeasurement* fs = nullptr;
  for (const BackendMeasurement& m : *ms) {
    if (m.label == "fs") fs = &m;
  }
  ASSERT_NE(fs, nullptr);
  EXPECT_EQ(fs->runs_merged, 1);
  EXPECT_NEAR(*fs->Median("throughput.events_per_s"), 4e6 / 256, 1);
  EXPECT_EQ(fs->verification.value("verdict", ""), "exactly-once");
  EXPECT_DOUBLE_EQ(fs->largest_per_subtask_bytes, 256 * testing::kMiB);
  ASSERT_TRUE(fs->curves.count("throughput.events_per_s"));
  const CostModel& m = fs->curves.at("throughput.events_per_s");
  EXPECT_EQ(m.kind, CostModelKind::kPower);
  EXPECT_NEAR(m.Predict(1024 * testing::kMiB), 3906.25, 1);
}

// A sweep's cache-curve steps are neither configurations of their own
// (their block cache differs) nor points of the ladder: the advisor sees
// one rocksdb configuration, summarised at the largest size.
TEST(MeasurementsTest, CacheCurveStepsAreNotConfigurations) {
  ResultsFile sweep;
  for (double mib : {64.0, 256.0, 1024.0}) {
    ResultsFile one = StandardResults();
    RunResult rocks = *testing::FindRun(&one, "rocksdb", "", "full");
    testing::SetMetric(&rocks, "throughput.events_per_s", 4e6 / mib);
    rocks.extra["sweep"] = {{"state_bytes", mib * testing::kMiB},
                            {"state_bytes_per_subtask", mib * testing::kMiB}};
    sweep.runs.push_back(rocks);
    if (mib == 256.0) {
      RunResult step = rocks;
      step.backend_options["block_cache_size"] = "512MiB";
      step.extra["sweep"]["cache_curve"] = true;
      testing::SetMetric(&step, "throughput.events_per_s", 1);
      sweep.runs.push_back(step);
    }
  }
  Result<std::vector<BackendMeasurement>> ms = CollectMeasurements({sweep});
  ASSERT_TRUE(ms.ok());
  int rocksdb = 0;
  for (const BackendMeasurement& m : *ms) {
    if (m.name != "rocksdb") continue;
    ++rocksdb;
    EXPECT_NEAR(*m.Median("throughput.events_per_s"), 4e6 / 1024, 1) << m.label;
  }
  EXPECT_EQ(rocksdb, 1);
}

TEST(MeasurementsTest, FailedVerificationWinsWhenMerging) {
  ResultsFile a = StandardResults(), b = StandardResults();
  testing::FindRun(&a, "postgres")->verification = {
      {"verdict", "exactly-once"}};
  testing::FindRun(&b, "postgres")->verification = {{"verdict", "failed"},
                                                    {"lost", 2}};
  Result<std::vector<BackendMeasurement>> ms = CollectMeasurements({a, b});
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms->back().verification["verdict"], "failed");
}

TEST(MeasurementsTest, FailedRunKeepsItsReasonAndNoFigures) {
  ResultsFile f = StandardResults();
  RunResult* pg = testing::FindRun(&f, "postgres");
  pg->status = RunStatus::kFailed;
  pg->failure_phase = "load";
  pg->failure_reason = "Unavailable: server closed the connection";
  Result<std::vector<BackendMeasurement>> ms = CollectMeasurements({f});
  ASSERT_TRUE(ms.ok());
  const BackendMeasurement& m = ms->back();
  EXPECT_FALSE(m.ok);
  EXPECT_EQ(m.failure, "load: Unavailable: server closed the connection");
  EXPECT_TRUE(m.summary.empty());
}

TEST(MeasurementsTest, NoRunsIsAnError) {
  Result<std::vector<BackendMeasurement>> ms =
      CollectMeasurements({ResultsFile{}});
  ASSERT_FALSE(ms.ok());
  EXPECT_EQ(ms.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace statebench::advisor
