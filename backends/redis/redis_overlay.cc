#include "backends/redis/redis_overlay.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace statebench {
namespace {

void AppendU32(uint32_t v, std::string* out) {
  char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8),
               static_cast<char>(v >> 16), static_cast<char>(v >> 24)};
  out->append(b, 4);
}

uint32_t ReadU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return u[0] | (u[1] << 8) | (u[2] << 16) |
         (static_cast<uint32_t>(u[3]) << 24);
}

bool ParseInt(std::string_view s, int* out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

void AppendKeyNs(std::string_view key, std::string_view ns, std::string* out) {
  uint64_t n = key.size();
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
  out->append(key);
  out->append(ns);
}

void EncodeEntryAddress(const StateKey& k, std::string* out) {
  out->clear();
  AppendU32(k.state, out);
  AppendU32(static_cast<uint32_t>(k.key_group), out);
  AppendKeyNs(k.key, k.ns, out);
}

DecodedAddress DecodeEntryAddress(std::string_view address) {
  DecodedAddress d;
  d.state = ReadU32(address.data());
  d.key_group = static_cast<int>(ReadU32(address.data() + 4));
  d.key_ns = address.substr(8);
  return d;
}

RedisKeyNames::RedisKeyNames(std::string_view job)
    : prefix_("sb:" + std::string(job) + ":") {}

std::string RedisKeyNames::ValueHash(int kg, std::string_view state) const {
  std::string s = prefix_ + std::to_string(kg) + ":";
  s.append(state);
  s += ":v";
  return s;
}

std::string RedisKeyNames::List(int kg, std::string_view state,
                                std::string_view key_ns) const {
  std::string s = prefix_ + std::to_string(kg) + ":";
  s.append(state);
  s += ":l:";
  s.append(key_ns);
  return s;
}

std::string RedisKeyNames::Map(int kg, std::string_view state,
                               std::string_view key_ns) const {
  std::string s = prefix_ + std::to_string(kg) + ":";
  s.append(state);
  s += ":m:";
  s.append(key_ns);
  return s;
}

std::string RedisKeyNames::Checkpoint(KeyGroupRange range) const {
  return prefix_ + "ckpt:" + std::to_string(range.start) + "-" +
         std::to_string(range.end);
}

std::string RedisKeyNames::Stage(KeyGroupRange range, int64_t layer_id) const {
  return prefix_ + "stage:" + std::to_string(range.start) + "-" +
         std::to_string(range.end) + ":" + std::to_string(layer_id);
}

std::string RedisKeyNames::Stages(KeyGroupRange range) const {
  return prefix_ + "stages:" + std::to_string(range.start) + "-" +
         std::to_string(range.end);
}

namespace {

// Parses "{first}-{last}" at the start of `s`, up to its end or a ':'.
bool ParseRange(std::string_view s, KeyGroupRange* r) {
  size_t dash = s.find('-');
  if (dash == std::string_view::npos) return false;
  size_t colon = s.find(':', dash);
  std::string_view last = colon == std::string_view::npos
                              ? s.substr(dash + 1)
                              : s.substr(dash + 1, colon - dash - 1);
  return ParseInt(s.substr(0, dash), &r->start) && ParseInt(last, &r->end);
}

}  // namespace

RedisKeyNames::Scanned RedisKeyNames::Classify(std::string_view key) const {
  Scanned out;
  if (!key.starts_with(prefix_)) return out;
  key.remove_prefix(prefix_.size());
  const std::pair<std::string_view, Scanned::Kind> kTags[] = {
      {"ckpt:", Scanned::kCheckpoint},
      {"stage:", Scanned::kStage},
      {"stages:", Scanned::kStage}};
  for (const auto& [tag, kind] : kTags) {
    if (key.starts_with(tag)) {
      if (ParseRange(key.substr(tag.size()), &out.range)) out.kind = kind;
      return out;
    }
  }
  size_t colon = key.find(':');
  if (colon != std::string_view::npos &&
      ParseInt(key.substr(0, colon), &out.key_group)) {
    out.kind = Scanned::kState;
  }
  return out;
}

namespace {

constexpr std::string_view kLayerMagic = "SBL1";

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
void PutBytes(std::string_view b, std::string* out) {
  PutVarint(b.size(), out);
  out->append(b);
}
void PutI64(int64_t v, std::string* out) {
  PutVarint(static_cast<uint64_t>(v) ^ 0x8000000000000000ull, out);
}

// A bounds-checked reader over a blob; any overrun sets ok = false.
struct Reader {
  std::string_view in;
  bool ok = true;
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in.empty()) break;
      auto b = static_cast<unsigned char>(in.front());
      in.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok = false;
    return 0;
  }
  std::string Bytes() {
    uint64_t n = Varint();
    if (!ok || n > in.size()) {
      ok = false;
      return {};
    }
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
  int64_t I64() {
    return static_cast<int64_t>(Varint() ^ 0x8000000000000000ull);
  }
};

}  // namespace

std::string EncodeLayer(const Layer& layer,
                        const std::vector<std::string>& state_names) {
  std::string out(kLayerMagic);
  PutI64(layer.checkpoint_id, &out);
  PutI64(layer.prev_id, &out);
  PutVarint(state_names.size(), &out);
  for (const std::string& n : state_names) PutBytes(n, &out);
  PutVarint(layer.cleared.size(), &out);
  for (const KeyGroupRange& r : layer.cleared) {
    PutI64(r.start, &out);
    PutI64(r.end, &out);
  }
  PutVarint(layer.values.size(), &out);
  for (const auto& [address, value] : layer.values) {
    PutBytes(address, &out);
    out.push_back(value.has_value() ? 1 : 0);
    if (value.has_value()) PutBytes(*value, &out);
  }
  PutVarint(layer.lists.size(), &out);
  for (const auto& [address, delta] : layer.lists) {
    PutBytes(address, &out);
    out.push_back(delta.cleared ? 1 : 0);
    PutVarint(delta.appended.size(), &out);
    for (const std::string& v : delta.appended) PutBytes(v, &out);
  }
  PutVarint(layer.maps.size(), &out);
  for (const auto& [address, delta] : layer.maps) {
    PutBytes(address, &out);
    PutVarint(delta.size(), &out);
    for (const auto& [user_key, value] : delta) {
      PutBytes(user_key, &out);
      out.push_back(value.has_value() ? 1 : 0);
      if (value.has_value()) PutBytes(*value, &out);
    }
  }
  PutVarint(layer.logical_bytes, &out);
  return out;
}

Result<Layer> DecodeLayer(std::string_view blob,
                          std::vector<std::string>* state_names) {
  if (!blob.starts_with(kLayerMagic)) {
    return Status::Corruption("redis: staged checkpoint data has no header");
  }
  Reader r{blob.substr(kLayerMagic.size())};
  Layer layer;
  layer.checkpoint_id = r.I64();
  layer.prev_id = r.I64();
  state_names->clear();
  for (uint64_t n = r.Varint(); r.ok && n > 0; --n) {
    state_names->push_back(r.Bytes());
  }
  for (uint64_t n = r.Varint(); r.ok && n > 0; --n) {
    KeyGroupRange kg;
    kg.start = static_cast<int>(r.I64());
    kg.end = static_cast<int>(r.I64());
    layer.cleared.push_back(kg);
  }
  auto valid_address = [&](const std::string& a) {
    return a.size() >= 8 && DecodeEntryAddress(a).state < state_names->size();
  };
  auto optional_bytes = [&]() -> std::optional<std::string> {
    if (r.in.empty()) {
      r.ok = false;
      return std::nullopt;
    }
    bool has = r.in.front() != 0;
    r.in.remove_prefix(1);
    if (!has) return std::nullopt;
    return r.Bytes();
  };
  for (uint64_t n = r.Varint(); r.ok && n > 0; --n) {
    std::string address = r.Bytes();
    r.ok = r.ok && valid_address(address);
    layer.values.insert_or_assign(std::move(address), optional_bytes());
  }
  for (uint64_t n = r.Varint(); r.ok && n > 0; --n) {
    std::string address = r.Bytes();
    r.ok = r.ok && valid_address(address) && !r.in.empty();
    if (!r.ok) break;
    ListDelta& d = layer.lists[address];
    d.cleared = r.in.front() != 0;
    r.in.remove_prefix(1);
    for (uint64_t m = r.Varint(); r.ok && m > 0; --m) {
      d.appended.push_back(r.Bytes());
    }
  }
  for (uint64_t n = r.Varint(); r.ok && n > 0; --n) {
    std::string address = r.Bytes();
    r.ok = r.ok && valid_address(address);
    MapDelta& d = layer.maps[address];
    for (uint64_t m = r.Varint(); r.ok && m > 0; --m) {
      std::string user_key = r.Bytes();
      d.insert_or_assign(std::move(user_key), optional_bytes());
    }
  }
  layer.logical_bytes = r.Varint();
  if (!r.ok || !r.in.empty()) {
    return Status::Corruption("redis: staged checkpoint data is malformed");
  }
  return layer;
}

bool ClearsAddress(const Layer& layer, std::string_view address) {
  if (layer.cleared.empty()) return false;
  int kg = DecodeEntryAddress(address).key_group;
  return std::any_of(layer.cleared.begin(), layer.cleared.end(),
                     [kg](const KeyGroupRange& r) { return r.Contains(kg); });
}

Probe ProbeValue(const Layer& layer, const std::string& address,
                 std::string* value) {
  auto it = layer.values.find(address);
  if (it != layer.values.end()) {
    if (!it->second.has_value()) return Probe::kAbsent;
    *value = *it->second;
    return Probe::kFound;
  }
  return ClearsAddress(layer, address) ? Probe::kAbsent : Probe::kMiss;
}

Probe ProbeMapEntry(const Layer& layer, const std::string& address,
                    std::string_view user_key, std::string* value) {
  auto it = layer.maps.find(address);
  if (it != layer.maps.end()) {
    auto e = it->second.find(std::string(user_key));
    if (e != it->second.end()) {
      if (!e->second.has_value()) return Probe::kAbsent;
      *value = *e->second;
      return Probe::kFound;
    }
  }
  return ClearsAddress(layer, address) ? Probe::kAbsent : Probe::kMiss;
}

}  // namespace statebench
