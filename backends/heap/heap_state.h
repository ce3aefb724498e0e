// Heap keyed state shared by the memory and fs backends (Flink's
// HashMapStateBackend). Internal to backends/.
//
// State lives in one partition per key group of the instance's range, so that
// a snapshot and a restore work per key group and copy-on-write happens at
// key-group granularity: Capture() (the sync phase) copies one shared_ptr per
// key group; a later write to a partition that a live capture may still read
// clones that partition first. Entries are addressed by an encoded
// (key, namespace) string (EncodeEntryKey) so that lookups reuse one scratch
// buffer and never allocate; the tables are open-addressing (heap_table.h).
#ifndef STATEBENCH_BACKENDS_HEAP_HEAP_STATE_H_
#define STATEBENCH_BACKENDS_HEAP_HEAP_STATE_H_

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/heap/heap_table.h"
#include "backends/state_backend.h"
#include "base/key_groups.h"
#include "base/status.h"

namespace statebench {

// std::less on std::string compares with memcmp: bytewise unsigned order,
// which is what MapScan promises.
using HeapUserMap = std::map<std::string, std::string, std::less<>>;

using HeapValueTable = HeapIndex<HeapBytesNode>;
using HeapListTable = HeapIndex<HeapObjectNode<std::vector<std::string>>>;
using HeapMapTable = HeapIndex<HeapObjectNode<HeapUserMap>>;

// The entries of one state in one key group, keyed by EncodeEntryKey. Only
// the table of the state's kind is used.
struct HeapStateTable {
  HeapValueTable values;
  HeapListTable lists;
  HeapMapTable maps;

  bool empty() const { return values.empty() && lists.empty() && maps.empty(); }
};

// All state of one key group. `tables` is indexed by StateId and may be
// shorter than the number of registered states (absent = empty).
struct HeapPartition {
  // The sync epoch of the HeapState when this copy was made; a partition
  // whose epoch equals the current epoch was made after the latest capture
  // and is therefore not shared with any capture.
  uint64_t epoch = 0;
  std::vector<HeapStateTable> tables;

  const HeapStateTable* Find(StateId id) const {
    return id < tables.size() ? &tables[id] : nullptr;
  }
  HeapStateTable& Get(StateId id) {
    if (id >= tables.size()) tables.resize(id + 1);
    return tables[id];
  }
  bool empty() const;
};

// (key, namespace) as one string: varint32(len(key)) key ns. Replaces *out.
// Inline and without push_back: it runs once per op.
inline void EncodeEntryKey(std::string_view key, std::string_view ns,
                           std::string* out) {
  char varint[5];
  size_t v = 0;
  uint32_t n = static_cast<uint32_t>(key.size());
  while (n >= 0x80) {
    varint[v++] = static_cast<char>(n | 0x80);
    n >>= 7;
  }
  varint[v++] = static_cast<char>(n);
  out->resize(v + key.size() + ns.size());
  char* d = out->data();
  std::memcpy(d, varint, v);
  if (!key.empty()) std::memcpy(d + v, key.data(), key.size());
  if (!ns.empty()) std::memcpy(d + v + key.size(), ns.data(), ns.size());
}
// Inverse of EncodeEntryKey; false when `encoded` is malformed.
bool DecodeEntryKey(std::string_view encoded, std::string_view* key,
                    std::string_view* ns);

// Counts captures that may still read shared partitions. Held through a
// shared_ptr so that a capture may outlive its HeapState.
using HeapPinCount = std::atomic<int64_t>;

// Keeps a capture's partitions from being written in place. The release
// decrement pairs with the acquire load in HeapState's write path: once the
// count reads zero, every read a capture made happened before.
class HeapPin {
 public:
  explicit HeapPin(std::shared_ptr<HeapPinCount> count);
  ~HeapPin();
  HeapPin(const HeapPin&) = delete;
  HeapPin& operator=(const HeapPin&) = delete;

 private:
  std::shared_ptr<HeapPinCount> count_;
};

// An immutable view of a HeapState at one Capture(). Safe to read from any
// thread while the HeapState keeps changing. Movable, not copyable.
struct HeapCapture {
  int max_parallelism = 0;
  KeyGroupRange key_groups;  // the instance's range
  int64_t checkpoint_id = 0;
  std::vector<StateDescriptor> states;  // index = StateId
  // Declared before `partitions` so that it is released after them.
  std::unique_ptr<HeapPin> pin;
  // Index = key group - key_groups.start; null = empty key group.
  std::vector<std::shared_ptr<const HeapPartition>> partitions;

  const HeapPartition* Partition(int key_group) const {
    return partitions[key_group - key_groups.start].get();
  }
};

// Validates a state name against [A-Za-z0-9_.-]+.
Status ValidateStateName(std::string_view name);

// The heap store of one backend instance.
//
// Thread safety: every method is called from the subtask thread only.
// Captures it returns may be read on other threads concurrently with state
// ops. Failure: ops return InvalidArgument for an unknown state id, a state
// of another kind or a key group outside the range; nothing else fails.
class HeapState {
 public:
  HeapState(int max_parallelism, KeyGroupRange key_groups);
  HeapState(const HeapState&) = delete;
  HeapState& operator=(const HeapState&) = delete;

  int max_parallelism() const { return max_parallelism_; }
  KeyGroupRange key_groups() const { return key_groups_; }
  const std::vector<StateDescriptor>& states() const { return states_; }

  Result<StateId> RegisterState(const StateDescriptor& desc);

  Status ValueGet(const StateKey& k, std::string* value, bool* found);
  Status ValuePut(const StateKey& k, std::string_view value);
  Status ValueRemove(const StateKey& k);
  Status ListAppend(const StateKey& k, std::string_view value);
  Status ListGet(const StateKey& k, std::vector<std::string>* values);
  Status ListClear(const StateKey& k);
  Status MapPut(const StateKey& k, std::string_view user_key,
                std::string_view value);
  Status MapGet(const StateKey& k, std::string_view user_key,
                std::string* value, bool* found);
  Status MapRemove(const StateKey& k, std::string_view user_key);
  Status MapScan(const StateKey& k, std::string_view from, std::string_view to,
                 size_t limit,
                 std::vector<std::pair<std::string, std::string>>* entries);

  // The sync phase: O(number of key groups). Writes after this call clone
  // the partitions they touch while the capture (its pin) is alive.
  HeapCapture Capture(int64_t checkpoint_id);

  // Replaces states and partitions (restore). `partitions` is indexed by key
  // group - key_groups().start and has key_groups().size() elements; null =
  // empty. `states` must extend the current states (same prefix).
  void Replace(std::vector<StateDescriptor> states,
               std::vector<std::shared_ptr<HeapPartition>> partitions);
  // Drops all entries; registered states stay.
  void Clear();

 private:
  Status Check(const StateKey& k, StateKind kind) const;
  Status CheckFailure(const StateKey& k, StateKind kind) const;
  // The partition for reading; null when the key group is empty.
  const HeapStateTable* ReadTable(const StateKey& k) const;
  // The partition for writing, cloned first if a capture may share it.
  HeapStateTable& WriteTable(const StateKey& k);
  // k's encoded entry key (in scratch_, valid until the next call) and its
  // HeapKeyHash.
  std::string_view EntryKey(const StateKey& k, size_t* hash);

  const int max_parallelism_;
  const KeyGroupRange key_groups_;
  std::vector<StateDescriptor> states_;
  std::vector<std::shared_ptr<HeapPartition>> partitions_;
  std::shared_ptr<HeapPinCount> pins_;
  uint64_t epoch_ = 1;
  std::string scratch_;  // reused for encoded entry keys
};

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_HEAP_HEAP_STATE_H_
