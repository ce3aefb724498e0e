// `statebench advise`, in-process through RunCli: flags, files, exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "backends/file_util.h"
#include "bench/cli.h"
#include "reports/results.h"
#include "tests/advisor/synthetic_results.h"

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

bool Has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

class AdviseCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> d = MakeTempDirectory("advise-cli-");
    ASSERT_TRUE(d.ok());
    dir_ = *d;
    results_ = dir_ + "/results.json";
    ASSERT_TRUE(
        SaveResultsFile(advisor::testing::StandardResults(), results_).ok());
    sql_profile_ =
        std::string(STATEBENCH_SOURCE_DIR) + "/advisor/examples/sql-team.yaml";
  }
  void TearDown() override { ASSERT_TRUE(RemoveTree(dir_).ok()); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    EXPECT_TRUE(WriteFileAtomically(path, text).ok());
    return path;
  }

  std::string dir_, results_, sql_profile_;
};

TEST_F(AdviseCliTest, ConsoleRecommendationFromAResultsFile) {
  CliRun r = Cli({"advise", "--profile", sql_profile_, "--results", results_});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "Use postgres for 'sql-team'")) << r.out;
  EXPECT_TRUE(Has(r.out, "Measurements: " + results_));
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(AdviseCliTest, JsonAndMarkdownToFiles) {
  std::string json_path = dir_ + "/rec.json", md_path = dir_ + "/rec.md";
  ASSERT_EQ(Cli({"advise", "--profile", sql_profile_, "--results", results_,
                 "--format", "json", "-o", json_path})
                .code,
            0);
  Result<std::string> text = ReadFileToString(json_path);
  ASSERT_TRUE(text.ok());
  nlohmann::json j = nlohmann::json::parse(*text);
  EXPECT_EQ(j["top"], "postgres");
  EXPECT_EQ(j["ranking"][0]["backend"], "postgres");
  ASSERT_EQ(Cli({"advise", "--profile", sql_profile_, "--results", results_,
                 "--format", "md", "--output", md_path})
                .code,
            0);
  Result<std::string> md = ReadFileToString(md_path);
  ASSERT_TRUE(md.ok());
  EXPECT_TRUE(Has(*md, "## Recommendation for `sql-team`"));
}

TEST_F(AdviseCliTest, SeveralResultsFilesAreMerged) {
  ResultsFile all = advisor::testing::StandardResults();
  ResultsFile first = all, second = all;
  first.runs.assign(all.runs.begin(), all.runs.begin() + 3);
  second.runs.assign(all.runs.begin() + 3, all.runs.end());
  std::string a = dir_ + "/a.json", b = dir_ + "/b.json";
  ASSERT_TRUE(SaveResultsFile(first, a).ok());
  ASSERT_TRUE(SaveResultsFile(second, b).ok());
  CliRun r = Cli({"advise", "--profile", sql_profile_, "--results", a,
                  "--results", b, "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["ranking"].size(), 7u);
  EXPECT_EQ(j["top"], "postgres");
}

TEST_F(AdviseCliTest, SaveResultsAttachesTheRecommendation) {
  std::string out = dir_ + "/with-rec.json";
  ASSERT_EQ(Cli({"advise", "--profile", sql_profile_, "--results", results_,
                 "--save-results", out})
                .code,
            0);
  Result<ResultsFile> f = LoadResultsFile(out);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->runs.size(), 7u);
  EXPECT_EQ(f->recommendation["top"], "postgres");
}

TEST_F(AdviseCliTest, ExplainPrintsTheRuleAndWhy) {
  CliRun r = Cli({"advise", "--explain", "jobmanager-cap-exceeded"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Has(r.out, "rule jobmanager-cap-exceeded"));
  EXPECT_TRUE(Has(r.out, "applies to: memory"));
  EXPECT_TRUE(Has(r.out,
                  "when:       derived.checkpoint_full_size > "
                  "derived.jobmanager_cap"));
  EXPECT_TRUE(Has(r.out, "effect:     veto"));
  EXPECT_TRUE(Has(r.out, "JobManagerCheckpointStorage"));

  CliRun unknown = Cli({"advise", "--explain", "no-such-rule"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_TRUE(Has(unknown.err, "no rule 'no-such-rule'"));
  EXPECT_TRUE(Has(unknown.err, "heap-state-exceeds-memory"));

  CliRun list = Cli({"advise", "--list-rules"});
  EXPECT_EQ(list.code, 0);
  EXPECT_TRUE(Has(list.out, "restore-exceeds-rto"));
}

TEST_F(AdviseCliTest, BadInputIsExitCodeTwoWithFileAndLine) {
  std::string bad_profile = Write("p.yaml", "state_size: 1GiB\nevnt_rate: 5\n");
  CliRun p = Cli({"advise", "--profile", bad_profile, "--results", results_});
  EXPECT_EQ(p.code, 2);
  EXPECT_TRUE(Has(p.err, bad_profile + ":2:1: unknown profile key")) << p.err;

  std::string bad_rules =
      Write("r.yaml",
            "rules:\n  - id: x\n    description: d\n    rationale: r\n"
            "    reason: r\n    effect: obliterate\n");
  CliRun r = Cli({"advise", "--profile", sql_profile_, "--results", results_,
                  "--rules", bad_rules});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(Has(r.err, bad_rules + ":6:13: unknown effect 'obliterate'"))
      << r.err;

  std::string bad_results = Write("bad.json", "{\"schema\": \"other/9\"}");
  CliRun b =
      Cli({"advise", "--profile", sql_profile_, "--results", bad_results});
  EXPECT_EQ(b.code, 2);
  EXPECT_TRUE(Has(b.err, bad_results)) << b.err;

  CliRun fmt = Cli({"advise", "--profile", sql_profile_, "--results", results_,
                    "--format", "pdf"});
  EXPECT_EQ(fmt.code, 2);
  EXPECT_TRUE(fmt.out.empty());
}

// Without --results, advise measures the embedded backends briefly (about
// 15 s) and says so.
TEST_F(AdviseCliTest, WithoutResultsCalibratesAndSaysSo) {
  CliRun r = Cli({"advise", "--profile", sql_profile_, "--format", "json",
                  "--no-what-if"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(Has(r.err, "no --results given: running a short calibration"))
      << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["sources"], nlohmann::json::array({"calibration run"}));
  ASSERT_FALSE(j["confidence"].empty());
  EXPECT_TRUE(Has(j["confidence"][0], "short calibration"));
  std::vector<std::string> backends;
  for (const nlohmann::json& e : j["ranking"]) backends.push_back(e["backend"]);
  for (const char* embedded : {"memory", "fs", "rocksdb"}) {
    EXPECT_NE(std::find(backends.begin(), backends.end(), embedded),
              backends.end())
        << embedded;
  }
}

TEST_F(AdviseCliTest, RulesReplaceOrExtendTheDefaults) {
  // Replace: only this rule exists, and it vetoes postgres.
  std::string only = Write("only.yaml",
                           "rules:\n  - id: no-postgres\n"
                           "    description: d\n    rationale: r\n"
                           "    reason: \"{backend} is not allowed here\"\n"
                           "    backends: [postgres]\n    effect: veto\n");
  CliRun replaced = Cli({"advise", "--profile", sql_profile_, "--results",
                         results_, "--rules", only, "--format", "json"});
  ASSERT_EQ(replaced.code, 0) << replaced.err;
  nlohmann::json j = nlohmann::json::parse(replaced.out);
  EXPECT_NE(j["top"], "postgres");
  for (const nlohmann::json& f : j["fired_rules"]) {
    EXPECT_EQ(f["rule"], "no-postgres");
  }
  // Extend: the defaults still apply, plus the veto.
  CliRun extended = Cli({"advise", "--profile", sql_profile_, "--results",
                         results_, "--rules-extend", only, "--format", "json"});
  ASSERT_EQ(extended.code, 0) << extended.err;
  nlohmann::json k = nlohmann::json::parse(extended.out);
  EXPECT_EQ(k["top"], "fs");
  bool default_fired = false;
  for (const nlohmann::json& f : k["fired_rules"]) {
    default_fired = default_fired || f["rule"] == "heap-state-fits";
  }
  EXPECT_TRUE(default_fired);
}

}  // namespace
}  // namespace statebench
