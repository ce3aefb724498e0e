// Open-addressing hash tables for the heap backends' entries. Internal to
// backends/.
//
// A lookup in std::unordered_map<std::string, std::string> touches the
// bucket array, the node before the bucket's first node, the node, the key's
// heap buffer and the value's heap buffer: five cache lines scattered over
// the heap. Here a lookup touches one slot (node address and hash tag,
// linear probing) and one node that holds the key bytes and, for value
// state, the value bytes too. The heap backends' ops cost tens of
// nanoseconds, so these misses are most of what they measure.
#ifndef STATEBENCH_BACKENDS_HEAP_HEAP_TABLE_H_
#define STATEBENCH_BACKENDS_HEAP_HEAP_TABLE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
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

// a == b, without a call to memcmp for keys of 8 to 32 bytes (two to four
// overlapping 8-byte words each).
inline bool HeapSameKey(std::string_view a, std::string_view b) {
  using heap_table_internal::Load64;
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  if (n >= 8 && n <= 32) {
    uint64_t diff =
        (Load64(p) ^ Load64(q)) | (Load64(p + n - 8) ^ Load64(q + n - 8));
    if (n > 16) {
      diff |= (Load64(p + 8) ^ Load64(q + 8)) |
              (Load64(p + n - 16) ^ Load64(q + n - 16));
    }
    return diff == 0;
  }
  return n == 0 || std::memcmp(p, q, n) == 0;
}

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

struct HeapKeyHasher {
  size_t operator()(std::string_view key) const { return HeapKeyHash(key); }
};

// The index of a table: 8-byte slots with linear probing and backward-shift
// deletion, at most 7/8 full. A slot holds the node's address in its low 48
// bits and the top 16 bits of the key's hash above them, so most probes
// that do not match never touch a node, and the slot array stays small
// enough to stay in cache: with 16-byte slots at most 3/4 full, loading the
// slot took over a third of a get's time (perf). Owns its nodes. `Node`
// provides:
//   std::string_view key() const;
//   static Node* Clone(const Node&);   // a deep copy
//   static void Destroy(Node*);
// `hash` arguments are Hasher{}(key). Copying an index copies every node
// (the heap backends' copy-on-write clones a key group's tables).
//
// Assumes user-space addresses below 2^48, which Linux gives on x86-64 and
// AArch64 unless a program asks mmap for higher ones; Insert aborts
// otherwise rather than corrupt the table.
template <typename Node, typename Hasher = HeapKeyHasher>
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

  // The node with `key`, or null.
  Node* Find(std::string_view key, size_t hash) const {
    const size_t i = Locate(key, hash);
    return i == kAbsent ? nullptr : NodeOf(slots_[i]);
  }

  // Calls f(Node*) on `key`'s node; f returns the node that takes its place
  // (itself when it changed in place). False when `key` is absent.
  template <typename F>
  bool Update(std::string_view key, size_t hash, F&& f) {
    const size_t i = Locate(key, hash);
    if (i == kAbsent) return false;
    slots_[i] = Pack(f(NodeOf(slots_[i])), hash);
    return true;
  }

  // Takes ownership of `node`, whose key must be absent; returns it.
  Node* Insert(Node* node, size_t hash) {
    if ((size_ + 1) * 8 > Capacity() * 7) {
      Rehash(std::max<size_t>(16, Capacity() * 2));
    }
    Place(Pack(node, hash), hash);
    ++size_;
    return node;
  }

  // Unlinks and destroys `key`'s node; false when absent.
  bool Erase(std::string_view key, size_t hash) {
    size_t i = Locate(key, hash);
    if (i == kAbsent) return false;
    Node::Destroy(NodeOf(slots_[i]));
    --size_;
    // Backward shift: move later entries of the probe run into the hole
    // unless that would put them before their home slot.
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j] == 0) break;
      const size_t home = Hasher{}(NodeOf(slots_[j])->key()) & mask_;
      const bool stays =
          i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = 0;
    return true;
  }

  // Room for `n` entries without a rehash.
  void Reserve(size_t n) {
    size_t cap = 16;
    while (n * 8 > cap * 7) cap *= 2;
    if (cap > Capacity()) Rehash(cap);
  }

  // Same keys with equal values.
  friend bool operator==(const HeapIndex& a, const HeapIndex& b) {
    if (a.size_ != b.size_) return false;
    for (const Node& n : a) {
      const Node* m = b.Find(n.key(), Hasher{}(n.key()));
      if (m == nullptr || !(m->value() == n.value())) return false;
    }
    return true;
  }

 private:
  using Slot = uint64_t;  // 0 = empty
  static constexpr int kTagShift = 48;
  static constexpr Slot kAddressMask = (Slot{1} << kTagShift) - 1;
  static constexpr size_t kAbsent = ~size_t{0};

  static Node* NodeOf(Slot s) {
    return reinterpret_cast<Node*>(static_cast<uintptr_t>(s & kAddressMask));
  }
  static Slot Pack(Node* node, size_t hash) {
    const auto address = static_cast<Slot>(reinterpret_cast<uintptr_t>(node));
    if ((address & ~kAddressMask) != 0) std::abort();  // see the class comment
    return address | (static_cast<Slot>(hash) & ~kAddressMask);
  }

 public:
  // Visits the nodes in slot order (no particular key order).
  class const_iterator {
   public:
    const Node& operator*() const { return *NodeOf(*slot_); }
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
      while (slot_ != end_ && *slot_ == 0) ++slot_;
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

  // The slot index holding `key`, or kAbsent.
  size_t Locate(std::string_view key, size_t hash) const {
    if (size_ == 0) return kAbsent;
    const Slot tag = static_cast<Slot>(hash) & ~kAddressMask;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot s = slots_[i];
      if (s == 0) return kAbsent;
      if ((s & ~kAddressMask) == tag && HeapSameKey(NodeOf(s)->key(), key)) {
        return i;
      }
    }
  }

  void Place(Slot slot, size_t hash) {
    size_t i = hash & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = slot;
  }

  void Rehash(size_t capacity) {
    std::unique_ptr<Slot[]> old = std::move(slots_);
    const size_t old_capacity = old == nullptr ? 0 : mask_ + 1;
    slots_ = std::make_unique<Slot[]>(capacity);  // zeroed: all empty
    mask_ = capacity - 1;
    for (size_t i = 0; i < old_capacity; ++i) {
      if (old[i] != 0) Place(old[i], Hasher{}(NodeOf(old[i])->key()));
    }
  }

  void CopyFrom(const HeapIndex& other) {
    if (other.slots_ == nullptr) return;
    slots_ = std::make_unique<Slot[]>(other.Capacity());
    mask_ = other.mask_;
    for (size_t i = 0; i < other.Capacity(); ++i) {
      const Slot s = other.slots_[i];
      if (s == 0) continue;
      Node* copy = Node::Clone(*NodeOf(s));
      slots_[i] = Pack(copy, s);  // the same tag
      ++size_;  // counted as copied, so a throwing Clone leaks nothing
    }
  }

  void DestroyAll() {
    for (size_t i = 0; i < Capacity(); ++i) {
      if (slots_[i] != 0) Node::Destroy(NodeOf(slots_[i]));
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

  // Sets n's value; returns n, or the node that replaces it (n destroyed)
  // when the value outgrows n.
  [[nodiscard]] static HeapBytesNode* SetValue(HeapBytesNode* n,
                                               std::string_view value) {
    if (value.size() <= n->value_capacity_) {
      if (!value.empty()) {
        std::memmove(n->Bytes() + n->key_size_, value.data(), value.size());
      }
      n->value_size_ = static_cast<uint32_t>(value.size());
      return n;
    }
    HeapBytesNode* grown = Make(n->key(), value);
    Destroy(n);
    return grown;
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

#endif  // STATEBENCH_BACKENDS_HEAP_HEAP_TABLE_H_
