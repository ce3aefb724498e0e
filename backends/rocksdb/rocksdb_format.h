// Byte formats of the rocksdb backend: RocksDB keys, list values, checksums.
//
// Internal to backends/ (and its tests). All functions are pure and
// thread-safe unless stated.
//
// Key layout, as in Flink's RocksDB backend:
//   key-group prefix   1 byte when max parallelism <= 128, else 2 bytes,
//                      big-endian, so that keys sort by key group first
//   varint(len) key
//   varint(len) namespace
//   user key           map state only, raw and last, so that the entries of
//                      one (key, namespace) sort by user key and share the
//                      preceding bytes as a prefix
// The length prefixes make the encoding unambiguous: a RocksDB key starting
// with EncodeStateKey(kg, key, ns) belongs to exactly that (kg, key, ns).
//
// List values are a concatenation of elements, each varint(len) + bytes, so
// that appending is a concatenation (see NewListAppendMergeOperator) and any
// byte string, including "" and strings with NULs, is an element.
#ifndef STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_FORMAT_H_
#define STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_FORMAT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace rocksdb {
class MergeOperator;
}  // namespace rocksdb

namespace statebench {

// LEB128 unsigned varint.
void AppendVarint(uint64_t v, std::string* out);
// Reads a varint from the front of *in and advances it; false if truncated
// or longer than 10 bytes.
bool ReadVarint(std::string_view* in, uint64_t* v);
// Reads varint(len) + bytes from the front of *in; false if truncated.
bool ReadLengthPrefixed(std::string_view* in, std::string_view* out);

void AppendFixed32(uint32_t v, std::string* out);  // little-endian
void AppendFixed64(uint64_t v, std::string* out);  // little-endian
uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);

// Appends the key-group prefix (`prefix_bytes` = KeyGroupPrefixBytes(M)).
void AppendKeyGroupPrefix(int prefix_bytes, int key_group, std::string* out);
// The key group encoded at the front of `encoded`; -1 if too short.
int DecodeKeyGroupPrefix(int prefix_bytes, std::string_view encoded);

// Replaces *out with prefix + varint(len) key + varint(len) ns. Reuses the
// capacity of *out, so a caller-owned buffer makes this allocation-free.
void EncodeStateKey(int prefix_bytes, int key_group, std::string_view key,
                    std::string_view ns, std::string* out);

struct DecodedStateKey {
  int key_group = 0;
  std::string_view key;
  std::string_view ns;
  std::string_view user_key;  // whatever follows the namespace
};
// Views into `encoded`. False if malformed.
bool DecodeStateKey(int prefix_bytes, std::string_view encoded,
                    DecodedStateKey* out);

// The smallest string greater than every string starting with `prefix`;
// false when none exists (prefix is empty or all 0xff).
bool PrefixSuccessor(std::string_view prefix, std::string* out);

// Appends one list element: varint(len) + bytes.
void AppendListElement(std::string_view element, std::string* out);
// Decodes a list value into *values (replacing it). Corruption if malformed.
Status DecodeListValue(std::string_view encoded,
                       std::vector<std::string>* values);

// A merge operator whose operands are encoded list elements (or runs of
// them) and whose merge is concatenation: binary-safe list append.
// Stateless and thread-safe, as RocksDB requires.
std::shared_ptr<rocksdb::MergeOperator> NewListAppendMergeOperator();

// CRC-32C (Castagnoli). Extend(crc, data) continues a running checksum;
// Crc32c(data) == Crc32cExtend(0, data). Uses SSE4.2 when the CPU has it.
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_ROCKSDB_ROCKSDB_FORMAT_H_
