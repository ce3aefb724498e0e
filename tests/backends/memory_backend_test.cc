// The memory backend beyond the conformance suite: the jobmanager size cap,
// options, capabilities and its own byte counters.
#include "backends/heap/memory_backend.h"

#include <gtest/gtest.h>

#include "tests/backends/backend_test_env.h"
#include "tests/backends/state_model.h"

namespace statebench {
namespace {

using test_env::Addr;
using test_env::Matches;
using test_env::ModelDriver;
using test_env::StateModel;

constexpr KeyGroupRange kAll{0, kDefaultLowerBoundMaxParallelism - 1};

BackendConfig Config(std::map<std::string, std::string> options = {}) {
  BackendConfig c;
  c.options = std::move(options);
  return c;
}

std::unique_ptr<StateBackend> Open(std::map<std::string, std::string> options) {
  Result<std::unique_ptr<StateBackend>> b =
      CreateMemoryBackend(Config(std::move(options)));
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  if (!b.ok()) return nullptr;
  EXPECT_TRUE((*b)->RegisterState({"v", StateKind::kValue}).ok());
  return std::move(b).value();
}

Result<CheckpointHandle> Checkpoint(StateBackend* b, int64_t id) {
  SB_ASSIGN_OR_RETURN(std::unique_ptr<AsyncSnapshot> snap, b->SnapshotSync(id));
  return snap->Complete();
}

TEST(MemoryBackendTest, CheckpointAboveTheCapFailsAndLeavesLiveStateAlone) {
  auto b = Open({{"max_state_size", "64KiB"}});
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  for (int i = 0; i < 100; ++i) {
    d.Put({0, "key-" + std::to_string(i), ""}, std::string(1000, 'a' + i % 26));
  }
  Result<CheckpointHandle> big = Checkpoint(b.get(), 1);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  const std::string& msg = big.status().message();
  EXPECT_NE(msg.find("65536 bytes"), std::string::npos) << msg;  // the cap
  EXPECT_NE(msg.find("max_state_size"), std::string::npos) << msg;
  // The size is named too: more than 100 values of 1000 bytes.
  size_t at = msg.find("snapshot is ");
  ASSERT_NE(at, std::string::npos) << msg;
  EXPECT_GT(std::stoull(msg.substr(at + 12)), 100000u) << msg;
  SB_ASSERT_OK(b->NotifyCheckpointAborted(1));
  EXPECT_TRUE(Matches(b.get(), model, kAll, kAll)) << "live state untouched";
  EXPECT_EQ(b->GetIoStats().storage_size, 0u);

  for (int i = 10; i < 100; ++i) d.Remove({0, "key-" + std::to_string(i), ""});
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle small, Checkpoint(b.get(), 2));
  EXPECT_LE(small.full_size, 65536u);
  auto fresh = Open({{"max_state_size", "64KiB"}});
  ASSERT_NE(fresh, nullptr);
  SB_ASSERT_OK(fresh->Restore({small}, kAll));
  EXPECT_TRUE(Matches(fresh.get(), model, kAll, kAll));
}

TEST(MemoryBackendTest, DefaultCapIsFiveMebibytes) {
  auto b = Open({});
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  std::string mib(1 << 20, 'm');
  for (int i = 0; i < 4; ++i) d.Put({0, "k" + std::to_string(i), ""}, mib);
  SB_ASSERT_OK(Checkpoint(b.get(), 1).status());
  for (int i = 4; i < 6; ++i) d.Put({0, "k" + std::to_string(i), ""}, mib);
  Result<CheckpointHandle> h = Checkpoint(b.get(), 2);
  ASSERT_FALSE(h.ok());
  EXPECT_NE(h.status().message().find("5242880 bytes"), std::string::npos)
      << h.status().message();
}

TEST(MemoryBackendTest, SizeOptionAcceptsBytesAndBinaryUnitsOnly) {
  for (const char* ok : {"5MiB", "512KiB", "1048576", "1GiB", "100B"}) {
    EXPECT_TRUE(CreateMemoryBackend(Config({{"max_state_size", ok}})).ok())
        << ok;
  }
  for (const char* bad : {"5MB", "", "0", "-1", "1.5MiB", "MiB", "5 MiB"}) {
    Result<std::unique_ptr<StateBackend>> b =
        CreateMemoryBackend(Config({{"max_state_size", bad}}));
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(b.status().message().find("max_state_size"), std::string::npos);
  }
}

TEST(MemoryBackendTest, UnknownOptionIsNamedWithTheKnownOnes) {
  Result<std::unique_ptr<StateBackend>> b =
      CreateMemoryBackend(Config({{"retained_checkpoints", "2"}}));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(b.status().message().find("'retained_checkpoints'"),
            std::string::npos);
  EXPECT_NE(b.status().message().find("known options: max_state_size"),
            std::string::npos)
      << b.status().message();
}

TEST(MemoryBackendTest, BadKeyGroupConfigurationIsRejected) {
  BackendConfig c;
  c.key_groups = {0, 200};  // beyond max parallelism 128
  EXPECT_EQ(CreateMemoryBackend(c).status().code(),
            StatusCode::kInvalidArgument);
  c.key_groups = {0, 10};
  c.max_parallelism = 0;
  EXPECT_EQ(CreateMemoryBackend(c).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(MemoryBackendTest, CapabilitiesAndHandleDescribeJobManagerStorage) {
  Capabilities c = MemoryBackendInfo().capabilities;
  EXPECT_FALSE(c.durable);
  EXPECT_TRUE(c.memory_bound);
  EXPECT_TRUE(c.exactly_once);
  EXPECT_FALSE(c.incremental);
  EXPECT_FALSE(c.remote);
  EXPECT_EQ(c.rescale_mode, RescaleMode::kKeyGroupOffsets);

  BackendConfig config;
  config.checkpoint_type = CheckpointType::kIncremental;
  SB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateBackend> b,
                          CreateMemoryBackend(config));
  EXPECT_EQ(b->GetCapabilities().durable, false);
  SB_ASSERT_OK(b->RegisterState({"v", StateKind::kValue}).status());
  SB_ASSERT_OK(b->ValuePut({0, AssignToKeyGroup("k", 128), "k", ""}, "v"));
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
  EXPECT_EQ(h.type, CheckpointType::kFull);
  EXPECT_EQ(h.backend, "memory");
  EXPECT_TRUE(h.location.empty());
  ASSERT_NE(h.inline_data, nullptr);
  EXPECT_EQ(h.full_size, h.inline_data->size());
  EXPECT_EQ(h.checkpointed_size, h.full_size);
  h.inline_data = nullptr;
  EXPECT_EQ(b->Restore({h}, kAll).code(), StatusCode::kInvalidArgument);
}

TEST(MemoryBackendTest, IoStatsCountSerializedAndRetainedBytes) {
  auto b = Open({});
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  for (int i = 0; i < 50; ++i) d.Put({0, "k" + std::to_string(i), ""}, "v");
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h1, Checkpoint(b.get(), 1));
  SB_ASSERT_OK(b->NotifyCheckpointComplete(1));
  for (int i = 50; i < 80; ++i) d.Put({0, "k" + std::to_string(i), ""}, "v");
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h2, Checkpoint(b.get(), 2));
  IoStats before = b->GetIoStats();
  EXPECT_EQ(before.write_breakdown["snapshot_memory"],
            h1.full_size + h2.full_size);
  EXPECT_EQ(before.bytes_written, h1.full_size + h2.full_size);
  EXPECT_EQ(before.storage_size, h1.full_size + h2.full_size)
      << "checkpoint 2 is not yet complete, so 1 is still retained";
  EXPECT_EQ(before.source, "own byte counters");
  SB_ASSERT_OK(b->NotifyCheckpointComplete(2));
  EXPECT_EQ(b->GetIoStats().storage_size, h2.full_size);
  SB_ASSERT_OK(b->Restore({h2}, kAll));
  EXPECT_GT(b->GetIoStats().bytes_read, 0u);
  EXPECT_LE(b->GetIoStats().bytes_read, h2.full_size);
}

// The factory works from the settings parsed once, not from the strings.
TEST(BackendSettingsTest, FactoryWorksFromTheParsedSettings) {
  const BackendRegistry& registry = BackendRegistry::Default();
  Result<std::shared_ptr<const BackendSettings>> settings =
      registry.ParseOptions("memory", {{"max_state_size", "1KiB"}});
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  BackendConfig config;
  config.settings = *settings;
  config.options = {{"max_state_size", "not read"}};
  Result<std::unique_ptr<StateBackend>> b = registry.Create("memory", config);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ((*b)->GetCapabilities().state_size_cap, 1024u);
  (void)(*b)->Close();
  // Another backend's settings are refused, not misread.
  Result<std::shared_ptr<const BackendSettings>> rocks =
      registry.ParseOptions("rocksdb", {});
  ASSERT_TRUE(rocks.ok());
  config.settings = *rocks;
  b = registry.Create("memory", config);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
}

TEST(BackendSettingsTest, ParseNamesTheBadOption) {
  const BackendRegistry& registry = BackendRegistry::Default();
  Result<std::shared_ptr<const BackendSettings>> s =
      registry.ParseOptions("memory", {{"max_state_size", "lots"}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("max_state_size"), std::string::npos);
  s = registry.ParseOptions("rocksdb", {{"block_cache_sise", "1MiB"}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("block_cache_sise"), std::string::npos);
  EXPECT_EQ(registry.ParseOptions("nosuch", {}).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace statebench
