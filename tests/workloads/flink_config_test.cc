#include "workloads/flink_config.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace statebench {
namespace {

FlinkConfig Parse(const std::string& text) {
  Result<FlinkConfig> c = ParseFlinkConfig(text, "conf.yaml");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : FlinkConfig();
}

std::string ErrorOf(const std::string& text) {
  Result<FlinkConfig> c = ParseFlinkConfig(text, "conf.yaml");
  EXPECT_FALSE(c.ok()) << text;
  return c.ok() ? "" : c.status().message();
}

const FlinkKeyUse* Used(const FlinkConfig& c, const std::string& key) {
  for (const FlinkKeyUse& u : c.used) {
    if (u.key == key) return &u;
  }
  return nullptr;
}

bool HasNote(const FlinkConfig& c, const std::string& part) {
  for (const std::string& n : c.notes) {
    if (n.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(FlinkDurationTest, AcceptsFlinkUnitsCaseInsensitive) {
  const std::vector<std::pair<std::string, uint64_t>> cases = {
      {"30 s", 30'000},       {"30s", 30'000},       {"1 min", 60'000},
      {"1m", 60'000},         {"500ms", 500},        {"500", 500},
      {"2 h", 7'200'000},     {"1 d", 86'400'000},   {"3 days", 259'200'000},
      {"10 SECONDS", 10'000}, {"5 Min", 300'000},    {" 7 sec ", 7'000},
      {"1500 micro", 1},      {"999999 ns", 0},      {"2 millis", 2},
      {"1 hour", 3'600'000},  {"4 minutes", 240'000}};
  for (const auto& [text, ms] : cases) {
    Result<uint64_t> got = ParseFlinkDuration(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status().ToString();
    EXPECT_EQ(*got, ms) << text;
  }
}

TEST(FlinkDurationTest, RefusesWhatFlinkRefuses) {
  for (const char* text :
       {"", "s", "1.5 s", "-1 s", "30 sek", "1e3", "PT30S", "30 s x",
        "99999999999999999999 ms", "999999999999999 d"}) {
    EXPECT_FALSE(ParseFlinkDuration(text).ok()) << text;
  }
}

TEST(FlinkMemorySizeTest, AcceptsBinaryUnitsCaseInsensitive) {
  const std::vector<std::pair<std::string, uint64_t>> cases = {
      {"64mb", 64ull << 20},      {"1 gb", 1ull << 30},
      {"512k", 512ull << 10},     {"4096", 4096},
      {"100 bytes", 100},         {"2 MB", 2ull << 20},
      {"1T", 1ull << 40},         {"3 mebibytes", 3ull << 20},
      {"8 KiBiBytes", 8ull << 10}};
  for (const auto& [text, bytes] : cases) {
    Result<uint64_t> got = ParseFlinkMemorySize(text);
    ASSERT_TRUE(got.ok()) << text << ": " << got.status().ToString();
    EXPECT_EQ(*got, bytes) << text;
  }
}

TEST(FlinkMemorySizeTest, RefusesWhatFlinkRefuses) {
  for (const char* text :
       {"", "mb", "1.5gb", "-1mb", "64 mib", "64 xb", "99999999999 tb"}) {
    EXPECT_FALSE(ParseFlinkMemorySize(text).ok()) << text;
  }
}

TEST(FlinkConfigTest, FlatFlink1File) {
  FlinkConfig c = Parse(
      "# comment\n"
      "jobmanager.rpc.address: localhost\n"
      "state.backend.type: rocksdb\n"
      "state.backend.incremental: true\n"
      "execution.checkpointing.interval: 30 s\n"
      "execution.checkpointing.min-pause: 500ms\n"
      "execution.checkpointing.timeout: 2 min\n"
      "state.checkpoints.num-retained: 3\n"
      "parallelism.default: 4\n"
      "pipeline.max-parallelism: 256\n");
  EXPECT_EQ(c.backend, "rocksdb");
  EXPECT_EQ(c.run.checkpoint_type, "incremental");
  EXPECT_EQ(c.run.checkpoint_interval_ms, 30'000u);
  EXPECT_EQ(c.run.checkpoint_min_pause_ms, 500u);
  EXPECT_EQ(c.run.checkpoint_timeout_ms, 120'000u);
  EXPECT_EQ(c.run.parallelism, 4);
  EXPECT_EQ(c.run.max_parallelism, 256);
  EXPECT_EQ(c.run.backend_options["rocksdb"]["retained_checkpoints"], "3");
  EXPECT_EQ(c.run.backend_options["fs"]["retained_checkpoints"], "3");
  const FlinkKeyUse* type = Used(c, "state.backend.type");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->line, 3);
  EXPECT_EQ(type->column, 21);
  ASSERT_EQ(type->sets.size(), 1u);
  EXPECT_EQ(type->sets[0].first, "backend");
  EXPECT_EQ(type->sets[0].second, "rocksdb");
  ASSERT_EQ(c.notes.size(), 1u);
  EXPECT_NE(c.notes[0].find("conf.yaml:2: jobmanager.rpc.address"),
            std::string::npos)
      << c.notes[0];
}

TEST(FlinkConfigTest, NestedFlink2FileMixedWithFlatKeys) {
  FlinkConfig c = Parse(
      "parallelism:\n"
      "  default: 3\n"
      "state:\n"
      "  backend:\n"
      "    type: hashmap\n"
      "execution:\n"
      "  checkpointing:\n"
      "    interval: 1 min\n"
      "    incremental: false\n"
      "    dir: file:///checkpoints\n"
      "    num-retained: 2\n"
      "pipeline.max-parallelism: -1\n");
  // hashmap with a checkpoint directory is filesystem storage: fs.
  EXPECT_EQ(c.backend, "fs");
  EXPECT_EQ(c.run.parallelism, 3);
  EXPECT_EQ(c.run.max_parallelism, 0);  // Flink's default
  EXPECT_EQ(c.run.checkpoint_interval_ms, 60'000u);
  EXPECT_EQ(c.run.checkpoint_type, "full");
  EXPECT_EQ(c.run.backend_options["fs"]["retained_checkpoints"], "2");
  const FlinkKeyUse* type = Used(c, "state.backend.type");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->line, 5);
  EXPECT_TRUE(HasNote(c, "execution.checkpointing.dir"));
}

TEST(FlinkConfigTest, BackendNamesMapToStatebenchBackends) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"state.backend.type: hashmap\n", "memory"},
      {"state.backend.type: HashMap\nstate.checkpoint-storage: filesystem\n",
       "fs"},
      {"state.backend.type: hashmap\nstate.checkpoints.dir: /c\n"
       "execution.checkpointing.storage: jobmanager\n",
       "memory"},
      {"state.backend.type: rocksdb\n", "rocksdb"},
      {"state.backend.type: embeddedrocksdb\n", "rocksdb"},
      {"state.backend: filesystem\n", "fs"},
      {"state.backend: jobmanager\n", "memory"},
      {"state.backend.type: org.apache.flink.contrib.streaming.state."
       "EmbeddedRocksDBStateBackendFactory\n",
       "rocksdb"},
      {"parallelism.default: 2\n", ""},
  };
  for (const auto& [text, backend] : cases) {
    EXPECT_EQ(Parse(text).backend, backend) << text;
  }
  // Why hashmap became memory is explained.
  EXPECT_TRUE(HasNote(Parse("state.backend.type: hashmap\n"),
                      "JobManager (capped at 5 MiB)"));
}

TEST(FlinkConfigTest, UnmappableBackendsAreErrorsNamingThePosition) {
  std::string e =
      ErrorOf("parallelism.default: 2\nstate.backend.type: forst\n");
  EXPECT_NE(e.find("conf.yaml:2:21: state.backend.type"), std::string::npos)
      << e;
  EXPECT_NE(e.find("ForSt"), std::string::npos) << e;
  e = ErrorOf("state.backend.type: cassandra\n");
  EXPECT_NE(e.find("conf.yaml:1:21"), std::string::npos) << e;
  EXPECT_NE(e.find("'cassandra' is not a state backend"), std::string::npos)
      << e;
}

TEST(FlinkConfigTest, ConflictingValuesAreErrors) {
  // The same key flat and nested.
  std::string e = ErrorOf(
      "state.backend.type: rocksdb\n"
      "state:\n"
      "  backend:\n"
      "    type: hashmap\n");
  EXPECT_NE(e.find("conf.yaml:4:11: state.backend.type: 'hashmap' conflicts "
                   "with 'rocksdb' at conf.yaml:1:21"),
            std::string::npos)
      << e;
  // One option under its Flink 1.x and 2.x names.
  e = ErrorOf(
      "state.backend.incremental: true\n"
      "execution.checkpointing.incremental: false\n");
  EXPECT_NE(e.find("conflicts"), std::string::npos) << e;
  EXPECT_NE(e.find("conf.yaml:1:"), std::string::npos) << e;
  // A legacy backend name that implies another storage.
  e = ErrorOf(
      "state.backend: jobmanager\nstate.checkpoint-storage: filesystem\n");
  EXPECT_NE(e.find("conf.yaml:2:"), std::string::npos) << e;
  // Repeating the same value is no conflict.
  EXPECT_EQ(Parse("parallelism.default: 2\nparallelism:\n  default: 2\n")
                .run.parallelism,
            2);
}

TEST(FlinkConfigTest, BadValuesNameFileLineColumnAndKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"execution.checkpointing.interval: 30 sek\n",
       "conf.yaml:1:35: execution.checkpointing.interval"},
      {"execution.checkpointing.interval: 5 ms\n",
       "conf.yaml:1:35: execution.checkpointing.interval"},
      {"state.backend.incremental: yes please\n",
       "conf.yaml:1:28: state.backend.incremental"},
      {"parallelism.default: 0\n", "conf.yaml:1:22: parallelism.default"},
      {"x: 1\nstate.backend.rocksdb.writebuffer.size: 64 zb\n",
       "conf.yaml:2:41: state.backend.rocksdb.writebuffer.size"},
      {"state.backend.rocksdb.compression.per.level: GZIP\n",
       "conf.yaml:1:46: state.backend.rocksdb.compression.per.level"},
      {"a: [b\n", "conf.yaml:2:1"},
      {"- a\n- b\n", "conf.yaml:1:1"},
      {"a: 1\nb\xff: 2\n", "conf.yaml:2:2: not UTF-8"},
      {"a: \xc3\xa9\xed\xa0\x80\n", "conf.yaml:1:6: not UTF-8"},
      // yaml-cpp reads NUL 'N' as a lone 0x85 byte.
      {std::string("x: 1\nk: a\0Nb\n", 13), "conf.yaml:2:4: not UTF-8"},
  };
  for (const auto& [text, want] : cases) {
    const std::string e = ErrorOf(text);
    EXPECT_NE(e.find(want), std::string::npos) << text << " -> " << e;
  }
}

TEST(FlinkConfigTest, RocksDbOptionsTheBackendHas) {
  FlinkConfig c = Parse(
      "state.backend.rocksdb.writebuffer.size: 32mb\n"
      "state.backend.rocksdb.thread.num: 4\n"
      "state.backend.rocksdb.compression.per.level: ZSTD_COMPRESSION\n"
      "state.backend.rocksdb.writebuffer.count: 3\n"
      "state.backend.rocksdb.compaction.style: UNIVERSAL\n"
      "state.backend.rocksdb.some.future.option: 1\n");
  auto& opts = c.run.backend_options["rocksdb"];
  EXPECT_EQ(opts["write_buffer_size"], std::to_string(32u << 20));
  EXPECT_EQ(opts["max_background_jobs"], "4");
  EXPECT_EQ(opts["block_compression"], "zstd");
  EXPECT_TRUE(HasNote(c, "writebuffer.count"));
  EXPECT_TRUE(HasNote(c, "compaction.style"));
  EXPECT_TRUE(HasNote(c, "some.future.option"));
  EXPECT_EQ(c.notes.size(), 3u);
}

TEST(FlinkConfigTest, PerLevelCompressionMapsOnlyWhenUniform) {
  FlinkConfig c = Parse(
      "state.backend.rocksdb.compression.per.level: "
      "[LZ4_COMPRESSION, LZ4_COMPRESSION]\n");
  EXPECT_EQ(c.run.backend_options["rocksdb"]["block_compression"], "lz4");
  c = Parse(
      "state.backend.rocksdb.compression.per.level: "
      "NO_COMPRESSION;SNAPPY_COMPRESSION\n");
  EXPECT_EQ(c.run.backend_options["rocksdb"].count("block_compression"), 0u);
  EXPECT_TRUE(HasNote(c, "per-level list is not applied"));
}

TEST(FlinkConfigTest, RocksDbMemoryFollowsFlinksPrecedence) {
  // Managed memory (Flink's default) ignores block.cache-size.
  FlinkConfig c = Parse("state.backend.rocksdb.block.cache-size: 256mb\n");
  EXPECT_EQ(c.run.backend_options["rocksdb"].count("block_cache_size"), 0u);
  EXPECT_TRUE(HasNote(c, "Flink ignores it"));
  // Unmanaged: block.cache-size applies.
  c = Parse(
      "state.backend.rocksdb.memory.managed: false\n"
      "state.backend.rocksdb.block.cache-size: 256mb\n");
  EXPECT_EQ(c.run.backend_options["rocksdb"]["block_cache_size"],
            std::to_string(256u << 20));
  // fixed-per-slot wins: Flink's cache capacity is (3 - ratio) / 3 of it.
  c = Parse(
      "state.backend.rocksdb.memory.fixed-per-slot: 300mb\n"
      "state.backend.rocksdb.memory.write-buffer-ratio: 0.25\n"
      "state.backend.rocksdb.block.cache-size: 8mb\n");
  EXPECT_EQ(c.run.backend_options["rocksdb"]["block_cache_size"],
            std::to_string(275u << 20));
  EXPECT_TRUE(HasNote(c, "block.cache-size (8mb): memory.fixed-per-slot"));
}

TEST(FlinkConfigTest, AFileWithoutKeysIsRefused) {
  for (const char* text : {"", "# all defaults\n", "~\n", "{}\n"}) {
    EXPECT_NE(ErrorOf(text).find("holds none"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace statebench
