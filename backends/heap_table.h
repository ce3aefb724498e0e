// Open-addressing hash tables for the heap backends' entries. Internal to
// backends/.
//
// A lookup in std::unordered_map<std::string, std::string> touches the
// bucket array, the node before the bucket's first node, the node, the key's
// heap buffer and the value's heap buffer: five cache lines scattered over
// the heap. Here a lookup touches one slot (hash and node pointer, linear
// probing) and one node that holds the key bytes and, for value state, the
// value bytes too. The heap backends' ops cost tens of nanoseconds, so these
// misses are most of what they measure.
#ifndef STATEBENCH_BACKENDS_HEAP_TABLE_H_
#define STATEBENCH_BACKENDS_HEAP_TABLE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string_view>
#include <utility>

namespace statebench {

namespace heap_table_internal {
inline uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint64_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
// The 128-bit product of a and b, its halves xor-ed: every input bit reaches
// every output bit in one multiply.
inline uint64_t Fold(uint64_t a, uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
inline constexpr uint64_t kMix0 = 0x9e3779b97f4a7c15ull;
inline constexpr uint64_t kMix1 = 0xc2b2ae3d27d4eb4full;
inline constexpr uint64_t kMix2 = 0x165667b19e3779f9ull;
}  // namespace heap_table_internal

// The tables' hash of an entry key. Inline and a few dozen instructions for
// short keys: std::hash's out-of-line byte loop cost as much as the rest of
// a lookup, and the instructions between two lookups decide how many of
// their cache misses the CPU overlaps.
inline size_t HeapKeyHash(std::string_view key) {
  using namespace heap_table_internal;
  const char* p = key.data();
  const size_t n = key.size();
  uint64_t seed = kMix0 ^ n;
  uint64_t a = 0, b = 0;
  if (n <= 16) {
    if (n >= 8) {
      a = Load64(p);
      b = Load64(p + n - 8);
    } else if (n >= 4) {
      a = Load32(p);
      b = Load32(p + n - 4);
    } else if (n > 0) {
      a = static_cast<uint64_t>(static_cast<unsigned char>(p[0])) << 16 |
          static_cast<uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
          static_cast<unsigned char>(p[n - 1]);
    }
  } else {
    for (size_t i = 0; n - i > 16; i += 16) {
      seed = Fold(Load64(p + i) ^ kMix1, Load64(p + i + 8) ^ seed);
    }
    a = Load64(p + n - 16);
    b = Load64(p + n - 8);
  }
  return Fold(kMix2 ^ n, Fold(a ^ kMix1, b ^ seed));
}

// The index of a table: slots of (hash, node) with linear probing and
// backward-shift deletion, at most 3/4 full. Owns its nodes. `Node`
// provides:
//   std::string_view key() const;
//   static Node* Clone(const Node&);   // a deep copy
//   static void Destroy(Node*);
// Copying an index copies every node (the heap backends' copy-on-write
// clones a key group's tables).
template <typename Node>
class HeapIndex {
 public:
  using NodeType = Node;

  HeapIndex() = default;
  HeapIndex(const HeapIndex& other) { CopyFrom(other); }
  HeapIndex(HeapIndex&& other) noexcept { Swap(other); }
  HeapIndex& operator=(const HeapIndex& other) {
    if (this != &other) {
      HeapIndex copy(other);
      Swap(copy);
    }
    return *this;
  }
  HeapIndex& operator=(HeapIndex&& other) noexcept {
    HeapIndex moved(std::move(other));
    Swap(moved);
    return *this;
  }
  ~HeapIndex() { DestroyAll(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // The node with `key` (whose HeapKeyHash is `hash`), or null.
  Node* Find(std::string_view key, size_t hash) const {
    if (size_ == 0) return nullptr;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.node == nullptr) return nullptr;
      if (s.hash == hash && s.node->key() == key) return s.node;
    }
  }

  // The slot holding `key`'s node, for replacing the node; null when absent.
  Node** FindSlot(std::string_view key, size_t hash) {
    if (size_ == 0) return nullptr;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.node == nullptr) return nullptr;
      if (s.hash == hash && s.node->key() == key) return &s.node;
    }
  }

  // Takes ownership of `node`, whose key must be absent; returns it.
  Node* Insert(Node* node, size_t hash) {
    if ((size_ + 1) * 4 > Capacity() * 3) {
      Rehash(std::max<size_t>(16, Capacity() * 2));
    }
    Place(node, hash);
    ++size_;
    return node;
  }

  // Unlinks and destroys `key`'s node; false when absent.
  bool Erase(std::string_view key, size_t hash) {
    if (size_ == 0) return false;
    size_t i = hash & mask_;
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].node == nullptr) return false;
      if (slots_[i].hash == hash && slots_[i].node->key() == key) break;
    }
    Node::Destroy(slots_[i].node);
    --size_;
    // Backward shift: move later entries of the probe run into the hole
    // unless that would put them before their home slot.
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].node == nullptr) break;
      const size_t home = slots_[j].hash & mask_;
      const bool stays =
          i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = Slot{};
    return true;
  }

  // Room for `n` entries without a rehash.
  void Reserve(size_t n) {
    size_t cap = 16;
    while (n * 4 > cap * 3) cap *= 2;
    if (cap > Capacity()) Rehash(cap);
  }

  // Same keys (under the same hashes) with equal values.
  friend bool operator==(const HeapIndex& a, const HeapIndex& b) {
    if (a.size_ != b.size_) return false;
    for (size_t i = 0; i < a.Capacity(); ++i) {
      const Slot& s = a.slots_[i];
      if (s.node == nullptr) continue;
      const Node* m = b.Find(s.node->key(), s.hash);
      if (m == nullptr || !(m->value() == s.node->value())) return false;
    }
    return true;
  }

 private:
  struct Slot {
    size_t hash = 0;
    Node* node = nullptr;
  };

 public:
  // Visits the nodes in slot order (no particular key order).
  class const_iterator {
   public:
    const Node& operator*() const { return *slot_->node; }
    const_iterator& operator++() {
      ++slot_;
      SkipEmpty();
      return *this;
    }
    bool operator==(const const_iterator& o) const { return slot_ == o.slot_; }

   private:
    friend class HeapIndex;
    const_iterator(const Slot* slot, const Slot* end) : slot_(slot), end_(end) {
      SkipEmpty();
    }
    void SkipEmpty() {
      while (slot_ != end_ && slot_->node == nullptr) ++slot_;
    }
    const Slot* slot_;
    const Slot* end_;
  };
  const_iterator begin() const {
    return const_iterator(slots_.get(), slots_.get() + Capacity());
  }
  const_iterator end() const {
    return const_iterator(slots_.get() + Capacity(), slots_.get() + Capacity());
  }

 private:
  size_t Capacity() const { return slots_ == nullptr ? 0 : mask_ + 1; }

  void Place(Node* node, size_t hash) {
    size_t i = hash & mask_;
    while (slots_[i].node != nullptr) i = (i + 1) & mask_;
    slots_[i] = Slot{hash, node};
  }

  void Rehash(size_t capacity) {
    std::unique_ptr<Slot[]> old = std::move(slots_);
    const size_t old_capacity = old == nullptr ? 0 : mask_ + 1;
    slots_ = std::make_unique<Slot[]>(capacity);
    mask_ = capacity - 1;
    for (size_t i = 0; i < old_capacity; ++i) {
      if (old[i].node != nullptr) Place(old[i].node, old[i].hash);
    }
  }

  void CopyFrom(const HeapIndex& other) {
    if (other.slots_ == nullptr) return;
    slots_ = std::make_unique<Slot[]>(other.Capacity());
    mask_ = other.mask_;
    for (size_t i = 0; i < other.Capacity(); ++i) {
      const Slot& s = other.slots_[i];
      if (s.node == nullptr) continue;
      slots_[i] = Slot{s.hash, Node::Clone(*s.node)};
      ++size_;  // counted as copied, so a throwing Clone leaks nothing
    }
  }

  void DestroyAll() {
    for (size_t i = 0; i < Capacity(); ++i) {
      if (slots_[i].node != nullptr) Node::Destroy(slots_[i].node);
    }
    slots_.reset();
    size_ = 0;
  }

  void Swap(HeapIndex& other) noexcept {
    std::swap(slots_, other.slots_);
    std::swap(mask_, other.mask_);
    std::swap(size_, other.size_);
  }

  std::unique_ptr<Slot[]> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// A value-state entry in one allocation: header, key bytes, value bytes.
class HeapBytesNode {
 public:
  std::string_view key() const { return {Bytes(), key_size_}; }
  std::string_view value() const { return {Bytes() + key_size_, value_size_}; }

  static HeapBytesNode* Make(std::string_view key, std::string_view value) {
    auto* n = Allocate(key.size(), value.size());
    std::memcpy(n->Bytes(), key.data(), key.size());
    if (!value.empty()) {
      std::memcpy(n->Bytes() + key.size(), value.data(), value.size());
    }
    return n;
  }
  static HeapBytesNode* Clone(const HeapBytesNode& n) {
    return Make(n.key(), n.value());
  }
  static void Destroy(HeapBytesNode* n) { ::operator delete(n); }

  // Sets *slot's value, replacing the node when the value outgrows it.
  static void SetValue(HeapBytesNode** slot, std::string_view value) {
    HeapBytesNode* n = *slot;
    if (value.size() <= n->value_capacity_) {
      if (!value.empty()) {
        std::memmove(n->Bytes() + n->key_size_, value.data(), value.size());
      }
      n->value_size_ = static_cast<uint32_t>(value.size());
      return;
    }
    *slot = Make(n->key(), value);
    Destroy(n);
  }

 private:
  HeapBytesNode() = default;
  static HeapBytesNode* Allocate(size_t key_size, size_t value_size) {
    void* p = ::operator new(sizeof(HeapBytesNode) + key_size + value_size);
    auto* n = new (p) HeapBytesNode();
    n->key_size_ = static_cast<uint32_t>(key_size);
    n->value_size_ = static_cast<uint32_t>(value_size);
    n->value_capacity_ = static_cast<uint32_t>(value_size);
    return n;
  }
  char* Bytes() { return reinterpret_cast<char*>(this + 1); }
  const char* Bytes() const { return reinterpret_cast<const char*>(this + 1); }

  uint32_t key_size_ = 0;
  uint32_t value_size_ = 0;
  uint32_t value_capacity_ = 0;
};

// A list- or map-state entry: the object, then the key bytes.
template <typename V>
class HeapObjectNode {
 public:
  std::string_view key() const { return {Bytes(), key_size_}; }
  V& value() { return value_; }
  const V& value() const { return value_; }

  static HeapObjectNode* Make(std::string_view key, V value) {
    void* p = ::operator new(sizeof(HeapObjectNode) + key.size());
    auto* n = new (p) HeapObjectNode(key.size(), std::move(value));
    std::memcpy(n->Bytes(), key.data(), key.size());
    return n;
  }
  static HeapObjectNode* Clone(const HeapObjectNode& n) {
    return Make(n.key(), n.value_);
  }
  static void Destroy(HeapObjectNode* n) {
    n->~HeapObjectNode();
    ::operator delete(n);
  }

 private:
  HeapObjectNode(size_t key_size, V value)
      : key_size_(static_cast<uint32_t>(key_size)), value_(std::move(value)) {}
  char* Bytes() { return reinterpret_cast<char*>(this + 1); }
  const char* Bytes() const { return reinterpret_cast<const char*>(this + 1); }

  uint32_t key_size_;
  V value_;
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_HEAP_TABLE_H_
