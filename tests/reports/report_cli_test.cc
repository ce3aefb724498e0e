// `statebench report`, run in-process through RunCli.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "bench/cli/cli.h"
#include "bench/cli/commands.h"
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

// Three repetitions of one op kind, 10,000 samples each at 20 µs, except
// that the second has 10 of them at 2 ms: its p99.99 is 2 ms, the others'
// 20 µs. The summary is written as files before the merged figures were
// (medians of per-repetition percentiles), so the report path has to give
// the merged figure itself.
ResultsFile DifferentTails() {
  ResultsFile f;
  f.context.started_at = "2026-01-01T00:00:00Z";
  RunResult run;
  run.backend = "memory";
  run.workload = "w";
  run.status = RunStatus::kOk;
  run.checkpoint_type = "full";
  run.parallelism = 1;
  for (int i = 0; i < 3; ++i) {
    Repetition rep;
    rep.index = i;
    rep.measure_duration_s = 1;
    rep.measure_ops = 10000;
    rep.ops_per_s = 10000;
    OpKindResult op;
    op.op = "value_get";
    op.count = 10000;
    const bool tail = i == 1;
    op.histogram.buckets = {{20000, tail ? 9990 : 10000}};
    if (tail) op.histogram.buckets.push_back({2000000, 10});
    LatencySummary& l = op.latency;
    l.samples = 10000;
    l.min_ns = l.p50_ns = l.p90_ns = l.p99_ns = l.p999_ns = 20000;
    l.p9999_ns = l.max_ns = tail ? 2000000 : 20000;
    l.mean_ns = tail ? (9990 * 20000.0 + 10 * 2000000.0) / 10000 : 20000;
    rep.metrics["throughput.ops_per_s"] = 10000;
    for (const char* stat : {"min", "p50", "p90", "p99", "p999"}) {
      rep.metrics[std::string("latency.value_get.") + stat + "_ns"] = 20000;
    }
    rep.metrics["latency.value_get.p9999_ns"] = static_cast<double>(l.p9999_ns);
    rep.metrics["latency.value_get.max_ns"] = static_cast<double>(l.max_ns);
    rep.metrics["latency.value_get.mean_ns"] = l.mean_ns;
    rep.ops.push_back(std::move(op));
    run.repetitions.push_back(std::move(rep));
  }
  for (const std::string metric :
       {"throughput.ops_per_s", "latency.value_get.min_ns",
        "latency.value_get.p50_ns", "latency.value_get.p90_ns",
        "latency.value_get.p99_ns", "latency.value_get.p999_ns",
        "latency.value_get.p9999_ns", "latency.value_get.max_ns",
        "latency.value_get.mean_ns"}) {
    std::vector<double> samples;
    for (const Repetition& rep : run.repetitions) {
      samples.push_back(rep.metrics.at(metric));
    }
    run.summary[metric] = Summarize(samples);
  }
  f.runs.push_back(std::move(run));
  return f;
}

TEST_F(ReportCliTest, EveryOutputGivesThePercentileOfAllSamples) {
  const std::string path = dir_ + "/tails.json";
  ASSERT_TRUE(SaveResultsFile(DifferentTails(), path).ok());
  auto report = [&](const std::string& format) {
    std::string out = dir_ + "/tails." + format;
    CliRun r = Cli({"report", path, "--format", format, "--output", out});
    EXPECT_EQ(r.code, kExitOk) << format << ": " << r.err;
    Result<std::string> text = ReadFileToString(out);
    return text.ok() ? *text : std::string();
  };
  // p50 p90 p99 p99.9 p99.99 max: the 2 ms tail is 1 in 3,000 samples.
  const std::string md = report("md");
  EXPECT_NE(md.find("| 20.0 µs | 20.0 µs | 20.0 µs | 20.0 µs | 2.00 ms | "
                    "2.00 ms |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find(kLatencyDefinition), std::string::npos);
  const std::string html = report("html");
  EXPECT_NE(html.find(">20.0 µs</td><td class=\"num\">2.00 ms</td><td "
                      "class=\"num\">2.00 ms</td>"),
            std::string::npos);
  EXPECT_NE(html.find("all samples of all successful measured repetitions"),
            std::string::npos);
  CliRun console = Cli({"report", path});
  EXPECT_NE(console.out.find("20.0 µs  2.00 ms  2.00 ms"), std::string::npos)
      << console.out;
  EXPECT_NE(console.out.find("Latency: percentiles, min, max and mean are of "
                             "all samples of all successful measured"),
            std::string::npos);

  nlohmann::json gbench = nlohmann::json::parse(report("gbench"));
  bool median_seen = false;
  for (const auto& b : gbench["benchmarks"]) {
    if (b["name"] == "memory/w/value_get_median") {
      median_seen = true;
      EXPECT_EQ(b["p9999_ns"], 2000000.0);
      EXPECT_EQ(b["p999_ns"], 20000.0);
    }
  }
  EXPECT_TRUE(median_seen) << gbench.dump(1);
  EXPECT_TRUE(gbench["context"].contains("statebench_latency_definition"));
  nlohmann::json bmf = nlohmann::json::parse(report("bmf"));
  EXPECT_EQ(bmf["memory/w/value_get"]["latency-p9999"]["value"], 2000000.0);

  const std::string dir = dir_ + "/tails-hgrm";
  CliRun h = Cli({"report", path, "--format", "hgrm", "--output", dir});
  ASSERT_EQ(h.code, kExitOk) << h.err;
  Result<std::string> hgrm = ReadFileToString(dir + "/memory_w_value_get.hgrm");
  ASSERT_TRUE(hgrm.ok());
  std::istringstream lines(*hgrm);
  std::string line;
  double at_p9999 = -1;
  while (std::getline(lines, line) && at_p9999 < 0) {
    double value = 0, percentile = 0;
    if (std::sscanf(line.c_str(), "%lf %lf", &value, &percentile) == 2 &&
        percentile >= 0.9999) {
      at_p9999 = value;
    }
  }
  EXPECT_DOUBLE_EQ(at_p9999, 2000.0) << *hgrm;  // microseconds
}

TEST(MergeLatencySummaryTest, RunSummaryHoldsTheFigureOfAllSamples) {
  RunResult run = DifferentTails().runs[0];
  EXPECT_EQ(run.summary.at("latency.value_get.p9999_ns").median, 20000);
  SummarizeRepetitions(&run);
  const MetricSummary& p9999 = run.summary.at("latency.value_get.p9999_ns");
  EXPECT_EQ(p9999.median, 2000000);
  // The per-repetition percentiles stay, for the gate's U test.
  EXPECT_EQ(p9999.samples, (std::vector<double>{20000, 2000000, 20000}));
  EXPECT_EQ(run.summary.at("latency.value_get.max_ns").median, 2000000);
  EXPECT_DOUBLE_EQ(run.summary.at("latency.value_get.mean_ns").median,
                   (29990 * 20000.0 + 10 * 2000000.0) / 30000);
}

// A configuration that leaves max parallelism and latency sampling to
// their defaults (0) shows the values the runs used.
TEST_F(ReportCliTest, HtmlConfigurationShowsResolvedDefaults) {
  ResultsFile r = testing::SampleResults();
  r.config["max_parallelism"] = 0;
  r.config["latency_sample_every"] = 0;
  const std::string path = dir_ + "/defaults.json";
  ASSERT_TRUE(SaveResultsFile(r, path).ok());
  const std::string out = dir_ + "/defaults.html";
  CliRun run = Cli({"report", path, "--format", "html", "--output", out});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  Result<std::string> html = ReadFileToString(out);
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("<tr><th>max_parallelism</th><td>128 (default)</td>"),
            std::string::npos);
  // Sampling differs per backend (1 in 100 on heap backends).
  EXPECT_NE(html->find("<tr><th>latency_sample_every</th><td>100 "
                       "(memory/value-rw), 1 (rocksdb/value-rw)"),
            std::string::npos);
  EXPECT_EQ(html->find("<th>max_parallelism</th><td>0</td>"),
            std::string::npos);
}

// Two configurations of one backend (redis buffered and write-through,
// one results file each) keep distinct names that say what differs, in
// the exports and the reports alike; the port of each private server is
// not part of the name.
TEST_F(ReportCliTest, TwoConfigurationsOfOneBackendKeepDistinctNames) {
  std::vector<std::string> paths;
  for (const char* mode : {"buffered", "write-through"}) {
    ResultsFile r = testing::SampleResults();
    r.runs.resize(1);
    r.runs[0].backend = "redis";
    r.runs[0].effective_config = {{"mode", mode},
                                  {"port", mode[0] == 'b' ? "6001" : "6002"}};
    paths.push_back(dir_ + "/redis-" + mode + ".json");
    ASSERT_TRUE(SaveResultsFile(r, paths.back()).ok());
  }
  auto report = [&](const std::string& format) {
    CliRun r = Cli({"report", paths[0], paths[1], "--format", format});
    EXPECT_EQ(r.code, kExitOk) << r.err;
    return r.out;
  };
  nlohmann::json bmf = nlohmann::json::parse(report("bmf"));
  EXPECT_TRUE(bmf.contains("redis/value-rw/mode=buffered")) << bmf.dump(1);
  EXPECT_TRUE(bmf.contains("redis/value-rw/mode=write-through"));
  std::set<std::string> names;
  const nlohmann::json gbench =
      nlohmann::json::parse(report("gbench-aggregates"));
  for (const auto& b : gbench["benchmarks"]) {
    EXPECT_TRUE(names.insert(b["name"].get<std::string>()).second) << b["name"];
  }
  EXPECT_EQ(names.count("redis/value-rw/mode=write-through/all_median"), 1u)
      << ::testing::PrintToString(names);
  const std::string md = report("md");
  EXPECT_NE(md.find("redis (mode=write-through)"), std::string::npos) << md;
  EXPECT_EQ(md.find("port="), std::string::npos);
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
