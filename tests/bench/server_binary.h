// For tests that start their own redis-server or PostgreSQL (ServerProcess):
// SB_REQUIRE_BINARY fails the test when the server binary is missing and
// STATEBENCH_REQUIRE_SERVERS=1 (as in make test), and skips it otherwise.
#ifndef STATEBENCH_TESTS_BENCH_SERVER_BINARY_H_
#define STATEBENCH_TESTS_BENCH_SERVER_BINARY_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "base/spawn.h"

#define SB_REQUIRE_BINARY(backend)                                 \
  do {                                                             \
    ::statebench::Result<std::string> sb_bin_ =                    \
        ::statebench::FindServerBinary(backend);                   \
    if (!sb_bin_.ok()) {                                           \
      const char* req = std::getenv("STATEBENCH_REQUIRE_SERVERS"); \
      if (req != nullptr && std::string(req) == "1") {             \
        FAIL() << sb_bin_.status().ToString();                     \
      }                                                            \
      GTEST_SKIP() << sb_bin_.status().ToString();                 \
    }                                                              \
  } while (0)

#endif  // STATEBENCH_TESTS_BENCH_SERVER_BINARY_H_
