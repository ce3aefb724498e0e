// Key groups: Flink's unit of state distribution and rescaling.
//
// These functions reproduce Flink's KeyGroupRangeAssignment so that a key
// lands in the same key group, and a key group on the same subtask, as it
// would in a Flink job with the same max parallelism. Keys are byte strings;
// their "hashCode" is Java's Arrays.hashCode(byte[]) over signed bytes, the
// hash Flink would see for a byte[]-like key wrapper.
//
// All functions are pure and thread-safe.
#ifndef STATEBENCH_BASE_KEY_GROUPS_H_
#define STATEBENCH_BASE_KEY_GROUPS_H_

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

namespace key_groups_internal {
// 31^(15-j) mod 2^32 as lo + hi * 2^16 with lo and hi signed 16-bit, so that
// SSE2's pmaddwd (signed 16 x 16 -> 32 bits, pairs summed) multiplies a
// 16-byte block by them; and 31^16 mod 2^32.
struct PowersOf31 {
  alignas(16) int16_t lo[16];
  alignas(16) int16_t hi[16];
  uint32_t pow16;
};
constexpr PowersOf31 MakePowersOf31() {
  PowersOf31 t{};
  uint32_t p = 1;
  for (int j = 15; j >= 0; --j) {
    const int32_t lo = static_cast<int16_t>(static_cast<uint16_t>(p & 0xffffu));
    const uint32_t hi = (p - static_cast<uint32_t>(lo)) >> 16;
    t.lo[j] = static_cast<int16_t>(lo);
    t.hi[j] = static_cast<int16_t>(static_cast<uint16_t>(hi & 0xffffu));
    p *= 31u;
  }
  t.pow16 = p;
  return t;
}
inline constexpr PowersOf31 kPowersOf31 = MakePowersOf31();

#if defined(__SSE2__)
// sum of s[j] * 31^(15-j) mod 2^32 over one 16-byte block (signed bytes).
inline uint32_t HashBlock16(const char* s) {
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
  const __m128i sign = _mm_cmpgt_epi8(_mm_setzero_si128(), b);
  const __m128i b0 = _mm_unpacklo_epi8(b, sign);  // bytes 0..7 as int16
  const __m128i b1 = _mm_unpackhi_epi8(b, sign);  // bytes 8..15
  const auto* lo = reinterpret_cast<const __m128i*>(kPowersOf31.lo);
  const auto* hi = reinterpret_cast<const __m128i*>(kPowersOf31.hi);
  const __m128i sum_lo =
      _mm_add_epi32(_mm_madd_epi16(b0, _mm_load_si128(lo)),
                    _mm_madd_epi16(b1, _mm_load_si128(lo + 1)));
  const __m128i sum_hi =
      _mm_add_epi32(_mm_madd_epi16(b0, _mm_load_si128(hi)),
                    _mm_madd_epi16(b1, _mm_load_si128(hi + 1)));
  __m128i s4 = _mm_add_epi32(sum_lo, _mm_slli_epi32(sum_hi, 16));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
  return static_cast<uint32_t>(_mm_cvtsi128_si32(s4));
}
#endif
}  // namespace key_groups_internal

// Java's Arrays.hashCode(byte[]) over the key's bytes as signed chars:
// h = 31 * h + b from h = 1, i.e. 31^n + sum of b[i] * 31^(n-1-i), mod 2^32.
// Computed 16 bytes per step where SSE2 exists (every x86-64), the rest
// byte by byte: this runs on every op, and the byte-serial loop's
// instructions crowd the CPU's window, so that it overlaps fewer state
// lookups of consecutive ops (an unordered_map get loop runs at about half
// speed with the scalar hash in it, at 0.8x with this one).
inline int32_t JavaBytesHashCode(std::string_view key) {
  uint32_t h = 1;
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= key.size(); i += 16) {
    h = h * key_groups_internal::kPowersOf31.pow16 +
        key_groups_internal::HashBlock16(key.data() + i);
  }
#endif
  for (; i < key.size(); ++i) {
    h = h * 31u + static_cast<uint32_t>(
                      static_cast<int32_t>(static_cast<signed char>(key[i])));
  }
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

#endif  // STATEBENCH_BASE_KEY_GROUPS_H_
