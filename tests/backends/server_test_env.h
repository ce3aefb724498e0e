// Test helpers for the server backends: the servers scripts/servers.sh
// started (STATEBENCH_TEST_* environment variables) and unique job names.
//
// A test that needs a server calls SB_REQUIRE_REDIS()/SB_REQUIRE_POSTGRES():
// without the variables it fails when STATEBENCH_REQUIRE_SERVERS=1 (make
// test sets it) and is skipped with the reason otherwise.
#ifndef STATEBENCH_TESTS_BACKENDS_SERVER_TEST_ENV_H_
#define STATEBENCH_TESTS_BACKENDS_SERVER_TEST_ENV_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/file_util.h"

namespace statebench::testing {

struct TestServer {
  std::string uri;
  std::string password_file;
  std::string pid;
};

inline std::optional<TestServer> TestServerFromEnv(const char* prefix) {
  std::string p = std::string("STATEBENCH_TEST_") + prefix;
  const char* uri = std::getenv((p + "_URI").c_str());
  const char* pass = std::getenv((p + "_PASSWORD_FILE").c_str());
  const char* pid = std::getenv((p + "_PID").c_str());
  if (uri == nullptr || pass == nullptr) return std::nullopt;
  return TestServer{uri, pass, pid ? pid : ""};
}

inline bool ServersRequired() {
  const char* v = std::getenv("STATEBENCH_REQUIRE_SERVERS");
  return v != nullptr && std::string(v) == "1";
}

// A job name no other test (or earlier run) uses.
inline std::string UniqueJob(const std::string& tag) {
  static std::atomic<int> counter{0};
  return "t-" + tag + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter++);
}

// prefix + decimal i. (Spelled out: GCC 12 warns falsely about
// "k" + std::to_string(i), bug 105329.)
inline std::string Numbered(std::string_view prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}

// The options of a backend talking to `server` as job `job`.
inline std::map<std::string, std::string> ServerOptionsFor(
    const TestServer& server, const std::string& job) {
  return {{"uri", server.uri},
          {"password_file", server.password_file},
          {"job", job}};
}

// A 0600 file holding `content` in a fresh temporary directory.
inline std::string WriteSecretFile(const std::string& content) {
  Result<std::string> dir = MakeTempDirectory("sb-secret-");
  EXPECT_TRUE(dir.ok()) << dir.status().ToString();
  std::string path = *dir + "/secret";
  EXPECT_TRUE(WriteFileAtomically(path, content).ok());
  return path;
}

}  // namespace statebench::testing

#define SB_REQUIRE_SERVER_(var, prefix, what)                                \
  auto var##_opt = ::statebench::testing::TestServerFromEnv(prefix);         \
  if (!var##_opt) {                                                          \
    if (::statebench::testing::ServersRequired()) {                          \
      FAIL() << what                                                         \
          " test server required (STATEBENCH_REQUIRE_SERVERS=1) "            \
          "but STATEBENCH_TEST_" prefix "_URI is not set";                   \
    }                                                                        \
    GTEST_SKIP() << "no " what " test server: STATEBENCH_TEST_" prefix       \
                    "_URI is not set (run scripts/servers.sh start DIR and " \
                    "source DIR/env)";                                       \
  }                                                                          \
  const ::statebench::testing::TestServer& var = *var##_opt

#define SB_REQUIRE_REDIS(var) SB_REQUIRE_SERVER_(var, "REDIS", "redis")
#define SB_REQUIRE_POSTGRES(var) SB_REQUIRE_SERVER_(var, "POSTGRES", "postgres")

#endif  // STATEBENCH_TESTS_BACKENDS_SERVER_TEST_ENV_H_
