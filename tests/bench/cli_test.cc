#include "bench/cli.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "backends/file_util.h"
#include "reports/results.h"

namespace statebench {
namespace {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

CliRun Cli(std::vector<std::string> args) {
  args.insert(args.begin(), "statebench");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  CliRun r;
  r.code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

int CountLines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(CliTest, UnknownFlagIsExitCodeTwoWithOneClearLine) {
  CliRun r = Cli({"run", "--backend", "memory", "--no-such-flag"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
  EXPECT_LE(CountLines(r.err), 2) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(CliTest, BadValueIsExitCodeTwo) {
  CliRun r = Cli({"run", "--backend", "memory", "--keys", "many"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--keys"), std::string::npos) << r.err;
  r = Cli({"run", "--backend", "memory", "--distribution", "pareto"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("pareto"), std::string::npos) << r.err;
}

TEST(CliTest, UnknownBackendNamesWhatExists) {
  CliRun r = Cli({"run", "--backend", "cassandra", "--duration", "0.1"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown backend 'cassandra'"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("rocksdb"), std::string::npos) << r.err;
  EXPECT_EQ(CountLines(r.err), 1) << r.err;
}

TEST(CliTest, MalformedBackendOptionIsExitCodeTwo) {
  CliRun r =
      Cli({"compare", "--backends", "memory", "--backend-opt", "novalue"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("novalue"), std::string::npos) << r.err;
}

TEST(CliTest, NoSubcommandIsUsageError) { EXPECT_EQ(Cli({}).code, 2); }

TEST(CliTest, HelpAndVersionSucceed) {
  EXPECT_EQ(Cli({"--help"}).code, 0);
  CliRun v = Cli({"--version"});
  EXPECT_EQ(v.code, 0);
  EXPECT_NE(v.out.find("statebench"), std::string::npos);
}

TEST(CliTest, BackendsListsEveryEmbeddedBackendWithCapabilities) {
  CliRun r = Cli({"backends"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* name : {"memory", "fs", "rocksdb"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << r.out;
  }
  EXPECT_NE(r.out.find("exactly-once"), std::string::npos);
}

TEST(CliTest, RunWritesAParseableResultsFile) {
  auto dir = MakeTempDirectory("statebench-cli-test-");
  ASSERT_TRUE(dir.ok());
  std::string path = *dir + "/results.json";
  CliRun r =
      Cli({"run", "--backend", "memory", "--keys", "1000", "--warmup", "0",
           "--duration", "0.3", "--checkpoint-interval", "100", "-o", path});
  ASSERT_EQ(r.code, 0) << r.err;
  Result<ResultsFile> results = LoadResultsFile(path);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->runs.size(), 1u);
  const RunResult& run = results->runs[0];
  EXPECT_EQ(run.backend, "memory");
  EXPECT_EQ(run.status, "ok");
  EXPECT_GT(run.summary.at("throughput.ops_per_s").median, 0);
  EXPECT_EQ(results->config["workload"]["key_count"], 1000);
  EXPECT_EQ(results->context.command, "run");
  EXPECT_FALSE(results->context.git_sha.empty());
  EXPECT_NE(r.out.find("memory"), std::string::npos) << r.out;
  (void)RemoveTree(*dir);
}

}  // namespace
}  // namespace statebench
