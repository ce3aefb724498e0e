// Advice rules as data.
//
// A rules file (YAML; the defaults are advisor/rules/default_rules.yaml,
// compiled in) lists rules. Each rule has an id, conditions over facts
// (advisor/facts.h), an effect (veto, weighted score change, or note), a
// reason template quoting the numbers ("{profile.state_size}") and a short
// rationale. The grammar is documented in advisor/README-profiles.md.
//
// Thread safety: parsed rules are immutable values; evaluation is pure.
#ifndef STATEBENCH_ADVISOR_RULES_H_
#define STATEBENCH_ADVISOR_RULES_H_

#include <optional>
#include <string>
#include <vector>

#include "advisor/facts.h"
#include "base/status.h"

namespace statebench::advisor {

// A comparison side: a variable (optionally scaled, "0.5 * x") or a literal.
struct Operand {
  bool is_variable = false;
  std::string variable;
  double scale = 1;
  Value literal;
  std::string text;  // as written, for explanations
};

enum class CompareOp { kLt, kLe, kGt, kGe, kEq, kNe, kBetween };

struct Condition {
  enum class Kind { kAll, kAny, kNot, kCompare, kExists, kMissing };
  Kind kind = Kind::kAll;
  std::vector<Condition> children;  // all / any / not (one child)
  CompareOp op = CompareOp::kEq;    // compare
  Operand lhs, rhs, upper;          // upper: between only
  std::string variable;             // exists / missing
};

enum class EffectKind { kVeto, kScore, kNote };

struct Rule {
  std::string id;
  std::string description;
  std::string rationale;
  std::string reason;                 // template
  std::vector<std::string> backends;  // empty: every backend
  std::optional<Condition> when;      // absent: always
  EffectKind effect = EffectKind::kNote;
  double weight = 0;  // score only
  // False when the rule reads only profile facts: evaluated once, and only
  // a note may be its effect.
  bool per_backend = true;
  std::vector<std::string> variables;  // referenced, in order, unique
  std::string origin;                  // "file:line"
};

struct RuleSet {
  std::vector<Rule> rules;
  bool extend = false;  // the file said "mode: extend"

  const Rule* Find(std::string_view id) const;
};

// Parses a rules file. Unknown keys, a bad operator, an unknown variable,
// mismatched units or types, a bad effect, duplicate ids and YAML syntax
// errors fail with InvalidArgument "origin:line:column: ...".
Result<RuleSet> ParseRules(const std::string& text, const std::string& origin);
Result<RuleSet> LoadRules(const std::string& path);

// The compiled-in default rules file, and its parse (cached; parsed once).
const std::string& DefaultRulesText();
const RuleSet& DefaultRules();

// `base` plus `extra`; a rule of `extra` whose id exists in `base` replaces
// it in place.
RuleSet ExtendRules(RuleSet base, const RuleSet& extra);

enum class Tri { kFalse, kTrue, kUnknown };

// Kleene three-valued evaluation: a comparison with a missing operand is
// unknown; all/any/not combine unknowns the usual way. Names of missing
// variables that made the result unknown are appended to `missing`.
Tri Evaluate(const Condition& c, const Facts& facts,
             std::vector<std::string>* missing);

// Fills the reason template: "{name}" -> the fact formatted with its unit,
// "{backend}" -> backend.label, "{{" / "}}" -> braces.
std::string RenderReason(const Rule& rule, const Facts& facts);

// "derived.heap_required > derived.cluster_memory", "all of (...)".
std::string DescribeCondition(const Condition& c);
std::string EffectName(const Rule& rule);  // "veto", "score +15", "note"

// Multi-line text for `statebench advise --explain ID`.
std::string ExplainRule(const Rule& rule);

}  // namespace statebench::advisor

#endif  // STATEBENCH_ADVISOR_RULES_H_
