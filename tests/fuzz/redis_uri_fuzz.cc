// Fuzzes the redis:// URI parser (backends/redis/redis_uri.h). A URI that
// parses must print as a canonical URI that parses to the same fields.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "backends/redis/redis_uri.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto uri = statebench::ParseRedisUri(text);
  if (!uri.ok()) {
    if (uri.status().message().empty()) __builtin_trap();
    return 0;
  }
  (void)uri->HostPort();
  auto again = statebench::ParseRedisUri(uri->ToString());
  if (!again.ok() || again->host != uri->host || again->port != uri->port ||
      again->db != uri->db || again->user != uri->user) {
    __builtin_trap();
  }
  return 0;
}
