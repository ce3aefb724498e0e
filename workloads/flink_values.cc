#include "workloads/flink_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "base/text_check.h"

namespace statebench {
namespace {

// 'text' (built by appending: GCC 12 warns falsely about "'" + string).
std::string Quoted(std::string_view text) {
  std::string out = "'";
  out.append(text);
  out += '\'';
  return out;
}

// Splits "30 s" into 30 and "s" (lower case). Flink takes an unsigned
// integer only: no sign, no fraction, no exponent.
Result<std::pair<uint64_t, std::string>> NumberAndUnit(std::string_view text) {
  std::string_view t = TrimSpace(text);
  size_t digits = 0;
  while (digits < t.size() &&
         std::isdigit(static_cast<unsigned char>(t[digits]))) {
    ++digits;
  }
  if (digits == 0) {
    return Status::InvalidArgument(Quoted(text) +
                                   " does not start with a whole number");
  }
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + digits, n);
  if (ec != std::errc() || end != t.data() + digits) {
    return Status::InvalidArgument(Quoted(text) + " is out of range");
  }
  return std::make_pair(n, AsciiLower(TrimSpace(t.substr(digits))));
}

Result<uint64_t> Scale(uint64_t n, uint64_t factor, std::string_view text) {
  if (factor != 0 && n > UINT64_MAX / factor) {
    return Status::InvalidArgument(Quoted(text) + " is out of range");
  }
  return n * factor;
}

}  // namespace

Result<uint64_t> ParseFlinkDuration(std::string_view text) {
  auto parsed = NumberAndUnit(text);
  const std::string what =
      Quoted(text) +
      " is not a Flink duration (a whole number with an optional unit: ms, "
      "s, min, h, d; a plain number is milliseconds)";
  if (!parsed.ok()) return Status::InvalidArgument(what);
  const auto& [n, unit] = *parsed;
  struct Unit {
    std::initializer_list<const char*> names;
    uint64_t ns;
  };
  static const Unit kUnits[] = {
      {{"ns", "nano", "nanos", "nanosecond", "nanoseconds"}, 1},
      {{"\xc2\xb5s", "micro", "micros", "microsecond", "microseconds"}, 1000},
      {{"", "ms", "milli", "millis", "millisecond", "milliseconds"}, 1'000'000},
      {{"s", "sec", "secs", "second", "seconds"}, 1'000'000'000},
      {{"m", "min", "minute", "minutes"}, 60'000'000'000},
      {{"h", "hour", "hours"}, 3'600'000'000'000},
      {{"d", "day", "days"}, 86'400'000'000'000},
  };
  for (const Unit& u : kUnits) {
    for (const char* name : u.names) {
      if (unit != name) continue;
      if (u.ns < 1'000'000) return n / (1'000'000 / u.ns);
      Result<uint64_t> ms = Scale(n, u.ns / 1'000'000, text);
      if (!ms.ok()) return Status::InvalidArgument(what);
      return *ms;
    }
  }
  return Status::InvalidArgument(what);
}

Result<uint64_t> ParseFlinkMemorySize(std::string_view text) {
  auto parsed = NumberAndUnit(text);
  const std::string what =
      Quoted(text) +
      " is not a Flink memory size (a whole number with an optional unit: "
      "b, k/kb, m/mb, g/gb, t/tb, binary; a plain number is bytes)";
  if (!parsed.ok()) return Status::InvalidArgument(what);
  const auto& [n, unit] = *parsed;
  struct Unit {
    std::initializer_list<const char*> names;
    int shift;
  };
  static const Unit kUnits[] = {
      {{"", "b", "bytes"}, 0},        {{"k", "kb", "kibibytes"}, 10},
      {{"m", "mb", "mebibytes"}, 20}, {{"g", "gb", "gibibytes"}, 30},
      {{"t", "tb", "tebibytes"}, 40},
  };
  for (const Unit& u : kUnits) {
    for (const char* name : u.names) {
      if (unit != name) continue;
      Result<uint64_t> bytes = Scale(n, uint64_t{1} << u.shift, text);
      if (!bytes.ok()) return Status::InvalidArgument(what);
      return *bytes;
    }
  }
  return Status::InvalidArgument(what);
}

Result<bool> ParseFlinkBool(std::string_view text) {
  const std::string v = AsciiLower(TrimSpace(text));
  if (v == "true") return true;
  if (v == "false") return false;
  return Status::InvalidArgument(Quoted(text) + " is not true or false");
}

}  // namespace statebench
