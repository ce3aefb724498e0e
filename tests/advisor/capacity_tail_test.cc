// The capacity plan reads the figures that bound it: the tail of the
// checkpoint distribution, not its median, and a restore rate per byte of
// state restored, not per byte read.
#include <gtest/gtest.h>

#include "advisor/capacity.h"
#include "advisor/measurements.h"
#include "tests/advisor/synthetic_results.h"

namespace statebench::advisor {
namespace {

using testing::Around;
using testing::kMiB;
using testing::MakeRun;
using testing::RocksDb;

Profile SmallProfile() {
  Profile p;
  p.name = "test";
  p.state_size_bytes = 64 * kMiB;
  p.key_count = 1e6;
  p.value_size_bytes = 64;
  p.event_rate = 1e4;
  p.checkpoint_interval_s = 1;
  return p;
}

Facts FactsFor(const RunResult& run) {
  ResultsFile f;
  f.runs.push_back(run);
  Result<std::vector<BackendMeasurement>> ms = CollectMeasurements({f});
  EXPECT_TRUE(ms.ok());
  EXPECT_EQ(ms->size(), 1u);
  Profile p = SmallProfile();
  return BackendFacts(p, ProfileFacts(p), ms->front());
}

double Number(const Facts& f, const char* name) {
  const Value& v = FactOrMissing(f, name);
  EXPECT_TRUE(v.present()) << name << ": " << v.missing_reason;
  return v.number;
}

// About one incremental checkpoint in four follows a compaction and uploads
// much of the state: 0.6 MiB in 20 ms at the median, 400 MiB in 2.2 s at
// p90. The plan must expect the latter.
TEST(CapacityTailTest, CheckpointsArePlannedFromTheirTail) {
  RunResult run = MakeRun(RocksDb(true));
  run.summary["checkpoint.median_size_bytes"] = Around(0.6 * kMiB);
  run.summary["checkpoint.median_end_to_end_ms"] = Around(20);
  Facts median_only = FactsFor(run);
  run.summary["checkpoint.p90_size_bytes"] = Around(400 * kMiB);
  run.summary["checkpoint.p90_end_to_end_ms"] = Around(2200);
  run.summary["checkpoint.max_end_to_end_ms"] = Around(2500);
  Facts tail = FactsFor(run);
  EXPECT_NEAR(Number(tail, "derived.checkpoint_rate"), 400 * kMiB / 2.2,
              400 * kMiB / 2.2 * 1e-6);
  EXPECT_GT(Number(tail, "derived.checkpoint_size"),
            50 * Number(median_only, "derived.checkpoint_size"));
  EXPECT_GT(Number(tail, "derived.checkpoint_duration"),
            Number(median_only, "derived.checkpoint_duration"));
}

// A hard-linked restore read 12 kB for 7 MiB of state in 60 ms: 117 MiB/s
// of state, not 200 kB/s.
TEST(CapacityTailTest, RestoreRateIsPerByteOfStateRestored) {
  RunResult run = MakeRun(RocksDb(true));
  run.summary["restore.duration_ms"] = Around(60);
  run.summary["restore.bytes_read_bytes"] = Around(12e3);
  // The rate per byte read, as results recorded it before the state bytes.
  run.summary["restore.bytes_per_s"] = Around(12e3 / 0.06);
  run.summary["restore.state_bytes"] = Around(7 * kMiB);
  Facts f = FactsFor(run);
  EXPECT_NEAR(Number(f, "derived.restore_rate"), 7 * kMiB / 0.06,
              7 * kMiB / 0.06 * 1e-6);
  // 64 MiB at that rate: well under a second, not days.
  EXPECT_LT(Number(f, "derived.restore_time"), 5);
}

}  // namespace
}  // namespace statebench::advisor
