// The advisor: a requirements profile and measured results in, a ranked,
// explained recommendation out (DESIGN.md section 7).
//
// Data flow: results files -> CollectMeasurements (one entry per backend
// configuration) -> facts per backend (profile, measurements, capacity plan;
// advisor/capacity.h) -> every rule evaluated against each backend's facts
// -> scores, vetoes, notes -> ranking, confidence notes, and the nearest
// requirement change that flips the top choice. The advisor never runs a
// backend: without results, the caller supplies a CalibrateFn.
//
// Thread safety: Advise is a pure function of its arguments.
#ifndef STATEBENCH_ADVISOR_ADVISOR_H_
#define STATEBENCH_ADVISOR_ADVISOR_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "advisor/facts.h"
#include "advisor/measurements.h"
#include "advisor/profile.h"
#include "advisor/rules.h"
#include "reports/results/results.h"

namespace statebench::advisor {

// Produces results when none were given (a short calibration run). Provided
// by bench/; the advisor only calls it.
using CalibrateFn = std::function<Result<ResultsFile>()>;

// One rule that fired, for one backend (or for the profile).
struct FiredRule {
  std::string rule_id;
  std::string backend;  // label; empty for a profile-level note
  EffectKind effect = EffectKind::kNote;
  double weight = 0;
  std::string reason;  // rendered, with numbers
  // The variables the rule reads, with their formatted values.
  std::vector<std::pair<std::string, std::string>> values;
};

struct BackendAdvice {
  std::string label;
  std::string name;
  double score = 0;
  bool vetoed = false;
  bool measured = true;              // false: its run failed
  std::vector<std::string> reasons;  // vetoes first, then scores, notes
  Facts facts;                       // everything the rules saw
  // Rules that could not be evaluated because a measured figure is
  // missing: the reason it is missing -> rule ids.
  std::map<std::string, std::vector<std::string>> unevaluated;
};

// A requirement change that makes another backend the top choice.
struct WhatIf {
  std::string field;        // profile key, e.g. "state_size"
  std::string from;         // formatted
  std::string to;           // formatted
  std::string new_top;      // label, or "" when no backend would remain
  double distance = 0;      // |log2(factor)|, or steps for levels/toggles
  std::string description;  // one sentence
};

struct Recommendation {
  Profile profile;
  std::string top;  // best non-vetoed label; empty when all are vetoed
  std::string summary;
  std::vector<BackendAdvice> ranking;  // best first; vetoed last
  std::vector<FiredRule> fired;
  std::vector<std::string> notes;         // profile-level note rules
  std::vector<std::string> confidence;    // how far to trust the figures
  std::vector<WhatIf> what_would_change;  // nearest first
  std::vector<std::string> sources;       // where the results came from
};

struct AdviseOptions {
  bool what_if = true;  // search for requirement changes (costs ~200 runs
                        // of the rules; cheap)
  size_t max_what_if = 3;
};

// Evaluates `rules` for `profile` against the measurements in `results`.
// `sources` names where the results came from (shown in the output).
// InvalidArgument when the results hold no run.
Result<Recommendation> Advise(const Profile& profile,
                              const std::vector<ResultsFile>& results,
                              const RuleSet& rules,
                              const std::vector<std::string>& sources = {},
                              const AdviseOptions& options = {});

// The scoring core, without confidence notes or what-if search: ranking,
// fired rules and notes. Exposed for the what-if search and tests.
Recommendation Rank(const Profile& profile,
                    const std::vector<BackendMeasurement>& measurements,
                    const RuleSet& rules);

// The recommendation as stored in ResultsFile::recommendation:
// {"profile", "summary", "top", "ranking": [{"backend", "score", "vetoed",
// "reasons", "capacity"}], "fired_rules", "what_would_change", "notes",
// "confidence", ...}. Never contains NaN or Infinity.
nlohmann::json RecommendationToJson(const Recommendation& r);

// Human-readable renderings (console text; GitHub-flavoured Markdown).
std::string RenderConsole(const Recommendation& r);
std::string RenderMarkdown(const Recommendation& r);

}  // namespace statebench::advisor

#endif  // STATEBENCH_ADVISOR_ADVISOR_H_
