// Read-only views over results records shared by the report formatters.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "reports/report_util.h"

namespace statebench::report {

const MetricSummary* FindMetric(const RunResult& run, std::string_view name) {
  auto it = run.summary.find(std::string(name));
  if (it == run.summary.end() || it->second.samples.empty()) return nullptr;
  return &it->second;
}

std::optional<double> MetricMedian(const RunResult& run,
                                   std::string_view name) {
  const MetricSummary* s = FindMetric(run, name);
  if (s == nullptr || !std::isfinite(s->median)) return std::nullopt;
  return s->median;
}

std::string CheckpointTail(const RunResult& run, std::string_view what,
                           std::string (*format)(double)) {
  const std::string w(what);
  std::optional<double> p50 = MetricMedian(run, "checkpoint.median_" + w);
  if (!p50) return "-";
  std::optional<double> p90 = MetricMedian(run, "checkpoint.p90_" + w);
  std::optional<double> max = MetricMedian(run, "checkpoint.max_" + w);
  if (!p90 || !max) return format(*p50);
  return format(*p50) + " / " + format(*p90) + " / " + format(*max);
}

std::string OverIntervalCell(const RunResult& run) {
  std::optional<double> share =
      MetricMedian(run, "checkpoint.over_interval_share");
  if (!share) return "-";
  return fmt::format("{:.0f}%", *share * 100);
}

namespace {

std::string Source(const RunResult& run) {
  auto it = run.extra.find("source");
  return it != run.extra.end() && it->is_string() ? it->get<std::string>() : "";
}

// " @ 64.0 MiB" for a run of a sweep (its job state size), else "".
std::string SweepSize(const RunResult& run) {
  auto it = run.extra.find("sweep");
  if (it == run.extra.end() || !it->is_object()) return "";
  const double bytes = it->value("state_bytes", 0.0);
  if (!(bytes > 0)) return "";
  std::string out = " @ " + FormatBytes(bytes);
  if (it->value("cache_curve", false)) {
    out += ", cache curve: block cache " +
           FormatBytes(it->value("block_cache_bytes", 0.0));
  }
  return out;
}

// Appends suffix(i) to each label of a group of equal labels, when the
// suffixes tell the group's members apart (at least two differ).
template <typename Suffix>
void SplitCollisions(std::vector<std::string>* labels, Suffix suffix) {
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < labels->size(); ++i) {
    groups[(*labels)[i]].push_back(i);
  }
  for (const auto& [label, members] : groups) {
    if (members.size() < 2) continue;
    std::set<std::string> distinct;
    for (size_t i : members) distinct.insert(suffix(i));
    if (distinct.size() < 2) continue;
    for (size_t i : members) (*labels)[i] += suffix(i);
  }
}

// Options that say where a backend's data lives or how to reach it, not
// how it is configured: they differ from run to run (a private server's
// port) and would make names unstable.
bool IsLocationOption(const std::string& key) {
  static const std::set<std::string> kLocation = {
      "host",     "port",          "socket", "unix_socket", "user",
      "password", "password_file", "dbname", "database",    "dir",
      "path",     "url",           "uri",    "pid",         "connection",
      "conninfo", "schema"};
  // Effective configurations name them with a prefix
  // ("checkpoint.dir", "server.pid").
  const size_t dot = key.rfind('.');
  const std::string leaf = dot == std::string::npos ? key : key.substr(dot + 1);
  return kLocation.count(leaf) > 0 || leaf.ends_with("_dir") ||
         leaf.ends_with("_path") || leaf.ends_with("_file");
}

// For each group of runs with equal labels, the backend options (effective
// when recorded, else as given) whose values differ within the group, as
// "k=v,k2=v2"; "" for a run outside such a group.
std::vector<std::string> DistinguishingOptions(
    const std::vector<RunResult>& runs,
    const std::vector<std::string>& labels) {
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < labels.size(); ++i) groups[labels[i]].push_back(i);
  auto options = [&](size_t i) -> const std::map<std::string, std::string>& {
    return runs[i].effective_config.empty() ? runs[i].backend_options
                                            : runs[i].effective_config;
  };
  std::vector<std::string> out(labels.size());
  for (const auto& [label, members] : groups) {
    if (members.size() < 2) continue;
    std::set<std::string> keys;
    for (size_t i : members) {
      for (const auto& [k, v] : options(i)) keys.insert(k);
    }
    std::vector<std::string> differing;
    for (const std::string& k : keys) {
      if (IsLocationOption(k)) continue;
      std::set<std::string> values;
      for (size_t i : members) {
        auto it = options(i).find(k);
        values.insert(it == options(i).end() ? "" : it->second);
      }
      if (values.size() > 1) differing.push_back(k);
    }
    for (size_t i : members) {
      for (const std::string& k : differing) {
        auto it = options(i).find(k);
        out[i] += (out[i].empty() ? "" : ",") + k + "=" +
                  (it == options(i).end() ? "" : it->second);
      }
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> RunLabels(const ResultsFile& results) {
  const auto& runs = results.runs;
  bool several_workloads = Workloads(results).size() > 1;
  std::vector<std::string> labels;
  for (const RunResult& run : runs) {
    labels.push_back(several_workloads ? run.backend + "/" + run.workload
                                       : run.backend);
  }
  SplitCollisions(
      &labels, [&](size_t i) { return " (" + runs[i].checkpoint_type + ")"; });
  SplitCollisions(&labels, [&](size_t i) { return SweepSize(runs[i]); });
  std::vector<std::string> options = DistinguishingOptions(runs, labels);
  SplitCollisions(&labels, [&](size_t i) {
    return options[i].empty() ? "" : " (" + options[i] + ")";
  });
  SplitCollisions(&labels, [&](size_t i) {
    std::string s = Source(runs[i]);
    return s.empty() ? s : " [" + s + "]";
  });
  SplitCollisions(&labels,
                  [&](size_t i) { return " #" + std::to_string(i + 1); });
  return labels;
}

std::vector<std::string> StableRunNames(const ResultsFile& results) {
  const auto& runs = results.runs;
  std::vector<std::string> names;
  for (const RunResult& run : runs) {
    names.push_back(
        run.backend + "/" + run.workload +
        (run.checkpoint_type.empty() || run.checkpoint_type == "full"
             ? ""
             : "/" + run.checkpoint_type));
  }
  SplitCollisions(&names, [&](size_t i) { return SweepSize(runs[i]); });
  std::vector<std::string> options = DistinguishingOptions(runs, names);
  SplitCollisions(&names, [&](size_t i) {
    return options[i].empty() ? "" : "/" + options[i];
  });
  SplitCollisions(&names, [&](size_t i) {
    std::string s = Source(runs[i]);
    return s.empty() ? s : " [" + s + "]";
  });
  SplitCollisions(&names,
                  [&](size_t i) { return " #" + std::to_string(i + 1); });
  return names;
}

std::string FailureText(const RunResult& run) {
  if (run.status == RunStatus::kOk) return "";
  if (run.status == RunStatus::kUnsupported) {
    return "unsupported" +
           (run.failure_reason.empty() ? "" : ": " + run.failure_reason);
  }
  std::string text(ToString(run.status));
  if (!run.failure_phase.empty()) {
    text += " in phase '" + run.failure_phase + "'";
  }
  if (!run.failure_reason.empty()) text += ": " + run.failure_reason;
  return text;
}

std::vector<RunChange> ChangesBetweenSources(const ResultsFile& results) {
  std::vector<RunChange> changes;
  std::map<std::string, const RunResult*> first;  // by configuration
  for (const RunResult& run : results.runs) {
    const std::string source = Source(run);
    if (source.empty() || run.status != RunStatus::kOk) continue;
    const std::string config =
        run.backend + "/" + run.workload +
        (run.checkpoint_type.empty() || run.checkpoint_type == "full"
             ? ""
             : "/" + run.checkpoint_type);
    auto [it, added] = first.emplace(config, &run);
    if (added) continue;
    const RunResult& base = *it->second;
    std::vector<std::string> metrics = {"throughput.ops_per_s"};
    for (const auto& [name, s] : run.summary) {
      if (name.starts_with("latency.") && name.ends_with(".p99_ns")) {
        metrics.push_back(name);
      }
    }
    for (const char* m : {"checkpoint.median_end_to_end_ms",
                          "restore.duration_ms", "write_amplification"}) {
      metrics.push_back(m);
    }
    for (const std::string& m : metrics) {
      std::optional<double> from = MetricMedian(base, m);
      std::optional<double> to = MetricMedian(run, m);
      if (!from || !to) continue;
      const MetricInfo info = DescribeMetric(m);
      changes.push_back({config, m, Source(base), Source(run), *from, *to,
                         info.unit, info.higher_is_better});
    }
  }
  return changes;
}

std::vector<std::string> OpKinds(const ResultsFile& results) {
  std::vector<std::string> out;
  for (const RunResult& run : results.runs) {
    for (const Repetition& rep : run.repetitions) {
      for (const OpKindResult& k : rep.ops) {
        if (std::find(out.begin(), out.end(), k.op) == out.end()) {
          out.push_back(k.op);
        }
      }
    }
  }
  return out;
}

bool RunHasOp(const RunResult& run, std::string_view op) {
  for (const Repetition& rep : run.repetitions) {
    for (const OpKindResult& k : rep.ops) {
      if (k.op == op) return true;
    }
  }
  return false;
}

std::vector<std::string> Workloads(const ResultsFile& results) {
  std::vector<std::string> out;
  for (const RunResult& run : results.runs) {
    if (std::find(out.begin(), out.end(), run.workload) == out.end()) {
      out.push_back(run.workload);
    }
  }
  return out;
}

size_t MaxRepetitions(const ResultsFile& results) {
  size_t n = 0;
  for (const RunResult& run : results.runs) {
    n = std::max(n, run.repetitions.size());
  }
  return n;
}

const Repetition* RepresentativeRepetition(const RunResult& run) {
  std::vector<const Repetition*> reps;
  for (const Repetition& r : run.repetitions) {
    if (r.measure_ops > 0 && r.status == RunStatus::kOk) reps.push_back(&r);
  }
  if (reps.empty()) {
    for (const Repetition& r : run.repetitions) reps.push_back(&r);
  }
  if (reps.empty()) return nullptr;
  std::stable_sort(reps.begin(), reps.end(),
                   [](const Repetition* a, const Repetition* b) {
                     return a->ops_per_s < b->ops_per_s;
                   });
  return reps[(reps.size() - 1) / 2];
}

HistogramBuckets MergedHistogram(const RunResult& run, std::string_view op,
                                 bool corrected) {
  std::map<uint64_t, uint64_t> merged;
  for (const Repetition& rep : run.repetitions) {
    if (rep.status != RunStatus::kOk) continue;  // as in the summary
    for (const OpKindResult& k : rep.ops) {
      if (k.op != op) continue;
      const HistogramBuckets* h =
          corrected
              ? (k.histogram_corrected ? &*k.histogram_corrected : nullptr)
              : &k.histogram;
      if (h == nullptr) continue;
      for (const auto& [v, c] : h->buckets) merged[v] += c;
    }
  }
  HistogramBuckets out;
  for (const auto& [v, c] : merged) {
    if (c > 0) out.buckets.emplace_back(v, c);
  }
  return out;
}

bool HasCorrectedLatency(const RunResult& run) {
  for (const Repetition& rep : run.repetitions) {
    for (const OpKindResult& k : rep.ops) {
      if (k.histogram_corrected && !k.histogram_corrected->buckets.empty()) {
        return true;
      }
    }
  }
  return false;
}

std::vector<PercentilePoint> PercentileDistribution(
    const HistogramBuckets& h, int ticks_per_half_distance) {
  std::vector<PercentilePoint> out;
  uint64_t total = 0;
  for (const auto& [v, c] : h.buckets) total += c;
  if (total == 0) return out;
  const double ticks = std::max(1, ticks_per_half_distance);
  double level = 0;  // percent
  uint64_t cumulative = 0;
  uint64_t last_value = 0;
  for (const auto& [value, count] : h.buckets) {
    if (count == 0) continue;
    cumulative += count;
    last_value = value;
    double reached =
        100.0 * static_cast<double>(cumulative) / static_cast<double>(total);
    // The level converges to 100 geometrically; the cap only guards
    // against floating-point stagnation.
    for (int guard = 0; reached >= level && guard < 10000; ++guard) {
      out.push_back({value, level / 100.0, cumulative});
      if (cumulative == total) break;
      double halvings = std::floor(std::log2(100.0 / (100.0 - level)));
      level += 100.0 / (ticks * std::pow(2.0, halvings + 1));
    }
    if (cumulative == total) break;
  }
  out.push_back({last_value, 1.0, total});
  return out;
}

std::pair<double, double> HistogramMeanStdDev(const HistogramBuckets& h) {
  // 3 significant digits: 2048 sub-buckets; values below 2048 are exact,
  // above, a bucket spans 2^(floor(log2 v) - 10) values.
  auto median_equivalent = [](uint64_t highest) -> double {
    if (highest < 2048) return static_cast<double>(highest);
    int magnitude = 63 - __builtin_clzll(highest);
    uint64_t width = uint64_t{1} << (magnitude - 10);
    uint64_t lowest = highest - width + 1;
    return static_cast<double>(lowest + (width >> 1));
  };
  double total = 0, sum = 0;
  for (const auto& [v, c] : h.buckets) {
    total += static_cast<double>(c);
    sum += median_equivalent(v) * static_cast<double>(c);
  }
  if (total == 0) return {0, 0};
  double mean = sum / total;
  double sq = 0;
  for (const auto& [v, c] : h.buckets) {
    double d = median_equivalent(v) - mean;
    sq += d * d * static_cast<double>(c);
  }
  return {mean, std::sqrt(sq / total)};
}

std::optional<RecoveryStats> Recovery(const RunResult& run,
                                      std::string_view kind) {
  std::vector<double> durations, state_bytes;
  RecoveryStats stats;
  for (const Repetition& rep : run.repetitions) {
    if (rep.status != RunStatus::kOk) continue;  // as in the summary
    for (const RestoreResult& r : rep.restores) {
      if (r.kind != kind) continue;
      if (r.state_bytes)
        state_bytes.push_back(static_cast<double>(*r.state_bytes));
      if (!r.mode.empty() && std::find(stats.modes.begin(), stats.modes.end(),
                                       r.mode) == stats.modes.end()) {
        stats.modes.push_back(r.mode);
      }
      if (durations.empty()) {
        stats.from_parallelism = r.from_parallelism;
        stats.to_parallelism = r.to_parallelism;
      }
      if (std::isfinite(r.duration_ms)) durations.push_back(r.duration_ms);
      if (std::find(stats.verdicts.begin(), stats.verdicts.end(), r.verdict) ==
          stats.verdicts.end()) {
        stats.verdicts.push_back(r.verdict);
      }
    }
  }
  if (durations.empty()) return std::nullopt;
  stats.duration_ms = Summarize(std::move(durations));
  if (!state_bytes.empty()) {
    stats.state_bytes = Summarize(std::move(state_bytes)).median;
  }
  return stats;
}

std::string RecoveryDetail(const RecoveryStats& r) {
  std::string out;
  for (const std::string& m : r.modes) out += (out.empty() ? "" : "/") + m;
  if (r.state_bytes && *r.state_bytes > 0) {
    out += (out.empty() ? "" : ", ") + FormatBytes(*r.state_bytes);
  }
  return out;
}

std::vector<std::string> WarningsOf(const RunResult& run) {
  std::vector<std::string> out = run.warnings;
  for (std::string& w : RunWarnings(run)) {
    if (std::find(out.begin(), out.end(), w) == out.end()) {
      out.push_back(std::move(w));
    }
  }
  return out;
}

std::string StatusText(const RunResult& run) {
  if (run.status == RunStatus::kOk && IsSaturated(run)) return "saturated";
  return std::string(ToString(run.status));
}

bool NotableVerdict(RestoreVerdict verdict) {
  return verdict != RestoreVerdict::kVerified &&
         verdict != RestoreVerdict::kNotVerified;
}

std::optional<SnapshotCodecs> RunSnapshotCodecs(const RunResult& run) {
  for (const Repetition& rep : run.repetitions) {
    for (const CheckpointRecord& c : rep.checkpoints) {
      if (c.status != CheckpointStatus::kCompleted) continue;
      if (c.compression.empty() && c.encryption.empty()) continue;
      return SnapshotCodecs{c.compression.empty() ? "-" : c.compression,
                            c.encryption.empty() ? "none" : c.encryption};
    }
  }
  return std::nullopt;
}

const std::vector<CodecColumn>& SnapshotCodecColumns() {
  static const std::vector<CodecColumn> kColumns = {
      {"ckpt size", "checkpoint.median_size_bytes", FormatBytes},
      {"uncompressed", "checkpoint.median_uncompressed_size_bytes",
       FormatBytes},
      {"ratio", "checkpoint.compression_ratio", Sig3},
      {"ckpt e2e", "checkpoint.median_end_to_end_ms", FormatDurationMs},
      {"compress CPU", "checkpoint.median_compress_cpu_ms", FormatDurationMs},
      {"encrypt CPU", "checkpoint.median_encrypt_cpu_ms", FormatDurationMs},
      {"restore", "restore.duration_ms", FormatDurationMs},
      {"decompress CPU", "restore.decompress_cpu_ms", FormatDurationMs},
      {"decrypt CPU", "restore.decrypt_cpu_ms", FormatDurationMs},
  };
  return kColumns;
}

std::pair<uint64_t, uint64_t> CheckpointCounts(const RunResult& run) {
  uint64_t ok = 0, failed = 0;
  for (const Repetition& rep : run.repetitions) {
    for (const CheckpointRecord& c : rep.checkpoints) {
      (c.status == CheckpointStatus::kCompleted ? ok : failed) += 1;
    }
  }
  return {ok, failed};
}

std::vector<std::pair<std::string, std::string>> ContextRows(const Context& c) {
  std::vector<std::pair<std::string, std::string>> rows = {
      {"statebench", c.statebench_version +
                         (c.git_sha.empty() ? "" : " (" + c.git_sha + ")")},
      {"build type", c.build_type},
      {"compiler", c.compiler},
      {"host", c.host},
      {"os", c.os},
      {"cpu",
       c.cpu_model +
           (c.cpu_count > 0 ? fmt::format(" ({} cpus)", c.cpu_count) : "")},
      {"memory", c.memory_bytes > 0
                     ? FormatBytes(static_cast<double>(c.memory_bytes))
                     : ""},
      {"started at", c.started_at},
  };
  std::string libs;
  for (const auto& [name, version] : c.libraries) {
    libs += (libs.empty() ? "" : ", ") + name + " " + version;
  }
  rows.emplace_back("libraries", libs);
  std::string argv;
  for (const std::string& a : c.argv) argv += (argv.empty() ? "" : " ") + a;
  rows.emplace_back("command line", argv);
  std::erase_if(rows, [](const auto& r) { return r.second.empty(); });
  return rows;
}

std::string Headline(const ResultsFile& results) {
  std::string workloads;
  for (const std::string& w : Workloads(results)) {
    workloads += (workloads.empty() ? "" : ", ") + w;
  }
  std::set<int> parallelism;
  bool open_loop = false;
  for (const RunResult& run : results.runs) {
    parallelism.insert(run.parallelism);
    open_loop = open_loop || run.open_loop;
  }
  std::string p;
  for (int v : parallelism) {
    if (!p.empty()) p += '/';
    p += std::to_string(v);
  }
  size_t reps = MaxRepetitions(results);
  std::string out = workloads.empty() ? "no runs" : "workload " + workloads;
  if (reps > 0) {
    out += fmt::format(" · {} repetition{}", reps, reps == 1 ? "" : "s");
  }
  if (!p.empty()) out += " · parallelism " + p;
  out += open_loop ? " · open loop" : " · closed loop";
  return out;
}

}  // namespace statebench::report
