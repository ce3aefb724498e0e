// The conformance suite every state backend passes: one value-parameterised
// suite over BackendRegistry::Default().List(), so that a backend joins by
// being registered. Server backends run when their server is configured
// (backend_test_env.h). Capability-specific cases look at Capabilities and
// at the handles, not at backend names.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "backends/registry.h"
#include "tests/backends/backend_test_env.h"
#include "tests/backends/state_model.h"

namespace statebench {
namespace {

using test_env::Addr;
using test_env::BackendTestEnv;
using test_env::Matches;
using test_env::ModelDriver;
using test_env::StateModel;

constexpr int kMaxPar = kDefaultLowerBoundMaxParallelism;
constexpr KeyGroupRange kAll{0, kMaxPar - 1};
constexpr StateId kValue = 0, kList = 1, kMap = 2, kValue2 = 3;

// `n` keys "<prefix><i>" whose key groups lie in `range`.
std::vector<std::string> KeysIn(KeyGroupRange range, int n,
                                const std::string& prefix) {
  std::vector<std::string> keys;
  for (int i = 0; static_cast<int>(keys.size()) < n; ++i) {
    std::string k = prefix + std::to_string(i);
    if (range.Contains(AssignToKeyGroup(k, kMaxPar))) keys.push_back(k);
  }
  return keys;
}

// Writes every kind of state for `keys`, some in a window namespace.
void Populate(ModelDriver& d, const std::vector<std::string>& keys, int round) {
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string ns = i % 3 == 0 ? "window-1" : "";
    std::string tag = std::to_string(round) + "-" + std::to_string(i);
    d.Put({kValue, keys[i], ns}, "value-" + tag);
    d.Append({kList, keys[i], ns}, "first-" + tag);
    if (i % 2 == 0) d.Append({kList, keys[i], ns}, "second-" + tag);
    d.MapPut({kMap, keys[i], ns}, "uk-" + std::to_string(i % 5), "mv-" + tag);
    d.MapPut({kMap, keys[i], ns}, "uk-x", "mx-" + tag);
  }
}

// Changes, removes and adds entries of keys Populate() wrote.
void Mutate(ModelDriver& d, const std::vector<std::string>& keys, int round) {
  std::string r = std::to_string(round);
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string ns = i % 3 == 0 ? "window-1" : "";
    switch (i % 4) {
      case 0:
        d.Put({kValue, keys[i], ns}, "changed-" + r);
        d.MapPut({kMap, keys[i], ns}, "uk-x", "changed-" + r);
        break;
      case 1:
        d.Remove({kValue, keys[i], ns});
        d.Clear({kList, keys[i], ns});
        d.MapRemove({kMap, keys[i], ns}, "uk-x");
        break;
      case 2:
        d.Append({kList, keys[i], ns}, "more-" + r);
        d.MapPut({kMap, keys[i], ns}, "uk-new-" + r, "new-" + r);
        break;
      default:
        d.Put({kValue, keys[i] + "-added-" + r, "window-2"}, "added-" + r);
        d.Append({kList, keys[i] + "-added-" + r, ""}, "added-" + r);
        break;
    }
  }
}

class BackendConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    Result<BackendInfo> info = BackendRegistry::Default().Info(GetParam());
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    SB_SKIP_UNLESS_SERVER_CONFIGURED(*info);
    env_ = std::make_unique<BackendTestEnv>(*info);
    SB_ASSERT_OK(env_->status());
  }

  // A new instance owning `range` with the suite's states registered; null
  // (with a test failure) when it cannot be created.
  std::unique_ptr<StateBackend> Open(
      KeyGroupRange range = kAll, int subtask = 0,
      CheckpointType type = CheckpointType::kFull) {
    BackendConfig config = env_->Config(range, subtask);
    config.checkpoint_type = type;
    Result<std::unique_ptr<StateBackend>> b = env_->Create(config);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok()) return nullptr;
    const std::pair<const char*, StateKind> states[] = {
        {"values", StateKind::kValue},
        {"lists", StateKind::kList},
        {"maps", StateKind::kMap},
        {"values2", StateKind::kValue}};
    for (StateId id = 0; id < 4; ++id) {
      Result<StateId> got =
          (*b)->RegisterState({states[id].first, states[id].second});
      EXPECT_TRUE(got.ok() && *got == id) << got.status().ToString();
    }
    return std::move(b).value();
  }

  // Sync and async phase of checkpoint `id`, then the completion notice.
  static Result<CheckpointHandle> Checkpoint(StateBackend* b, int64_t id) {
    SB_ASSIGN_OR_RETURN(std::unique_ptr<AsyncSnapshot> snap,
                        b->SnapshotSync(id));
    SB_ASSIGN_OR_RETURN(CheckpointHandle h, snap->Complete());
    SB_RETURN_IF_ERROR(b->NotifyCheckpointComplete(id));
    return h;
  }

  bool ExactlyOnce() {
    return BackendRegistry::Default()
        .Info(GetParam())
        ->capabilities.exactly_once;
  }

  std::unique_ptr<BackendTestEnv> env_;
};

TEST_P(BackendConformanceTest, ValueStateOps) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateKey k{kValue, AssignToKeyGroup("alice", kMaxPar), "alice", ""};
  std::string v = "untouched";
  bool found = true;
  SB_ASSERT_OK(b->ValueGet(k, &v, &found));
  EXPECT_FALSE(found);
  EXPECT_EQ(v, "untouched") << "*value is set only when found";
  SB_ASSERT_OK(b->ValuePut(k, "1"));
  SB_ASSERT_OK(b->ValueGet(k, &v, &found));
  EXPECT_TRUE(found);
  EXPECT_EQ(v, "1");
  SB_ASSERT_OK(b->ValuePut(k, "22"));
  SB_ASSERT_OK(b->ValueGet(k, &v, &found));
  EXPECT_EQ(v, "22");
  SB_ASSERT_OK(b->ValueRemove(k));
  SB_ASSERT_OK(b->ValueGet(k, &v, &found));
  EXPECT_FALSE(found);
  SB_EXPECT_OK(b->ValueRemove(k));  // removing what is absent is fine
}

TEST_P(BackendConformanceTest, ListStateOps) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateKey k{kList, AssignToKeyGroup("bob", kMaxPar), "bob", "w"};
  std::vector<std::string> got = {"junk"};
  SB_ASSERT_OK(b->ListGet(k, &got));
  EXPECT_TRUE(got.empty()) << "ListGet replaces *values";
  for (const char* e : {"a", "b", "a", ""}) SB_ASSERT_OK(b->ListAppend(k, e));
  SB_ASSERT_OK(b->ListGet(k, &got));
  EXPECT_EQ(got, (std::vector<std::string>{"a", "b", "a", ""}));
  SB_ASSERT_OK(b->ListClear(k));
  SB_ASSERT_OK(b->ListGet(k, &got));
  EXPECT_TRUE(got.empty());
  SB_ASSERT_OK(b->ListAppend(k, "c"));
  SB_ASSERT_OK(b->ListGet(k, &got));
  EXPECT_EQ(got, std::vector<std::string>{"c"});
  SB_EXPECT_OK(b->ListClear(StateKey{kList, 0, "nobody-in-kg-0", ""}));
}

TEST_P(BackendConformanceTest, MapStateOpsAndBytewiseScan) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateKey k{kMap, AssignToKeyGroup("carol", kMaxPar), "carol", ""};
  // Bytewise order: "" < "\0" < "a" < "a\0" < "b" < "z" < "\x80" < "\xff".
  const std::vector<std::string> ordered = {
      std::string(), std::string(1, '\0'),
      "a",           std::string("a\0", 2),
      "b",           "z",
      "\x80",        "\xff"};
  for (size_t i = ordered.size(); i-- > 0;) {
    SB_ASSERT_OK(b->MapPut(k, ordered[i], "v" + std::to_string(i)));
  }
  std::vector<std::pair<std::string, std::string>> got = {{"junk", "junk"}};
  SB_ASSERT_OK(b->MapScan(k, "", "", 0, &got));
  ASSERT_EQ(got.size(), ordered.size());
  for (size_t i = 0; i < ordered.size(); ++i) {
    EXPECT_EQ(got[i].first, ordered[i]) << "position " << i;
    EXPECT_EQ(got[i].second, "v" + std::to_string(i));
  }
  SB_ASSERT_OK(b->MapScan(k, "a", "z", 0, &got));  // [a, z)
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].first, "a");
  EXPECT_EQ(got[2].first, "b");
  SB_ASSERT_OK(b->MapScan(k, "b", "", 2, &got));  // limit 2, no upper bound
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].first, "z");
  std::string v;
  bool found = false;
  SB_ASSERT_OK(b->MapPut(k, "b", "changed"));
  SB_ASSERT_OK(b->MapGet(k, "b", &v, &found));
  EXPECT_TRUE(found);
  EXPECT_EQ(v, "changed");
  SB_ASSERT_OK(b->MapRemove(k, "b"));
  SB_ASSERT_OK(b->MapGet(k, "b", &v, &found));
  EXPECT_FALSE(found);
  SB_EXPECT_OK(b->MapRemove(k, "b"));
  for (const std::string& uk : ordered) SB_ASSERT_OK(b->MapRemove(k, uk));
  SB_ASSERT_OK(b->MapScan(k, "", "", 0, &got));
  EXPECT_TRUE(got.empty());
}

TEST_P(BackendConformanceTest, EmptyAndBinaryKeysAndValues) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  const std::string nul_key("k\0ey", 4), nul_key2("k\0ez", 4);
  std::string binary(256, '\0');
  for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i);
  d.Put({kValue, "", ""}, "");
  d.Put({kValue, nul_key, std::string("n\0s", 3)}, std::string("v\0\xff", 3));
  d.Put({kValue, nul_key2, ""}, binary);
  d.Put({kValue, binary, binary}, "binary key and namespace");
  d.Append({kList, nul_key, ""}, binary);
  d.Append({kList, nul_key, ""}, "");
  d.Append({kList, "", ""}, std::string(1, '\0'));
  d.MapPut({kMap, nul_key, ""}, binary, binary);
  d.MapPut({kMap, nul_key, ""}, std::string("\0", 1), "");
  d.MapPut({kMap, "", ""}, "", "");
  EXPECT_TRUE(Matches(b.get(), model, kAll, kAll));
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
  auto restored = Open();
  ASSERT_NE(restored, nullptr);
  SB_ASSERT_OK(restored->Restore({h}, kAll));
  EXPECT_TRUE(Matches(restored.get(), model, kAll, kAll));
}

TEST_P(BackendConformanceTest, LargeKeysAndValues) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  const std::string big(1 << 20, 'x');
  std::string big_binary(1 << 20, '\0');
  for (size_t i = 0; i < big_binary.size(); i += 7) {
    big_binary[i] = static_cast<char>(i);
  }
  // Four 1 MiB items: the snapshot stays below the jobmanager cap (5 MiB).
  d.Put({kValue, big, ""}, "value of a 1 MiB key");
  d.Put({kValue, "small", ""}, big_binary);
  d.Append({kList, "list", ""}, big_binary);
  d.MapPut({kMap, "map", ""}, "uk", big_binary);
  EXPECT_TRUE(Matches(b.get(), model, kAll, kAll));
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
  auto restored = Open();
  ASSERT_NE(restored, nullptr);
  SB_ASSERT_OK(restored->Restore({h}, kAll));
  EXPECT_TRUE(Matches(restored.get(), model, kAll, kAll));
}

TEST_P(BackendConformanceTest, NamespacesKeysAndStatesAreKeptApart) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  d.Put({kValue, "k", ""}, "void");
  d.Put({kValue, "k", "w1"}, "w1");
  d.Put({kValue, "k", "w2"}, "w2");
  d.Put({kValue2, "k", ""}, "other state");
  // Key/namespace boundaries must not be ambiguous.
  d.Put({kValue, "ab", "c"}, "ab|c");
  d.Put({kValue, "a", "bc"}, "a|bc");
  d.Put({kValue, "abc", ""}, "abc|");
  d.Append({kList, "k", "w1"}, "list");
  d.MapPut({kMap, "k", "w1"}, "uk", "map");
  EXPECT_TRUE(Matches(b.get(), model, kAll, kAll));
  d.Remove({kValue, "k", "w1"});
  d.Remove({kValue, "ab", "c"});
  EXPECT_TRUE(Matches(b.get(), model, kAll, kAll));
}

TEST_P(BackendConformanceTest, RegisterStateIsIdempotentAndRejectsOtherKind) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  Result<StateId> again = b->RegisterState({"lists", StateKind::kList});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, kList);
  Result<StateId> clash = b->RegisterState({"lists", StateKind::kMap});
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kInvalidArgument);
  Result<StateId> next = b->RegisterState({"more", StateKind::kValue});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(*next, 4u) << "ids are dense in registration order";
}

TEST_P(BackendConformanceTest, RestoreRevertsEverythingAfterTheCheckpoint) {
  if (!ExactlyOnce()) GTEST_SKIP() << "not exactly-once as configured";
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  std::vector<std::string> keys = KeysIn(kAll, 200, "key-");
  Populate(d, keys, 1);
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
  StateModel at_checkpoint = model;
  Mutate(d, keys, 2);
  ASSERT_FALSE(Matches(b.get(), at_checkpoint, kAll, kAll))
      << "the mutation must change something";
  // Into the same instance, then into a fresh one (as after a failover).
  SB_ASSERT_OK(b->Restore({h}, kAll));
  EXPECT_TRUE(Matches(b.get(), at_checkpoint, kAll, kAll));
  SB_ASSERT_OK(b->Close());
  auto fresh = Open();
  ASSERT_NE(fresh, nullptr);
  SB_ASSERT_OK(fresh->Restore({h}, kAll));
  EXPECT_TRUE(Matches(fresh.get(), at_checkpoint, kAll, kAll));
}

TEST_P(BackendConformanceTest, SnapshotReflectsTheSyncPointDespiteLaterOps) {
  if (!ExactlyOnce()) GTEST_SKIP() << "not exactly-once as configured";
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  std::vector<std::string> keys = KeysIn(kAll, 300, "key-");
  Populate(d, keys, 1);
  SB_ASSERT_OK_AND_ASSIGN(std::unique_ptr<AsyncSnapshot> snap,
                          b->SnapshotSync(1));
  StateModel at_sync = model;
  Mutate(d, keys, 2);  // between sync and async phase
  Result<CheckpointHandle> h = Status::Internal("not run");
  std::thread async([&] { h = snap->Complete(); });
  Mutate(d, keys, 3);  // concurrently with the async phase
  Populate(d, KeysIn(kAll, 100, "late-"), 3);
  async.join();
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  SB_ASSERT_OK(b->NotifyCheckpointComplete(1));
  EXPECT_TRUE(Matches(b.get(), model, kAll, kAll)) << "live state kept";
  SB_ASSERT_OK(b->Close());
  auto fresh = Open();
  ASSERT_NE(fresh, nullptr);
  SB_ASSERT_OK(fresh->Restore({*h}, kAll));
  EXPECT_TRUE(Matches(fresh.get(), at_sync, kAll, kAll));
}

TEST_P(BackendConformanceTest, RestoreOfAKeyGroupSubRangeHoldsExactlyIt) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  Populate(d, KeysIn(kAll, 300, "key-"), 1);
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
  SB_ASSERT_OK(b->Close());
  const KeyGroupRange sub{32, 95};
  // A rescaled subtask owning only `sub`.
  auto narrow = Open(sub, 1);
  ASSERT_NE(narrow, nullptr);
  SB_ASSERT_OK(narrow->Restore({h}, sub));
  EXPECT_TRUE(Matches(narrow.get(), model, sub, sub));
  SB_ASSERT_OK(narrow->Close());
  // An instance owning everything but restoring only `sub`: nothing outside
  // `sub` may be visible (absent, or refused as outside the restored range).
  auto wide = Open();
  ASSERT_NE(wide, nullptr);
  SB_ASSERT_OK(wide->Restore({h}, sub));
  EXPECT_TRUE(Matches(wide.get(), model, kAll, sub, kMaxPar,
                      test_env::Outside::kAbsentOrRefused));
}

TEST_P(BackendConformanceTest, RescaleTwoSubtasksIntoOneHoldsTheUnion) {
  const KeyGroupRange r0 = KeyGroupRangeForSubtask(kMaxPar, 2, 0);
  const KeyGroupRange r1 = KeyGroupRangeForSubtask(kMaxPar, 2, 1);
  StateModel model;
  std::vector<CheckpointHandle> handles;
  for (auto [index, range] : {std::pair{0, r0}, std::pair{1, r1}}) {
    auto b = Open(range, index);
    ASSERT_NE(b, nullptr);
    ModelDriver d(b.get(), &model);
    Populate(d, KeysIn(range, 150, "key-"), 1);
    SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 7));
    EXPECT_EQ(h.key_groups, range);
    handles.push_back(h);
    SB_ASSERT_OK(b->Close());
  }
  auto merged = Open(kAll, 0);
  ASSERT_NE(merged, nullptr);
  SB_ASSERT_OK(merged->Restore(handles, kAll));
  EXPECT_TRUE(Matches(merged.get(), model, kAll, kAll));
}

TEST_P(BackendConformanceTest, IncrementalChainRestoresTheLatestCheckpoint) {
  auto b = Open(kAll, 0, CheckpointType::kIncremental);
  ASSERT_NE(b, nullptr);
  bool incremental =
      BackendRegistry::Default().Info(GetParam())->capabilities.incremental;
  StateModel model;
  ModelDriver d(b.get(), &model);
  std::vector<std::string> keys = KeysIn(kAll, 150, "key-");
  Populate(d, keys, 1);
  CheckpointHandle last;
  StateModel at_last;
  for (int64_t id = 1; id <= 4; ++id) {
    SB_ASSERT_OK_AND_ASSIGN(last, Checkpoint(b.get(), id));
    at_last = model;
    if (!incremental) {
      EXPECT_EQ(last.type, CheckpointType::kFull)
          << "a backend without incremental support takes full checkpoints";
    }
    EXPECT_EQ(last.checkpoint_id, id);
    Mutate(d, keys, static_cast<int>(id) + 1);
    Populate(d, KeysIn(kAll, 20, "round" + std::to_string(id) + "-"), 9);
  }
  SB_ASSERT_OK(b->Close());
  auto fresh = Open(kAll, 0, CheckpointType::kIncremental);
  ASSERT_NE(fresh, nullptr);
  SB_ASSERT_OK(fresh->Restore({last}, kAll));
  EXPECT_TRUE(Matches(fresh.get(), at_last, kAll, kAll));
}

TEST_P(BackendConformanceTest, AbortedAndAbandonedCheckpointsDoNotBreakLater) {
  auto b = Open(kAll, 0, CheckpointType::kIncremental);
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  std::vector<std::string> keys = KeysIn(kAll, 100, "key-");
  Populate(d, keys, 1);
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle first, Checkpoint(b.get(), 1));
  Mutate(d, keys, 2);
  {
    SB_ASSERT_OK_AND_ASSIGN(auto snap, b->SnapshotSync(2));
    SB_ASSERT_OK(snap->Complete().status());
    SB_ASSERT_OK(b->NotifyCheckpointAborted(2));
  }
  Mutate(d, keys, 3);
  { SB_ASSERT_OK(b->SnapshotSync(3).status()); }  // abandoned: no Complete
  SB_ASSERT_OK(b->NotifyCheckpointAborted(3));
  Mutate(d, keys, 4);
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 4));
  SB_ASSERT_OK(b->Close());
  auto fresh = Open(kAll, 0, CheckpointType::kIncremental);
  ASSERT_NE(fresh, nullptr);
  SB_ASSERT_OK(fresh->Restore({h}, kAll));
  EXPECT_TRUE(Matches(fresh.get(), model, kAll, kAll));
}

// True when `location` names a file or directory on this machine.
bool IsFileLocation(const std::string& location) {
  std::error_code ec;
  return !location.empty() && location[0] == '/' &&
         std::filesystem::exists(location, ec);
}

// Paths that exist below `dir` (files and directories), relative to it.
std::set<std::string> Tree(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    out.insert(std::filesystem::relative(it->path(), dir).string());
  }
  return out;
}

TEST_P(BackendConformanceTest, RetentionRemovesOnlyWhatIsNoLongerReferenced) {
  const KeyGroupRange r0 = KeyGroupRangeForSubtask(kMaxPar, 2, 0);
  const KeyGroupRange r1 = KeyGroupRangeForSubtask(kMaxPar, 2, 1);
  // Another subtask's checkpoint and a stranger's file in the same directory.
  auto other = Open(r1, 1);
  ASSERT_NE(other, nullptr);
  StateModel other_model;
  ModelDriver od(other.get(), &other_model);
  Populate(od, KeysIn(r1, 50, "other-"), 1);
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle other_h, Checkpoint(other.get(), 1));
  if (!IsFileLocation(other_h.location)) {
    GTEST_SKIP() << "handles carry no file location";
  }
  std::string foreign = env_->checkpoint_dir() + "/foreign.txt";
  std::ofstream(foreign) << "not ours";

  auto b = Open(r0, 0);
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  std::vector<std::string> keys = KeysIn(r0, 100, "key-");
  std::vector<CheckpointHandle> handles;
  for (int64_t id = 1; id <= 4; ++id) {
    Populate(d, keys, static_cast<int>(id));
    SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), id));
    handles.push_back(h);
  }
  // Default retention is one completed checkpoint.
  const std::string& latest = handles.back().location;
  for (size_t i = 0; i + 1 < handles.size(); ++i) {
    const std::string& loc = handles[i].location;
    if (loc == latest || latest.rfind(loc + "/", 0) == 0) continue;
    EXPECT_FALSE(std::filesystem::exists(loc))
        << loc << " of checkpoint " << handles[i].checkpoint_id
        << " should be deleted; tree: "
        << testing::PrintToString(Tree(env_->checkpoint_dir()));
  }
  EXPECT_TRUE(std::filesystem::exists(latest));
  EXPECT_TRUE(std::filesystem::exists(other_h.location))
      << "another subtask's checkpoint must survive";
  EXPECT_TRUE(std::filesystem::exists(foreign));

  SB_ASSERT_OK(b->Close());
  SB_ASSERT_OK(other->Close());
  // What was kept still restores, for both subtasks.
  auto fresh = Open(r0, 0);
  ASSERT_NE(fresh, nullptr);
  SB_ASSERT_OK(fresh->Restore({handles.back()}, r0));
  EXPECT_TRUE(Matches(fresh.get(), model, r0, r0));
  auto fresh_other = Open(r1, 1);
  ASSERT_NE(fresh_other, nullptr);
  SB_ASSERT_OK(fresh_other->Restore({other_h}, r1));
  EXPECT_TRUE(Matches(fresh_other.get(), other_model, r1, r1));
}

// Overwrites bytes in the middle of every regular file at or below `path`.
int CorruptFiles(const std::string& path) {
  std::vector<std::string> files;
  if (std::filesystem::is_regular_file(path)) {
    files.push_back(path);
  } else {
    for (const auto& e : std::filesystem::recursive_directory_iterator(path)) {
      if (e.is_regular_file()) files.push_back(e.path().string());
    }
  }
  for (const std::string& f : files) {
    auto size = std::filesystem::file_size(f);
    std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
    io.seekp(static_cast<std::streamoff>(size / 2));
    std::string garbage(std::min<uintmax_t>(size / 4 + 1, 64), '\x5a');
    io.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  return static_cast<int>(files.size());
}

TEST_P(BackendConformanceTest,
       FailedRestoreOfACorruptCheckpointRestoresNothing) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  Populate(d, KeysIn(kAll, 300, "key-"), 1);
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
  SB_ASSERT_OK(b->Close());
  if (h.inline_data != nullptr) {
    auto copy = std::make_shared<std::string>(*h.inline_data);
    for (size_t i = copy->size() / 2; i < copy->size() / 2 + 16; ++i) {
      (*copy)[i] = static_cast<char>((*copy)[i] ^ 0x5a);
    }
    h.inline_data = std::move(copy);
  } else if (IsFileLocation(h.location)) {
    ASSERT_GT(CorruptFiles(h.location), 0);
  } else {
    GTEST_SKIP() << "the checkpoint has no bytes a test can corrupt";
  }
  auto fresh = Open();
  ASSERT_NE(fresh, nullptr);
  StateModel live;
  ModelDriver ld(fresh.get(), &live);
  Populate(ld, KeysIn(kAll, 50, "live-"), 2);
  Status s = fresh->Restore({h}, kAll);
  ASSERT_FALSE(s.ok()) << "a corrupted checkpoint must be rejected";
  StateModel expected;
  test_env::MergeInto(&expected, model);
  test_env::MergeInto(&expected, live);
  expected.values.clear();
  expected.lists.clear();
  expected.maps.clear();
  if (!fresh->GetCapabilities().remote) {
    // Embedded backends build the restored state beside the live one and
    // swap it in only on success: the live state is untouched.
    test_env::MergeInto(&expected, live);
  }
  EXPECT_TRUE(Matches(fresh.get(), expected, kAll, kAll))
      << "after a failed restore an embedded backend keeps its live state "
         "and a server backend is empty; never anything half-restored";
}

TEST_P(BackendConformanceTest, RestoreRejectsMismatchedHandles) {
  auto b = Open(KeyGroupRangeForSubtask(kMaxPar, 2, 0), 0);
  ASSERT_NE(b, nullptr);
  StateModel model;
  ModelDriver d(b.get(), &model);
  Populate(d, KeysIn(KeyGroupRange{0, 63}, 20, "k-"), 1);
  SB_ASSERT_OK_AND_ASSIGN(CheckpointHandle h, Checkpoint(b.get(), 1));
  SB_ASSERT_OK(b->Close());
  auto fresh = Open();
  ASSERT_NE(fresh, nullptr);
  EXPECT_FALSE(fresh->Restore({h}, kAll).ok())
      << "a handle for [0, 63] cannot restore [0, 127]";
  CheckpointHandle wrong_backend = h;
  wrong_backend.backend = "no-such-backend";
  EXPECT_FALSE(fresh->Restore({wrong_backend}, KeyGroupRange{0, 63}).ok());
  CheckpointHandle wrong_m = h;
  wrong_m.max_parallelism = 256;
  EXPECT_FALSE(fresh->Restore({wrong_m}, KeyGroupRange{0, 63}).ok());
  SB_EXPECT_OK(fresh->Restore({h}, KeyGroupRange{0, 63}));
}

TEST_P(BackendConformanceTest, CloseIsIdempotentAndLaterCallsFail) {
  auto b = Open();
  ASSERT_NE(b, nullptr);
  SB_ASSERT_OK(b->Close());
  SB_EXPECT_OK(b->Close());
  StateKey k{kValue, AssignToKeyGroup("x", kMaxPar), "x", ""};
  EXPECT_FALSE(b->ValuePut(k, "v").ok());
  EXPECT_FALSE(b->SnapshotSync(1).ok());
}

std::vector<std::string> RegisteredBackends() {
  std::vector<std::string> names;
  for (const BackendInfo& info : BackendRegistry::Default().List()) {
    names.push_back(info.name);
  }
  return names;
}

INSTANTIATE_TEST_SUITE_P(AllBackends, BackendConformanceTest,
                         ::testing::ValuesIn(RegisteredBackends()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace statebench
