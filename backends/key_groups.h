// Key groups: Flink's unit of state distribution and rescaling.
//
// These functions reproduce Flink's KeyGroupRangeAssignment so that a key
// lands in the same key group, and a key group on the same subtask, as it
// would in a Flink job with the same max parallelism. Keys are byte strings;
// their "hashCode" is Java's Arrays.hashCode(byte[]) over signed bytes, the
// hash Flink would see for a byte[]-like key wrapper.
//
// All functions are pure and thread-safe.
#ifndef STATEBENCH_BACKENDS_KEY_GROUPS_H_
#define STATEBENCH_BACKENDS_KEY_GROUPS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace statebench {

inline constexpr int kDefaultLowerBoundMaxParallelism = 128;
inline constexpr int kUpperBoundMaxParallelism = 32768;

// An inclusive range [start, end] of key groups. An empty range has end <
// start.
struct KeyGroupRange {
  int start = 0;
  int end = -1;

  static KeyGroupRange Of(int start, int end) { return {start, end}; }
  bool empty() const { return end < start; }
  int size() const { return empty() ? 0 : end - start + 1; }
  bool Contains(int key_group) const {
    return key_group >= start && key_group <= end;
  }
  // The overlap of two ranges (possibly empty).
  KeyGroupRange Intersect(const KeyGroupRange& other) const;
  bool operator==(const KeyGroupRange&) const = default;
  std::string ToString() const;  // "[start, end]"
};

// Java's Arrays.hashCode(byte[]) over the key's bytes as signed chars.
int32_t JavaBytesHashCode(std::string_view key);

// Flink's MathUtils.murmurHash(int): a murmur3_32 round plus finaliser,
// returning a non-negative value.
int32_t FlinkMurmurHash(int32_t code);

// murmurHash(hashCode(key)) % max_parallelism.
int AssignToKeyGroup(std::string_view key, int max_parallelism);

// The subtask that owns `key_group`: key_group * parallelism / max_parallelism.
int OperatorIndexForKeyGroup(int max_parallelism, int parallelism,
                             int key_group);

// Key groups owned by subtask `index` of `parallelism`:
// [ceil(index * M / p), floor(((index + 1) * M - 1) / p)].
KeyGroupRange KeyGroupRangeForSubtask(int max_parallelism, int parallelism,
                                      int index);

// Flink's default: min(max(roundUpPow2(p + p / 2), 128), 32768).
int DefaultMaxParallelism(int parallelism);

// Bytes of the key-group prefix in RocksDB keys: 1 when M <= 128, else 2.
inline int KeyGroupPrefixBytes(int max_parallelism) {
  return max_parallelism > 128 ? 2 : 1;
}

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_KEY_GROUPS_H_
