#include "backends/rocksdb/rocksdb_format.h"

#include <rocksdb/merge_operator.h>
#include <rocksdb/slice.h>

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace statebench {

void AppendVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool ReadVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0, i = 0; i < 10 && static_cast<size_t>(i) < in->size();
       ++i, shift += 7) {
    auto byte = static_cast<uint8_t>((*in)[i]);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      in->remove_prefix(i + 1);
      *v = result;
      return true;
    }
  }
  return false;
}

bool ReadLengthPrefixed(std::string_view* in, std::string_view* out) {
  uint64_t len = 0;
  if (!ReadVarint(in, &len) || len > in->size()) return false;
  *out = in->substr(0, len);
  in->remove_prefix(len);
  return true;
}

void AppendFixed32(uint32_t v, std::string* out) {
  char buf[4];
  for (int i = 0; i < 4; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 4);
}

void AppendFixed64(uint64_t v, std::string* out) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out->append(buf, 8);
}

uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

void AppendKeyGroupPrefix(int prefix_bytes, int key_group, std::string* out) {
  if (prefix_bytes == 2) out->push_back(static_cast<char>(key_group >> 8));
  out->push_back(static_cast<char>(key_group & 0xff));
}

int DecodeKeyGroupPrefix(int prefix_bytes, std::string_view encoded) {
  if (encoded.size() < static_cast<size_t>(prefix_bytes)) return -1;
  int kg = static_cast<uint8_t>(encoded[0]);
  if (prefix_bytes == 2) kg = (kg << 8) | static_cast<uint8_t>(encoded[1]);
  return kg;
}

void EncodeStateKey(int prefix_bytes, int key_group, std::string_view key,
                    std::string_view ns, std::string* out) {
  out->clear();
  AppendKeyGroupPrefix(prefix_bytes, key_group, out);
  AppendVarint(key.size(), out);
  out->append(key);
  AppendVarint(ns.size(), out);
  out->append(ns);
}

bool DecodeStateKey(int prefix_bytes, std::string_view encoded,
                    DecodedStateKey* out) {
  int kg = DecodeKeyGroupPrefix(prefix_bytes, encoded);
  if (kg < 0) return false;
  encoded.remove_prefix(prefix_bytes);
  if (!ReadLengthPrefixed(&encoded, &out->key)) return false;
  if (!ReadLengthPrefixed(&encoded, &out->ns)) return false;
  out->key_group = kg;
  out->user_key = encoded;
  return true;
}

bool PrefixSuccessor(std::string_view prefix, std::string* out) {
  out->assign(prefix);
  while (!out->empty()) {
    auto last = static_cast<uint8_t>(out->back());
    if (last != 0xff) {
      out->back() = static_cast<char>(last + 1);
      return true;
    }
    out->pop_back();
  }
  return false;
}

void AppendListElement(std::string_view element, std::string* out) {
  AppendVarint(element.size(), out);
  out->append(element);
}

Status DecodeListValue(std::string_view encoded,
                       std::vector<std::string>* values) {
  values->clear();
  while (!encoded.empty()) {
    std::string_view element;
    if (!ReadLengthPrefixed(&encoded, &element)) {
      return Status::Corruption("malformed list value: element " +
                                std::to_string(values->size()) +
                                " is truncated");
    }
    values->emplace_back(element);
  }
  return Status::Ok();
}

namespace {

// Every operand is already a run of encoded elements, so full and partial
// merges are the same concatenation; implementing PartialMergeMulti lets
// RocksDB collapse long operand chains in compactions without a base value.
class ListAppendMergeOperator final : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in,
                   MergeOperationOutput* out) const override {
    size_t total = in.existing_value ? in.existing_value->size() : 0;
    for (const rocksdb::Slice& op : in.operand_list) total += op.size();
    out->new_value.clear();
    out->new_value.reserve(total);
    if (in.existing_value) {
      out->new_value.append(in.existing_value->data(),
                            in.existing_value->size());
    }
    for (const rocksdb::Slice& op : in.operand_list) {
      out->new_value.append(op.data(), op.size());
    }
    return true;
  }

  bool PartialMergeMulti(const rocksdb::Slice& /*key*/,
                         const std::deque<rocksdb::Slice>& operands,
                         std::string* new_value,
                         rocksdb::Logger* /*logger*/) const override {
    size_t total = 0;
    for (const rocksdb::Slice& op : operands) total += op.size();
    new_value->clear();
    new_value->reserve(total);
    for (const rocksdb::Slice& op : operands) {
      new_value->append(op.data(), op.size());
    }
    return true;
  }

  const char* Name() const override { return "statebench.ListAppend"; }
};

constexpr uint32_t kCastagnoliReflected = 0x82f63b78u;

std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) {
      c = (c & 1) ? (c >> 1) ^ kCastagnoliReflected : c >> 1;
    }
    table[i] = c;
  }
  return table;
}

uint32_t Crc32cSoftware(uint32_t c, const char* p, size_t n) {
  static const std::array<uint32_t, 256> kTable = MakeCrcTable();
  for (size_t i = 0; i < n; ++i) {
    c = kTable[(c ^ static_cast<uint8_t>(p[i])) & 0xff] ^ (c >> 8);
  }
  return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t c,
                                                          const char* p,
                                                          size_t n) {
  uint64_t c64 = c;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c64 = _mm_crc32_u64(c64, word);
    p += 8;
    n -= 8;
  }
  c = static_cast<uint32_t>(c64);
  while (n > 0) {
    c = _mm_crc32_u8(c, static_cast<uint8_t>(*p++));
    --n;
  }
  return c;
}
#endif

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewListAppendMergeOperator() {
  return std::make_shared<ListAppendMergeOperator>();
}

uint32_t Crc32cExtend(uint32_t crc, std::string_view data) {
  uint32_t c = ~crc;
#if defined(__x86_64__)
  static const bool kHaveSse42 = __builtin_cpu_supports("sse4.2");
  if (kHaveSse42) return ~Crc32cHardware(c, data.data(), data.size());
#endif
  return ~Crc32cSoftware(c, data.data(), data.size());
}

}  // namespace statebench
