// Server durability (bench/verify/durability.h) when the restarted server
// cannot be asked: a restore that gets no answer says nothing about what the
// server kept, so the cycle fails with that reason and is never counted as lost
// checkpoints.
#include "bench/verify/durability.h"

#include <gtest/gtest.h>

#include <string>

#include "backends/registry.h"
#include "tests/bench/server_binary.h"

namespace statebench {
namespace {

// "redis" as in the default registry, except that the instances made to
// restore after the crash get the answer a redis still loading its AOF
// gives (connecting ends with PING, which gets LOADING).
BackendRegistry RedisThatIsStillLoadingAfterTheCrash() {
  BackendRegistry registry;
  Result<BackendInfo> info = BackendRegistry::Default().Info("redis");
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(
      registry
          .Register(*info,
                    [](const BackendConfig& c)
                        -> Result<std::unique_ptr<StateBackend>> {
                      if (c.work_dir.find("/restore-") != std::string::npos) {
                        return Status::Unavailable(
                            "redis 127.0.0.1:6379: LOADING Redis is "
                            "loading the dataset in memory");
                      }
                      return BackendRegistry::Default().Create("redis", c);
                    })
          .ok());
  // The verdict "nothing left" restores into empty memory instances.
  Result<BackendInfo> memory = BackendRegistry::Default().Info("memory");
  EXPECT_TRUE(memory.ok());
  EXPECT_TRUE(registry
                  .Register(*memory,
                            [](const BackendConfig& c) {
                              return BackendRegistry::Default().Create("memory",
                                                                       c);
                            })
                  .ok());
  return registry;
}

TEST(ServerDurabilityCycleTest, UnansweredRestoreFailsTheCycleInsteadOfLosing) {
  SB_REQUIRE_BINARY("redis");
  Result<std::vector<DurabilitySetting>> settings =
      DurabilitySettings("redis", {"appendfsync-always"});
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  RunConfig base;
  base.backend = "redis";
  base.workload.key_count = 2000;
  base.workload.read_fraction = 0.2;
  base.checkpoint.interval_ms = 100;
  base.measure_s = 0.5;
  BackendRegistry registry = RedisThatIsStillLoadingAfterTheCrash();
  Result<DurabilityResult> d = RunServerDurability(
      base, settings->front(), 2, registry, [](const std::string&) {});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const nlohmann::json j = d->ToJson();
  EXPECT_EQ(j.at("verdict"), "failed") << j.dump();
  EXPECT_EQ(j.at("checkpoints_lost"), 0) << j.dump();
  EXPECT_EQ(j.at("lost"), 0) << j.dump();
  // The failed cycle ends the setting, and says why.
  ASSERT_EQ(j.at("per_cycle").size(), 1u) << j.dump();
  const nlohmann::json& cycle = j.at("per_cycle").at(0);
  EXPECT_EQ(cycle.at("status"), "failed");
  const std::string reason = j.at("failure_reason");
  EXPECT_NE(reason.find("LOADING"), std::string::npos) << reason;
  EXPECT_NE(reason.find("restoring checkpoint"), std::string::npos) << reason;
  EXPECT_FALSE(d->kept_everything());
}

}  // namespace
}  // namespace statebench
