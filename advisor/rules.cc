// Evaluation and description of parsed rules (advisor/rules.h).
#include "advisor/rules.h"

#include <fmt/format.h>

#include <cstdlib>
#include <iostream>

#include "advisor/default_rules.h"

namespace statebench::advisor {
namespace {

std::string_view OpText(CompareOp op) {
  switch (op) {
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
    case CompareOp::kEq:
      return "==";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kBetween:
      return "between";
  }
  return "?";
}

// The operand's value, scaled; missing variables are recorded.
Value Resolve(const Operand& o, const Facts& facts,
              std::vector<std::string>* missing) {
  if (!o.is_variable) return o.literal;
  Value v = FactOrMissing(facts, o.variable);
  if (!v.present()) {
    if (missing) missing->push_back(o.variable);
    return v;
  }
  if (v.kind == ValueKind::kNumber) v.number *= o.scale;
  return v;
}

bool CompareValues(const Value& a, CompareOp op, const Value& b) {
  if (a.kind == ValueKind::kNumber) {
    switch (op) {
      case CompareOp::kLt:
        return a.number < b.number;
      case CompareOp::kLe:
        return a.number <= b.number;
      case CompareOp::kGt:
        return a.number > b.number;
      case CompareOp::kGe:
        return a.number >= b.number;
      case CompareOp::kEq:
        return a.number == b.number;
      case CompareOp::kNe:
        return a.number != b.number;
      case CompareOp::kBetween:
        return false;  // handled by the caller
    }
  }
  bool equal =
      a.kind == ValueKind::kBool ? a.boolean == b.boolean : a.text == b.text;
  return op == CompareOp::kEq ? equal : !equal;
}

Tri FromBool(bool b) { return b ? Tri::kTrue : Tri::kFalse; }

Tri EvaluateCompare(const Condition& c, const Facts& facts,
                    std::vector<std::string>* missing) {
  Value a = Resolve(c.lhs, facts, missing);
  Value b = Resolve(c.rhs, facts, missing);
  if (c.op == CompareOp::kBetween) {
    Value hi = Resolve(c.upper, facts, missing);
    if (!a.present() || !b.present() || !hi.present()) return Tri::kUnknown;
    return FromBool(a.number >= b.number && a.number <= hi.number);
  }
  if (!a.present() || !b.present()) return Tri::kUnknown;
  return FromBool(CompareValues(a, c.op, b));
}

std::string Indent(int depth) { return std::string(2 * depth, ' '); }

void DescribeInto(const Condition& c, int depth, std::string* out) {
  switch (c.kind) {
    case Condition::Kind::kAll:
    case Condition::Kind::kAny:
      *out += Indent(depth) +
              (c.kind == Condition::Kind::kAll ? "all of:\n" : "any of:\n");
      for (const Condition& child : c.children) {
        DescribeInto(child, depth + 1, out);
      }
      return;
    case Condition::Kind::kNot:
      *out += Indent(depth) + "not:\n";
      DescribeInto(c.children.front(), depth + 1, out);
      return;
    case Condition::Kind::kExists:
      *out += Indent(depth) + c.variable + " is known\n";
      return;
    case Condition::Kind::kMissing:
      *out += Indent(depth) + c.variable + " is missing\n";
      return;
    case Condition::Kind::kCompare:
      *out += Indent(depth) + c.lhs.text + " " + std::string(OpText(c.op)) +
              " " +
              (c.op == CompareOp::kBetween
                   ? "[" + c.rhs.text + ", " + c.upper.text + "]"
                   : c.rhs.text) +
              "\n";
      return;
  }
}

}  // namespace

const Rule* RuleSet::Find(std::string_view id) const {
  for (const Rule& r : rules) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

Tri Evaluate(const Condition& c, const Facts& facts,
             std::vector<std::string>* missing) {
  switch (c.kind) {
    case Condition::Kind::kCompare:
      return EvaluateCompare(c, facts, missing);
    case Condition::Kind::kExists:
      return FromBool(FactOrMissing(facts, c.variable).present());
    case Condition::Kind::kMissing:
      return FromBool(!FactOrMissing(facts, c.variable).present());
    case Condition::Kind::kNot: {
      Tri t = Evaluate(c.children.front(), facts, missing);
      return t == Tri::kUnknown ? t : FromBool(t == Tri::kFalse);
    }
    case Condition::Kind::kAll:
    case Condition::Kind::kAny: {
      // Absorbing value: false for all, true for any.
      Tri absorbing =
          c.kind == Condition::Kind::kAll ? Tri::kFalse : Tri::kTrue;
      bool unknown = false;
      std::vector<std::string> local;
      for (const Condition& child : c.children) {
        Tri t = Evaluate(child, facts, &local);
        if (t == absorbing) return t;
        unknown = unknown || t == Tri::kUnknown;
      }
      if (!unknown)
        return c.kind == Condition::Kind::kAll ? Tri::kTrue : Tri::kFalse;
      if (missing) missing->insert(missing->end(), local.begin(), local.end());
      return Tri::kUnknown;
    }
  }
  return Tri::kUnknown;
}

std::string RenderReason(const Rule& rule, const Facts& facts) {
  const std::string& t = rule.reason;
  std::string out;
  for (size_t i = 0; i < t.size(); ++i) {
    if (t.compare(i, 2, "{{") == 0 || t.compare(i, 2, "}}") == 0) {
      out += t[i++];
      continue;
    }
    size_t end = t[i] == '{' ? t.find('}', i) : std::string::npos;
    if (end == std::string::npos) {
      out += t[i];
      continue;
    }
    std::string name = t.substr(i + 1, end - i - 1);
    out += FactOrMissing(facts, name == "backend" ? "backend.label" : name)
               .Format();
    i = end;
  }
  return out;
}

std::string DescribeCondition(const Condition& c) {
  std::string out;
  DescribeInto(c, 0, &out);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string EffectName(const Rule& rule) {
  switch (rule.effect) {
    case EffectKind::kVeto:
      return "veto";
    case EffectKind::kNote:
      return "note";
    case EffectKind::kScore:
      return fmt::format("score {:+g}", rule.weight);
  }
  return "?";
}

std::string ExplainRule(const Rule& rule) {
  std::string out = fmt::format("rule {}  ({})\n  {}\n", rule.id, rule.origin,
                                rule.description);
  out += fmt::format(
      "  applies to: {}\n",
      rule.backends.empty()
          ? (rule.per_backend ? "every backend" : "the profile (once)")
          : fmt::format("{}", fmt::join(rule.backends, ", ")));
  if (rule.when) {
    std::string cond = DescribeCondition(*rule.when);
    std::string indented;
    for (char ch : cond) {
      indented += ch;
      if (ch == '\n') indented += "              ";
    }
    out += "  when:       " + indented + "\n";
  } else {
    out += "  when:       always\n";
  }
  out += "  effect:     " + EffectName(rule) + "\n";
  out += "  reason:     " + rule.reason + "\n";
  out += "  rationale:  " + rule.rationale + "\n";
  if (!rule.variables.empty()) {
    out += "  uses:\n";
    for (const std::string& v : rule.variables) {
      Result<VariableInfo> info = LookupVariable(v);
      out += fmt::format("    {:<36} {}\n", v, info.ok() ? info->doc : "");
    }
  }
  return out;
}

const std::string& DefaultRulesText() {
  static const std::string text(kDefaultRulesYaml);
  return text;
}

const RuleSet& DefaultRules() {
  static const RuleSet rules = [] {
    Result<RuleSet> r = ParseRules(DefaultRulesText(), "<default rules>");
    if (!r.ok()) {
      // The file is compiled in and covered by tests: a failure here is a
      // build defect, not bad input.
      std::cerr << "statebench: internal error: " << r.status().message()
                << "\n";
      std::abort();
    }
    return std::move(r).value();
  }();
  return rules;
}

RuleSet ExtendRules(RuleSet base, const RuleSet& extra) {
  for (const Rule& r : extra.rules) {
    bool replaced = false;
    for (Rule& b : base.rules) {
      if (b.id == r.id) {
        b = r;
        replaced = true;
      }
    }
    if (!replaced) base.rules.push_back(r);
  }
  return base;
}

}  // namespace statebench::advisor
