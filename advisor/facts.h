// Facts: the named values rules are evaluated against, and the catalog of
// names a rule file may use.
//
// Names are namespaced:
//   profile.*       the requirements profile (profile.state_size, ...)
//   derived.*       figures the advisor computes: capacity plan, headroom
//   metric.<name>   median of a measured metric (RunResult::summary)
//   capability.*    what the backend guarantees (durable, remote, ...)
//   backend.*       name, label, checkpoint_type, option.<name>
//   verification.*  crash-verification verdict and counts
// Every numeric value is in its base unit (bytes, seconds, per second).
//
// Thread safety: plain values; the catalog is immutable.
#ifndef STATEBENCH_ADVISOR_FACTS_H_
#define STATEBENCH_ADVISOR_FACTS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/units.h"
#include "base/status.h"

namespace statebench::advisor {

enum class ValueKind { kMissing, kNumber, kBool, kString };

struct Value {
  ValueKind kind = ValueKind::kMissing;
  double number = 0;
  Unit unit = Unit::kNone;
  bool boolean = false;
  std::string text;
  // kMissing only: why the figure is absent when that is a gap in the
  // measurements ("no restore was measured"); empty when the figure simply
  // does not apply (an optional profile field left out).
  std::string missing_reason;

  static Value Number(double v, Unit u);
  static Value Bool(bool b);
  static Value Text(std::string s);
  static Value Missing(std::string why = "");

  bool present() const { return kind != ValueKind::kMissing; }
  // "300 GiB", "true", "exactly-once", "n/a".
  std::string Format() const;
};

using Facts = std::map<std::string, Value, std::less<>>;

// Looks a name up; absent -> a missing value with no reason.
const Value& FactOrMissing(const Facts& facts, std::string_view name);

// What a rule file may refer to.
struct VariableInfo {
  std::string name;
  ValueKind kind = ValueKind::kNumber;
  Unit unit = Unit::kNone;
  bool per_backend = false;  // differs between backends
  std::string doc;
};

// The fixed variables (all but metric.* and backend.option.*), in catalog
// order, for documentation and --explain.
const std::vector<VariableInfo>& VariableCatalog();

// Resolves a name, including metric.<known metric> and backend.option.<any>.
// NotFound names the problem ("unknown variable 'profile.stat_size'").
Result<VariableInfo> LookupVariable(std::string_view name);

// True when `text` starts with one of the namespaces above, so a rule
// operand is a variable (and a typo in it an error, not a string literal).
bool LooksLikeVariable(std::string_view text);

// Unit and factor to the base unit of a flattened metric name
// ("latency.value_get.p99_ns" -> seconds, 1e-9); false when unknown.
bool DescribeMetricUnit(std::string_view metric, Unit* unit, double* factor);

}  // namespace statebench::advisor

#endif  // STATEBENCH_ADVISOR_FACTS_H_
