// Output paths as CI pipelines give them, through the statebench binary:
// devices, FIFOs, symlinks and standard output are written without being
// replaced; a path that cannot be written is a usage error (exit 2) before
// anything is measured; verify and killed writers leave no temporaries.
// Several cases need root (mknod, lchown) and skip with a message without it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_process.h"

namespace statebench::testing {
namespace {

namespace fs = std::filesystem;

// Short enough for a test, long enough (with kSlowDuration) that a check
// done after measuring instead of before shows in the wall time.
const std::vector<std::string> kQuickRun = {
    "run", "--backend",  "memory", "--keys", "1000", "--warmup",
    "0",   "--duration", "0.1",    "-r",     "1",    "-q"};
constexpr const char* kSlowDuration = "30";

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode;
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool ParsesAsResults(const std::string& text) {
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    return j.value("schema", "") == "statebench.results/1" &&
           j["runs"][0]["backend"] == "memory";
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

class OutputPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp && *tmp ? tmp : "/tmp") + "/statebench-outputs-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ::chmod(dir_.c_str(), 0755);
    work_ = dir_ + "/w";
    ASSERT_EQ(::mkdir(work_.c_str(), 0755), 0);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string Path(const std::string& name) const { return work_ + "/" + name; }

  ProcessResult Statebench(std::vector<std::string> args,
                           double timeout_s = 120) {
    args.insert(args.begin(), STATEBENCH_BINARY);
    return RunProcess(args, dir_ + "/capture", timeout_s);
  }

  ProcessResult QuickRun(std::vector<std::string> extra) {
    std::vector<std::string> args = kQuickRun;
    args.insert(args.end(), extra.begin(), extra.end());
    return Statebench(args);
  }

  // A device node with /dev/null's numbers, or "" (and a skip message)
  // where mknod is not permitted.
  std::string MakeNullDevice(const std::string& name) {
    const std::string path = Path(name);
    if (::mknod(path.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
      return "";
    }
    return path;
  }

  void ExpectNullDevice(const std::string& path) {
    struct stat st {};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0) << path;
    EXPECT_TRUE(S_ISCHR(st.st_mode)) << path << " is no longer a device";
    EXPECT_EQ(major(st.st_rdev), 1u);
    EXPECT_EQ(minor(st.st_rdev), 3u);
  }

  std::string dir_;   // captures of the child's stdout and stderr
  std::string work_;  // the outputs, and nothing else
};

// Every writer (results, exports, hgrm's directory aside, the trace,
// report, advise, gate) writes a character device in place: it is still
// /dev/null's device afterwards, and no temporary is left beside it.
// Device nodes and chown need root (and CAP_MKNOD in a container). A user
// running the suite unprivileged gets a skip that says so; make test, which
// runs as root, sets STATEBENCH_REQUIRE_ROOT_TESTS so that these cases can
// never pass by skipping.
#define SB_NEEDS_ROOT(why)                                     \
  if (std::getenv("STATEBENCH_REQUIRE_ROOT_TESTS") != nullptr) \
    FAIL() << why;                                             \
  else                                                         \
    GTEST_SKIP() << why

TEST_F(OutputPathsTest, CharacterDeviceStaysADeviceForEveryWriter) {
  const std::string dev = MakeNullDevice("null");
  if (dev.empty()) {
    SB_NEEDS_ROOT("mknod is not permitted here (" << std::strerror(errno)
                                                  << "); run as root to test "
                                                     "device outputs");
  }
  const std::string results = Path("r.json");
  ProcessResult r = QuickRun({"-o", results});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::vector<std::string> run = {"-o", dev,        "--record-trace",
                                  dev,  "--events", "2000"};
  for (const char* f : {"md", "html", "json", "csv", "gbench", "bmf",
                        "gab-smaller", "gab-bigger"}) {
    run.insert(run.end(), {std::string("--export-") + f, dev});
  }
  r = QuickRun(run);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ExpectNullDevice(dev);

  r = Statebench({"report", results, "-f", "html", "-o", dev});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ExpectNullDevice(dev);

  r = Statebench({"gate", "--baseline", results, "--current", results,
                  "--junit", dev, "--json", dev, "--markdown", dev,
                  "--save-baseline", dev});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ExpectNullDevice(dev);

  const std::string profile = Path("profile.yaml");
  { std::ofstream(profile) << "state_size: 1GiB\nevent_rate: 1000\n"; }
  r = Statebench({"advise", "--profile", profile, "--results", results, "-o",
                  dev, "--save-results", dev});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ExpectNullDevice(dev);

  EXPECT_EQ(Names(work_),
            (std::vector<std::string>{"null", "profile.yaml", "r.json"}));
}

// A FIFO that a later pipeline step reads: the results arrive whole, once,
// and the FIFO stays a FIFO. The trace, written in pieces, streams too.
TEST_F(OutputPathsTest, FifoReceivesTheOutputAndStaysAFifo) {
  const std::string fifo = Path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  for (const std::string flag : {"-o", "--record-trace"}) {
    SCOPED_TRACE(flag);
    std::string received;
    std::thread reader([&] {
      int fd = ::open(fifo.c_str(), O_RDONLY);
      if (fd < 0) return;
      char buf[65536];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0) received.append(buf, n);
      ::close(fd);
    });
    std::vector<std::string> extra = {flag, fifo};
    if (flag == "--record-trace")
      extra.insert(extra.end(), {"--events", "5000"});
    ProcessResult r = QuickRun(extra);
    // Unblocks the reader's open() when the writer never opened the FIFO.
    int unblock = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
    if (unblock >= 0) ::close(unblock);
    reader.join();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(S_ISFIFO(ModeOf(fifo)));
    if (flag == "-o") {
      EXPECT_TRUE(ParsesAsResults(received)) << received.substr(0, 200);
    } else {
      EXPECT_EQ(received.rfind("SBTRACE", 0), 0u) << received.substr(0, 16);
    }
  }
  EXPECT_EQ(Names(work_), std::vector<std::string>{"fifo"});
}

// A symlink is followed: its target is replaced atomically (keeping the
// target's mode), a dangling one creates its target, one to a device writes
// the device; the links themselves stay links.
TEST_F(OutputPathsTest, SymlinkIsFollowedAndStaysASymlink) {
  const std::string target = Path("target.json");
  { std::ofstream(target) << "old\n"; }
  ASSERT_EQ(::chmod(target.c_str(), 0604), 0);
  ASSERT_EQ(::symlink("target.json", Path("link").c_str()), 0);
  ASSERT_EQ(::symlink("new.json", Path("dangling").c_str()), 0);
  ProcessResult r =
      QuickRun({"-o", Path("link"), "--export-json", Path("dangling")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(S_ISLNK(ModeOf(Path("link"))));
  EXPECT_TRUE(S_ISLNK(ModeOf(Path("dangling"))));
  EXPECT_EQ(fs::read_symlink(Path("link")), "target.json");
  EXPECT_TRUE(ParsesAsResults(ReadWholeFile(target)));
  EXPECT_EQ(ModeOf(target) & 07777, 0604u);
  EXPECT_TRUE(ParsesAsResults(ReadWholeFile(Path("new.json"))));

  const std::string dev = MakeNullDevice("null");
  if (dev.empty()) {
    SB_NEEDS_ROOT("mknod is not permitted here: no device case");
  }
  ASSERT_EQ(::symlink("null", Path("to-null").c_str()), 0);
  r = QuickRun({"-o", Path("to-null")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(S_ISLNK(ModeOf(Path("to-null"))));
  ExpectNullDevice(dev);
}

// As fs.protected_symlinks does: a link in a sticky world-writable
// directory that belongs to someone else is not followed, so a link
// planted in /tmp never makes root replace a file elsewhere.
TEST_F(OutputPathsTest, ForeignSymlinkInStickyDirectoryIsRefused) {
  if (::geteuid() != 0) {
    SB_NEEDS_ROOT("needs root to chown a symlink");
  }
  const std::string sticky = Path("sticky");
  ASSERT_EQ(::mkdir(sticky.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(sticky.c_str(), 01777), 0);
  const std::string victim = Path("victim");
  { std::ofstream(victim) << "precious\n"; }
  const std::string planted = sticky + "/r.json";
  ASSERT_EQ(::symlink(victim.c_str(), planted.c_str()), 0);
  ASSERT_EQ(::lchown(planted.c_str(), 4242, 4242), 0);
  ProcessResult r = QuickRun({"-o", planted});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--output '" + planted + "'"), std::string::npos)
      << r.err;
  EXPECT_EQ(ReadWholeFile(victim), "precious\n");
  EXPECT_TRUE(S_ISLNK(ModeOf(planted)));
}

// "-o -" is standard output: the JSON alone, the table on stderr. So is
// /dev/stdout, here a regular file (the test's capture) that must be
// written through, not replaced.
TEST_F(OutputPathsTest, DashAndDevStdoutWriteTheJsonToStandardOutput) {
  for (const std::string path : {"-", "/dev/stdout"}) {
    SCOPED_TRACE(path);
    ProcessResult r = QuickRun({"-o", path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(ParsesAsResults(r.out)) << r.out.substr(0, 300);
    EXPECT_NE(r.err.find("memory"), std::string::npos) << r.err;
  }
  const std::string results = Path("r.json");
  ASSERT_EQ(QuickRun({"-o", results}).exit_code, 0);
  ProcessResult report =
      Statebench({"report", results, "-f", "json", "-o", "-"});
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_TRUE(ParsesAsResults(report.out)) << report.out.substr(0, 300);
  ProcessResult both = QuickRun({"-o", "-", "--export-md", "-"});
  EXPECT_EQ(both.exit_code, 2) << both.err;
  EXPECT_NE(both.err.find("both write to standard output"), std::string::npos)
      << both.err;
}

// Every command checks every output path before it measures: a missing
// directory, a directory, '' and a block device are exit 2 with one line
// naming the flag and the path, within seconds although the measurement
// asked for would take 30 s, and nothing is written.
TEST_F(OutputPathsTest, BadOutputPathIsExitTwoBeforeAnyMeasurement) {
  const std::string results = Path("r.json");
  ASSERT_EQ(QuickRun({"-o", results}).exit_code, 0);
  const std::string profile = Path("profile.yaml");
  { std::ofstream(profile) << "state_size: 1GiB\nevent_rate: 1000\n"; }
  const std::string missing = Path("nodir/out");
  const std::vector<std::string> slow_run = {
      "run",        "--backend",   "memory", "--keys", "1000",
      "--duration", kSlowDuration, "-r",     "1",      "-q"};
  struct Case {
    std::vector<std::string> args;
    std::string flag;
    std::string path;
  };
  std::vector<Case> cases;
  for (const std::string& bad : {missing, work_, std::string()}) {
    auto with = [&](std::vector<std::string> args, std::string flag) {
      args.insert(args.end(), {flag, bad});
      cases.push_back({args, flag, bad});
    };
    with(slow_run, "--output");
    with(slow_run, "--export-md");
    with(slow_run, "--record-trace");
    std::vector<std::string> compare = slow_run;
    compare[0] = "compare";
    compare.erase(compare.begin() + 1, compare.begin() + 3);
    with(compare, "--output");
    with({"verify", "--backend", "memory", "--cycles", "1000", "-q"},
         "--output");
    with({"report", results, "-f", "md"}, "--output");
    with({"advise", "--profile", profile, "--results", results, "--output",
          Path("a.txt")},
         "--save-results");
    with({"gate", "--run", "--save-baseline", Path("b.json"), "--"}, "--junit");
  }
  // hgrm writes a directory: only a missing parent is wrong.
  cases.push_back({{"run", "--backend", "memory", "--duration", kSlowDuration,
                    "-q", "--export-hgrm", Path("nodir/sub/hgrm")},
                   "--export-hgrm",
                   Path("nodir/sub/hgrm")});
  for (Case& c : cases) {
    if (c.args[0] == "gate") {
      // The gate's flags come before "--" and the run's after it.
      c.args.insert(c.args.begin() + 1, {c.flag, c.path});
      c.args.resize(c.args.size() - 2);
      c.args.insert(c.args.end(), slow_run.begin(), slow_run.end());
    }
    SCOPED_TRACE(::testing::PrintToString(c.args));
    ProcessResult r = Statebench(c.args, 90);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_LT(r.seconds, 10) << "measured before checking the outputs";
    EXPECT_NE(r.err.find(c.flag + " '" + c.path + "'"), std::string::npos)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_EQ(Names(work_),
              (std::vector<std::string>{"profile.yaml", "r.json"}));
  }
}

// Each crash cycle's directory goes when the cycle is done, with what the
// SIGKILLed child left in it (its run directory, RocksDB's files).
TEST_F(OutputPathsTest, VerifyLeavesNoCycleDirectoriesAfterSuccess) {
  const std::string tmp = Path("tmp");
  ASSERT_EQ(::mkdir(tmp.c_str(), 0700), 0);
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  ProcessResult r = Statebench({"verify", "--backend", "rocksdb", "--cycles",
                                "3", "--keys", "2000", "-q"},
                               240);
  if (old) {
    ::setenv("TMPDIR", saved.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("exactly-once"), std::string::npos) << r.out;
  EXPECT_EQ(Names(tmp), std::vector<std::string>{});
}

pid_t DeadPid() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

void Touch(const std::string& path, int age_s) {
  { std::ofstream(path) << "partial"; }
  struct timeval t[2];
  ::gettimeofday(&t[0], nullptr);
  t[0].tv_sec -= age_s;
  t[1] = t[0];
  ::utimes(path.c_str(), t);
}

// A writer killed mid-write leaves "<path>.tmp.<pid>.<6 chars>"; the next
// write to the path removes it when its pid is gone or it is a minute old,
// and touches nothing else.
TEST_F(OutputPathsTest, StaleTemporariesOfTheSamePathAreSwept) {
  const std::string dead = std::to_string(DeadPid());
  const std::vector<std::string> swept = {"r.json.tmp." + dead + ".aB3dE9",
                                          "r.json.tmp.1.Zz0Yy1"};
  const std::vector<std::string> kept = {
      "r.json.tmp.1.fresh1",             // its writer may be running
      "r.json.tmp.backup",               // not our pattern
      "r.json.tmp." + dead + ".abc",     // not our pattern
      "x.json.tmp." + dead + ".aB3dE9",  // another path's
      "r.json.tmp." + dead + ".dirDIR",  // a directory
  };
  Touch(Path(swept[0]), 0);
  Touch(Path(swept[1]), 120);
  for (const std::string& k : kept) {
    if (k.find("dirDIR") != std::string::npos) {
      ASSERT_EQ(::mkdir(Path(k).c_str(), 0700), 0);
    } else {
      Touch(Path(k), k == kept[0] ? 0 : 120);
    }
  }
  ProcessResult r = QuickRun({"-o", Path("r.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> expected = kept;
  expected.push_back("r.json");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(Names(work_), expected);
}

// Reports and exports follow the umask; a file that exists keeps its mode.
TEST_F(OutputPathsTest, OutputsFollowTheUmaskAndKeepAnExistingMode) {
  const mode_t old_umask = ::umask(027);
  const std::string kept = Path("kept.md");
  { std::ofstream(kept) << "old\n"; }
  ::chmod(kept.c_str(), 0664);
  ProcessResult r = QuickRun({"-o", Path("r.json"), "--export-md", kept,
                              "--export-hgrm", Path("hgrm")});
  ::umask(old_umask);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ModeOf(Path("r.json")) & 07777, 0640u);
  EXPECT_EQ(ModeOf(kept) & 07777, 0664u);
  EXPECT_EQ(ModeOf(Path("hgrm")) & 07777, 0750u);
  for (const std::string& f : Names(Path("hgrm"))) {
    EXPECT_EQ(ModeOf(Path("hgrm/" + f)) & 07777, 0640u) << f;
  }
}

}  // namespace
}  // namespace statebench::testing
