// Renderings of a Recommendation: JSON (the results-file form), console
// text and Markdown. Formatting only; no decisions are made here.
#include <fmt/format.h>

#include <cmath>

#include "advisor/advisor.h"

namespace statebench::advisor {
namespace {

using nlohmann::json;

struct CapacityFigure {
  const char* key;   // JSON key, unit in the name
  const char* fact;  // derived.* fact
};

constexpr CapacityFigure kCapacity[] = {
    {"subtasks_needed", "derived.subtasks_needed"},
    {"parallelism", "derived.parallelism"},
    {"per_subtask_events_per_s", "derived.per_subtask_rate"},
    {"p99_latency_s", "derived.p99_latency"},
    {"memory_per_subtask_bytes", "derived.memory_per_subtask"},
    {"checkpoint_size_bytes", "derived.checkpoint_size"},
    {"checkpoint_full_size_bytes", "derived.checkpoint_full_size"},
    {"checkpoint_duration_s", "derived.checkpoint_duration"},
    {"restore_time_s", "derived.restore_time"},
    {"server_memory_required_bytes", "derived.server_memory_required"},
    {"server_storage_required_bytes", "derived.server_storage_required"},
    {"server_connections", "derived.server_connections"},
    {"disk_write_bytes_per_s", "derived.disk_write_rate"},
    {"extrapolation", "derived.extrapolation"},
    {"state_per_subtask_bytes", "derived.state_per_subtask"},
    {"measured_per_subtask_bytes", "derived.measured_per_subtask"},
    {"parallelism_cap", "derived.parallelism_cap"},
    {"restore_time_low_s", "derived.restore_time_low"},
    {"restore_time_high_s", "derived.restore_time_high"},
    {"checkpoint_duration_low_s", "derived.checkpoint_duration_low"},
    {"checkpoint_duration_high_s", "derived.checkpoint_duration_high"},
};

json Number(const Value& v) {
  return v.present() && v.kind == ValueKind::kNumber && std::isfinite(v.number)
             ? json(v.number)
             : json(nullptr);
}

json CapacityJson(const BackendAdvice& a) {
  json c = json::object(), display = json::object();
  for (const CapacityFigure& f : kCapacity) {
    const Value& v = FactOrMissing(a.facts, f.fact);
    c[f.key] = Number(v);
    display[f.key] = v.Format();
  }
  // Which recovery restore_time_s models, in words.
  const Value& basis = FactOrMissing(a.facts, "derived.restore_basis");
  c["restore_basis"] = basis.present() ? json(basis.text) : json(nullptr);
  // How the parallelism was planned, and what no parallelism meets.
  for (const auto& [key, fact] :
       {std::pair{"parallelism_basis", "derived.parallelism_basis"},
        std::pair{"capacity_unmet", "derived.capacity_unmet"}}) {
    const Value& v = FactOrMissing(a.facts, fact);
    c[key] = v.present() ? json(v.text) : json(nullptr);
  }
  c["display"] = display;
  return c;
}

json ProfileJson(const Profile& p) {
  json j = {{"name", p.name},
            {"state_size_bytes", p.state_size_bytes},
            {"key_count", p.key_count},
            {"value_size_bytes", p.value_size_bytes},
            {"event_rate", p.event_rate},
            {"read_write_mix", p.read_fraction},
            {"tolerated_data_loss", DataLossName(p)},
            {"exactly_once", p.exactly_once},
            {"nodes", p.nodes},
            {"checkpoint_interval_s", p.checkpoint_interval_s},
            {"managed_redis", p.managed_redis},
            {"managed_postgres", p.managed_postgres},
            {"skills",
             {{"sql", p.skills.sql},
              {"redis", p.skills.redis},
              {"rocksdb_tuning", p.skills.rocksdb_tuning},
              {"heap_gc_tuning", p.skills.heap_gc_tuning},
              {"operations", p.skills.operations}}}};
  auto opt = [&](const char* key, const std::optional<double>& v) {
    j[key] = v ? json(*v) : json(nullptr);
  };
  opt("latency_slo_p99_s", p.latency_slo_p99_s);
  opt("recovery_time_objective_s", p.recovery_time_objective_s);
  opt("memory_per_node_bytes", p.memory_per_node_bytes);
  opt("disk_write_budget_bytes_per_s", p.disk_write_budget_bytes_per_s);
  opt("redis_server_memory_bytes", p.redis_server_memory_bytes);
  opt("redis_max_connections", p.redis_max_connections);
  opt("postgres_server_storage_bytes", p.postgres_server_storage_bytes);
  opt("postgres_max_connections", p.postgres_max_connections);
  return j;
}

std::string EffectText(const FiredRule& f) {
  switch (f.effect) {
    case EffectKind::kVeto:
      return "veto";
    case EffectKind::kNote:
      return "note";
    case EffectKind::kScore:
      return fmt::format("{:+g}", f.weight);
  }
  return "?";
}

std::string WhatWouldChangeLine(const Recommendation& r) {
  if (r.what_would_change.empty()) {
    return "No single requirement change tried (numbers scaled up to 1000x, "
           "toggles, skill levels) changes the top choice.";
  }
  return r.what_would_change.front().description;
}

std::string ProfileLine(const Profile& p) {
  std::string s =
      fmt::format("{} state, {}, checkpoints every {}",
                  FormatQuantity(p.state_size_bytes, Unit::kBytes),
                  FormatQuantity(p.event_rate, Unit::kEventsPerSecond),
                  FormatQuantity(p.checkpoint_interval_s, Unit::kSeconds));
  if (p.latency_slo_p99_s) {
    s += ", p99 <= " + FormatQuantity(*p.latency_slo_p99_s, Unit::kSeconds);
  }
  if (p.recovery_time_objective_s) {
    s +=
        ", RTO " + FormatQuantity(*p.recovery_time_objective_s, Unit::kSeconds);
  }
  if (p.exactly_once) s += ", exactly-once";
  return s;
}

// Markdown table cells must not contain a raw '|'.
std::string Cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

}  // namespace

json RecommendationToJson(const Recommendation& r) {
  json ranking = json::array();
  int rank = 0;
  for (const BackendAdvice& a : r.ranking) {
    ranking.push_back({{"rank", ++rank},
                       {"backend", a.label},
                       {"backend_name", a.name},
                       {"score", a.score},
                       {"vetoed", a.vetoed},
                       {"measured", a.measured},
                       {"reasons", a.reasons},
                       {"capacity", CapacityJson(a)}});
  }
  json fired = json::array();
  for (const FiredRule& f : r.fired) {
    json values = json::object();
    for (const auto& [k, v] : f.values) values[k] = v;
    fired.push_back({{"rule", f.rule_id},
                     {"backend", f.backend},
                     {"effect", EffectText(f)},
                     {"reason", f.reason},
                     {"values", values}});
  }
  json changes = json::array();
  for (const WhatIf& w : r.what_would_change) {
    changes.push_back({{"field", w.field},
                       {"from", w.from},
                       {"to", w.to},
                       {"new_top", w.new_top},
                       {"distance", std::isfinite(w.distance) ? json(w.distance)
                                                              : json(nullptr)},
                       {"description", w.description}});
  }
  return {{"schema", "statebench.recommendation/1"},
          {"profile", r.profile.name},
          {"profile_details", ProfileJson(r.profile)},
          {"summary", r.summary},
          {"top", r.top},
          {"ranking", ranking},
          {"fired_rules", fired},
          {"what_would_change", WhatWouldChangeLine(r)},
          {"what_would_change_options", changes},
          {"notes", r.notes},
          {"confidence", r.confidence},
          {"sources", r.sources}};
}

std::string RenderConsole(const Recommendation& r) {
  std::string out =
      fmt::format("Profile '{}': {}\n", r.profile.name, ProfileLine(r.profile));
  if (!r.sources.empty()) {
    out += fmt::format("Measurements: {}\n", fmt::join(r.sources, ", "));
  }
  out += "\n" + r.summary + "\n\nRanking\n";
  out += fmt::format(
      "  {:<3} {:<32} {:>6}  {:<7} {:>8} {:>9} {:>10} {:>10} {:>10} "
      "{:>11}\n",
      "#", "backend", "score", "status", "subtasks", "p99", "ckpt size",
      "ckpt time", "restore", "mem/subtask");
  int rank = 0;
  for (const BackendAdvice& a : r.ranking) {
    auto fact = [&](const char* n) {
      return FactOrMissing(a.facts, n).Format();
    };
    out += fmt::format(
        "  {:<3} {:<32} {:>+6g}  {:<7} {:>8} {:>9} {:>10} {:>10} {:>10} "
        "{:>11}\n",
        ++rank, a.label, a.score, a.vetoed ? "VETOED" : "ok",
        fact("derived.subtasks_needed"), fact("derived.p99_latency"),
        fact("derived.checkpoint_size"), fact("derived.checkpoint_duration"),
        fact("derived.restore_time"), fact("derived.memory_per_subtask"));
  }
  out += "\nReasons\n";
  for (const BackendAdvice& a : r.ranking) {
    out += "  " + a.label + "\n";
    if (a.reasons.empty()) out += "    (no rule fired)\n";
    for (const std::string& reason : a.reasons) out += "    " + reason + "\n";
  }
  out += "\nFired rules and their numbers\n";
  for (const FiredRule& f : r.fired) {
    std::vector<std::string> values;
    for (const auto& [k, v] : f.values) values.push_back(k + " = " + v);
    out += fmt::format("  {} {} ({}): {}\n", f.rule_id,
                       f.backend.empty() ? "[profile]" : f.backend,
                       EffectText(f), fmt::join(values, ", "));
  }
  if (!r.notes.empty()) {
    out += "\nNotes\n";
    for (const std::string& n : r.notes) out += "  - " + n + "\n";
  }
  if (!r.confidence.empty()) {
    out += "\nConfidence\n";
    for (const std::string& n : r.confidence) out += "  - " + n + "\n";
  }
  out += "\nWhat would change the answer\n";
  if (r.what_would_change.empty()) out += "  " + WhatWouldChangeLine(r) + "\n";
  for (const WhatIf& w : r.what_would_change) {
    out += "  - " + w.description + "\n";
  }
  return out;
}

std::string RenderMarkdown(const Recommendation& r) {
  std::string out =
      fmt::format("## Recommendation for `{}`\n\n{}\n\n**{}**\n\n",
                  Cell(r.profile.name), ProfileLine(r.profile), r.summary);
  out +=
      "| # | backend | score | status | subtasks | p99 | checkpoint time "
      "| restore | memory/subtask | disk writes |\n"
      "|---|---|---:|---|---:|---:|---:|---:|---:|---:|\n";
  int rank = 0;
  for (const BackendAdvice& a : r.ranking) {
    auto fact = [&](const char* n) {
      return Cell(FactOrMissing(a.facts, n).Format());
    };
    out += fmt::format(
        "| {} | `{}` | {:+g} | {} | {} | {} | {} | {} | {} | {} |\n", ++rank,
        Cell(a.label), a.score, a.vetoed ? "**vetoed**" : "ok",
        fact("derived.subtasks_needed"), fact("derived.p99_latency"),
        fact("derived.checkpoint_duration"), fact("derived.restore_time"),
        fact("derived.memory_per_subtask"), fact("derived.disk_write_rate"));
  }
  out += "\n### Reasons\n\n";
  for (const BackendAdvice& a : r.ranking) {
    out += fmt::format("- `{}`\n", a.label);
    for (const std::string& reason : a.reasons) {
      out += "  - " + Cell(reason) + "\n";
    }
  }
  out +=
      "\n### Fired rules\n\n| rule | backend | effect | numbers |\n"
      "|---|---|---|---|\n";
  for (const FiredRule& f : r.fired) {
    std::vector<std::string> values;
    for (const auto& [k, v] : f.values) values.push_back(k + " = " + v);
    out += fmt::format("| `{}` | {} | {} | {} |\n", f.rule_id,
                       f.backend.empty() ? "(profile)" : Cell(f.backend),
                       EffectText(f),
                       Cell(fmt::format("{}", fmt::join(values, "; "))));
  }
  if (!r.notes.empty() || !r.confidence.empty()) {
    out += "\n### Notes and confidence\n\n";
    for (const std::string& n : r.notes) out += "- " + Cell(n) + "\n";
    for (const std::string& n : r.confidence) out += "- " + Cell(n) + "\n";
  }
  out += "\n### What would change the answer\n\n";
  if (r.what_would_change.empty()) out += WhatWouldChangeLine(r) + "\n";
  for (const WhatIf& w : r.what_would_change) {
    out += "- " + Cell(w.description) + "\n";
  }
  return out;
}

}  // namespace statebench::advisor
