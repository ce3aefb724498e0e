// Launch(): streams, environment, PATH lookup, process groups, and the
// errors a caller sees for a program that cannot run, by both of its
// mechanisms (posix_spawn, and fork for death with the parent).
#include "base/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "base/file_util.h"

namespace statebench {
namespace {

class ProcessTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    Result<std::string> d = MakeTempDirectory("statebench-process-");
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dir_ = *d;
  }
  void TearDown() override {
    if (!dir_.empty()) (void)RemoveTree(dir_);
  }

  // A spec for `sh -c script`, by fork when the parameter says so.
  LaunchSpec Shell(const std::string& script) const {
    LaunchSpec spec;
    spec.argv = {"/bin/sh", "-c", script};
    spec.kill_with_parent = GetParam();
    return spec;
  }

  static int Wait(pid_t pid) {
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, 0), pid);
    return ShellExitCode(status);
  }

  std::string Read(const std::string& name) const {
    Result<std::string> text = ReadFileToString(dir_ + "/" + name);
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    return text.ok() ? *text : "";
  }

  std::string dir_;
};

TEST_P(ProcessTest, StdoutAndStderrGoWhereTheSpecSays) {
  LaunchSpec spec = Shell("echo out; echo err >&2");
  spec.out = ChildStream::Truncate(dir_ + "/log");
  spec.err = ChildStream::SameAsStdout();
  Result<pid_t> pid = Launch(spec);
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  EXPECT_EQ(Wait(*pid), 0);
  EXPECT_EQ(Read("log"), "out\nerr\n");

  // Append keeps what is there; truncate empties it.
  spec = Shell("echo again");
  spec.out = ChildStream::Append(dir_ + "/log");
  pid = Launch(spec);
  ASSERT_TRUE(pid.ok());
  Wait(*pid);
  EXPECT_EQ(Read("log"), "out\nerr\nagain\n");
  spec.out = ChildStream::Truncate(dir_ + "/log");
  pid = Launch(spec);
  ASSERT_TRUE(pid.ok());
  Wait(*pid);
  EXPECT_EQ(Read("log"), "again\n");
}

TEST_P(ProcessTest, StdinFromDevNullEndsAtOnce) {
  LaunchSpec spec = Shell("cat; echo done");
  spec.in = ChildStream::Null();
  spec.out = ChildStream::Truncate(dir_ + "/log");
  Result<pid_t> pid = Launch(spec);
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(Wait(*pid), 0);
  EXPECT_EQ(Read("log"), "done\n");
}

TEST_P(ProcessTest, EnvironmentEntriesReplaceTheParents) {
  ASSERT_EQ(::setenv("STATEBENCH_PROCESS_TEST", "parent", 1), 0);
  LaunchSpec spec = Shell(
      "echo \"$STATEBENCH_PROCESS_TEST $STATEBENCH_PROCESS_TEST_NEW "
      "$HOME\"");
  spec.env = {"STATEBENCH_PROCESS_TEST=child",
              "STATEBENCH_PROCESS_TEST_NEW=new"};
  spec.out = ChildStream::Truncate(dir_ + "/log");
  Result<pid_t> pid = Launch(spec);
  ASSERT_TRUE(pid.ok());
  Wait(*pid);
  const char* home = std::getenv("HOME");
  EXPECT_EQ(Read("log"), std::string("child new ") + (home ? home : "") + "\n");
}

TEST_P(ProcessTest, ExitCodesAndSignalsAsAShellReportsThem) {
  Result<pid_t> pid = Launch(Shell("exit 3"));
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(Wait(*pid), 3);
  pid = Launch(Shell("kill -TERM $$"));
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(Wait(*pid), 128 + SIGTERM);
}

TEST_P(ProcessTest, OwnProcessGroupHoldsWhenLaunchReturns) {
  LaunchSpec spec = Shell("sleep 30");
  spec.own_process_group = true;
  Result<pid_t> pid = Launch(spec);
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(::getpgid(*pid), *pid);
  ASSERT_EQ(::kill(-*pid, SIGKILL), 0);
  EXPECT_EQ(Wait(*pid), 128 + SIGKILL);
}

TEST_P(ProcessTest, AProgramThatCannotRunIsTheCallersError) {
  LaunchSpec spec = Shell("");
  spec.argv = {dir_ + "/no-such-program"};
  Result<pid_t> pid = Launch(spec);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pid.status().message().find("no-such-program"), std::string::npos)
      << pid.status().message();

  // Not executable.
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/plain", "#!/bin/sh\n").ok());
  spec.argv = {dir_ + "/plain"};
  pid = Launch(spec);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ProcessTest, PathLookupFindsProgramsAndNamesTheMissingOne) {
  LaunchSpec spec = Shell("");
  spec.argv = {"sh", "-c", "exit 7"};
  spec.search_path = true;
  Result<pid_t> pid = Launch(spec);
  ASSERT_TRUE(pid.ok()) << pid.status().ToString();
  EXPECT_EQ(Wait(*pid), 7);

  spec.argv = {"statebench-no-such-program"};
  pid = Launch(spec);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pid.status().message().find("not found in PATH"), std::string::npos)
      << pid.status().message();
}

TEST_P(ProcessTest, AnUnopenableLogStartsNoChild) {
  LaunchSpec spec = Shell("touch " + dir_ + "/ran");
  spec.out = ChildStream::Truncate(dir_ + "/no-such-dir/log");
  Result<pid_t> pid = Launch(spec);
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(pid.status().message().find("no-such-dir/log"), std::string::npos)
      << pid.status().message();
  ::usleep(100 * 1000);
  EXPECT_NE(::access((dir_ + "/ran").c_str(), F_OK), 0);
}

INSTANTIATE_TEST_SUITE_P(BothMechanisms, ProcessTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Fork")
                                             : std::string("PosixSpawn");
                         });

}  // namespace
}  // namespace statebench
