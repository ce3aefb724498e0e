#include "backends/redis/redis_uri.h"

#include <charconv>

#include "backends/server/server_common.h"

namespace statebench {
namespace {

Status Bad(std::string_view uri, size_t pos, std::string_view what) {
  return Status::InvalidArgument("redis URI '" + std::string(uri) +
                                 "': " + std::string(what) + " at position " +
                                 std::to_string(pos));
}

bool IsHostnameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool IsIpv6Char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F') || c == ':' || c == '.' || c == '%';
}

bool IsUserChar(char c) {
  return IsHostnameChar(c) || c == '~' || c == '%' || c == '+' || c == '!' ||
         c == '$' || c == '*' || c == '=';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses a decimal in [min, max] spanning all of `text`.
bool ParseNumber(std::string_view text, long min, long max, int* out) {
  long v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      v < min || v > max) {
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

Result<std::string> DecodeUser(std::string_view uri, size_t start,
                               std::string_view user) {
  std::string out;
  for (size_t i = 0; i < user.size(); ++i) {
    char c = user[i];
    if (!IsUserChar(c)) return Bad(uri, start + i, "invalid character in user");
    if (c != '%') {
      out += c;
      continue;
    }
    int hi = i + 1 < user.size() ? HexValue(user[i + 1]) : -1;
    int lo = i + 2 < user.size() ? HexValue(user[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Bad(uri, start + i, "bad percent-encoding in user");
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// The user as it may appear in a URI: bytes other than the unescaped user
// characters (and '%' itself) as %XX, so that ToString parses back.
std::string EncodeUser(std::string_view user) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : user) {
    if (IsUserChar(c) && c != '%') {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

// The bracketed IPv6 host at uri[pos] == '[' (an optional zone id after
// '%'); returns where a ':' before the port may sit.
Result<size_t> ParseIpv6Host(std::string_view uri, size_t pos,
                             size_t authority_end, std::string* out) {
  size_t close = uri.find(']', pos);
  if (close == std::string_view::npos || close > authority_end) {
    return Bad(uri, pos, "unterminated IPv6 address (missing ']')");
  }
  std::string_view host = uri.substr(pos + 1, close - pos - 1);
  if (host.empty()) return Bad(uri, pos + 1, "empty IPv6 address");
  size_t zone = host.find('%');  // a zone id ("%eth0") names an interface
  for (size_t i = 0; i < host.size(); ++i) {
    bool ok = i > zone ? IsHostnameChar(host[i]) : IsIpv6Char(host[i]);
    if (!ok) {
      return Bad(uri, pos + 1 + i, "invalid character in IPv6 address");
    }
  }
  // Without a ':' it is no IPv6 address, and would print unbracketed.
  if (host.substr(0, zone).find(':') == std::string_view::npos) {
    return Bad(uri, pos + 1, "not an IPv6 address (no ':')");
  }
  *out = std::string(host);
  const size_t port_colon = close + 1;
  if (port_colon < authority_end && uri[port_colon] != ':') {
    return Bad(uri, port_colon, "expected ':' or '/' after ']'");
  }
  return port_colon;
}

// A host name or IPv4 address at uri[pos]; returns where it ends.
Result<size_t> ParseNamedHost(std::string_view uri, size_t pos,
                              size_t authority_end, std::string* out) {
  size_t host_end = uri.find(':', pos);
  if (host_end == std::string_view::npos || host_end > authority_end) {
    host_end = authority_end;
  }
  std::string_view host = uri.substr(pos, host_end - pos);
  if (host.empty()) return Bad(uri, pos, "missing host");
  for (size_t i = 0; i < host.size(); ++i) {
    if (!IsHostnameChar(host[i])) {
      return Bad(uri, pos + i, "invalid character in host");
    }
  }
  *out = std::string(host);
  return host_end;
}

}  // namespace

std::string RedisUri::HostPort() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string RedisUri::ToString() const {
  return "redis://" + (user.empty() ? "" : EncodeUser(user) + "@") +
         HostPort() + "/" + std::to_string(db);
}

Result<RedisUri> ParseRedisUri(std::string_view uri) {
  constexpr std::string_view kScheme = "redis://";
  if (uri.starts_with("rediss://")) {
    return Status::InvalidArgument(
        "redis URI '" + RedactUri(uri) +
        "': TLS (rediss://) is not supported by hiredis 0.14; refusing to "
        "fall back to plaintext");
  }
  if (!uri.starts_with(kScheme)) {
    return Bad(uri, 0, "expected scheme redis://");
  }
  RedisUri out;
  size_t pos = kScheme.size();
  size_t authority_end = uri.find_first_of("/?#", pos);
  if (authority_end == std::string_view::npos) authority_end = uri.size();
  size_t at = uri.rfind('@', authority_end);
  if (at != std::string_view::npos && at >= pos) {
    std::string_view userinfo = uri.substr(pos, at - pos);
    if (userinfo.find(':') != std::string_view::npos) {
      return Status::InvalidArgument(
          "redis URI '" + RedactUri(uri) +
          "': a password inside the URI is refused (URIs end up in command "
          "lines, configs and results); use the password_file or "
          "password_env option");
    }
    if (userinfo.empty()) return Bad(uri, pos, "empty user before '@'");
    SB_ASSIGN_OR_RETURN(out.user, DecodeUser(uri, pos, userinfo));
    pos = at + 1;
  }
  SB_ASSIGN_OR_RETURN(size_t port_colon,
                      pos < uri.size() && uri[pos] == '['
                          ? ParseIpv6Host(uri, pos, authority_end, &out.host)
                          : ParseNamedHost(uri, pos, authority_end, &out.host));
  if (port_colon < authority_end) {  // uri[port_colon] == ':'
    std::string_view port =
        uri.substr(port_colon + 1, authority_end - port_colon - 1);
    if (!ParseNumber(port, 1, 65535, &out.port)) {
      return Bad(uri, port_colon + 1, "port must be a number in 1-65535");
    }
  }
  pos = authority_end;
  if (pos < uri.size() && uri[pos] != '/') {
    return Bad(uri, pos,
               "query strings and fragments are not supported; put options "
               "into the backend options");
  }
  if (pos < uri.size()) {
    std::string_view db = uri.substr(pos + 1);
    if (!db.empty() && !ParseNumber(db, 0, 1 << 30, &out.db)) {
      return Bad(uri, pos + 1, "database must be a non-negative number");
    }
  }
  return out;
}

}  // namespace statebench
