#include "workloads/trace.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "tests/workloads/test_util.h"
#include "workloads/trace_format.h"

namespace statebench {
namespace {

using testing::Describe;
using testing::Drain;
using testing::PartFilter;
using testing::SameOp;
using testing::SpecFor;

class TraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> dir = MakeTempDirectory("sb-trace-test-");
    ASSERT_TRUE(dir.ok());
    dir_ = *dir;
  }
  void TearDown() override { (void)RemoveTree(dir_); }

  std::unique_ptr<Workload> Make(const std::string& name) {
    WorkloadSpec s = SpecFor(name);
    s.key_count = 200;
    s.run_events = 3000;
    s.event_time.events_per_second = 1000;
    s.op.window_size_ms = 500;
    s.op.window_slide_ms = 250;
    s.op.session_gap_ms = 300;
    s.flink.list_values = 3;
    auto w = CreateWorkload(s);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return std::move(w).value();
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void Write(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << data;
  }

  // The unfiltered load + run stream and its checksum.
  static std::vector<Op> Generated(const Workload& w, KeyFilter f,
                                   OpStreamChecksum* sum) {
    std::vector<Op> ops;
    for (bool run : {false, true}) {
      auto src = run ? w.RunPhase(f) : w.LoadPhase(f);
      for (Op& op : Drain(src.get())) {
        if (sum) sum->Add(op);
        ops.push_back(std::move(op));
      }
    }
    return ops;
  }

  std::string dir_;
};

TEST_F(TraceTest, RoundTripBothFormatsEveryWorkload) {
  for (const std::string name : {"value-rw", "session-window", "interval-join",
                                 "ycsb-e", "flink-map", "dedup-ttl"}) {
    auto w = Make(name);
    OpStreamChecksum expected;
    std::vector<Op> generated = Generated(*w, nullptr, &expected);
    for (TraceFormat format : {TraceFormat::kBinary, TraceFormat::kText}) {
      const std::string path = dir_ + "/" + name + ".trace";
      Result<TraceSummary> rec = RecordTrace(*w, path, 0, format);
      ASSERT_TRUE(rec.ok()) << rec.status().ToString();
      EXPECT_EQ(rec->checksum, expected.value()) << name;
      EXPECT_EQ(rec->load_ops + rec->run_ops, generated.size());

      Result<std::unique_ptr<Workload>> replay = OpenTraceWorkload(path);
      ASSERT_TRUE(replay.ok()) << replay.status().ToString();
      EXPECT_EQ((*replay)->States().size(), w->States().size());
      EXPECT_EQ((*replay)->States()[0].name, w->States()[0].name);
      EXPECT_EQ((*replay)->LoadEventCount(), w->LoadEventCount());
      EXPECT_EQ((*replay)->Spec().seed, w->Spec().seed);
      OpStreamChecksum replayed;
      std::vector<Op> ops = Generated(**replay, nullptr, &replayed);
      EXPECT_EQ(replayed.value(), expected.value()) << name;
      ASSERT_EQ(ops.size(), generated.size());
      for (size_t i = 0; i < ops.size(); ++i) {
        ASSERT_TRUE(SameOp(ops[i], generated[i]))
            << name << " " << i << ": " << Describe(ops[i]);
      }
      // A filtered replay is the filtered generation.
      KeyFilter f = PartFilter(1, 2);
      std::vector<Op> mine = Generated(**replay, f, nullptr);
      std::vector<Op> want = Generated(*w, f, nullptr);
      ASSERT_EQ(mine.size(), want.size());
      for (size_t i = 0; i < mine.size(); ++i)
        ASSERT_TRUE(SameOp(mine[i], want[i]));
    }
  }
}

TEST_F(TraceTest, CreateWorkloadReplaysByTracePath) {
  auto w = Make("tumbling-window");
  const std::string path = dir_ + "/w.trace";
  ASSERT_TRUE(RecordTrace(*w, path, 1000).ok());
  WorkloadSpec spec;
  spec.name = "trace";
  spec.trace_path = path;
  Result<std::unique_ptr<Workload>> replay = CreateWorkload(spec);
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  auto run = (*replay)->RunPhase(nullptr);
  std::vector<Op> ops = Drain(run.get());
  ASSERT_FALSE(ops.empty());
  EXPECT_TRUE(run->status().ok());
  EXPECT_LT(ops.back().event_index, 1000u);  // the first 1000 run events
  spec.trace_path.clear();
  EXPECT_FALSE(CreateWorkload(spec).ok());
}

TEST_F(TraceTest, TextFormatIsReadableAndConvertsBack) {
  auto w = Make("interval-join");
  const std::string bin = dir_ + "/a.trace", text = dir_ + "/a.txt",
                    back = dir_ + "/b.trace";
  Result<TraceSummary> rec = RecordTrace(*w, bin, 0);
  ASSERT_TRUE(rec.ok());
  Result<TraceSummary> t = ConvertTrace(bin, text, TraceFormat::kText);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  Result<TraceSummary> b = ConvertTrace(text, back, TraceFormat::kBinary);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(t->checksum, rec->checksum);
  EXPECT_EQ(b->checksum, rec->checksum);
  EXPECT_EQ(Read(back), Read(bin));
  const std::string content = Read(text);
  EXPECT_EQ(content.rfind("statebench-trace 1\nworkload interval-join\n", 0),
            0u);
  EXPECT_NE(content.find("\nstate 1 join-right map\n"), std::string::npos);
  EXPECT_NE(content.find("\nrun map_put "), std::string::npos);
  // The binary form is compact: values dominate (120 bytes each here).
  EXPECT_LT(Read(bin).size(), content.size());
}

TEST_F(TraceTest, TruncatedBinaryTraceNamesFileAndOffset) {
  auto w = Make("value-rw");
  const std::string path = dir_ + "/t.trace";
  ASSERT_TRUE(RecordTrace(*w, path, 0).ok());
  const std::string data = Read(path);
  for (size_t cut : {size_t{5}, size_t{40}, data.size() / 2, data.size() - 30,
                     data.size() - 1}) {
    Write(path, data.substr(0, cut));
    Result<TraceSummary> v = VerifyTrace(path);
    ASSERT_FALSE(v.ok()) << cut;
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
    const std::string& m = v.status().message();
    EXPECT_EQ(m.rfind(path + ": offset ", 0), 0u) << m;
    EXPECT_NE(m.find("truncated"), std::string::npos) << m;
    EXPECT_FALSE(OpenTraceWorkload(path).ok());
  }
}

TEST_F(TraceTest, CorruptBinaryTraceIsDetected) {
  auto w = Make("value-rw");
  const std::string path = dir_ + "/c.trace";
  ASSERT_TRUE(RecordTrace(*w, path, 0).ok());
  const std::string data = Read(path);
  for (size_t at : {size_t{2}, size_t{30}, data.size() / 3, data.size() - 3}) {
    std::string bad = data;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    Write(path, bad);
    Result<TraceSummary> v = VerifyTrace(path);
    ASSERT_FALSE(v.ok()) << at;
    EXPECT_EQ(v.status().message().rfind(path + ": offset ", 0), 0u)
        << v.status().message();
  }
  Write(path, data + "x");
  Result<TraceSummary> v = VerifyTrace(path);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("after the end record"),
            std::string::npos);
  Write(path, "garbage that is not a trace");
  EXPECT_EQ(VerifyTrace(path).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyTrace(dir_ + "/absent").status().code(),
            StatusCode::kNotFound);
}

TEST_F(TraceTest, DamagedTextTraceNamesLine) {
  auto w = Make("flink-value");
  const std::string path = dir_ + "/t.txt";
  ASSERT_TRUE(RecordTrace(*w, path, 0, TraceFormat::kText).ok());
  std::string data = Read(path);
  // Drop the end line: truncated.
  std::string cut = data.substr(0, data.rfind("end "));
  Write(path, cut);
  Result<TraceSummary> v = VerifyTrace(path);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("truncated"), std::string::npos);
  // Change one value byte: the checksum no longer matches.
  std::string edited = data;
  size_t put = edited.find("run value_put ");
  ASSERT_NE(put, std::string::npos);
  size_t eol = edited.find('\n', put);
  // ... VALUE SCAN_TO(-) SCAN_LIMIT(0): eol - 5 is the value's last byte.
  edited[eol - 5] = edited[eol - 5] == 'A' ? 'B' : 'A';
  Write(path, edited);
  v = VerifyTrace(path);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("checksum mismatch"), std::string::npos)
      << v.status().message();
  // A malformed op line names its line.
  std::string broken = data;
  size_t line_start = broken.find("\nrun ") + 1;
  broken.insert(line_start, "run value_teleport 1 2 0 - - - - - 0\n");
  Write(path, broken);
  v = VerifyTrace(path);
  ASSERT_FALSE(v.ok());
  int line = 1;
  for (size_t i = 0; i < line_start; ++i) line += broken[i] == '\n';
  EXPECT_EQ(
      v.status().message().rfind(path + ":" + std::to_string(line) + ": ", 0),
      0u)
      << v.status().message();
}

TEST_F(TraceTest, RecordingSourcePassesOpsThroughAndUnfinishedLeavesNothing) {
  auto w = Make("value-rw");
  const std::string path = dir_ + "/r.trace";
  {
    Result<std::unique_ptr<TraceWriter>> writer =
        TraceWriter::Create(path, TraceHeaderFor(*w), TraceFormat::kBinary);
    ASSERT_TRUE(writer.ok());
    RecordingOpSource rec(w->LoadPhase(nullptr), writer->get(),
                          TracePhase::kLoad);
    Op op;
    ASSERT_TRUE(rec.Next(&op));
    // Destroyed without Finish(): no trace file appears.
  }
  EXPECT_FALSE(ReadFileToString(path).ok());
  Result<std::unique_ptr<TraceWriter>> writer =
      TraceWriter::Create(path, TraceHeaderFor(*w), TraceFormat::kBinary);
  ASSERT_TRUE(writer.ok());
  RecordingOpSource load(w->LoadPhase(nullptr), writer->get(),
                         TracePhase::kLoad);
  RecordingOpSource run(w->RunPhase(nullptr), writer->get(), TracePhase::kRun);
  OpStreamChecksum sum;
  for (OpSource* s :
       {static_cast<OpSource*>(&load), static_cast<OpSource*>(&run)}) {
    for (const Op& op : Drain(s)) sum.Add(op);
    EXPECT_TRUE(s->status().ok());
  }
  Result<TraceSummary> done = (*writer)->Finish();
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->checksum, sum.value());
  Result<TraceSummary> verified = VerifyTrace(path);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->checksum, sum.value());
}

TEST(TraceFormatTest, Crc32cKnownValues) {
  // The CRC-32C check value, and a long input crossing 8-byte words.
  EXPECT_EQ(trace_format::Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(trace_format::Crc32c(""), 0u);
  EXPECT_EQ(trace_format::Crc32c(std::string(32, '\0')), 0x8A9136AAu);
}

TEST(OpStreamChecksumTest, SensitiveToEveryFieldAndOrder) {
  Op a;
  a.key = "k";
  a.value = "v";
  Op b = a;
  b.event_index = 1;
  OpStreamChecksum ab, ba, aa;
  ab.Add(a);
  ab.Add(b);
  ba.Add(b);
  ba.Add(a);
  aa.Add(a);
  aa.Add(a);
  EXPECT_NE(ab.value(), ba.value());
  EXPECT_NE(ab.value(), aa.value());
  auto one = [](const Op& op) {
    OpStreamChecksum c;
    c.Add(op);
    return c.value();
  };
  Op c = a;
  c.ns = "n";
  Op d = a;
  d.user_key = "n";
  Op e = a;
  e.scan_limit = 1;
  Op f = a;
  f.type = OpType::kValuePut;
  EXPECT_NE(one(c), one(d));
  EXPECT_NE(one(a), one(e));
  EXPECT_NE(one(a), one(f));
}

}  // namespace
}  // namespace statebench
