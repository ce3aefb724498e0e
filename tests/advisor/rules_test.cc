#include "advisor/rules.h"

#include <gtest/gtest.h>

#include "base/file_util.h"

namespace statebench::advisor {
namespace {

// A valid rule whose `when`, `effect` lines can be swapped out.
std::string RuleFile(const std::string& when, const std::string& effect,
                     const std::string& extra = "") {
  return "version: 1\n"
         "rules:\n"
         "  - id: test-rule\n"
         "    description: a test\n"
         "    rationale: because\n"
         "    reason: \"{backend} fired\"\n"
         "    when: " +
         when + "\n    effect: " + effect + "\n" + extra;
}

TEST(RulesTest, ParsesAValidRule) {
  Result<RuleSet> r = ParseRules(
      RuleFile(
          "[derived.p99_latency, \">\", \"0.5 * profile.latency_slo_p99\"]",
          "score\n    weight: -10"),
      "r.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->rules.size(), 1u);
  const Rule& rule = r->rules[0];
  EXPECT_EQ(rule.id, "test-rule");
  EXPECT_EQ(rule.effect, EffectKind::kScore);
  EXPECT_EQ(rule.weight, -10);
  EXPECT_TRUE(rule.per_backend);
  EXPECT_EQ(rule.origin, "r.yaml:3:5");
  ASSERT_TRUE(rule.when.has_value());
  EXPECT_EQ(rule.when->rhs.scale, 0.5);
  EXPECT_EQ(rule.variables,
            (std::vector<std::string>{"derived.p99_latency",
                                      "profile.latency_slo_p99"}));
}

struct BadRules {
  std::string text;
  const char* where;
  const char* problem;
};

class RulesErrorTest : public ::testing::TestWithParam<BadRules> {};

TEST_P(RulesErrorTest, FailsWithFileLineAndProblem) {
  Result<RuleSet> r = ParseRules(GetParam().text, "bad.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  const std::string& m = r.status().message();
  EXPECT_EQ(m.rfind(GetParam().where, 0), 0u) << m;
  EXPECT_NE(m.find(GetParam().problem), std::string::npos) << m;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RulesErrorTest,
    ::testing::Values(
        // Unknown field in a rule.
        BadRules{RuleFile("[capability.remote, \"==\", true]", "veto",
                          "    severity: high\n"),
                 "bad.yaml:9:5", "unknown rule key 'severity'"},
        // Bad operator.
        BadRules{RuleFile("[capability.remote, \"=~\", true]", "veto"),
                 "bad.yaml:7:31", "unknown operator '=~'"},
        // Unknown variable, in a condition and in a reason template.
        BadRules{RuleFile("[profile.stat_size, \">\", \"1GiB\"]", "veto"),
                 "bad.yaml:7:12", "unknown variable 'profile.stat_size'"},
        BadRules{RuleFile("[metric.latency.value_got.p99_ns, \">\", \"1ms\"]",
                          "veto"),
                 "bad.yaml:7:12", "unknown metric"},
        BadRules{"rules:\n  - id: x\n    description: d\n    rationale: r\n"
                 "    reason: \"{derived.nonsense}\"\n"
                 "    when: [capability.remote, \"==\", true]\n"
                 "    effect: veto\n",
                 "bad.yaml:5:13", "unknown variable 'derived.nonsense'"},
        // Bad effects.
        BadRules{RuleFile("[capability.remote, \"==\", true]", "banish"),
                 "bad.yaml:8:13", "unknown effect 'banish'"},
        BadRules{RuleFile("[capability.remote, \"==\", true]", "score"),
                 "bad.yaml:8:13", "needs a weight"},
        BadRules{RuleFile("[capability.remote, \"==\", true]",
                          "veto\n    weight: 3"),
                 "bad.yaml:9:13", "weight applies to effect: score"},
        BadRules{RuleFile("[capability.remote, \"==\", true]",
                          "score\n    weight: lots"),
                 "bad.yaml:9:13", "not a non-zero number"},
        // A veto that cannot depend on the backend.
        BadRules{"rules:\n  - id: x\n    description: d\n    rationale: r\n"
                 "    reason: r\n"
                 "    when: [profile.exactly_once, \"==\", true]\n"
                 "    effect: veto\n",
                 "bad.yaml:7:13", "must depend on the backend"},
        // Types and units that cannot be compared.
        BadRules{RuleFile("[profile.state_size, \">\", \"5ms\"]", "note"),
                 "bad.yaml:7:11", "(bytes) with '5ms' (duration)"},
        BadRules{RuleFile("[backend.name, \">\", redis]", "note"),
                 "bad.yaml:7:11", "only == and != apply"},
        BadRules{RuleFile("[capability.remote, \"==\", 3]", "note"),
                 "bad.yaml:7:11", "cannot compare"},
        BadRules{RuleFile("[profile.state_size, between, [\"1GiB\"]]", "note"),
                 "bad.yaml:7:41", "between needs [low, high]"},
        // Structure.
        BadRules{RuleFile("[capability.remote, \"==\"]", "note"),
                 "bad.yaml:7:11", "a comparison is [left, operator, right]"},
        BadRules{RuleFile("{every: []}", "note"), "bad.yaml:7:12",
                 "unknown condition key 'every'"},
        BadRules{RuleFile("{all: []}", "note"), "bad.yaml:7:17",
                 "needs a non-empty list"},
        BadRules{"rules:\n  - id: x\n    description: d\n    rationale: r\n"
                 "    reason: r\n    backends: [cassandra]\n"
                 "    effect: veto\n",
                 "bad.yaml:6:16", "unknown backend 'cassandra'"},
        BadRules{"rules:\n  - id: x\n    description: d\n    rationale: r\n"
                 "    effect: note\n",
                 "bad.yaml:2:5", "'reason' is required"},
        BadRules{"rules:\n  - id: x\n    description: d\n    rationale: r\n"
                 "    reason: \"unclosed {brace\"\n    effect: note\n",
                 "bad.yaml:5:13", "unclosed '{'"},
        BadRules{RuleFile("[capability.remote, \"==\", true]", "note") +
                     "  - id: test-rule\n    description: d\n"
                     "    rationale: r\n    reason: r\n    effect: note\n",
                 "bad.yaml:9:9", "rule id 'test-rule' used twice"},
        BadRules{"rules: {}\n", "bad.yaml:1:8", "needs a list of rules"},
        BadRules{"rules: []\nmode: merge\n", "bad.yaml:2:7",
                 "not replace or extend"},
        BadRules{"rules: []\nversion: 2\n", "bad.yaml:2:10", "only 1 is known"},
        BadRules{"rulez: []\n", "bad.yaml:1:1",
                 "unknown rules file key 'rulez'"},
        // YAML syntax.
        BadRules{"rules:\n  - id: [unclosed\n", "bad.yaml:", "invalid YAML"},
        BadRules{"rules:\n\t- id: tab\n", "bad.yaml:", "invalid YAML"}));

TEST(RulesTest, LoadRulesNamesThePathAndLine) {
  Result<std::string> dir = MakeTempDirectory("advisor-rules-");
  ASSERT_TRUE(dir.ok());
  std::string path = *dir + "/custom.yaml";
  ASSERT_TRUE(WriteFileAtomically(
                  path, RuleFile("[capability.remote, \"=>\", true]", "veto"))
                  .ok());
  Result<RuleSet> r = LoadRules(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind(path + ":7:", 0), 0u)
      << r.status().message();
  ASSERT_TRUE(RemoveTree(*dir).ok());
}

Facts SampleFacts() {
  Facts f;
  f["profile.state_size"] = Value::Number(100, Unit::kBytes);
  f["capability.remote"] = Value::Bool(true);
  f["backend.name"] = Value::Text("redis");
  f["backend.label"] = Value::Text("redis[mode=buffered]");
  f["derived.restore_time"] = Value::Missing("no restore was measured");
  return f;
}

Condition ParseWhen(const std::string& when) {
  Result<RuleSet> r = ParseRules(RuleFile(when, "note"), "t.yaml");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() && r->rules[0].when ? *r->rules[0].when : Condition{};
}

TEST(RulesTest, EvaluatesComparisonsAndRanges) {
  Facts f = SampleFacts();
  EXPECT_EQ(Evaluate(ParseWhen("[profile.state_size, \">\", 99]"), f, nullptr),
            Tri::kTrue);
  EXPECT_EQ(Evaluate(ParseWhen("[profile.state_size, \"<=\", 99]"), f, nullptr),
            Tri::kFalse);
  EXPECT_EQ(Evaluate(ParseWhen("[profile.state_size, between, [50, 100]]"), f,
                     nullptr),
            Tri::kTrue);
  EXPECT_EQ(Evaluate(ParseWhen("[profile.state_size, between, [101, 200]]"), f,
                     nullptr),
            Tri::kFalse);
  EXPECT_EQ(Evaluate(ParseWhen("[backend.name, \"!=\", postgres]"), f, nullptr),
            Tri::kTrue);
  EXPECT_EQ(Evaluate(ParseWhen("[\"2 * profile.state_size\", \"==\", 200]"), f,
                     nullptr),
            Tri::kTrue);
}

TEST(RulesTest, MissingFiguresMakeConditionsUnknownNotFalse) {
  Facts f = SampleFacts();
  std::vector<std::string> missing;
  Condition c = ParseWhen("[derived.restore_time, \">\", \"60s\"]");
  EXPECT_EQ(Evaluate(c, f, &missing), Tri::kUnknown);
  EXPECT_EQ(missing, std::vector<std::string>{"derived.restore_time"});
  // not(unknown) stays unknown: a missing figure never fires a rule.
  EXPECT_EQ(Evaluate(ParseWhen("{not: [derived.restore_time, \">\", \"60s\"]}"),
                     f, nullptr),
            Tri::kUnknown);
  // Kleene: false absorbs in all, true absorbs in any.
  EXPECT_EQ(Evaluate(ParseWhen("{all: [[derived.restore_time, \">\", \"1s\"], "
                               "[capability.remote, \"==\", false]]}"),
                     f, nullptr),
            Tri::kFalse);
  EXPECT_EQ(Evaluate(ParseWhen("{any: [[derived.restore_time, \">\", \"1s\"], "
                               "[capability.remote, \"==\", true]]}"),
                     f, nullptr),
            Tri::kTrue);
  EXPECT_EQ(Evaluate(ParseWhen("{missing: derived.restore_time}"), f, nullptr),
            Tri::kTrue);
  EXPECT_EQ(Evaluate(ParseWhen("{exists: derived.restore_time}"), f, nullptr),
            Tri::kFalse);
}

TEST(RulesTest, ReasonTemplatesQuoteNumbersWithUnits) {
  Result<RuleSet> r = ParseRules(
      "rules:\n  - id: x\n    description: d\n    rationale: r\n"
      "    reason: \"{backend}: {profile.state_size} {{literal}} "
      "{derived.restore_time}\"\n    effect: note\n",
      "t.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  Facts f = SampleFacts();
  f["profile.state_size"] =
      Value::Number(3 * 1024.0 * 1024 * 1024, Unit::kBytes);
  EXPECT_EQ(RenderReason(r->rules[0], f),
            "redis[mode=buffered]: 3 GiB {literal} n/a");
}

TEST(RulesTest, DefaultRulesParseAndEachHasARationale) {
  const RuleSet& rules = DefaultRules();
  EXPECT_GE(rules.rules.size(), 25u);
  for (const Rule& r : rules.rules) {
    EXPECT_FALSE(r.rationale.empty()) << r.id;
    EXPECT_FALSE(r.reason.empty()) << r.id;
    EXPECT_EQ(r.origin.rfind("<default rules>:", 0), 0u) << r.id;
  }
  for (const char* id :
       {"heap-state-exceeds-memory", "jobmanager-cap-exceeded",
        "large-state-incremental", "checkpoint-slower-than-interval",
        "restore-exceeds-rto", "p99-exceeds-slo", "remote-round-trip-tight-slo",
        "exactly-once-capability", "verification-failed",
        "no-loss-needs-durable-checkpoints", "sql-team-postgres", "redis-team",
        "rocksdb-untuned-at-scale", "self-run-server-low-ops",
        "managed-service", "disk-write-budget-exceeded"}) {
    EXPECT_NE(rules.Find(id), nullptr) << id;
  }
}

TEST(RulesTest, ExtendAddsRulesAndReplacesSameId) {
  Result<RuleSet> extra = ParseRules(
      "mode: extend\nrules:\n"
      "  - id: sql-team-postgres\n    description: stronger\n"
      "    rationale: r\n    reason: r\n    backends: [postgres]\n"
      "    effect: score\n    weight: 50\n"
      "  - id: brand-new\n    description: d\n    rationale: r\n"
      "    reason: r\n    effect: note\n",
      "extra.yaml");
  ASSERT_TRUE(extra.ok()) << extra.status().message();
  EXPECT_TRUE(extra->extend);
  RuleSet merged = ExtendRules(DefaultRules(), *extra);
  EXPECT_EQ(merged.rules.size(), DefaultRules().rules.size() + 1);
  ASSERT_NE(merged.Find("sql-team-postgres"), nullptr);
  EXPECT_EQ(merged.Find("sql-team-postgres")->weight, 50);
  EXPECT_NE(merged.Find("brand-new"), nullptr);
}

TEST(RulesTest, ExplainShowsConditionsEffectAndRationale) {
  const Rule* rule = DefaultRules().Find("heap-state-exceeds-memory");
  ASSERT_NE(rule, nullptr);
  std::string text = ExplainRule(*rule);
  EXPECT_NE(text.find("rule heap-state-exceeds-memory"), std::string::npos);
  EXPECT_NE(text.find("all of:"), std::string::npos) << text;
  EXPECT_NE(text.find("derived.heap_required > derived.cluster_memory"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("effect:     veto"), std::string::npos) << text;
  EXPECT_NE(text.find("HashMapStateBackend"), std::string::npos) << text;
  EXPECT_NE(text.find("memory_per_node x nodes"), std::string::npos) << text;
}

TEST(RulesTest, ExampleExtensionFileParsesAndExtends) {
  Result<RuleSet> r = LoadRules(std::string(STATEBENCH_SOURCE_DIR) +
                                "/advisor/examples/custom-rules.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->extend);
  ASSERT_EQ(r->rules.size(), 2u);
  RuleSet merged = ExtendRules(DefaultRules(), *r);
  const Rule* replaced = merged.Find("checkpoint-slower-than-interval");
  ASSERT_NE(replaced, nullptr);
  EXPECT_EQ(replaced->effect, EffectKind::kVeto);
  EXPECT_NE(merged.Find("slow-gets"), nullptr);
}

}  // namespace
}  // namespace statebench::advisor
