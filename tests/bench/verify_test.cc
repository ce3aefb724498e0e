#include "bench/verify/verify.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <vector>

#include "base/file_util.h"
#include "tests/bench/faulty_backends.h"

namespace statebench {
namespace {

using testing::Fault;
using testing::FaultJournal;
using testing::FaultyRegistry;

VerifyConfig InProcessConfig(const std::string& backend) {
  VerifyConfig c;
  c.in_process = true;
  c.cycles = 4;
  c.seed = 11;
  c.min_kill_s = 0.3;  // several checkpoints at a 50 ms interval
  c.max_kill_s = 0.5;
  c.run.backend = backend;
  c.run.workload.key_count = 3000;
  c.run.workload.read_fraction = 0.2;
  c.run.warmup_s = 0;
  c.run.checkpoint.interval_ms = 50;
  c.run.parallelism = 2;
  return c;
}

TEST(VerifyTest, CorrectBackendIsExactlyOnceInEveryCycle) {
  auto journal = std::make_shared<FaultJournal>();
  BackendRegistry registry = FaultyRegistry(Fault::kDropKey, journal);
  VerifyConfig c = InProcessConfig("memory");
  Result<VerifyReport> r = RunCrashVerification(c, BackendRegistry::Default(),
                                                [](const std::string&) {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->cycles.size(), 4u);
  EXPECT_TRUE(r->kept_dir.empty()) << "a cycle that passed kept its files";
  for (const CycleResult& cycle : r->cycles) {
    EXPECT_TRUE(cycle.verdict.exactly_once())
        << "cycle " << cycle.cycle << ": lost " << cycle.verdict.lost
        << " resurrected " << cycle.verdict.resurrected << " wrong "
        << cycle.verdict.wrong;
    EXPECT_GT(cycle.verdict.checked, 1000u);
    EXPECT_GE(cycle.checkpoints_reported, 2);
  }
  EXPECT_EQ(r->ToJson()["verdict"], "exactly-once");
}

struct FaultCase {
  Fault fault;
  const char* name;
  // Which counter must be non-zero in every cycle.
  uint64_t StateVerdict::*counter;
};

class FaultyBackendTest : public ::testing::TestWithParam<FaultCase> {};

// Every cycle whose restored state the fault changed is caught. A cycle can
// lack material for the fault (a resurrection needs a write after the
// barrier, which a subtask starved of CPU between barrier and kill does not
// make); at least two cycles in three must have it. Six cycles: with four,
// two starved cycles on a loaded machine (the ASan stage runs two tests at
// once) left too few to judge.
TEST_P(FaultyBackendTest, CheckerCatchesTheFaultInEveryCycle) {
  auto journal = std::make_shared<FaultJournal>();
  BackendRegistry registry = FaultyRegistry(GetParam().fault, journal);
  VerifyConfig c = InProcessConfig("faulty");
  c.cycles = 6;
  // Progress comes once per cycle, after the cycle's restores.
  std::vector<int> injected;
  int before = 0;
  Result<VerifyReport> r =
      RunCrashVerification(c, registry, [&](const std::string&) {
        std::lock_guard<std::mutex> lock(journal->mu);
        injected.push_back(journal->injected - before);
        before = journal->injected;
      });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->cycles.size(), 6u);
  ASSERT_EQ(injected.size(), 6u);
  EXPECT_GE(std::count_if(injected.begin(), injected.end(),
                          [](int n) { return n > 0; }),
            4)
      << "the fault had material in fewer than 4 of 6 cycles";
  for (const CycleResult& cycle : r->cycles) {
    ASSERT_GE(cycle.checkpoints_reported, 2) << "cycle " << cycle.cycle;
    if (injected[static_cast<size_t>(cycle.cycle)] == 0) continue;
    EXPECT_FALSE(cycle.verdict.exactly_once()) << "cycle " << cycle.cycle;
    EXPECT_GT(cycle.verdict.*(GetParam().counter), 0u)
        << GetParam().name << " not seen in cycle " << cycle.cycle << " (lost "
        << cycle.verdict.lost << ", resurrected " << cycle.verdict.resurrected
        << ", wrong " << cycle.verdict.wrong << ")";
  }
  EXPECT_EQ(r->ToJson()["verdict"], "failed");
  EXPECT_FALSE(r->total.examples.empty());
  // The first failed cycle keeps its files for a post-mortem.
  ASSERT_FALSE(r->kept_dir.empty());
  EXPECT_TRUE(std::filesystem::is_directory(r->kept_dir + "/checkpoints"))
      << r->kept_dir;
  EXPECT_TRUE(RemoveTree(r->kept_dir).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Faults, FaultyBackendTest,
    ::testing::Values(
        FaultCase{Fault::kDropKey, "lost", &StateVerdict::lost},
        FaultCase{Fault::kResurrect, "resurrected", &StateVerdict::resurrected},
        FaultCase{Fault::kFlipValue, "wrong", &StateVerdict::wrong},
        // An older checkpoint holds values later overwritten
        // before the barrier: wrong values.
        FaultCase{Fault::kOlderCheckpoint, "wrong", &StateVerdict::wrong}),
    [](const ::testing::TestParamInfo<FaultCase>& info) {
      switch (info.param.fault) {
        case Fault::kDropKey:
          return std::string("DropsAKey");
        case Fault::kResurrect:
          return std::string("ResurrectsAWrite");
        case Fault::kFlipValue:
          return std::string("FlipsAValue");
        case Fault::kOlderCheckpoint:
          return std::string("RestoresAnOlderCheckpoint");
      }
      return std::string("Unknown");
    });

TEST(VerifyTest, HandleJsonRoundTripKeepsInlineBinaryData) {
  CheckpointHandle h;
  h.backend = "memory";
  h.checkpoint_id = 7;
  h.key_groups = {3, 9};
  h.max_parallelism = 128;
  std::string blob("\0\x01\xff\x80 binary", 12);
  h.inline_data = std::make_shared<const std::string>(blob);
  h.metadata["file"] = "chk-7/kg-3-9";
  Result<CheckpointHandle> back = HandleFromJson(HandleToJson(h));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back->inline_data, blob);
  EXPECT_EQ(back->key_groups, h.key_groups);
  EXPECT_EQ(back->metadata, h.metadata);
}

}  // namespace
}  // namespace statebench
