// Parsing and validation of rules files (advisor/rules.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "advisor/rules.h"
#include "advisor/yaml_util.h"
#include "base/file_util.h"

namespace statebench::advisor {
namespace {

constexpr std::string_view kKnownBackends[] = {"memory", "fs", "rocksdb",
                                               "redis", "postgres"};

struct OpName {
  std::string_view text;
  CompareOp op;
};
constexpr OpName kOpNames[] = {
    {"<", CompareOp::kLt},           {"<=", CompareOp::kLe},
    {">", CompareOp::kGt},           {">=", CompareOp::kGe},
    {"==", CompareOp::kEq},          {"!=", CompareOp::kNe},
    {"between", CompareOp::kBetween}};

// Parsing state for one file: origin and the variables a rule refers to.
class RuleParser {
 public:
  explicit RuleParser(std::string origin) : origin_(std::move(origin)) {}

  Result<RuleSet> Parse(const std::string& text);

 private:
  Result<Rule> ParseRule(const YAML::Node& n);
  Status ParseEffect(const YAML::Node& n, Rule* rule);
  Result<Condition> ParseCondition(const YAML::Node& n);
  Result<Condition> ParseComparison(const YAML::Node& n);
  Result<Operand> ParseOperand(const YAML::Node& n);
  Result<VariableInfo> UseVariable(const YAML::Node& n, std::string_view name);
  Status CheckOperands(const YAML::Node& n, const Operand& a, const Operand& b,
                       CompareOp op);
  Status CheckTemplate(const YAML::Node& n, const std::string& tmpl);
  Result<std::string> Text(const YAML::Node& map, const char* key,
                           bool required);

  std::string origin_;
  std::vector<std::string> vars_;  // of the rule being parsed
  bool per_backend_ = false;
};

Result<std::string> RuleParser::Text(const YAML::Node& map, const char* key,
                                     bool required) {
  YAML::Node n = map[key];
  if (!n) {
    if (!required) return std::string();
    return ErrorAt(origin_, map, fmt::format("rule: '{}' is required", key));
  }
  SB_ASSIGN_OR_RETURN(std::string s, ScalarText(n, origin_, key));
  if (required && s.empty()) {
    return ErrorAt(origin_, n, fmt::format("rule: '{}' is empty", key));
  }
  return s;
}

Result<VariableInfo> RuleParser::UseVariable(const YAML::Node& n,
                                             std::string_view name) {
  Result<VariableInfo> v = LookupVariable(name);
  if (!v.ok()) return ErrorAt(origin_, n, v.status().message());
  if (std::find(vars_.begin(), vars_.end(), name) == vars_.end()) {
    vars_.emplace_back(name);
  }
  per_backend_ = per_backend_ || v->per_backend;
  return v;
}

Result<Operand> RuleParser::ParseOperand(const YAML::Node& n) {
  if (!n.IsScalar()) {
    return ErrorAt(origin_, n,
                   "a comparison operand must be a variable or a value");
  }
  Operand o;
  o.text = n.Scalar();
  std::string body = o.text;
  if (auto star = body.find('*'); star != std::string::npos) {
    Result<Quantity> factor = ParseQuantity(body.substr(0, star));
    if (!factor.ok() || factor->unit != Unit::kNone) {
      return ErrorAt(origin_, n,
                     fmt::format("'{}': a scaled operand is '<number> * "
                                 "<variable>'",
                                 o.text));
    }
    o.scale = factor->value;
    body = body.substr(star + 1);
    body.erase(0, body.find_first_not_of(' '));
    if (!LooksLikeVariable(body)) {
      return ErrorAt(origin_, n,
                     fmt::format("'{}': '{}' is not a variable", o.text, body));
    }
  }
  if (LooksLikeVariable(body)) {
    SB_ASSIGN_OR_RETURN(VariableInfo v, UseVariable(n, body));
    if (o.scale != 1 && v.kind != ValueKind::kNumber) {
      return ErrorAt(origin_, n,
                     fmt::format("'{}': only a number can be scaled", o.text));
    }
    o.is_variable = true;
    o.variable = body;
    return o;
  }
  if (body == "true" || body == "false") {
    o.literal = Value::Bool(body == "true");
  } else if (Result<Quantity> q = ParseQuantity(body); q.ok()) {
    o.literal = Value::Number(q->value, q->unit);
  } else {
    o.literal = Value::Text(body);
  }
  return o;
}

// Kind and unit of an operand, for type checks.
VariableInfo InfoOf(const Operand& o) {
  if (o.is_variable) return *LookupVariable(o.variable);
  return VariableInfo{"", o.literal.kind, o.literal.unit, false, ""};
}

Status RuleParser::CheckOperands(const YAML::Node& n, const Operand& a,
                                 const Operand& b, CompareOp op) {
  VariableInfo x = InfoOf(a), y = InfoOf(b);
  if (x.kind != y.kind) {
    auto kind = [](ValueKind k) {
      return k == ValueKind::kNumber ? "a number"
             : k == ValueKind::kBool ? "true/false"
                                     : "a text";
    };
    return ErrorAt(origin_, n,
                   fmt::format("cannot compare '{}' ({}) with '{}' ({})",
                               a.text, kind(x.kind), b.text, kind(y.kind)));
  }
  if (x.kind != ValueKind::kNumber && op != CompareOp::kEq &&
      op != CompareOp::kNe) {
    return ErrorAt(origin_, n,
                   fmt::format("'{}' is not a number: only == and != apply",
                               a.is_variable ? a.text : b.text));
  }
  if (x.kind == ValueKind::kNumber && !UnitsCompatible(x.unit, y.unit)) {
    return ErrorAt(
        origin_, n,
        fmt::format("cannot compare '{}' ({}) with '{}' ({})", a.text,
                    UnitName(x.unit), b.text, UnitName(y.unit)));
  }
  return Status::Ok();
}

Result<Condition> RuleParser::ParseComparison(const YAML::Node& n) {
  if (n.size() != 3 || !n[1].IsScalar()) {
    return ErrorAt(origin_, n,
                   "a comparison is [left, operator, right]; combine several "
                   "with all: / any:");
  }
  Condition c;
  c.kind = Condition::Kind::kCompare;
  std::string op = n[1].Scalar();
  const OpName* found = nullptr;
  for (const OpName& o : kOpNames) {
    if (o.text == op) found = &o;
  }
  if (!found) {
    return ErrorAt(origin_, n[1],
                   fmt::format("unknown operator '{}' (known: <, <=, >, >=, "
                               "==, !=, between)",
                               op));
  }
  c.op = found->op;
  SB_ASSIGN_OR_RETURN(c.lhs, ParseOperand(n[0]));
  if (c.op == CompareOp::kBetween) {
    if (!n[2].IsSequence() || n[2].size() != 2) {
      return ErrorAt(origin_, n[2], "between needs [low, high]");
    }
    SB_ASSIGN_OR_RETURN(c.rhs, ParseOperand(n[2][0]));
    SB_ASSIGN_OR_RETURN(c.upper, ParseOperand(n[2][1]));
    SB_RETURN_IF_ERROR(CheckOperands(n[2][1], c.lhs, c.upper, c.op));
  } else {
    SB_ASSIGN_OR_RETURN(c.rhs, ParseOperand(n[2]));
  }
  if (!c.lhs.is_variable && !c.rhs.is_variable) {
    return ErrorAt(origin_, n, "a comparison needs at least one variable");
  }
  SB_RETURN_IF_ERROR(CheckOperands(n, c.lhs, c.rhs, c.op));
  return c;
}

Result<Condition> RuleParser::ParseCondition(const YAML::Node& n) {
  if (n.IsSequence()) return ParseComparison(n);
  if (!n.IsMap() || n.size() != 1) {
    return ErrorAt(origin_, n,
                   "a condition is [left, operator, right] or one of all:, "
                   "any:, not:, exists:, missing:");
  }
  SB_RETURN_IF_ERROR(CheckKeys(n, origin_, "condition",
                               {"all", "any", "not", "exists", "missing"}));
  std::string key = n.begin()->first.Scalar();
  const YAML::Node body = n.begin()->second;
  Condition c;
  if (key == "exists" || key == "missing") {
    c.kind =
        key == "exists" ? Condition::Kind::kExists : Condition::Kind::kMissing;
    SB_ASSIGN_OR_RETURN(c.variable, ScalarText(body, origin_, key));
    SB_RETURN_IF_ERROR(UseVariable(body, c.variable).status());
    return c;
  }
  if (key == "not") {
    c.kind = Condition::Kind::kNot;
    SB_ASSIGN_OR_RETURN(Condition child, ParseCondition(body));
    c.children.push_back(std::move(child));
    return c;
  }
  c.kind = key == "all" ? Condition::Kind::kAll : Condition::Kind::kAny;
  if (!body.IsSequence() || body.size() == 0) {
    return ErrorAt(
        origin_, body,
        fmt::format("{}: needs a non-empty list of conditions", key));
  }
  for (const YAML::Node& child : body) {
    SB_ASSIGN_OR_RETURN(Condition cc, ParseCondition(child));
    c.children.push_back(std::move(cc));
  }
  return c;
}

Status RuleParser::CheckTemplate(const YAML::Node& n, const std::string& t) {
  for (size_t i = 0; i < t.size(); ++i) {
    if (t.compare(i, 2, "{{") == 0 || t.compare(i, 2, "}}") == 0) {
      ++i;
      continue;
    }
    if (t[i] == '}') {
      return ErrorAt(origin_, n, "reason: unmatched '}' (write '}}')");
    }
    if (t[i] != '{') continue;
    size_t end = t.find('}', i);
    if (end == std::string::npos) {
      return ErrorAt(origin_, n, "reason: unclosed '{' (write '{{')");
    }
    std::string name = t.substr(i + 1, end - i - 1);
    if (name == "backend") {
      per_backend_ = true;
    } else {
      Result<VariableInfo> v = LookupVariable(name);
      if (!v.ok()) {
        return ErrorAt(origin_, n, "reason: " + v.status().message());
      }
      SB_RETURN_IF_ERROR(UseVariable(n, name).status());
    }
    i = end;
  }
  return Status::Ok();
}

Status RuleParser::ParseEffect(const YAML::Node& n, Rule* rule) {
  YAML::Node effect = n["effect"];
  if (!effect) return ErrorAt(origin_, n, "rule: 'effect' is required");
  SB_ASSIGN_OR_RETURN(std::string e, ScalarText(effect, origin_, "effect"));
  YAML::Node weight = n["weight"];
  if (e == "veto" || e == "note") {
    rule->effect = e == "veto" ? EffectKind::kVeto : EffectKind::kNote;
    if (weight) {
      return ErrorAt(origin_, weight,
                     fmt::format("weight applies to effect: score, not {}", e));
    }
    return Status::Ok();
  }
  if (e != "score") {
    return ErrorAt(
        origin_, effect,
        fmt::format("unknown effect '{}' (known: veto, score, note)", e));
  }
  rule->effect = EffectKind::kScore;
  if (!weight) return ErrorAt(origin_, effect, "effect: score needs a weight");
  SB_ASSIGN_OR_RETURN(std::string w, ScalarText(weight, origin_, "weight"));
  Result<Quantity> q = ParseQuantity(w);
  if (!q.ok() || q->unit != Unit::kNone || q->value == 0 ||
      std::fabs(q->value) > 1000) {
    return ErrorAt(origin_, weight,
                   fmt::format("weight '{}' is not a non-zero number within "
                               "-1000..1000",
                               w));
  }
  rule->weight = q->value;
  return Status::Ok();
}

Result<Rule> RuleParser::ParseRule(const YAML::Node& n) {
  if (!n.IsMap()) return ErrorAt(origin_, n, "a rule must be a mapping");
  SB_RETURN_IF_ERROR(CheckKeys(n, origin_, "rule",
                               {"id", "description", "rationale", "backends",
                                "when", "effect", "weight", "reason"}));
  vars_.clear();
  per_backend_ = false;
  Rule r;
  r.origin = Where(origin_, n);
  SB_ASSIGN_OR_RETURN(r.id, Text(n, "id", true));
  SB_ASSIGN_OR_RETURN(r.description, Text(n, "description", true));
  SB_ASSIGN_OR_RETURN(r.rationale, Text(n, "rationale", true));
  SB_ASSIGN_OR_RETURN(r.reason, Text(n, "reason", true));
  if (YAML::Node b = n["backends"]) {
    if (!b.IsSequence() || b.size() == 0) {
      return ErrorAt(origin_, b, "backends: needs a non-empty list of names");
    }
    for (const YAML::Node& name : b) {
      SB_ASSIGN_OR_RETURN(std::string s, ScalarText(name, origin_, "backend"));
      if (std::find(std::begin(kKnownBackends), std::end(kKnownBackends), s) ==
          std::end(kKnownBackends)) {
        return ErrorAt(origin_, name,
                       fmt::format("unknown backend '{}' (known: {})", s,
                                   fmt::join(kKnownBackends, ", ")));
      }
      r.backends.push_back(s);
    }
    per_backend_ = true;
  }
  if (YAML::Node w = n["when"]) {
    SB_ASSIGN_OR_RETURN(Condition c, ParseCondition(w));
    r.when = std::move(c);
  }
  SB_RETURN_IF_ERROR(ParseEffect(n, &r));
  SB_RETURN_IF_ERROR(CheckTemplate(n["reason"], r.reason));
  r.variables = vars_;
  r.per_backend = per_backend_;
  if (!r.per_backend && r.effect != EffectKind::kNote) {
    return ErrorAt(origin_, n["effect"],
                   fmt::format("rule '{}': a {} must depend on the backend "
                               "(backends:, or a backend, capability, metric, "
                               "verification or per-backend derived variable)",
                               r.id, EffectName(r)));
  }
  return r;
}

Result<RuleSet> RuleParser::Parse(const std::string& text) {
  SB_ASSIGN_OR_RETURN(YAML::Node root, LoadYaml(text, origin_));
  if (!root.IsMap()) {
    return ErrorAt(origin_, root,
                   "a rules file is a mapping with a 'rules:' list");
  }
  SB_RETURN_IF_ERROR(
      CheckKeys(root, origin_, "rules file", {"version", "mode", "rules"}));
  RuleSet set;
  if (YAML::Node v = root["version"];
      v && (!v.IsScalar() || v.Scalar() != "1")) {
    return ErrorAt(origin_, v, "version: only 1 is known");
  }
  if (YAML::Node m = root["mode"]) {
    SB_ASSIGN_OR_RETURN(std::string mode, ScalarText(m, origin_, "mode"));
    if (mode != "replace" && mode != "extend") {
      return ErrorAt(origin_, m,
                     fmt::format("mode: '{}' is not replace or extend", mode));
    }
    set.extend = mode == "extend";
  }
  YAML::Node rules = root["rules"];
  if (!rules || !rules.IsSequence()) {
    return ErrorAt(origin_, rules ? rules : root,
                   "rules: needs a list of rules");
  }
  std::set<std::string> ids;
  for (const YAML::Node& n : rules) {
    SB_ASSIGN_OR_RETURN(Rule r, ParseRule(n));
    if (!ids.insert(r.id).second) {
      return ErrorAt(origin_, n["id"],
                     fmt::format("rule id '{}' used twice", r.id));
    }
    set.rules.push_back(std::move(r));
  }
  return set;
}

}  // namespace

Result<RuleSet> ParseRules(const std::string& text, const std::string& origin) {
  try {
    return RuleParser(origin).Parse(text);
  } catch (const YAML::Exception& e) {
    // Node access on malformed structure; positions are in the message.
    return Status::InvalidArgument(
        fmt::format("{}: invalid rules file: {}", origin, e.what()));
  }
}

Result<RuleSet> LoadRules(const std::string& path) {
  SB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  // The default rules are ~20 KiB; parsing megabytes of YAML only wastes
  // time.
  constexpr size_t kMaxBytes = 1 << 20;
  if (text.size() > kMaxBytes) {
    return Status::InvalidArgument(path + ": " + std::to_string(text.size()) +
                                   " bytes; a rules file is at most 1 MiB");
  }
  return ParseRules(text, path);
}

}  // namespace statebench::advisor
