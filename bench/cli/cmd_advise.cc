// `statebench advise`: a requirements profile plus measured results in, a
// ranked and explained recommendation out (advisor/advisor.h).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "advisor/advisor.h"
#include "base/file_util.h"
#include "bench/cli/calibration.h"
#include "bench/cli/commands.h"
#include "bench/cli/output_paths.h"

namespace statebench {
namespace {

struct AdviseOptions {
  std::string profile;
  std::vector<std::string> results;
  std::string rules;                      // replaces (or extends) defaults
  std::vector<std::string> rules_extend;  // always extend
  std::string format = "console";
  std::string output;
  std::string save_results;
  std::string explain;
  bool list_rules = false;
  bool no_what_if = false;
  std::vector<OutputPath> outputs;  // filled after parsing
  // Runs a short calibration when no --results are given (RunCalibration;
  // tests may leave it empty, and advise then asks for --results).
  advisor::CalibrateFn calibrate;
};

int Fail(CliContext& ctx, const std::string& message, int code = kExitUsage) {
  *ctx.err << "statebench: " << message << "\n";
  return code;
}

Result<advisor::RuleSet> LoadRuleSet(const AdviseOptions& o) {
  advisor::RuleSet rules = advisor::DefaultRules();
  if (!o.rules.empty()) {
    SB_ASSIGN_OR_RETURN(advisor::RuleSet custom, advisor::LoadRules(o.rules));
    rules = custom.extend ? advisor::ExtendRules(std::move(rules), custom)
                          : std::move(custom);
  }
  for (const std::string& path : o.rules_extend) {
    SB_ASSIGN_OR_RETURN(advisor::RuleSet extra, advisor::LoadRules(path));
    rules = advisor::ExtendRules(std::move(rules), extra);
  }
  return rules;
}

int ExplainOrList(const AdviseOptions& o, const advisor::RuleSet& rules,
                  CliContext& ctx) {
  if (o.list_rules) {
    for (const advisor::Rule& r : rules.rules) {
      *ctx.out << fmt::format("{:<36} {:<10} {}\n", r.id,
                              advisor::EffectName(r), r.description);
    }
    return kExitOk;
  }
  const advisor::Rule* rule = rules.Find(o.explain);
  if (!rule) {
    std::vector<std::string> ids;
    for (const advisor::Rule& r : rules.rules) ids.push_back(r.id);
    return Fail(ctx, fmt::format("--explain: no rule '{}' (rules: {})",
                                 o.explain, fmt::join(ids, ", ")));
  }
  *ctx.out << advisor::ExplainRule(*rule);
  return kExitOk;
}

constexpr char kCalibrationSource[] = "calibration run";

// The results to advise on: the files given, or a calibration run.
Result<std::vector<ResultsFile>> LoadMeasurements(
    const AdviseOptions& o, CliContext& ctx,
    std::vector<std::string>* sources) {
  std::vector<ResultsFile> files;
  for (const std::string& path : o.results) {
    SB_ASSIGN_OR_RETURN(ResultsFile f, LoadResultsFile(path));
    files.push_back(std::move(f));
    sources->push_back(path);
  }
  if (!files.empty()) return files;
  if (!o.calibrate) {
    return Status::InvalidArgument(
        "no --results given and calibration is not available yet; run "
        "'statebench compare --output results.json' and pass --results "
        "results.json");
  }
  *ctx.err << "statebench: no --results given: running a short calibration "
              "(figures are rough; pass --results for a real comparison)\n";
  SB_ASSIGN_OR_RETURN(ResultsFile f, o.calibrate());
  files.push_back(std::move(f));
  sources->push_back(kCalibrationSource);
  return files;
}

std::string Render(const advisor::Recommendation& r, const std::string& fmt) {
  if (fmt == "json")
    return JsonText(advisor::RecommendationToJson(r), 2) + "\n";
  if (fmt == "md") return advisor::RenderMarkdown(r);
  return advisor::RenderConsole(r);
}

// The merged results with the recommendation attached, for reports.
Status SaveWithRecommendation(const std::vector<ResultsFile>& files,
                              const advisor::Recommendation& r,
                              const std::string& path) {
  ResultsFile merged = files.front();
  for (size_t i = 1; i < files.size(); ++i) {
    merged.runs.insert(merged.runs.end(), files[i].runs.begin(),
                       files[i].runs.end());
  }
  merged.recommendation = advisor::RecommendationToJson(r);
  return SaveResultsFile(merged, path);
}

// -o and --save-results are checked together before anything runs (a
// calibration measures for seconds), so that a bad path never leaves the
// other output written.
int CheckOutputs(const AdviseOptions& o, CliContext& ctx) {
  if (Status s = CheckOutputPaths(o.outputs); !s.ok()) {
    return Fail(ctx, s.message());
  }
  // Without -o the recommendation goes to stdout, which --save-results
  // must then not claim as well.
  if (o.output.empty() && !o.save_results.empty() &&
      AnyOutputIsStandardOutput(o.outputs)) {
    return Fail(ctx, "--save-results '" + o.save_results +
                         "' is standard output, where the recommendation "
                         "goes without --output; give one of them a file");
  }
  return kExitOk;
}

int RunAdvise(const AdviseOptions& o, CliContext& ctx) {
  Result<advisor::RuleSet> rules = LoadRuleSet(o);
  if (!rules.ok()) return Fail(ctx, rules.status().message());
  if (o.list_rules || !o.explain.empty()) return ExplainOrList(o, *rules, ctx);
  if (int code = CheckOutputs(o, ctx); code != kExitOk) return code;
  if (o.profile.empty()) {
    return Fail(ctx, "advise: --profile is required (or use --explain)");
  }
  Result<advisor::Profile> profile = advisor::LoadProfile(o.profile);
  if (!profile.ok()) return Fail(ctx, profile.status().message());
  std::vector<std::string> sources;
  Result<std::vector<ResultsFile>> files = LoadMeasurements(o, ctx, &sources);
  if (!files.ok()) {
    return Fail(ctx, files.status().message(),
                files.status().code() == StatusCode::kInvalidArgument ||
                        files.status().code() == StatusCode::kNotFound
                    ? kExitUsage
                    : kExitFailure);
  }
  advisor::AdviseOptions options;
  options.what_if = !o.no_what_if;
  Result<advisor::Recommendation> rec =
      advisor::Advise(*profile, *files, *rules, sources, options);
  if (!rec.ok()) return Fail(ctx, rec.status().message());
  if (o.results.empty()) {  // the figures came from RunCalibration
    rec->confidence.insert(
        rec->confidence.begin(),
        "all figures come from a short calibration (about 1 s per embedded "
        "backend on a small state); pass --results from 'statebench "
        "compare' for figures to act on");
  }
  std::string text = Render(*rec, o.format);
  if (o.output.empty() || o.output == "-") {
    *ctx.out << text;
    ctx.out->flush();
  } else if (Status s =
                 WriteFileAtomically(o.output, text, FileAccess::kShared);
             !s.ok()) {
    return Fail(ctx, "cannot write " + o.output + ": " + s.message(),
                kExitFailure);
  }
  if (!o.save_results.empty()) {
    if (Status s = SaveWithRecommendation(*files, *rec, o.save_results);
        !s.ok()) {
      return Fail(ctx, "cannot write " + o.save_results + ": " + s.message(),
                  kExitFailure);
    }
  }
  return kExitOk;
}

}  // namespace

void SetupAdviseCommand(CLI::App& app, CliContext* ctx) {
  auto o = std::make_shared<AdviseOptions>();
  o->calibrate = [ctx] { return RunCalibration(*ctx); };
  CLI::App* cmd = app.add_subcommand(
      "advise",
      "Recommend a state backend for a requirements profile, from measured "
      "results");
  cmd->add_option("--profile", o->profile,
                  "Requirements profile (YAML; see advisor/examples)")
      ->check(RegularInputFile());
  cmd->add_option("--results", o->results,
                  "Results file(s) to advise from (repeatable; runs are "
                  "merged)")
      ->check(RegularInputFile());
  cmd->add_option("--rules", o->rules,
                  "Rules file replacing the defaults (or extending them when "
                  "it says 'mode: extend')")
      ->check(RegularInputFile());
  cmd->add_option("--rules-extend", o->rules_extend,
                  "Rules file added to the defaults; a rule with a default "
                  "rule's id replaces it (repeatable)")
      ->check(RegularInputFile());
  cmd->add_option("--format", o->format, "Output format")
      ->check(CLI::IsMember({"console", "json", "md"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Write the output to this file");
  cmd->add_option("--save-results", o->save_results,
                  "Also write the results used, with this recommendation "
                  "attached, to this file");
  cmd->add_option("--explain", o->explain,
                  "Print a rule, its conditions, effect and rationale");
  cmd->add_flag("--list-rules", o->list_rules, "List the rules in effect");
  cmd->add_flag("--no-what-if", o->no_what_if,
                "Skip the search for requirement changes that flip the "
                "answer");
  cmd->callback([o, ctx, cmd] {
    o->outputs.clear();
    AddOutputIfGiven(cmd, "--output", o->output, &o->outputs);
    AddOutputIfGiven(cmd, "--save-results", o->save_results, &o->outputs);
    ctx->action = [o, ctx] { return RunAdvise(*o, *ctx); };
  });
}

}  // namespace statebench
