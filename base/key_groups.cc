#include "base/key_groups.h"

#include <algorithm>
#include <bit>

namespace statebench {

KeyGroupRange KeyGroupRange::Intersect(const KeyGroupRange& other) const {
  return {std::max(start, other.start), std::min(end, other.end)};
}

std::string KeyGroupRange::ToString() const {
  // Appended piece by piece: GCC 12's -Wrestrict misreads
  // `"[" + std::to_string(...)` at -O2 (a false positive in libstdc++).
  std::string s = "[";
  s += std::to_string(start);
  s += ", ";
  s += std::to_string(end);
  s += ']';
  return s;
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
