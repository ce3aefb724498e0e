// The redis backend's data layout and its local write overlay.
//
// Layout on the server (one job = one prefix "sb:{job}:"):
//   value state  hash   sb:{job}:{kg}:{state}:v          field enc(key,ns)
//   list state   list   sb:{job}:{kg}:{state}:l:{enc(key,ns)}   RPUSH = O(1)
//   map state    hash   sb:{job}:{kg}:{state}:m:{enc(key,ns)}   field ukey
//   checkpoint   string sb:{job}:ckpt:{first}-{last}     the applied id
//   staged layer list   sb:{job}:stage:{first}-{last}:{id}  (redis_commit.h)
//   stage index  zset   sb:{job}:stages:{first}-{last}
// enc(key,ns) = varint(|key|) key ns, so distinct (key, ns) pairs never
// collide. The key group is part of every name, so a restore at another
// parallelism simply reads the key groups it owns, and a fresh job can find
// (SCAN) and delete what an earlier run left in its range. State names, not
// ids, are used: names are stable across processes, ids are not.
//
// A Layer holds the writes made between two checkpoints ("buffered" mode):
// reads look through the active layer, then the layers handed to pending
// async commits (newest first), then the server. A layer is immutable once
// handed to a snapshot.
#ifndef STATEBENCH_BACKENDS_REDIS_REDIS_OVERLAY_H_
#define STATEBENCH_BACKENDS_REDIS_REDIS_OVERLAY_H_

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "backends/state_backend.h"
#include "base/key_groups.h"
#include "base/status.h"

namespace statebench {

// Appends varint(|key|) key ns to *out.
void AppendKeyNs(std::string_view key, std::string_view ns, std::string* out);

// The local address of an entry: state id and key group (4 bytes each,
// little endian) followed by enc(key, ns).
void EncodeEntryAddress(const StateKey& k, std::string* out);
struct DecodedAddress {
  StateId state = 0;
  int key_group = 0;
  std::string_view key_ns;  // enc(key, ns)
};
DecodedAddress DecodeEntryAddress(std::string_view address);

// Redis key names of one job.
class RedisKeyNames {
 public:
  explicit RedisKeyNames(std::string_view job);
  const std::string& prefix() const { return prefix_; }
  std::string ValueHash(int kg, std::string_view state) const;
  std::string List(int kg, std::string_view state,
                   std::string_view key_ns) const;
  std::string Map(int kg, std::string_view state,
                  std::string_view key_ns) const;
  std::string Checkpoint(KeyGroupRange range) const;
  // A staged layer (a list of blob chunks) and the sorted set indexing the
  // staged layers of one range by id.
  std::string Stage(KeyGroupRange range, int64_t layer_id) const;
  std::string Stages(KeyGroupRange range) const;

  // What a key found by SCAN is.
  struct Scanned {
    enum Kind { kState, kCheckpoint, kStage, kForeign } kind = kForeign;
    int key_group = -1;   // kState
    KeyGroupRange range;  // kCheckpoint, kStage (blobs and index)
  };
  Scanned Classify(std::string_view key) const;

 private:
  std::string prefix_;
};

struct ListDelta {
  bool cleared = false;  // the list was cleared before `appended`
  std::vector<std::string> appended;
};
using MapDelta = std::map<std::string, std::optional<std::string>>;

struct Layer {
  // The checkpoint whose sync phase sealed this layer; a commit recording
  // id >= this has applied it (commits are in id order). The active layer
  // (not sealed yet) has the maximum, so no server state counts as holding
  // it.
  int64_t checkpoint_id = std::numeric_limits<int64_t>::max();
  // The id of the layer sealed before this one (or of the checkpoint the
  // instance was restored to): staged layers form a chain that a restore
  // checks for gaps.
  int64_t prev_id = std::numeric_limits<int64_t>::min();
  // Key groups whose content on the server (and in older layers) is
  // dropped before this layer applies: a fresh job's range, or the part of
  // the range a restore did not cover.
  std::vector<KeyGroupRange> cleared;
  std::unordered_map<std::string, std::optional<std::string>> values;
  std::unordered_map<std::string, ListDelta> lists;
  std::unordered_map<std::string, MapDelta> maps;
  uint64_t logical_bytes = 0;  // bytes of the ops recorded
  uint64_t ops = 0;
};

// Serializes a sealed layer for staging on the server, with the names of
// the states its addresses refer to (ids are not stable across processes).
std::string EncodeLayer(const Layer& layer,
                        const std::vector<std::string>& state_names);
// Parses EncodeLayer's output; the layer's state ids index *state_names.
// Corruption on malformed input.
Result<Layer> DecodeLayer(std::string_view blob,
                          std::vector<std::string>* state_names);

// True when `layer` drops the older content of the address's key group.
bool ClearsAddress(const Layer& layer, std::string_view address);

// The outcome of looking an entry up in one layer.
enum class Probe { kMiss, kFound, kAbsent };

// Value and map-entry lookups through one layer.
Probe ProbeValue(const Layer& layer, const std::string& address,
                 std::string* value);
Probe ProbeMapEntry(const Layer& layer, const std::string& address,
                    std::string_view user_key, std::string* value);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_REDIS_REDIS_OVERLAY_H_
