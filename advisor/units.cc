#include "advisor/units.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <utility>

namespace statebench::advisor {
namespace {

struct Suffix {
  std::string_view text;
  double factor;
  Unit unit;
};

constexpr double kKi = 1024.0;

// Byte suffixes, reused for byte rates ("<bytes>/s").
constexpr std::array<Suffix, 12> kByteSuffixes{{
    {"B", 1, Unit::kBytes},
    {"KB", 1e3, Unit::kBytes},
    {"kB", 1e3, Unit::kBytes},
    {"MB", 1e6, Unit::kBytes},
    {"GB", 1e9, Unit::kBytes},
    {"TB", 1e12, Unit::kBytes},
    {"PB", 1e15, Unit::kBytes},
    {"KiB", kKi, Unit::kBytes},
    {"MiB", kKi* kKi, Unit::kBytes},
    {"GiB", kKi* kKi* kKi, Unit::kBytes},
    {"TiB", kKi* kKi* kKi* kKi, Unit::kBytes},
    {"PiB", kKi* kKi* kKi* kKi* kKi, Unit::kBytes},
}};

constexpr std::array<Suffix, 15> kOtherSuffixes{{
    {"", 1, Unit::kNone},
    {"k", 1e3, Unit::kNone},
    {"M", 1e6, Unit::kNone},
    {"G", 1e9, Unit::kNone},
    {"ns", 1e-9, Unit::kSeconds},
    {"us", 1e-6, Unit::kSeconds},
    {"\xC2\xB5s", 1e-6, Unit::kSeconds},  // µs
    {"ms", 1e-3, Unit::kSeconds},
    {"s", 1, Unit::kSeconds},
    {"min", 60, Unit::kSeconds},
    {"h", 3600, Unit::kSeconds},
    {"%", 0.01, Unit::kFraction},
    {"x", 1, Unit::kRatio},
    {"/s", 1, Unit::kEventsPerSecond},
    {"k/s", 1e3, Unit::kEventsPerSecond},
}};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<Quantity> MatchSuffix(double number, std::string_view suffix) {
  for (const Suffix& s : kOtherSuffixes) {
    if (s.text == suffix) return Quantity{number * s.factor, s.unit};
  }
  if (suffix == "M/s") return Quantity{number * 1e6, Unit::kEventsPerSecond};
  bool per_second =
      suffix.size() > 2 && suffix.substr(suffix.size() - 2) == "/s";
  std::string_view bytes =
      per_second ? suffix.substr(0, suffix.size() - 2) : suffix;
  for (const Suffix& s : kByteSuffixes) {
    if (s.text == bytes) {
      return Quantity{number * s.factor,
                      per_second ? Unit::kBytesPerSecond : Unit::kBytes};
    }
  }
  return std::nullopt;
}

bool Dimensionless(Unit u) {
  return u == Unit::kRatio || u == Unit::kFraction || u == Unit::kCount ||
         u == Unit::kLevel;
}

bool EventRate(Unit u) {
  return u == Unit::kEventsPerSecond || u == Unit::kOpsPerSecond;
}

// value / divisor with one of `names` chosen so the result is in [1, step).
std::string Scaled(double value, double step,
                   std::initializer_list<std::string_view> names,
                   std::string_view sep) {
  double v = value;
  auto it = names.begin();
  while (std::fabs(v) >= step && std::next(it) != names.end()) {
    v /= step;
    ++it;
  }
  return FormatNumber(v) + std::string(sep) + std::string(*it);
}

std::string FormatDuration(double s) {
  double a = std::fabs(s);
  if (a == 0) return "0 s";
  if (a < 1e-6) return FormatNumber(s * 1e9) + " ns";
  if (a < 1e-3) return FormatNumber(s * 1e6) + " us";
  if (a < 1) return FormatNumber(s * 1e3) + " ms";
  if (a < 120) return FormatNumber(s) + " s";
  if (a < 7200) return FormatNumber(s / 60) + " min";
  if (a < 172800) return FormatNumber(s / 3600) + " h";
  return FormatNumber(s / 86400) + " d";
}

}  // namespace

std::string_view UnitName(Unit unit) {
  switch (unit) {
    case Unit::kNone:
      return "number";
    case Unit::kBytes:
      return "bytes";
    case Unit::kSeconds:
      return "duration";
    case Unit::kEventsPerSecond:
      return "events/s";
    case Unit::kOpsPerSecond:
      return "ops/s";
    case Unit::kBytesPerSecond:
      return "bytes/s";
    case Unit::kRatio:
      return "ratio";
    case Unit::kFraction:
      return "fraction";
    case Unit::kCount:
      return "count";
    case Unit::kLevel:
      return "level";
  }
  return "?";
}

bool UnitsCompatible(Unit a, Unit b) {
  if (a == b || a == Unit::kNone || b == Unit::kNone) return true;
  if (Dimensionless(a) && Dimensionless(b)) return true;
  return EventRate(a) && EventRate(b);
}

Result<Quantity> ParseQuantity(std::string_view text) {
  std::string_view t = Trim(text);
  double number = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), number);
  if (ec != std::errc() || !std::isfinite(number)) {
    return Status::InvalidArgument(
        fmt::format("'{}' is not a number with an optional unit", text));
  }
  std::string_view suffix = Trim(t.substr(ptr - t.data()));
  std::optional<Quantity> q = MatchSuffix(number, suffix);
  if (!q) {
    return Status::InvalidArgument(fmt::format(
        "'{}': unknown unit '{}' (sizes: B KB MB GB TB KiB MiB GiB TiB; "
        "durations: ns us ms s min h; rates: /s k/s MiB/s; also % and x)",
        text, suffix));
  }
  return *q;
}

std::string FormatNumber(double value) {
  if (!std::isfinite(value)) return "n/a";
  double a = std::fabs(value);
  if (a >= 1e15) return fmt::format("{:.3g}", value);
  if (a >= 100) return fmt::format("{:.0f}", value);
  std::string s = fmt::format("{:.3g}", value);
  if (s.find('e') != std::string::npos) s = fmt::format("{:.3f}", value);
  return s;
}

std::string FormatQuantity(double value, Unit unit) {
  if (!std::isfinite(value)) return "n/a";
  switch (unit) {
    case Unit::kBytes:
      return Scaled(value, 1024, {"B", "KiB", "MiB", "GiB", "TiB", "PiB"}, " ");
    case Unit::kBytesPerSecond:
      return Scaled(value, 1024,
                    {"B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s", "PiB/s"}, " ");
    case Unit::kSeconds:
      return FormatDuration(value);
    case Unit::kEventsPerSecond:
      return Scaled(value, 1000, {"", "k", "M", "G"}, "") + " events/s";
    case Unit::kOpsPerSecond:
      return Scaled(value, 1000, {"", "k", "M", "G"}, "") + " ops/s";
    case Unit::kRatio:
      return FormatNumber(value) + "x";
    case Unit::kFraction:
      return FormatNumber(value * 100) + "%";
    case Unit::kCount:
    case Unit::kLevel:
    case Unit::kNone:
      return FormatNumber(value);
  }
  return FormatNumber(value);
}

}  // namespace statebench::advisor
