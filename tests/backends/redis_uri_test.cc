#include "backends/redis/redis_uri.h"

#include <gtest/gtest.h>

namespace statebench {
namespace {

TEST(RedisUriTest, ParsesHostPortAndDb) {
  Result<RedisUri> u = ParseRedisUri("redis://127.0.0.1:6380/3");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->db, 3);
  EXPECT_EQ(u->user, "");
  EXPECT_EQ(u->HostPort(), "127.0.0.1:6380");
  EXPECT_EQ(u->ToString(), "redis://127.0.0.1:6380/3");
}

TEST(RedisUriTest, DefaultsPortAndDb) {
  Result<RedisUri> u = ParseRedisUri("redis://cache.example.com");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "cache.example.com");
  EXPECT_EQ(u->port, 6379);
  EXPECT_EQ(u->db, 0);
  EXPECT_TRUE(ParseRedisUri("redis://h:1/").ok());
}

TEST(RedisUriTest, ParsesUser) {
  Result<RedisUri> u = ParseRedisUri("redis://app%2Done@h:7000/1");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->user, "app-one");
  EXPECT_EQ(u->ToString(), "redis://app-one@h:7000/1");
}

// Found by tests/fuzz/redis_uri_fuzz.cc: a decoded '@' in the user made
// ToString print a URI that does not parse back.
TEST(RedisUriTest, ToStringEncodesTheUserSoItParsesBack) {
  Result<RedisUri> u = ParseRedisUri("redis://us%40er%25@h/15");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->user, "us@er%");
  EXPECT_EQ(u->ToString(), "redis://us%40er%25@h:6379/15");
  Result<RedisUri> again = ParseRedisUri(u->ToString());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->user, u->user);
}

TEST(RedisUriTest, ParsesIpv6InBrackets) {
  Result<RedisUri> u = ParseRedisUri("redis://[::1]:6390/2");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 6390);
  EXPECT_EQ(u->HostPort(), "[::1]:6390");
  Result<RedisUri> v = ParseRedisUri("redis://[fe80::1%eth0]");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->host, "fe80::1%eth0");
  EXPECT_EQ(v->port, 6379);
}

// Found by tests/fuzz/redis_uri_fuzz.cc: "[%4r]" was taken for an IPv6
// address and printed without brackets.
TEST(RedisUriTest, RefusesBracketedHostWithoutColon) {
  for (const char* uri :
       {"redis://[%4r]", "redis://[1.2.3.4]:6379", "redis://[abc]"}) {
    Result<RedisUri> u = ParseRedisUri(uri);
    ASSERT_FALSE(u.ok()) << uri;
    EXPECT_NE(u.status().message().find("position 9"), std::string::npos)
        << u.status().message();
  }
}

TEST(RedisUriTest, RefusesTls) {
  Result<RedisUri> u = ParseRedisUri("rediss://h:6380");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(u.status().message().find("TLS (rediss://) is not supported by "
                                      "hiredis 0.14; refusing to fall back to "
                                      "plaintext"),
            std::string::npos)
      << u.status().message();
}

TEST(RedisUriTest, RefusesPasswordWithoutEchoingIt) {
  Result<RedisUri> u = ParseRedisUri("redis://app:Canary-s3cret@h:6380/0");
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument);
  const std::string& m = u.status().message();
  EXPECT_EQ(m.find("Canary-s3cret"), std::string::npos) << m;
  EXPECT_NE(m.find("redis://app:***@h:6380/0"), std::string::npos) << m;
  EXPECT_NE(m.find("password_file"), std::string::npos) << m;
  // Also for rediss://, whose message quotes the URI.
  Result<RedisUri> t = ParseRedisUri("rediss://:Canary-s3cret@h");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message().find("Canary-s3cret"), std::string::npos);
}

struct BadUri {
  const char* uri;
  const char* expect;  // substring of the message, including the position
};

class RedisUriBadTest : public ::testing::TestWithParam<BadUri> {};

TEST_P(RedisUriBadTest, NamesProblemAndPosition) {
  Result<RedisUri> u = ParseRedisUri(GetParam().uri);
  ASSERT_FALSE(u.ok()) << GetParam().uri;
  EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(u.status().message().find(GetParam().expect), std::string::npos)
      << u.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RedisUriBadTest,
    ::testing::Values(
        BadUri{"http://h:1", "expected scheme redis:// at position 0"},
        BadUri{"redis://", "missing host at position 8"},
        BadUri{"redis://:6379", "missing host at position 8"},
        BadUri{"redis://h:0",
               "port must be a number in 1-65535 at position 10"},
        BadUri{"redis://h:65536", "port must be a number in 1-65535"},
        BadUri{"redis://h:12ab",
               "port must be a number in 1-65535 at position 10"},
        BadUri{"redis://h:/", "port must be a number"},
        BadUri{"redis://h:1/x",
               "database must be a non-negative number at "
               "position 12"},
        BadUri{"redis://h:1/-1", "database must be a non-negative number"},
        BadUri{"redis://h:1?db=2",
               "query strings and fragments are not "
               "supported; put options into the backend "
               "options at position 11"},
        BadUri{"redis://h o:1", "invalid character in host at position 9"},
        BadUri{"redis://[::1:6379", "unterminated IPv6 address"},
        BadUri{"redis://[]:1", "empty IPv6 address at position 9"},
        BadUri{"redis://[::1]x",
               "expected ':' or '/' after ']' at position 13"},
        BadUri{"redis://[::g]:1",
               "invalid character in IPv6 address at "
               "position 11"},
        BadUri{"redis://@h:1", "empty user before '@' at position 8"},
        BadUri{"redis://a%zz@h",
               "bad percent-encoding in user at position 9"}));

}  // namespace
}  // namespace statebench
