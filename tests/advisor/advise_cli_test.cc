// `statebench advise`, in-process through RunCli: flags, files, exit codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "bench/cli/cli.h"
#include "reports/results/results.h"
#include "tests/advisor/synthetic_results.h"
#include "tests/cli_runner.h"

namespace statebench {
namespace {

using testing::Cli;
using testing::CliRun;

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

// The JSON recommendation of `profile` against `results`.
nlohmann::json AdviseJson(const std::string& profile,
                          const std::string& results) {
  CliRun r = Cli({"advise", "--profile", profile, "--results", results,
                  "--format", "json", "--no-what-if"});
  EXPECT_EQ(r.code, 0) << r.err;
  return r.code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
}

const nlohmann::json& Entry(const nlohmann::json& j, const std::string& label) {
  for (const nlohmann::json& e : j["ranking"]) {
    if (e["backend"] == label) return e;
  }
  ADD_FAILURE() << "no backend " << label;
  static const nlohmann::json kNone = nlohmann::json::object();
  return kNone;
}

// The reason of `rule` for `label`, or "" when it did not fire.
std::string FiredReason(const nlohmann::json& j, const std::string& label,
                        const std::string& rule) {
  for (const nlohmann::json& f : j["fired_rules"]) {
    if (f["backend"] == label && f["rule"] == rule) {
      return f["reason"].get<std::string>();
    }
  }
  return "";
}

// Redis keeps every entry in RAM with a measured per-entry overhead: a
// state that does not fit the server memory the profile declares is
// vetoed, with the numbers.
TEST_F(AdviseCliTest, RedisStateBeyondServerMemoryIsVetoed) {
  std::string profile = Write("big-redis.yaml",
                              "state_size: 300GiB\nkey_count: 500M\n"
                              "event_rate: 20k/s\nmemory_per_node: 32GiB\n"
                              "nodes: 8\nmanaged_redis: true\n"
                              "redis_server_memory: 256GiB\n"
                              "skills: {redis: 3}\n");
  nlohmann::json j = AdviseJson(profile, results_);
  for (const char* redis :
       {"redis[mode=buffered]", "redis[mode=write-through]"}) {
    EXPECT_TRUE(Entry(j, redis)["vetoed"].get<bool>()) << redis;
    // 300 GiB + 500M x 80 B = 337 GiB.
    EXPECT_EQ(
        FiredReason(j, redis, "redis-state-exceeds-server-memory"),
        "500000000 entries (300 GiB of state) need about 337 GiB of Redis "
        "memory at the measured 80 B overhead per entry, over the "
        "256 GiB the server has")
        << redis;
    EXPECT_DOUBLE_EQ(
        Entry(j, redis)["capacity"]["server_memory_required_bytes"],
        300 * advisor::testing::kGiB + 500e6 * 80);
  }
  EXPECT_EQ(j["top"].get<std::string>().rfind("redis", 0), std::string::npos)
      << j["top"];
  // With room to spare the veto goes, and a fork's copy-on-write headroom
  // is what the score then weighs.
  std::string roomy = Write("roomy-redis.yaml",
                            "state_size: 300GiB\nkey_count: 500M\n"
                            "event_rate: 20k/s\nmemory_per_node: 32GiB\n"
                            "nodes: 8\nredis_server_memory: 512GiB\n");
  nlohmann::json k = AdviseJson(roomy, results_);
  EXPECT_TRUE(FiredReason(k, "redis[mode=buffered]",
                          "redis-state-exceeds-server-memory")
                  .empty());
  EXPECT_TRUE(
      Has(FiredReason(k, "redis[mode=buffered]", "redis-server-memory-tight"),
          "about 337 GiB of Redis memory out of 512 GiB"));
  // Not declared: said, not silently passed.
  nlohmann::json u = AdviseJson(Write("unknown.yaml",
                                      "state_size: 300GiB\nkey_count: 500M\n"
                                      "event_rate: 20k/s\n"),
                                results_);
  EXPECT_EQ(
      FiredReason(u, "redis[mode=buffered]", "redis-server-memory-unknown"),
      "Redis would need about 337 GiB of server memory; "
      "redis_server_memory is not given, so whether it fits was not "
      "checked");
}

// PostgreSQL stores each row with headers, digests and an index entry; the
// managed instance's storage and connection limits are checked too.
TEST_F(AdviseCliTest, ServerStorageAndConnectionLimitsAreChecked) {
  std::string profile = Write("pg.yaml",
                              "state_size: 100GiB\nkey_count: 1G\n"
                              "event_rate: 5000\nnodes: 4\n"
                              "managed_postgres: true\n"
                              "postgres_server_storage: 250GiB\n"
                              "postgres_max_connections: 3\n"
                              "redis_max_connections: 7\n"
                              "skills: {sql: 3}\n");
  nlohmann::json j = AdviseJson(profile, results_);
  EXPECT_TRUE(Entry(j, "postgres")["vetoed"].get<bool>());
  // 100 GiB + 1G rows x 285 B = 365 GiB.
  EXPECT_EQ(
      FiredReason(j, "postgres", "postgres-state-exceeds-server-storage"),
      "1000000000 rows (100 GiB of state) need about 365 GiB in PostgreSQL at "
      "the measured 285 B per row (headers, digests, primary-key "
      "index), over the 250 GiB the server has");
  EXPECT_EQ(FiredReason(j, "postgres", "postgres-connections-exceeded"),
            "4 subtask(s) hold 4 connections to PostgreSQL, over the 3 the "
            "server accepts");
  EXPECT_EQ(
      FiredReason(j, "redis[mode=buffered]", "redis-connections-exceeded"),
      "4 subtask(s) hold 8 connections to Redis (2 each: state and "
      "commits), over the 7 the server accepts");
  EXPECT_NE(j["top"], "postgres");

  std::string bad = Write("bad.yaml",
                          "state_size: 1GiB\nevent_rate: 5\n"
                          "postgres_max_connections: 0\n");
  CliRun b = Cli({"advise", "--profile", bad, "--results", results_});
  EXPECT_EQ(b.code, 2);
  EXPECT_TRUE(Has(b.err, bad + ":3:27: postgres_max_connections: must be a "
                               "whole number >= 1"))
      << b.err;
}

// A server backend's restore: a job failure only reads the committed
// checkpoint id, but a server crash reloads (Redis) or replays (PostgreSQL)
// and the recovery-time objective must hold for it; the advisor says
// which figure it used.
TEST_F(AdviseCliTest, ServerRestoreIsModelledFromTheStateSize) {
  std::string profile = Write("rto.yaml",
                              "state_size: 300GiB\nkey_count: 500M\n"
                              "event_rate: 20k/s\n"
                              "recovery_time_objective: 10min\n"
                              "memory_per_node: 32GiB\nnodes: 8\n");
  nlohmann::json j = AdviseJson(profile, results_);
  const nlohmann::json& redis = Entry(j, "redis[mode=buffered]");
  EXPECT_TRUE(redis["vetoed"].get<bool>());
  // 300 GiB at 200 MB/s: 1611 s.
  EXPECT_NEAR(redis["capacity"]["restore_time_s"].get<double>(), 1610.6, 0.5);
  EXPECT_EQ(FiredReason(j, "redis[mode=buffered]", "restore-exceeds-rto"),
            "a Redis server crash: it reloads 300 GiB from its RDB/AOF at "
            "about 191 MiB/s takes about 26.8 min (at best 26.8 min), over "
            "the 10 min recovery-time objective at 8 subtasks");
  EXPECT_TRUE(
      Has(FiredReason(j, "redis[mode=buffered]", "server-restore-paths"),
          "a job failure restores in 20 ms"));
  // PostgreSQL replays at most max_wal_size of WAL, whatever the state.
  const nlohmann::json& pg = Entry(j, "postgres");
  EXPECT_TRUE(Has(pg["capacity"]["restore_basis"], "replays"));
  EXPECT_LT(pg["capacity"]["restore_time_s"].get<double>(), 60);
  EXPECT_TRUE(FiredReason(j, "postgres", "restore-exceeds-rto").empty());

  // Small state: the measured job restore is the longer path.
  nlohmann::json small = AdviseJson(
      Write("small.yaml", "state_size: 1MiB\nevent_rate: 1000\n"), results_);
  const nlohmann::json& r = Entry(small, "redis[mode=buffered]");
  EXPECT_NEAR(r["capacity"]["restore_time_s"].get<double>(), 0.02, 1e-9);
  EXPECT_TRUE(Has(r["capacity"]["restore_basis"], "a job restore"));
}

// "More subtasks than the cheapest" compares with backends still in the
// running: a vetoed heap backend's throughput is no alternative.
TEST_F(AdviseCliTest, RelativeCostComparesOnlyWithBackendsInTheRunning) {
  // Heap backends vetoed (200 GiB of heap, 64 GiB there); at 2M events/s
  // they would need 2 subtasks, RocksDB 8.
  std::string profile = Write("fast.yaml",
                              "state_size: 100GiB\nevent_rate: 2M/s\n"
                              "memory_per_node: 16GiB\nnodes: 4\n");
  nlohmann::json j = AdviseJson(profile, results_);
  ASSERT_TRUE(Entry(j, "fs")["vetoed"].get<bool>());
  for (const char* rocks : {"rocksdb", "rocksdb[checkpoint=incremental]"}) {
    EXPECT_TRUE(FiredReason(j, rocks, "many-more-subtasks").empty()) << rocks;
  }
  // Incremental RocksDB plans the fewest subtasks still in the running;
  // full RocksDB needs 25 for its 100 GiB checkpoints within the minute,
  // and is compared with it (3.12x), not with the vetoed heap backends.
  EXPECT_TRUE(FiredReason(j, "rocksdb[checkpoint=incremental]", "more-subtasks")
                  .empty());
  EXPECT_TRUE(Has(FiredReason(j, "rocksdb", "more-subtasks"),
                  "25 for the checkpoint interval), 3.12x as many"))
      << FiredReason(j, "rocksdb", "more-subtasks");
  // 191 postgres subtasks at 15k events/s: more connections than
  // PostgreSQL's default max_connections, and no storage limit given.
  EXPECT_EQ(FiredReason(j, "postgres", "postgres-connections-over-default"),
            "191 subtask(s) hold 191 connections, over PostgreSQL's default "
            "max_connections of 100: raise it (each connection is a server "
            "process) or put a pooler in front");
  EXPECT_TRUE(Has(FiredReason(j, "postgres", "postgres-server-storage-unknown"),
                  "postgres_server_storage is not given"));
  // One server for all of them: the advisor says what it must sustain.
  EXPECT_TRUE(Has(FiredReason(j, "postgres", "server-shared-by-subtasks"),
                  "191 subtasks share one postgres server"));
  // 2M/s x 50% writes x 100 B x the measured 3x amplification.
  EXPECT_EQ(FiredReason(j, "postgres", "server-disk-writes"),
            "one postgres server must write about 286 MiB/s to disk: "
            "95.4 MiB/s of state writes x the measured amplification 3x");
  // Redis is compared with RocksDB: 48 subtasks vs 8 = 6x.
  EXPECT_TRUE(Has(FiredReason(j, "redis[mode=buffered]", "many-more-subtasks"),
                  "6x as many as the cheapest backend still in the running"));
}

// A label shows the configuration's real option values: a run without a
// recorded option gets none, never a placeholder.
TEST_F(AdviseCliTest, LabelsShowOnlyRealOptionValues) {
  ResultsFile f = advisor::testing::StandardResults();
  advisor::testing::FindRun(&f, "redis", "buffered")->backend_options.clear();
  std::string path = dir_ + "/no-mode.json";
  ASSERT_TRUE(SaveResultsFile(f, path).ok());
  nlohmann::json j = AdviseJson(sql_profile_, path);
  std::vector<std::string> labels;
  for (const nlohmann::json& e : j["ranking"]) {
    std::string label = e["backend"];
    EXPECT_FALSE(Has(label, "=-")) << label;
    labels.push_back(label);
  }
  for (const char* want : {"redis", "redis[mode=write-through]"}) {
    EXPECT_NE(std::find(labels.begin(), labels.end(), want), labels.end())
        << want;
  }
}

// The summary quotes the parallelism the plan (and its checkpoint and
// restore figures) uses, not only what the rate needs.
TEST_F(AdviseCliTest, SummaryQuotesThePlannedParallelism) {
  std::string profile = std::string(STATEBENCH_SOURCE_DIR) +
                        "/advisor/examples/large-state-aggregation.yaml";
  nlohmann::json j = AdviseJson(profile, results_);
  std::string summary = j["summary"];
  EXPECT_TRUE(Has(summary, ": parallelism 8 (1 subtask(s) for the rate at "))
      << summary;
  EXPECT_TRUE(Has(summary, "37.5 GiB of state each")) << summary;
  EXPECT_TRUE(Has(summary, "; at least one per node)")) << summary;
}

}  // namespace
}  // namespace statebench
