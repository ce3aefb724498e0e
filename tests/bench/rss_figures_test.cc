// Peak RSS is the backend's: memory the harness uses for its own checks
// stays out of it. Label "optimised": the figure depends on the allocator
// giving freed memory back, which ASan's quarantine does not.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "reports/results/results.h"
#include "tests/cli_runner.h"

namespace statebench {
namespace {

using testing::RunAndLoad;

// The verified rescale replays the workload into the harness's reference
// model; that memory is not the backend's and stays out of the peak RSS
// (it made a 16 MiB fs run report 448 MiB instead of 88 MiB).
TEST(RssFiguresTest, PeakRssLeavesOutTheRescaleOracle) {
  const std::vector<std::string> base = {"run",    "--backend",
                                         "fs",     "--keys",
                                         "144631", "--duration",
                                         "2",      "--warmup",
                                         "0.3",    "--checkpoint-interval",
                                         "300",    "--no-restore",
                                         "-q"};
  ResultsFile plain = RunAndLoad(base, nullptr);
  std::vector<std::string> with = base;
  with.insert(with.end(), {"--rescale", "1:2"});
  ResultsFile rescaled = RunAndLoad(with, nullptr);
  ASSERT_EQ(plain.runs[0].status, RunStatus::kOk)
      << plain.runs[0].failure_reason;
  ASSERT_EQ(rescaled.runs[0].status, RunStatus::kOk)
      << rescaled.runs[0].failure_reason;
  ASSERT_FALSE(rescaled.runs[0].repetitions[0].restores.empty());
  const auto a = plain.runs[0].repetitions[0].peak_rss_bytes;
  const auto b = rescaled.runs[0].repetitions[0].peak_rss_bytes;
  ASSERT_TRUE(a && b);
  EXPECT_LT(static_cast<double>(*b), 1.6 * static_cast<double>(*a))
      << "peak RSS " << *b << " with the rescale, " << *a << " without";
}

}  // namespace
}  // namespace statebench
