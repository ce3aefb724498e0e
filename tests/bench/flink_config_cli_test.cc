// --flink-config through the CLI, as a user runs it: Flink 1.x and 2.x
// files set the backend, checkpointing and parallelism of run, compare and
// verify; the workload file and flags override them; unused keys are notes;
// bad files exit 2 before anything runs.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "bench/cli/cli.h"
#include "tests/cli_runner.h"

namespace statebench {
namespace {

using testing::Cli;
using testing::CliRun;

constexpr char kFlink1[] =
    "# Flink 1.x flink-conf.yaml\n"
    "jobmanager.rpc.address: localhost\n"
    "state.backend.type: rocksdb\n"
    "state.backend.incremental: true\n"
    "execution.checkpointing.interval: 150 ms\n"
    "parallelism.default: 2\n"
    "state.backend.rocksdb.writebuffer.size: 8mb\n";

constexpr char kFlink2[] =
    "# Flink 2.x config.yaml\n"
    "parallelism:\n"
    "  default: 2\n"
    "state:\n"
    "  backend:\n"
    "    type: hashmap\n"
    "execution:\n"
    "  checkpointing:\n"
    "    interval: 150ms\n"
    "    storage: filesystem\n"
    "    incremental: false\n"
    "taskmanager.numberOfTaskSlots: 4\n";

class FlinkConfigCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> dir = MakeTempDirectory("statebench-flink-cli-");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir;
  }
  void TearDown() override { (void)RemoveTree(dir_); }

  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }

  // A short run; `args` come after the quick settings, so they override.
  CliRun Run(const std::string& command, std::vector<std::string> args) {
    std::vector<std::string> all = {command, "--warmup", "0",    "--duration",
                                    "0.25",  "--keys",   "1000", "-q",
                                    "-o",    Out()};
    if (command != "verify") all.push_back("--no-restore");
    all.insert(all.end(), args.begin(), args.end());
    return Cli(all);
  }

  std::string Out() const { return dir_ + "/results.json"; }

  nlohmann::json Results() const {
    Result<std::string> text = ReadFileToString(Out());
    EXPECT_TRUE(text.ok());
    return text.ok() ? nlohmann::json::parse(*text) : nlohmann::json();
  }

  std::string dir_;
};

TEST_F(FlinkConfigCliTest, Flink1FlatFileSetsBackendCheckpointsParallelism) {
  CliRun r = Run("run", {"--flink-config", Write("flink-conf.yaml", kFlink1)});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = Results();
  const nlohmann::json& run = j["runs"][0];
  EXPECT_EQ(run["backend"], "rocksdb");
  EXPECT_EQ(run["parallelism"], 2);
  EXPECT_EQ(run["checkpoint_type"], "incremental");
  EXPECT_EQ(run["effective_config"]["checkpoint.incremental"], "on");
  EXPECT_EQ(run["effective_config"]["write_buffer_size"],
            std::to_string(8 << 20));
  EXPECT_EQ(j["config"]["checkpoint"]["interval_ms"], 150);
  EXPECT_GE(run["repetitions"][0]["checkpoints"].size(), 1u);
  const nlohmann::json& keys = j["config"]["flink_config"]["keys"];
  EXPECT_EQ(keys["state.backend.type"]["sets"]["backend"], "rocksdb");
  EXPECT_EQ(keys["state.backend.type"]["line"], 3);
  EXPECT_EQ(keys["execution.checkpointing.interval"]["sets"]
                ["checkpoint.interval_ms"],
            "150");
  EXPECT_FALSE(keys["parallelism.default"].contains("overridden"));
  // The key the run does not use is a note, on stderr and in the results.
  EXPECT_NE(r.err.find("note: flink config"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("jobmanager.rpc.address"), std::string::npos) << r.err;
  ASSERT_TRUE(j["config"].contains("notes"));
  EXPECT_NE(j["config"]["notes"].dump().find(
                "flink-conf.yaml:2: jobmanager.rpc.address"),
            std::string::npos);
}

// A path is bytes: one that is not UTF-8 reaches the notes and argv of the
// results, which keep U+FFFD in its place rather than abort the run.
// A path the results could not record as given is refused before the
// run, naming the flag, instead of aborting after it.
TEST_F(FlinkConfigCliTest, PathThatIsNotUtf8IsRefusedBeforeTheRun) {
  CliRun r = Run("run", {"-b", "memory", "--flink-config",
                         Write("conf-\xff.yaml", kFlink1)});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--flink-config"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not valid UTF-8"), std::string::npos) << r.err;
}

TEST_F(FlinkConfigCliTest, Flink2NestedFileSetsBackendCheckpointsParallelism) {
  CliRun r = Run("run", {"--flink-config", Write("config.yaml", kFlink2)});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = Results();
  const nlohmann::json& run = j["runs"][0];
  // hashmap with filesystem checkpoint storage is the fs backend.
  EXPECT_EQ(run["backend"], "fs");
  EXPECT_EQ(run["effective_config"]["checkpoint.storage"], "filesystem");
  EXPECT_EQ(run["parallelism"], 2);
  EXPECT_EQ(run["checkpoint_type"], "full");
  EXPECT_EQ(j["config"]["checkpoint"]["interval_ms"], 150);
  EXPECT_EQ(j["config"]["flink_config"]["keys"]["state.backend.type"]["line"],
            6);
  EXPECT_NE(r.err.find("taskmanager.numberOfTaskSlots"), std::string::npos)
      << r.err;
}

// A production interval from a Flink configuration is longer than a short
// run; the run says that it measures no checkpoint.
TEST_F(FlinkConfigCliTest, IntervalLongerThanTheRunIsANote) {
  CliRun r = Run(
      "run", {"-b", "memory", "--flink-config",
              Write("long.yaml", "execution.checkpointing.interval: 3 min\n")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("checkpoint interval 180000 ms is longer than the "
                       "warmup and measured phase (250 ms)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(Results()["config"]["notes"].dump().find("no checkpoint"),
            std::string::npos);
}

TEST_F(FlinkConfigCliTest, WorkloadFileAndFlagsOverrideTheFlinkConfig) {
  const std::string flink = Write("flink-conf.yaml", kFlink1);
  const std::string workload = Write(
      "w.yaml", "run:\n  parallelism: 3\ncheckpoint:\n  interval_ms: 200\n");
  CliRun r = Run("run", {"--flink-config", flink, "--workload-file", workload,
                         "-b", "memory", "--checkpoint-interval", "250"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = Results();
  const nlohmann::json& run = j["runs"][0];
  EXPECT_EQ(run["backend"], "memory");
  EXPECT_EQ(run["parallelism"], 3);                          // workload file
  EXPECT_EQ(j["config"]["checkpoint"]["interval_ms"], 250);  // flag
  EXPECT_EQ(run["checkpoint_type"], "incremental");          // Flink config
  const nlohmann::json& keys = j["config"]["flink_config"]["keys"];
  EXPECT_EQ(keys["state.backend.type"]["overridden"],
            nlohmann::json::array({"backend"}));
  EXPECT_EQ(keys["parallelism.default"]["overridden"],
            nlohmann::json::array({"parallelism"}));
  EXPECT_EQ(keys["execution.checkpointing.interval"]["overridden"],
            nlohmann::json::array({"checkpoint.interval_ms"}));
  EXPECT_FALSE(keys["state.backend.incremental"].contains("overridden"));
}

TEST_F(FlinkConfigCliTest, CompareKeepsItsBackendsAndTakesTheRest) {
  CliRun r = Run("compare", {"--flink-config", Write("c.yaml", kFlink1),
                             "--backends", "memory"});
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = Results();
  ASSERT_EQ(j["runs"].size(), 1u);
  EXPECT_EQ(j["runs"][0]["backend"], "memory");
  EXPECT_EQ(j["runs"][0]["parallelism"], 2);
  EXPECT_EQ(
      j["config"]["flink_config"]["keys"]["state.backend.type"]["overridden"],
      nlohmann::json::array({"backend"}));
  EXPECT_EQ(j["config"]["checkpoint"]["interval_ms"], 150);
  EXPECT_NE(r.err.find("compare measures every backend"), std::string::npos)
      << r.err;
}

TEST_F(FlinkConfigCliTest, BadFilesExitTwoWithThePositionBeforeRunning) {
  struct Case {
    std::string text, want;
  };
  const std::vector<Case> cases = {
      {"state.backend.type: forst\n", "bad.yaml:1:21: state.backend.type"},
      {"parallelism.default: 2\nexecution.checkpointing.timeout: 1 fortnight\n",
       "bad.yaml:2:34: execution.checkpointing.timeout"},
      {"state.backend.type: rocksdb\nstate:\n  backend:\n    type: hashmap\n",
       "bad.yaml:4:11: state.backend.type: 'hashmap' conflicts"},
      {"state: [\n", "bad.yaml:2:1"},
  };
  for (const Case& c : cases) {
    const std::string path = Write("bad.yaml", c.text);
    for (const char* command : {"run", "compare", "verify"}) {
      std::vector<std::string> args = {"--flink-config", path};
      if (std::string(command) != "compare") {
        args.insert(args.end(), {"-b", "memory"});
      }
      CliRun r = Run(command, args);
      EXPECT_EQ(r.code, 2) << command << " " << c.text << r.err;
      EXPECT_NE(r.err.find(c.want), std::string::npos)
          << command << ": " << r.err;
      std::ifstream written(Out());
      EXPECT_FALSE(written.good()) << command << " wrote results";
    }
  }
}

// Flink refuses a max parallelism below the parallelism; so does the run,
// with a message saying which, whichever layer set them.
TEST_F(FlinkConfigCliTest, MaxParallelismBelowParallelismIsAUsageError) {
  const std::string flink =
      Write("mp.yaml",
            "state.backend.type: hashmap\nparallelism.default: 4\n"
            "pipeline.max-parallelism: 2\n");
  const std::vector<std::vector<std::string>> cases = {
      {"--flink-config", flink},
      {"-b", "memory", "-p", "4", "--max-parallelism", "2"},
      {"-b", "memory", "--max-parallelism", "2", "--rescale", "1:3"},
  };
  for (const std::vector<std::string>& args : cases) {
    CliRun r = Run("run", args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("max parallelism 2 is below the"), std::string::npos)
        << r.err;
    std::ifstream written(Out());
    EXPECT_FALSE(written.good()) << "results written: " << r.err;
  }
  CliRun r = Run(
      "verify", {"-b", "memory", "--max-parallelism", "2", "--rescale", "2:3"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("max parallelism 2 is below 3"), std::string::npos)
      << r.err;
}

TEST_F(FlinkConfigCliTest, BackendComesFromTheFlinkConfigOrTheFlag) {
  const std::string none = Write("none.yaml", "parallelism.default: 2\n");
  for (const char* command : {"run", "verify"}) {
    CliRun r = Run(command, {"--flink-config", none});
    EXPECT_EQ(r.code, 2) << command;
    EXPECT_NE(r.err.find("--backend is required"), std::string::npos) << r.err;
  }
  // verify takes the backend from the file: it gets as far as checking
  // its kill window, which comes after the backend.
  CliRun r = Cli({"verify", "--flink-config", Write("v.yaml", kFlink2),
                  "--kill-min", "2", "--kill-max", "1", "-q"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--kill-min must not exceed"), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace statebench
