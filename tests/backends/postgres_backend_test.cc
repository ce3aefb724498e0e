// The postgres backend against a real server (scripts/servers.sh).
#include "backends/postgres/postgres_backend.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <pqxx/pqxx>

#include "backends/postgres/postgres_support.h"
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

// An independent connection for looking at the server directly.
std::unique_ptr<pqxx::connection> RawConnection(const TestServer& server) {
  Result<std::string> pass = ReadFileToString(server.password_file);
  EXPECT_TRUE(pass.ok());
  PostgresTarget target;
  Result<std::string> conninfo =
      BuildConninfo(server.uri, pass.ok() ? *pass : "", 2000, 5000, &target);
  EXPECT_TRUE(conninfo.ok()) << conninfo.status().ToString();
  return std::make_unique<pqxx::connection>(*conninfo);
}

int64_t Count(pqxx::connection* c, const std::string& sql) {
  pqxx::nontransaction t(*c);
  return t.exec1(sql)[0].as<int64_t>();
}

std::string HostPortOf(const std::string& uri) {
  PostgresTarget target;
  EXPECT_TRUE(BuildConninfo(uri, "", 2000, 5000, &target).ok());
  return target.host_port;
}

void RegisterStates(StateBackend* b) {
  ASSERT_EQ(*b->RegisterState({"v", StateKind::kValue}), 0u);
  ASSERT_EQ(*b->RegisterState({"l", StateKind::kList}), 1u);
  ASSERT_EQ(*b->RegisterState({"m", StateKind::kMap}), 2u);
}

StateKey Key(StateId state, std::string_view key, std::string_view ns = "w1") {
  return StateKey{state, AssignToKeyGroup(key, kMaxParallelism), key, ns};
}

std::unique_ptr<StateBackend> MustCreate(const BackendConfig& config) {
  Result<std::unique_ptr<StateBackend>> b = CreatePostgresBackend(config);
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

TEST(PostgresBackendTest, CreatesSchemaWhenAbsent) {
  SB_REQUIRE_POSTGRES(server);
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, UniqueJob("schema"))));
  ASSERT_NE(b, nullptr);
  auto raw = RawConnection(server);
  for (const char* table : {"sb_state", "sb_list", "sb_checkpoint"}) {
    EXPECT_EQ(Count(raw.get(), std::string("SELECT count(*) FROM pg_tables "
                                           "WHERE tablename = '") +
                                   table + "'"),
              1)
        << table;
  }
  // A second instance finds the schema and does not fail on it.
  auto again =
      MustCreate(ConfigFor(ServerOptionsFor(server, UniqueJob("schema"))));
  EXPECT_NE(again, nullptr);
}

TEST(PostgresBackendTest, ReadsSeeWrites) {
  SB_REQUIRE_POSTGRES(server);
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, UniqueJob("rsw"))));
  ASSERT_NE(b, nullptr);
  RegisterStates(b.get());
  EXPECT_EQ(GetValue(b.get(), Key(0, "k1")), "<absent>");
  ASSERT_TRUE(b->ValuePut(Key(0, "k1"), "one").ok());
  ASSERT_TRUE(b->ValuePut(Key(0, "k1"), std::string("t\0wo", 4)).ok());
  ASSERT_TRUE(b->ValuePut(Key(0, "k1", "w2"), "other-ns").ok());
  EXPECT_EQ(GetValue(b.get(), Key(0, "k1")), std::string("t\0wo", 4));
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
  ASSERT_TRUE(b->MapPut(Key(2, "k1"), "\xff", "hi").ok());
  ASSERT_TRUE(b->MapRemove(Key(2, "k1"), "c").ok());
  EXPECT_EQ(Scan(b.get(), Key(2, "k1")),
            (Entries{{"a", "1"}, {"b", "2"}, {"\xff", "hi"}}));
  EXPECT_EQ(Scan(b.get(), Key(2, "k1"), "b", "\xff"), (Entries{{"b", "2"}}));
  EXPECT_EQ(Scan(b.get(), Key(2, "k1"), "", "", 1), (Entries{{"a", "1"}}));
  ASSERT_TRUE(b->Close().ok());
}

TEST(PostgresBackendTest, CheckpointCommitsAtomicallyWithItsId) {
  SB_REQUIRE_POSTGRES(server);
  std::string job = UniqueJob("atomic");
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  ASSERT_NE(b, nullptr);
  RegisterStates(b.get());
  for (int i = 0; i < 30; ++i) {
    std::string k = Numbered("key", i);
    ASSERT_TRUE(b->ValuePut(Key(0, k), Numbered("v", i)).ok());
    ASSERT_TRUE(b->ListAppend(Key(1, k), "x").ok());
    ASSERT_TRUE(b->MapPut(Key(2, k), "uk", "mv").ok());
  }
  auto raw = RawConnection(server);
  std::string rows = "SELECT (SELECT count(*) FROM sb_state WHERE job = '" +
                     job + "') + (SELECT count(*) FROM sb_list WHERE job = '" +
                     job + "')";
  EXPECT_EQ(Count(raw.get(), rows), 0) << "visible before the checkpoint";
  CheckpointHandle h = Checkpoint(b.get(), 5);
  EXPECT_EQ(Count(raw.get(), rows), 90);
  EXPECT_EQ(Count(raw.get(),
                  "SELECT checkpoint_id FROM sb_checkpoint WHERE "
                  "job = '" +
                      job +
                      "' AND kg_start = 0 AND "
                      "kg_end = 127"),
            5);
  EXPECT_EQ(h.checkpoint_id, 5);
  EXPECT_EQ(h.backend, "postgres");
  EXPECT_GT(h.checkpointed_size, 0u);
  EXPECT_EQ(h.full_size, h.checkpointed_size);  // only inserts so far
  EXPECT_EQ(h.metadata.at("entries"), "90");
  ASSERT_TRUE(b->ValuePut(Key(0, "late"), "late").ok());
  auto r = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(r.get());
  ASSERT_TRUE(r->Restore({h}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(r.get(), Key(0, "key3")), "v3");
  EXPECT_EQ(GetValue(r.get(), Key(0, "late")), "<absent>");
  EXPECT_EQ(GetList(r.get(), Key(1, "key3")), std::vector<std::string>{"x"});
  EXPECT_EQ(Scan(r.get(), Key(2, "key3")), (Entries{{"uk", "mv"}}));
}

TEST(PostgresBackendTest, SynchronousCommitIsAppliedAndRecorded) {
  SB_REQUIRE_POSTGRES(server);
  std::string job = UniqueJob("synccommit");
  auto opts = ServerOptionsFor(server, job);
  opts["synchronous_commit"] = "off";
  auto b = MustCreate(ConfigFor(opts));
  ASSERT_NE(b, nullptr);
  RegisterStates(b.get());
  ASSERT_TRUE(b->ValuePut(Key(0, "k"), "v").ok());
  CheckpointHandle h = Checkpoint(b.get(), 1);
  EXPECT_EQ(h.figures.synchronous_commit, "off");
  auto raw = RawConnection(server);
  pqxx::nontransaction t(*raw);
  pqxx::row row = t.exec1(
      "SELECT synchronous_commit FROM sb_checkpoint WHERE job = '" + job + "'");
  EXPECT_EQ(std::string(row[0].c_str()), "off");
  opts["synchronous_commit"] = "sometimes";
  Result<std::unique_ptr<StateBackend>> bad =
      CreatePostgresBackend(ConfigFor(opts));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

// A checkpoint committed by this subtask but never completed by the job
// (checkpoint 4 here: no NotifyCheckpointComplete) is reverted by a restore
// to the completed one, from the undo images; value, list and map state.
TEST(PostgresBackendTest, RestoreRevertsACheckpointTheJobDidNotComplete) {
  SB_REQUIRE_POSTGRES(server);
  std::string job = UniqueJob("revert");
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(b.get());
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "1").ok());
  ASSERT_TRUE(b->ValuePut(Key(0, "gone"), "kept").ok());
  ASSERT_TRUE(b->ListAppend(Key(1, "l"), "x").ok());
  ASSERT_TRUE(b->MapPut(Key(2, "m"), "u1", "v1").ok());
  CheckpointHandle h3 = Checkpoint(b.get(), 3);
  ASSERT_TRUE(b->NotifyCheckpointComplete(3).ok());
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "2").ok());
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "2b").ok());
  ASSERT_TRUE(b->ValueRemove(Key(0, "gone")).ok());
  ASSERT_TRUE(b->ValuePut(Key(0, "new"), "n").ok());
  ASSERT_TRUE(b->ListClear(Key(1, "l")).ok());
  ASSERT_TRUE(b->ListAppend(Key(1, "l"), "y").ok());
  ASSERT_TRUE(b->MapPut(Key(2, "m"), "u2", "v2").ok());
  ASSERT_TRUE(b->MapRemove(Key(2, "m"), "u1").ok());
  Checkpoint(b.get(), 4);  // committed by the subtask; the job fails
  ASSERT_TRUE(b->Close().ok());

  auto r = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(r.get());
  ASSERT_TRUE(r->Restore({h3}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(r.get(), Key(0, "a")), "1");
  EXPECT_EQ(GetValue(r.get(), Key(0, "gone")), "kept");
  EXPECT_EQ(GetValue(r.get(), Key(0, "new")), "<absent>");
  EXPECT_EQ(GetList(r.get(), Key(1, "l")), std::vector<std::string>{"x"});
  EXPECT_EQ(Scan(r.get(), Key(2, "m")), (Entries{{"u1", "v1"}}));
  // The revert is durable and restoring again changes nothing.
  ASSERT_TRUE(r->Close().ok());
  auto again = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(again.get());
  ASSERT_TRUE(again->Restore({h3}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(again.get(), Key(0, "a")), "1");
  EXPECT_EQ(GetList(again.get(), Key(1, "l")), std::vector<std::string>{"x"});
}

// A job rescaled from 1 to 2 subtasks commits checkpoint 2 in both and
// fails before completing it: a restore of checkpoint 1 at parallelism 1
// reverts what the two new ranges committed.
TEST(PostgresBackendTest, RestoreRevertsWhatRescaledSubtasksCommitted) {
  SB_REQUIRE_POSTGRES(server);
  std::string job = UniqueJob("revert-rescale");
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(b.get());
  std::vector<std::string> keys;
  for (int i = 0; i < 20; ++i) keys.push_back(Numbered("k", i));
  for (const std::string& k : keys) {
    ASSERT_TRUE(b->ValuePut(Key(0, k), "at1").ok());
  }
  CheckpointHandle h1 = Checkpoint(b.get(), 1);
  ASSERT_TRUE(b->NotifyCheckpointComplete(1).ok());
  ASSERT_TRUE(b->Close().ok());
  KeyGroupRange lower = KeyGroupRangeForSubtask(kMaxParallelism, 2, 0);
  KeyGroupRange upper = KeyGroupRangeForSubtask(kMaxParallelism, 2, 1);
  for (KeyGroupRange range : {lower, upper}) {
    auto r = MustCreate(ConfigFor(ServerOptionsFor(server, job), range));
    RegisterStates(r.get());
    ASSERT_TRUE(r->Restore({h1}, range).ok());
    for (const std::string& k : keys) {
      StateKey key = Key(0, k);
      if (range.Contains(key.key_group)) {
        ASSERT_TRUE(r->ValuePut(key, "at2").ok());
      }
    }
    Checkpoint(r.get(), 2);  // committed; the job never completes it
    ASSERT_TRUE(r->Close().ok());
  }
  auto back = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(back.get());
  ASSERT_TRUE(back->Restore({h1}, {0, kMaxParallelism - 1}).ok());
  for (const std::string& k : keys) {
    EXPECT_EQ(GetValue(back.get(), Key(0, k)), "at1") << k;
  }
}

// Once a later checkpoint completed, its undo images are pruned and older
// checkpoints cannot be restored: the store cannot roll back that far.
TEST(PostgresBackendTest, RestoreRefusesACheckpointOlderThanTheUndoImages) {
  SB_REQUIRE_POSTGRES(server);
  std::string job = UniqueJob("mismatch");
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(b.get());
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "1").ok());
  CheckpointHandle h3 = Checkpoint(b.get(), 3);
  ASSERT_TRUE(b->NotifyCheckpointComplete(3).ok());
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "2").ok());
  CheckpointHandle h4 = Checkpoint(b.get(), 4);
  ASSERT_TRUE(b->NotifyCheckpointComplete(4).ok());
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "3").ok());
  Checkpoint(b.get(), 5);  // prunes the images older than 4
  ASSERT_TRUE(b->Close().ok());
  auto r = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(r.get());
  Status s = r->Restore({h3}, {0, kMaxParallelism - 1});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_NE(s.message().find("server holds checkpoint 5"), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("asked for 3"), std::string::npos);
  EXPECT_EQ(GetValue(r.get(), Key(0, "a")), "<absent>") << "left empty";
  // An empty instance's open transaction already deletes the job's rows in
  // its range (uncommitted): close it before the next restore.
  ASSERT_TRUE(r->Close().ok());
  auto r2 = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(r2.get());
  ASSERT_TRUE(r2->Restore({h4}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(r2.get(), Key(0, "a")), "2");
}

TEST(PostgresBackendTest, RescaleSelectsKeyGroupRanges) {
  SB_REQUIRE_POSTGRES(server);
  std::string job = UniqueJob("rescale");
  auto b = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(b.get());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(b->ValuePut(Key(0, Numbered("k", i)), "v").ok());
  }
  CheckpointHandle h = Checkpoint(b.get(), 1);
  ASSERT_TRUE(b->Close().ok());
  KeyGroupRange lower = KeyGroupRangeForSubtask(kMaxParallelism, 2, 0);
  KeyGroupRange upper = KeyGroupRangeForSubtask(kMaxParallelism, 2, 1);
  auto r0 = MustCreate(ConfigFor(ServerOptionsFor(server, job), lower));
  auto r1 = MustCreate(ConfigFor(ServerOptionsFor(server, job), upper));
  RegisterStates(r0.get());
  RegisterStates(r1.get());
  ASSERT_TRUE(r0->Restore({h}, lower).ok());
  ASSERT_TRUE(r1->Restore({h}, upper).ok());
  for (int i = 0; i < 20; ++i) {
    std::string key = Numbered("k", i);
    StateKey k = Key(0, key);
    StateBackend* owner = lower.Contains(k.key_group) ? r0.get() : r1.get();
    EXPECT_EQ(GetValue(owner, k), "v");
  }
  StateKey k0 = Key(0, "k0");
  StateBackend* owner0 = lower.Contains(k0.key_group) ? r0.get() : r1.get();
  ASSERT_TRUE(owner0->ValuePut(k0, "new").ok());
  CheckpointHandle h0 = Checkpoint(r0.get(), 2);
  CheckpointHandle h1 = Checkpoint(r1.get(), 2);
  auto back = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(back.get());
  ASSERT_TRUE(back->Restore({h0, h1}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(back.get(), k0), "new");
  EXPECT_EQ(GetValue(back.get(), Key(0, "k1")), "v");
}

TEST(PostgresBackendTest, FreshJobIgnoresAndThenDeletesEarlierRunsData) {
  SB_REQUIRE_POSTGRES(server);
  std::string job = UniqueJob("fresh");
  auto old_run = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(old_run.get());
  ASSERT_TRUE(old_run->ValuePut(Key(0, "stale"), "old").ok());
  Checkpoint(old_run.get(), 9);
  ASSERT_TRUE(old_run->Close().ok());
  auto fresh = MustCreate(ConfigFor(ServerOptionsFor(server, job)));
  RegisterStates(fresh.get());
  EXPECT_EQ(GetValue(fresh.get(), Key(0, "stale")), "<absent>");
  ASSERT_TRUE(fresh->ValuePut(Key(0, "new"), "1").ok());
  Checkpoint(fresh.get(), 1);
  auto raw = RawConnection(server);
  EXPECT_EQ(Count(raw.get(),
                  "SELECT count(*) FROM sb_state WHERE job = '" + job + "'"),
            1);
  EXPECT_EQ(Count(raw.get(),
                  "SELECT checkpoint_id FROM sb_checkpoint WHERE "
                  "job = '" +
                      job + "'"),
            1);
}

TEST(PostgresBackendTest, LostConnectionLosesTheOpenTransactionLoudly) {
  SB_REQUIRE_POSTGRES(server);
  std::string job = UniqueJob("lost");
  auto opts = ServerOptionsFor(server, job);
  opts["uri"] = server.uri + "?application_name=" + job;
  auto b = MustCreate(ConfigFor(opts));
  ASSERT_NE(b, nullptr);
  RegisterStates(b.get());
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "1").ok());
  CheckpointHandle h = Checkpoint(b.get(), 1);
  ASSERT_TRUE(b->ValuePut(Key(0, "a"), "2").ok());
  auto raw = RawConnection(server);
  EXPECT_GE(Count(raw.get(),
                  "SELECT count(*) FROM (SELECT "
                  "pg_terminate_backend(pid) FROM pg_stat_activity "
                  "WHERE application_name = '" +
                      job + "') t"),
            1);
  std::string v;
  bool found;
  Status s = b->ValueGet(Key(0, "a"), &v, &found);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("postgres " + HostPortOf(server.uri)),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("restore from the last checkpoint"),
            std::string::npos);
  EXPECT_EQ(b->ValuePut(Key(0, "a"), "3").code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(b->Restore({h}, {0, kMaxParallelism - 1}).ok());
  EXPECT_EQ(GetValue(b.get(), Key(0, "a")), "1");
}

TEST(PostgresBackendTest, WrongPasswordNamesBackendAndHostPortNotPassword) {
  SB_REQUIRE_POSTGRES(server);
  const std::string canary = "Canary-pg-wrong-8812";
  auto opts = ServerOptionsFor(server, UniqueJob("wrongpass"));
  opts["password_file"] = WriteSecretFile(canary);
  Result<std::unique_ptr<StateBackend>> b =
      CreatePostgresBackend(ConfigFor(opts));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kPermissionDenied);
  const std::string& m = b.status().message();
  EXPECT_NE(
      m.find("postgres " + HostPortOf(server.uri) + ": authentication failed"),
      std::string::npos)
      << m;
  EXPECT_EQ(m.find(canary), std::string::npos) << m;
}

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

TEST(PostgresBackendTest, ConnectionRefusedIsUnavailableWithin3s) {
  std::string uri =
      "postgresql://u@127.0.0.1:" + std::to_string(ClosedPort()) + "/db";
  auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<StateBackend>> b =
      CreatePostgresBackend(ConfigFor({{"uri", uri}}));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(b.status().message().find("postgres 127.0.0.1:"), std::string::npos)
      << b.status().message();
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST(PostgresBackendTest, PasswordFileReadableByOthersRefused) {
  std::string path = WriteSecretFile("whatever");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  Result<std::unique_ptr<StateBackend>> b = CreatePostgresBackend(ConfigFor(
      {{"uri", "postgresql://u@127.0.0.1:1/db"}, {"password_file", path}}));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(b.status().message().find("mode 0644"), std::string::npos);
}

TEST(PostgresBackendTest, UnknownOptionListsKnownOnes) {
  Result<std::unique_ptr<StateBackend>> b =
      CreatePostgresBackend(ConfigFor({{"sync_commit", "on"}}));
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(b.status().message().find("unknown option 'sync_commit'"),
            std::string::npos);
  EXPECT_NE(b.status().message().find("synchronous_commit"), std::string::npos);
}

TEST(PostgresBackendTest, CanaryPasswordNeverInStatusMessages) {
  const std::string canary = "Canary-pg-7c1e-never-print";
  ASSERT_EQ(::setenv("SB_TEST_PG_CANARY", canary.c_str(), 1), 0);
  std::vector<Status> statuses;
  auto create = [&](std::map<std::string, std::string> opts) {
    statuses.push_back(CreatePostgresBackend(ConfigFor(opts)).status());
  };
  std::string closed =
      "postgresql://u@127.0.0.1:" + std::to_string(ClosedPort()) + "/db";
  create({{"uri", closed}, {"password_env", "SB_TEST_PG_CANARY"}});
  create({{"uri", "postgresql://u:" + canary + "@127.0.0.1/db"}});
  create({{"uri", "host=127.0.0.1 password=" + canary}});
  create({{"uri", "postgresql://u@127.0.0.1/db?password=" + canary}});
  create(
      {{"uri", "postgresql://u@127.0.0.1/db?password=" + canary + "&bogus=1"}});
  std::string loose = WriteSecretFile(canary);
  ASSERT_EQ(::chmod(loose.c_str(), 0604), 0);
  create({{"uri", closed}, {"password_file", loose}});
  if (auto server = testing::TestServerFromEnv("POSTGRES")) {
    create({{"uri", server->uri}, {"password_env", "SB_TEST_PG_CANARY"}});
  }
  for (const Status& s : statuses) {
    EXPECT_FALSE(s.ok());
    EXPECT_EQ(s.ToString().find(canary), std::string::npos) << s.ToString();
  }
  ::unsetenv("SB_TEST_PG_CANARY");
}

TEST(PostgresBackendTest, IoStatsCountWalAndSaySource) {
  SB_REQUIRE_POSTGRES(server);
  auto opts = ServerOptionsFor(server, UniqueJob("io"));
  auto b = MustCreate(ConfigFor(opts));
  ASSERT_NE(b, nullptr);
  RegisterStates(b.get());
  const std::string value(200, 'x');
  for (int i = 0; i < 50; ++i) {
    std::string key = Numbered("k", i);
    ASSERT_TRUE(b->ValuePut(Key(0, key), value).ok());
  }
  Checkpoint(b.get(), 1);
  IoStats io = b->GetIoStats();
  EXPECT_NE(io.source.find("server not started by statebench"),
            std::string::npos)
      << io.source;
  EXPECT_GE(io.write_breakdown["wal"], 50u * 200u);
  EXPECT_EQ(io.bytes_written, io.write_breakdown["wal"]);
  EXPECT_GT(io.storage_size, 0u);
  if (server.pid.empty()) return;
  opts["server_pid"] = server.pid;
  auto p = MustCreate(ConfigFor(opts));
  ASSERT_NE(p, nullptr);
  EXPECT_NE(p->GetIoStats().source.find("/proc/" + server.pid + "/io"),
            std::string::npos);
}

}  // namespace
}  // namespace statebench
