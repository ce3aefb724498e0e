#include "backends/redis_overlay.h"

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

int RedisKeyNames::ClassifyScannedKey(std::string_view key,
                                      KeyGroupRange* ckpt_range) const {
  if (!key.starts_with(prefix_)) return -2;
  key.remove_prefix(prefix_.size());
  if (key.starts_with("ckpt:")) {
    key.remove_prefix(5);
    size_t dash = key.find('-');
    if (dash == std::string_view::npos ||
        !ParseInt(key.substr(0, dash), &ckpt_range->start) ||
        !ParseInt(key.substr(dash + 1), &ckpt_range->end)) {
      return -2;
    }
    return -1;
  }
  size_t colon = key.find(':');
  int kg = 0;
  if (colon == std::string_view::npos || !ParseInt(key.substr(0, colon), &kg)) {
    return -2;
  }
  return kg;
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
