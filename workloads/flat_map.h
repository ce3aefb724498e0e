// An open-addressing hash map for operator bookkeeping (internal to
// workloads/).
//
// Operators look up per-key state once per event; with std::unordered_map
// that is a chain of cache misses (bucket, node, payload) that dominated
// window generation. Here a lookup is one probe sequence in one array:
// linear probing, power-of-two capacity, load factor at most 1/2, and
// backward-shift deletion (no tombstones).
//
// Traits supply `static K Empty()` (a key value never stored) and
// `static uint64_t Hash(const K&)`. Pointers returned by Find/Insert are
// invalidated by the next Insert or Erase. Not thread-safe.
#ifndef STATEBENCH_WORKLOADS_FLAT_MAP_H_
#define STATEBENCH_WORKLOADS_FLAT_MAP_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "workloads/distributions.h"

namespace statebench {

template <typename K, typename V, typename Traits>
class FlatMap {
 public:
  FlatMap() : slots_(16), mask_(15) {}

  V* Find(const K& key) {
    for (size_t i = Traits::Hash(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i].value;
      if (slots_[i].key == Traits::Empty()) return nullptr;
    }
  }

  // The value of `key`, inserted default-constructed if absent; `second`
  // tells whether it was inserted.
  std::pair<V*, bool> TryInsert(const K& key) {
    if (V* v = Find(key)) return {v, false};
    if (2 * (size_ + 1) > slots_.size()) Grow();
    size_t i = Traits::Hash(key) & mask_;
    while (slots_[i].key != Traits::Empty()) i = (i + 1) & mask_;
    slots_[i].key = key;
    slots_[i].value = V();
    ++size_;
    return {&slots_[i].value, true};
  }
  V& operator[](const K& key) { return *TryInsert(key).first; }

  bool Erase(const K& key) {
    size_t i = Traits::Hash(key) & mask_;
    while (!(slots_[i].key == key)) {
      if (slots_[i].key == Traits::Empty()) return false;
      i = (i + 1) & mask_;
    }
    // Shift later members of the probe run back into the hole.
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].key == Traits::Empty()) break;
      size_t home = Traits::Hash(slots_[j].key) & mask_;
      // Move j into the hole unless its home lies cyclically in (i, j].
      bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i].key = slots_[j].key;
      slots_[i].value = std::move(slots_[j].value);
      i = j;
    }
    slots_[i].key = Traits::Empty();
    slots_[i].value = V();
    --size_;
    return true;
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    K key = Traits::Empty();
    V value{};
  };

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (Slot& s : old) {
      if (s.key == Traits::Empty()) continue;
      size_t i = Traits::Hash(s.key) & mask_;
      while (slots_[i].key != Traits::Empty()) i = (i + 1) & mask_;
      slots_[i].key = s.key;
      slots_[i].value = std::move(s.value);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_;
  size_t size_ = 0;
};

// Traits for key ids (UINT64_MAX is never a key id).
struct IdTraits {
  static uint64_t Empty() { return UINT64_MAX; }
  static uint64_t Hash(uint64_t id) { return Mix64(id); }
};

// A (key id, window start) pair.
struct KeyWindow {
  uint64_t key_id;
  int64_t start;
  bool operator==(const KeyWindow&) const = default;
};

struct KeyWindowTraits {
  static KeyWindow Empty() { return {UINT64_MAX, 0}; }
  static uint64_t Hash(const KeyWindow& k) {
    return Mix64(k.key_id ^ Mix64(static_cast<uint64_t>(k.start)));
  }
};

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_FLAT_MAP_H_
