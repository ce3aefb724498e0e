// TraceReader for the binary and text formats.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "workloads/trace.h"
#include "workloads/trace_format.h"

namespace statebench {

namespace tf = trace_format;

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

template <typename T>
bool ParseNumber(std::string_view s, T* out, int base = 10) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, base);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

class BinaryTraceReader : public TraceReader {
 public:
  BinaryTraceReader(std::string path, File file)
      : path_(std::move(path)), file_(std::move(file)) {}

  Status ReadHeader() {
    char fixed[16];
    if (!ReadExactly(fixed, sizeof(fixed))) {
      return Error(0, "truncated header");
    }
    if (std::memcmp(fixed, tf::kMagic, sizeof(tf::kMagic)) != 0) {
      return Error(0, "not a statebench trace (bad magic)");
    }
    uint32_t version = tf::DecodeFixed32(fixed + 8);
    if (version != tf::kVersion) {
      return Error(8, "unsupported trace version " + std::to_string(version) +
                          " (this build reads version " +
                          std::to_string(tf::kVersion) + ")");
    }
    uint32_t length = tf::DecodeFixed32(fixed + 12);
    if (length > (16u << 20)) return Error(12, "header length out of range");
    std::string payload(length, '\0');
    char crc[4];
    if (!ReadExactly(payload.data(), length) || !ReadExactly(crc, 4)) {
      return Error(16, "truncated header");
    }
    if (tf::DecodeFixed32(crc) != tf::Crc32c(payload)) {
      return Error(16, "header checksum mismatch");
    }
    std::string bad = tf::DecodeHeader(payload, &header_);
    if (!bad.empty()) return Error(16, bad);
    return Status::Ok();
  }

  bool Next(TracePhase* phase, Op* op) override {
    if (ended_ || !status_.ok()) return false;
    while (ops_left_ == 0) {
      if (!ReadBlock()) return false;
    }
    std::string bad = tf::DecodeOp(&cursor_, header_.states.size(), &prev_key_,
                                   &prev_event_, &prev_time_, op);
    if (!bad.empty()) {
      status_ = Error(payload_offset_ + cursor_.consumed(), bad);
      return false;
    }
    if (--ops_left_ == 0 && !cursor_.done()) {
      status_ = Error(payload_offset_ + cursor_.consumed(),
                      "unexpected bytes at the end of a block");
      return false;
    }
    checksum_.Add(*op);
    (phase_ == TracePhase::kLoad ? summary_.load_ops : summary_.run_ops)++;
    *phase = phase_;
    return true;
  }

 private:
  bool ReadExactly(char* buf, size_t n) {
    size_t got = std::fread(buf, 1, n, file_.get());
    offset_ += got;
    last_read_ = got;
    return got == n;
  }

  Status Error(uint64_t offset, const std::string& what) const {
    return Status::InvalidArgument(path_ + ": offset " +
                                   std::to_string(offset) + ": " + what);
  }

  // Reads the next block; false at the end record or on an error.
  bool ReadBlock() {
    const uint64_t start = offset_;
    char head[tf::kBlockHeaderBytes];
    if (!ReadExactly(head, sizeof(head))) {
      status_ = Error(start, last_read_ == 0 ? "truncated trace: no end record"
                                             : "truncated block header");
      return false;
    }
    const char type = head[0];
    const auto phase = static_cast<uint8_t>(head[1]);
    const uint32_t count = tf::DecodeFixed32(head + 2);
    const uint32_t length = tf::DecodeFixed32(head + 6);
    if (type != tf::kOpsBlock && type != tf::kEndBlock) {
      status_ = Error(start, "unknown block type");
      return false;
    }
    if (length > tf::kMaxBlockPayload || phase > 1) {
      status_ = Error(start, "malformed block header");
      return false;
    }
    block_.resize(length);
    payload_offset_ = offset_;
    if (!ReadExactly(block_.data(), length)) {
      status_ = Error(payload_offset_,
                      "truncated block: " + std::to_string(last_read_) +
                          " of " + std::to_string(length) + " bytes");
      return false;
    }
    if (tf::DecodeFixed32(head + 10) != tf::Crc32c(block_)) {
      status_ = Error(start, "block checksum mismatch (corrupt trace)");
      return false;
    }
    if (type == tf::kEndBlock) return ReadEnd(start);
    if (count == 0 || (phase == 0 && summary_.run_ops > 0)) {
      status_ =
          Error(start, count == 0 ? "empty block"
                                  : "load-phase block after run-phase ops");
      return false;
    }
    phase_ = static_cast<TracePhase>(phase);
    ops_left_ = count;
    cursor_ = tf::Cursor(block_);
    prev_key_.clear();
    prev_event_ = 0;
    prev_time_ = 0;
    return true;
  }

  bool ReadEnd(uint64_t start) {
    if (block_.size() != 16) {
      status_ = Error(start, "malformed end record");
      return false;
    }
    const uint64_t total = tf::DecodeFixed64(block_.data());
    const uint64_t checksum = tf::DecodeFixed64(block_.data() + 8);
    if (total != summary_.load_ops + summary_.run_ops) {
      status_ = Error(start,
                      "end record counts " + std::to_string(total) +
                          " ops, the trace holds " +
                          std::to_string(summary_.load_ops + summary_.run_ops));
      return false;
    }
    if (checksum != checksum_.value()) {
      status_ = Error(start, "op stream checksum mismatch");
      return false;
    }
    char extra;
    if (ReadExactly(&extra, 1)) {
      status_ = Error(offset_ - 1, "unexpected data after the end record");
      return false;
    }
    summary_.checksum = checksum;
    ended_ = true;
    return false;
  }

  std::string path_;
  File file_;
  uint64_t offset_ = 0;
  size_t last_read_ = 0;
  std::string block_;
  uint64_t payload_offset_ = 0;
  tf::Cursor cursor_{std::string_view()};
  uint32_t ops_left_ = 0;
  TracePhase phase_ = TracePhase::kLoad;
  std::string prev_key_;
  uint64_t prev_event_ = 0;
  int64_t prev_time_ = 0;
  bool ended_ = false;
};

class TextTraceReader : public TraceReader {
 public:
  TextTraceReader(std::string path, File file)
      : path_(std::move(path)), file_(std::move(file)) {}
  ~TextTraceReader() override { std::free(buf_); }

  Status ReadHeader() {
    if (!ReadLine() || line_ != tf::kTextMagic) {
      return Error("not a statebench text trace (expected '" +
                   std::string(tf::kTextMagic) + "')");
    }
    for (;;) {
      if (!ReadLine()) return Error("truncated header: no 'ops' line");
      if (line_ == "ops") return Status::Ok();
      Split();
      SB_RETURN_IF_ERROR(HeaderLine());
    }
  }

  bool Next(TracePhase* phase, Op* op) override {
    if (ended_ || !status_.ok()) return false;
    if (!ReadLine()) {
      status_ = Error("truncated trace: no end line");
      return false;
    }
    Split();
    if (!fields_.empty() && fields_[0] == "end") {
      status_ = End();
      return false;
    }
    status_ = OpLine(phase, op);
    if (!status_.ok()) return false;
    checksum_.Add(*op);
    (*phase == TracePhase::kLoad ? summary_.load_ops : summary_.run_ops)++;
    return true;
  }

 private:
  bool ReadLine() {
    ssize_t n = getline(&buf_, &cap_, file_.get());
    if (n < 0) return false;
    ++line_no_;
    line_.assign(buf_, static_cast<size_t>(n));
    if (!line_.empty() && line_.back() == '\n') line_.pop_back();
    return true;
  }

  void Split() {
    fields_.clear();
    std::string_view rest = line_;
    while (!rest.empty()) {
      size_t sp = rest.find(' ');
      fields_.push_back(rest.substr(0, sp));
      if (sp == std::string_view::npos) break;
      rest.remove_prefix(sp + 1);
    }
  }

  Status Error(const std::string& what) const {
    return Status::InvalidArgument(path_ + ":" + std::to_string(line_no_) +
                                   ": " + what);
  }

  Status HeaderLine() {
    Status s = ParseHeaderLine();
    if (!s.ok()) return s;
    std::string bad = tf::CheckHeaderStrings(header_);
    return bad.empty() ? s : Error(bad);
  }

  Status ParseHeaderLine() {
    const size_t n = fields_.size();
    std::string a, b;
    if (n == 2 && fields_[0] == "workload" &&
        tf::PercentDecode(fields_[1], &header_.workload)) {
      return Status::Ok();
    }
    if (n == 2 && fields_[0] == "seed" &&
        ParseNumber(fields_[1], &header_.seed)) {
      return Status::Ok();
    }
    if (n == 2 && fields_[0] == "load_events" &&
        ParseNumber(fields_[1], &header_.load_event_count)) {
      return Status::Ok();
    }
    size_t index;
    WorkloadState state;
    if (n == 4 && fields_[0] == "state" && ParseNumber(fields_[1], &index) &&
        index == header_.states.size() &&
        tf::PercentDecode(fields_[2], &state.name) &&
        tf::StateKindFromText(fields_[3], &state.kind)) {
      header_.states.push_back(std::move(state));
      return Status::Ok();
    }
    if (n == 3 && fields_[0] == "spec" && tf::PercentDecode(fields_[1], &a) &&
        tf::PercentDecode(fields_[2], &b)) {
      header_.spec_fields.emplace_back(std::move(a), std::move(b));
      return Status::Ok();
    }
    return Error("malformed header line '" + line_ + "'");
  }

  Status OpLine(TracePhase* phase, Op* op) {
    if (fields_.size() != 11) {
      return Error("an op line has 11 fields, this one " +
                   std::to_string(fields_.size()));
    }
    if (fields_[0] == "load" || fields_[0] == "run") {
      *phase = fields_[0] == "load" ? TracePhase::kLoad : TracePhase::kRun;
    } else {
      return Error("unknown phase '" + std::string(fields_[0]) + "'");
    }
    if (*phase == TracePhase::kLoad && summary_.run_ops > 0) {
      return Error("load-phase op after run-phase ops");
    }
    Result<OpType> type = OpTypeFromName(fields_[1]);
    if (!type.ok()) return Error(type.status().message());
    op->type = *type;
    uint16_t state;
    if (!ParseNumber(fields_[2], &op->event_index) ||
        !ParseNumber(fields_[3], &op->event_time_ms) ||
        !ParseNumber(fields_[4], &state) || state >= header_.states.size() ||
        !ParseNumber(fields_[10], &op->scan_limit)) {
      return Error("malformed number or state index");
    }
    op->state = state;
    if (!tf::PercentDecode(fields_[5], &op->key) ||
        !tf::PercentDecode(fields_[6], &op->ns) ||
        !tf::PercentDecode(fields_[7], &op->user_key) ||
        !tf::PercentDecode(fields_[8], &op->value) ||
        !tf::PercentDecode(fields_[9], &op->scan_to)) {
      return Error("malformed percent-encoded string");
    }
    return Status::Ok();
  }

  Status End() {
    uint64_t total, checksum;
    if (fields_.size() != 3 || !ParseNumber(fields_[1], &total) ||
        fields_[2].size() != 16 || !ParseNumber(fields_[2], &checksum, 16)) {
      return Error("malformed end line");
    }
    if (total != summary_.load_ops + summary_.run_ops) {
      return Error("end line counts " + std::to_string(total) +
                   " ops, the trace holds " +
                   std::to_string(summary_.load_ops + summary_.run_ops));
    }
    if (checksum != checksum_.value()) {
      return Error("op stream checksum mismatch");
    }
    if (ReadLine()) return Error("unexpected data after the end line");
    summary_.checksum = checksum;
    ended_ = true;
    return Status::Ok();
  }

  std::string path_;
  File file_;
  char* buf_ = nullptr;  // owned by getline(3); freed in the destructor
  size_t cap_ = 0;
  int line_no_ = 0;
  std::string line_;
  std::vector<std::string_view> fields_;
  bool ended_ = false;
};

}  // namespace

Result<std::unique_ptr<TraceReader>> TraceReader::Open(
    const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
  // writer for ever; a regular file ignores the flag.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    std::string why = std::strerror(errno);
    if (errno == ENOENT) {
      return Status::NotFound("trace file '" + path + "' not found");
    }
    return Status::IoError("cannot open trace '" + path + "': " + why);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(
        "trace '" + path +
        "' is not a regular file; a trace is read to its end, which a pipe "
        "or device may never reach: copy it to a file first");
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  File file(::fdopen(fd, "rb"));
  if (!file) {
    ::close(fd);
    return Status::IoError("cannot open trace '" + path +
                           "': " + std::strerror(errno));
  }
  char magic[8] = {};
  size_t got = std::fread(magic, 1, sizeof(magic), file.get());
  std::rewind(file.get());
  // A file cut inside the magic still reads as a truncated binary trace.
  if (got > 0 && std::memcmp(magic, tf::kMagic, got) == 0) {
    auto r = std::make_unique<BinaryTraceReader>(path, std::move(file));
    SB_RETURN_IF_ERROR(r->ReadHeader());
    return std::unique_ptr<TraceReader>(std::move(r));
  }
  if (got > 0 && magic[0] == 's') {
    auto r = std::make_unique<TextTraceReader>(path, std::move(file));
    SB_RETURN_IF_ERROR(r->ReadHeader());
    return std::unique_ptr<TraceReader>(std::move(r));
  }
  return Status::InvalidArgument(path +
                                 ": offset 0: not a statebench trace (bad "
                                 "magic)");
}

}  // namespace statebench
