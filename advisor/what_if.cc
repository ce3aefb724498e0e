// "What would change the answer": one requirement at a time, the smallest
// change that makes another backend the top choice.
#include "advisor/what_if.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

namespace statebench::advisor {
namespace {

// Factors tried for numeric requirements, nearest first in each direction.
constexpr double kFactors[] = {1.5, 2, 3, 5, 10, 30, 100, 1000};

struct Candidate {
  std::string field;
  std::string from, to;
  double distance = 0;
  std::function<void(Profile*)> apply;
};

// A numeric field reached through an accessor (absent optional -> skipped).
struct NumericField {
  std::string name;
  Unit unit;
  std::function<double*(Profile*)> get;  // nullptr when absent
};

std::vector<NumericField> NumericFields() {
  auto opt = [](std::optional<double> Profile::*f) {
    return [f](Profile* p) -> double* { return (p->*f) ? &*(p->*f) : nullptr; };
  };
  auto plain = [](double Profile::*f) {
    return [f](Profile* p) -> double* { return &(p->*f); };
  };
  return {
      {"state_size", Unit::kBytes, plain(&Profile::state_size_bytes)},
      {"event_rate", Unit::kEventsPerSecond, plain(&Profile::event_rate)},
      {"latency_slo_p99", Unit::kSeconds, opt(&Profile::latency_slo_p99_s)},
      {"recovery_time_objective", Unit::kSeconds,
       opt(&Profile::recovery_time_objective_s)},
      {"checkpoint_interval", Unit::kSeconds,
       plain(&Profile::checkpoint_interval_s)},
      {"memory_per_node", Unit::kBytes, opt(&Profile::memory_per_node_bytes)},
      {"disk_write_budget", Unit::kBytesPerSecond,
       opt(&Profile::disk_write_budget_bytes_per_s)},
      {"redis_server_memory", Unit::kBytes,
       opt(&Profile::redis_server_memory_bytes)},
      {"postgres_server_storage", Unit::kBytes,
       opt(&Profile::postgres_server_storage_bytes)},
  };
}

// Numeric fields: for each direction, every factor (the caller keeps the
// nearest that flips).
void AddNumericCandidates(const Profile& base, std::vector<Candidate>* out) {
  for (const NumericField& f : NumericFields()) {
    Profile copy = base;
    double* v = f.get(&copy);
    if (!v || *v <= 0) continue;
    double from = *v;
    for (double factor : kFactors) {
      for (double m : {factor, 1 / factor}) {
        Candidate c;
        c.field = f.name;
        c.from = FormatQuantity(from, f.unit);
        c.to = FormatQuantity(from * m, f.unit);
        c.distance = std::fabs(std::log2(m));
        c.apply = [get = f.get, value = from * m](Profile* p) {
          *get(p) = value;
        };
        out->push_back(std::move(c));
      }
    }
  }
  for (int nodes : {base.nodes + 1, base.nodes * 2, base.nodes * 4,
                    base.nodes / 2, base.nodes * 10}) {
    if (nodes < 1 || nodes == base.nodes) continue;
    out->push_back({"nodes", std::to_string(base.nodes), std::to_string(nodes),
                    std::fabs(std::log2(double(nodes) / base.nodes)),
                    [nodes](Profile* p) { p->nodes = nodes; }});
  }
}

void AddDiscreteCandidates(const Profile& base, std::vector<Candidate>* out) {
  auto toggle = [&](const char* name, bool Profile::*f) {
    bool now = base.*f;
    out->push_back({name, now ? "true" : "false", now ? "false" : "true", 1,
                    [f, now](Profile* p) { p->*f = !now; }});
  };
  toggle("exactly_once", &Profile::exactly_once);
  toggle("managed_redis", &Profile::managed_redis);
  toggle("managed_postgres", &Profile::managed_postgres);
  for (DataLoss d : {DataLoss::kNone, DataLoss::kSinceLastCheckpoint}) {
    if (d == base.tolerated_data_loss) continue;
    Profile changed = base;
    changed.tolerated_data_loss = d;
    out->push_back({"tolerated_data_loss", DataLossName(base),
                    DataLossName(changed), 1,
                    [d](Profile* p) { p->tolerated_data_loss = d; }});
  }
  const std::pair<const char*, int TeamSkills::*> skills[] = {
      {"skills.sql", &TeamSkills::sql},
      {"skills.redis", &TeamSkills::redis},
      {"skills.rocksdb_tuning", &TeamSkills::rocksdb_tuning},
      {"skills.heap_gc_tuning", &TeamSkills::heap_gc_tuning},
      {"skills.operations", &TeamSkills::operations}};
  for (const auto& [name, member] : skills) {
    int now = base.skills.*member;
    for (int level = 0; level <= 3; ++level) {
      if (level == now) continue;
      out->push_back(
          {name, std::to_string(now), std::to_string(level),
           std::fabs(double(level - now)),
           [m = member, level](Profile* p) { p->skills.*m = level; }});
    }
  }
}

}  // namespace

std::vector<WhatIf> FindWhatWouldChange(
    const Profile& profile, const std::vector<BackendMeasurement>& measurements,
    const RuleSet& rules, const std::string& current_top, size_t max) {
  std::vector<Candidate> candidates;
  AddNumericCandidates(profile, &candidates);
  AddDiscreteCandidates(profile, &candidates);
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     return a.distance < b.distance;
                   });
  std::vector<WhatIf> found;
  for (const Candidate& c : candidates) {
    bool field_done =
        std::any_of(found.begin(), found.end(),
                    [&](const WhatIf& w) { return w.field == c.field; });
    if (field_done) continue;  // the nearest change per field is enough
    Profile changed = profile;
    c.apply(&changed);
    std::string top = Rank(changed, measurements, rules).top;
    if (top == current_top) continue;
    WhatIf w{c.field, c.from, c.to, top, c.distance, ""};
    w.description =
        top.empty()
            ? fmt::format("{} {} -> {} would leave every backend vetoed",
                          c.field, c.from, c.to)
            : fmt::format("{} {} -> {} would make {} the top choice", c.field,
                          c.from, c.to, top);
    found.push_back(std::move(w));
    if (found.size() >= max) break;
  }
  return found;
}

}  // namespace statebench::advisor
