// Test helpers to build real backend instances for tests: fresh temporary
// directories per test and, for server backends, the server address from the
// environment:
//   STATEBENCH_TEST_<NAME>_URI            -> option "uri"
//   STATEBENCH_TEST_<NAME>_PASSWORD_FILE  -> option "password_file"
// (NAME is the upper-cased backend name, e.g. REDIS, POSTGRES) plus option
// "job" with a name unique to the test, so that parallel tests do not
// collide. Without the URI a test is skipped, or fails when
// STATEBENCH_REQUIRE_SERVERS=1 (make test sets it).
//
// Header-only; used by the backend tests in this folder.
#ifndef STATEBENCH_TESTS_BACKENDS_BACKEND_TEST_ENV_H_
#define STATEBENCH_TESTS_BACKENDS_BACKEND_TEST_ENV_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "backends/registry.h"
#include "backends/state_backend.h"
#include "base/file_util.h"
#include "base/status.h"

namespace statebench::test_env {

inline Status ToStatus(const Status& s) { return s; }
template <typename T>
Status ToStatus(const Result<T>& r) {
  return r.status();
}

}  // namespace statebench::test_env

// Asserts that a Status or Result is ok, printing the status otherwise.
#define SB_ASSERT_OK(expr)                              \
  do {                                                  \
    ::statebench::Status sb_test_status_ =              \
        ::statebench::test_env::ToStatus((expr));       \
    ASSERT_TRUE(sb_test_status_.ok())                   \
        << #expr << ": " << sb_test_status_.ToString(); \
  } while (0)
#define SB_EXPECT_OK(expr)                              \
  do {                                                  \
    ::statebench::Status sb_test_status_ =              \
        ::statebench::test_env::ToStatus((expr));       \
    EXPECT_TRUE(sb_test_status_.ok())                   \
        << #expr << ": " << sb_test_status_.ToString(); \
  } while (0)
// lhs = value of the Result expr, or a fatal failure.
#define SB_ASSERT_OK_AND_ASSIGN(lhs, expr)                                  \
  SB_ASSERT_OK_AND_ASSIGN_IMPL_(SB_CONCAT_(sb_test_result_, __LINE__), lhs, \
                                expr)
#define SB_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)                \
  auto tmp = (expr);                                                 \
  ASSERT_TRUE(tmp.ok()) << #expr << ": " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()

// In SetUp() or a test body: skips (or fails when servers are required) if
// `info` is a server backend whose server is not configured.
#define SB_SKIP_UNLESS_SERVER_CONFIGURED(info)                       \
  do {                                                               \
    std::optional<std::string> sb_missing_ =                         \
        ::statebench::test_env::MissingServerReason(info);           \
    if (sb_missing_) {                                               \
      if (::statebench::test_env::ServersRequired()) {               \
        FAIL() << *sb_missing_ << " (STATEBENCH_REQUIRE_SERVERS=1)"; \
      }                                                              \
      GTEST_SKIP() << *sb_missing_;                                  \
    }                                                                \
  } while (0)

namespace statebench::test_env {

inline std::string EnvOr(const std::string& name, std::string fallback = "") {
  const char* v = std::getenv(name.c_str());
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

inline bool ServersRequired() {
  return EnvOr("STATEBENCH_REQUIRE_SERVERS") == "1";
}

inline std::string EnvPrefix(const std::string& backend) {
  std::string upper;
  for (char c : backend) {
    upper.push_back(static_cast<char>(std::toupper(static_cast<uint8_t>(c))));
  }
  return "STATEBENCH_TEST_" + upper;
}

// Why a server backend cannot be tested here; nullopt when it can (or when
// it is embedded).
inline std::optional<std::string> MissingServerReason(const BackendInfo& info) {
  if (info.embedded) return std::nullopt;
  std::string var = EnvPrefix(info.name) + "_URI";
  if (!EnvOr(var).empty()) return std::nullopt;
  return "set " + var + " (make test starts a server)";
}

// A job name unique to this process and call: [a-z0-9_], so that server
// backends may use it in key prefixes and table names.
inline std::string UniqueJobName() {
  static std::atomic<int> counter{0};
  static const uint32_t salt = std::random_device{}();
  return "sbtest_" + std::to_string(::getpid()) + "_" + std::to_string(salt) +
         "_" + std::to_string(counter.fetch_add(1));
}

// Temporary directories and configs for one backend in one test. Removes its
// directories on destruction. Not thread-safe.
class BackendTestEnv {
 public:
  explicit BackendTestEnv(BackendInfo info) : info_(std::move(info)) {
    Result<std::string> root = MakeTempDirectory("statebench-test-");
    if (root.ok()) {
      root_ = *root;
      checkpoint_dir_ = root_ + "/checkpoints";
      status_ = EnsureDirectory(checkpoint_dir_);
    } else {
      status_ = root.status();
    }
    if (!info_.embedded) {
      std::string prefix = EnvPrefix(info_.name);
      std::string uri = EnvOr(prefix + "_URI");
      if (!uri.empty()) server_options_["uri"] = uri;
      std::string password_file = EnvOr(prefix + "_PASSWORD_FILE");
      if (!password_file.empty()) {
        server_options_["password_file"] = password_file;
      }
      server_options_["job"] = UniqueJobName();
    }
  }
  ~BackendTestEnv() {
    if (!root_.empty()) (void)RemoveTree(root_);
  }
  BackendTestEnv(const BackendTestEnv&) = delete;
  BackendTestEnv& operator=(const BackendTestEnv&) = delete;

  // Ok when the directories were created.
  const Status& status() const { return status_; }
  const BackendInfo& info() const { return info_; }
  const std::string& root() const { return root_; }
  const std::string& checkpoint_dir() const { return checkpoint_dir_; }

  // A config for subtask `subtask_index` owning `range`, with a fresh work
  // directory, the shared checkpoint directory and the server options.
  BackendConfig Config(KeyGroupRange range, int subtask_index = 0,
                       int max_parallelism = kDefaultLowerBoundMaxParallelism) {
    BackendConfig c;
    c.max_parallelism = max_parallelism;
    c.key_groups = range;
    c.subtask_index = subtask_index;
    c.work_dir = root_ + "/work-" + std::to_string(next_work_dir_++);
    (void)EnsureDirectory(c.work_dir);
    c.checkpoint_dir = checkpoint_dir_;
    c.options = server_options_;
    return c;
  }

  Result<std::unique_ptr<StateBackend>> Create(const BackendConfig& config) {
    return BackendRegistry::Default().Create(info_.name, config);
  }

 private:
  BackendInfo info_;
  Status status_;
  std::string root_;
  std::string checkpoint_dir_;
  std::map<std::string, std::string> server_options_;
  int next_work_dir_ = 0;
};

}  // namespace statebench::test_env

#endif  // STATEBENCH_TESTS_BACKENDS_BACKEND_TEST_ENV_H_
