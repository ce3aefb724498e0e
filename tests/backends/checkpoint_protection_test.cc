// Compressed and encrypted checkpoints through the backends: round trips for
// every codec on memory, fs and rocksdb; tampered, truncated, swapped and
// wrong-key checkpoint files are rejected and never restored (the restoring
// instance keeps its live state).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <sstream>

#include "backends/registry.h"
#include "backends/snapshot/snapshot_codec.h"
#include "base/file_util.h"
#include "tests/backends/backend_test_env.h"
#include "tests/backends/state_model.h"

namespace statebench {
namespace {

namespace fs = std::filesystem;
using test_env::Addr;
using test_env::Matches;
using test_env::ModelDriver;
using test_env::StateModel;

constexpr KeyGroupRange kAll{0, kDefaultLowerBoundMaxParallelism - 1};
constexpr char kKeyA[] =
    "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
constexpr char kKeyB[] =
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf";

struct Config {
  std::string backend;
  CheckpointType type = CheckpointType::kFull;
  std::string compression = "none";
};

std::string Name(const Config& s) {
  return s.backend +
         (s.type == CheckpointType::kIncremental ? "_incremental" : "") + "_" +
         s.compression;
}

class CheckpointFixture {
 public:
  CheckpointFixture() {
    auto root = MakeTempDirectory("statebench-protect-test-");
    EXPECT_TRUE(root.ok());
    root_ = root.ok() ? *root : "/nonexistent";
    key_a_ = WriteKey("key-a", kKeyA);
    key_b_ = WriteKey("key-b", kKeyB);
  }
  ~CheckpointFixture() { (void)RemoveTree(root_); }

  std::string WriteKey(const std::string& name, const char* hex) {
    std::string path = root_ + "/" + name;
    EXPECT_TRUE(WriteFileAtomically(path, hex).ok());
    return path;
  }

  std::unique_ptr<StateBackend> Open(const Config& s,
                                     std::map<std::string, std::string> opts) {
    BackendConfig c;
    c.key_groups = kAll;
    c.checkpoint_dir = checkpoints();
    c.work_dir = root_ + "/work-" + std::to_string(instances_++);
    c.checkpoint_type = s.type;
    c.options = std::move(opts);
    if (s.compression != "none") c.options["compression"] = s.compression;
    auto b = BackendRegistry::Default().Create(s.backend, c);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok()) return nullptr;
    EXPECT_TRUE((*b)->RegisterState({"v", StateKind::kValue}).ok());
    EXPECT_TRUE((*b)->RegisterState({"l", StateKind::kList}).ok());
    EXPECT_TRUE((*b)->RegisterState({"m", StateKind::kMap}).ok());
    return std::move(b).value();
  }

  // Compressible state in all three kinds of state.
  static void Fill(ModelDriver& d, int n, const std::string& tag) {
    for (int i = 0; i < n; ++i) {
      std::string k = tag + "-key-" + std::to_string(i);
      d.Put({0, k, ""}, tag + std::string(80, static_cast<char>('a' + i % 7)));
      d.Append({1, k, "w1"}, "element-" + std::to_string(i));
      d.Append({1, k, "w1"}, "element-" + std::to_string(i + 1));
      d.MapPut({2, k, ""}, "uk-" + std::to_string(i % 5), tag + "-value");
    }
  }

  static Result<CheckpointHandle> Checkpoint(StateBackend* b, int64_t id) {
    SB_ASSIGN_OR_RETURN(std::unique_ptr<AsyncSnapshot> snap,
                        b->SnapshotSync(id));
    SB_ASSIGN_OR_RETURN(CheckpointHandle h, snap->Complete());
    SB_RETURN_IF_ERROR(b->NotifyCheckpointComplete(id));
    return h;
  }

  // Every file a restore of `h` reads.
  std::vector<std::string> FilesOf(const CheckpointHandle& h) const {
    std::vector<std::string> files;
    if (h.type == CheckpointType::kFull) return {h.location};
    for (const auto& e : fs::directory_iterator(h.location)) {
      files.push_back(e.path().string());
    }
    std::stringstream shared(h.metadata.at("shared_files"));
    std::string rel;
    while (std::getline(shared, rel, ',')) {
      if (!rel.empty()) files.push_back(checkpoints() + "/" + rel);
    }
    return files;
  }

  std::string checkpoints() const { return root_ + "/checkpoints"; }
  const std::string& key_a() const { return key_a_; }
  const std::string& key_b() const { return key_b_; }

 private:
  std::string root_, key_a_, key_b_;
  int instances_ = 0;
};

// ---- compression round trips --------------------------------------------

class CompressionRoundTripTest : public ::testing::TestWithParam<Config> {};

TEST_P(CompressionRoundTripTest, RestoresExactlyAndRecordsSizes) {
  const Config& s = GetParam();
  CheckpointFixture f;
  std::map<std::string, std::string> opts;
  if (s.backend == "memory") opts["max_state_size"] = "64MiB";
  auto src = f.Open(s, opts);
  ASSERT_NE(src, nullptr);
  StateModel model;
  ModelDriver d(src.get(), &model);
  CheckpointFixture::Fill(d, 400, "rt");
  d.Remove({0, "rt-key-3", ""});
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h,
                          CheckpointFixture::Checkpoint(src.get(), 1));
  ASSERT_EQ(h.figures.compression, s.compression);
  ASSERT_TRUE(h.figures.uncompressed_size.has_value());
  uint64_t raw = *h.figures.uncompressed_size;
  EXPECT_GT(raw, 400u * 80);
  if (s.compression != "none") {
    EXPECT_LT(h.full_size * 2, raw) << "compressible state shrinks";
    EXPECT_GT(h.figures.compress_cpu_ns.value_or(0), 0u);
  } else {
    EXPECT_GE(h.full_size, raw);
  }

  auto dst = f.Open(s, opts);
  ASSERT_NE(dst, nullptr);
  SB_ASSERT_OK(dst->Restore({h}, kAll));
  EXPECT_TRUE(Matches(dst.get(), model, kAll, kAll));
  IoStats io = dst->GetIoStats();
  if (s.compression != "none") {
    EXPECT_GT(io.cpu_ns["decompress"], 0u);
  }

  // A sub-range restore reads only its key groups' sections.
  if (s.backend == "fs") {
    auto part = f.Open(s, {});
    ASSERT_NE(part, nullptr);
    SB_ASSERT_OK(part->Restore({h}, {0, 15}));
    EXPECT_TRUE(Matches(part.get(), model, kAll, {0, 15}));
    EXPECT_LT(part->GetIoStats().bytes_read, h.full_size / 2);
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryCodecAndBackend, CompressionRoundTripTest,
    ::testing::Values(Config{"memory", CheckpointType::kFull, "none"},
                      Config{"memory", CheckpointType::kFull, "lz4"},
                      Config{"memory", CheckpointType::kFull, "zstd"},
                      Config{"fs", CheckpointType::kFull, "none"},
                      Config{"fs", CheckpointType::kFull, "lz4"},
                      Config{"fs", CheckpointType::kFull, "zstd"},
                      Config{"rocksdb", CheckpointType::kFull, "none"},
                      Config{"rocksdb", CheckpointType::kFull, "lz4"},
                      Config{"rocksdb", CheckpointType::kFull, "zstd"}),
    [](const auto& info) { return Name(info.param); });

TEST(CompressionRoundTripTest, EncryptedAndCompressedRoundTrip) {
  for (const Config& s : {Config{"fs", CheckpointType::kFull, "zstd"},
                          Config{"rocksdb", CheckpointType::kFull, "lz4"},
                          Config{"rocksdb", CheckpointType::kIncremental}}) {
    CheckpointFixture f;
    auto src = f.Open(s, {{"encryption_key_file", f.key_a()}});
    ASSERT_NE(src, nullptr);
    StateModel model;
    ModelDriver d(src.get(), &model);
    CheckpointFixture::Fill(d, 200, "enc");
    SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h,
                            CheckpointFixture::Checkpoint(src.get(), 1));
    EXPECT_EQ(h.figures.encryption, "aes-256-gcm") << Name(s);
    for (const std::string& file : f.FilesOf(h)) {
      SB_ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFileToString(file));
      EXPECT_EQ(bytes.find("enc-key-1"), std::string::npos) << file;
    }
    auto dst = f.Open(s, {{"encryption_key_file", f.key_a()}});
    ASSERT_NE(dst, nullptr);
    SB_ASSERT_OK(dst->Restore({h}, kAll));
    EXPECT_TRUE(Matches(dst.get(), model, kAll, kAll)) << Name(s);
    EXPECT_GT(dst->GetIoStats().cpu_ns["decrypt"], 0u) << Name(s);
  }
}

// ---- tampering ----------------------------------------------------------

class TamperTest : public ::testing::TestWithParam<Config> {
 protected:
  void SetUp() override {
    const Config& s = GetParam();
    src_ = f_.Open(s, {{"encryption_key_file", f_.key_a()},
                       {"retained_checkpoints", "2"}});
    ASSERT_NE(src_, nullptr);
    ModelDriver d(src_.get(), &at1_);
    CheckpointFixture::Fill(d, 60, "one");
    SB_ASSERT_OK_AND_ASSIGN(h1_, CheckpointFixture::Checkpoint(src_.get(), 1));
    at2_ = at1_;
    ModelDriver d2(src_.get(), &at2_);
    CheckpointFixture::Fill(d2, 40, "two");
    SB_ASSERT_OK_AND_ASSIGN(h2_, CheckpointFixture::Checkpoint(src_.get(), 2));
    // The restoring instance has live state of its own, which every failed
    // restore must leave exactly as it was.
    dst_ = f_.Open(s, {{"encryption_key_file", f_.key_a()}});
    ASSERT_NE(dst_, nullptr);
    ModelDriver dd(dst_.get(), &live_);
    CheckpointFixture::Fill(dd, 30, "live");
  }

  ::testing::AssertionResult LiveStateUnchanged() {
    return Matches(dst_.get(), live_, kAll, kAll);
  }

  CheckpointFixture f_;
  std::unique_ptr<StateBackend> src_, dst_;
  StateModel at1_, at2_, live_;
  CheckpointHandle h1_, h2_;
};

// Replaces the content of `path` in place (no fsync: keeps tests fast).
void Overwrite(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::write(fd, content.data(), content.size()),
            static_cast<ssize_t>(content.size()));
  ::close(fd);
}

// Writes `byte` at `offset` of `path` in place.
void Poke(const std::string& path, uint64_t offset, char byte) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::pwrite(fd, &byte, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

TEST_P(TamperTest, SingleBitFlipsAreRejectedAndNeverRestored) {
  std::vector<std::string> files = f_.FilesOf(h2_);
  std::vector<std::string> contents;
  uint64_t total = 0;
  for (const std::string& file : files) {
    SB_ASSERT_OK_AND_ASSIGN(std::string c, ReadFileToString(file));
    total += c.size();
    contents.push_back(std::move(c));
  }
  std::mt19937_64 rng(20261124);
  // 1000 flips per file format; an incremental checkpoint (whose every
  // attempt materializes files into a scratch directory) gets 300 to keep
  // the test fast.
  const int flips =
      GetParam().type == CheckpointType::kIncremental ? 300 : 1000;
  for (int flip = 0; flip < flips; ++flip) {
    // A uniformly random bit of all the checkpoint's bytes.
    uint64_t bit = rng() % (total * 8);
    size_t i = 0;
    while (bit >= contents[i].size() * 8) bit -= contents[i++].size() * 8;
    char original = contents[i][bit / 8];
    Poke(files[i], bit / 8, static_cast<char>(original ^ (1 << (bit % 8))));
    Status s = dst_->Restore({h2_}, kAll);
    Poke(files[i], bit / 8, original);
    ASSERT_FALSE(s.ok()) << "flip " << flip << " of bit " << bit % 8
                         << " at byte " << bit / 8 << " of " << files[i];
    if (flip % 250 == 0) {
      ASSERT_TRUE(LiveStateUnchanged()) << "flip " << flip;
    }
  }
  EXPECT_TRUE(LiveStateUnchanged());
  SB_ASSERT_OK(dst_->Restore({h2_}, kAll));  // the intact files restore
  EXPECT_TRUE(Matches(dst_.get(), at2_, kAll, kAll));
}

TEST_P(TamperTest, TruncationsAtRandomOffsetsAreRejected) {
  std::vector<std::string> files = f_.FilesOf(h2_);
  std::mt19937_64 rng(7);
  for (int cut = 0; cut < 100; ++cut) {
    const std::string& file = files[rng() % files.size()];
    SB_ASSERT_OK_AND_ASSIGN(std::string original, ReadFileToString(file));
    uint64_t length = rng() % original.size();
    ASSERT_EQ(::truncate(file.c_str(), static_cast<off_t>(length)), 0);
    Status s = dst_->Restore({h2_}, kAll);
    Overwrite(file, original);
    ASSERT_FALSE(s.ok()) << file << " truncated to " << length;
  }
  EXPECT_TRUE(LiveStateUnchanged());
}

TEST_P(TamperTest, FilesSwappedBetweenCheckpointsAreRejected) {
  std::vector<std::string> one = f_.FilesOf(h1_);
  std::vector<std::string> two = f_.FilesOf(h2_);
  int swapped = 0;
  for (const std::string& a : two) {
    // The file of checkpoint 1 with the same name, if any.
    for (const std::string& b : one) {
      if (a == b || fs::path(a).filename() != fs::path(b).filename()) {
        continue;
      }
      SB_ASSERT_OK_AND_ASSIGN(std::string original, ReadFileToString(a));
      SB_ASSERT_OK_AND_ASSIGN(std::string other, ReadFileToString(b));
      Overwrite(a, other);
      Status s = dst_->Restore({h2_}, kAll);
      Overwrite(a, original);
      ASSERT_FALSE(s.ok()) << b << " copied over " << a;
      EXPECT_NE(s.message().find("checkpoint"), std::string::npos)
          << s.message();
      ++swapped;
    }
  }
  EXPECT_GE(swapped, 1);
  EXPECT_TRUE(LiveStateUnchanged());
  // A handle pointed at the other checkpoint's file is rejected too.
  CheckpointHandle moved = h2_;
  if (h2_.type == CheckpointType::kFull) {
    moved.location = h1_.location;
    Status s = dst_->Restore({moved}, kAll);
    EXPECT_FALSE(s.ok());
    EXPECT_TRUE(LiveStateUnchanged());
  }
}

TEST_P(TamperTest, WrongOrMissingKeyIsRejectedClearly) {
  auto wrong = f_.Open(GetParam(), {{"encryption_key_file", f_.key_b()}});
  ASSERT_NE(wrong, nullptr);
  StateModel wrong_live;
  ModelDriver d(wrong.get(), &wrong_live);
  CheckpointFixture::Fill(d, 10, "w");
  Status s = wrong->Restore({h2_}, kAll);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("another key"), std::string::npos) << s.message();
  EXPECT_TRUE(Matches(wrong.get(), wrong_live, kAll, kAll));

  auto plain = f_.Open(GetParam(), {});
  ASSERT_NE(plain, nullptr);
  s = plain->Restore({h2_}, kAll);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("encrypted"), std::string::npos) << s.message();
}

INSTANTIATE_TEST_SUITE_P(
    EncryptedBackends, TamperTest,
    ::testing::Values(Config{"fs", CheckpointType::kFull, "lz4"},
                      Config{"rocksdb", CheckpointType::kFull, "zstd"},
                      Config{"rocksdb", CheckpointType::kIncremental}),
    [](const auto& info) { return Name(info.param); });

}  // namespace
}  // namespace statebench
