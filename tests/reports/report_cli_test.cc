// `statebench report`, run in-process through RunCli.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "backends/file_util.h"
#include "bench/cli.h"
#include "bench/commands.h"
#include "reports/report.h"
#include "tests/cli_runner.h"
#include "tests/reports/report_test_data.h"

namespace statebench {
namespace {

using testing::Cli;
using testing::CliRun;

class ReportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> d = MakeTempDirectory("sb-report-cli-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    sample_ = dir_ + "/results.json";
    ASSERT_TRUE(SaveResultsFile(testing::SampleResults(), sample_).ok());
  }
  void TearDown() override { EXPECT_TRUE(RemoveTree(dir_).ok()); }

  std::string dir_;
  std::string sample_;
};

TEST_F(ReportCliTest, PrintsTheConsoleTableByDefault) {
  CliRun r = Cli({"report", sample_});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, RenderConsole(*LoadResultsFile(sample_)));
  EXPECT_EQ(r.err, "");
}

TEST_F(ReportCliTest, WritesTheChosenFormatToOutput) {
  for (const std::string format : {"md", "html", "json", "gbench"}) {
    std::string out = dir_ + "/report." + format;
    CliRun r = Cli({"report", sample_, "--format", format, "--output", out});
    EXPECT_EQ(r.code, kExitOk) << r.err;
    EXPECT_EQ(r.out, "");
    Result<std::string> text = ReadFileToString(out);
    ASSERT_TRUE(text.ok()) << format;
    EXPECT_EQ(*text, *RenderReport(format, *LoadResultsFile(sample_)));
  }
}

TEST_F(ReportCliTest, MergesSeveralFilesIntoOneComparison) {
  std::string second = dir_ + "/second.json";
  ResultsFile other = testing::SampleResults();
  other.runs.resize(1);
  ASSERT_TRUE(SaveResultsFile(other, second).ok());
  CliRun r = Cli({"report", sample_, second, "--format", "md"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  // Runs present in both files are told apart by their source.
  EXPECT_NE(r.out.find("memory/value-rw \\[" + sample_ + "\\]"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("memory/value-rw \\[" + second + "\\]"),
            std::string::npos);
}

TEST_F(ReportCliTest, MergedReportShowsTheChangeBetweenFiles) {
  std::string slower = dir_ + "/slower.json";
  ResultsFile other = testing::SampleResults();
  other.runs.resize(1);
  for (Repetition& rep : other.runs[0].repetitions) {
    rep.metrics["throughput.ops_per_s"] *= 0.8;
  }
  SummarizeRepetitions(&other.runs[0]);
  ASSERT_TRUE(SaveResultsFile(other, slower).ok());
  CliRun r = Cli({"report", sample_, slower, "--format", "md"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("### Change between the files"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("`throughput.ops_per_s` |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("-20.0% (worse)"), std::string::npos) << r.out;
  // One file: nothing to compare, no section.
  CliRun one = Cli({"report", sample_, "--format", "md"});
  EXPECT_EQ(one.out.find("Change between"), std::string::npos);
}

TEST_F(ReportCliTest, HgrmNeedsADirectory) {
  CliRun r = Cli({"report", sample_, "--format", "hgrm"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("--output DIR"), std::string::npos);
  std::string out = dir_ + "/hgrm";
  r = Cli({"report", sample_, "--format", "hgrm", "--output", out});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_TRUE(ReadFileToString(out + "/memory_value-rw_value_get.hgrm").ok());
}

TEST_F(ReportCliTest, BadInputIsExitTwoNamingTheProblem) {
  CliRun missing = Cli({"report", dir_ + "/absent.json"});
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_NE(missing.err.find("absent.json"), std::string::npos);

  std::string broken = dir_ + "/broken.json";
  ASSERT_TRUE(WriteFileAtomically(broken, "{\n  \"schema\": \n}").ok());
  std::string out = dir_ + "/never.html";
  CliRun bad = Cli({"report", broken, "--format", "html", "--output", out});
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_NE(bad.err.find(broken + ":3:"), std::string::npos) << bad.err;
  EXPECT_FALSE(ReadFileToString(out).ok());  // nothing half-written

  CliRun format = Cli({"report", sample_, "--format", "pdf"});
  EXPECT_EQ(format.code, kExitUsage);
  EXPECT_NE(format.err.find("pdf"), std::string::npos);

  CliRun no_dir = Cli({"report", sample_, "--format", "md", "--output",
                       dir_ + "/no/such/dir/r.md"});
  EXPECT_NE(no_dir.code, kExitOk);
  EXPECT_NE(no_dir.err.find("no/such/dir"), std::string::npos);
}

}  // namespace
}  // namespace statebench
