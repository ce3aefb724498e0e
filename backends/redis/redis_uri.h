// Parsing of redis:// URIs (Debian's hiredis 0.14 has no URI parser).
//
// Grammar: redis://[user@]host[:port][/db]
//   host  a DNS name, an IPv4 address, or an IPv6 address in brackets
//   port  1-65535, default 6379
//   db    a non-negative database index, default 0
// The user may be percent-encoded (%XX).
//
// Refused, with InvalidArgument:
// - rediss:// (TLS): hiredis 0.14 cannot do TLS, and falling back to
//   plaintext would silently expose the data and the password.
// - a password inside the URI (redis://user:secret@host): URIs travel on
//   command lines, in config files and in results, so a password there
//   leaks. Use the password_file or password_env option. The error message
//   shows the URI with the password replaced by "***".
// Other errors name the 0-based position in the URI of what is wrong.
//
// Pure functions; thread-safe.
#ifndef STATEBENCH_BACKENDS_REDIS_REDIS_URI_H_
#define STATEBENCH_BACKENDS_REDIS_REDIS_URI_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace statebench {

struct RedisUri {
  std::string host;  // without brackets
  int port = 6379;
  int db = 0;
  std::string user;  // empty: Redis's default user

  // "host:port", with brackets around an IPv6 host.
  std::string HostPort() const;
  // The canonical URI, e.g. "redis://app@[::1]:6380/2", the user
  // percent-encoded where needed (never a password:
  // the parser refuses URIs holding one).
  std::string ToString() const;
};

Result<RedisUri> ParseRedisUri(std::string_view uri);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_REDIS_REDIS_URI_H_
