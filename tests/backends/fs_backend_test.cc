// The fs backend beyond the conformance suite: file layout and modes,
// crash-safety of the write, corruption detection, key-group-selective
// reads, retention and refusal to follow symlinks.
#include "backends/heap/fs_backend.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/file_util.h"
#include "tests/backends/backend_test_env.h"
#include "tests/backends/state_model.h"

namespace statebench {
namespace {

namespace fs = std::filesystem;
using test_env::Matches;
using test_env::ModelDriver;
using test_env::StateModel;

constexpr KeyGroupRange kAll{0, kDefaultLowerBoundMaxParallelism - 1};

class FsBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SB_ASSERT_OK_AND_ASSIGN(root_, MakeTempDirectory("statebench-fs-test-"));
    dir_ = root_ + "/checkpoints";
  }
  void TearDown() override { (void)RemoveTree(root_); }

  std::unique_ptr<StateBackend> Open(
      std::map<std::string, std::string> options = {},
      KeyGroupRange range = kAll) {
    BackendConfig c;
    c.key_groups = range;
    c.checkpoint_dir = dir_;
    c.options = std::move(options);
    Result<std::unique_ptr<StateBackend>> b = CreateFsBackend(c);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok()) return nullptr;
    EXPECT_TRUE((*b)->RegisterState({"v", StateKind::kValue}).ok());
    return std::move(b).value();
  }

  // Values for `n` keys (of ~100 bytes) into state 0.
  static void Fill(ModelDriver& d, int n, const std::string& tag) {
    for (int i = 0; i < n; ++i) {
      d.Put({0, "key-" + std::to_string(i), ""},
            tag + std::string(100, static_cast<char>('a' + i % 26)));
    }
  }

  static Result<CheckpointHandle> Checkpoint(StateBackend* b, int64_t id,
                                             bool notify = true) {
    SB_ASSIGN_OR_RETURN(std::unique_ptr<AsyncSnapshot> snap,
                        b->SnapshotSync(id));
    SB_ASSIGN_OR_RETURN(CheckpointHandle h, snap->Complete());
    if (notify) SB_RETURN_IF_ERROR(b->NotifyCheckpointComplete(id));
    return h;
  }

  // Names of temporary files anywhere below the checkpoint directory.
  std::vector<std::string> TempFiles() const {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_)) {
      if (e.path().filename().string().find(".tmp.") != std::string::npos) {
        out.push_back(e.path().string());
      }
    }
    return out;
  }

  std::string root_, dir_;
};

TEST_F(FsBackendTest, WritesOnePrivateFilePerCheckpointAndLeavesNoTempFiles) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  Fill(d, 200, "x");
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
  EXPECT_EQ(h.location, dir_ + "/chk-1/kg-0-127.snapshot");
  EXPECT_EQ(h.type, CheckpointType::kFull);
  EXPECT_EQ(h.metadata.at("file"), "chk-1/kg-0-127.snapshot");
  struct stat st;
  ASSERT_EQ(::stat(h.location.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), h.full_size);
  ASSERT_EQ(::stat((dir_ + "/chk-1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(TempFiles().empty());
}

TEST_F(FsBackendTest, FailedWriteLeavesNoFileAndNoTempFile) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  Fill(d, 500, "y");  // ~60 KB, far above the file-size limit below
  SB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AsyncSnapshot> snap,
                          b->SnapshotSync(1));
  // A full disk, simulated: writes beyond 4 KiB fail with EFBIG.
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = {4096, old_limit.rlim_max};
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Result<CheckpointHandle> h = snap->Complete();
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kIoError) << h.status().ToString();
  EXPECT_TRUE(TempFiles().empty());
  EXPECT_FALSE(fs::exists(dir_ + "/chk-1/kg-0-127.snapshot"));
  SB_ASSERT_OK(b->NotifyCheckpointAborted(1));
  EXPECT_TRUE(Matches(b.get(), model, kAll, kAll));
  SB_ASSERT_OK(Checkpoint(b.get(), 2).status());  // the next one works
}

TEST_F(FsBackendTest, TruncatedOrCorruptedSnapshotIsCorruption) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  Fill(d, 200, "z");
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
  SB_ASSERT_OK_AND_ASSIGN(std::string original, ReadFileToString(h.location));
  for (size_t cut :
       {size_t{0}, size_t{10}, original.size() / 2, original.size() - 1}) {
    SB_ASSERT_OK(WriteFileAtomically(h.location, original.substr(0, cut)));
    Status s = b->Restore({h}, kAll);
    EXPECT_EQ(s.code(), StatusCode::kCorruption)
        << "truncated to " << cut << ": " << s.ToString();
    EXPECT_NE(s.message().find(h.location), std::string::npos);
  }
  for (size_t pos : {size_t{3}, original.size() / 3, original.size() - 30,
                     original.size() - 2}) {
    std::string bad = original;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x01);
    SB_ASSERT_OK(WriteFileAtomically(h.location, bad));
    Status s = b->Restore({h}, kAll);
    EXPECT_EQ(s.code(), StatusCode::kCorruption)
        << "bit flipped at " << pos << ": " << s.ToString();
  }
  // A failed restore leaves the live state as it was.
  EXPECT_TRUE(Matches(b.get(), model, kAll, kAll)) << "live state unchanged";
  SB_ASSERT_OK(WriteFileAtomically(h.location, original));
  SB_ASSERT_OK(b->Restore({h}, kAll));
  EXPECT_TRUE(Matches(b.get(), model, kAll, kAll));
}

TEST_F(FsBackendTest, RestoreOfASubRangeReadsOnlyItsKeyGroups) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  Fill(d, 2000, "r");
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
  auto whole = Open();
  ASSERT_NE(whole, nullptr);
  SB_ASSERT_OK(whole->Restore({h}, kAll));
  uint64_t all_bytes = whole->GetIoStats().bytes_read;
  EXPECT_EQ(all_bytes, h.full_size) << "a full restore reads the file once";
  const KeyGroupRange sub{0, 15};
  auto part = Open({}, sub);
  ASSERT_NE(part, nullptr);
  SB_ASSERT_OK(part->Restore({h}, sub));
  uint64_t sub_bytes = part->GetIoStats().bytes_read;
  // 16 of 128 key groups: about an eighth plus header and index.
  EXPECT_LT(sub_bytes, all_bytes / 4) << sub_bytes << " of " << all_bytes;
  EXPECT_TRUE(Matches(part.get(), model, sub, sub));
}

TEST_F(FsBackendTest, RetentionKeepsTheNewestCompletedCheckpoints) {
  auto b = Open({{"retained_checkpoints", "2"}});
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  std::vector<CheckpointHandle> handles;
  uint64_t written = 0;
  for (int64_t id = 1; id <= 4; ++id) {
    Fill(d, 50 * static_cast<int>(id), "round" + std::to_string(id));
    SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), id));
    written += h.full_size;
    handles.push_back(h);
  }
  EXPECT_FALSE(fs::exists(dir_ + "/chk-1"));
  EXPECT_FALSE(fs::exists(dir_ + "/chk-2"));
  EXPECT_TRUE(fs::exists(handles[2].location));
  EXPECT_TRUE(fs::exists(handles[3].location));
  IoStats io = b->GetIoStats();
  EXPECT_EQ(io.storage_size, handles[2].full_size + handles[3].full_size);
  EXPECT_EQ(io.write_breakdown["checkpoint"], written);
  EXPECT_EQ(io.bytes_written, written);
  EXPECT_EQ(io.source, "own byte counters");
  // An aborted checkpoint's file goes at once.
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h5, Checkpoint(b.get(), 5, false));
  EXPECT_TRUE(fs::exists(h5.location));
  SB_ASSERT_OK(b->NotifyCheckpointAborted(5));
  EXPECT_FALSE(fs::exists(h5.location));
  EXPECT_TRUE(fs::exists(handles[3].location));
}

TEST_F(FsBackendTest, SymlinksInTheCheckpointDirectoryAreNotFollowed) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  Fill(d, 10, "s");
  std::string elsewhere = root_ + "/elsewhere";
  SB_ASSERT_OK(EnsureDirectory(elsewhere));
  ASSERT_EQ(::symlink(elsewhere.c_str(), (dir_ + "/chk-1").c_str()), 0);
  Result<CheckpointHandle> h = Checkpoint(b.get(), 1);
  EXPECT_FALSE(h.ok());
  EXPECT_TRUE(fs::is_empty(elsewhere)) << "nothing written through the link";

  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h2, Checkpoint(b.get(), 2));
  std::string target = root_ + "/moved.snapshot";
  fs::rename(h2.location, target);
  ASSERT_EQ(::symlink(target.c_str(), h2.location.c_str()), 0);
  Status s = b->Restore({h2}, kAll);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("symlink"), std::string::npos) << s.ToString();
}

TEST_F(FsBackendTest, OptionsAndConfigurationAreValidated) {
  EXPECT_NE(Open({{"retained_checkpoints", "3"}}), nullptr);
  BackendConfig c;
  c.checkpoint_dir = dir_;
  for (const char* bad : {"0", "-1", "two", ""}) {
    c.options = {{"retained_checkpoints", bad}};
    Result<std::unique_ptr<StateBackend>> b = CreateFsBackend(c);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_NE(b.status().message().find("retained_checkpoints"),
              std::string::npos);
  }
  c.options = {{"max_state_size", "5MiB"}};
  Result<std::unique_ptr<StateBackend>> unknown = CreateFsBackend(c);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find(
                "'max_state_size' for the fs backend; known options: "
                "retained_checkpoints"),
            std::string::npos)
      << unknown.status().message();
  c.options.clear();
  c.checkpoint_dir.clear();
  EXPECT_EQ(CreateFsBackend(c).status().code(), StatusCode::kInvalidArgument);
  Capabilities caps = FsBackendInfo().capabilities;
  EXPECT_TRUE(caps.durable);
  EXPECT_TRUE(caps.exactly_once);
  EXPECT_TRUE(caps.memory_bound);
  EXPECT_FALSE(caps.incremental);
}

TEST_F(FsBackendTest, CheckpointsSurviveCloseForALaterProcess) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  Fill(d, 100, "c");
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
  SB_ASSERT_OK(b->Close());
  b.reset();
  EXPECT_TRUE(fs::exists(h.location));
  auto fresh = Open();
  ASSERT_NE(fresh, nullptr);
  SB_ASSERT_OK(fresh->Restore({h}, kAll));
  EXPECT_TRUE(Matches(fresh.get(), model, kAll, kAll));
}

}  // namespace
}  // namespace statebench
