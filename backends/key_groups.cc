#include "backends/key_groups.h"

#include <algorithm>
#include <bit>

namespace statebench {

KeyGroupRange KeyGroupRange::Intersect(const KeyGroupRange& other) const {
  return {std::max(start, other.start), std::min(end, other.end)};
}

std::string KeyGroupRange::ToString() const {
  return "[" + std::to_string(start) + ", " + std::to_string(end) + "]";
}

int32_t JavaBytesHashCode(std::string_view key) {
  // Java ints wrap on overflow; do the arithmetic unsigned to keep it defined.
  uint32_t h = 1;
  for (char c : key) {
    h = 31u * h + static_cast<uint32_t>(
                      static_cast<int32_t>(static_cast<signed char>(c)));
  }
  return static_cast<int32_t>(h);
}

int32_t FlinkMurmurHash(int32_t code) {
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

int AssignToKeyGroup(std::string_view key, int max_parallelism) {
  return FlinkMurmurHash(JavaBytesHashCode(key)) % max_parallelism;
}

int OperatorIndexForKeyGroup(int max_parallelism, int parallelism,
                             int key_group) {
  return static_cast<int>(static_cast<int64_t>(key_group) * parallelism /
                          max_parallelism);
}

KeyGroupRange KeyGroupRangeForSubtask(int max_parallelism, int parallelism,
                                      int index) {
  int64_t m = max_parallelism, p = parallelism, i = index;
  return {static_cast<int>((i * m + p - 1) / p),
          static_cast<int>(((i + 1) * m - 1) / p)};
}

int DefaultMaxParallelism(int parallelism) {
  uint32_t wanted = static_cast<uint32_t>(parallelism + parallelism / 2);
  uint32_t pow2 = std::bit_ceil(std::max(wanted, 1u));
  return static_cast<int>(std::min<uint32_t>(
      std::max<uint32_t>(pow2, kDefaultLowerBoundMaxParallelism),
      kUpperBoundMaxParallelism));
}

}  // namespace statebench
