#include "workloads/trace_format.h"

#include <array>
#include <cstring>

#include "base/text_check.h"
#include "workloads/distributions.h"

namespace statebench {
namespace {

uint64_t HashBytes(std::string_view s, uint64_t seed) {
  constexpr uint64_t kMul = 0x9fb21c651e98df25ull;
  uint64_t acc = seed ^ (s.size() * kMul);
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    acc = (acc ^ w) * kMul;
    acc ^= acc >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  acc = (acc ^ tail) * kMul;
  return Mix64(acc);
}

}  // namespace

void OpStreamChecksum::Add(const Op& op) {
  uint64_t h = Mix64(static_cast<uint64_t>(op.type) |
                     (static_cast<uint64_t>(op.state) << 8) |
                     (static_cast<uint64_t>(op.scan_limit) << 32));
  h ^= Mix64(op.event_index + 0x1111);
  h ^= Mix64(static_cast<uint64_t>(op.event_time_ms) + 0x2222);
  h += HashBytes(op.key, 1);
  h += HashBytes(op.ns, 2) * 3;
  h += HashBytes(op.user_key, 3) * 5;
  h += HashBytes(op.value, 4) * 7;
  h += HashBytes(op.scan_to, 5) * 11;
  state_ = Mix64(state_ ^ h) + ++count_;
}

namespace trace_format {

namespace {

#if defined(__x86_64__)
// SSE4.2's crc32 instruction computes CRC-32C eight bytes at a time: the
// table version made checksumming most of the cost of replaying a trace.
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(
    std::string_view data) {
  uint64_t crc = 0xFFFFFFFFu;
  const char* p = data.data();
  size_t n = data.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    crc = __builtin_ia32_crc32di(crc, w);
  }
  auto c = static_cast<uint32_t>(crc);
  for (; n > 0; ++p, --n) {
    c = __builtin_ia32_crc32qi(c, static_cast<unsigned char>(*p));
  }
  return c ^ 0xFFFFFFFFu;
}
#endif

uint32_t Crc32cTable(std::string_view data) {
  static const std::array<uint32_t, 256> kTable = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0x82F63B78u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : data) crc = kTable[(crc ^ b) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

}  // namespace

uint32_t Crc32c(std::string_view data) {
#if defined(__x86_64__)
  static const bool kHardware = __builtin_cpu_supports("sse4.2");
  if (kHardware) return Crc32cHardware(data);
#endif
  return Crc32cTable(data);
}

void PutFixed32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void PutFixed64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutString(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

bool Cursor::Varint(uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
    auto b = static_cast<unsigned char>(data_[pos_++]);
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

bool Cursor::String(std::string* s) {
  uint64_t n;
  if (!Varint(&n) || n > data_.size() - pos_) return false;
  s->assign(data_.data() + pos_, n);
  pos_ += n;
  return true;
}

bool Cursor::Byte(uint8_t* b) {
  if (pos_ >= data_.size()) return false;
  *b = static_cast<uint8_t>(data_[pos_++]);
  return true;
}

std::string EncodeHeader(const TraceHeader& h) {
  std::string out;
  PutString(h.workload, &out);
  PutVarint(h.seed, &out);
  PutVarint(h.load_event_count, &out);
  PutVarint(h.states.size(), &out);
  for (const WorkloadState& s : h.states) {
    PutString(s.name, &out);
    out.push_back(static_cast<char>(s.kind));
  }
  PutVarint(h.spec_fields.size(), &out);
  for (const auto& [name, value] : h.spec_fields) {
    PutString(name, &out);
    PutString(value, &out);
  }
  return out;
}

std::string DecodeHeader(std::string_view payload, TraceHeader* h) {
  Cursor c(payload);
  uint64_t states, fields;
  if (!c.String(&h->workload) || !c.Varint(&h->seed) ||
      !c.Varint(&h->load_event_count) || !c.Varint(&states) || states > 65536) {
    return "malformed header";
  }
  h->states.clear();
  for (uint64_t i = 0; i < states; ++i) {
    WorkloadState s;
    uint8_t kind;
    if (!c.String(&s.name) || !c.Byte(&kind) || kind > 2) {
      return "malformed state list in header";
    }
    s.kind = static_cast<WorkloadStateKind>(kind);
    h->states.push_back(std::move(s));
  }
  if (!c.Varint(&fields) || fields > 65536) return "malformed header";
  h->spec_fields.clear();
  for (uint64_t i = 0; i < fields; ++i) {
    std::string name, value;
    if (!c.String(&name) || !c.String(&value)) {
      return "malformed spec fields in header";
    }
    h->spec_fields.emplace_back(std::move(name), std::move(value));
  }
  if (!c.done()) return "unexpected bytes at the end of the header";
  return CheckHeaderStrings(*h);
}

std::string CheckHeaderStrings(const TraceHeader& h) {
  auto bad = [](std::string_view what, std::string_view s) -> std::string {
    if (s.size() > kMaxInputStringBytes) {
      return "header " + std::string(what) + " is " + std::to_string(s.size()) +
             " bytes long; at most " + std::to_string(kMaxInputStringBytes);
    }
    if (FirstInvalidUtf8(s)) {
      return "header " + std::string(what) + " is not valid UTF-8";
    }
    return "";
  };
  std::string problem = bad("workload name", h.workload);
  for (const WorkloadState& s : h.states) {
    if (problem.empty()) problem = bad("state name", s.name);
  }
  for (const auto& [name, value] : h.spec_fields) {
    if (problem.empty()) problem = bad("spec field name", name);
    if (problem.empty()) problem = bad("spec field value", value);
  }
  return problem;
}

void EncodeOp(const Op& op, std::string* prev_key, uint64_t* prev_event,
              int64_t* prev_time, std::string* out) {
  uint8_t flags = (op.ns.empty() ? 0 : kHasNs) |
                  (op.user_key.empty() ? 0 : kHasUserKey) |
                  (op.value.empty() ? 0 : kHasValue) |
                  (op.scan_to.empty() ? 0 : kHasScanTo) |
                  (op.scan_limit == 0 ? 0 : kHasScanLimit) |
                  (op.key == *prev_key ? kSameKey : 0);
  out->push_back(static_cast<char>(op.type));
  out->push_back(static_cast<char>(flags));
  PutVarint(op.state, out);
  PutVarint(ZigZag(static_cast<int64_t>(op.event_index - *prev_event)), out);
  PutVarint(ZigZag(op.event_time_ms - *prev_time), out);
  if (!(flags & kSameKey)) PutString(op.key, out);
  if (flags & kHasNs) PutString(op.ns, out);
  if (flags & kHasUserKey) PutString(op.user_key, out);
  if (flags & kHasValue) PutString(op.value, out);
  if (flags & kHasScanTo) PutString(op.scan_to, out);
  if (flags & kHasScanLimit) PutVarint(op.scan_limit, out);
  *prev_key = op.key;
  *prev_event = op.event_index;
  *prev_time = op.event_time_ms;
}

std::string DecodeOp(Cursor* in, size_t state_count, std::string* prev_key,
                     uint64_t* prev_event, int64_t* prev_time, Op* op) {
  uint8_t type, flags;
  uint64_t state, event_delta, time_delta, limit = 0;
  if (!in->Byte(&type) || !in->Byte(&flags) || !in->Varint(&state) ||
      !in->Varint(&event_delta) || !in->Varint(&time_delta)) {
    return "truncated op";
  }
  if (type >= kOpTypeCount) return "unknown op type " + std::to_string(type);
  if (flags & ~kAllFlags) return "unknown op flags " + std::to_string(flags);
  if (state >= state_count)
    return "state index " + std::to_string(state) + " out of range";
  bool ok = true;
  if (flags & kSameKey) {
    op->key = *prev_key;
  } else {
    ok = in->String(&op->key);
    *prev_key = op->key;
  }
  if (flags & kHasNs)
    ok = ok && in->String(&op->ns);
  else
    op->ns.clear();
  if (flags & kHasUserKey)
    ok = ok && in->String(&op->user_key);
  else
    op->user_key.clear();
  if (flags & kHasValue)
    ok = ok && in->String(&op->value);
  else
    op->value.clear();
  if (flags & kHasScanTo)
    ok = ok && in->String(&op->scan_to);
  else
    op->scan_to.clear();
  if (flags & kHasScanLimit) ok = ok && in->Varint(&limit);
  if (!ok || limit > UINT32_MAX) return "truncated or malformed op fields";
  op->type = static_cast<OpType>(type);
  op->state = static_cast<uint16_t>(state);
  op->event_index = *prev_event + static_cast<uint64_t>(UnZigZag(event_delta));
  op->event_time_ms = *prev_time + UnZigZag(time_delta);
  op->scan_limit = static_cast<uint32_t>(limit);
  *prev_event = op->event_index;
  *prev_time = op->event_time_ms;
  return "";
}

std::string PercentEncode(std::string_view s) {
  if (s.empty()) return "-";
  if (s == "-") return "%2D";
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c > ' ' && c <= '~' && c != '%') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

bool PercentDecode(std::string_view s, std::string* out) {
  out->clear();
  if (s == "-") return true;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out->push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return false;
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return !s.empty();
}

std::string_view StateKindText(WorkloadStateKind kind) {
  switch (kind) {
    case WorkloadStateKind::kValue:
      return "value";
    case WorkloadStateKind::kList:
      return "list";
    case WorkloadStateKind::kMap:
      return "map";
  }
  return "value";
}

bool StateKindFromText(std::string_view text, WorkloadStateKind* kind) {
  for (auto k : {WorkloadStateKind::kValue, WorkloadStateKind::kList,
                 WorkloadStateKind::kMap}) {
    if (StateKindText(k) == text) {
      *kind = k;
      return true;
    }
  }
  return false;
}

}  // namespace trace_format
}  // namespace statebench
