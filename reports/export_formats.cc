// Machine-read exports: the results re-serialized, CSV,
// github-action-benchmark's custom JSON, and Bencher's BMF. Values are
// medians over repetitions with min/max (or stddev) as the range; a metric
// a run does not have is left out rather than written as zero.
#include <fmt/format.h>

#include <cmath>

#include "reports/report.h"
#include "reports/report_util.h"

namespace statebench {
namespace {

// Insertion order: the layout the consuming tools print.
using json = nlohmann::ordered_json;
using report::FindMetric;

std::string Number(double v) {
  return std::isfinite(v) ? fmt::format("{}", v) : "";
}

// ---- github-action-benchmark ------------------------------------------------

void AddGab(json* out, const std::string& name, const std::string& unit,
            const MetricSummary& s, const std::string& note = "") {
  if (!std::isfinite(s.median)) return;
  json e = {{"name", name}, {"unit", unit}, {"value", s.median}};
  if (s.samples.size() > 1 && std::isfinite(s.stddev)) {
    e["range"] = "± " + report::Sig3(s.stddev);
  }
  e["extra"] = fmt::format("{} repetition{}; min {}; max {}", s.samples.size(),
                           s.samples.size() == 1 ? "" : "s",
                           report::Sig3(s.min), report::Sig3(s.max)) +
               note;
  out->push_back(std::move(e));
}

void AddGabMetric(json* out, const RunResult& run, const std::string& name,
                  const std::string& metric, const std::string& unit,
                  const std::string& note = "") {
  if (const MetricSummary* s = FindMetric(run, metric)) {
    AddGab(out, name, unit, *s, note);
  }
}

// The range and min/max of a latency entry are over the per-repetition
// percentiles; its value is the percentile of all samples.
std::string LatencyNote() {
  return std::string("; value: ") + kLatencyDefinition +
         "; range, min and max: over the per-repetition percentiles";
}

// ---- Bencher Metric Format
// ------------------------------------------------------

void AddBmf(json* benchmark, const std::string& measure,
            const MetricSummary& s) {
  if (!std::isfinite(s.median)) return;
  json m = {{"value", s.median}};
  if (s.samples.size() > 1 && std::isfinite(s.min) && std::isfinite(s.max)) {
    m["lower_value"] = s.min;
    m["upper_value"] = s.max;
  }
  (*benchmark)[measure] = std::move(m);
}

void AddBmfMetric(json* benchmark, const RunResult& run,
                  const std::string& measure, const std::string& metric) {
  if (const MetricSummary* s = FindMetric(run, metric)) {
    AddBmf(benchmark, measure, *s);
  }
}

// Every run, ok or not, has a "<name> failed" entry (0 or 1): a run that
// starts failing raises github-action-benchmark's alert (0 -> 1), and the
// reason is in its "extra".
json FailedEntry(const RunResult& run, const std::string& name) {
  const bool failed = run.status != RunStatus::kOk;
  return {{"name", name + " failed"},
          {"unit", "failed runs"},
          {"value", failed ? 1 : 0},
          {"extra", failed ? report::FailureText(run) : std::string("ok")}};
}

}  // namespace

std::string RenderJson(const ResultsFile& results) {
  return report::DumpJson(ToJson(results), 2) + "\n";
}

std::string RenderCsv(const ResultsFile& results) {
  std::string out =
      "run,backend,workload,checkpoint_type,status,metric,unit,"
      "higher_is_better,repetitions,median,min,max,mean,stddev,"
      "relative_spread,failure_phase,failure_reason\r\n";
  std::vector<std::string> names = report::StableRunNames(results);
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    std::string lead = report::CsvField(names[i]) + "," +
                       report::CsvField(run.backend) + "," +
                       report::CsvField(run.workload) + "," +
                       report::CsvField(run.checkpoint_type) + "," +
                       report::CsvField(ToString(run.status)) + ",";
    std::string tail = std::string(",") + report::CsvField(run.failure_phase) +
                       "," + report::CsvField(run.failure_reason) + "\r\n";
    if (run.summary.empty()) {
      out += lead + ",,,,,,,,,," + tail;
      continue;
    }
    for (const auto& [metric, s] : run.summary) {
      MetricInfo info = DescribeMetric(metric);
      out += lead + report::CsvField(metric) + "," +
             report::CsvField(info.unit) + "," +
             (info.higher_is_better ? "true" : "false") + "," +
             std::to_string(s.samples.size()) + "," + Number(s.median) + "," +
             Number(s.min) + "," + Number(s.max) + "," + Number(s.mean) + "," +
             Number(s.stddev) + "," + Number(s.relative_spread) + tail;
    }
  }
  return out;
}

std::string RenderGabSmaller(const ResultsFile& results) {
  json out = json::array();
  std::vector<std::string> names = report::StableRunNames(results);
  std::vector<std::string> ops = report::OpKinds(results);
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    out.push_back(FailedEntry(run, names[i]));
    if (run.status != RunStatus::kOk) continue;
    const std::string& n = names[i];
    for (const std::string& op : ops) {
      for (const char* stat : {"p50", "p99", "p999"}) {
        AddGabMetric(&out, run, n + "/" + op + " " + stat + " latency",
                     "latency." + op + "." + stat + "_ns", "ns", LatencyNote());
      }
    }
    AddGabMetric(&out, run, n + " checkpoint end-to-end",
                 "checkpoint.median_end_to_end_ms", "ms");
    AddGabMetric(&out, run, n + " checkpoint end-to-end p90",
                 "checkpoint.p90_end_to_end_ms", "ms");
    AddGabMetric(&out, run, n + " checkpoint end-to-end max",
                 "checkpoint.max_end_to_end_ms", "ms");
    AddGabMetric(&out, run, n + " checkpoint sync", "checkpoint.median_sync_ms",
                 "ms");
    AddGabMetric(&out, run, n + " restore", "restore.duration_ms", "ms");
    if (auto r = report::Recovery(run, "rescale")) {
      AddGab(&out, n + " rescale", "ms", r->duration_ms);
    }
    AddGabMetric(&out, run, n + " write amplification", "write_amplification",
                 "x");
    AddGabMetric(&out, run, n + " space amplification", "space_amplification",
                 "x");
  }
  return report::DumpJson(out, 2) + "\n";
}

std::string RenderGabBigger(const ResultsFile& results) {
  json out = json::array();
  std::vector<std::string> names = report::StableRunNames(results);
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    if (run.status != RunStatus::kOk) {
      // No work done: throughput 0, which raises the alert of a drop.
      out.push_back({{"name", names[i] + " throughput"},
                     {"unit", "ops/s"},
                     {"value", 0},
                     {"extra", report::FailureText(run)}});
      continue;
    }
    AddGabMetric(&out, run, names[i] + " throughput", "throughput.ops_per_s",
                 "ops/s");
    AddGabMetric(&out, run, names[i] + " event throughput",
                 "throughput.events_per_s", "events/s");
    AddGabMetric(&out, run, names[i] + " restore throughput",
                 "restore.bytes_per_s", "bytes/s");
  }
  return report::DumpJson(out, 2) + "\n";
}

std::string RenderBmf(const ResultsFile& results) {
  json out = json::object();
  std::vector<std::string> names = report::StableRunNames(results);
  std::vector<std::string> ops = report::OpKinds(results);
  for (size_t i = 0; i < results.runs.size(); ++i) {
    const RunResult& run = results.runs[i];
    // BMF has no error field: a "failed" measure (0 or 1) on every run
    // lets a Bencher threshold catch a run that starts failing.
    json b = {{"failed", {{"value", run.status == RunStatus::kOk ? 0 : 1}}}};
    if (run.status != RunStatus::kOk) {
      out[names[i]] = std::move(b);
      continue;
    }
    AddBmfMetric(&b, run, "throughput", "throughput.ops_per_s");
    AddBmfMetric(&b, run, "write-amplification", "write_amplification");
    AddBmfMetric(&b, run, "space-amplification", "space_amplification");
    AddBmfMetric(&b, run, "checkpoint-duration-ms",
                 "checkpoint.median_end_to_end_ms");
    AddBmfMetric(&b, run, "checkpoint-duration-p90-ms",
                 "checkpoint.p90_end_to_end_ms");
    AddBmfMetric(&b, run, "checkpoint-duration-max-ms",
                 "checkpoint.max_end_to_end_ms");
    AddBmfMetric(&b, run, "checkpoint-size-bytes",
                 "checkpoint.median_size_bytes");
    AddBmfMetric(&b, run, "checkpoint-size-p90-bytes",
                 "checkpoint.p90_size_bytes");
    AddBmfMetric(&b, run, "checkpoint-size-max-bytes",
                 "checkpoint.max_size_bytes");
    AddBmfMetric(&b, run, "restore-duration-ms", "restore.duration_ms");
    if (auto r = report::Recovery(run, "rescale")) {
      AddBmf(&b, "rescale-duration-ms", r->duration_ms);
    }
    if (!b.empty()) out[names[i]] = std::move(b);
    for (const std::string& op : ops) {
      json o = json::object();
      const std::string p = "latency." + op + ".";
      // Bencher's built-in "latency" measure is in ns; we give it the mean.
      AddBmfMetric(&o, run, "latency", p + "mean_ns");
      AddBmfMetric(&o, run, "latency-p50", p + "p50_ns");
      AddBmfMetric(&o, run, "latency-p99", p + "p99_ns");
      AddBmfMetric(&o, run, "latency-p999", p + "p999_ns");
      AddBmfMetric(&o, run, "latency-p9999", p + "p9999_ns");
      AddBmfMetric(&o, run, "latency-max", p + "max_ns");
      if (!o.empty()) out[names[i] + "/" + op] = std::move(o);
    }
  }
  return report::DumpJson(out, 2) + "\n";
}

}  // namespace statebench
