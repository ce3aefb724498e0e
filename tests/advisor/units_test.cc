#include "advisor/units.h"

#include <gtest/gtest.h>

#include <cmath>

namespace statebench::advisor {
namespace {

Quantity Parse(std::string_view text) {
  Result<Quantity> q = ParseQuantity(text);
  EXPECT_TRUE(q.ok()) << text << ": " << q.status().message();
  return q.ok() ? *q : Quantity{};
}

TEST(UnitsTest, ParsesSizesInBinaryAndDecimalPrefixes) {
  EXPECT_EQ(Parse("300GiB").value, 300.0 * 1024 * 1024 * 1024);
  EXPECT_EQ(Parse("300GiB").unit, Unit::kBytes);
  EXPECT_EQ(Parse("5 MB").value, 5e6);
  EXPECT_EQ(Parse("512B").value, 512);
  EXPECT_EQ(Parse("1.5KiB").value, 1536);
}

TEST(UnitsTest, ParsesDurationsRatesAndRatios) {
  EXPECT_DOUBLE_EQ(Parse("5ms").value, 0.005);
  EXPECT_EQ(Parse("5ms").unit, Unit::kSeconds);
  EXPECT_EQ(Parse("2min").value, 120);
  EXPECT_EQ(Parse("1h").value, 3600);
  EXPECT_DOUBLE_EQ(Parse("250us").value, 250e-6);
  EXPECT_EQ(Parse("200k/s").value, 200e3);
  EXPECT_EQ(Parse("200k/s").unit, Unit::kEventsPerSecond);
  EXPECT_EQ(Parse("100MiB/s").value, 100.0 * 1024 * 1024);
  EXPECT_EQ(Parse("100MiB/s").unit, Unit::kBytesPerSecond);
  EXPECT_DOUBLE_EQ(Parse("70%").value, 0.7);
  EXPECT_EQ(Parse("70%").unit, Unit::kFraction);
  EXPECT_EQ(Parse("2.5x").value, 2.5);
  EXPECT_EQ(Parse("2.5x").unit, Unit::kRatio);
  EXPECT_EQ(Parse("10M").value, 1e7);
  EXPECT_EQ(Parse("10M").unit, Unit::kNone);
}

TEST(UnitsTest, RejectsUnknownUnitsAndNonNumbers) {
  for (const char* bad :
       {"5m", "fast", "", "12 parsecs", "inf", "nan", "5GiB/h"}) {
    Result<Quantity> q = ParseQuantity(bad);
    EXPECT_FALSE(q.ok()) << bad;
    if (!q.ok()) {
      EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(UnitsTest, FormatsWithReadablePrefixes) {
  EXPECT_EQ(FormatQuantity(300.0 * 1024 * 1024 * 1024, Unit::kBytes),
            "300 GiB");
  EXPECT_EQ(FormatQuantity(5 * 1024 * 1024, Unit::kBytes), "5 MiB");
  EXPECT_EQ(FormatQuantity(0.0012, Unit::kSeconds), "1.2 ms");
  EXPECT_EQ(FormatQuantity(600e-9, Unit::kSeconds), "600 ns");
  EXPECT_EQ(FormatQuantity(540, Unit::kSeconds), "9 min");
  EXPECT_EQ(FormatQuantity(200e3, Unit::kEventsPerSecond), "200k events/s");
  EXPECT_EQ(FormatQuantity(0.7, Unit::kFraction), "70%");
  EXPECT_EQ(FormatQuantity(8, Unit::kRatio), "8x");
  EXPECT_EQ(FormatQuantity(NAN, Unit::kBytes), "n/a");
}

TEST(UnitsTest, CompatibilityFollowsDimensions) {
  EXPECT_TRUE(UnitsCompatible(Unit::kBytes, Unit::kBytes));
  EXPECT_TRUE(UnitsCompatible(Unit::kBytes, Unit::kNone));
  EXPECT_TRUE(UnitsCompatible(Unit::kRatio, Unit::kFraction));
  EXPECT_TRUE(UnitsCompatible(Unit::kEventsPerSecond, Unit::kOpsPerSecond));
  EXPECT_FALSE(UnitsCompatible(Unit::kBytes, Unit::kSeconds));
  EXPECT_FALSE(UnitsCompatible(Unit::kBytesPerSecond, Unit::kEventsPerSecond));
}

}  // namespace
}  // namespace statebench::advisor
