// Encoding helpers of the trace formats (see trace.h for the layout).
// Internal to workloads/.
#ifndef STATEBENCH_WORKLOADS_TRACE_FORMAT_H_
#define STATEBENCH_WORKLOADS_TRACE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "workloads/op.h"
#include "workloads/trace.h"

namespace statebench {
namespace trace_format {

inline constexpr char kMagic[8] = {'S', 'B', 'T', 'R', 'A', 'C', 'E', '\0'};
inline constexpr uint32_t kVersion = 1;
inline constexpr std::string_view kTextMagic = "statebench-trace 1";
inline constexpr size_t kBlockTarget = 64 * 1024;
// Sanity bound on one block's payload (a block holds at least one op, and
// a value may be up to 64 MiB).
inline constexpr uint32_t kMaxBlockPayload = 256u << 20;
inline constexpr size_t kBlockHeaderBytes = 14;  // u8 u8 u32 u32 u32
inline constexpr char kOpsBlock = 'B';
inline constexpr char kEndBlock = 'E';

inline constexpr uint8_t kHasNs = 1;
inline constexpr uint8_t kHasUserKey = 2;
inline constexpr uint8_t kHasValue = 4;
inline constexpr uint8_t kHasScanTo = 8;
inline constexpr uint8_t kHasScanLimit = 16;
inline constexpr uint8_t kSameKey = 32;
inline constexpr uint8_t kAllFlags = 63;

uint32_t Crc32c(std::string_view data);

void PutFixed32(uint32_t v, std::string* out);
void PutFixed64(uint64_t v, std::string* out);
uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);
void PutVarint(uint64_t v, std::string* out);
void PutString(std::string_view s, std::string* out);
inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Reads from the front of a buffer, remembering how far it got (for error
// offsets). Failed reads leave ok() false.
class Cursor {
 public:
  explicit Cursor(std::string_view data) : data_(data) {}
  bool Varint(uint64_t* v);
  bool String(std::string* s);
  bool Byte(uint8_t* b);
  size_t consumed() const { return pos_; }
  bool done() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

std::string EncodeHeader(const TraceHeader& header);
// Empty string on success, else what is wrong.
std::string DecodeHeader(std::string_view payload, TraceHeader* header);
// "" when every string of the header (workload, state names, spec fields)
// is UTF-8 of at most kMaxInputStringBytes, else what is wrong: they end up
// in the JSON results of a replay.
std::string CheckHeaderStrings(const TraceHeader& header);

// Appends one op, delta-encoded against *prev_* (updated).
void EncodeOp(const Op& op, std::string* prev_key, uint64_t* prev_event,
              int64_t* prev_time, std::string* out);
// Decodes one op, delta-decoded against *prev_* (updated). Empty string on
// success, else what is wrong.
std::string DecodeOp(Cursor* in, size_t state_count, std::string* prev_key,
                     uint64_t* prev_event, int64_t* prev_time, Op* op);

std::string PercentEncode(std::string_view s);
bool PercentDecode(std::string_view s, std::string* out);

std::string_view StateKindText(WorkloadStateKind kind);
bool StateKindFromText(std::string_view text, WorkloadStateKind* kind);

}  // namespace trace_format
}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_TRACE_FORMAT_H_
