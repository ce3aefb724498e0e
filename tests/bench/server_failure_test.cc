// How statebench behaves when a server backend fails, through the same CLI
// path a user takes, against real redis-server and PostgreSQL processes that
// the test starts (ServerProcess) and kills:
//   - connection refused: a failed row within 3 s, exit code 3, the other
//     backends still measured;
//   - server killed mid-run: detected within 5 s, the row failed with its
//     phase, the repetitions measured so far kept;
//   - server stopped (SIGSTOP) mid-run: detected after one command timeout,
//     not one per step that reconnects (or never, for a query without a
//     client-side timeout);
//   - wrong password: one clear message naming the backend and host:port.
// And a canary scan: the server's password never appears in stdout, stderr,
// the results file, any report format or any process's argv.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "base/file_util.h"
#include "base/spawn.h"
#include "bench/cli/cli.h"
#include "reports/results/results.h"
#include "tests/bench/server_binary.h"
#include "tests/test_process.h"

extern char** environ;

namespace statebench {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
  double seconds = 0;
};

CliRun Cli(std::vector<std::string> args) {
  args.insert(args.begin(), "statebench");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  CliRun r;
  const Clock::time_point t0 = Clock::now();
  r.code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err);
  r.seconds = SecondsSince(t0);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::unique_ptr<ServerProcess> StartServer(const std::string& backend) {
  SpawnOptions o;
  o.backend = backend;
  Result<std::unique_ptr<ServerProcess>> s = ServerProcess::Start(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// A loopback port nothing listens on: bound, then released.
int RefusingPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string UriFor(const std::string& backend, int port) {
  return backend == "redis"
             ? "redis://127.0.0.1:" + std::to_string(port) + "/0"
             : "postgresql://statebench@127.0.0.1:" + std::to_string(port) +
                   "/statebench";
}

class TempDir {
 public:
  TempDir() {
    Result<std::string> d = MakeTempDirectory("statebench-failure-test");
    EXPECT_TRUE(d.ok());
    path_ = d.ok() ? *d : "/tmp";
  }
  ~TempDir() { (void)RemoveTree(path_); }
  std::string operator/(const std::string& name) const {
    return path_ + "/" + name;
  }

 private:
  std::string path_;
};

const RunResult* FindRun(const ResultsFile& f, const std::string& backend) {
  for (const RunResult& r : f.runs) {
    if (r.backend == backend) return &r;
  }
  return nullptr;
}

// Short runs: small state, short phases.
std::vector<std::string> Quick(std::vector<std::string> args) {
  for (const char* a : {"--keys", "2000", "--warmup", "0.1", "--duration",
                        "0.5", "--checkpoint-interval", "200", "-q"}) {
    args.emplace_back(a);
  }
  return args;
}

TEST(ServerFailureTest, ConnectionRefusedIsAFailedRowAndTheOthersAreMeasured) {
  TempDir tmp;
  const int port = RefusingPort();
  const std::string out = tmp / "results.json";
  CliRun r = Cli(Quick(
      {"compare", "--backends", "memory,redis,postgres", "-r", "1",
       "--backend-opt", "redis.uri=" + UriFor("redis", port), "--backend-opt",
       "postgres.uri=" + UriFor("postgres", port), "-o", out}));
  EXPECT_EQ(r.code, 3) << r.err;
  Result<ResultsFile> f = LoadResultsFile(out);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const RunResult* memory = FindRun(*f, "memory");
  ASSERT_NE(memory, nullptr);
  EXPECT_EQ(memory->status, RunStatus::kOk);
  ASSERT_EQ(memory->repetitions.size(), 1u);
  EXPECT_GT(memory->repetitions[0].ops_per_s, 0);
  const std::string where = "127.0.0.1:" + std::to_string(port);
  for (const std::string backend : {"redis", "postgres"}) {
    const RunResult* run = FindRun(*f, backend);
    ASSERT_NE(run, nullptr) << backend;
    EXPECT_EQ(run->status, RunStatus::kFailed) << backend;
    EXPECT_EQ(run->failure_phase, "open") << backend;
    EXPECT_NE(run->failure_reason.find(where), std::string::npos)
        << run->failure_reason;
    EXPECT_NE(r.err.find(backend + " failed in phase open"), std::string::npos)
        << r.err;
  }
  // Each on its own, the failed row takes under 3 s.
  for (const std::string backend : {"redis", "postgres"}) {
    CliRun one = Cli(Quick({"run", "--backend", backend, "--backend-opt",
                            "uri=" + UriFor(backend, port)}));
    EXPECT_EQ(one.code, 3) << one.err;
    EXPECT_LT(one.seconds, 3.0) << backend;
  }
}

class KilledServerTest : public ::testing::TestWithParam<std::string> {};

TEST_P(KilledServerTest, IsDetectedWithinFiveSecondsAndKeepsWhatWasMeasured) {
  const std::string backend = GetParam();
  SB_REQUIRE_BINARY(backend);
  std::unique_ptr<ServerProcess> server = StartServer(backend);
  ASSERT_NE(server, nullptr);
  TempDir tmp;
  const std::string out = tmp / "results.json";
  // Enough repetitions that the run is still going when the server dies.
  std::vector<std::string> args = {"run",
                                   "--backend",
                                   backend,
                                   "--backend-opt",
                                   "uri=" + server->uri(),
                                   "--backend-opt",
                                   "password_file=" + server->password_file(),
                                   "--keys",
                                   "2000",
                                   "--warmup",
                                   "0.1",
                                   "--duration",
                                   "0.5",
                                   "-r",
                                   "40",
                                   "--checkpoint-interval",
                                   "200",
                                   "-q",
                                   "-o",
                                   out};
  // The kill comes after about three repetitions, timed here: under the
  // sanitizers and beside other tests a repetition takes several times as
  // long as alone, and a fixed delay could kill the server before the
  // second.
  std::vector<std::string> one_rep = args;
  *std::find(one_rep.begin(), one_rep.end(), "40") = "1";
  one_rep.back() = tmp / "one.json";
  CliRun timed = Cli(one_rep);
  ASSERT_EQ(timed.code, 0) << timed.err;
  const auto kill_delay =
      std::chrono::duration<double>(std::max(2.5, 3 * timed.seconds));
  Clock::time_point killed_at{};
  std::thread killer([&] {
    std::this_thread::sleep_for(kill_delay);
    killed_at = Clock::now();
    EXPECT_TRUE(server->Kill().ok());
  });
  CliRun r = Cli(args);
  const Clock::time_point returned = Clock::now();
  killer.join();
  EXPECT_EQ(r.code, 3) << r.err;
  const double detect_s =
      std::chrono::duration<double>(returned - killed_at).count();
  EXPECT_GT(detect_s, 0) << "the run ended before the server was killed";
  EXPECT_LT(detect_s, 5.0);
  Result<ResultsFile> f = LoadResultsFile(out);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->runs.size(), 1u);
  const RunResult& run = f->runs[0];
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_FALSE(run.failure_phase.empty());
  EXPECT_NE(r.err.find(backend + " failed in phase " + run.failure_phase),
            std::string::npos)
      << r.err;
  EXPECT_NE(
      run.failure_reason.find("127.0.0.1:" + std::to_string(server->port())),
      std::string::npos)
      << run.failure_reason;
  // What was measured before the kill is kept: complete repetitions with
  // their throughput, plus the one that failed.
  ASSERT_GE(run.repetitions.size(), 2u) << "the kill came too early";
  EXPECT_GT(run.repetitions[0].ops_per_s, 0);
  EXPECT_GT(run.repetitions[0].measure_ops, 0u);
  EXPECT_LT(run.repetitions.size(), 40u);
}

INSTANTIATE_TEST_SUITE_P(ServerBackends, KilledServerTest,
                         ::testing::Values("redis", "postgres"));

class StoppedServerTest : public ::testing::TestWithParam<std::string> {};

// A stopped server still completes TCP handshakes (the kernel does), so
// every step that reconnects waits for the command timeout again: the
// final checkpoint, the io statistics, closing. After the first timeout
// the rest must fail at once.
TEST_P(StoppedServerTest, IsDetectedAfterOneCommandTimeout) {
  const std::string backend = GetParam();
  SB_REQUIRE_BINARY(backend);
  std::unique_ptr<ServerProcess> server = StartServer(backend);
  ASSERT_NE(server, nullptr);
  TempDir tmp;
  const std::string child_tmp = tmp / "tmp";
  ASSERT_TRUE(EnsureDirectory(child_tmp).ok());
  constexpr double kTimeoutS = 3;
  constexpr double kDurationS = 3;
  const std::vector<std::string> args = {
      STATEBENCH_BINARY,
      "run",
      "--backend",
      backend,
      "--backend-opt",
      "uri=" + server->uri(),
      "--backend-opt",
      "password_file=" + server->password_file(),
      "--backend-opt",
      "command_timeout_ms=" + std::to_string(int(kTimeoutS * 1000)),
      "--keys",
      "1000",
      "--warmup",
      "0",
      "--duration",
      std::to_string(kDurationS),
      "--checkpoint-interval",
      "200",
      "-q"};
  // The child's TMPDIR shows when its run has opened the backend.
  const char* old_tmp = std::getenv("TMPDIR");
  const std::string saved = old_tmp != nullptr ? old_tmp : "";
  ::setenv("TMPDIR", child_tmp.c_str(), 1);
  testing::ChildProcess child;
  const bool started = child.Start(args, tmp / "capture");
  if (saved.empty()) {
    ::unsetenv("TMPDIR");
  } else {
    ::setenv("TMPDIR", saved.c_str(), 1);
  }
  ASSERT_TRUE(started);
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(60);
  while (std::filesystem::is_empty(child_tmp) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // The whole process group: postgres answers from its backend processes.
  ASSERT_EQ(::kill(-server->pid(), SIGSTOP), 0);
  const Clock::time_point stopped = Clock::now();
  testing::ProcessResult r = child.Wait(60);
  const double detect_s = SecondsSince(stopped);
  ::kill(-server->pid(), SIGCONT);
  EXPECT_FALSE(r.timed_out) << "the run hung on the stopped server";
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(r.err.find("no reply within 3000 ms") != std::string::npos ||
              r.err.find("timeout expired") != std::string::npos)
      << r.err;
  // The rest of the measured phase, one timeout, and slack for a loaded
  // machine; a second timeout would already be too many.
  EXPECT_LT(detect_s, kDurationS + 2 * kTimeoutS) << r.err;
}

INSTANTIATE_TEST_SUITE_P(ServerBackends, StoppedServerTest,
                         ::testing::Values("redis", "postgres"));

class WrongPasswordTest : public ::testing::TestWithParam<std::string> {};

TEST_P(WrongPasswordTest, NamesTheBackendAndItsAddress) {
  const std::string backend = GetParam();
  SB_REQUIRE_BINARY(backend);
  std::unique_ptr<ServerProcess> server = StartServer(backend);
  ASSERT_NE(server, nullptr);
  TempDir tmp;
  const std::string wrong = "Canary-Wrong-Password-5150";
  const std::string pass_file = tmp / "wrong.pass";
  ASSERT_TRUE(WriteFileAtomically(pass_file, wrong).ok());
  ASSERT_EQ(::chmod(pass_file.c_str(), 0600), 0);
  CliRun r = Cli(Quick({"run", "--backend", backend, "--backend-opt",
                        "uri=" + server->uri(), "--backend-opt",
                        "password_file=" + pass_file}));
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find(backend), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("127.0.0.1:" + std::to_string(server->port())),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("password"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(wrong), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find(wrong), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(ServerBackends, WrongPasswordTest,
                         ::testing::Values("redis", "postgres"));

// ---- server durability (verify --server-crash) ------------------------------

// The JSON of one setting in a verify results file.
nlohmann::json Setting(const ResultsFile& f, const std::string& name) {
  for (const auto& s : f.runs.at(0).verification.at("server_durability")) {
    if (s.at("setting") == name) return s;
  }
  ADD_FAILURE() << "no setting " << name;
  return nlohmann::json::object();
}

TEST(ServerDurabilityTest, RedisAofAlwaysKeepsCheckpointsAndRdbOnlyLosesThem) {
  SB_REQUIRE_BINARY("redis");
  TempDir tmp;
  const std::string out = tmp / "durability.json";
  CliRun r = Cli({"verify", "--backend", "redis", "--server-crash",
                  "--persistence", "appendfsync-always,rdb-only", "--cycles",
                  "2", "--keys", "3000", "-q", "-o", out});
  // rdb-only losing checkpoints is reported, not failed: it promises
  // nothing.
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  Result<ResultsFile> f = LoadResultsFile(out);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  nlohmann::json always = Setting(*f, "appendfsync-always");
  EXPECT_EQ(always.at("cycles"), 2);
  EXPECT_EQ(always.at("checkpoints_lost"), 0) << always.dump();
  EXPECT_EQ(always.at("lost"), 0) << always.dump();
  EXPECT_EQ(always.at("resurrected"), 0) << always.dump();
  EXPECT_EQ(always.at("wrong"), 0) << always.dump();
  EXPECT_GT(always.at("checked").get<uint64_t>(), 0u);
  // Without AOF and no RDB save in a short run, the restarted server is
  // empty: every completed checkpoint and entry is gone.
  nlohmann::json rdb = Setting(*f, "rdb-only");
  EXPECT_GT(rdb.at("checkpoints_lost").get<int>(), 0) << rdb.dump();
  EXPECT_GT(rdb.at("lost").get<uint64_t>(), 0u) << rdb.dump();
  EXPECT_EQ(rdb.at("verdict"), "lost completed checkpoints");
  EXPECT_NE(r.out.find("rdb-only"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("LOST completed checkpoints"), std::string::npos);
}

TEST(ServerDurabilityTest, PostgresSynchronousCommitOnKeepsEveryCheckpoint) {
  SB_REQUIRE_BINARY("postgres");
  TempDir tmp;
  const std::string out = tmp / "durability.json";
  CliRun r = Cli({"verify", "--backend", "postgres", "--server-crash",
                  "--persistence", "synchronous_commit-on", "--cycles", "2",
                  "--keys", "2000", "-q", "-o", out});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  Result<ResultsFile> f = LoadResultsFile(out);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  nlohmann::json on = Setting(*f, "synchronous_commit-on");
  EXPECT_EQ(on.at("checkpoints_lost"), 0) << on.dump();
  EXPECT_EQ(on.at("lost"), 0) << on.dump();
  EXPECT_EQ(on.at("resurrected"), 0) << on.dump();
  EXPECT_EQ(on.at("wrong"), 0) << on.dump();
  EXPECT_GT(on.at("checked").get<uint64_t>(), 0u);
  EXPECT_EQ(f->runs[0].verification.at("verdict"), "exactly-once");
}

TEST(ServerDurabilityTest, RefusesAServerItDidNotStartAndUnknownSettings) {
  CliRun r = Cli({"verify", "--backend", "redis", "--server-crash",
                  "--backend-opt", "uri=redis://127.0.0.1:6379/0"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did not start"), std::string::npos) << r.err;
  r = Cli({"verify", "--backend", "redis", "--server-crash", "--persistence",
           "fsync-sometimes"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("fsync-sometimes"), std::string::npos) << r.err;
  r = Cli({"verify", "--backend", "rocksdb", "--server-crash"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("server backend"), std::string::npos) << r.err;
}

// ---- canary scan -----------------------------------------------------------

// A process's argv as /proc shows it; "" when the process is gone. Other
// tests start and end processes all the time, and reading the cmdline of
// one that exits meanwhile fails (ESRCH), which std::ifstream turns into an
// exception.
std::string ReadCmdline(const std::filesystem::path& proc_dir) {
  const int fd = ::open((proc_dir / "cmdline").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string cmdline;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
    cmdline.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return cmdline;
}

// Runs the real binary with stdout and stderr to files; while it runs,
// every process's argv is checked for each of `secrets`.
int RunBinary(const std::vector<std::string>& args, const std::string& out,
              const std::string& err, const std::vector<std::string>& secrets,
              bool* secret_in_argv) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> all = {STATEBENCH_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc =
      posix_spawn(&pid, STATEBENCH_BINARY, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = e.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      const std::string cmdline = ReadCmdline(e.path());
      for (const std::string& secret : secrets) {
        if (cmdline.find(secret) != std::string::npos) *secret_in_argv = true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(CanaryPasswordTest, NeverAppearsInAnyOutputOrArgv) {
  SB_REQUIRE_BINARY("redis");
  SB_REQUIRE_BINARY("postgres");
  std::unique_ptr<ServerProcess> redis = StartServer("redis");
  std::unique_ptr<ServerProcess> pg = StartServer("postgres");
  ASSERT_NE(redis, nullptr);
  ASSERT_NE(pg, nullptr);
  TempDir tmp;
  // The servers' generated passwords are the canaries.
  Result<std::string> redis_pw = ReadFileToString(redis->password_file());
  Result<std::string> pg_pw = ReadFileToString(pg->password_file());
  ASSERT_TRUE(redis_pw.ok() && pg_pw.ok());
  const std::vector<std::string> canaries = {*redis_pw, *pg_pw};
  for (const std::string& c : canaries) ASSERT_GE(c.size(), 16u);

  const std::string results = tmp / "results.json";
  const std::string hgrm = tmp / "hgrm";
  std::vector<std::vector<std::string>> commands = {
      Quick({"compare",
             "--backends",
             "memory,redis,postgres",
             "-r",
             "1",
             "--backend-opt",
             "redis.uri=" + redis->uri(),
             "--backend-opt",
             "redis.password_file=" + redis->password_file(),
             "--backend-opt",
             "postgres.uri=" + pg->uri(),
             "--backend-opt",
             "postgres.password_file=" + pg->password_file(),
             "-o",
             results,
             "--export-md",
             tmp / "r.md",
             "--export-html",
             tmp / "r.html",
             "--export-csv",
             tmp / "r.csv",
             "--export-json",
             tmp / "r.json",
             "--export-gbench",
             tmp / "r.gbench.json",
             "--export-bmf",
             tmp / "r.bmf.json",
             "--export-gab-smaller",
             tmp / "r.gab.json",
             "--export-hgrm",
             hgrm}),
      {"verify", "--backend", "redis", "--backend-opt", "uri=" + redis->uri(),
       "--backend-opt", "password_file=" + redis->password_file(), "--keys",
       "1000", "--cycles", "1", "-q", "--output", tmp / "verify.json"},
      {"report", results},
      {"report", results, "--format", "md"},
      {"report", results, "--format", "html"},
  };
  bool in_argv = false;
  std::string everything;
  int n = 0;
  for (const auto& args : commands) {
    const std::string out = tmp / ("out" + std::to_string(n));
    const std::string err = tmp / ("err" + std::to_string(n));
    ++n;
    int rc = RunBinary(args, out, err, canaries, &in_argv);
    EXPECT_EQ(rc, 0) << args[0] << ": " << *ReadFileToString(err);
  }
  // Everything the runs wrote: outputs, results, every export format.
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(tmp / "")) {
    if (!e.is_regular_file()) continue;
    if (e.path().filename() == "wrong.pass") continue;
    Result<std::string> text = ReadFileToString(e.path().string());
    ASSERT_TRUE(text.ok());
    for (const std::string& c : canaries) {
      EXPECT_EQ(text->find(c), std::string::npos)
          << "password found in " << e.path();
    }
    everything += *text;
  }
  EXPECT_FALSE(in_argv) << "a password appeared in a process's argv";
  // The scan looked at real output: both server rows are there.
  EXPECT_NE(everything.find("postgres"), std::string::npos);
  EXPECT_NE(everything.find("redis"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(hgrm));
}

// ---- verdicts in compare
// ------------------------------------------------------ Through the real
// binary: each verification cycle starts it as the child it kills.

// The verification checks the run as planned: its workload's keys and its
// parallelism, not verify's own defaults (20,000 keys).
TEST(CompareVerificationTest, RunVerifiesItsOwnPlan) {
  TempDir tmp;
  const std::string out = tmp / "results.json";
  bool unused = false;
  const int code =
      RunBinary({"run", "--backend", "fs", "--keys", "3000", "-p", "2",
                 "--warmup", "0", "--duration", "0.3", "--checkpoint-interval",
                 "200", "-q", "--verify-cycles", "2", "-o", out},
                tmp / "out", tmp / "err", {}, &unused);
  ASSERT_EQ(code, 0) << *ReadFileToString(tmp / "err");
  Result<ResultsFile> f = LoadResultsFile(out);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const nlohmann::json& v = f->runs.at(0).verification;
  EXPECT_EQ(v.at("verdict"), "exactly-once") << v.dump();
  EXPECT_EQ(v.at("verified_keys"), 3000) << v.dump();
  // value-rw holds one entry per key: every cycle checks all 3,000.
  EXPECT_EQ(v.at("checked"), 2 * 3000) << v.dump();
}

TEST(CompareVerificationTest, EachRowCarriesItsVerdict) {
  SB_REQUIRE_BINARY("redis");
  std::unique_ptr<ServerProcess> redis = StartServer("redis");
  ASSERT_NE(redis, nullptr);
  TempDir tmp;
  const std::string out = tmp / "results.json";
  bool unused = false;
  int code = RunBinary(
      Quick({"compare", "--backends", "memory,redis", "-r", "1",
             "--verify-cycles", "2", "--backend-opt",
             "redis.uri=" + redis->uri(), "--backend-opt",
             "redis.password_file=" + redis->password_file(), "-o", out}),
      tmp / "out", tmp / "err", {}, &unused);
  EXPECT_EQ(code, 0) << *ReadFileToString(tmp / "err");
  Result<ResultsFile> f = LoadResultsFile(out);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  for (const std::string backend : {"memory", "redis"}) {
    const RunResult* run = FindRun(*f, backend);
    ASSERT_NE(run, nullptr);
    ASSERT_TRUE(run->verification.is_object()) << backend;
    EXPECT_EQ(run->verification.at("verdict"), "exactly-once")
        << run->verification.dump();
    EXPECT_EQ(run->verification.at("cycles"), 2);
    EXPECT_GT(run->verification.at("checked").get<uint64_t>(), 0u);
  }
  // Write-through redis is caught, and its row says so.
  const std::string out2 = tmp / "results2.json";
  code =
      RunBinary(Quick({"run", "--backend", "redis", "--verify-cycles", "2",
                       "--backend-opt", "uri=" + redis->uri(), "--backend-opt",
                       "password_file=" + redis->password_file(),
                       "--backend-opt", "mode=write-through", "-o", out2}),
                tmp / "out2", tmp / "err2", {}, &unused);
  f = LoadResultsFile(out2);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->runs.at(0).verification.at("verdict"), "failed")
      << f->runs.at(0).verification.dump();
  EXPECT_GT(f->runs.at(0).verification.at("resurrected").get<uint64_t>(), 0u);
  EXPECT_EQ(code, 1) << "a failed verdict is exit code 1";
  // The report shows it.
  CliRun md = Cli({"report", out2, "--format", "md"});
  EXPECT_EQ(md.code, 0);
  EXPECT_NE(md.out.find("failed"), std::string::npos) << md.out;
}

}  // namespace
}  // namespace statebench
