// Tests of the rocksdb backend beyond the generic conformance suite: key
// layout, list merging, incremental checkpoint file sharing and retention,
// rescaling by clipping, corruption detection, options and IoStats.
#include "backends/rocksdb/rocksdb_backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backends/rocksdb/rocksdb_format.h"
#include "backends/rocksdb/rocksdb_full_snapshot.h"
#include "backends/rocksdb/rocksdb_io.h"
#include "base/file_util.h"
#include "base/key_groups.h"

namespace statebench {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() : path_(MakeTempDirectory("rocksdb-test-").value()) {}
  ~TempDir() { (void)RemoveTree(path_); }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct Spec {
  std::string work_dir;
  std::string checkpoint_dir;
  CheckpointType type = CheckpointType::kIncremental;
  int max_parallelism = 128;
  KeyGroupRange range{0, 127};
  int subtask = 0;
  std::map<std::string, std::string> options;
};

std::unique_ptr<StateBackend> Make(const Spec& s) {
  BackendConfig c;
  c.max_parallelism = s.max_parallelism;
  c.key_groups = s.range;
  c.subtask_index = s.subtask;
  c.work_dir = s.work_dir;
  c.checkpoint_dir = s.checkpoint_dir;
  c.checkpoint_type = s.type;
  c.options = s.options;
  auto b = CreateRocksDbBackend(c);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? std::move(b).value() : nullptr;
}

StateId Register(StateBackend* b, const std::string& name, StateKind kind) {
  auto id = b->RegisterState({name, kind});
  EXPECT_TRUE(id.ok()) << id.status().ToString();
  return id.ok() ? *id : 0;
}

// The views must outlive the returned key: pass literals or strings that do.
StateKey KeyOf(StateId state, std::string_view key, int m = 128,
               std::string_view ns = "") {
  return {state, AssignToKeyGroup(key, m), key, ns};
}

CheckpointHandle Checkpoint(StateBackend* b, int64_t id) {
  auto async = b->SnapshotSync(id);
  EXPECT_TRUE(async.ok()) << async.status().ToString();
  auto h = (*async)->Complete();
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  return h.ok() ? *h : CheckpointHandle{};
}

std::optional<std::string> Get(StateBackend* b, StateId st,
                               const std::string& key, int m = 128) {
  std::string v;
  bool found = false;
  Status s = b->ValueGet(KeyOf(st, key, m), &v, &found);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!found) return std::nullopt;
  return v;
}

std::set<std::string> SharedDirListing(const std::string& root) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root + "/shared", ec)) {
    out.insert("shared/" + e.path().filename().string());
  }
  return out;
}

std::set<std::string> SharedFilesOf(const CheckpointHandle& h) {
  std::set<std::string> out;
  std::string list = h.metadata.at("shared_files");
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    out.insert(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// ---- key layout -----------------------------------------------------------

TEST(RocksDbKeyLayoutTest, OneBytePrefixUpToMaxParallelism128) {
  ASSERT_EQ(KeyGroupPrefixBytes(128), 1);
  std::string k;
  EncodeStateKey(1, 127, "key", "ns", &k);
  EXPECT_EQ(k, std::string("\x7f\x03key\x02ns", 8));
  DecodedStateKey d;
  k += "user";
  ASSERT_TRUE(DecodeStateKey(1, k, &d));
  EXPECT_EQ(d.key_group, 127);
  EXPECT_EQ(d.key, "key");
  EXPECT_EQ(d.ns, "ns");
  EXPECT_EQ(d.user_key, "user");
}

TEST(RocksDbKeyLayoutTest, TwoByteBigEndianPrefixAbove128) {
  ASSERT_EQ(KeyGroupPrefixBytes(129), 2);
  ASSERT_EQ(KeyGroupPrefixBytes(32768), 2);
  std::string k;
  EncodeStateKey(2, 0x1234, "", "", &k);
  EXPECT_EQ(k, std::string("\x12\x34\x00\x00", 4));
  EncodeStateKey(2, 32767, "a", "", &k);
  DecodedStateKey d;
  ASSERT_TRUE(DecodeStateKey(2, k, &d));
  EXPECT_EQ(d.key_group, 32767);
  EXPECT_EQ(d.key, "a");
  EXPECT_TRUE(d.ns.empty());
}

TEST(RocksDbKeyLayoutTest, EncodedKeysSortByKeyGroup) {
  for (int m : {128, 32768}) {
    int pb = KeyGroupPrefixBytes(m);
    std::vector<std::pair<std::string, int>> encoded;
    for (int i = 0; i < 3000; ++i) {
      std::string key = "key-" + std::to_string(i * 7919);
      std::string ns = (i % 3 == 0) ? "" : "window-" + std::to_string(i % 5);
      int kg = AssignToKeyGroup(key, m);
      std::string e;
      EncodeStateKey(pb, kg, key, ns, &e);
      encoded.emplace_back(e, kg);
    }
    // Key groups on both sides of the first-byte boundary (255/256).
    if (m == 32768) {
      for (int kg : {255, 256, 32767, 0}) {
        std::string e;
        EncodeStateKey(pb, kg, "\xff\xff", "\xff", &e);
        encoded.emplace_back(e, kg);
      }
    }
    std::sort(encoded.begin(), encoded.end());
    for (size_t i = 1; i < encoded.size(); ++i) {
      ASSERT_LE(encoded[i - 1].second, encoded[i].second) << "M=" << m;
    }
  }
}

TEST(RocksDbKeyLayoutTest, LengthPrefixesMakeKeyAndNamespaceUnambiguous) {
  std::string a, b;
  EncodeStateKey(1, 3, "ab", "c", &a);
  EncodeStateKey(1, 3, "a", "bc", &b);
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(0, b.size()), b);  // neither is a prefix of the other
  std::string succ;
  ASSERT_TRUE(PrefixSuccessor(a, &succ));
  EXPECT_LT(a + "\xff\xff\xff", succ);
}

// ---- list merge -----------------------------------------------------------

TEST(RocksDbListTest, AppendKeepsBinaryElementsAcrossFlushAndRestore) {
  TempDir dir;
  auto b = Make({dir.Sub("w"), dir.Sub("chk")});
  StateId list = Register(b.get(), "buffer", StateKind::kList);
  std::vector<std::string> expected = {"", std::string("\0\x01\x02", 3),
                                       std::string(10000, '\xff'), "a,b;c",
                                       std::string(1, '\0')};
  StateKey k = KeyOf(list, "user-1", 128, "w1");
  for (size_t i = 0; i < 3; ++i)
    ASSERT_TRUE(b->ListAppend(k, expected[i]).ok());
  CheckpointHandle h1 = Checkpoint(b.get(), 1);  // flushes: operands in an SST
  for (size_t i = 3; i < expected.size(); ++i) {
    ASSERT_TRUE(b->ListAppend(k, expected[i]).ok());
  }
  std::vector<std::string> got;
  ASSERT_TRUE(b->ListGet(k, &got).ok());
  EXPECT_EQ(got, expected);

  // Another namespace of the same key is another list.
  ASSERT_TRUE(b->ListGet(KeyOf(list, "user-1", 128, "w2"), &got).ok());
  EXPECT_TRUE(got.empty());

  CheckpointHandle h2 = Checkpoint(b.get(), 2);
  ASSERT_TRUE(b->ListClear(k).ok());
  ASSERT_TRUE(b->ListGet(k, &got).ok());
  EXPECT_TRUE(got.empty());

  auto restored = Make({dir.Sub("w2"), dir.Sub("chk")});
  ASSERT_TRUE(restored->Restore({h2}, {0, 127}).ok());
  StateId rl = Register(restored.get(), "buffer", StateKind::kList);
  ASSERT_TRUE(restored->ListGet(KeyOf(rl, "user-1", 128, "w1"), &got).ok());
  EXPECT_EQ(got, expected);
  ASSERT_TRUE(restored->Restore({h1}, {0, 127}).ok());
  ASSERT_TRUE(restored->ListGet(KeyOf(rl, "user-1", 128, "w1"), &got).ok());
  EXPECT_EQ(got,
            std::vector<std::string>(expected.begin(), expected.begin() + 3));
}

TEST(RocksDbListTest, MalformedListValueIsCorruption) {
  std::vector<std::string> out;
  std::string v;
  AppendListElement("abc", &v);
  v.pop_back();
  EXPECT_EQ(DecodeListValue(v, &out).code(), StatusCode::kCorruption);
}

// ---- map scans ------------------------------------------------------------

TEST(RocksDbMapTest, ScanIsBoundedToOneKeyAndNamespaceInUserKeyOrder) {
  TempDir dir;
  auto b = Make({dir.Sub("w"), "", CheckpointType::kFull});
  StateId map = Register(b.get(), "join", StateKind::kMap);
  StateKey k = KeyOf(map, "left", 128, "ns");
  for (const std::string& uk :
       std::vector<std::string>{"b", "a", "c", std::string("\xff", 1), "ab"}) {
    ASSERT_TRUE(b->MapPut(k, uk, "v" + uk).ok());
  }
  // Neighbours that a sloppy prefix would pick up.
  ASSERT_TRUE(b->MapPut(KeyOf(map, "left", 128, "ns2"), "a", "x").ok());
  ASSERT_TRUE(b->MapPut(KeyOf(map, "left", 128, ""), "a", "x").ok());
  std::vector<std::pair<std::string, std::string>> got;
  ASSERT_TRUE(b->MapScan(k, "", "", 0, &got).ok());
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].first, "a");
  EXPECT_EQ(got[1].first, "ab");
  EXPECT_EQ(got[4].first, std::string("\xff", 1));
  ASSERT_TRUE(b->MapScan(k, "ab", "c", 0, &got).ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], std::make_pair(std::string("ab"), std::string("vab")));
  EXPECT_EQ(got[1].first, "b");
  ASSERT_TRUE(b->MapScan(k, "a", "", 2, &got).ok());
  EXPECT_EQ(got.size(), 2u);
}

// ---- incremental checkpoints ----------------------------------------------

class RocksDbIncrementalChainTest : public ::testing::TestWithParam<int> {};

// Incompressible, so that SST sizes follow the data written.
std::string RandomValue(uint64_t seed, size_t n) {
  std::string v(n, '\0');
  uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
  for (char& c : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return v;
}

TEST_P(RocksDbIncrementalChainTest, SharedDirHoldsExactlyRetainedSsts) {
  const int retained = GetParam();
  TempDir dir;
  const std::string root = dir.Sub("chk");
  auto b = Make({dir.Sub("w"),
                 root,
                 CheckpointType::kIncremental,
                 128,
                 {0, 127},
                 0,
                 {{"retained_checkpoints", std::to_string(retained)}}});
  StateId st = Register(b.get(), "counts", StateKind::kValue);

  std::map<std::string, std::string> model;
  std::map<int64_t, std::map<std::string, std::string>> model_at;
  std::map<int64_t, CheckpointHandle> handles;
  std::set<std::string> all_keys;
  const int kRounds = 6;
  for (int64_t id = 1; id <= kRounds; ++id) {
    // A large first round, then small changes: later checkpoints should
    // upload only the new SST.
    int n = id == 1 ? 3000 : 50;
    for (int i = 0; i < n; ++i) {
      std::string key = "k" + std::to_string((id * 7 + i * 13) % 4000);
      std::string value = RandomValue(id * 100000 + i, 100);
      ASSERT_TRUE(b->ValuePut(KeyOf(st, key), value).ok());
      model[key] = value;
      all_keys.insert(key);
    }
    if (id > 1) {
      std::string victim = "k" + std::to_string(id * 11);
      ASSERT_TRUE(b->ValueRemove(KeyOf(st, victim)).ok());
      model.erase(victim);
      all_keys.insert(victim);
    }
    handles[id] = Checkpoint(b.get(), id);
    model_at[id] = model;
    const CheckpointHandle& h = handles[id];
    EXPECT_EQ(h.type, CheckpointType::kIncremental);
    EXPECT_LE(h.checkpointed_size, h.full_size);
    if (id == 2 || id == 3) {
      // Too few L0 files for a compaction yet: the first round's SST is
      // reused, not uploaded again.
      EXPECT_LT(h.checkpointed_size * 4, handles[1].checkpointed_size);
      EXPECT_LT(h.checkpointed_size, h.full_size);
      for (const std::string& f : SharedFilesOf(handles[1])) {
        EXPECT_TRUE(SharedFilesOf(h).count(f)) << f;
      }
    }
    ASSERT_TRUE(b->NotifyCheckpointComplete(id).ok());

    std::set<std::string> expected;
    std::vector<int64_t> kept;
    for (int64_t r = std::max<int64_t>(1, id - retained + 1); r <= id; ++r) {
      kept.push_back(r);
      for (const std::string& f : SharedFilesOf(handles[r])) expected.insert(f);
      EXPECT_TRUE(fs::exists(handles[r].location)) << r;
    }
    EXPECT_EQ(SharedDirListing(root), expected) << "after checkpoint " << id;
    for (int64_t r = 1; r < id - retained + 1; ++r) {
      EXPECT_FALSE(fs::exists(root + "/chk-" + std::to_string(r))) << r;
    }
    // Every retained checkpoint restores, in a fresh instance, to exactly
    // the state it captured.
    for (int64_t r : kept) {
      auto fresh = Make({dir.Sub("fresh"), root});
      ASSERT_TRUE(fresh->Restore({handles[r]}, {0, 127}).ok()) << r;
      StateId fst = Register(fresh.get(), "counts", StateKind::kValue);
      for (const std::string& key : all_keys) {
        auto it = model_at[r].find(key);
        std::optional<std::string> want;
        if (it != model_at[r].end()) want = it->second;
        ASSERT_EQ(Get(fresh.get(), fst, key), want)
            << "key " << key << " checkpoint " << r;
      }
      ASSERT_TRUE(fresh->Close().ok());
      ASSERT_TRUE(RemoveTree(dir.Sub("fresh")).ok());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Retained, RocksDbIncrementalChainTest,
                         ::testing::Values(1, 2));

TEST(RocksDbIncrementalTest, AbortDeletesOnlyWhatNobodyReferences) {
  TempDir dir;
  const std::string root = dir.Sub("chk");
  auto b = Make({dir.Sub("w"), root});
  StateId st = Register(b.get(), "s", StateKind::kValue);
  ASSERT_TRUE(b->ValuePut(KeyOf(st, "a"), "1").ok());
  CheckpointHandle h1 = Checkpoint(b.get(), 1);
  ASSERT_TRUE(b->NotifyCheckpointComplete(1).ok());
  ASSERT_TRUE(b->ValuePut(KeyOf(st, "b"), "2").ok());
  CheckpointHandle h2 = Checkpoint(b.get(), 2);
  ASSERT_GT(SharedFilesOf(h2).size(), SharedFilesOf(h1).size());
  ASSERT_TRUE(b->NotifyCheckpointAborted(2).ok());
  EXPECT_EQ(SharedDirListing(root), SharedFilesOf(h1));
  EXPECT_FALSE(fs::exists(h2.location));
  EXPECT_TRUE(fs::exists(h1.location));
  // The next checkpoint uploads the aborted one's SST again.
  CheckpointHandle h3 = Checkpoint(b.get(), 3);
  for (const std::string& f : SharedFilesOf(h3)) {
    EXPECT_TRUE(fs::exists(root + "/" + f)) << f;
  }
}

TEST(RocksDbIncrementalTest, RestoredInstanceReusesButNeverDeletesOldFiles) {
  TempDir dir;
  const std::string root = dir.Sub("chk");
  auto b = Make({dir.Sub("w"), root});
  StateId st = Register(b.get(), "s", StateKind::kValue);
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(b->ValuePut(KeyOf(st, "k" + std::to_string(i)), "v").ok());
  }
  CheckpointHandle h1 = Checkpoint(b.get(), 1);
  ASSERT_TRUE(b->NotifyCheckpointComplete(1).ok());
  ASSERT_TRUE(b->Close().ok());

  auto next = Make({dir.Sub("w2"), root});
  ASSERT_TRUE(next->Restore({h1}, {0, 127}).ok());
  StateId nst = Register(next.get(), "s", StateKind::kValue);
  ASSERT_TRUE(next->ValuePut(KeyOf(nst, "new"), "x").ok());
  CheckpointHandle h2 = Checkpoint(next.get(), 2);
  for (const std::string& f : SharedFilesOf(h1)) {
    EXPECT_TRUE(SharedFilesOf(h2).count(f)) << "not reused: " << f;
  }
  EXPECT_LT(h2.checkpointed_size, h2.full_size);
  ASSERT_TRUE(next->NotifyCheckpointComplete(2).ok());
  // Checkpoint 1 is beyond retention now, but it belongs to the old
  // instance: its files stay.
  EXPECT_TRUE(fs::exists(h1.location));
  for (const std::string& f : SharedFilesOf(h1)) {
    EXPECT_TRUE(fs::exists(root + "/" + f)) << f;
  }
}

// ---- rescaling ------------------------------------------------------------

struct Entry {
  std::string value;
  std::vector<std::string> list;
  std::string map_value;
};

class RocksDbRescaleTest : public ::testing::TestWithParam<CheckpointType> {
 protected:
  static constexpr int kM = 128;
  struct Instance {
    std::unique_ptr<StateBackend> backend;
    StateId value, list, map;
  };

  Instance Open(const std::string& work, KeyGroupRange range, int subtask) {
    Instance in;
    in.backend =
        Make({dir_.Sub(work), dir_.Sub("chk"), GetParam(), kM, range, subtask});
    in.value = Register(in.backend.get(), "value", StateKind::kValue);
    in.list = Register(in.backend.get(), "list", StateKind::kList);
    in.map = Register(in.backend.get(), "map", StateKind::kMap);
    return in;
  }

  void Write(Instance* in, const std::string& key, const Entry& e) {
    ASSERT_TRUE(in->backend->ValuePut(KeyOf(in->value, key), e.value).ok());
    for (const std::string& x : e.list) {
      ASSERT_TRUE(in->backend->ListAppend(KeyOf(in->list, key), x).ok());
    }
    ASSERT_TRUE(
        in->backend->MapPut(KeyOf(in->map, key), "uk", e.map_value).ok());
  }

  // Every key of `model` inside `range` is present with its value; every
  // other key of `universe` inside `range` is absent.
  void Verify(Instance* in, KeyGroupRange range,
              const std::map<std::string, Entry>& model,
              const std::set<std::string>& universe) {
    for (const std::string& key : universe) {
      int kg = AssignToKeyGroup(key, kM);
      if (!range.Contains(kg)) continue;
      auto it = model.find(key);
      std::string v;
      bool found = false;
      ASSERT_TRUE(
          in->backend->ValueGet(KeyOf(in->value, key), &v, &found).ok());
      ASSERT_EQ(found, it != model.end()) << key;
      std::vector<std::string> list;
      ASSERT_TRUE(in->backend->ListGet(KeyOf(in->list, key), &list).ok());
      std::vector<std::pair<std::string, std::string>> entries;
      ASSERT_TRUE(
          in->backend->MapScan(KeyOf(in->map, key), "", "", 0, &entries).ok());
      if (it == model.end()) {
        EXPECT_TRUE(list.empty()) << key;
        EXPECT_TRUE(entries.empty()) << key;
        continue;
      }
      EXPECT_EQ(v, it->second.value) << key;
      EXPECT_EQ(list, it->second.list) << key;
      ASSERT_EQ(entries.size(), 1u) << key;
      EXPECT_EQ(entries[0].second, it->second.map_value) << key;
    }
  }

  static std::map<std::string, Entry> MakeModel(int n) {
    std::map<std::string, Entry> model;
    for (int i = 0; i < n; ++i) {
      std::string key = "key" + std::to_string(i);
      model[key] = {"value" + std::to_string(i),
                    {"a" + std::to_string(i), std::string(1, '\0')},
                    "m" + std::to_string(i)};
    }
    return model;
  }

  TempDir dir_;
};

TEST_P(RocksDbRescaleTest, TwoToOneRestoresExactlyTheUnion) {
  auto model = MakeModel(600);
  std::set<std::string> universe;
  for (const auto& [k, e] : model) universe.insert(k);
  KeyGroupRange r0 = KeyGroupRangeForSubtask(kM, 2, 0);
  KeyGroupRange r1 = KeyGroupRangeForSubtask(kM, 2, 1);
  Instance s0 = Open("s0", r0, 0), s1 = Open("s1", r1, 1);
  for (const auto& [key, e] : model) {
    Write(r0.Contains(AssignToKeyGroup(key, kM)) ? &s0 : &s1, key, e);
  }
  // Deleted before the checkpoint: must not come back.
  for (int i = 0; i < 600; i += 10) {
    std::string key = "key" + std::to_string(i);
    Instance* owner = r0.Contains(AssignToKeyGroup(key, kM)) ? &s0 : &s1;
    ASSERT_TRUE(owner->backend->ValueRemove(KeyOf(owner->value, key)).ok());
    ASSERT_TRUE(owner->backend->ListClear(KeyOf(owner->list, key)).ok());
    ASSERT_TRUE(owner->backend->MapRemove(KeyOf(owner->map, key), "uk").ok());
    model.erase(key);
  }
  CheckpointHandle h0 = Checkpoint(s0.backend.get(), 7);
  CheckpointHandle h1 = Checkpoint(s1.backend.get(), 7);
  // Written after the checkpoint: must not appear.
  Write(&s0, "late", {"x", {"y"}, "z"});
  universe.insert("late");

  Instance merged = Open("merged", {0, kM - 1}, 0);
  ASSERT_TRUE(merged.backend->Restore({h0, h1}, {0, kM - 1}).ok());
  Verify(&merged, {0, kM - 1}, model, universe);
}

TEST_P(RocksDbRescaleTest, OneToTwoClipsEachHalf) {
  auto model = MakeModel(600);
  std::set<std::string> universe;
  for (const auto& [k, e] : model) universe.insert(k);
  Instance whole = Open("whole", {0, kM - 1}, 0);
  for (const auto& [key, e] : model) Write(&whole, key, e);
  CheckpointHandle h = Checkpoint(whole.backend.get(), 3);

  for (int i = 0; i < 2; ++i) {
    KeyGroupRange r = KeyGroupRangeForSubtask(kM, 2, i);
    Instance half = Open("half" + std::to_string(i), r, i);
    ASSERT_TRUE(half.backend->Restore({h}, r).ok());
    Verify(&half, r, model, universe);

    // What the half checkpoints must hold only its own key groups: restore
    // that checkpoint (unclipped: its range is the restore range) into an
    // instance that may read every key group and look for the other half's
    // keys, which the clipping must have deleted.
    CheckpointHandle hh = Checkpoint(half.backend.get(), 4 + i);
    EXPECT_EQ(hh.key_groups, r);
    Instance check = Open("check" + std::to_string(i), {0, kM - 1}, 0);
    ASSERT_TRUE(check.backend->Restore({hh}, r).ok());
    std::map<std::string, Entry> own;
    for (const auto& [key, e] : model) {
      if (r.Contains(AssignToKeyGroup(key, kM))) own[key] = e;
    }
    ASSERT_FALSE(own.empty());
    ASSERT_LT(own.size(), model.size());
    Verify(&check, {0, kM - 1}, own, universe);
  }
}

INSTANTIATE_TEST_SUITE_P(Types, RocksDbRescaleTest,
                         ::testing::Values(CheckpointType::kFull,
                                           CheckpointType::kIncremental),
                         [](const auto& info) {
                           return std::string(CheckpointTypeName(info.param));
                         });

// ---- full snapshots -------------------------------------------------------

class RocksDbFullSnapshotTest : public ::testing::Test {
 protected:
  CheckpointHandle WriteOne(const std::string& chk_dir) {
    auto b = Make({dir_.Sub("w"), chk_dir, CheckpointType::kFull});
    StateId st = Register(b.get(), "s", StateKind::kValue);
    for (int i = 0; i < 2000; ++i) {
      EXPECT_TRUE(b->ValuePut(KeyOf(st, "k" + std::to_string(i)),
                              std::string(50, 'a' + i % 26))
                      .ok());
    }
    CheckpointHandle h = Checkpoint(b.get(), 1);
    EXPECT_TRUE(b->Close().ok());
    return h;
  }
  Status RestoreFresh(const CheckpointHandle& h,
                      std::unique_ptr<StateBackend>* out = nullptr) {
    auto b = Make({dir_.Sub("r"), "", CheckpointType::kFull});
    Status s = b->Restore({h}, {0, 127});
    if (out) *out = std::move(b);
    return s;
  }
  TempDir dir_;
};

TEST_F(RocksDbFullSnapshotTest, CorruptedSectionIsRejectedAndLeavesEmpty) {
  CheckpointHandle h = WriteOne(dir_.Sub("chk"));
  ASSERT_TRUE(fs::exists(h.location));
  ASSERT_TRUE(RestoreFresh(h).ok());
  std::string bytes = ReadFileToString(h.location).value();
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x40;
  ASSERT_TRUE(WriteFileAtomically(h.location, flipped).ok());
  std::unique_ptr<StateBackend> b;
  Status s = RestoreFresh(h, &b);
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  // Left empty, and usable.
  StateId st = Register(b.get(), "s", StateKind::kValue);
  for (int i = 0; i < 2000; i += 97) {
    EXPECT_EQ(Get(b.get(), st, "k" + std::to_string(i)), std::nullopt);
  }
  EXPECT_TRUE(b->ValuePut(KeyOf(st, "k1"), "x").ok());
}

TEST_F(RocksDbFullSnapshotTest, HeaderFlipAndTruncationAreCorruption) {
  CheckpointHandle h = WriteOne(dir_.Sub("chk"));
  std::string bytes = ReadFileToString(h.location).value();
  std::string header_flip = bytes;
  header_flip[12] ^= 0x01;
  ASSERT_TRUE(WriteFileAtomically(h.location, header_flip).ok());
  EXPECT_EQ(RestoreFresh(h).code(), StatusCode::kCorruption);
  ASSERT_TRUE(
      WriteFileAtomically(h.location, bytes.substr(0, bytes.size() - 5)).ok());
  EXPECT_EQ(RestoreFresh(h).code(), StatusCode::kCorruption);
}

TEST_F(RocksDbFullSnapshotTest, ReaderReadsOnlyTheKeyGroupsAsked) {
  CheckpointHandle h = WriteOne(dir_.Sub("chk"));
  auto reader =
      FullSnapshotReader::Open(NewFileSource(h.location).value(), h.location);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  uint64_t after_open = (*reader)->bytes_read();
  int entries = 0;
  ASSERT_TRUE((*reader)
                  ->ForEachEntry(5,
                                 [&](uint32_t state, std::string_view key,
                                     std::string_view) {
                                   EXPECT_EQ(state, 0u);
                                   DecodedStateKey d;
                                   std::string full;
                                   AppendKeyGroupPrefix(1, 5, &full);
                                   full.append(key);
                                   EXPECT_TRUE(DecodeStateKey(1, full, &d));
                                   EXPECT_EQ(AssignToKeyGroup(d.key, 128), 5);
                                   ++entries;
                                   return Status::Ok();
                                 })
                  .ok());
  EXPECT_GT(entries, 0);
  uint64_t size = FileSize(h.location).value();
  EXPECT_LT((*reader)->bytes_read(), size / 10);
  EXPECT_GT((*reader)->bytes_read(), after_open);
}

TEST_F(RocksDbFullSnapshotTest, InMemoryCheckpointRoundTrips) {
  CheckpointHandle h = WriteOne("");
  EXPECT_TRUE(h.location.empty());
  ASSERT_NE(h.inline_data, nullptr);
  EXPECT_EQ(h.full_size, h.inline_data->size());
  std::unique_ptr<StateBackend> b;
  ASSERT_TRUE(RestoreFresh(h, &b).ok());
  StateId st = Register(b.get(), "s", StateKind::kValue);
  EXPECT_EQ(Get(b.get(), st, "k3"), std::string(50, 'a' + 3));
}

TEST_F(RocksDbFullSnapshotTest, WritesAfterSyncPhaseAreNotInTheCheckpoint) {
  auto b = Make({dir_.Sub("w"), dir_.Sub("chk"), CheckpointType::kFull});
  StateId st = Register(b.get(), "s", StateKind::kValue);
  ASSERT_TRUE(b->ValuePut(KeyOf(st, "before"), "1").ok());
  auto async = b->SnapshotSync(1);
  ASSERT_TRUE(async.ok());
  Result<CheckpointHandle> h = Status::Internal("not run");
  std::thread t([&] { h = (*async)->Complete(); });
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(b->ValuePut(KeyOf(st, "after" + std::to_string(i)), "2").ok());
  }
  ASSERT_TRUE(b->ValuePut(KeyOf(st, "before"), "changed").ok());
  t.join();
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  std::unique_ptr<StateBackend> r;
  ASSERT_TRUE(RestoreFresh(*h, &r).ok());
  StateId rst = Register(r.get(), "s", StateKind::kValue);
  EXPECT_EQ(Get(r.get(), rst, "before"), "1");
  EXPECT_EQ(Get(r.get(), rst, "after0"), std::nullopt);
  EXPECT_EQ(Get(r.get(), rst, "after999"), std::nullopt);
}

TEST_F(RocksDbFullSnapshotTest, RetentionDeletesOlderSnapshotFiles) {
  auto b = Make({dir_.Sub("w"), dir_.Sub("chk"), CheckpointType::kFull});
  StateId st = Register(b.get(), "s", StateKind::kValue);
  std::vector<CheckpointHandle> hs;
  for (int64_t id = 1; id <= 3; ++id) {
    ASSERT_TRUE(b->ValuePut(KeyOf(st, "k"), std::to_string(id)).ok());
    hs.push_back(Checkpoint(b.get(), id));
    ASSERT_TRUE(b->NotifyCheckpointComplete(id).ok());
  }
  EXPECT_FALSE(fs::exists(hs[0].location));
  EXPECT_FALSE(fs::exists(hs[1].location));
  EXPECT_TRUE(fs::exists(hs[2].location));
}

// ---- options, io stats, misc ---------------------------------------------

TEST(RocksDbOptionsTest, UnknownOptionListsKnownOnes) {
  TempDir dir;
  BackendConfig c;
  c.work_dir = dir.path();
  c.options["block_cache"] = "1MiB";
  auto b = CreateRocksDbBackend(c);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  for (const char* known :
       {"block_cache_size", "write_buffer_size", "block_compression", "wal",
        "retained_checkpoints", "max_background_jobs", "compression_level",
        "encryption_key_file", "encryption_key_env"}) {
    EXPECT_NE(b.status().message().find(known), std::string::npos) << known;
  }
  EXPECT_NE(b.status().message().find("block_cache'"), std::string::npos);
}

TEST(RocksDbOptionsTest, BadValuesAreRejectedNamingTheOption) {
  TempDir dir;
  std::vector<std::pair<std::string, std::string>> bad = {
      {"block_cache_size", "lots"},    {"write_buffer_size", "1KiB"},
      {"block_compression", "brotli"}, {"wal", "maybe"},
      {"compression", "snappy"},       {"compression_level", "3"},
      {"retained_checkpoints", "0"},   {"max_background_jobs", "2x"},
      {"block_cache_size", "64 PiB"},
  };
  for (const auto& [name, value] : bad) {
    BackendConfig c;
    c.work_dir = dir.path();
    c.options[name] = value;
    auto b = CreateRocksDbBackend(c);
    ASSERT_FALSE(b.ok()) << name << "=" << value;
    EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(b.status().message().find(name), std::string::npos);
  }
  BackendConfig inc;
  inc.work_dir = dir.path();
  inc.checkpoint_type = CheckpointType::kIncremental;
  EXPECT_EQ(CreateRocksDbBackend(inc).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(RocksDbOptionsTest, EffectiveValuesAreNormalized) {
  TempDir dir;
  auto b = Make({dir.path(),
                 "",
                 CheckpointType::kFull,
                 128,
                 {0, 127},
                 0,
                 {{"block_cache_size", "8MiB"},
                  {"write_buffer_size", "512kb"},
                  {"block_compression", "ZSTD"},
                  {"wal", "on"},
                  {"retained_checkpoints", "3"}}});
  auto eff = RocksDbEffectiveOptions(b.get());
  ASSERT_TRUE(eff.ok());
  EXPECT_EQ(eff->at("block_cache_size"), "8388608");
  EXPECT_EQ(eff->at("write_buffer_size"), "524288");
  EXPECT_EQ(eff->at("block_compression"), "zstd");
  EXPECT_EQ(eff->at("compression"), "none");
  EXPECT_EQ(eff->at("encryption"), "none");
  EXPECT_EQ(eff->at("wal"), "on");
  EXPECT_EQ(eff->at("retained_checkpoints"), "3");
  EXPECT_EQ(eff->at("max_background_jobs"), "2");
}

TEST(RocksDbIoStatsTest, BreakdownIsNonZeroAfterWritesAndFlush) {
  TempDir dir;
  auto b = Make({dir.Sub("w"),
                 dir.Sub("chk"),
                 CheckpointType::kIncremental,
                 128,
                 {0, 127},
                 0,
                 {{"wal", "on"}}});
  StateId st = Register(b.get(), "s", StateKind::kValue);
  IoStats before = b->GetIoStats();
  EXPECT_EQ(before.bytes_written, 0u);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(
        b->ValuePut(KeyOf(st, "k" + std::to_string(i)), std::string(100, 'v'))
            .ok());
  }
  CheckpointHandle h = Checkpoint(b.get(), 1);  // flushes
  IoStats io = b->GetIoStats();
  EXPECT_EQ(io.source, "rocksdb statistics + properties");
  EXPECT_GT(io.write_breakdown.at("wal"), 2000u * 100);
  EXPECT_GT(io.write_breakdown.at("flush"), 0u);
  EXPECT_EQ(io.write_breakdown.at("checkpoint"), h.checkpointed_size);
  EXPECT_EQ(io.write_breakdown.count("compaction"), 1u);
  uint64_t sum = 0;
  for (const auto& [cause, bytes] : io.write_breakdown) sum += bytes;
  EXPECT_EQ(io.bytes_written, sum);
  EXPECT_GT(io.storage_size, 0u);

  auto stats = RocksDbCompactionStats(b.get());
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_NE(stats->find("Compaction Stats"), std::string::npos);
  EXPECT_NE(stats->find("state s"), std::string::npos);

  // Restores count what they read.
  auto r = Make({dir.Sub("r"), dir.Sub("chk")});
  ASSERT_TRUE(r->Restore({h}, {0, 127}).ok());
  EXPECT_GT(r->GetIoStats().bytes_read, 0u);
}

TEST(RocksDbBackendTest, ContractChecks) {
  TempDir dir;
  auto b = Make({dir.path(), "", CheckpointType::kFull, 128, {0, 63}});
  StateId v = Register(b.get(), "v", StateKind::kValue);
  EXPECT_EQ(b->RegisterState({"v", StateKind::kList}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(b->RegisterState({"bad name", StateKind::kList}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(*b->RegisterState({"v", StateKind::kValue}), v);
  std::vector<std::string> list;
  EXPECT_EQ(b->ListGet({v, 1, "k", ""}, &list).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(b->ValuePut({v, 100, "k", ""}, "x").code(),
            StatusCode::kInvalidArgument);
  auto caps = b->GetCapabilities();
  EXPECT_TRUE(caps.incremental);
  EXPECT_TRUE(caps.exactly_once);
  EXPECT_FALSE(caps.memory_bound);
  EXPECT_EQ(caps.rescale_mode, RescaleMode::kClipDeleteRange);
  EXPECT_TRUE(Checkpoint(b.get(), 5).inline_data != nullptr);
  EXPECT_EQ(b->SnapshotSync(5).status().code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(b->Close().ok());
  ASSERT_TRUE(b->Close().ok());
  EXPECT_EQ(b->ValuePut({v, 1, "k", ""}, "x").code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace statebench
