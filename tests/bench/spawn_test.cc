// ServerProcess against the real redis-server and PostgreSQL binaries.
#include "base/spawn.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "backends/registry.h"
#include "base/file_util.h"
#include "tests/bench/server_binary.h"

namespace statebench {
namespace {

constexpr int kMaxParallelism = 128;

bool ProcessExists(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

unsigned Mode(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string Cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

BackendConfig ConfigFor(const ServerProcess& server, const std::string& job) {
  BackendConfig c;
  c.max_parallelism = kMaxParallelism;
  c.key_groups = {0, kMaxParallelism - 1};
  c.options = server.Connection().options;
  c.options["job"] = job;
  c.options["command_timeout_ms"] = "2000";
  return c;
}

std::unique_ptr<StateBackend> MustCreate(const ServerProcess& server,
                                         const std::string& job) {
  Result<std::unique_ptr<StateBackend>> b = BackendRegistry::Default().Create(
      server.backend(), ConfigFor(server, job));
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  if (!b.ok()) return nullptr;
  EXPECT_TRUE((*b)->RegisterState({"v", StateKind::kValue}).ok());
  return std::move(b).value();
}

StateKey Key(std::string_view key) {
  return StateKey{0, AssignToKeyGroup(key, kMaxParallelism), key, ""};
}

CheckpointHandle Checkpoint(StateBackend* b, int64_t id) {
  Result<std::unique_ptr<AsyncSnapshot>> snap = b->SnapshotSync(id);
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  if (!snap.ok()) return {};
  Result<CheckpointHandle> h = (*snap)->Complete();
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  return h.ok() ? *h : CheckpointHandle{};
}

// Checks the private-server hygiene, uses the server through its backend,
// stops it and checks that nothing is left.
void SpawnUseAndStop(const SpawnOptions& options) {
  Result<std::unique_ptr<ServerProcess>> started =
      ServerProcess::Start(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<ServerProcess> server = std::move(started).value();
  const pid_t pid = server->pid();
  const std::string dir = server->dir();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(ProcessExists(pid));
  EXPECT_EQ(Mode(dir), 0700u);
  EXPECT_EQ(Mode(server->password_file()), 0600u);
  Result<std::string> password = ReadFileToString(server->password_file());
  ASSERT_TRUE(password.ok());
  EXPECT_GE(password->size(), 20u);
  EXPECT_EQ(Cmdline(pid).find(*password), std::string::npos)
      << "password on the server's command line";
  EXPECT_EQ(server->Connection().options.at("server_pid"), std::to_string(pid));

  auto b = MustCreate(*server, "spawn");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->ValuePut(Key("k"), "v").ok());
  CheckpointHandle h = Checkpoint(b.get(), 1);
  EXPECT_EQ(h.checkpoint_id, 1);
  IoStats io = b->GetIoStats();
  EXPECT_NE(io.source.find("/proc/" + std::to_string(pid) + "/io"),
            std::string::npos)
      << io.source;
  ASSERT_TRUE(b->Close().ok());

  ASSERT_TRUE(server->Stop().ok());
  EXPECT_FALSE(server->running());
  EXPECT_FALSE(ProcessExists(pid)) << "pid " << pid << " still exists";
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
  EXPECT_TRUE(server->Stop().ok()) << "Stop is idempotent";
}

TEST(SpawnTest, RedisStartsPrivatelyServesAndStopsWithoutTrace) {
  SB_REQUIRE_BINARY("redis");
  SpawnOptions o;
  o.backend = "redis";
  o.redis.appendonly = true;
  o.redis.appendfsync = "always";
  SpawnUseAndStop(o);
}

TEST(SpawnTest, PostgresStartsPrivatelyServesAndStopsWithoutTrace) {
  SB_REQUIRE_BINARY("postgres");
  SpawnOptions o;
  o.backend = "postgres";
  o.postgres.synchronous_commit = "off";
  SpawnUseAndStop(o);
}

// A killed server is detected within 5 s; after a restart on the same
// directory the last checkpoint restores.
void KillDetectRestartRestore(const SpawnOptions& options) {
  Result<std::unique_ptr<ServerProcess>> started =
      ServerProcess::Start(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<ServerProcess> server = std::move(started).value();
  const int port = server->port();
  auto b = MustCreate(*server, "kill");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->ValuePut(Key("durable"), "yes").ok());
  CheckpointHandle h = Checkpoint(b.get(), 1);
  ASSERT_TRUE(b->ValuePut(Key("lost"), "after the checkpoint").ok());

  const pid_t old_pid = server->pid();
  ASSERT_TRUE(server->Kill().ok());
  EXPECT_FALSE(ProcessExists(old_pid));
  EXPECT_TRUE(std::filesystem::exists(server->dir())) << "kept for Restart";
  auto start = std::chrono::steady_clock::now();
  Status s = b->ValuePut(Key("x"), "y");
  if (s.ok()) {  // buffered redis: the failure surfaces at the commit
    Result<std::unique_ptr<AsyncSnapshot>> snap = b->SnapshotSync(2);
    s = snap.ok() ? (*snap)->Complete().status() : snap.status();
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(
      s.message().find(options.backend + " 127.0.0.1:" + std::to_string(port)),
      std::string::npos)
      << s.message();
  EXPECT_LT(elapsed, std::chrono::seconds(5));

  ASSERT_TRUE(server->Restart().ok());
  EXPECT_EQ(server->port(), port);
  auto r = MustCreate(*server, "kill");
  ASSERT_NE(r, nullptr);
  ASSERT_TRUE(r->Restore({h}, {0, kMaxParallelism - 1}).ok());
  std::string v;
  bool found = false;
  ASSERT_TRUE(r->ValueGet(Key("durable"), &v, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(v, "yes");
  ASSERT_TRUE(r->ValueGet(Key("lost"), &v, &found).ok());
  EXPECT_FALSE(found);
  ASSERT_TRUE(r->Close().ok());
  ASSERT_TRUE(b->Close().ok());
  const std::string dir = server->dir();
  ASSERT_TRUE(server->Stop().ok());
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(SpawnTest, RedisKilledIsDetectedAndRestartRestoresTheCheckpoint) {
  SB_REQUIRE_BINARY("redis");
  SpawnOptions o;
  o.backend = "redis";
  o.redis.appendonly = true;
  o.redis.appendfsync = "always";
  KillDetectRestartRestore(o);
}

TEST(SpawnTest, PostgresKilledIsDetectedAndRestartRestoresTheCheckpoint) {
  SB_REQUIRE_BINARY("postgres");
  SpawnOptions o;
  o.backend = "postgres";
  // A process crash keeps the page cache, so fsync does not change what
  // survives here; without it the restart skips fsyncing the whole data
  // directory, which takes seconds on a busy disk.
  o.postgres.fsync = false;
  KillDetectRestartRestore(o);
}

// Redis accepts connections while it loads its AOF, and a client without
// the password gets NOAUTH there before it could get LOADING: a restart
// that took that for "ready" handed the restore a server that answered
// every command with LOADING. Restart() returns once the data is loaded, so
// the restore right after it finds the checkpoint. key-load-delay (a Redis
// setting for its own tests: microseconds per command loaded) makes 4,000
// commands load as slowly as a large AOF.
TEST(SpawnTest, RedisRestartReturnsOnceTheAofIsLoaded) {
  SB_REQUIRE_BINARY("redis");
  SpawnOptions o;
  o.backend = "redis";
  o.redis.appendonly = true;
  o.redis.appendfsync = "always";
  Result<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(o);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<ServerProcess> server = std::move(started).value();
  constexpr int kKeys = 4000;
  auto b = MustCreate(*server, "loading");
  ASSERT_NE(b, nullptr);
  for (int i = 0; i < kKeys; ++i) {
    ASSERT_TRUE(b->ValuePut(Key("k" + std::to_string(i)), "v").ok());
  }
  CheckpointHandle h = Checkpoint(b.get(), 1);
  ASSERT_TRUE(b->NotifyCheckpointComplete(1).ok());
  ASSERT_TRUE(b->Close().ok()) << "the checkpoint is applied";
  ASSERT_TRUE(server->Kill().ok());
  {
    std::ofstream conf(server->dir() + "/redis.conf", std::ios::app);
    conf << "key-load-delay 500\n";
  }
  const auto t0 = std::chrono::steady_clock::now();
  Status restarted = server->Restart();
  const double restart_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  // At least one command a key at 0.5 ms each: loading takes 2 s.
  EXPECT_GT(restart_s, 1.5) << "returned before the AOF was loaded";
  auto r = MustCreate(*server, "loading");
  ASSERT_NE(r, nullptr) << "the restarted server refused a client";
  Status restored = r->Restore({h}, {0, kMaxParallelism - 1});
  ASSERT_TRUE(restored.ok()) << restored.ToString();
  for (int i : {0, kKeys / 2, kKeys - 1}) {
    std::string v;
    bool found = false;
    ASSERT_TRUE(r->ValueGet(Key("k" + std::to_string(i)), &v, &found).ok());
    EXPECT_TRUE(found) << "k" << i;
  }
  ASSERT_TRUE(r->Close().ok());
  ASSERT_TRUE(server->Stop().ok());
}

// Between a crash and the restart another process may take the server's
// port. Whatever answers there is not the restarted server: Restart() fails
// with the server's own reason (its log), and no restore talks to the
// stranger. The stranger answers like a redis that wants a password
// (`greeting`), or just accepts connections, as a postmaster does.
void RestartFindsThePortTaken(const SpawnOptions& options,
                              const std::string& greeting) {
  Result<std::unique_ptr<ServerProcess>> started =
      ServerProcess::Start(options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<ServerProcess> server = std::move(started).value();
  ASSERT_TRUE(server->Kill().ok());
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(server->port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0)
      << std::strerror(errno);
  ASSERT_EQ(::listen(fd, 16), 0);
  std::atomic<bool> stop{false};
  std::thread stranger([&] {
    while (!stop.load()) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) continue;
      const int c = ::accept(fd, nullptr, nullptr);
      if (c < 0) continue;
      if (!greeting.empty()) {
        (void)!::send(c, greeting.data(), greeting.size(), MSG_NOSIGNAL);
      }
      ::close(c);
    }
  });
  Status s = server->Restart();
  stop.store(true);
  stranger.join();
  ::close(fd);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("in use"), std::string::npos) << s.message();
  EXPECT_FALSE(server->running());
  EXPECT_TRUE(server->Stop().ok());
}

TEST(SpawnTest, RedisRestartOntoATakenPortFails) {
  SB_REQUIRE_BINARY("redis");
  SpawnOptions o;
  o.backend = "redis";
  o.redis.appendonly = true;
  RestartFindsThePortTaken(o, "-NOAUTH Authentication required.\r\n");
}

TEST(SpawnTest, PostgresRestartOntoATakenPortFails) {
  SB_REQUIRE_BINARY("postgres");
  SpawnOptions o;
  o.backend = "postgres";
  o.postgres.fsync = false;
  RestartFindsThePortTaken(o, "");
}

TEST(SpawnTest, StopAllSpawnedServersKillsAndRemovesEverything) {
  SB_REQUIRE_BINARY("redis");
  SpawnOptions o;
  o.backend = "redis";
  Result<std::unique_ptr<ServerProcess>> a = ServerProcess::Start(o);
  Result<std::unique_ptr<ServerProcess>> b = ServerProcess::Start(o);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<std::pair<pid_t, std::string>> spawned = {
      {(*a)->pid(), (*a)->dir()}, {(*b)->pid(), (*b)->dir()}};
  StopAllSpawnedServers();
  for (const auto& [pid, dir] : spawned) {
    EXPECT_FALSE(ProcessExists(pid));
    EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
  }
  // The owners notice that there is nothing left to stop.
  EXPECT_TRUE((*a)->Stop().ok());
  EXPECT_TRUE((*b)->Stop().ok());
}

// A process holding a spawned server is terminated by SIGTERM: its handler
// removes the server and its directory before the process dies.
TEST(SpawnTest, SigtermHandlerStopsSpawnedServers) {
  SB_REQUIRE_BINARY("redis");
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    InstallSpawnSignalHandlers();
    SpawnOptions o;
    o.backend = "redis";
    Result<std::unique_ptr<ServerProcess>> s = ServerProcess::Start(o);
    std::string msg = s.ok() ? std::to_string((*s)->pid()) + " " + (*s)->dir()
                             : std::string("error");
    msg += "\n";
    (void)!::write(fds[1], msg.data(), msg.size());
    while (true) ::pause();
  }
  ::close(fds[1]);
  std::string msg;
  char c;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') msg += c;
  ::close(fds[0]);
  ASSERT_NE(msg, "error");
  ASSERT_FALSE(msg.empty());
  pid_t server_pid = std::atoi(msg.c_str());
  std::string dir = msg.substr(msg.find(' ') + 1);
  EXPECT_TRUE(ProcessExists(server_pid));
  ASSERT_EQ(::kill(child, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
  EXPECT_FALSE(ProcessExists(server_pid));
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
}

TEST(SpawnTest, RejectsBadOptions) {
  SpawnOptions o;
  o.backend = "rocksdb";
  EXPECT_EQ(ServerProcess::Start(o).status().code(),
            StatusCode::kInvalidArgument);
  o.backend = "redis";
  o.redis.appendfsync = "sometimes";
  Result<std::unique_ptr<ServerProcess>> r = ServerProcess::Start(o);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("always, everysec or no"),
            std::string::npos);
  o.backend = "postgres";
  o.redis = {};
  o.postgres.synchronous_commit = "maybe";
  EXPECT_EQ(ServerProcess::Start(o).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace statebench
