// Google Benchmark JSON export, in the layout of google/benchmark's
// JSONReporter so that tools/compare.py and github-action-benchmark's
// "googlecpp" read it: per-repetition "iteration" entries, then mean,
// median and stddev "aggregate" entries, per backend/workload/op.
//
// "<name>/all" is the whole op stream: real_time is wall time per op
// (1e9 / ops per second). "<name>/<op kind>" is one op kind: real_time is
// the mean of its sampled service times. CPU time per op is not measured,
// so cpu_time repeats real_time (compare.py needs the field); the docs say
// so beside the export.
//
// The aggregates-only form (Google Benchmark's
// --benchmark_report_aggregates_only) leaves out the per-repetition
// entries, for tools that read every entry as a row of its own.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "reports/report.h"
#include "reports/report_util.h"

namespace statebench {
namespace {

// Insertion order: the layout the consuming tools print.
using json = nlohmann::ordered_json;

// One benchmark family: the per-repetition values of real_time and of each
// counter.
struct Family {
  std::string run_name;
  std::vector<uint64_t> iterations;
  std::vector<double> real_time_ns;
  std::vector<std::map<std::string, double>> counters;
  // Counters whose mean and median aggregates hold the figure of all
  // samples of all repetitions (the latency percentiles), not an
  // aggregate of the per-repetition values.
  std::map<std::string, double> all_samples;
};

void PutCounters(json* entry, const std::map<std::string, double>& counters) {
  for (const auto& [k, v] : counters) {
    if (std::isfinite(v)) (*entry)[k] = v;
  }
}

void AddIfFinite(std::map<std::string, double>* counters,
                 const std::string& name, double v) {
  if (std::isfinite(v)) (*counters)[name] = v;
}

void AddMetric(std::map<std::string, double>* counters, const std::string& name,
               const Repetition& rep, const std::string& metric) {
  auto it = rep.metrics.find(metric);
  if (it != rep.metrics.end()) AddIfFinite(counters, name, it->second);
}

Family WholeStream(const RunResult& run, const std::string& name) {
  Family f{name + "/all", {}, {}, {}, {}};
  for (const Repetition& rep : run.repetitions) {
    if (rep.status != RunStatus::kOk) continue;  // kept out of the summary too
    if (rep.measure_ops == 0 || !(rep.ops_per_s > 0)) continue;
    f.iterations.push_back(rep.measure_ops);
    f.real_time_ns.push_back(1e9 / rep.ops_per_s);
    std::map<std::string, double> c;
    AddIfFinite(&c, "items_per_second", rep.ops_per_s);
    if (rep.events_per_s > 0) {
      AddIfFinite(&c, "events_per_second", rep.events_per_s);
    }
    AddMetric(&c, "write_amplification", rep, "write_amplification");
    AddMetric(&c, "space_amplification", rep, "space_amplification");
    AddMetric(&c, "checkpoint_e2e_ms", rep, "checkpoint.median_end_to_end_ms");
    AddMetric(&c, "checkpoint_e2e_p90_ms", rep, "checkpoint.p90_end_to_end_ms");
    AddMetric(&c, "checkpoint_e2e_max_ms", rep, "checkpoint.max_end_to_end_ms");
    AddMetric(&c, "checkpoint_sync_ms", rep, "checkpoint.median_sync_ms");
    AddMetric(&c, "checkpoint_size_bytes", rep, "checkpoint.median_size_bytes");
    AddMetric(&c, "checkpoint_size_p90_bytes", rep,
              "checkpoint.p90_size_bytes");
    AddMetric(&c, "checkpoint_size_max_bytes", rep,
              "checkpoint.max_size_bytes");
    AddMetric(&c, "restore_ms", rep, "restore.duration_ms");
    f.counters.push_back(std::move(c));
  }
  return f;
}

Family OneOpKind(const RunResult& run, const std::string& name,
                 const std::string& op) {
  Family f{name + "/" + op, {}, {}, {}, {}};
  for (const char* stat : {"p50", "p90", "p99", "p999", "p9999", "max"}) {
    if (std::optional<double> v =
            report::MetricMedian(run, "latency." + op + "." + stat + "_ns")) {
      f.all_samples[std::string(stat) + "_ns"] = *v;
    }
  }
  for (const char* stat : {"p50", "p99"}) {
    if (std::optional<double> v = report::MetricMedian(
            run, "latency_corrected." + op + "." + stat + "_ns")) {
      f.all_samples["corrected_" + std::string(stat) + "_ns"] = *v;
    }
  }
  for (const Repetition& rep : run.repetitions) {
    if (rep.status != RunStatus::kOk) continue;
    for (const OpKindResult& k : rep.ops) {
      if (k.op != op || k.count == 0 || k.latency.samples == 0) continue;
      f.iterations.push_back(k.count);
      f.real_time_ns.push_back(k.latency.mean_ns);
      std::map<std::string, double> c;
      if (rep.measure_duration_s > 0) {
        AddIfFinite(&c, "items_per_second",
                    static_cast<double>(k.count) / rep.measure_duration_s);
      }
      const LatencySummary& l = k.latency;
      c["p50_ns"] = static_cast<double>(l.p50_ns);
      c["p90_ns"] = static_cast<double>(l.p90_ns);
      c["p99_ns"] = static_cast<double>(l.p99_ns);
      c["p999_ns"] = static_cast<double>(l.p999_ns);
      c["p9999_ns"] = static_cast<double>(l.p9999_ns);
      c["max_ns"] = static_cast<double>(l.max_ns);
      c["latency_samples"] = static_cast<double>(l.samples);
      if (k.latency_corrected) {
        c["corrected_p50_ns"] =
            static_cast<double>(k.latency_corrected->p50_ns);
        c["corrected_p99_ns"] =
            static_cast<double>(k.latency_corrected->p99_ns);
      }
      f.counters.push_back(std::move(c));
    }
  }
  return f;
}

json Finite(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// The fields of one entry up to the timings, in Google Benchmark's order.
// `aggregate` is null for an iteration entry.
json Entry(const std::string& run_name, size_t family_index, size_t repetitions,
           size_t repetition_index, const char* aggregate) {
  json e;
  e["name"] = aggregate ? run_name + "_" + aggregate : run_name;
  e["family_index"] = family_index;
  e["per_family_instance_index"] = 0;
  e["run_name"] = run_name;
  e["run_type"] = aggregate ? "aggregate" : "iteration";
  e["repetitions"] = repetitions;
  if (!aggregate) e["repetition_index"] = repetition_index;
  e["threads"] = 1;
  if (aggregate) {
    e["aggregate_name"] = aggregate;
    e["aggregate_unit"] = "time";
  }
  return e;
}

void EmitFamily(const Family& f, size_t family_index, bool aggregates_only,
                json* benchmarks) {
  const size_t n = f.real_time_ns.size();
  if (n == 0) return;
  // Google Benchmark writes a single run as an iteration entry even when
  // only aggregates are asked for: there is nothing to aggregate.
  for (size_t i = 0; i < n && (!aggregates_only || n < 2); ++i) {
    json e = Entry(f.run_name, family_index, n, i, nullptr);
    e["iterations"] = f.iterations[i];
    e["real_time"] = Finite(f.real_time_ns[i]);
    e["cpu_time"] = Finite(f.real_time_ns[i]);
    e["time_unit"] = "ns";
    PutCounters(&e, f.counters[i]);
    benchmarks->push_back(std::move(e));
  }
  if (n < 2) return;  // Google Benchmark aggregates only repetitions.
  std::map<std::string, std::vector<double>> counter_samples;
  for (const auto& c : f.counters) {
    for (const auto& [k, v] : c) counter_samples[k].push_back(v);
  }
  MetricSummary time = Summarize(f.real_time_ns);
  std::map<std::string, MetricSummary> counters;
  for (auto& [k, v] : counter_samples) counters[k] = Summarize(std::move(v));
  for (const char* agg : {"mean", "median", "stddev"}) {
    auto pick = [agg](const MetricSummary& s) {
      std::string a = agg;
      return a == "mean" ? s.mean : a == "median" ? s.median : s.stddev;
    };
    json e = Entry(f.run_name, family_index, n, 0, agg);
    e["iterations"] = n;
    e["real_time"] = Finite(pick(time));
    e["cpu_time"] = Finite(pick(time));
    e["time_unit"] = "ns";
    std::map<std::string, double> values;
    for (const auto& [k, s] : counters) {
      auto merged = f.all_samples.find(k);
      values[k] = merged != f.all_samples.end() && agg != std::string("stddev")
                      ? merged->second
                      : pick(s);
    }
    PutCounters(&e, values);
    benchmarks->push_back(std::move(e));
  }
}

// A run that failed or is unsupported, as Google Benchmark writes a
// benchmark that called SkipWithError: error_occurred and error_message,
// no iterations, zero times.
json ErrorEntry(const RunResult& run, const std::string& name,
                size_t family_index) {
  const std::string run_name = name + "/all";
  json e = Entry(run_name, family_index, 1, 0, nullptr);
  e["error_occurred"] = true;
  e["error_message"] = report::FailureText(run);
  e["iterations"] = 0;
  e["real_time"] = 0;
  e["cpu_time"] = 0;
  e["time_unit"] = "ns";
  return e;
}

std::string LowerBuildType(const std::string& build_type) {
  // Google Benchmark knows "release" and "debug" only.
  return build_type == "Debug" || build_type == "debug" ? "debug" : "release";
}

std::string RenderGbench(const ResultsFile& results, bool aggregates_only) {
  const Context& c = results.context;
  json context = {
      {"date", c.started_at},
      {"host_name", c.host},
      {"executable", c.argv.empty() ? "statebench" : c.argv.front()},
      {"num_cpus", c.cpu_count},
      {"mhz_per_cpu", 0},
      {"cpu_scaling_enabled", false},
      {"caches", json::array()},
      {"load_avg", json::array()},
      {"library_build_type", LowerBuildType(c.build_type)},
      {"statebench_version", c.statebench_version},
      {"statebench_git_sha", c.git_sha},
      {"statebench_build_type", c.build_type},
      {"cpu_model", c.cpu_model},
      {"statebench_latency_definition",
       std::string(kLatencyDefinition) +
           "; in gbench the mean and median aggregates' percentile "
           "counters are these figures, the iteration entries' are each "
           "repetition's own"},
  };
  json benchmarks = json::array();
  std::vector<std::string> names = report::StableRunNames(results);
  size_t family_index = 0;
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    if (run.status != RunStatus::kOk) {
      benchmarks.push_back(ErrorEntry(run, names[i], family_index++));
      continue;
    }
    EmitFamily(WholeStream(run, names[i]), family_index++, aggregates_only,
               &benchmarks);
    std::vector<std::string> ops;
    for (const Repetition& rep : run.repetitions) {
      for (const OpKindResult& k : rep.ops) {
        if (std::find(ops.begin(), ops.end(), k.op) == ops.end()) {
          ops.push_back(k.op);
        }
      }
    }
    for (const std::string& op : ops) {
      EmitFamily(OneOpKind(run, names[i], op), family_index++, aggregates_only,
                 &benchmarks);
    }
  }
  json out = {{"context", context}, {"benchmarks", benchmarks}};
  return report::DumpJson(out, 2) + "\n";
}

}  // namespace

std::string RenderGoogleBenchmarkJson(const ResultsFile& results) {
  return RenderGbench(results, /*aggregates_only=*/false);
}

std::string RenderGoogleBenchmarkAggregatesJson(const ResultsFile& results) {
  return RenderGbench(results, /*aggregates_only=*/true);
}

}  // namespace statebench
