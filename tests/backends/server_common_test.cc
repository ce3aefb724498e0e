// What the server backends share: the handle check of a restore and the
// server's /proc io since a baseline.
#include "backends/server/server_common.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace statebench {
namespace {

constexpr int kMaxParallelism = 128;

CheckpointHandle Handle(const std::string& backend, const std::string& job,
                        int64_t id, KeyGroupRange groups, uint64_t entries,
                        uint64_t bytes) {
  CheckpointHandle h;
  h.backend = backend;
  h.checkpoint_id = id;
  h.max_parallelism = kMaxParallelism;
  h.key_groups = groups;
  h.full_size = bytes;
  h.metadata["job"] = job;
  h.metadata["entries"] = std::to_string(entries);
  return h;
}

TEST(CheckServerHandlesTest, HandlesCoveringTheRangeGiveItsShare) {
  const std::vector<CheckpointHandle> handles = {
      Handle("redis", "j", 7, {0, 63}, 6400, 64000),
      Handle("redis", "j", 7, {64, 127}, 1280, 12800)};
  // Restoring the middle half at parallelism 2 -> 4: 32 groups of each.
  Result<ServerRestoreScope> s =
      CheckServerHandles("redis", "j", kMaxParallelism, handles, {32, 95});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->checkpoint_id, 7);
  EXPECT_EQ(s->entries, 3200u + 640u);
  EXPECT_EQ(s->bytes, 32000u + 6400u);
}

TEST(CheckServerHandlesTest, AHandleOfAnotherJobCheckpointOrBackendIsRefused) {
  const KeyGroupRange all{0, kMaxParallelism - 1};
  for (const CheckpointHandle& odd :
       {Handle("redis", "other", 7, {64, 127}, 1, 1),
        Handle("redis", "j", 8, {64, 127}, 1, 1),
        Handle("postgres", "j", 7, {64, 127}, 1, 1)}) {
    Result<ServerRestoreScope> s =
        CheckServerHandles("redis", "j", kMaxParallelism,
                           {Handle("redis", "j", 7, {0, 63}, 1, 1), odd}, all);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.status().message(),
              "redis: handle for key groups [64, 127] is not a redis "
              "checkpoint 7 of job 'j' at max parallelism 128");
  }
}

TEST(CheckServerHandlesTest, HandlesThatLeaveKeyGroupsUncoveredAreRefused) {
  Result<ServerRestoreScope> s = CheckServerHandles(
      "postgres", "j", kMaxParallelism,
      {Handle("postgres", "j", 3, {0, 63}, 1, 1)}, {0, kMaxParallelism - 1});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "postgres: the handles cover 64 of the 128 key groups of "
            "[0, 127]");
}

TEST(ServerProcessIoTest, WithoutAProcessThereIsNothingToRead) {
  ServerProcessIo io(0);
  io.Start();
  EXPECT_EQ(io.SinceStart().status().code(), StatusCode::kNotFound);
}

TEST(ServerProcessIoTest, ALiveProcessIsReadAsDeltasFromItsBaseline) {
  ServerProcessIo io(static_cast<int>(::getpid()));
  io.Start();
  Result<ProcIo> a = io.SinceStart();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_GE(a->processes, 1);
  Result<ProcIo> b = io.SinceStart();
  ASSERT_TRUE(b.ok());
  // Counters only grow: a later delta is never smaller.
  EXPECT_GE(b->write_bytes, a->write_bytes);
  EXPECT_GE(b->read_bytes, a->read_bytes);
}

TEST(CheckKeyGroupsFitTest, NamesTheBackendAndTheRange) {
  BackendConfig c;
  c.max_parallelism = 128;
  c.key_groups = {0, 127};
  EXPECT_TRUE(CheckKeyGroupsFit("redis", c).ok());
  c.key_groups = {64, 128};
  Status s = CheckKeyGroupsFit("postgres", c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("postgres: key groups"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("max parallelism 128"), std::string::npos);
  c.max_parallelism = 0;
  c.key_groups = {0, 0};
  EXPECT_FALSE(CheckKeyGroupsFit("redis", c).ok());
}

}  // namespace
}  // namespace statebench
