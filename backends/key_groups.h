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

#include <bit>
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

// Java's Arrays.hashCode(byte[]) over the key's bytes as signed chars:
// h = 31 * h + b from h = 1. Computed four bytes per step
// (h * 31^4 + b0 * 31^3 + b1 * 31^2 + b2 * 31 + b3, exact in unsigned
// arithmetic), so that the dependency chain is a quarter as long: this runs
// on every op, and a long serial chain keeps the CPU from overlapping the
// state lookups of consecutive ops.
inline int32_t JavaBytesHashCode(std::string_view key) {
  auto b = [&](size_t i) {
    return static_cast<uint32_t>(
        static_cast<int32_t>(static_cast<signed char>(key[i])));
  };
  constexpr uint32_t k1 = 31u, k2 = k1 * k1, k3 = k2 * k1, k4 = k3 * k1;
  uint32_t h = 1;
  size_t i = 0;
  for (const size_t n = key.size() & ~size_t{3}; i < n; i += 4) {
    h = h * k4 + (b(i) * k3 + b(i + 1) * k2) + (b(i + 2) * k1 + b(i + 3));
  }
  for (; i < key.size(); ++i) h = h * k1 + b(i);
  return static_cast<int32_t>(h);
}

// Flink's MathUtils.murmurHash(int): a murmur3_32 round plus finaliser,
// returning a non-negative value.
inline int32_t FlinkMurmurHash(int32_t code) {
  uint32_t c = static_cast<uint32_t>(code);
  c *= 0xcc9e2d51u;
  c = std::rotl(c, 15);
  c *= 0x1b873593u;
  c = std::rotl(c, 13);
  c = c * 5u + 0xe6546b64u;
  c ^= 4u;
  c ^= c >> 16;
  c *= 0x85ebca6bu;
  c ^= c >> 13;
  c *= 0xc2b2ae35u;
  c ^= c >> 16;
  int32_t s = static_cast<int32_t>(c);
  if (s >= 0) return s;
  if (s != INT32_MIN) return -s;
  return 0;
}

// murmurHash(hashCode(key)) % max_parallelism. The murmur hash is never
// negative, so a power-of-two max parallelism (Flink's default always is
// one) takes a mask instead of a division.
inline int AssignToKeyGroup(std::string_view key, int max_parallelism) {
  const uint32_t h =
      static_cast<uint32_t>(FlinkMurmurHash(JavaBytesHashCode(key)));
  const uint32_t m = static_cast<uint32_t>(max_parallelism);
  return static_cast<int>((m & (m - 1)) == 0 ? h & (m - 1) : h % m);
}

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
