// `statebench gate` through the CLI, in-process (exit codes, files,
// GitHub integration), and --run with child processes: fake binaries
// (small scripts that write one repetition each) for the interleaving and
// error paths, and the real statebench binary end to end.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "bench/cli/cli.h"
#include "reports/results/results.h"
#include "tests/reports/gate_test_util.h"

namespace statebench {
namespace {

using testing::MakeFile;
using testing::MakeRun;

constexpr char kTput[] = "throughput.ops_per_s";
constexpr char kP99[] = "latency.value_get.p99_ns";

std::vector<double> Around(double center) {
  return {center * 1.000, center * 1.006, center * 0.994,
          center * 1.008, center * 0.992, center * 1.002,
          center * 0.998, center * 1.004, center * 0.996};
}

struct CliResult {
  int code;
  std::string out;
  std::string err;
};

class GateCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The suite may itself run under GitHub Actions: keep its summary and
    // log free of this test's output unless a test asks for it.
    unsetenv("GITHUB_ACTIONS");
    unsetenv("GITHUB_STEP_SUMMARY");
    Result<std::string> dir = MakeTempDirectory("gate-cli-test-");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir;
  }
  void TearDown() override {
    unsetenv("GITHUB_ACTIONS");
    unsetenv("GITHUB_STEP_SUMMARY");
    (void)RemoveTree(dir_);
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::string Save(const std::string& name, const ResultsFile& f) {
    EXPECT_TRUE(SaveResultsFile(f, Path(name)).ok());
    return Path(name);
  }

  CliResult Gate(std::vector<std::string> args) {
    args.insert(args.begin(), {"statebench", "gate"});
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    int code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err);
    return {code, out.str(), err.str()};
  }

  // A fake statebench: logs "<name> <args>" and writes one repetition of
  // memory/value-rw with throughput about `value` (a little deterministic
  // noise from the call count) to the --output path.
  std::string FakeBinary(const std::string& name, int value,
                         const std::string& extra = "") {
    const std::string path = Path(name + ".sh");
    const std::string log = Path("calls.log");
    std::ofstream f(path);
    f << "#!/bin/sh\n"
      << extra << "echo \"" << name << " $*\" >> '" << log << "'\n"
      << "out=\nwhile [ $# -gt 0 ]; do\n"
      << "  if [ \"$1\" = --output ]; then out=\"$2\"; shift; fi\n"
      << "  shift\ndone\n"
      << "n=$(grep -c . '" << log << "')\n"
      << "v=$((" << value << " + (n * 37) % 19))\n"
      << "printf '{\"schema\":\"statebench.results/1\",\"context\":"
         "{\"build_type\":\"Release\",\"cpu_count\":8},\"config\":"
         "{\"workload\":{\"name\":\"value-rw\"}},\"runs\":[{\"backend\":"
         "\"memory\",\"workload\":\"value-rw\",\"status\":\"ok\","
         "\"repetitions\":[{\"index\":0,\"metrics\":"
         "{\"throughput.ops_per_s\":%d}}]}]}\\n' \"$v\" > \"$out\"\n";
    f.close();
    chmod(path.c_str(), 0700);
    return path;
  }

  std::vector<std::string> Calls() {
    std::ifstream f(Path("calls.log"));
    std::vector<std::string> lines;
    for (std::string line; std::getline(f, line);) lines.push_back(line);
    return lines;
  }

  std::string dir_;
};

TEST_F(GateCliTest, ExitCodesForPassRegressionAndWarnOnly) {
  const std::string base =
      Save("base.json",
           MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}));
  const std::string same =
      Save("same.json",
           MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1001)}})}));
  const std::string slow =
      Save("slow.json",
           MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(850)}})}));
  CliResult pass = Gate({"--baseline", base, "--current", same});
  EXPECT_EQ(pass.code, 0) << pass.err;
  EXPECT_NE(pass.out.find("gate PASSED"), std::string::npos) << pass.out;

  CliResult fail = Gate({"--baseline", base, "--current", slow});
  EXPECT_EQ(fail.code, 1) << fail.err;
  EXPECT_NE(fail.out.find("REGRESSION"), std::string::npos);
  EXPECT_NE(fail.out.find("-15.0%"), std::string::npos);

  CliResult warn = Gate({"--baseline", base, "--current", slow, "--warn-only"});
  EXPECT_EQ(warn.code, 0);
  EXPECT_NE(warn.out.find("REGRESSION"), std::string::npos);
  EXPECT_NE(warn.out.find("PASSED (warn-only)"), std::string::npos);

  // A looser threshold, or switching the metric off, passes the same data.
  EXPECT_EQ(Gate({"--baseline", base, "--current", slow, "--threshold",
                  "throughput=-20%"})
                .code,
            0);
  // Switched off, throughput leaves the unchanged p99 to judge: a pass.
  const std::string base2 =
      Save("base2.json",
           MakeFile({MakeRun("memory", "value-rw",
                             {{kTput, Around(1000)}, {kP99, Around(5000)}})}));
  const std::string slow2 =
      Save("slow2.json",
           MakeFile({MakeRun("memory", "value-rw",
                             {{kTput, Around(850)}, {kP99, Around(5001)}})}));
  EXPECT_EQ(Gate({"--baseline", base2, "--current", slow2, "--threshold",
                  "throughput=off"})
                .code,
            0);
  // A stricter alpha than the data supports passes too (p ~ 4e-4).
  EXPECT_EQ(
      Gate({"--baseline", base, "--current", slow, "--alpha", "0.0001"}).code,
      0);
}

// A gate that judged nothing must not pass: a green build would then say
// nothing about the change.
TEST_F(GateCliTest, NothingComparedOrAMissingGatedMetricExitsTwo) {
  const std::string base =
      Save("base.json",
           MakeFile({MakeRun("memory", "value-rw",
                             {{kTput, Around(1000)}, {kP99, Around(5000)}})}));
  const std::string no_p99 =
      Save("no-p99.json",
           MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}));
  CliResult missing = Gate({"--baseline", base, "--current", no_p99});
  EXPECT_EQ(missing.code, 2) << missing.out << missing.err;
  EXPECT_NE(missing.out.find("FAILED"), std::string::npos) << missing.out;
  EXPECT_NE(missing.out.find(kP99), std::string::npos) << missing.out;
  EXPECT_EQ(missing.out.find("gate PASSED"), std::string::npos) << missing.out;

  // Every gated metric switched off: nothing compared.
  CliResult none = Gate({"--baseline", base, "--current", base, "--threshold",
                         "throughput=off", "--threshold", "p99=off"});
  EXPECT_EQ(none.code, 2) << none.out << none.err;
  EXPECT_NE(none.out.find("nothing was compared"), std::string::npos)
      << none.out;
  EXPECT_EQ(none.out.find("gate PASSED"), std::string::npos) << none.out;

  // --warn-only does not turn an incomplete comparison into a pass.
  EXPECT_EQ(Gate({"--baseline", base, "--current", no_p99, "--warn-only"}).code,
            2);
}

TEST_F(GateCliTest, UsageAndInputErrorsExitTwoWithOneClearMessage) {
  const std::string base =
      Save("base.json",
           MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}));
  std::ofstream(Path("broken.json"))
      << "{\n  \"schema\": \"statebench.results/1\",\n  oops\n}\n";
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{"--baseline", base, "--current", Path("missing.json")}, "missing.json"},
      {{"--baseline", base, "--current", Path("broken.json")},
       "broken.json:3:"},
      {{"--baseline", base, "--current", base, "--threshold", "p99=10"},
       "percent"},
      {{"--baseline", base, "--current", base, "--alpha", "2"}, "alpha"},
      {{"--baseline", base}, "--current"},
      {{"--baseline", base, "--current", base, "--frobnicate"}, "frobnicate"},
      {{"--run", "--baseline", base}, "after '--'"},
      {{"--baseline", base, "--current", base, "--baseline-bin", "x"},
       "need --run"},
      {{"--baseline", base, "--current", base, "--junit",
        Path("no-such-dir/gate.xml")},
       "no-such-dir"},
  };
  for (const Case& c : cases) {
    CliResult r = Gate(c.args);
    EXPECT_EQ(r.code, 2) << c.expected << "\n" << r.err;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST_F(GateCliTest, ContextMismatchRefusedUnlessAllowed) {
  ResultsFile b =
      MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})});
  ResultsFile c = b;
  c.context.build_type = "Debug";
  c.config["workload"]["key_count"] = 99;
  const std::string base = Save("base.json", b), cur = Save("cur.json", c);
  const std::string json = Path("gate.json");
  CliResult refused =
      Gate({"--baseline", base, "--current", cur, "--json", json});
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("build type: baseline Release, current Debug"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("workload.key_count: baseline 1000, current 99"),
            std::string::npos);
  struct stat st {};
  EXPECT_NE(stat(json.c_str(), &st), 0) << "nothing is written on bad input";
  CliResult allowed = Gate({"--baseline", base, "--current", cur,
                            "--allow-context-mismatch", "--json", json});
  EXPECT_EQ(allowed.code, 0) << allowed.err;
  EXPECT_NE(allowed.out.find("context mismatch (allowed)"), std::string::npos);
  Result<std::string> text = ReadFileToString(json);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(nlohmann::json::parse(*text)["context_mismatches"].size(), 2u);
}

TEST_F(GateCliTest, FailedBackendInCurrentExitsThree) {
  ResultsFile b =
      MakeFile({MakeRun("redis", "value-rw", {{kTput, Around(1000)}})});
  ResultsFile c = b;
  c.runs[0].status = RunStatus::kFailed;
  c.runs[0].failure_phase = "load";
  c.runs[0].failure_reason = "Unavailable: server went away";
  CliResult r =
      Gate({"--baseline", Save("b.json", b), "--current", Save("c.json", c),
            "--warn-only", "--junit", Path("j.xml")});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("measurement failure: redis/value-rw: failed in phase "
                       "'load': Unavailable: server went away"),
            std::string::npos)
      << r.err;
  Result<std::string> junit = ReadFileToString(Path("j.xml"));
  ASSERT_TRUE(junit.ok());
  EXPECT_NE(junit->find("<error message=\"measurement failure\""),
            std::string::npos);
}

TEST_F(GateCliTest, WritesJUnitJsonMarkdownAndGithubIntegration) {
  const std::string base =
      Save("base.json",
           MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}));
  const std::string slow =
      Save("slow.json",
           MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(850)}})}));
  const std::string summary = Path("summary.md");
  std::ofstream(summary) << "# earlier step output\n";
  setenv("GITHUB_STEP_SUMMARY", summary.c_str(), 1);
  setenv("GITHUB_ACTIONS", "true", 1);
  CliResult r =
      Gate({"--baseline", base, "--current", slow, "--junit", Path("gate.xml"),
            "--json", Path("gate.json"), "--markdown", Path("gate.md")});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("::error title=Performance regression%3A "
                       "memory/value-rw throughput.ops_per_s::"),
            std::string::npos)
      << r.out;
  Result<std::string> xml = ReadFileToString(Path("gate.xml"));
  ASSERT_TRUE(xml.ok());
  EXPECT_NE(xml->find("<testcase name=\"throughput.ops_per_s\""),
            std::string::npos);
  // The failure message is the one line a person needs: metric, change,
  // threshold and p; the samples stay in the body.
  EXPECT_NE(xml->find("<failure message=\"throughput.ops_per_s of "
                      "memory/value-rw: 1.00k ops/s -&gt; 850 ops/s (-15.0%, "
                      "threshold -5.0%, p = "),
            std::string::npos)
      << *xml;
  Result<std::string> json = ReadFileToString(Path("gate.json"));
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(nlohmann::json::parse(*json)["exit_code"], 1);
  Result<std::string> md = ReadFileToString(Path("gate.md"));
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(md->rfind("## statebench gate: \u274C FAILED: 1 regression", 0),
            0u);
  Result<std::string> appended = ReadFileToString(summary);
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->rfind("# earlier step output\n## statebench gate:", 0),
            0u);
}

TEST_F(GateCliTest, StepSummaryStaysUnderOneMebibyte) {
  // 5000 gated metrics make a Markdown table far above the room left.
  std::map<std::string, std::vector<double>> metrics;
  for (int i = 0; i < 5000; ++i) {
    metrics["latency.op" + std::to_string(i) + ".p99_ns"] = Around(1000 + i);
  }
  const std::string base =
      Save("base.json", MakeFile({MakeRun("memory", "value-rw", metrics)}));
  const std::string summary = Path("summary.md");
  std::ofstream(summary) << std::string(900 * 1024, 'x') << "\n";
  setenv("GITHUB_STEP_SUMMARY", summary.c_str(), 1);
  CliResult r = Gate({"--baseline", base, "--current", base});
  EXPECT_EQ(r.code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(stat(summary.c_str(), &st), 0);
  EXPECT_GT(st.st_size, 900 * 1024 + 1000);  // something was appended
  EXPECT_LT(st.st_size, 1024 * 1024);
}

TEST_F(GateCliTest, SaveBaselineWritesTheCurrentResults) {
  const std::string cur =
      Save("cur.json",
           MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}));
  const std::string saved = Path("new-baseline.json");
  CliResult r = Gate({"--current", cur, "--save-baseline", saved});
  EXPECT_EQ(r.code, 0) << r.err;
  Result<ResultsFile> loaded = LoadResultsFile(saved);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->context.build_type, "Release");
  EXPECT_EQ(loaded->runs.at(0).summary.at(kTput).samples.size(), 9u);
  // And the saved file works as a baseline.
  EXPECT_EQ(Gate({"--baseline", saved, "--current", cur}).code, 0);
}

TEST_F(GateCliTest, SaveBaselineRefusesFailedRuns) {
  ResultsFile f = MakeFile({MakeRun("redis", "value-rw", {})});
  f.runs[0].status = RunStatus::kFailed;
  f.runs[0].failure_phase = "open";
  f.runs[0].failure_reason = "Unavailable: no server";
  const std::string saved = Path("new-baseline.json");
  CliResult r =
      Gate({"--current", Save("cur.json", f), "--save-baseline", saved});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("failed runs"), std::string::npos) << r.err;
  struct stat st {};
  EXPECT_NE(stat(saved.c_str(), &st), 0);
}

TEST_F(GateCliTest, RunInterleavesBaselineAndCurrentBinaries) {
  const std::string old_bin = FakeBinary("baseline", 1000);
  const std::string new_bin = FakeBinary("current", 800);
  const std::string saved = Path("saved.json");
  CliResult r =
      Gate({"--run", "--baseline-bin", old_bin, "--current-bin", new_bin,
            "--save-baseline", saved, "--", "run", "--backend", "memory", "-r",
            "5", "--output", "ignored.json", "--export-md=ignored.md"});
  EXPECT_EQ(r.code, 1) << r.err << r.out;
  EXPECT_NE(r.out.find("REGRESSION"), std::string::npos) << r.out;
  const std::vector<std::string> calls = Calls();
  ASSERT_EQ(calls.size(), 10u);  // -r 5 from the run arguments, per side
  for (size_t i = 0; i < calls.size(); ++i) {
    const std::string side = i % 2 == 0 ? "baseline" : "current";
    EXPECT_EQ(calls[i].rfind(side + " run --backend memory --repetitions 1 "
                                    "--quiet --output ",
                             0),
              0u)
        << calls[i];
    EXPECT_EQ(calls[i].find("ignored"), std::string::npos) << calls[i];
  }
  // A failing gate leaves the baseline alone ...
  struct stat st {};
  EXPECT_NE(stat(saved.c_str(), &st), 0);
  EXPECT_NE(r.err.find("left unchanged"), std::string::npos) << r.err;
  // ... --warn-only accepts the slowdown and saves the 5 merged repetitions.
  r = Gate({"--run", "--baseline-bin", old_bin, "--current-bin", new_bin,
            "--save-baseline", saved, "--warn-only", "-r", "5", "--", "run",
            "--backend", "memory"});
  EXPECT_EQ(r.code, 0) << r.err;
  Result<ResultsFile> merged = LoadResultsFile(saved);
  ASSERT_TRUE(merged.ok());
  ASSERT_EQ(merged->runs.at(0).repetitions.size(), 5u);
  EXPECT_EQ(merged->runs.at(0).repetitions[4].index, 4);
  EXPECT_LT(merged->runs.at(0).summary.at(kTput).median, 850);  // current's
}

TEST_F(GateCliTest, RunAgainstABaselineFile) {
  const std::string base =
      Save("base.json",
           MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}));
  const std::string bin = FakeBinary("current", 995);
  CliResult r = Gate({"--run", "--baseline", base, "--current-bin", bin,
                      "--repetitions", "6", "--", "--backend", "memory"});
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  const std::vector<std::string> calls = Calls();
  ASSERT_EQ(calls.size(), 6u);
  // "run" is supplied when the arguments start with a flag.
  EXPECT_EQ(calls[0].rfind("current run --backend memory", 0), 0u);
}

TEST_F(GateCliTest, RunChildErrorsMapToExitCodes) {
  const std::string base =
      Save("base.json",
           MakeFile({MakeRun("memory", "value-rw", {{kTput, Around(1000)}})}));
  const std::string rejects = FakeBinary(
      "rejects", 1000,
      "echo 'statebench: --frobnicate is not an option' >&2\nexit 2\n");
  CliResult r = Gate({"--run", "--baseline", base, "--current-bin", rejects,
                      "--", "run", "--frobnicate"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--frobnicate is not an option"), std::string::npos)
      << r.err;
  const std::string crashes = FakeBinary("crashes", 1000, "exit 134\n");
  r = Gate({"--run", "--baseline", base, "--current-bin", crashes, "--", "run",
            "--backend", "memory"});
  EXPECT_EQ(r.code, 3);
  EXPECT_NE(r.err.find("exited with code 134"), std::string::npos) << r.err;
  r = Gate({"--run", "--baseline-bin", Path("no-such-binary"), "--", "run"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no-such-binary"), std::string::npos) << r.err;
}

#ifdef STATEBENCH_BINARY
// The real binary on both sides (an A/A run): the plumbing end to end.
// Three short repetitions cannot show significance, so every metric is
// inconclusive and the gate passes.
TEST_F(GateCliTest, RunEndToEndWithTheRealBinary) {
  const std::string saved = Path("baseline.json");
  CliResult r = Gate({"--run",
                      "--baseline-bin",
                      STATEBENCH_BINARY,
                      "--current-bin",
                      STATEBENCH_BINARY,
                      "-r",
                      "3",
                      "--save-baseline",
                      saved,
                      "--json",
                      Path("gate.json"),
                      "--",
                      "run",
                      "--backend",
                      "memory",
                      "--keys",
                      "2000",
                      "--warmup",
                      "0",
                      "--duration",
                      "0.2",
                      "--no-restore",
                      "--checkpoint-interval",
                      "0"});
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("memory/value-rw"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("throughput.ops_per_s"), std::string::npos);
  Result<ResultsFile> merged = LoadResultsFile(saved);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  ASSERT_EQ(merged->runs.size(), 1u);
  EXPECT_EQ(merged->runs[0].repetitions.size(), 3u);
  EXPECT_EQ(merged->runs[0].summary.at(kTput).samples.size(), 3u);
  Result<std::string> json = ReadFileToString(Path("gate.json"));
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(nlohmann::json::parse(*json)["counts"]["regression"], 0);
}
#endif

}  // namespace
}  // namespace statebench
