#include "backends/heap_state.h"

#include <algorithm>

namespace statebench {

bool HeapPartition::empty() const {
  return std::all_of(tables.begin(), tables.end(),
                     [](const HeapStateTable& t) { return t.empty(); });
}

void EncodeEntryKey(std::string_view key, std::string_view ns,
                    std::string* out) {
  out->clear();
  uint32_t n = static_cast<uint32_t>(key.size());
  while (n >= 0x80) {
    out->push_back(static_cast<char>(n | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
  out->append(key);
  out->append(ns);
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

const std::string& HeapState::EntryKey(const StateKey& k) {
  EncodeEntryKey(k.key, k.ns, &scratch_);
  return scratch_;
}

Status HeapState::ValueGet(const StateKey& k, std::string* value, bool* found) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kValue));
  *found = false;
  const HeapStateTable* t = ReadTable(k);
  if (t == nullptr) return Status::Ok();
  auto it = t->values.find(std::string_view(EntryKey(k)));
  if (it == t->values.end()) return Status::Ok();
  value->assign(it->second);
  *found = true;
  return Status::Ok();
}

Status HeapState::ValuePut(const StateKey& k, std::string_view value) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kValue));
  HeapHashMap<std::string>& values = WriteTable(k).values;
  const std::string& ek = EntryKey(k);
  auto it = values.find(std::string_view(ek));
  if (it != values.end()) {
    it->second.assign(value);
  } else {
    values.emplace(ek, value);
  }
  return Status::Ok();
}

Status HeapState::ValueRemove(const StateKey& k) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kValue));
  const HeapStateTable* t = ReadTable(k);
  // Removing what is absent must not clone a shared partition.
  if (t == nullptr || !t->values.contains(std::string_view(EntryKey(k)))) {
    return Status::Ok();
  }
  HeapHashMap<std::string>& values = WriteTable(k).values;
  values.erase(values.find(std::string_view(EntryKey(k))));
  return Status::Ok();
}

Status HeapState::ListAppend(const StateKey& k, std::string_view value) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kList));
  HeapHashMap<std::vector<std::string>>& lists = WriteTable(k).lists;
  const std::string& ek = EntryKey(k);
  auto it = lists.find(std::string_view(ek));
  if (it == lists.end())
    it = lists.emplace(ek, std::vector<std::string>()).first;
  it->second.emplace_back(value);
  return Status::Ok();
}

Status HeapState::ListGet(const StateKey& k, std::vector<std::string>* values) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kList));
  values->clear();
  const HeapStateTable* t = ReadTable(k);
  if (t == nullptr) return Status::Ok();
  auto it = t->lists.find(std::string_view(EntryKey(k)));
  if (it != t->lists.end()) *values = it->second;
  return Status::Ok();
}

Status HeapState::ListClear(const StateKey& k) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kList));
  const HeapStateTable* t = ReadTable(k);
  if (t == nullptr || !t->lists.contains(std::string_view(EntryKey(k)))) {
    return Status::Ok();
  }
  auto& lists = WriteTable(k).lists;
  lists.erase(lists.find(std::string_view(EntryKey(k))));
  return Status::Ok();
}

Status HeapState::MapPut(const StateKey& k, std::string_view user_key,
                         std::string_view value) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kMap));
  HeapHashMap<HeapUserMap>& maps = WriteTable(k).maps;
  const std::string& ek = EntryKey(k);
  auto it = maps.find(std::string_view(ek));
  if (it == maps.end()) it = maps.emplace(ek, HeapUserMap()).first;
  HeapUserMap& m = it->second;
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
  auto it = t->maps.find(std::string_view(EntryKey(k)));
  if (it == t->maps.end()) return Status::Ok();
  auto u = it->second.find(user_key);
  if (u == it->second.end()) return Status::Ok();
  value->assign(u->second);
  *found = true;
  return Status::Ok();
}

Status HeapState::MapRemove(const StateKey& k, std::string_view user_key) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kMap));
  const HeapStateTable* t = ReadTable(k);
  if (t == nullptr) return Status::Ok();
  auto it = t->maps.find(std::string_view(EntryKey(k)));
  if (it == t->maps.end() || !it->second.contains(user_key)) {
    return Status::Ok();
  }
  auto& maps = WriteTable(k).maps;
  auto wit = maps.find(std::string_view(EntryKey(k)));
  wit->second.erase(wit->second.find(user_key));
  // An empty map is no entry, so snapshots and restores never carry one.
  if (wit->second.empty()) maps.erase(wit);
  return Status::Ok();
}

Status HeapState::MapScan(
    const StateKey& k, std::string_view from, std::string_view to, size_t limit,
    std::vector<std::pair<std::string, std::string>>* entries) {
  SB_RETURN_IF_ERROR(Check(k, StateKind::kMap));
  entries->clear();
  const HeapStateTable* t = ReadTable(k);
  if (t == nullptr) return Status::Ok();
  auto it = t->maps.find(std::string_view(EntryKey(k)));
  if (it == t->maps.end()) return Status::Ok();
  const HeapUserMap& m = it->second;
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
