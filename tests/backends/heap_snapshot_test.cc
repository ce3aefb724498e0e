// The heap snapshot format: checksums, round trip, per-key-group reads and
// detection of every single-byte corruption and every truncation.
#include "backends/heap/heap_snapshot.h"

#include <gtest/gtest.h>

#include "tests/backends/backend_test_env.h"

namespace statebench {
namespace {

class StringSink final : public SnapshotSink {
 public:
  Status Append(std::string_view data) override {
    out.append(data);
    return Status::Ok();
  }
  std::string out;
};

TEST(SnapshotCrc32cTest, MatchesPublishedCheckValues) {
  // The CRC-32C check value and RFC 3720 (iSCSI) B.4 vectors.
  EXPECT_EQ(SnapshotCrc32c(0, "123456789"), 0xE3069283u);
  EXPECT_EQ(SnapshotCrc32c(0, std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(SnapshotCrc32c(0, std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(SnapshotCrc32c(0, ascending), 0x46DD794Eu);
  EXPECT_EQ(SnapshotCrc32c(0, ""), 0u);
}

TEST(SnapshotCrc32cTest, ExtendingEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 7));
  uint32_t whole = SnapshotCrc32c(0, data);
  for (size_t cut :
       {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{13}, size_t{999}}) {
    std::string_view v(data);
    EXPECT_EQ(
        SnapshotCrc32c(SnapshotCrc32c(0, v.substr(0, cut)), v.substr(cut)),
        whole)
        << cut;
  }
}

// A small state with every kind in a few key groups of [8, 23].
class HeapSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& d : kStates) {
      SB_ASSERT_OK(state_.RegisterState(d).status());
    }
    for (int i = 0; i < 40; ++i) {
      std::string k = "key-" + std::to_string(i);
      int kg = AssignToKeyGroup(k, 128);
      if (!range_.Contains(kg)) continue;
      keys_.push_back(k);
      StateKey v{0, kg, k, ""}, l{1, kg, k, "ns"}, m{2, kg, k, ""};
      SB_ASSERT_OK(state_.ValuePut(v, "value-" + k));
      SB_ASSERT_OK(state_.ListAppend(l, "e1"));
      SB_ASSERT_OK(state_.ListAppend(l, std::string("e\0 2", 4)));
      SB_ASSERT_OK(state_.MapPut(m, "b", "mb"));
      SB_ASSERT_OK(state_.MapPut(m, "a", ""));
    }
    ASSERT_GE(keys_.size(), 3u);
    HeapCapture c = state_.Capture(9);
    StringSink sink;
    SB_ASSERT_OK_AND_ASSIGN(uint64_t n, WriteHeapSnapshot(c, &sink));
    EXPECT_EQ(n, sink.out.size());
    bytes_ = std::move(sink.out);
    capture_ = std::make_unique<HeapCapture>(std::move(c));
  }

  // Opens `data` and decodes every key group; the first failure.
  static Status ReadAll(std::string data) {
    StringSnapshotSource source(
        std::make_shared<const std::string>(std::move(data)));
    SB_ASSIGN_OR_RETURN(auto reader, HeapSnapshotReader::Open(&source, "t"));
    std::vector<StateId> ids = {0, 1, 2};
    for (int kg = reader->key_groups().start; kg <= reader->key_groups().end;
         ++kg) {
      HeapPartition p;
      SB_RETURN_IF_ERROR(reader->ReadKeyGroup(kg, ids, &p));
    }
    return Status::Ok();
  }

  const std::vector<StateDescriptor> kStates = {{"v", StateKind::kValue},
                                                {"l", StateKind::kList},
                                                {"m", StateKind::kMap}};
  const KeyGroupRange range_{8, 23};
  HeapState state_{128, range_};
  std::vector<std::string> keys_;
  std::string bytes_;
  std::unique_ptr<HeapCapture> capture_;
};

TEST_F(HeapSnapshotTest, RoundTripsEveryKeyGroup) {
  StringSnapshotSource source(std::make_shared<const std::string>(bytes_));
  SB_ASSERT_OK_AND_ASSIGN(auto reader,
                          HeapSnapshotReader::Open(&source, "snapshot"));
  EXPECT_EQ(reader->max_parallelism(), 128);
  EXPECT_EQ(reader->key_groups(), range_);
  EXPECT_EQ(reader->checkpoint_id(), 9);
  ASSERT_EQ(reader->states().size(), 3u);
  EXPECT_EQ(reader->states()[2].name, "m");
  EXPECT_EQ(reader->states()[1].kind, StateKind::kList);
  std::vector<StateId> ids = {0, 1, 2};
  for (int kg = range_.start; kg <= range_.end; ++kg) {
    HeapPartition got;
    SB_ASSERT_OK(reader->ReadKeyGroup(kg, ids, &got));
    const HeapPartition* want = capture_->Partition(kg);
    if (want == nullptr) {
      EXPECT_TRUE(got.empty()) << kg;
      continue;
    }
    for (StateId id = 0; id < 3; ++id) {
      const HeapStateTable* w = want->Find(id);
      const HeapStateTable* g = got.Find(id);
      ASSERT_NE(w, nullptr);
      ASSERT_NE(g, nullptr) << "kg " << kg << " state " << id;
      EXPECT_EQ(g->values, w->values);
      EXPECT_EQ(g->lists, w->lists);
      EXPECT_EQ(g->maps, w->maps);
    }
  }
  HeapPartition outside;
  EXPECT_EQ(reader->ReadKeyGroup(7, ids, &outside).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(HeapSnapshotTest, ReadingOneKeyGroupReadsOnlyItsSection) {
  StringSnapshotSource source(std::make_shared<const std::string>(bytes_));
  SB_ASSERT_OK_AND_ASSIGN(auto reader, HeapSnapshotReader::Open(&source, "s"));
  uint64_t metadata = source.bytes_read();
  HeapPartition p;
  int kg = AssignToKeyGroup(keys_[0], 128);
  SB_ASSERT_OK(reader->ReadKeyGroup(kg, {0, 1, 2}, &p));
  uint64_t section = source.bytes_read() - metadata;
  EXPECT_GT(section, 0u);
  EXPECT_LT(metadata + section, bytes_.size());
  EXPECT_FALSE(p.empty());
}

TEST_F(HeapSnapshotTest, EverySingleByteCorruptionIsDetected) {
  SB_ASSERT_OK(ReadAll(bytes_));
  for (size_t i = 0; i < bytes_.size(); ++i) {
    std::string bad = bytes_;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    Status s = ReadAll(bad);
    ASSERT_EQ(s.code(), StatusCode::kCorruption)
        << "byte " << i << " of " << bytes_.size() << ": " << s.ToString();
  }
}

TEST_F(HeapSnapshotTest, EveryTruncationIsDetected) {
  for (size_t n = 0; n < bytes_.size(); ++n) {
    Status s = ReadAll(bytes_.substr(0, n));
    ASSERT_EQ(s.code(), StatusCode::kCorruption) << "length " << n;
  }
}

TEST_F(HeapSnapshotTest, ANewerVersionIsRejectedClearly) {
  std::string v2 = bytes_;
  v2[8] = 3;  // fixed32 version after the 8-byte magic (2 is compressed)
  // Re-seal the header CRC so that only the version differs. The header
  // length is the fixed32 at offset 20 of the 36-byte footer.
  size_t f = v2.size() - 36 + 20;
  uint32_t header_length = 0;
  for (int i = 0; i < 4; ++i) {
    header_length |= static_cast<uint32_t>(static_cast<uint8_t>(v2[f + i]))
                     << (8 * i);
  }
  uint32_t crc =
      SnapshotCrc32c(0, std::string_view(v2).substr(0, header_length - 4));
  for (int i = 0; i < 4; ++i) {
    v2[header_length - 4 + i] = static_cast<char>(crc >> (8 * i));
  }
  Status s = ReadAll(v2);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("version 3 is not supported"), std::string::npos)
      << s.ToString();
}

}  // namespace
}  // namespace statebench
