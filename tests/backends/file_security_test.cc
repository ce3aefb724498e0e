// File modes (0600 files, 0700 directories, whatever the umask), key files
// others may read, symlinks in checkpoint directories, and the temporary
// directories removed on SIGINT/SIGTERM (through the statebench binary).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "backends/registry.h"
#include "base/file_util.h"
#include "tests/backends/backend_test_env.h"
#include "tests/backends/state_model.h"

extern char** environ;

namespace statebench {
namespace {

namespace fs = std::filesystem;
using test_env::ModelDriver;
using test_env::StateModel;

constexpr KeyGroupRange kAll{0, kDefaultLowerBoundMaxParallelism - 1};
constexpr char kHexKey[] =
    "5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

// Sets the umask for the life of the object.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class FileSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SB_ASSERT_OK_AND_ASSIGN(root_, MakeTempDirectory("statebench-sec-test-"));
  }
  void TearDown() override { (void)RemoveTree(root_); }

  // Every file below `dir` is 0600 and every directory 0700.
  void ExpectPrivateTree(const std::string& dir) {
    int files = 0;
    EXPECT_EQ(ModeOf(dir), 0700u) << dir;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      std::string p = e.path().string();
      if (e.is_directory()) {
        EXPECT_EQ(ModeOf(p), 0700u) << p;
      } else {
        EXPECT_EQ(ModeOf(p), 0600u) << p;
        ++files;
      }
    }
    EXPECT_GT(files, 0) << "nothing checked below " << dir;
  }

  std::unique_ptr<StateBackend> Open(const std::string& backend,
                                     CheckpointType type,
                                     std::map<std::string, std::string> opts) {
    BackendConfig c;
    c.key_groups = kAll;
    c.checkpoint_dir = root_ + "/chk-" + backend + std::to_string(n_);
    c.work_dir = root_ + "/work-" + std::to_string(n_++);
    c.checkpoint_type = type;
    c.options = std::move(opts);
    auto b = BackendRegistry::Default().Create(backend, c);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok()) return nullptr;
    EXPECT_TRUE((*b)->RegisterState({"v", StateKind::kValue}).ok());
    return std::move(b).value();
  }

  static Result<CheckpointHandle> Checkpoint(StateBackend* b, int64_t id) {
    SB_ASSIGN_OR_RETURN(std::unique_ptr<AsyncSnapshot> snap,
                        b->SnapshotSync(id));
    SB_ASSIGN_OR_RETURN(CheckpointHandle h, snap->Complete());
    SB_RETURN_IF_ERROR(b->NotifyCheckpointComplete(id));
    return h;
  }

  std::string root_;
  int n_ = 0;
};

TEST_F(FileSecurityTest, HelpersMakePrivateFilesAndDirectoriesUnderAnyUmask) {
  ScopedUmask open_umask(0);
  std::string nested = root_ + "/a/b/c";
  SB_ASSERT_OK(EnsureDirectory(nested));
  EXPECT_EQ(ModeOf(root_ + "/a"), 0700u);
  EXPECT_EQ(ModeOf(nested), 0700u);
  SB_ASSERT_OK(WriteFileAtomically(nested + "/f", "data"));
  EXPECT_EQ(ModeOf(nested + "/f"), 0600u);
  SB_ASSERT_OK_AND_ASSIGN(std::string tmp, MakeTempDirectory("sb-mode-"));
  EXPECT_EQ(ModeOf(tmp), 0700u);
  SB_ASSERT_OK(RemoveTree(tmp));
}

TEST_F(FileSecurityTest, CheckpointFilesArePrivateForEveryFileBackend) {
  ScopedUmask open_umask(0);
  std::string key = root_ + "/key";
  SB_ASSERT_OK(WriteFileAtomically(key, kHexKey));
  struct Case {
    const char* backend;
    CheckpointType type;
    std::map<std::string, std::string> opts;
  };
  for (const Case& c :
       {Case{"fs", CheckpointType::kFull, {}},
        Case{"fs",
             CheckpointType::kFull,
             {{"compression", "zstd"}, {"encryption_key_file", key}}},
        Case{"rocksdb", CheckpointType::kFull, {{"compression", "lz4"}}},
        Case{"rocksdb", CheckpointType::kFull, {{"encryption_key_file", key}}},
        Case{"rocksdb", CheckpointType::kIncremental, {}},
        Case{"rocksdb",
             CheckpointType::kIncremental,
             {{"encryption_key_file", key}}}}) {
    auto b = Open(c.backend, c.type, c.opts);
    ASSERT_NE(b, nullptr);
    StateModel model;
    ModelDriver d(b.get(), &model);
    for (int i = 0; i < 50; ++i) {
      std::string key = "k";
      key += std::to_string(i);
      d.Put({0, key, ""}, "v");
    }
    SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
    SCOPED_TRACE(::testing::Message()
                 << c.backend << " " << h.metadata["format"]);
    ExpectPrivateTree(fs::path(h.location).parent_path().parent_path());
  }
}

TEST_F(FileSecurityTest, AKeyFileOthersMayReadIsRefusedAtOpen) {
  std::string key = root_ + "/key";
  SB_ASSERT_OK(WriteFileAtomically(key, kHexKey));
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  for (const char* backend : {"fs", "rocksdb"}) {
    BackendConfig c;
    c.checkpoint_dir = root_ + "/chk";
    c.work_dir = root_ + "/work";
    c.options = {{"encryption_key_file", key}};
    auto b = BackendRegistry::Default().Create(backend, c);
    ASSERT_FALSE(b.ok()) << backend;
    EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(b.status().message().find("encryption_key_file"),
              std::string::npos);
    EXPECT_NE(b.status().message().find(key), std::string::npos);
  }
}

TEST_F(FileSecurityTest, DeletionsBelowARootDoNotFollowSymlinks) {
  std::string victim = root_ + "/victim";
  SB_ASSERT_OK(EnsureDirectory(victim + "/w"));
  SB_ASSERT_OK(WriteFileAtomically(victim + "/w/precious", "x"));
  std::string chk = root_ + "/checkpoints";
  SB_ASSERT_OK(EnsureDirectory(chk));
  ASSERT_EQ(::symlink(victim.c_str(), (chk + "/chk-1").c_str()), 0);
  Status s = RemoveTreeBelow(chk, "chk-1/w");
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.ToString();
  EXPECT_TRUE(fs::exists(victim + "/w/precious"));
  EXPECT_FALSE(RemoveTreeBelow(chk, "../victim").ok());
  EXPECT_TRUE(fs::exists(victim + "/w/precious"));
  SB_ASSERT_OK(EnsureDirectory(chk + "/chk-2/w"));
  SB_EXPECT_OK(RemoveTreeBelow(chk, "chk-2/w"));
  EXPECT_FALSE(fs::exists(chk + "/chk-2/w"));
}

TEST_F(FileSecurityTest, RetentionAndRestoreDoNotFollowSymlinkedCheckpoints) {
  for (const char* backend : {"fs", "rocksdb"}) {
    SCOPED_TRACE(backend);
    auto b = Open(backend, CheckpointType::kFull, {});
    ASSERT_NE(b, nullptr);
    StateModel model;
    ModelDriver d(b.get(), &model);
    d.Put({0, "k", ""}, "v");
    SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h1, Checkpoint(b.get(), 1));
    // chk-1 is swapped for a symlink to a directory holding a same-named
    // file: neither restore nor retention may touch it.
    fs::path chk1 = fs::path(h1.location).parent_path();
    std::string victim = root_ + "/victim-" + backend;
    SB_ASSERT_OK(EnsureDirectory(victim));
    fs::rename(h1.location,
               victim + "/" + fs::path(h1.location).filename().string());
    fs::remove(chk1);
    fs::create_directory_symlink(victim, chk1);
    auto fresh = Open(backend, CheckpointType::kFull, {});
    ASSERT_NE(fresh, nullptr);
    EXPECT_FALSE(fresh->Restore({h1}, kAll).ok());
    d.Put({0, "k", ""}, "v2");
    (void)Checkpoint(b.get(), 2);  // retention of 1 now releases chk-1
    EXPECT_TRUE(
        fs::exists(victim + "/" + fs::path(h1.location).filename().string()));
  }
}

// ---- temporary directories on SIGTERM / SIGINT ---------------------------

#ifdef STATEBENCH_BINARY
// Runs `statebench run` with TMPDIR = a private directory, sends `sig`
// once it has made its temporary directories, and returns what is left.
std::vector<std::string> LeftoversAfterSignal(const std::string& tmpdir,
                                              const std::string& backend,
                                              int sig) {
  std::vector<std::string> args = {
      STATEBENCH_BINARY, "run", "--backend", backend, "--keys", "20000",
      "--duration",      "30",  "--warmup",  "0",     "-q"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text = {"TMPDIR=" + tmpdir,
                                       "PATH=/usr/bin:/bin"};
  std::vector<char*> envp;
  for (std::string& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  pid_t pid = 0;
  int rc =
      posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(rc, 0);
  if (rc != 0) return {"<spawn failed>"};
  // Wait until the run has its temp directory with something in it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool started = false;
  while (!started && std::chrono::steady_clock::now() < deadline) {
    for (const auto& e : fs::recursive_directory_iterator(tmpdir)) {
      if (e.is_regular_file()) started = true;
    }
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(started) << "statebench made no temporary files";
  ::kill(pid, sig);
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == sig)
      << "status " << status;
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(tmpdir)) {
    left.push_back(e.path().string());
  }
  return left;
}

TEST_F(FileSecurityTest, SigtermMidRunLeavesNoTemporaryDirectory) {
  for (const char* backend : {"rocksdb", "fs"}) {
    std::string tmpdir = root_ + "/tmp-" + backend;
    SB_ASSERT_OK(EnsureDirectory(tmpdir));
    std::vector<std::string> left =
        LeftoversAfterSignal(tmpdir, backend, SIGTERM);
    EXPECT_TRUE(left.empty())
        << backend << ": " << left.size() << " left, first " << left.front();
  }
}

TEST_F(FileSecurityTest, CliExitsTwoNamingAKeyFileOthersMayRead) {
  std::string key = root_ + "/open.key";
  SB_ASSERT_OK(WriteFileAtomically(key, kHexKey));
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  std::string err_path = root_ + "/stderr";
  std::vector<std::string> args = {STATEBENCH_BINARY,
                                   "run",
                                   "--backend",
                                   "fs",
                                   "--keys",
                                   "100",
                                   "--duration",
                                   "0.1",
                                   "--warmup",
                                   "0",
                                   "-q",
                                   "--backend-opt",
                                   "fs.encryption_key_file=" + key};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ),
            0);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  SB_ASSERT_OK_AND_ASSIGN(std::string err, ReadFileToString(err_path));
  EXPECT_NE(err.find("encryption_key_file " + key), std::string::npos) << err;
  EXPECT_NE(err.find("chmod 600"), std::string::npos) << err;
  EXPECT_EQ(err.find(kHexKey), std::string::npos) << "the key leaked";
}

TEST_F(FileSecurityTest, SigintMidRunLeavesNoTemporaryDirectory) {
  std::string tmpdir = root_ + "/tmp-int";
  SB_ASSERT_OK(EnsureDirectory(tmpdir));
  std::vector<std::string> left =
      LeftoversAfterSignal(tmpdir, "rocksdb", SIGINT);
  EXPECT_TRUE(left.empty()) << left.size() << " left, first " << left.front();
}
#endif

}  // namespace
}  // namespace statebench
