// `statebench compare -o F` killed with SIGKILL at random moments never
// leaves an F that does not parse, and never damages an F that a finished
// earlier run wrote: the results file is rewritten atomically after every
// backend (bench/cli/cmd_run.cc, SaveResultsFile).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "reports/results/results.h"
#include "tests/test_process.h"

namespace statebench::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> CompareCommand(const std::string& output) {
  return {STATEBENCH_BINARY,
          "compare",
          "--backends",
          "memory,fs,rocksdb",
          "--keys",
          "2000",
          "--duration",
          "0.1",
          "--warmup",
          "0",
          "-r",
          "1",
          "--checkpoint-interval",
          "30",
          "-q",
          "-o",
          output};
}

class ResultsKillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/statebench-kill-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string dir_;
};

TEST_F(ResultsKillTest, KilledCompareLeavesNoResultsFileThatDoesNotParse) {
  // A complete run first: a valid file to overwrite, and the run's length.
  const std::string complete = dir_ + "/complete.json";
  ProcessResult full =
      RunProcess(CompareCommand(complete), dir_ + "/capture", 120);
  ASSERT_EQ(full.exit_code, 0) << full.err;
  Result<ResultsFile> reference = LoadResultsFile(complete);
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  ASSERT_EQ(reference->runs.size(), 3u);
  const double run_seconds = full.seconds;

  // Kill moments spread over the whole run (one random point in each of N
  // equal slices), so the kills land in every phase, including the
  // moments a backend's results are being written.
  constexpr int kKills = 20;
  std::mt19937_64 rng(20261124);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int existed_after = 0, kept_old = 0;
  for (int i = 0; i < kKills; ++i) {
    const bool preexisting = i % 2 == 1;
    const std::string output = dir_ + "/results-" + std::to_string(i) + ".json";
    if (preexisting) fs::copy_file(complete, output);
    const double delay = (i + unit(rng)) / kKills * run_seconds;
    SCOPED_TRACE("kill " + std::to_string(i) + " after " +
                 std::to_string(delay) + " s" +
                 (preexisting ? " (over a valid file)" : ""));

    ChildProcess child;
    ASSERT_TRUE(child.Start(CompareCommand(output), dir_ + "/capture"));
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    ProcessResult r = child.Kill();
    ASSERT_TRUE(r.signal == SIGKILL || r.exit_code == 0) << r.err;

    if (!fs::exists(output)) {
      EXPECT_FALSE(preexisting) << "a valid results file disappeared";
      continue;
    }
    ++existed_after;
    Result<ResultsFile> parsed = LoadResultsFile(output);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_GE(parsed->runs.size(), 1u);
    EXPECT_LE(parsed->runs.size(), 3u);
    for (const RunResult& run : parsed->runs) {
      EXPECT_EQ(run.status, RunStatus::kOk)
          << run.backend << ": " << run.failure_reason;
    }
    if (preexisting && ReadWholeFile(output) == ReadWholeFile(complete)) {
      ++kept_old;
      EXPECT_EQ(parsed->runs.size(), 3u) << "the old file was changed";
    }
  }
  // The kills must have exercised both outcomes, or the test proves little.
  EXPECT_GT(existed_after, kKills / 2);
  EXPECT_GT(kept_old, 0);
}

}  // namespace
}  // namespace statebench::testing
