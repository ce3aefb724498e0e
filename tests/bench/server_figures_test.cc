// What the server backends' figures and durability say, through the CLI a
// user runs, against real servers: the ones scripts/servers.sh started
// (STATEBENCH_TEST_* variables) and, for persistence settings, servers that
// `compare --spawn` starts with the settings under test.
//   - redis buffered mode: a checkpoint's size is bounded by the entries
//     its interval touched, not by the ops it made;
//   - every backend says where its reads were served, and the counts add
//     up to the read ops measured;
//   - repetitions on a server start from the same state: space
//     amplification does not grow from one to the next;
//   - `durable` follows the server's persistence settings, which the
//     results record, and the advisor vetoes a non-durable server when no
//     data loss is tolerated.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "bench/cli/cli.h"
#include "reports/results/results.h"
#include "tests/backends/server_test_env.h"
#include "tests/bench/server_binary.h"
#include "tests/cli_runner.h"

#ifdef STATEBENCH_WITH_POSTGRES
#include <pqxx/pqxx>

#include "backends/postgres/postgres_support.h"
#endif

namespace statebench {
namespace {

using testing::TestServer;
using testing::UniqueJob;

using testing::Cli;
using testing::CliRun;

#ifdef STATEBENCH_WITH_POSTGRES
// `server` with a fresh database of its own, named `name`. PostgreSQL's
// size figure is the size of the sb_* tables, which hold every job of the
// database: a test that compares sizes must not share them with the tests
// that write beside it.
TestServer WithOwnDatabase(const TestServer& server, const std::string& name) {
  Result<std::string> pass = ReadFileToString(server.password_file);
  EXPECT_TRUE(pass.ok()) << pass.status().ToString();
  PostgresTarget target;
  Result<std::string> conninfo =
      BuildConninfo(server.uri, pass.ok() ? *pass : "", 2000, 10000, &target);
  EXPECT_TRUE(conninfo.ok()) << conninfo.status().ToString();
  if (!conninfo.ok()) return server;
  pqxx::connection c(*conninfo);
  pqxx::nontransaction tx(c);
  tx.exec0("CREATE DATABASE " + tx.quote_name(name));
  TestServer own = server;
  own.uri = server.uri.substr(0, server.uri.rfind('/') + 1) + name;
  return own;
}
#endif

class ServerFiguresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> d = MakeTempDirectory("statebench-server-figures-");
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dir_ = *d;
  }
  void TearDown() override {
    if (!dir_.empty()) (void)RemoveTree(dir_);
  }

  // Runs `args` with -o and returns the results file's only run.
  RunResult RunOne(std::vector<std::string> args, const std::string& name) {
    std::string out = dir_ + "/" + name + ".json";
    args.insert(args.end(), {"-q", "-o", out});
    CliRun r = Cli(args);
    EXPECT_EQ(r.code, 0) << r.err;
    Result<ResultsFile> f = LoadResultsFile(out);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    if (!f.ok() || f->runs.size() != 1) return {};
    last_console_ = r.out;
    return f->runs[0];
  }

  static std::vector<std::string> ServerArgs(const std::string& backend,
                                             const TestServer& s,
                                             const std::string& job) {
    return {"--backend-opt", backend + ".uri=" + s.uri,
            "--backend-opt", backend + ".password_file=" + s.password_file,
            "--backend-opt", backend + ".job=" + job};
  }

  static uint64_t ReadOps(const RunResult& run) {
    uint64_t n = 0;
    for (const Repetition& rep : run.repetitions) {
      for (const OpKindResult& op : rep.ops) {
        if (op.op == "value_get" || op.op == "list_get" || op.op == "map_get" ||
            op.op == "map_scan") {
          n += op.count;
        }
      }
    }
    return n;
  }

  static uint64_t Sum(const std::map<std::string, uint64_t>& m) {
    uint64_t n = 0;
    for (const auto& [k, v] : m) n += v;
    return n;
  }

  std::string dir_;
  std::string last_console_;
};

// 200 keys overwritten for a second, checkpointed every 100 ms: each
// interval makes thousands of writes to the same 200 entries. What a
// checkpoint sends is the last value of each entry it touched.
TEST_F(ServerFiguresTest, RedisCheckpointIsBoundedByTheEntriesTouched) {
  SB_REQUIRE_REDIS(server);
  constexpr int kKeys = 200, kKeySize = 16, kValueSize = 100;
  std::vector<std::string> args = {"run",
                                   "--backend",
                                   "redis",
                                   "--keys",
                                   std::to_string(kKeys),
                                   "--key-size",
                                   std::to_string(kKeySize),
                                   "--value-size",
                                   std::to_string(kValueSize),
                                   "--warmup",
                                   "0",
                                   "--duration",
                                   "1",
                                   "--checkpoint-interval",
                                   "100",
                                   "--no-restore"};
  for (const std::string& a : ServerArgs("redis", server, UniqueJob("ckpt")))
    args.push_back(a);
  RunResult run = RunOne(args, "redis-ckpt");
  ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
  ASSERT_EQ(run.repetitions.size(), 1u);
  const Repetition& rep = run.repetitions[0];
  // An entry in the staged layer: its address (state id, key group,
  // varint length, key, namespace) and value, with a few bytes of framing.
  constexpr uint64_t kPerEntry = kKeySize + kValueSize + 32;
  constexpr uint64_t kBound = kKeys * kPerEntry + 1024;
  int completed = 0;
  uint64_t sent = 0;
  for (const CheckpointRecord& c : rep.checkpoints) {
    if (c.status != CheckpointStatus::kCompleted) continue;
    ++completed;
    sent += c.checkpointed_size;
    EXPECT_LE(c.checkpointed_size, kBound) << "checkpoint " << c.id;
  }
  ASSERT_GE(completed, 3);
  // The point of the bound: the ops made far more writes than that.
  EXPECT_GT(rep.io.logical_bytes_written, 4 * sent)
      << "the workload made too few overwrites to tell coalesced from not";
}

// Where reads were served adds up to the reads made, and a read the local
// buffer answered is not counted as a server round trip.
TEST_F(ServerFiguresTest, ReadSourcesAddUpToTheReadsOfEveryBackend) {
  SB_REQUIRE_REDIS(redis);
  SB_REQUIRE_POSTGRES(pg);
  struct Case {
    std::string backend;
    std::vector<std::string> levels;  // the levels that must be there
  };
  const std::vector<Case> cases = {{"memory", {"memory"}},
                                   {"fs", {"memory"}},
                                   {"rocksdb", {"memtable"}},
                                   {"redis", {"local_buffer", "server"}},
                                   {"postgres", {"server"}}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.backend);
    std::vector<std::string> args = {"run",     "--backend",
                                     c.backend, "--keys",
                                     "2000",    "--warmup",
                                     "0",       "--duration",
                                     "0.5",     "--checkpoint-interval",
                                     "200",     "--no-restore"};
    if (c.backend == "redis" || c.backend == "postgres") {
      const TestServer& s = c.backend == "redis" ? redis : pg;
      for (const std::string& a : ServerArgs(c.backend, s, UniqueJob("reads")))
        args.push_back(a);
    }
    RunResult run = RunOne(args, c.backend + "-reads");
    ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
    for (const std::string& level : c.levels) {
      EXPECT_GT(run.read_sources.count(level) ? run.read_sources.at(level) : 0,
                0u)
          << level;
    }
    const uint64_t reads = ReadOps(run);
    ASSERT_GT(reads, 0u);
    if (c.backend != "rocksdb") {
      // One level per read; rocksdb counts lookups per level instead.
      EXPECT_EQ(Sum(run.read_sources), reads);
    }
    EXPECT_NE(last_console_.find("READS SERVED FROM"), std::string::npos)
        << last_console_;
  }
}

// Each repetition starts from the same (empty) state, so space
// amplification is the same figure three times, not a growing one. Each
// repetition applies the same 5,000 events: a timed phase would apply as
// many as the machine's load allows, and PostgreSQL's table grows with the
// dead row versions of every update.
TEST_F(ServerFiguresTest, PostgresRepetitionsStartFromTheSameState) {
#ifndef STATEBENCH_WITH_POSTGRES
  GTEST_SKIP() << "built without the postgres backend";
#else
  SB_REQUIRE_POSTGRES(shared);
  // A database of its own: the sizes of the other tests' jobs, written
  // while this one runs, would be counted in its space amplification.
  std::string db = UniqueJob("space");
  std::replace(db.begin(), db.end(), '-', '_');
  TestServer pg = WithOwnDatabase(shared, db);
  std::vector<std::string> args = {
      "run",  "--backend",   "postgres", "--keys",
      "5000", "--warmup",    "0",        "--events",
      "5000", "-r",          "3",        "--checkpoint-interval",
      "200",  "--no-restore"};
  for (const std::string& a : ServerArgs("postgres", pg, UniqueJob("space")))
    args.push_back(a);
  RunResult run = RunOne(args, "pg-space");
  ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
  ASSERT_EQ(run.repetitions.size(), 3u);
  std::vector<double> amp;
  for (const Repetition& rep : run.repetitions) {
    ASSERT_TRUE(rep.io.space_amplification.has_value());
    amp.push_back(*rep.io.space_amplification);
  }
  auto [lo, hi] = std::minmax_element(amp.begin(), amp.end());
  EXPECT_LE(*hi / *lo, 1.15) << amp[0] << " " << amp[1] << " " << amp[2];
#endif
}

// The same for redis: the job's keys of the previous repetition are gone
// before the next one loads. On a private server: the server's memory is
// what is measured, and other tests' keys on the shared one would move it.
TEST_F(ServerFiguresTest, RedisRepetitionsStartFromTheSameState) {
  SB_REQUIRE_BINARY("redis");
  std::vector<std::string> args = {"run",
                                   "--backend",
                                   "redis",
                                   "--spawn",
                                   "--keys",
                                   "5000",
                                   "--warmup",
                                   "0",
                                   "--duration",
                                   "0.5",
                                   "-r",
                                   "3",
                                   "--checkpoint-interval",
                                   "200",
                                   "--no-restore"};
  RunResult run = RunOne(args, "redis-space");
  ASSERT_EQ(run.status, RunStatus::kOk) << run.failure_reason;
  ASSERT_EQ(run.repetitions.size(), 3u);
  std::vector<double> amp;
  for (const Repetition& rep : run.repetitions) {
    ASSERT_TRUE(rep.io.space_amplification.has_value());
    amp.push_back(*rep.io.space_amplification);
  }
  auto [lo, hi] = std::minmax_element(amp.begin(), amp.end());
  EXPECT_LE(*hi / *lo, 1.15) << amp[0] << " " << amp[1] << " " << amp[2];
}

// compare --spawn with the persistence settings under test: the results
// record what the servers report, and `durable` follows it.
TEST_F(ServerFiguresTest, DurableFollowsTheSpawnedServersPersistence) {
  SB_REQUIRE_BINARY("redis");
  SB_REQUIRE_BINARY("postgres");
  struct Case {
    std::string redis_fsync;  // "" = AOF off
    std::string pg_sync_commit;
    bool redis_durable;
    bool pg_durable;
  };
  for (const Case& c :
       {Case{"", "on", false, true}, Case{"always", "off", true, false},
        Case{"everysec", "on", false, true}}) {
    SCOPED_TRACE("appendfsync '" + c.redis_fsync + "', synchronous_commit " +
                 c.pg_sync_commit);
    std::string out = dir_ + "/spawn.json";
    std::vector<std::string> args = {"compare",
                                     "--spawn",
                                     "--backends",
                                     "redis,postgres",
                                     "--keys",
                                     "500",
                                     "--warmup",
                                     "0",
                                     "--duration",
                                     "0.2",
                                     "-r",
                                     "1",
                                     "--no-restore",
                                     "--spawn-pg-synchronous-commit",
                                     c.pg_sync_commit,
                                     "-q",
                                     "-o",
                                     out};
    if (!c.redis_fsync.empty()) {
      args.insert(args.end(), {"--spawn-redis-appendfsync", c.redis_fsync});
    }
    CliRun r = Cli(args);
    ASSERT_EQ(r.code, 0) << r.err;
    Result<ResultsFile> f = LoadResultsFile(out);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    ASSERT_EQ(f->runs.size(), 2u);
    const CapabilitiesRecord& redis = f->runs[0].capabilities;
    const CapabilitiesRecord& pg = f->runs[1].capabilities;
    EXPECT_EQ(redis.persistence.at("appendonly"),
              c.redis_fsync.empty() ? "no" : "yes");
    if (!c.redis_fsync.empty()) {
      EXPECT_EQ(redis.persistence.at("appendfsync"), c.redis_fsync);
    }
    EXPECT_EQ(redis.durable, c.redis_durable) << redis.durability_note;
    EXPECT_EQ(pg.persistence.at("synchronous_commit"), c.pg_sync_commit);
    EXPECT_EQ(pg.persistence.at("fsync"), "on");
    EXPECT_EQ(pg.durable, c.pg_durable) << pg.durability_note;
    if (c.redis_fsync == "everysec") {
      EXPECT_NE(redis.durability_note.find("up to 1 s"), std::string::npos)
          << redis.durability_note;
    }
    EXPECT_NE(r.out.find("appendonly="), std::string::npos) << r.out;

    // The advisor reads `durable` from the results: with no data loss
    // tolerated, a server that loses committed checkpoints is vetoed.
    std::string profile = dir_ + "/profile.yaml";
    ASSERT_TRUE(WriteFileAtomically(
                    profile,
                    "name: no-loss\nstate_size: 1GiB\nevent_rate: 1000\n"
                    "tolerated_data_loss: none\n")
                    .ok());
    CliRun a = Cli(
        {"advise", "--profile", profile, "--results", out, "--format", "json"});
    ASSERT_EQ(a.code, 0) << a.err;
    nlohmann::json rec = nlohmann::json::parse(a.out, nullptr, false);
    ASSERT_TRUE(rec.is_object()) << a.out;
    std::map<std::string, std::string> vetoed;  // backend -> reason
    for (const nlohmann::json& f : rec["fired_rules"]) {
      if (f["rule"] == "no-loss-needs-durable-server") {
        vetoed[f["backend"].get<std::string>()] = f["reason"];
      }
    }
    EXPECT_EQ(vetoed.count("redis"), c.redis_durable ? 0u : 1u) << a.out;
    EXPECT_EQ(vetoed.count("postgres"), c.pg_durable ? 0u : 1u) << a.out;
    if (vetoed.count("redis")) {
      EXPECT_NE(vetoed["redis"].find("appendonly"), std::string::npos)
          << vetoed["redis"];
    }
  }
}

}  // namespace
}  // namespace statebench
