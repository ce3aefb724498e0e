// The terminal progress line: what it shows for given events, how often it
// redraws, that it is erased before other output, and that nothing at all
// reaches a stderr that is not a terminal.
#include "bench/cli/progress.h"

#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <string>

#include "tests/cli_runner.h"

namespace statebench {
namespace {

uint64_t g_fake_ns = 0;
uint64_t FakeNs() { return g_fake_ns; }

TEST(ProgressLineTest, ShowsPhaseBackendRepetitionElapsedEtaAndRate) {
  ProgressState s;
  s.backend = "rocksdb";
  s.phase = "measure";
  s.step = 2;
  s.steps = 3;
  s.elapsed_s = 12.04;
  s.eta_s = 75;
  s.rate = 41234;
  s.rate_unit = "events";
  EXPECT_EQ(RenderProgressLine(s),
            "\rrocksdb  measure  rep 2/3  12.0 s  ETA 1:15 min  41.2k "
            "events/s\x1b[K");
}

TEST(ProgressLineTest, LeavesOutWhatIsUnknownAndCutsToTheWidth) {
  ProgressState s;
  s.backend = "fs";
  s.phase = "cycle";
  s.step = 4;
  s.steps = 20;
  EXPECT_EQ(RenderProgressLine(s), "\rfs  cycle  4/20\x1b[K");
  EXPECT_EQ(RenderProgressLine(s, 5), "\rfs  c\x1b[K");
}

TEST(TerminalProgressTest, RedrawsAtMostFourTimesASecondAndErasesFirst) {
  std::ostringstream err;
  g_fake_ns = 1000000000;
  TerminalProgress line(&err, true, FakeNs);
  ProgressState s;
  s.backend = "memory";
  s.phase = "measure";
  line.Update(s);
  g_fake_ns += 100000000;  // 0.1 s later: too soon
  s.rate = 5;
  line.Update(s);
  EXPECT_EQ(err.str(), "\rmemory  measure\x1b[K");
  g_fake_ns += 200000000;  // 0.3 s after the first draw
  line.Update(s);
  EXPECT_EQ(err.str(),
            "\rmemory  measure\x1b[K\rmemory  measure  5 ops/s\x1b[K");
  err.str("");
  line.Message("statebench: note");
  EXPECT_EQ(err.str(), "\r\x1b[Kstatebench: note\n");
  err.str("");
  line.Clear();  // nothing drawn since the message
  EXPECT_EQ(err.str(), "");
}

TEST(TerminalProgressTest, DisabledWritesNothing) {
  std::ostringstream err;
  TerminalProgress line(&err, false);
  line.Update(ProgressState{}, true);
  line.Message("statebench: note");
  line.Clear();
  EXPECT_EQ(err.str(), "");
}

// In-process, stderr is a string stream, not a terminal: a run that
// measures for over a second writes no progress byte.
TEST(TerminalProgressTest, ARunOnANonTerminalWritesNoProgress) {
  testing::CliRun r =
      testing::Cli({"run", "--backend", "memory", "--keys", "1000",
                    "--duration", "1.2", "--warmup", "0"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("\x1b[K"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("warmup and measure"), std::string::npos) << r.err;
}

// Through a pseudo-terminal, as a user sees it: the line is drawn in place
// with a rate, and erased (the last bytes before the table clear it).
TEST(TerminalProgressTest, ARunOnATerminalRedrawsOneLine) {
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // stdout away from the terminal: only stderr's progress goes there.
    FILE* null = std::fopen("/dev/null", "w");
    if (null != nullptr) ::dup2(::fileno(null), STDOUT_FILENO);
    ::execl(STATEBENCH_BINARY, STATEBENCH_BINARY, "run", "--backend", "memory",
            "--keys", "1000", "--duration", "1.2", "--warmup", "0",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string seen;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has closed the terminal
    seen.append(buf, static_cast<size_t>(n));
  }
  ::close(master);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << seen;
  EXPECT_NE(seen.find("\rmemory  measure  rep 1/1"), std::string::npos) << seen;
  EXPECT_NE(seen.find("events/s\x1b[K"), std::string::npos) << seen;
  // Drawn more than once, but not more than a few times a second.
  size_t draws = 0;
  for (size_t at = seen.find("\rmemory  "); at != std::string::npos;
       at = seen.find("\rmemory  ", at + 1)) {
    ++draws;
  }
  EXPECT_GE(draws, 3u) << seen;
  EXPECT_LE(draws, 12u) << seen;
  EXPECT_TRUE(seen.ends_with("\r\x1b[K")) << seen;
}

}  // namespace
}  // namespace statebench
