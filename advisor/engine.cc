// The scoring core: rules against facts, scores and vetoes, the ranking.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "advisor/advisor.h"
#include "advisor/capacity.h"

namespace statebench::advisor {
namespace {

FiredRule Fire(const Rule& rule, const Facts& facts,
               const std::string& backend) {
  FiredRule f;
  f.rule_id = rule.id;
  f.backend = backend;
  f.effect = rule.effect;
  f.weight = rule.weight;
  f.reason = RenderReason(rule, facts);
  for (const std::string& v : rule.variables) {
    f.values.emplace_back(v, FactOrMissing(facts, v).Format());
  }
  return f;
}

// "veto [id]: reason", "+25 [id]: reason", "note [id]: reason".
std::string ReasonLine(const FiredRule& f) {
  std::string effect = f.effect == EffectKind::kVeto ? "veto"
                       : f.effect == EffectKind::kNote
                           ? "note"
                           : fmt::format("{:+g}", f.weight);
  return fmt::format("{} [{}]: {}", effect, f.rule_id, f.reason);
}

bool Applies(const Rule& rule, const std::string& backend) {
  return rule.backends.empty() ||
         std::find(rule.backends.begin(), rule.backends.end(), backend) !=
             rule.backends.end();
}

// Evaluates the per-backend rules for one backend.
void ScoreBackend(const RuleSet& rules, BackendAdvice* a,
                  std::vector<FiredRule>* fired) {
  std::vector<FiredRule> mine;
  for (const Rule& rule : rules.rules) {
    if (!rule.per_backend || !Applies(rule, a->name)) continue;
    std::vector<std::string> missing;
    Tri t = rule.when ? Evaluate(*rule.when, a->facts, &missing) : Tri::kTrue;
    if (t == Tri::kUnknown) {
      // Only gaps in the measurements matter; an optional profile field
      // left out simply makes the rule not apply.
      for (const std::string& v : missing) {
        const std::string& why = FactOrMissing(a->facts, v).missing_reason;
        if (why.empty()) continue;
        std::vector<std::string>& ids = a->unevaluated[why];
        if (std::find(ids.begin(), ids.end(), rule.id) == ids.end()) {
          ids.push_back(rule.id);
        }
      }
      continue;
    }
    if (t != Tri::kTrue) continue;
    mine.push_back(Fire(rule, a->facts, a->label));
    if (rule.effect == EffectKind::kVeto) a->vetoed = true;
    if (rule.effect == EffectKind::kScore) a->score += rule.weight;
  }
  auto rank = [](const FiredRule& f) {
    return f.effect == EffectKind::kVeto    ? 1e9
           : f.effect == EffectKind::kScore ? std::fabs(f.weight)
                                            : -1.0;
  };
  std::stable_sort(mine.begin(), mine.end(),
                   [&](const FiredRule& x, const FiredRule& y) {
                     return rank(x) > rank(y);
                   });
  for (FiredRule& f : mine) {
    a->reasons.push_back(ReasonLine(f));
    fired->push_back(std::move(f));
  }
}

bool ReadsRelativeFacts(const Rule& rule) {
  return std::any_of(
      rule.variables.begin(), rule.variables.end(), [](const std::string& v) {
        return v.size() > 8 && v.compare(v.size() - 8, 8, "_vs_best") == 0;
      });
}

// Which backends are still in the running before the relative facts exist:
// measured, and vetoed by no rule that does not itself compare backends.
std::vector<bool> InRunning(const RuleSet& rules,
                            const std::vector<BackendMeasurement>& ms,
                            const std::vector<Facts>& facts) {
  std::vector<bool> running(ms.size(), false);
  bool any = false;
  for (size_t i = 0; i < ms.size(); ++i) {
    if (!ms[i].ok) continue;
    running[i] = std::none_of(
        rules.rules.begin(), rules.rules.end(), [&](const Rule& rule) {
          return rule.per_backend && rule.effect == EffectKind::kVeto &&
                 Applies(rule, ms[i].name) && !ReadsRelativeFacts(rule) &&
                 (!rule.when ||
                  Evaluate(*rule.when, facts[i], nullptr) == Tri::kTrue);
        });
    any = any || running[i];
  }
  // Every backend vetoed: compare among all measured ones, so the relative
  // figures still say something.
  if (!any) {
    for (size_t i = 0; i < ms.size(); ++i) running[i] = ms[i].ok;
  }
  return running;
}

double NumberOr(const Facts& f, std::string_view name, double fallback) {
  const Value& v = FactOrMissing(f, name);
  return v.present() ? v.number : fallback;
}

// Best first: not vetoed, higher score, fewer subtasks (the measured cost),
// lower p99, then the label for a stable order.
bool Better(const BackendAdvice& a, const BackendAdvice& b) {
  if (a.vetoed != b.vetoed) return !a.vetoed;
  if (a.measured != b.measured) return a.measured;
  if (a.score != b.score) return a.score > b.score;
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double sa = NumberOr(a.facts, "derived.subtasks_needed", kInf);
  double sb = NumberOr(b.facts, "derived.subtasks_needed", kInf);
  if (sa != sb) return sa < sb;
  double pa = NumberOr(a.facts, "derived.p99_latency", kInf);
  double pb = NumberOr(b.facts, "derived.p99_latency", kInf);
  if (pa != pb) return pa < pb;
  return a.label < b.label;
}

}  // namespace

Recommendation Rank(const Profile& profile,
                    const std::vector<BackendMeasurement>& measurements,
                    const RuleSet& rules) {
  Recommendation r;
  r.profile = profile;
  Facts profile_facts = ProfileFacts(profile);
  for (const Rule& rule : rules.rules) {
    if (rule.per_backend) continue;
    if (rule.when &&
        Evaluate(*rule.when, profile_facts, nullptr) != Tri::kTrue) {
      continue;
    }
    r.fired.push_back(Fire(rule, profile_facts, ""));
    r.notes.push_back(ReasonLine(r.fired.back()));
  }
  std::vector<Facts> facts;
  for (const BackendMeasurement& m : measurements) {
    facts.push_back(BackendFacts(profile, profile_facts, m));
  }
  AddRelativeFacts(&facts, InRunning(rules, measurements, facts));
  for (size_t i = 0; i < measurements.size(); ++i) {
    const BackendMeasurement& m = measurements[i];
    BackendAdvice a;
    a.label = m.label;
    a.name = m.name;
    a.measured = m.ok;
    a.facts = std::move(facts[i]);
    if (m.ok) {
      ScoreBackend(rules, &a, &r.fired);
    } else {
      a.vetoed = true;
      a.reasons.push_back(
          m.unsupported
              ? "not ranked: it cannot hold the measured state (" + m.failure +
                    ")"
              : "not ranked: its measurement failed (" + m.failure + ")");
    }
    r.ranking.push_back(std::move(a));
  }
  std::stable_sort(r.ranking.begin(), r.ranking.end(), Better);
  if (!r.ranking.empty() && !r.ranking.front().vetoed) {
    r.top = r.ranking.front().label;
  }
  return r;
}

}  // namespace statebench::advisor
