// The redis backend against a real server (scripts/servers.sh).
#include "backends/redis/redis_backend.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "backends/redis/redis_connection.h"
#include "backends/redis/redis_uri.h"
#include "base/file_util.h"
#include "tests/backends/server_test_env.h"

namespace statebench {
namespace {

using testing::Numbered;
using testing::ServerOptionsFor;
using testing::TestServer;
using testing::UniqueJob;
using testing::WriteSecretFile;

constexpr int kMaxParallelism = 128;

BackendConfig ConfigFor(std::map<std::string, std::string> options,
                        KeyGroupRange range = {0, kMaxParallelism - 1}) {
  BackendConfig c;
  c.max_parallelism = kMaxParallelism;
  c.key_groups = range;
  c.options = std::move(options);
  return c;
}

std::string GetString(RedisConnection* conn, const std::string& key) {
  Result<RedisReplyPtr> r = conn->Command({"GET", key});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && (*r)->type == REDIS_REPLY_STRING
             ? std::string(ReplyString(**r))
             : "<nil>";
}

std::string ReadPassword(const TestServer& server) {
  Result<std::string> p = ReadFileToString(server.password_file);
  EXPECT_TRUE(p.ok());
  return p.ok() ? *p : "";
}

// A second, independent connection for looking at the server directly.
RedisConnection RawConnection(const TestServer& server) {
  Result<RedisUri> uri = ParseRedisUri(server.uri);
  EXPECT_TRUE(uri.ok());
  return RedisConnection(*uri, ReadPassword(server), 2000, 5000);
}

// Keys holding state (named by key group), not staging or checkpoint keys.
int64_t CountJobKeys(RedisConnection* conn, const std::string& job) {
  Result<RedisReplyPtr> r = conn->Command({"KEYS", "sb:" + job + ":[0-9]*"});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? static_cast<int64_t>((*r)->elements) : -1;
}

// Registers value, list and map states "v", "l", "m" (ids 0, 1, 2).
void RegisterStates(StateBackend* b) {
  ASSERT_EQ(*b->RegisterState({"v", StateKind::kValue}), 0u);
  ASSERT_EQ(*b->RegisterState({"l", StateKind::kList}), 1u);
  ASSERT_EQ(*b->RegisterState({"m", StateKind::kMap}), 2u);
}

StateKey Key(StateId state, std::string_view key, std::string_view ns = "w1") {
  return StateKey{state, AssignToKeyGroup(key, kMaxParallelism), key, ns};
}

std::unique_ptr<StateBackend> MustCreate(const BackendConfig& config) {
  Result<std::unique_ptr<StateBackend>> b = CreateRedisBackend(config);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? std::move(b).value() : nullptr;
}

std::string GetValue(StateBackend* b, const StateKey& k) {
  std::string v;
  bool found = false;
  Status s = b->ValueGet(k, &v, &found);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return found ? v : "<absent>";
}

std::vector<std::string> GetList(StateBackend* b, const StateKey& k) {
  std::vector<std::string> v;
  Status s = b->ListGet(k, &v);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return v;
}

using Entries = std::vector<std::pair<std::string, std::string>>;
Entries Scan(StateBackend* b, const StateKey& k, std::string_view from = "",
             std::string_view to = "", size_t limit = 0) {
  Entries e;
  Status s = b->MapScan(k, from, to, limit, &e);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return e;
}

CheckpointHandle Checkpoint(StateBackend* b, int64_t id) {
  Result<std::unique_ptr<AsyncSnapshot>> snap = b->SnapshotSync(id);
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  if (!snap.ok()) return {};
  Result<CheckpointHandle> h = (*snap)->Complete();
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  return h.ok() ? *h : CheckpointHandle{};
}

// A checkpoint the job completed: staged, then applied (NotifyCheckpoint-
// Complete hands the apply to a background thread).
CheckpointHandle CompletedCheckpoint(StateBackend* b, int64_t id) {
  CheckpointHandle h = Checkpoint(b, id);
  Status s = b->NotifyCheckpointComplete(id);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return h;
}

// Polls until `key` holds `value` (the background apply), up to 10 s.
bool Eventually(RedisConnection* conn, const std::string& key,
                const std::string& value) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (GetString(conn, key) == value) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(RedisBackendTest, BufferedReadsSeeWrites) {
  SB_REQUIRE_REDIS(server);
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, UniqueJob("rsw"))));
  ASSERT_NE(b, nullptr);
  RegisterStates(b.get());
  EXPECT_EQ(GetValue(b.get(), Key(0, "k1")), "<absent>");
  ASSERT_TRUE(b->ValuePut(Key(0, "k1"), "one").ok());
  ASSERT_TRUE(b->ValuePut(Key(0, "k1", "w2"), "other-ns").ok());
  EXPECT_EQ(GetValue(b.get(), Key(0, "k1")), "one");
  EXPECT_EQ(GetValue(b.get(), Key(0, "k1", "w2")), "other-ns");
  ASSERT_TRUE(b->ValueRemove(Key(0, "k1")).ok());
  EXPECT_EQ(GetValue(b.get(), Key(0, "k1")), "<absent>");

  ASSERT_TRUE(b->ListAppend(Key(1, "k1"), "a").ok());
  ASSERT_TRUE(b->ListAppend(Key(1, "k1"), "b").ok());
  EXPECT_EQ(GetList(b.get(), Key(1, "k1")),
            (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(b->ListClear(Key(1, "k1")).ok());
  EXPECT_TRUE(GetList(b.get(), Key(1, "k1")).empty());

  ASSERT_TRUE(b->MapPut(Key(2, "k1"), "b", "2").ok());
  ASSERT_TRUE(b->MapPut(Key(2, "k1"), "a", "1").ok());
  ASSERT_TRUE(b->MapPut(Key(2, "k1"), "c", "3").ok());
  ASSERT_TRUE(b->MapRemove(Key(2, "k1"), "c").ok());
  EXPECT_EQ(Scan(b.get(), Key(2, "k1")), (Entries{{"a", "1"}, {"b", "2"}}));
  std::string v;
  bool found = false;
  ASSERT_TRUE(b->MapGet(Key(2, "k1"), "b", &v, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(v, "2");
  ASSERT_TRUE(b->Close().ok());
}

TEST(RedisBackendTest, CheckpointCommitsAtomicallyWithItsId) {
  SB_REQUIRE_REDIS(server);
  std::string job = UniqueJob("atomic");
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  ASSERT_NE(b, nullptr);
  RegisterStates(b.get());
  for (int i = 0; i < 50; ++i) {
    std::string k = Numbered("key", i);
    ASSERT_TRUE(b->ValuePut(Key(0, k), Numbered("v", i)).ok());
    ASSERT_TRUE(b->ListAppend(Key(1, k), "x").ok());
    ASSERT_TRUE(b->MapPut(Key(2, k), "uk", "mv").ok());
  }
  RedisConnection raw = RawConnection(server);
  EXPECT_EQ(CountJobKeys(&raw, job), 0);
  Result<std::unique_ptr<AsyncSnapshot>> snap = b->SnapshotSync(7);
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(CountJobKeys(&raw, job), 0) << "visible before Complete";
  // Writes after the sync phase belong to the next checkpoint.
  ASSERT_TRUE(b->ValuePut(Key(0, "late"), "late").ok());
  Result<CheckpointHandle> h = (*snap)->Complete();
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  // Staged (phase 1), not applied: the state keys are untouched until the
  // job completes the checkpoint.
  EXPECT_EQ(CountJobKeys(&raw, job), 0) << "applied before completion";
  EXPECT_EQ(GetString(&raw, "sb:" + job + ":ckpt:0-127"), "<nil>");
  Result<RedisReplyPtr> staged =
      raw.Command({"LLEN", "sb:" + job + ":stage:0-127:7"});
  ASSERT_TRUE(staged.ok());
  EXPECT_GE((*staged)->integer, 1);
  ASSERT_TRUE(b->NotifyCheckpointComplete(7).ok());
  ASSERT_TRUE(Eventually(&raw, "sb:" + job + ":ckpt:0-127", "7"));
  Result<RedisReplyPtr> lists = raw.Command({"KEYS", "sb:" + job + ":*:l:*"});
  Result<RedisReplyPtr> maps = raw.Command({"KEYS", "sb:" + job + ":*:m:*"});
  ASSERT_TRUE(lists.ok() && maps.ok());
  EXPECT_EQ((*lists)->elements, 50u);
  EXPECT_EQ((*maps)->elements, 50u);
  EXPECT_EQ(GetString(&raw, "sb:" + job + ":stage:0-127:7"), "<nil>")
      << "the stage is dropped with the apply";
  EXPECT_EQ(h->checkpoint_id, 7);
  EXPECT_EQ(h->backend, "redis");
  EXPECT_GT(h->checkpointed_size, 0u);
  EXPECT_GE(h->full_size, h->checkpointed_size / 2);
  EXPECT_EQ(h->metadata.at("job"), job);
  // "late" is not on the server yet but still visible locally.
  EXPECT_EQ(GetValue(b.get(), Key(0, "late")), "late");

  // A new instance restored from the handle sees exactly checkpoint 7.
  auto r = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  ASSERT_NE(r, nullptr);
  RegisterStates(r.get());
  ASSERT_TRUE(r->Restore({*h}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(r.get(), Key(0, "key3")), "v3");
  EXPECT_EQ(GetValue(r.get(), Key(0, "late")), "<absent>");
  EXPECT_EQ(GetList(r.get(), Key(1, "key3")), std::vector<std::string>{"x"});
  EXPECT_EQ(Scan(r.get(), Key(2, "key3")), (Entries{{"uk", "mv"}}));
}

TEST(RedisBackendTest, ReadsDuringAsyncCommitSeeEachWriteOnce) {
  SB_REQUIRE_REDIS(server);
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, UniqueJob("layers"))));
  ASSERT_NE(b, nullptr);
  RegisterStates(b.get());
  std::vector<std::string> expected;
  Entries expected_map;
  for (int round = 1; round <= 20; ++round) {
    std::string item = Numbered("r", round);
    ASSERT_TRUE(b->ListAppend(Key(1, "k"), item).ok());
    ASSERT_TRUE(b->MapPut(Key(2, "k"), item, item).ok());
    expected.push_back(item);
    expected_map.emplace_back(item, item);
    std::sort(expected_map.begin(), expected_map.end());
    Result<std::unique_ptr<AsyncSnapshot>> snap = b->SnapshotSync(round);
    ASSERT_TRUE(snap.ok());
    std::atomic<bool> done{false};
    Status commit;
    std::thread t([&] {
      commit = (*snap)->Complete().status();
      done = true;
    });
    // Reads before, during and after staging: never a duplicate.
    int reads = 0;
    while (!done || reads < 3) {
      ASSERT_EQ(GetList(b.get(), Key(1, "k")), expected) << "round " << round;
      ASSERT_EQ(Scan(b.get(), Key(2, "k")), expected_map);
      ++reads;
    }
    t.join();
    ASSERT_TRUE(commit.ok()) << commit.ToString();
    // The apply runs on the backend's applier thread while we keep reading.
    ASSERT_TRUE(b->NotifyCheckpointComplete(round).ok());
    for (int i = 0; i < 20; ++i) {
      ASSERT_EQ(GetList(b.get(), Key(1, "k")), expected) << "round " << round;
      ASSERT_EQ(Scan(b.get(), Key(2, "k")), expected_map);
    }
  }
  ASSERT_TRUE(b->Close().ok());
}

TEST(RedisBackendTest, AbandonedCheckpointIsCarriedByTheNext) {
  SB_REQUIRE_REDIS(server);
  std::string job = UniqueJob("abandon");
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  ASSERT_NE(b, nullptr);
  RegisterStates(b.get());
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "1").ok());
  {
    Result<std::unique_ptr<AsyncSnapshot>> dropped = b->SnapshotSync(1);
    ASSERT_TRUE(dropped.ok());
  }
  ASSERT_TRUE(b->NotifyCheckpointAborted(1).ok());
  ASSERT_TRUE(b->ValuePut(Key(0, "b"), "2").ok());
  CheckpointHandle h = Checkpoint(b.get(), 2);
  auto r = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(r.get());
  ASSERT_TRUE(r->Restore({h}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(r.get(), Key(0, "a")), "1");
  EXPECT_EQ(GetValue(r.get(), Key(0, "b")), "2");
}

TEST(RedisBackendTest, RestoreRefusesAnotherCheckpointId) {
  SB_REQUIRE_REDIS(server);
  std::string job = UniqueJob("mismatch");
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(b.get());
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "1").ok());
  CheckpointHandle h3 = CompletedCheckpoint(b.get(), 3);
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "2").ok());
  CheckpointHandle h4 = CompletedCheckpoint(b.get(), 4);
  ASSERT_TRUE(b->Close().ok());  // waits for the applies
  auto r = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(r.get());
  Status s = r->Restore({h3}, {0, kMaxParallelism - 1});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("server holds checkpoint 4"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("asked for 3"), std::string::npos);
  // Left empty, never half-restored.
  EXPECT_EQ(GetValue(r.get(), Key(0, "a")), "<absent>");
  ASSERT_TRUE(r->Restore({h4}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(r.get(), Key(0, "a")), "2");
}

TEST(RedisBackendTest, RescaleSelectsKeyGroupRanges) {
  SB_REQUIRE_REDIS(server);
  std::string job = UniqueJob("rescale");
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(b.get());
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(b->ValuePut(Key(0, Numbered("k", i)), "v").ok());
  }
  CheckpointHandle h = Checkpoint(b.get(), 1);
  KeyGroupRange lower = KeyGroupRangeForSubtask(kMaxParallelism, 2, 0);
  KeyGroupRange upper = KeyGroupRangeForSubtask(kMaxParallelism, 2, 1);
  auto r0 = MustCreate(ConfigFor(ServerOptionsFor(server, job), lower));
  auto r1 = MustCreate(ConfigFor(ServerOptionsFor(server, job), upper));
  RegisterStates(r0.get());
  RegisterStates(r1.get());
  ASSERT_TRUE(r0->Restore({h}, lower).ok());
  ASSERT_TRUE(r1->Restore({h}, upper).ok());
  for (int i = 0; i < 40; ++i) {
    std::string key = Numbered("k", i);
    StateKey k = Key(0, key);
    StateBackend* owner = lower.Contains(k.key_group) ? r0.get() : r1.get();
    EXPECT_EQ(GetValue(owner, k), "v");
    StateBackend* other = owner == r0.get() ? r1.get() : r0.get();
    std::string v;
    bool found;
    EXPECT_EQ(other->ValueGet(k, &v, &found).code(),
              StatusCode::kInvalidArgument);
  }
  // The rescaled instances checkpoint on their own ranges and restore.
  StateKey k0 = Key(0, "k0");
  StateBackend* owner0 = lower.Contains(k0.key_group) ? r0.get() : r1.get();
  ASSERT_TRUE(owner0->ValuePut(k0, "new").ok());
  CheckpointHandle h0 = Checkpoint(r0.get(), 2);
  CheckpointHandle h1 = Checkpoint(r1.get(), 2);
  auto back = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(back.get());
  ASSERT_TRUE(back->Restore({h0, h1}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(back.get(), Key(0, "k0")), "new");
  EXPECT_EQ(GetValue(back.get(), Key(0, "k1")), "v");
}

TEST(RedisBackendTest, FreshJobIgnoresAndThenDeletesEarlierRunsData) {
  SB_REQUIRE_REDIS(server);
  std::string job = UniqueJob("fresh");
  auto old_run = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(old_run.get());
  ASSERT_TRUE(old_run->ValuePut(Key(0, "stale"), "old").ok());
  CompletedCheckpoint(old_run.get(), 9);
  ASSERT_TRUE(old_run->Close().ok());
  auto fresh = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(fresh.get());
  EXPECT_EQ(GetValue(fresh.get(), Key(0, "stale")), "<absent>");
  ASSERT_TRUE(fresh->ValuePut(Key(0, "new"), "1").ok());
  CheckpointHandle h = CompletedCheckpoint(fresh.get(), 1);
  ASSERT_TRUE(fresh->Close().ok());
  RedisConnection raw = RawConnection(server);
  EXPECT_EQ(GetString(&raw, "sb:" + job + ":ckpt:0-127"), "1");
  auto r = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(r.get());
  ASSERT_TRUE(r->Restore({h}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(r.get(), Key(0, "stale")), "<absent>");
  EXPECT_EQ(GetValue(r.get(), Key(0, "new")), "1");
}

// A crash after the job completed checkpoint 2 but before its apply: the
// restore rolls the staged layers forward; staged layers of a checkpoint
// that never completed (3) are dropped.
TEST(RedisBackendTest, RestoreRollsForwardACompletedButUnappliedCheckpoint) {
  SB_REQUIRE_REDIS(server);
  std::string job = UniqueJob("rollfwd");
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(b.get());
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "1").ok());
  ASSERT_TRUE(b->ListAppend(Key(1, "a"), "x").ok());
  CompletedCheckpoint(b.get(), 1);
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "2").ok());
  ASSERT_TRUE(b->ListAppend(Key(1, "a"), "y").ok());
  CheckpointHandle h2 = Checkpoint(b.get(), 2);  // completed, not applied
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "3").ok());
  ASSERT_TRUE(b->ListAppend(Key(1, "a"), "z").ok());
  Checkpoint(b.get(), 3);  // staged; the job never completed it
  RedisConnection raw = RawConnection(server);
  ASSERT_TRUE(Eventually(&raw, "sb:" + job + ":ckpt:0-127", "1"));
  b.reset();  // the crash: no Close, no further apply

  auto r = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(r.get());
  ASSERT_TRUE(r->Restore({h2}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(r.get(), Key(0, "a")), "2");
  EXPECT_EQ(GetList(r.get(), Key(1, "a")),
            (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(GetString(&raw, "sb:" + job + ":ckpt:0-127"), "2");
  Result<RedisReplyPtr> stages = raw.Command({"KEYS", "sb:" + job + ":stage*"});
  ASSERT_TRUE(stages.ok());
  EXPECT_EQ((*stages)->elements, 0u) << "staged layers left behind";
  // Restoring again is idempotent: nothing is applied twice.
  auto again = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(again.get());
  ASSERT_TRUE(again->Restore({h2}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetList(again.get(), Key(1, "a")),
            (std::vector<std::string>{"x", "y"}));
}

// Two subtasks of a rescaled job recover the same old range at once: the
// staged layers are applied exactly once.
TEST(RedisBackendTest, ConcurrentRecoveryOfOneRangeAppliesOnce) {
  SB_REQUIRE_REDIS(server);
  std::string job = UniqueJob("rollfwd2");
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(b.get());
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) keys.push_back(Numbered("k", i));
  for (const std::string& k : keys) {
    ASSERT_TRUE(b->ListAppend(Key(1, k), "once").ok());
  }
  CheckpointHandle h = Checkpoint(b.get(), 1);  // completed, not applied
  b.reset();
  KeyGroupRange lower = KeyGroupRangeForSubtask(kMaxParallelism, 2, 0);
  KeyGroupRange upper = KeyGroupRangeForSubtask(kMaxParallelism, 2, 1);
  auto r0 = MustCreate(ConfigFor(ServerOptionsFor(server, job), lower));
  auto r1 = MustCreate(ConfigFor(ServerOptionsFor(server, job), upper));
  RegisterStates(r0.get());
  RegisterStates(r1.get());
  Status s0, s1;
  std::thread t([&] { s1 = r1->Restore({h}, upper); });
  s0 = r0->Restore({h}, lower);
  t.join();
  ASSERT_TRUE(s0.ok()) << s0.ToString();
  ASSERT_TRUE(s1.ok()) << s1.ToString();
  for (const std::string& k : keys) {
    StateKey key = Key(1, k);
    StateBackend* owner = lower.Contains(key.key_group) ? r0.get() : r1.get();
    EXPECT_EQ(GetList(owner, key), std::vector<std::string>{"once"}) << k;
  }
}

TEST(RedisBackendTest, WriteThroughGoesStraightToServerAndIsNotExactlyOnce) {
  SB_REQUIRE_REDIS(server);
  std::string job = UniqueJob("wt");
  auto opts = ServerOptionsFor(server, job);
  opts["mode"] = "write-through";
  auto b = MustCreate(ConfigFor(opts));
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->GetCapabilities().exactly_once);
  EXPECT_TRUE(b->GetCapabilities().remote);
  EXPECT_TRUE(RedisBackendInfo().capabilities.exactly_once);  // default mode
  EXPECT_NE(RedisBackendInfo().description.find("not exactly-once"),
            std::string::npos);
  RegisterStates(b.get());
  ASSERT_TRUE(b->ValuePut(Key(0, "k"), "v").ok());
  ASSERT_TRUE(b->ListAppend(Key(1, "k"), "a").ok());
  ASSERT_TRUE(b->MapPut(Key(2, "k"), "u", "m").ok());
  RedisConnection raw = RawConnection(server);
  EXPECT_EQ(CountJobKeys(&raw, job), 3) << "written before any checkpoint";
  EXPECT_EQ(GetList(b.get(), Key(1, "k")), std::vector<std::string>{"a"});
  CheckpointHandle h = Checkpoint(b.get(), 1);
  EXPECT_EQ(h.metadata.at("mode"), "write-through");
  // After the checkpoint: a write that a restore to 1 cannot undo.
  ASSERT_TRUE(b->ValuePut(Key(0, "k"), "after").ok());
  auto r = MustCreate(ConfigFor(opts));
  RegisterStates(r.get());
  ASSERT_TRUE(r->Restore({h}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(r.get(), Key(0, "k")), "after");
}

// Commands are formatted as RESP by the backend itself (small ones) or by
// hiredis (over 64 KiB): bytes that frame RESP must survive both, in keys,
// namespaces, user keys and values, through write-through and through a
// checkpoint's apply.
TEST(RedisBackendTest, BinaryBytesSurviveBothCommandFormatters) {
  SB_REQUIRE_REDIS(server);
  constexpr char kNasty[] = "a\r\n$3\r\n*1\r\n\0z";
  const std::string nasty(kNasty, sizeof kNasty - 1);  // with the NUL
  ASSERT_EQ(nasty.size(), 13u);
  const std::string big(200 << 10, '\n');  // over the 64 KiB formatting limit
  for (std::string mode : {"write-through", "buffered"}) {
    SCOPED_TRACE(mode);
    std::string job = UniqueJob("bin");
    auto opts = ServerOptionsFor(server, job);
    opts["mode"] = mode;
    auto b = MustCreate(ConfigFor(opts));
    ASSERT_NE(b, nullptr);
    RegisterStates(b.get());
    ASSERT_TRUE(b->ValuePut(Key(0, nasty, nasty), nasty).ok());
    ASSERT_TRUE(b->ValuePut(Key(0, "empty"), "").ok());
    ASSERT_TRUE(b->ValuePut(Key(0, "big"), big).ok());
    ASSERT_TRUE(b->MapPut(Key(2, "m"), nasty, big).ok());
    CheckpointHandle h = CompletedCheckpoint(b.get(), 1);
    ASSERT_TRUE(b->Close().ok());  // waits for the apply

    auto r = MustCreate(ConfigFor(opts));
    ASSERT_NE(r, nullptr);
    RegisterStates(r.get());
    ASSERT_TRUE(r->Restore({h}, {0, kMaxParallelism - 1}).ok());
    EXPECT_EQ(GetValue(r.get(), Key(0, nasty, nasty)), nasty);
    EXPECT_EQ(GetValue(r.get(), Key(0, "empty")), "");
    EXPECT_EQ(GetValue(r.get(), Key(0, "big")), big);
    EXPECT_EQ(Scan(r.get(), Key(2, "m")), (Entries{{nasty, big}}));
    ASSERT_TRUE(r->Close().ok());
  }
}

TEST(RedisBackendTest, WrongPasswordNamesBackendAndHostPortNotPassword) {
  SB_REQUIRE_REDIS(server);
  const std::string canary = "Canary-wrong-pass-4711";
  auto opts = ServerOptionsFor(server, UniqueJob("wrongpass"));
  opts["password_file"] = WriteSecretFile(canary + "\n");
  Result<std::unique_ptr<StateBackend>> b = CreateRedisBackend(ConfigFor(opts));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kPermissionDenied);
  Result<RedisUri> uri = ParseRedisUri(server.uri);
  ASSERT_TRUE(uri.ok());
  const std::string& m = b.status().message();
  EXPECT_NE(m.find("redis " + uri->HostPort() + ": authentication failed"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find(canary), std::string::npos) << m;
}

TEST(RedisBackendTest, MissingPasswordSaysSo) {
  SB_REQUIRE_REDIS(server);
  Result<std::unique_ptr<StateBackend>> b =
      CreateRedisBackend(ConfigFor({{"uri", server.uri}}));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(b.status().message().find("NOAUTH"), std::string::npos)
      << b.status().message();
}

// A port nothing listens on: bind, read the port, close.
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(RedisBackendTest, ConnectionRefusedIsUnavailableWithin3s) {
  std::string uri = "redis://127.0.0.1:" + std::to_string(ClosedPort()) + "/0";
  auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<StateBackend>> b =
      CreateRedisBackend(ConfigFor({{"uri", uri}}));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(b.status().message().find("redis 127.0.0.1:"), std::string::npos);
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

// A server that accepts connections and never answers: the command timeout
// must turn it into Unavailable, not a hang.
TEST(RedisBackendTest, SilentServerIsUnavailableWithinCommandTimeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::string uri = "redis://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<StateBackend>> b = CreateRedisBackend(
      ConfigFor({{"uri", uri}, {"command_timeout_ms", "300"}}));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ::close(fd);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(b.status().message().find("no reply within 300 ms"),
            std::string::npos)
      << b.status().message();
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST(RedisBackendTest, GroupReadablePasswordFileRefused) {
  std::string path = WriteSecretFile("whatever");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  Result<std::unique_ptr<StateBackend>> b = CreateRedisBackend(
      ConfigFor({{"uri", "redis://127.0.0.1:1"}, {"password_file", path}}));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(b.status().message().find("mode 0644"), std::string::npos)
      << b.status().message();
}

TEST(RedisBackendTest, UnknownOptionListsKnownOnes) {
  Result<std::unique_ptr<StateBackend>> b =
      CreateRedisBackend(ConfigFor({{"pipelines", "10"}}));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(b.status().message().find("unknown option 'pipelines'"),
            std::string::npos);
  EXPECT_NE(b.status().message().find("pipeline"), std::string::npos);
  EXPECT_NE(b.status().message().find("password_env"), std::string::npos);
  Result<std::unique_ptr<StateBackend>> m =
      CreateRedisBackend(ConfigFor({{"mode", "lazy"}}));
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
}

// The canary password must not appear in any message of the failure paths.
TEST(RedisBackendTest, CanaryPasswordNeverInStatusMessages) {
  const std::string canary = "Canary-9f3b-never-print";
  ASSERT_EQ(::setenv("SB_TEST_REDIS_CANARY", canary.c_str(), 1), 0);
  std::vector<Status> statuses;
  auto create = [&](std::map<std::string, std::string> opts) {
    statuses.push_back(CreateRedisBackend(ConfigFor(opts)).status());
  };
  std::string closed =
      "redis://127.0.0.1:" + std::to_string(ClosedPort()) + "/0";
  create({{"uri", closed}, {"password_env", "SB_TEST_REDIS_CANARY"}});
  create({{"uri", "rediss://u:" + canary + "@h"}});
  create({{"uri", "redis://u:" + canary + "@h"}});
  create({{"uri", closed},
          {"password_env", "SB_TEST_REDIS_CANARY"},
          {"password_file", "/nonexistent"}});
  std::string loose = WriteSecretFile(canary);
  ASSERT_EQ(::chmod(loose.c_str(), 0640), 0);
  create({{"uri", closed}, {"password_file", loose}});
  if (auto server = testing::TestServerFromEnv("REDIS")) {
    create({{"uri", server->uri}, {"password_env", "SB_TEST_REDIS_CANARY"}});
    Result<RedisUri> u = ParseRedisUri(server->uri);
    ASSERT_TRUE(u.ok());
    create({{"uri", "redis://nouser@" + u->HostPort()},
            {"password_env", "SB_TEST_REDIS_CANARY"}});
  }
  for (const Status& s : statuses) {
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.ToString().find(canary), std::string::npos) << s.ToString();
  }
  ::unsetenv("SB_TEST_REDIS_CANARY");
}

TEST(RedisBackendTest, IoStatsSaySourceAndCountServerWrites) {
  SB_REQUIRE_REDIS(server);
  auto opts = ServerOptionsFor(server, UniqueJob("io"));
  auto b = MustCreate(ConfigFor(opts));
  ASSERT_NE(b, nullptr);
  IoStats plain = b->GetIoStats();
  EXPECT_NE(plain.source.find("server not started by statebench"),
            std::string::npos)
      << plain.source;
  EXPECT_GT(plain.storage_size, 0u);
  if (server.pid.empty()) return;
  opts["server_pid"] = server.pid;
  auto p = MustCreate(ConfigFor(opts));
  ASSERT_NE(p, nullptr);
  IoStats with_pid = p->GetIoStats();
  EXPECT_NE(with_pid.source.find("/proc/" + server.pid + "/io"),
            std::string::npos)
      << with_pid.source;
}

}  // namespace
}  // namespace statebench
