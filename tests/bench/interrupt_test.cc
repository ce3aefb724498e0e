// Ctrl-C (SIGINT) through the binary: every measuring command ends within
// a second, by the signal (a shell shows 130), after stopping its children
// and removing its temporary directories and unfinished output files;
// results a run already wrote stay intact.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_process.h"

namespace statebench::testing {
namespace {

namespace fs = std::filesystem;

class InterruptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    old_tmpdir_ = tmp != nullptr ? tmp : "";
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") +
                          "/statebench-interrupt-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    tmpdir_ = dir_ + "/tmp";
    fs::create_directory(tmpdir_);
    // The child inherits it: everything it makes goes below tmpdir_.
    ::setenv("TMPDIR", tmpdir_.c_str(), 1);
  }
  void TearDown() override {
    if (old_tmpdir_.empty()) {
      ::unsetenv("TMPDIR");
    } else {
      ::setenv("TMPDIR", old_tmpdir_.c_str(), 1);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Waits (up to 60 s) until `ready` holds, then sends SIGINT to the child
  // (or to `target`, when given and positive) and returns the child's end
  // and the seconds from the signal to its exit.
  std::pair<ProcessResult, double> InterruptWhen(
      ChildProcess& child, const std::function<bool()>& ready,
      const pid_t* target = nullptr) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!ready() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(ready()) << "the command never got going";
    const auto sent = std::chrono::steady_clock::now();
    ::kill(target != nullptr && *target > 0 ? *target : child.pid(), SIGINT);
    ProcessResult r = child.Wait(30);
    return {r, std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                             sent)
                   .count()};
  }

  std::vector<std::string> TmpEntries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(tmpdir_)) {
      names.push_back(e.path().filename().string());
    }
    return names;
  }

  bool TmpHas(const std::string& prefix) const {
    for (const std::string& n : TmpEntries()) {
      if (n.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }

  std::string old_tmpdir_;
  std::string dir_;
  std::string tmpdir_;
};

void ExpectEndedBySigint(const ProcessResult& r) {
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.signal, SIGINT) << "exit code " << r.exit_code << "\n" << r.err;
  EXPECT_NE(r.err.find("statebench: interrupted"), std::string::npos) << r.err;
}

TEST_F(InterruptTest, VerifyStopsWithinASecondAndLeavesNoCycleDirectory) {
  ChildProcess child;
  ASSERT_TRUE(child.Start({STATEBENCH_BINARY, "verify", "--backend", "fs",
                           "--cycles", "1000", "--keys", "2000"},
                          dir_ + "/capture"));
  // A cycle is under way once the child has written a checkpoint file.
  auto [r, seconds] = InterruptWhen(child, [&] {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(tmpdir_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec) &&
          it->path().string().find("/checkpoints/") != std::string::npos) {
        return true;
      }
    }
    return false;
  });
  ExpectEndedBySigint(r);
  EXPECT_LT(seconds, 1.0);
  EXPECT_TRUE(TmpEntries().empty()) << TmpEntries().front();
}

TEST_F(InterruptTest, RunKeepsAnEarlierResultsFileAndLeavesNoTemporaries) {
  const std::string output = dir_ + "/results.json";
  { std::ofstream(output) << "{\"earlier\": true}\n"; }
  ChildProcess child;
  ASSERT_TRUE(
      child.Start({STATEBENCH_BINARY, "run", "--backend", "rocksdb", "--keys",
                   "20000", "--duration", "30", "--warmup", "0", "-o", output},
                  dir_ + "/capture"));
  auto [r, seconds] =
      InterruptWhen(child, [&] { return TmpHas("statebench-rocksdb-"); });
  ExpectEndedBySigint(r);
  EXPECT_LT(seconds, 1.0);
  EXPECT_TRUE(TmpEntries().empty()) << TmpEntries().front();
  EXPECT_EQ(ReadWholeFile(output), "{\"earlier\": true}\n");
  for (const auto& e : fs::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos)
        << e.path();
  }
}

// The pid of a child of `parent`, 0 when it has none yet.
pid_t ChildOf(pid_t parent) {
  std::ifstream in("/proc/" + std::to_string(parent) + "/task/" +
                   std::to_string(parent) + "/children");
  pid_t pid = 0;
  in >> pid;
  return pid;
}

// A terminal's Ctrl-C reaches the measuring child as well: the gate must
// end as interrupted, not report a failed measurement (exit 3).
TEST_F(InterruptTest, GateRunEndsInterruptedWhenItsChildIs) {
  ChildProcess child;
  ASSERT_TRUE(child.Start(
      {STATEBENCH_BINARY, "gate", "--run", "--save-baseline",
       dir_ + "/baseline.json", "--repetitions", "3", "--", "run", "--backend",
       "memory", "--keys", "2000", "--duration", "30", "--warmup", "0"},
      dir_ + "/capture"));
  pid_t measuring = 0;
  auto [r, seconds] = InterruptWhen(
      child,
      [&] {
        measuring = ChildOf(child.pid());
        return measuring != 0 && TmpHas("statebench-memory-");
      },
      &measuring);
  ASSERT_GT(measuring, 0);
  ExpectEndedBySigint(r);
  EXPECT_LT(seconds, 1.0);
  EXPECT_EQ(r.err.find("exited with code"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/baseline.json"));
  EXPECT_TRUE(TmpEntries().empty()) << TmpEntries().front();
}

}  // namespace
}  // namespace statebench::testing
