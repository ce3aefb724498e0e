// Quantities with units, as the advisor reads them from profiles and rule
// files ("300GiB", "5ms", "70%", "2x", "200k/s", "100MiB/s") and prints them
// in reasons and reports.
//
// Internally every figure is in a base unit: bytes, seconds, per second,
// bytes per second, or a plain ratio (0.7 for 70%). Formatting picks a
// readable prefix with three significant digits.
//
// Thread safety: pure functions.
#ifndef STATEBENCH_ADVISOR_UNITS_H_
#define STATEBENCH_ADVISOR_UNITS_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace statebench::advisor {

enum class Unit {
  kNone,     // a plain number; compatible with every numeric unit
  kBytes,    // bytes
  kSeconds,  // durations
  kEventsPerSecond,
  kOpsPerSecond,
  kBytesPerSecond,
  kRatio,     // "2.5x" (amplification, factors)
  kFraction,  // "70%"
  kCount,     // subtasks, keys, repetitions
  kLevel,     // team skill 0..3
};

std::string_view UnitName(Unit unit);

// Whether two units may be compared: equal, or one of them kNone, or both
// dimensionless (ratio, fraction, count, level), or two rates.
bool UnitsCompatible(Unit a, Unit b);

struct Quantity {
  double value = 0;
  Unit unit = Unit::kNone;
};

// Parses a literal quantity. Recognised forms (case-sensitive suffixes,
// optional space between number and suffix):
//   12, 1.5e3, 200k, 1.5M, 2G          -> kNone (k/M/G are 1e3/1e6/1e9)
//   512B 5KB 5MB 5GB 5TB (decimal)     -> kBytes
//   5KiB 5MiB 300GiB 2TiB (binary)     -> kBytes
//   250ns 20us 5ms 60s 2min 1h         -> kSeconds
//   200k/s 5000/s                      -> kEventsPerSecond
//   100MiB/s 1GB/s                     -> kBytesPerSecond
//   70%                                -> kFraction (0.7)
//   2x 2.5x                            -> kRatio
// Anything else is InvalidArgument with a message naming the text.
Result<Quantity> ParseQuantity(std::string_view text);

// Formats `value` (in the base unit) for people: "300 GiB", "5 ms",
// "200k events/s", "120 MiB/s", "2.5x", "70%", "12". Non-finite values
// print as "n/a".
std::string FormatQuantity(double value, Unit unit);

// Three significant digits, no exponent below 1e15: 1234 -> "1234",
// 12.345 -> "12.3", 0.01234 -> "0.0123".
std::string FormatNumber(double value);

}  // namespace statebench::advisor

#endif  // STATEBENCH_ADVISOR_UNITS_H_
