#include <gtest/gtest.h>

#include "reports/gate.h"

namespace statebench {
namespace {

TEST(GateVerdictName, Names) {
  EXPECT_EQ(VerdictName(Verdict::kRegression), "regression");
}

}  // namespace
}  // namespace statebench
