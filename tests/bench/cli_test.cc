#include "bench/cli/cli.h"

#include <dirent.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "base/file_util.h"
#include "reports/report.h"
#include "reports/results/results.h"
#include "tests/cli_runner.h"

namespace statebench {
namespace {

using testing::Cli;
using testing::CliRun;

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

TEST(CliTest, MistypedCommandOrFlagGetsDidYouMean) {
  CliRun r = Cli({"comapre", "--backends", "memory"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did you mean 'compare'?"), std::string::npos) << r.err;
  r = Cli({"run", "--backend", "memory", "--duraton", "1"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did you mean '--duration'?"), std::string::npos)
      << r.err;
  r = Cli({"run", "--backend", "memory", "--parallelsim=2"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did you mean '--parallelism'?"), std::string::npos)
      << r.err;
}

// Numbers are read as numbers: no NaN or infinity, no negative value in an
// unsigned flag, no silent overflow, no octal.
TEST(CliTest, NumericFlagsRefuseNonFiniteNegativeAndOverflowingValues) {
  const std::vector<std::vector<std::string>> bad = {
      {"run", "--backend", "memory", "--duration", "nan"},
      {"run", "--backend", "memory", "--duration", "inf"},
      {"run", "--backend", "memory", "--rate", "nan"},
      {"run", "--backend", "memory", "--warmup", "-inf"},
      {"run", "--backend", "memory", "--seed", "-1"},
      {"run", "--backend", "memory", "--events", "-1"},
      {"run", "--backend", "memory", "--keys", "99999999999999999999999"},
      {"run", "--backend", "memory", "--seed", "0x10"},
      {"verify", "--backend", "memory", "--kill-min", "nan"},
  };
  for (const auto& args : bad) {
    CliRun r = Cli(args);
    EXPECT_EQ(r.code, 2) << args[3] << " " << args[4] << ": " << r.err;
    EXPECT_NE(r.err.find(args[3]), std::string::npos) << r.err;
  }
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

// --dry-run makes every input check of a real run (here a backend option's
// value, which only the backend can judge) and then stops: exit 0 with the
// plan, and nothing measured or written.
TEST(CliTest, DryRunChecksEveryInputAndWritesNothing) {
  Result<std::string> dir = MakeTempDirectory("statebench-dry-run-");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  const std::string out = *dir + "/results.json";
  CliRun r = Cli({"compare", "--backends", "memory,rocksdb", "--backend-opt",
                  "rocksdb.block_cache_size=64MiB", "--dry-run", "-o", out});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("rocksdb    block_cache_size=64MiB"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("nothing measured or written"), std::string::npos)
      << r.out;
  EXPECT_FALSE(std::filesystem::exists(out)) << "a dry run wrote " << out;
  r = Cli({"run", "--backend", "rocksdb", "--backend-opt",
           "rocksdb.block_cache_size=lots", "--dry-run", "-o", out});
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.err.find("block_cache_size='lots'"), std::string::npos) << r.err;
  r = Cli({"verify", "--backend", "fs", "--cycles", "7", "--rescale", "1:2",
           "--dry-run", "-o", out});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("7 job-crash cycles"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rescale 1 -> 2"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(out)) << "a dry run wrote " << out;
  EXPECT_TRUE(RemoveTree(*dir).ok());
}

// Every subcommand's flags, defaults and help, as a user sees them: a change
// to the command line shows here as a diff against tests/bench/golden/help
// (STATEBENCH_UPDATE_GOLDEN=1 rewrites the files when the change is meant).
class CliHelpGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CliHelpGoldenTest, HelpMatchesItsGoldenFile) {
  const std::string command = GetParam();
  std::vector<std::string> args = {"--help"};
  if (command != "statebench") args.insert(args.begin(), command);
  CliRun r = Cli(args);
  ASSERT_EQ(r.code, 0) << r.err;
  const char* data = std::getenv("STATEBENCH_TEST_DATA");
  ASSERT_NE(data, nullptr);
  const std::string path =
      std::string(data) + "/golden/help/" + command + ".txt";
  const char* update = std::getenv("STATEBENCH_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    ASSERT_TRUE(WriteFileAtomically(path, r.out).ok()) << path;
    return;
  }
  Result<std::string> golden = ReadFileToString(path);
  ASSERT_TRUE(golden.ok()) << golden.status().ToString();
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  };
  const std::vector<std::string> want = lines(*golden), got = lines(r.out);
  for (size_t i = 0; i < want.size() || i < got.size(); ++i) {
    ASSERT_EQ(i < want.size() ? want[i] : "<eof>",
              i < got.size() ? got[i] : "<eof>")
        << command << " --help, line " << i + 1 << ", differs from " << path;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryCommand, CliHelpGoldenTest,
                         ::testing::Values("statebench", "backends", "run",
                                           "compare", "report", "advise",
                                           "gate", "verify", "sweep"));

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
  EXPECT_EQ(run.status, RunStatus::kOk);
  EXPECT_GT(run.summary.at("throughput.ops_per_s").median, 0);
  EXPECT_EQ(results->config["workload"]["key_count"], 1000);
  // No --max-parallelism: the configuration says which default applied.
  EXPECT_EQ(results->config["max_parallelism"], 128);
  EXPECT_EQ(run.max_parallelism, 128);
  EXPECT_EQ(results->context.command, "run");
  EXPECT_FALSE(results->context.git_sha.empty());
  EXPECT_NE(r.out.find("memory"), std::string::npos) << r.out;
  (void)RemoveTree(*dir);
}

// An empty value is legal Flink state (a serializer may write no bytes):
// --value-size 0 runs, on a heap and an on-disk backend, and its rows show
// the keys' bytes only.
TEST(CliTest, ValueSizeZeroRunsWithEmptyValues) {
  auto dir = MakeTempDirectory("statebench-cli-empty-value-");
  ASSERT_TRUE(dir.ok());
  std::string path = *dir + "/results.json";
  CliRun r =
      Cli({"compare", "--backends", "memory,rocksdb", "--keys", "500",
           "--value-size", "0", "-r", "1", "--warmup", "0", "--duration", "0.2",
           "--checkpoint-interval", "50", "--no-restore", "-q", "-o", path});
  ASSERT_EQ(r.code, 0) << r.err;
  Result<ResultsFile> f = LoadResultsFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->runs.size(), 2u);
  for (const RunResult& run : f->runs) {
    EXPECT_EQ(run.status, RunStatus::kOk)
        << run.backend << ": " << run.failure_reason;
    EXPECT_GT(run.repetitions.at(0).measure_ops, 0u) << run.backend;
  }
  EXPECT_EQ(f->config["workload"]["value_size"], 0);
  (void)RemoveTree(*dir);
}

// A byte that is not UTF-8 in an output path would reach the results
// (argv is recorded); it is refused before anything runs, naming the flag,
// instead of aborting in the JSON writer after the measurement.
TEST(CliTest, NonUtf8ArgumentIsRefusedBeforeMeasuring) {
  auto dir = MakeTempDirectory("statebench-cli-latin1-");
  ASSERT_TRUE(dir.ok());
  const std::string path = *dir + "/r\xe9.json";
  CliRun r = Cli({"run", "--backend", "memory", "--keys", "1000", "--warmup",
                  "0", "--duration", "0.2", "-q", "-o", path});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("-o"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("UTF-8"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(std::filesystem::is_empty(*dir));
  (void)RemoveTree(*dir);
}

// A misspelt option of the second backend fails before the first one is
// measured: nothing is printed or written but the one message.
TEST(CliTest, UnknownBackendOptionFailsBeforeAnyBackendRuns) {
  auto dir = MakeTempDirectory("statebench-cli-unknown-opt-");
  ASSERT_TRUE(dir.ok());
  CliRun r = Cli({"compare", "--backends", "memory,rocksdb", "--keys", "500",
                  "-r", "1", "--warmup", "0", "--duration", "0.2",
                  "--backend-opt", "rocksdb.block_cache_sise=1MiB", "-q", "-o",
                  *dir + "/results.json"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("block_cache_sise"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--backend-opt"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_TRUE(std::filesystem::is_empty(*dir));
  (void)RemoveTree(*dir);
}

// A bad option value of a server backend is bad input as well: the plan
// parses every backend's options before the first one is measured, without
// reaching any server. A build without the backend refuses its name just as
// early.
TEST(CliTest, BadServerOptionValueFailsBeforeAnyBackendRuns) {
  struct Case {
    const char* backend;
    const char* option;
    const char* says;
  };
  for (const Case& c : {Case{"redis", "redis.mode=sideways", "mode='sideways'"},
                        Case{"postgres", "postgres.synchronous_commit=maybe",
                             "synchronous_commit='maybe'"}}) {
    auto dir = MakeTempDirectory("statebench-cli-bad-value-");
    ASSERT_TRUE(dir.ok());
    CliRun r =
        Cli({"compare", "--backends", std::string("memory,") + c.backend,
             "--keys", "500", "-r", "1", "--warmup", "0", "--duration", "0.2",
             "--backend-opt", c.option, "-q", "-o", *dir + "/results.json"});
    EXPECT_EQ(r.code, 2) << r.err;
    if (BackendRegistry::Default().Info(c.backend).ok()) {
      EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
      EXPECT_NE(r.err.find("--backend-opt"), std::string::npos) << r.err;
    } else {
      EXPECT_NE(r.err.find("not compiled into this build"), std::string::npos)
          << r.err;
    }
    EXPECT_TRUE(std::filesystem::is_empty(*dir)) << c.backend;
    (void)RemoveTree(*dir);
  }
}

// A bounded run (run_events, YCSB's operationcount) that ends before
// --duration: throughput is over the time the ops ran, not over
// --duration, and the phase does not idle for the rest.
TEST(CliTest, BoundedInputRateDoesNotDependOnDuration) {
  auto dir = MakeTempDirectory("statebench-cli-bounded-");
  ASSERT_TRUE(dir.ok());
  std::string path = *dir + "/results.json";
  auto t0 = std::chrono::steady_clock::now();
  CliRun r = Cli({"run", "--backend", "memory", "--keys", "1000", "--set",
                  "run_events=20000", "--warmup", "0", "--duration", "20",
                  "--no-restore", "-q", "-o", path});
  double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_LT(wall_s, 15);
  Result<ResultsFile> f = LoadResultsFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const RunResult& run = f->runs.at(0);
  const Repetition& rep = run.repetitions.at(0);
  EXPECT_EQ(rep.measure_end, "events");
  EXPECT_EQ(rep.measure_events, 20000u);
  EXPECT_LT(rep.measure_duration_s, 10);
  EXPECT_NEAR(run.summary.at("throughput.ops_per_s").median,
              static_cast<double>(rep.measure_ops) / rep.measure_duration_s,
              1.0);
  (void)RemoveTree(*dir);
}

// A trace of 100 events that the warmup uses up leaves the measured phase
// without ops: a failed row saying why, never "0 ops/s" with exit 0.
TEST(CliTest, MeasuredPhaseWithoutOpsIsAFailedRowExitThree) {
  auto dir = MakeTempDirectory("statebench-cli-noops-");
  ASSERT_TRUE(dir.ok());
  const std::string trace = *dir + "/short.trace";
  CliRun rec =
      Cli({"run", "--backend", "memory", "--keys", "1000", "--events", "100",
           "--warmup", "0", "--no-restore", "-q", "--record-trace", trace});
  ASSERT_EQ(rec.code, 0) << rec.err;
  std::string path = *dir + "/results.json";
  CliRun r = Cli({"run", "--backend", "memory", "--trace", trace, "--warmup",
                  "0.3", "--duration", "0.3", "-q", "-o", path});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("ran no op"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("input ran out"), std::string::npos) << r.err;
  Result<ResultsFile> f = LoadResultsFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->runs.at(0).status, RunStatus::kFailed);
  EXPECT_EQ(f->runs.at(0).failure_phase, "measure");
  EXPECT_EQ(r.out.find(" 0 "), std::string::npos) << r.out;
  (void)RemoveTree(*dir);
}

// 100,000 keys x (16 + 100) bytes is 11 MiB, above the memory backend's
// 5 MiB checkpoint cap: decided before anything is loaded.
TEST(CliTest, CompareAtDefaultStateMarksMemoryUnsupportedAndExitsZero) {
  auto dir = MakeTempDirectory("statebench-cli-unsupported-");
  ASSERT_TRUE(dir.ok());
  std::string path = *dir + "/results.json";
  std::string md = *dir + "/report.md";
  CliRun r = Cli({"compare", "--backends", "memory,fs", "--warmup", "0",
                  "--duration", "0.2", "-r", "1", "--no-restore", "-q", "-o",
                  path, "--export-md", md});
  ASSERT_EQ(r.code, 0) << r.err;
  Result<ResultsFile> f = LoadResultsFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const RunResult& memory = f->runs.at(0);
  EXPECT_EQ(memory.status, RunStatus::kUnsupported);
  EXPECT_EQ(memory.failure_phase, "preflight");
  EXPECT_NE(memory.failure_reason.find("5.0 MiB"), std::string::npos)
      << memory.failure_reason;
  EXPECT_EQ(memory.repetitions.at(0).load_ops, 0u) << "it loaded first";
  EXPECT_EQ(f->runs.at(1).status, RunStatus::kOk);
  EXPECT_NE(r.out.find("unsupported"), std::string::npos) << r.out;
  Result<std::string> text = ReadFileToString(md);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("| memory | unsupported: "), std::string::npos) << *text;
  (void)RemoveTree(*dir);
}

// A compressed snapshot may fit where its state does not, so the cap is
// only found by a checkpoint; the row is still unsupported, not failed,
// and the phase is the checkpoint's.
TEST(CliTest, CheckpointAboveTheCapIsUnsupportedNotAFailure) {
  auto dir = MakeTempDirectory("statebench-cli-overcap-");
  ASSERT_TRUE(dir.ok());
  std::string path = *dir + "/results.json";
  for (bool restore : {false, true}) {
    std::vector<std::string> args = {"run",
                                     "--backend",
                                     "memory",
                                     "--keys",
                                     "2000",
                                     "--warmup",
                                     "0",
                                     "--duration",
                                     "0.3",
                                     "--checkpoint-interval",
                                     restore ? "0" : "100",
                                     "--backend-opt",
                                     "max_state_size=1KiB",
                                     "--backend-opt",
                                     "compression=lz4",
                                     "-q",
                                     "-o",
                                     path};
    if (!restore) args.push_back("--no-restore");
    CliRun r = Cli(args);
    ASSERT_EQ(r.code, 0) << r.err;
    Result<ResultsFile> f = LoadResultsFile(path);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    const RunResult& run = f->runs.at(0);
    EXPECT_EQ(run.status, RunStatus::kUnsupported) << run.failure_reason;
    EXPECT_EQ(run.failure_phase, "checkpoint");
    EXPECT_NE(run.failure_reason.find("max_state_size"), std::string::npos)
        << run.failure_reason;
  }
  (void)RemoveTree(*dir);
}

TEST(CliTest, OpenLoopBelowItsRateSaysSaturated) {
  auto dir = MakeTempDirectory("statebench-cli-saturated-");
  ASSERT_TRUE(dir.ok());
  std::string path = *dir + "/results.json";
  std::string md = *dir + "/report.md";
  std::string html = *dir + "/report.html";
  // No heap backend does 50 M events/s on one subtask.
  CliRun r =
      Cli({"run", "--backend", "memory", "--keys", "1000", "--rate", "50000000",
           "--warmup", "0", "--duration", "0.3", "--no-restore", "-q", "-o",
           path, "--export-md", md, "--export-html", html});
  ASSERT_EQ(r.code, 0) << r.err;
  Result<ResultsFile> f = LoadResultsFile(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const RunResult& run = f->runs.at(0);
  ASSERT_TRUE(run.saturated.has_value());
  EXPECT_TRUE(*run.saturated);
  ASSERT_TRUE(run.achieved_rate.has_value());
  EXPECT_LT(*run.achieved_rate, 0.95 * 50e6);
  ASSERT_FALSE(run.warnings.empty());
  EXPECT_NE(run.warnings[0].find("saturated"), std::string::npos);
  EXPECT_NE(r.out.find("saturated: asked for 50M events/s"), std::string::npos)
      << r.out;
  for (const std::string& report : {md, html}) {
    Result<std::string> text = ReadFileToString(report);
    ASSERT_TRUE(text.ok());
    EXPECT_NE(text->find("saturated: asked for 50M events/s"),
              std::string::npos)
        << report;
  }
  (void)RemoveTree(*dir);
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') names.push_back(e->d_name);
    }
    closedir(d);
  }
  return names;
}

// Every --export-<format> of `run` at once, one file per format (a
// directory of .hgrm files for hgrm): each is there, parses, and is about
// the backend that ran. The formats come from the report registry, so a
// new format without its flag fails here.
TEST(CliTest, RunWritesEveryExportFormatInOneRun) {
  auto dir = MakeTempDirectory("statebench-cli-export-");
  ASSERT_TRUE(dir.ok());
  std::vector<std::string> args = {"run",    "--backend",
                                   "memory", "--keys",
                                   "1000",   "--warmup",
                                   "0",      "--duration",
                                   "0.2",    "--repetitions",
                                   "2",      "--latency-sample-every",
                                   "1",      "-q"};
  std::map<std::string, std::string> paths;
  for (const std::string& format : ReportFormatNames()) {
    if (format == "console") continue;  // what run prints on stdout
    paths[format] = *dir + "/export." + format;
    args.insert(args.end(), {"--export-" + format, paths[format]});
  }
  ASSERT_EQ(paths.size(), 10u);
  CliRun r = Cli(args);
  ASSERT_EQ(r.code, 0) << r.err;

  for (const auto& [format, path] : paths) {
    SCOPED_TRACE(format);
    if (format == "hgrm") {
      std::vector<std::string> files = FilesIn(path);
      // value-rw has two op kinds: value_get and value_put.
      ASSERT_EQ(files.size(), 2u);
      for (const std::string& name : files) {
        EXPECT_EQ(name.rfind("memory_value-rw_", 0), 0u) << name;
        Result<std::string> text = ReadFileToString(path + "/" + name);
        ASSERT_TRUE(text.ok()) << name;
        EXPECT_NE(text->find("1/(1-Percentile)"), std::string::npos) << name;
        EXPECT_NE(text->find("#[Mean    ="), std::string::npos) << name;
      }
      continue;
    }
    Result<std::string> text = ReadFileToString(path);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    ASSERT_FALSE(text->empty());
    EXPECT_NE(text->find("memory"), std::string::npos);
    if (format == "md") {
      EXPECT_EQ(text->rfind("## statebench results", 0), 0u);
      EXPECT_NE(text->find("| memory | ok |"), std::string::npos) << *text;
    } else if (format == "html") {
      EXPECT_EQ(text->rfind("<!DOCTYPE html>", 0), 0u);
      EXPECT_NE(text->find("</html>\n"), std::string::npos);
    } else if (format == "csv") {
      std::istringstream lines(*text);
      std::string line;
      int rows = 0;
      while (std::getline(lines, line)) {
        ++rows;
        if (rows > 1) {
          EXPECT_EQ(line.rfind("memory/value-rw,memory,", 0), 0u) << line;
        }
      }
      EXPECT_GT(rows, 10);
    } else {
      // json gbench bmf gab-smaller gab-bigger; parse() throws on any
      // error, NaN and Infinity tokens included.
      nlohmann::json j;
      ASSERT_NO_THROW(j = nlohmann::json::parse(*text));
      EXPECT_FALSE(j.empty());
      if (format == "json") {
        EXPECT_EQ(j["runs"][0]["backend"], "memory");
        EXPECT_EQ(j["runs"][0]["repetitions"].size(), 2u);
      }
    }
  }
  (void)RemoveTree(*dir);
}

}  // namespace
}  // namespace statebench
