#include "backends/heap/heap_state.h"

#include <algorithm>
#include <cstring>

namespace statebench {
namespace {

// A get's destination usually holds a value of the same size already;
// std::string::assign's general case (_M_replace) costs about 60
// instructions per op, the memcpy a handful. `v` never aliases *out here.
void AssignBytes(std::string* out, std::string_view v) {
  if (out->size() == v.size()) {
    if (!v.empty()) std::memcpy(out->data(), v.data(), v.size());
  } else {
    out->assign(v);
  }
}

}  // namespace

bool HeapPartition::empty() const {
  return std::all_of(tables.begin(), tables.end(),
                     [](const HeapStateTable& t) { return t.empty(); });
}

bool DecodeEntryKey(std::string_view encoded, std::string_view* key,
                    std::string_view* ns) {
  uint32_t n = 0;
  size_t i = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    if (i >= encoded.size()) return false;
    uint8_t b = static_cast<uint8_t>(encoded[i++]);
    n |= static_cast<uint32_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      if (n > encoded.size() - i) return false;
      *key = encoded.substr(i, n);
      *ns = encoded.substr(i + n);
      return true;
    }
  }
  return false;
}

HeapPin::HeapPin(std::shared_ptr<HeapPinCount> count)
    : count_(std::move(count)) {
  count_->fetch_add(1, std::memory_order_relaxed);
}

HeapPin::~HeapPin() { count_->fetch_sub(1, std::memory_order_release); }

Status ValidateStateName(std::string_view name) {
  bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
  if (ok) return Status::Ok();
  return Status::InvalidArgument("invalid state name '" + std::string(name) +
                                 "': use [A-Za-z0-9_.-]+");
}

HeapState::HeapState(int max_parallelism, KeyGroupRange key_groups)
    : max_parallelism_(max_parallelism),
      key_groups_(key_groups),
      partitions_(static_cast<size_t>(key_groups.size())),
      pins_(std::make_shared<HeapPinCount>(0)) {}

Result<StateId> HeapState::RegisterState(const StateDescriptor& desc) {
  SB_RETURN_IF_ERROR(ValidateStateName(desc.name));
  for (size_t i = 0; i < states_.size(); ++i) {
    if (states_[i].name != desc.name) continue;
    if (states_[i].kind != desc.kind) {
      return Status::InvalidArgument(
          "state '" + desc.name + "' is already registered as " +
          std::string(StateKindName(states_[i].kind)) + " state, not " +
          std::string(StateKindName(desc.kind)));
    }
    return static_cast<StateId>(i);
  }
  states_.push_back(desc);
  return static_cast<StateId>(states_.size() - 1);
}

inline Status HeapState::Check(const StateKey& k, StateKind kind) const {
  if (k.state < states_.size() && states_[k.state].kind == kind &&
      key_groups_.Contains(k.key_group)) [[likely]] {
    return Status::Ok();
  }
  return CheckFailure(k, kind);
}

Status HeapState::CheckFailure(const StateKey& k, StateKind kind) const {
  if (k.state >= states_.size()) {
    return Status::InvalidArgument("unknown state id " +
                                   std::to_string(k.state));
  }
  if (states_[k.state].kind != kind) {
    return Status::InvalidArgument(
        "state '" + states_[k.state].name + "' is " +
        std::string(StateKindName(states_[k.state].kind)) + " state, used as " +
        std::string(StateKindName(kind)));
  }
  return Status::InvalidArgument("key group " + std::to_string(k.key_group) +
                                 " is outside this instance's range " +
                                 key_groups_.ToString());
}

const HeapStateTable* HeapState::ReadTable(const StateKey& k) const {
  const HeapPartition* p = partitions_[k.key_group - key_groups_.start].get();
  return p == nullptr ? nullptr : p->Find(k.state);
}

HeapStateTable& HeapState::WriteTable(const StateKey& k) {
  std::shared_ptr<HeapPartition>& slot =
      partitions_[k.key_group - key_groups_.start];
  if (slot == nullptr) {
    slot = std::make_shared<HeapPartition>();
    slot->epoch = epoch_;
  } else if (slot->epoch != epoch_ &&
             pins_->load(std::memory_order_acquire) > 0) {
    // A live capture may be reading this partition: write to a copy.
    auto copy = std::make_shared<HeapPartition>(*slot);
    copy->epoch = epoch_;
    slot = std::move(copy);
  }
  return slot->Get(k.state);
}

// Inline in every op: out of line it cost a call and a frame per op.
[[gnu::always_inline]] inline std::string_view HeapState::EntryKey(
    const StateKey& k, size_t* hash) {
  EncodeEntryKey(k.key, k.ns, &scratch_);
  *hash = HeapKeyHash(scratch_);
  return scratch_;
}

Status HeapState::ValueGet(const StateKey& k, std::string* value, bool* found) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kValue));
  *found = false;
  const HeapStateTable* t = ReadTable(k);
  if (t == nullptr) return Status::Ok();
  size_t hash;
  std::string_view ek = EntryKey(k, &hash);
  const HeapBytesNode* n = t->values.Find(ek, hash);
  if (n == nullptr) return Status::Ok();
  AssignBytes(value, n->value());
  *found = true;
  return Status::Ok();
}

Status HeapState::ValuePut(const StateKey& k, std::string_view value) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kValue));
  HeapValueTable& values = WriteTable(k).values;
  size_t hash;
  std::string_view ek = EntryKey(k, &hash);
  const bool present = values.Update(ek, hash, [&](HeapBytesNode* n) {
    return HeapBytesNode::SetValue(n, value);
  });
  if (!present) values.Insert(HeapBytesNode::Make(ek, value), hash);
  return Status::Ok();
}

Status HeapState::ValueRemove(const StateKey& k) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kValue));
  const HeapStateTable* t = ReadTable(k);
  size_t hash;
  std::string_view ek = EntryKey(k, &hash);
  // Removing what is absent must not clone a shared partition.
  if (t == nullptr || t->values.Find(ek, hash) == nullptr) {
    return Status::Ok();
  }
  WriteTable(k).values.Erase(ek, hash);
  return Status::Ok();
}

Status HeapState::ListAppend(const StateKey& k, std::string_view value) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kList));
  HeapListTable& lists = WriteTable(k).lists;
  size_t hash;
  std::string_view ek = EntryKey(k, &hash);
  auto* n = lists.Find(ek, hash);
  if (n == nullptr)
    n = lists.Insert(HeapListTable::NodeType::Make(ek, {}), hash);
  n->value().emplace_back(value);
  return Status::Ok();
}

Status HeapState::ListGet(const StateKey& k, std::vector<std::string>* values) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kList));
  values->clear();
  const HeapStateTable* t = ReadTable(k);
  if (t == nullptr) return Status::Ok();
  size_t hash;
  std::string_view ek = EntryKey(k, &hash);
  if (const auto* n = t->lists.Find(ek, hash)) *values = n->value();
  return Status::Ok();
}

Status HeapState::ListClear(const StateKey& k) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kList));
  const HeapStateTable* t = ReadTable(k);
  size_t hash;
  std::string_view ek = EntryKey(k, &hash);
  if (t == nullptr || t->lists.Find(ek, hash) == nullptr) return Status::Ok();
  WriteTable(k).lists.Erase(ek, hash);
  return Status::Ok();
}

Status HeapState::MapPut(const StateKey& k, std::string_view user_key,
                         std::string_view value) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kMap));
  HeapMapTable& maps = WriteTable(k).maps;
  size_t hash;
  std::string_view ek = EntryKey(k, &hash);
  auto* n = maps.Find(ek, hash);
  if (n == nullptr) n = maps.Insert(HeapMapTable::NodeType::Make(ek, {}), hash);
  HeapUserMap& m = n->value();
  auto u = m.find(user_key);
  if (u != m.end()) {
    u->second.assign(value);
  } else {
    m.emplace(user_key, value);
  }
  return Status::Ok();
}

Status HeapState::MapGet(const StateKey& k, std::string_view user_key,
                         std::string* value, bool* found) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kMap));
  *found = false;
  const HeapStateTable* t = ReadTable(k);
  if (t == nullptr) return Status::Ok();
  size_t hash;
  std::string_view ek = EntryKey(k, &hash);
  const auto* n = t->maps.Find(ek, hash);
  if (n == nullptr) return Status::Ok();
  auto u = n->value().find(user_key);
  if (u == n->value().end()) return Status::Ok();
  AssignBytes(value, u->second);
  *found = true;
  return Status::Ok();
}

Status HeapState::MapRemove(const StateKey& k, std::string_view user_key) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kMap));
  const HeapStateTable* t = ReadTable(k);
  if (t == nullptr) return Status::Ok();
  size_t hash;
  std::string_view ek = EntryKey(k, &hash);
  const auto* n = t->maps.Find(ek, hash);
  if (n == nullptr || !n->value().contains(user_key)) return Status::Ok();
  HeapMapTable& maps = WriteTable(k).maps;
  HeapUserMap& m = maps.Find(ek, hash)->value();
  m.erase(m.find(user_key));
  // An empty map is no entry, so snapshots and restores never carry one.
  if (m.empty()) maps.Erase(ek, hash);
  return Status::Ok();
}

Status HeapState::MapScan(
    const StateKey& k, std::string_view from, std::string_view to, size_t limit,
    std::vector<std::pair<std::string, std::string>>* entries) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kMap));
  entries->clear();
  const HeapStateTable* t = ReadTable(k);
  if (t == nullptr) return Status::Ok();
  size_t hash;
  std::string_view ek = EntryKey(k, &hash);
  const auto* n = t->maps.Find(ek, hash);
  if (n == nullptr) return Status::Ok();
  const HeapUserMap& m = n->value();
  for (auto u = m.lower_bound(from); u != m.end(); ++u) {
    if (!to.empty() && std::string_view(u->first) >= to) break;
    if (limit != 0 && entries->size() >= limit) break;
    entries->emplace_back(u->first, u->second);
  }
  return Status::Ok();
}

HeapCapture HeapState::Capture(int64_t checkpoint_id) {
  HeapCapture c;
  c.max_parallelism = max_parallelism_;
  c.key_groups = key_groups_;
  c.checkpoint_id = checkpoint_id;
  c.states = states_;
  c.pin = std::make_unique<HeapPin>(pins_);
  c.partitions.assign(partitions_.begin(), partitions_.end());
  // From here on every existing partition is shared with `c`.
  ++epoch_;
  return c;
}

void HeapState::Replace(
    std::vector<StateDescriptor> states,
    std::vector<std::shared_ptr<HeapPartition>> partitions) {
  states_ = std::move(states);
  partitions_ = std::move(partitions);
  partitions_.resize(static_cast<size_t>(key_groups_.size()));
  for (auto& p : partitions_) {
    if (p != nullptr) p->epoch = epoch_;
  }
}

void HeapState::Clear() {
  partitions_.assign(static_cast<size_t>(key_groups_.size()), nullptr);
}

}  // namespace statebench
