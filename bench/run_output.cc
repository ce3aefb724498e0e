#include "bench/run_output.h"

#include <fmt/format.h>

namespace statebench {
namespace {

std::string Spread(const RunResult& run, const std::string& metric,
                   double scale, const char* fmt_str) {
  auto it = run.summary.find(metric);
  if (it == run.summary.end()) return "-";
  const MetricSummary& s = it->second;
  std::string v = fmt::format(fmt::runtime(fmt_str), s.median / scale);
  if (s.samples.size() > 1) {
    v += fmt::format(" ±{:.0f}%", s.relative_spread * 100);
  }
  return v;
}

}  // namespace

void PrintRunTable(const ResultsFile& results, std::ostream& out) {
  out << fmt::format("{:<10} {:<7} {:>16} {:>8} {:>8}  {}\n", "backend",
                     "status", "ops/s", "w-amp", "s-amp",
                     "checkpoint e2e / sync / async ms, size");
  for (const RunResult& run : results.runs) {
    if (run.status != "ok") {
      out << fmt::format("{:<10} {:<7} phase {}: {}\n", run.backend, "FAILED",
                         run.failure_phase, run.failure_reason);
      continue;
    }
    out << fmt::format(
        "{:<10} {:<7} {:>16} {:>8} {:>8}  {} / {} / {}, {}\n", run.backend,
        "ok", Spread(run, "throughput.ops_per_s", 1, "{:.0f}"),
        Spread(run, "write_amplification", 1, "{:.2f}"),
        Spread(run, "space_amplification", 1, "{:.2f}"),
        Spread(run, "checkpoint.median_end_to_end_ms", 1, "{:.1f}"),
        Spread(run, "checkpoint.median_sync_ms", 1, "{:.2f}"),
        Spread(run, "checkpoint.median_async_ms", 1, "{:.1f}"),
        Spread(run, "checkpoint.median_full_size_bytes", 1048576,
               "{:.1f} MiB"));
    if (run.repetitions.empty()) continue;
    for (const OpKindResult& k : run.repetitions.back().ops) {
      std::string p = "latency." + k.op;
      out << fmt::format(
          "    {:<12} p50 {:>10} ns  p99 {:>10} ns  p99.9 {:>10} ns  max "
          "{:>10} ns\n",
          k.op, Spread(run, p + ".p50_ns", 1, "{:.0f}"),
          Spread(run, p + ".p99_ns", 1, "{:.0f}"),
          Spread(run, p + ".p999_ns", 1, "{:.0f}"),
          Spread(run, p + ".max_ns", 1, "{:.0f}"));
    }
    if (auto it = run.summary.find("restore.duration_ms");
        it != run.summary.end()) {
      out << fmt::format("    restore {:.1f} ms\n", it->second.median);
    }
  }
}

Status WriteExports(const ResultsFile& results,
                    const std::map<std::string, std::string>& exports) {
  if (!exports.empty()) {
    return Status::Unimplemented("exports are not available in this build yet");
  }
  return Status::Ok();
}

}  // namespace statebench
