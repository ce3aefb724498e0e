// Advise(): ranking plus the confidence notes, the summary and the what-if
// search around it.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "advisor/advisor.h"
#include "advisor/what_if.h"

namespace statebench::advisor {
namespace {

// Extrapolating further than this from the measured state size is guessing.
constexpr double kMaxTrustedExtrapolation = 100;
constexpr int kMinRepetitions = 3;
// Repetitions disagreeing by more than this (median absolute deviation
// relative to the median) make a median shaky.
constexpr double kMaxTrustedSpread = 0.10;

// Notes keyed by message, so one caveat shared by several backends is
// said once: "a, b: message".
class NoteList {
 public:
  void Add(const std::string& label, std::string message) {
    for (auto& [m, labels] : notes_) {
      if (m == message) {
        labels.push_back(label);
        return;
      }
    }
    notes_.push_back({std::move(message), {label}});
  }
  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    for (const auto& [m, labels] : notes_) {
      out.push_back(fmt::format("{}: {}", fmt::join(labels, ", "), m));
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> notes_;
};

// A state size as the sweep's flags take it, rounded up ("38GiB").
std::string SweepSize(double bytes) {
  constexpr double kMiB = 1024.0 * 1024, kGiB = kMiB * 1024;
  if (bytes >= kGiB) return fmt::format("{}GiB", std::ceil(bytes / kGiB));
  return fmt::format("{}MiB", std::max(1.0, std::ceil(bytes / kMiB)));
}

void AddConfidenceNotes(const std::vector<BackendMeasurement>& measurements,
                        Recommendation* r) {
  NoteList notes;
  for (const BackendAdvice& a : r->ranking) {
    if (!a.measured) continue;
    const Value& x = FactOrMissing(a.facts, "derived.extrapolation");
    if (x.present() && x.number > kMaxTrustedExtrapolation) {
      notes.Add(
          a.label,
          fmt::format(
              "figures are extrapolated {} beyond the largest state per "
              "subtask measured ({} measured, {} planned at {} subtasks); "
              "measure closer to it (statebench sweep --up-to {})",
              x.Format(),
              FactOrMissing(a.facts, "derived.measured_per_subtask").Format(),
              FactOrMissing(a.facts, "derived.state_per_subtask").Format(),
              FactOrMissing(a.facts, "derived.parallelism").Format(),
              SweepSize(
                  FactOrMissing(a.facts, "derived.state_per_subtask").number)));
    }
    const Value& reps = FactOrMissing(a.facts, "derived.repetitions");
    if (reps.present() && reps.number < kMinRepetitions) {
      notes.Add(a.label,
                fmt::format("only {} repetition(s) measured; medians of fewer "
                            "than {} are not robust (run with -r {} or more)",
                            reps.Format(), kMinRepetitions, kMinRepetitions));
    }
    for (const auto& [why, ids] : a.unevaluated) {
      notes.Add(a.label, fmt::format("{}, so rule(s) {} could not be evaluated",
                                     why, fmt::join(ids, ", ")));
    }
  }
  for (const BackendMeasurement& m : measurements) {
    // How well the sweep forecast its own largest size, for the figures
    // the plan reads from its curves.
    std::vector<std::string> checks;
    for (const auto& [metric, words] :
         {std::pair{"throughput.ops_per_s", "throughput"},
          std::pair{"throughput.events_per_s", "throughput"},
          std::pair{"restore.duration_ms", "restore"},
          std::pair{"checkpoint.p90_end_to_end_ms", "checkpoint"}}) {
      if (auto it = m.forecast_errors.find(metric);
          it != m.forecast_errors.end()) {
        checks.push_back(fmt::format("{} {:+.0f}%", words, 100 * it->second));
      }
    }
    if (!checks.empty()) {
      notes.Add(m.label,
                fmt::format("its sweep forecast its largest size from the "
                            "smaller ones with errors of {}; expect at least "
                            "as much one ladder step beyond what it measured, "
                            "more further out",
                            fmt::join(checks, ", ")));
    }
    if (m.saturated && m.target_rate) {
      std::optional<double> achieved = m.Median("throughput.events_per_s");
      notes.Add(m.label,
                fmt::format(
                    "measured open loop at {} but it achieved only {}: "
                    "it saturated, so its per-subtask rate is the "
                    "achieved one and its latency from intended start "
                    "is that of an overloaded system",
                    FormatQuantity(*m.target_rate, Unit::kEventsPerSecond),
                    achieved ? FormatQuantity(*achieved, Unit::kEventsPerSecond)
                             : std::string("less")));
    }
    auto it = m.summary.find("throughput.events_per_s");
    if (it != m.summary.end() && it->second.samples.size() > 1 &&
        it->second.relative_spread > kMaxTrustedSpread) {
      notes.Add(m.label,
                fmt::format("throughput varied by {} between repetitions; the "
                            "machine may be noisy",
                            FormatQuantity(it->second.relative_spread,
                                           Unit::kFraction)));
    }
  }
  r->confidence = notes.Lines();
}

std::string SummaryLine(const Recommendation& r) {
  std::vector<std::string> vetoed;
  for (const BackendAdvice& a : r.ranking) {
    if (a.vetoed) vetoed.push_back(a.label);
  }
  std::string tail = vetoed.empty()
                         ? ""
                         : fmt::format(" Vetoed: {}.", fmt::join(vetoed, ", "));
  if (r.top.empty()) {
    return fmt::format(
        "No measured backend meets every requirement of '{}'; see the vetoes "
        "and what would change the answer.{}",
        r.profile.name, tail);
  }
  const BackendAdvice& top = r.ranking.front();
  // The plan's parallelism, which the checkpoint and restore figures use;
  // it exceeds what the rate needs when the job runs a subtask per node,
  // or when restores or checkpoints need more subtasks.
  const Value& parallelism = FactOrMissing(top.facts, "derived.parallelism");
  const Value& needed = FactOrMissing(top.facts, "derived.subtasks_needed");
  const Value& per_subtask =
      FactOrMissing(top.facts, "derived.state_per_subtask");
  const Value& nodes = FactOrMissing(top.facts, "profile.nodes");
  const bool more = parallelism.present() && needed.present() &&
                    parallelism.number > needed.number;
  const bool per_node =
      more && nodes.present() && parallelism.number <= nodes.number;
  std::string figures = fmt::format(
      "parallelism {} ({} subtask(s) for the rate at {} per subtask{}{}), "
      "p99 {}",
      parallelism.Format(), needed.Format(),
      FactOrMissing(top.facts, "derived.per_subtask_rate").Format(),
      per_subtask.present() ? ", " + per_subtask.Format() + " of state each"
                            : "",
      per_node ? "; at least one per node"
      : more   ? "; more for restores or checkpoints"
               : "",
      FactOrMissing(top.facts, "derived.p99_latency").Format());
  std::string runner_up;
  for (size_t i = 1; i < r.ranking.size(); ++i) {
    if (!r.ranking[i].vetoed) {
      runner_up = fmt::format(" Runner-up: {} (score {:+g}).",
                              r.ranking[i].label, r.ranking[i].score);
      break;
    }
  }
  return fmt::format("Use {} for '{}' (score {:+g}): {}.{}{}", r.top,
                     r.profile.name, top.score, figures, runner_up, tail);
}

}  // namespace

Result<Recommendation> Advise(const Profile& profile,
                              const std::vector<ResultsFile>& results,
                              const RuleSet& rules,
                              const std::vector<std::string>& sources,
                              const AdviseOptions& options) {
  SB_ASSIGN_OR_RETURN(std::vector<BackendMeasurement> measurements,
                      CollectMeasurements(results));
  Recommendation r = Rank(profile, measurements, rules);
  r.sources = sources;
  AddConfidenceNotes(measurements, &r);
  r.summary = SummaryLine(r);
  if (options.what_if) {
    r.what_would_change = FindWhatWouldChange(profile, measurements, rules,
                                              r.top, options.max_what_if);
  }
  return r;
}

}  // namespace statebench::advisor
