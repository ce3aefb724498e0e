#include "advisor/measurements.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace statebench::advisor {
namespace {

// Options that say where a server is or how to reach it, not how the
// backend is configured: runs differing only in them measured the same
// configuration (two results files from two spawned servers), and a label
// naming them would describe the machine rather than the choice.
bool IsDeploymentOption(const std::string& k) {
  static const std::set<std::string> kDeployment = {
      "uri", "server_pid",         "password_file",     "password_env",
      "job", "connect_timeout_ms", "command_timeout_ms"};
  return kDeployment.count(k) > 0;
}

std::string GroupKey(const RunResult& r) {
  std::string key = r.backend + "|" + r.checkpoint_type;
  for (const auto& [k, v] : r.backend_options) {
    if (!IsDeploymentOption(k)) key += "|" + k + "=" + v;
  }
  return key;
}

std::optional<double> MedianOf(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  return Summarize(std::move(v)).median;
}

void AddRepetitionFigures(const RunResult& run, std::vector<double>* writes,
                          std::vector<double>* spacing) {
  for (const Repetition& rep : run.repetitions) {
    if (rep.status != RunStatus::kOk)
      continue;  // not in the run's summary either
    if (rep.measure_duration_s > 0 && rep.io.logical_bytes_written > 0) {
      writes->push_back(static_cast<double>(rep.io.logical_bytes_written) /
                        rep.measure_duration_s);
    }
    std::vector<double> triggers;
    for (const CheckpointRecord& c : rep.checkpoints) {
      if (c.status == CheckpointStatus::kCompleted)
        triggers.push_back(c.trigger_time_s);
    }
    std::sort(triggers.begin(), triggers.end());
    for (size_t i = 1; i < triggers.size(); ++i) {
      spacing->push_back(triggers[i] - triggers[i - 1]);
    }
    if (triggers.size() == 1 && rep.measure_duration_s > 0) {
      spacing->push_back(rep.measure_duration_s);
    }
  }
}

bool VerificationFailed(const nlohmann::json& v) {
  return v.is_object() && v.contains("verdict") && v["verdict"].is_string() &&
         v["verdict"].get<std::string>() != "exactly-once";
}

// Folds `run` into `m` (the first run of a group initialises it).
void Merge(const RunResult& run, BackendMeasurement* m,
           std::map<std::string, std::vector<double>>* samples) {
  bool run_ok = run.status == RunStatus::kOk;
  if (m->runs_merged == 0 || (run_ok && !m->ok)) {
    m->capabilities = run.capabilities;
    m->workload = run.workload;
    m->parallelism = std::max(1, run.parallelism);
  }
  // A group is as durable as its least durable run: runs of one
  // configuration may have met servers with other persistence settings.
  if (m->runs_merged > 0 && !run.capabilities.durable &&
      m->capabilities.durable) {
    m->capabilities.durable = false;
    m->capabilities.persistence = run.capabilities.persistence;
    m->capabilities.durability_note = run.capabilities.durability_note;
  }
  const bool unsupported = run.status == RunStatus::kUnsupported;
  if (m->runs_merged == 0) {
    m->ok = run_ok;
    m->unsupported = unsupported;
  }
  m->ok = m->ok || run_ok;
  m->unsupported = m->unsupported && unsupported;
  if (!run_ok && (m->failure.empty() || unsupported)) {
    m->failure = run.failure_phase + ": " + run.failure_reason;
  }
  ++m->runs_merged;
  if (!run.verification.is_null() &&
      (m->verification.is_null() || VerificationFailed(run.verification))) {
    m->verification = run.verification;
  }
  // A failed run's partial figures would skew the medians of good ones.
  if (!run_ok) return;
  if (run.open_loop && run.target_rate > 0) {
    m->target_rate = std::max(m->target_rate.value_or(0), run.target_rate);
    m->saturated = m->saturated || IsSaturated(run);
  }
  size_t reps = run.repetitions.size();
  for (const auto& [name, s] : run.summary)
    reps = std::max(reps, s.samples.size());
  m->repetitions += static_cast<int>(reps);
  for (const auto& [name, s] : run.summary) {
    auto& dst = (*samples)[name];
    for (double x : s.samples) {
      if (std::isfinite(x)) dst.push_back(x);
    }
    if (s.samples.empty() && std::isfinite(s.median)) dst.push_back(s.median);
  }
}

std::string OptionOrAbsent(const BackendMeasurement& m, const std::string& k) {
  auto it = m.options.find(k);
  return it == m.options.end() ? "-" : it->second;
}

// The fewest options that tell the groups of backend `name` apart: "mode"
// first (redis buffered / write-through), then the others alphabetically,
// added until the (checkpoint type, options) tuples are unique.
std::vector<std::string> DistinguishingOptions(
    const std::vector<BackendMeasurement>& ms, const std::string& name) {
  std::set<std::string> differing;
  for (const BackendMeasurement& a : ms) {
    for (const BackendMeasurement& b : ms) {
      if (a.name != name || b.name != name) continue;
      for (const auto& [k, v] : a.options) {
        if (!IsDeploymentOption(k) && OptionOrAbsent(b, k) != v) {
          differing.insert(k);
        }
      }
    }
  }
  std::vector<std::string> candidates(differing.begin(), differing.end());
  std::stable_partition(candidates.begin(), candidates.end(),
                        [](const std::string& k) { return k == "mode"; });
  std::vector<std::string> chosen;
  auto unique = [&] {
    std::set<std::string> seen;
    for (const BackendMeasurement& m : ms) {
      if (m.name != name) continue;
      std::string key = m.checkpoint_type;
      for (const std::string& k : chosen) key += "|" + OptionOrAbsent(m, k);
      if (!seen.insert(key).second) return false;
    }
    return true;
  };
  for (const std::string& k : candidates) {
    if (unique()) break;
    chosen.push_back(k);
  }
  return chosen;
}

// Label of each group: the backend name, plus "checkpoint=incremental" and
// the options needed to tell it from other groups of the same backend.
void AssignLabels(std::vector<BackendMeasurement>* ms) {
  std::map<std::string, std::vector<std::string>> keys;
  for (const BackendMeasurement& m : *ms) {
    if (!keys.count(m.name)) keys[m.name] = DistinguishingOptions(*ms, m.name);
  }
  for (BackendMeasurement& m : *ms) {
    std::vector<std::string> parts;
    if (m.checkpoint_type == "incremental") {
      parts.push_back("checkpoint=incremental");
    }
    // Only options the configuration really has: a run that did not
    // record an option shows none rather than a placeholder value.
    for (const std::string& k : keys[m.name]) {
      if (auto it = m.options.find(k); it != m.options.end()) {
        parts.push_back(k + "=" + it->second);
      }
    }
    m.label = parts.empty()
                  ? m.name
                  : fmt::format("{}[{}]", m.name, fmt::join(parts, ","));
  }
  // Still ambiguous (same options, e.g. two workloads): number them.
  std::map<std::string, int> seen;
  for (BackendMeasurement& m : *ms) {
    if (int n = ++seen[m.label]; n > 1) m.label += fmt::format("#{}", n);
  }
}

// A sweep row's job state size, or 0 for a row of no sweep.
double SweepStateBytes(const RunResult& run) {
  auto sweep = run.extra.find("sweep");
  if (sweep == run.extra.end() || !sweep->is_object()) return 0;
  return sweep->value("state_bytes", 0.0);
}

// Per configuration of a file's sweep: its largest measured size, the one
// whose rows stand for it in the summary (rows of many sizes merged would
// give medians of no size at all).
std::map<std::string, double> LargestSweepSizes(const ResultsFile& f) {
  std::map<std::string, double> largest;
  for (const RunResult& run : f.runs) {
    if (run.status != RunStatus::kOk) continue;
    double& l = largest[GroupKey(run)];
    l = std::max(l, SweepStateBytes(run));
  }
  return largest;
}

// Fits the file's measured points of `run`'s configuration, metric by
// metric, into m->curves.
void AttachCurves(const ResultsFile& f, const RunResult& run,
                  BackendMeasurement* m) {
  if (!f.curves.is_object() || !f.curves.contains("backends")) return;
  const nlohmann::json& backends = f.curves["backends"];
  auto it = backends.find(CurveLabel(run));
  if (it == backends.end() || !it->is_object()) return;
  for (const auto& [metric, curve] : it->items()) {
    const std::vector<CurvePoint> points = CurvePointsFromJson(curve);
    for (const CurvePoint& p : points) {
      m->largest_per_subtask_bytes =
          std::max(m->largest_per_subtask_bytes, p.x);
    }
    if (points.size() < 2) continue;
    if (curve.contains("forecast_check") &&
        curve["forecast_check"].is_object() &&
        curve["forecast_check"].contains("relative_error") &&
        curve["forecast_check"]["relative_error"].is_number()) {
      m->forecast_errors[metric] =
          curve["forecast_check"]["relative_error"].get<double>();
    }
    Result<CostModel> model = FitCurveJson(curve);
    if (model.ok()) m->curves[metric] = *model;
  }
}

}  // namespace

std::optional<double> BackendMeasurement::Median(
    const std::string& metric) const {
  auto it = summary.find(metric);
  if (it == summary.end() || it->second.samples.empty() ||
      !std::isfinite(it->second.median)) {
    return std::nullopt;
  }
  return it->second.median;
}

Result<std::vector<BackendMeasurement>> CollectMeasurements(
    const std::vector<ResultsFile>& files) {
  std::vector<BackendMeasurement> out;
  std::map<std::string, size_t> index;
  std::vector<std::map<std::string, std::vector<double>>> samples;
  std::vector<std::vector<double>> writes, spacing;
  // A configuration a sweep measured is described by the sweep: a single
  // point of it from another run keeps only its verification verdict.
  std::set<std::string> swept;
  for (const ResultsFile& f : files) {
    for (const RunResult& run : f.runs) {
      if (SweepStateBytes(run) > 0) swept.insert(GroupKey(run));
    }
  }
  std::map<std::string, nlohmann::json> point_verdicts;
  for (const ResultsFile& f : files) {
    const std::map<std::string, double> largest = LargestSweepSizes(f);
    for (const RunResult& run : f.runs) {
      // The cache curve is read through the throughput curve, not as rows.
      if (IsCacheCurveStep(run)) continue;
      const double sweep_size = SweepStateBytes(run);
      if (sweep_size == 0 && swept.count(GroupKey(run))) {
        nlohmann::json& v = point_verdicts[GroupKey(run)];
        if (!run.verification.is_null() &&
            (v.is_null() || VerificationFailed(run.verification))) {
          v = run.verification;
        }
        continue;
      }
      if (auto l = largest.find(GroupKey(run));
          sweep_size > 0 && l != largest.end() && sweep_size < l->second) {
        continue;
      }
      auto [it, added] = index.emplace(GroupKey(run), out.size());
      if (added) {
        BackendMeasurement m;
        m.name = run.backend;
        m.checkpoint_type = run.checkpoint_type;
        m.options = run.backend_options;
        out.push_back(std::move(m));
        samples.emplace_back();
        writes.emplace_back();
        spacing.emplace_back();
      }
      size_t i = it->second;
      if (sweep_size > 0 && run.status == RunStatus::kOk) {
        AttachCurves(f, run, &out[i]);
      }
      Merge(run, &out[i], &samples[i]);
      if (run.status == RunStatus::kOk) {
        AddRepetitionFigures(run, &writes[i], &spacing[i]);
      }
    }
  }
  if (out.empty()) {
    return Status::InvalidArgument("the results contain no runs to advise on");
  }
  for (auto& [key, verdict] : point_verdicts) {
    auto it = index.find(key);
    if (it == index.end() || verdict.is_null()) continue;
    nlohmann::json& v = out[it->second].verification;
    if (v.is_null() || VerificationFailed(verdict)) v = verdict;
  }
  for (size_t i = 0; i < out.size(); ++i) {
    for (auto& [name, v] : samples[i]) {
      if (!v.empty()) out[i].summary[name] = Summarize(std::move(v));
    }
    out[i].logical_write_bytes_per_s = MedianOf(std::move(writes[i]));
    out[i].checkpoint_spacing_s = MedianOf(std::move(spacing[i]));
  }
  AssignLabels(&out);
  return out;
}

}  // namespace statebench::advisor
