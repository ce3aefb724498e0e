// What the gate compares against what: the context check and the merging
// of per-repetition results files (declared in reports/gate/gate.h).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "base/text_check.h"
#include "reports/gate/gate.h"
#include "reports/results/json_text.h"

namespace statebench {
namespace {

using nlohmann::json;

// A config field, nested ("workload.key_count") or flat ("key_count").
const json* ConfigField(const json& config, const char* section,
                        const char* key) {
  if (!config.is_object()) return nullptr;
  if (auto s = config.find(section); s != config.end() && s->is_object()) {
    if (auto it = s->find(key); it != s->end() && !it->is_null()) return &*it;
  }
  if (auto it = config.find(key); it != config.end() && !it->is_null()) {
    return &*it;
  }
  return nullptr;
}

std::string JoinSet(const std::set<std::string>& names) {
  return fmt::format("[{}]", fmt::join(names, ", "));
}

}  // namespace

std::vector<std::string> ContextMismatches(const ResultsFile& baseline,
                                           const ResultsFile& current) {
  std::vector<std::string> out;
  std::set<std::string> base_workloads, cur_workloads;
  for (const RunResult& r : baseline.runs) base_workloads.insert(r.workload);
  for (const RunResult& r : current.runs) cur_workloads.insert(r.workload);
  if (base_workloads != cur_workloads) {
    out.push_back("workloads differ: baseline " + JoinSet(base_workloads) +
                  ", current " + JoinSet(cur_workloads));
  }
  const std::pair<const char*, const char*> kConfigFields[] = {
      {"workload", "name"},
      {"workload", "key_count"},
      {"workload", "value_size"},
      {"", "parallelism"},
      {"", "rate"},
  };
  for (const auto& [section, key] : kConfigFields) {
    const json* b = ConfigField(baseline.config, section, key);
    const json* c = ConfigField(current.config, section, key);
    if (b != nullptr && c != nullptr && *b != *c) {
      std::string name = *section ? std::string(section) + "." + key : key;
      out.push_back(fmt::format("{}: baseline {}, current {}", name,
                                report::DumpJson(*b, -1),
                                report::DumpJson(*c, -1)));
    }
  }
  const auto base_runs = GateRunsByLabel(baseline);
  for (const auto& [label, cur] : GateRunsByLabel(current)) {
    auto it = std::find_if(
        base_runs.begin(), base_runs.end(),
        [&label = label](const auto& p) { return p.first == label; });
    if (it == base_runs.end()) continue;
    const RunResult& base = *it->second;
    if (base.parallelism != cur->parallelism) {
      out.push_back(fmt::format("{}: parallelism baseline {}, current {}",
                                label, base.parallelism, cur->parallelism));
    }
    if (base.open_loop != cur->open_loop ||
        (base.open_loop && base.target_rate != cur->target_rate)) {
      out.push_back(fmt::format(
          "{}: load baseline {}, current {}", label,
          base.open_loop
              ? fmt::format("open loop at {} ops/s", base.target_rate)
              : "closed loop",
          cur->open_loop
              ? fmt::format("open loop at {} ops/s", cur->target_rate)
              : "closed loop"));
    }
  }
  const std::string bt = baseline.context.build_type;
  const std::string ct = current.context.build_type;
  if (!bt.empty() && !ct.empty() && AsciiLower(bt) != AsciiLower(ct)) {
    out.push_back("build type: baseline " + bt + ", current " + ct);
  }
  if (baseline.context.cpu_count > 0 && current.context.cpu_count > 0 &&
      baseline.context.cpu_count != current.context.cpu_count) {
    out.push_back(fmt::format("cpu_count: baseline {}, current {}",
                              baseline.context.cpu_count,
                              current.context.cpu_count));
  }
  return out;
}

Result<ResultsFile> MergeRepetitions(const std::vector<ResultsFile>& parts) {
  if (parts.empty()) {
    return Status::InvalidArgument("no results to merge");
  }
  ResultsFile merged;
  merged.schema = parts.front().schema;
  merged.context = parts.front().context;
  merged.config = parts.front().config;
  merged.recommendation = parts.front().recommendation;
  merged.context.warnings.clear();
  std::set<std::string> warnings;      // each once, in first-seen order
  std::map<std::string, size_t> slot;  // backend/workload/type -> runs index
  for (size_t p = 0; p < parts.size(); ++p) {
    for (const std::string& w : parts[p].context.warnings) {
      if (warnings.insert(w).second) merged.context.warnings.push_back(w);
    }
    for (const RunResult& run : parts[p].runs) {
      const std::string key =
          run.backend + "\n" + run.workload + "\n" + run.checkpoint_type;
      auto [it, added] = slot.emplace(key, merged.runs.size());
      if (added) {
        RunResult fresh = run;
        fresh.repetitions.clear();
        fresh.status = RunStatus::kOk;
        fresh.failure_phase.clear();
        fresh.failure_reason.clear();
        merged.runs.push_back(std::move(fresh));
      }
      RunResult& into = merged.runs[it->second];
      for (Repetition rep : run.repetitions) {
        rep.index = static_cast<int>(into.repetitions.size());
        into.repetitions.push_back(std::move(rep));
      }
      if (run.status != RunStatus::kOk && into.status == RunStatus::kOk) {
        into.status = run.status;
        into.failure_phase = run.failure_phase;
        into.failure_reason =
            fmt::format("repetition {}: {}", p + 1, run.failure_reason);
      }
    }
  }
  for (RunResult& run : merged.runs) SummarizeRepetitions(&run);
  if (merged.config.is_object() && merged.config.contains("repetitions")) {
    merged.config["repetitions"] = parts.size();
  }
  return merged;
}

}  // namespace statebench
