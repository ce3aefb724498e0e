// `statebench sweep`: every backend at a ladder of state sizes, the results
// written after each size, and cost models fitted over the sizes.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "backends/registry.h"
#include "base/spawn.h"
#include "bench/cli/commands.h"
#include "bench/cli/output_paths.h"
#include "bench/cli/run_options.h"
#include "bench/cli/run_output.h"
#include "bench/cli/run_plan.h"
#include "bench/cli/sweep.h"
#include "bench/harness/context.h"
#include "bench/harness/harness.h"
#include "workloads/workload_file.h"

namespace statebench {
namespace {

struct SweepOptions {
  RunOptions run;
  std::vector<std::string> state_sizes;
  std::string up_to;
  std::string from = "16MiB";
  int steps = 3;
  bool dry_run = false;
};

std::string Duration(double s) {
  if (s < 90) return fmt::format("{:.0f} s", s);
  if (s < 5400) return fmt::format("{:.0f} min", s / 60);
  return fmt::format("{:.1f} h", s / 3600);
}

Result<std::vector<uint64_t>> Sizes(const SweepOptions& o) {
  if (!o.state_sizes.empty() && !o.up_to.empty()) {
    return Status::InvalidArgument(
        "--state-sizes and --up-to both give the ladder; use one");
  }
  if (!o.state_sizes.empty()) {
    return ParseStateSizes("--state-sizes", o.state_sizes);
  }
  Result<uint64_t> from = ParseByteSize(o.from);
  if (!from.ok() || *from == 0) {
    return Status::InvalidArgument("--from: '" + o.from + "' is not a size");
  }
  std::string up = o.up_to.empty() ? "256MiB" : o.up_to;
  Result<uint64_t> up_to = ParseByteSize(up);
  if (!up_to.ok() || *up_to == 0) {
    return Status::InvalidArgument("--up-to: '" + up + "' is not a size");
  }
  return GeometricStateSizes(*from, *up_to, o.steps);
}

void PrintPlan(const std::vector<SweepStep>& steps, double bytes_per_key,
               std::ostream& err) {
  double total = 0;
  err << fmt::format("statebench: sweep plan ({:.0f} bytes of state per key)\n",
                     bytes_per_key);
  err << fmt::format("  {:<10} {:>10} {:>12} {:>9} {:>10} {:>10}\n", "backend",
                     "state", "keys", "est.", "disk", "memory");
  for (const SweepStep& s : steps) {
    if (s.skip_reason.empty()) total += s.seconds;
    err << fmt::format(
        "  {:<10} {:>10} {:>12} {:>9} {:>10} {:>10}{}\n", s.backend,
        FormatStateSize(s.state_bytes), s.keys,
        s.skip_reason.empty() ? Duration(s.seconds) : "skip",
        FormatStateSize(s.disk_bytes), FormatStateSize(s.memory_bytes),
        s.skip_reason.empty() ? "" : "  (" + s.skip_reason + ")");
  }
  err << "  estimated total: " << Duration(total) << "\n";
}

Status Save(const ResultsFile& results, const std::string& path) {
  if (path.empty()) return Status::Ok();
  Status s = SaveResultsFile(results, path);
  return s.ok() ? s : s.WithContext("cannot write results");
}

void PrintCurves(const nlohmann::json& curves, std::ostream& out) {
  if (!curves.contains("backends")) return;
  out << "\nCOST MODELS against state per subtask (forecast check: the largest "
         "size forecast from the others)\n";
  out << fmt::format("{:<22} {:<34} {:<40} {}\n", "backend", "metric", "model",
                     "largest: forecast vs measured");
  static const char* const kShown[] = {
      "throughput.ops_per_s",         "checkpoint.median_end_to_end_ms",
      "checkpoint.median_size_bytes", "restore.duration_ms",
      "rescale.duration_ms",          "memory.peak_rss_bytes"};
  for (const auto& [label, metrics] : curves["backends"].items()) {
    for (const char* metric : kShown) {
      if (!metrics.contains(metric)) continue;
      const nlohmann::json& c = metrics[metric];
      std::string model = c.contains("model")
                              ? c["model"].value("describe", std::string())
                              : c.value("model_error", std::string("-"));
      std::string check = "-";
      if (c.contains("forecast_check")) {
        const nlohmann::json& f = c["forecast_check"];
        check = fmt::format(
            "{:+.0f}% ({})", 100 * f.value("relative_error", 0.0),
            f.value("inside_interval", false) ? "inside its 90% interval"
                                              : "outside its 90% interval");
      }
      out << fmt::format("{:<22} {:<34} {:<40} {}\n", label, metric, model,
                         check);
    }
  }
}

int RunSweepCommand(SweepOptions& so, CliContext& ctx) {
  std::ostream& err = *ctx.err;
  RunOptions& o = so.run;
  const BackendRegistry& registry = BackendRegistry::Default();
  auto usage = [&](const Status& s) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  };
  if (Status s = CheckOutputPaths(o.outputs); !s.ok()) return usage(s);
  if (Status s = FinalizeRunOptions(&o); !s.ok()) return usage(s);
  std::vector<std::string> names = o.backends;
  if (names.empty()) names = {"memory", "fs", "rocksdb"};
  // Heap memory is planned per size below, not for the flags' key count.
  Result<RunPlan> planned = PlanRun(o, names, {.heap_memory = false});
  if (!planned.ok()) return usage(planned.status());
  RunPlan& run_plan = *planned;
  // RocksDB bigger than memory: the block cache is the only cache (direct
  // reads), and restores copy from checkpoint storage (Flink's default),
  // unless the user chose otherwise.
  if (std::count(names.begin(), names.end(), std::string("rocksdb"))) {
    run_plan.options["rocksdb"].emplace("use_direct_reads", "on");
    run_plan.options["rocksdb"].emplace("local_recovery", "off");
  }
  std::map<std::string, BackendOptionMap>& per_backend = run_plan.options;
  Result<double> per_key =
      StateBytesPerKey(o.config.workload, *run_plan.workload);
  if (!per_key.ok()) return usage(per_key.status());
  Result<std::vector<uint64_t>> sizes = Sizes(so);
  if (!sizes.ok()) return usage(sizes.status());
  if (o.config.rescale_to == 0) o.config.rescale_to = 2 * o.config.parallelism;

  SweepPlanInput in;
  in.backends = names;
  in.sizes = *sizes;
  in.bytes_per_key = *per_key;
  in.parallelism = o.config.parallelism;
  in.seconds_per_run =
      (o.config.warmup_s + o.config.measure_s) * o.config.repetitions;
  const char* tmp = std::getenv("TMPDIR");
  in.machine = ReadMachineLimits(o.config.work_root.empty()
                                     ? (tmp != nullptr ? tmp : "/tmp")
                                     : o.config.work_root);
  Result<std::vector<SweepStep>> plan = PlanSweep(in);
  if (!plan.ok()) {
    return usage(plan.status().WithContext(
        so.state_sizes.empty() ? "--up-to" : "--state-sizes"));
  }
  // Notes once the input is known to be good: bad input gets one message.
  for (const std::string& note : o.notes) {
    err << "statebench: note: " << note << "\n";
  }
  if (!o.quiet || so.dry_run) PrintPlan(*plan, *per_key, err);
  if (so.dry_run) return kExitOk;

  ResultsFile results;
  results.context = CollectContext("sweep", ctx.argc, ctx.argv);
  nlohmann::json config = PlanConfigJson(o, run_plan);
  config["sweep"] = {{"state_sizes", *sizes},
                     {"bytes_per_key", *per_key},
                     {"x", "state_bytes_per_subtask"}};
  results.config = config;

  InstallSpawnSignalHandlers();
  ProgressFn progress = [&](const std::string& msg) {
    if (ctx.stderr_is_tty && !o.quiet) err << "statebench: " << msg << "\n";
  };
  ProgressObserver observer(progress);
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  // The pace of the estimate: measured over estimated seconds of the steps
  // that measured (a refused step returns at once and says nothing).
  double estimated_done = 0, measured_done = 0, estimated_left = 0;
  for (const SweepStep& s : *plan) {
    if (s.skip_reason.empty()) estimated_left += s.seconds;
  }
  bool any_failed = false;
  int index = 0;
  for (const SweepStep& step : *plan) {
    ++index;
    RunResult run;
    const uint64_t per_subtask =
        step.state_bytes / static_cast<uint64_t>(o.config.parallelism);
    if (!step.skip_reason.empty()) {
      run.backend = step.backend;
      run.workload = o.config.workload.name;
      run.status = RunStatus::kUnsupported;
      run.failure_phase = "plan";
      run.failure_reason = step.skip_reason;
      err << "statebench: " << step.backend << " at "
          << FormatStateSize(step.state_bytes)
          << ": skipped: " << step.skip_reason << "\n";
    } else {
      RunConfig rc = o.config;
      rc.backend = step.backend;
      rc.backend_options = per_backend[step.backend];
      rc.workload.key_count = step.keys;
      const Clock::time_point step_start = Clock::now();
      run = RunBenchmark(rc, registry, &observer);
      run.backend_options.erase("password_file");
      estimated_left -= step.seconds;
      if (run.status == RunStatus::kOk) {
        estimated_done += step.seconds;
        measured_done +=
            std::chrono::duration<double>(Clock::now() - step_start).count();
      }
      if (run.status == RunStatus::kFailed) {
        any_failed = true;
        err << "statebench: " << step.backend << " at "
            << FormatStateSize(step.state_bytes) << " failed in phase "
            << run.failure_phase << ": " << run.failure_reason << "\n";
      }
    }
    run.extra["sweep"] = {{"state_bytes", step.state_bytes},
                          {"state_bytes_per_subtask", per_subtask},
                          {"keys", step.keys},
                          {"step", index}};
    results.runs.push_back(std::move(run));
    results.curves = FitCurves(results.runs);
    if (Status s = Save(results, o.output); !s.ok()) {
      err << "statebench: " << s.message() << "\n";
      return kExitFailure;
    }
    if (!o.quiet) {
      const double elapsed =
          std::chrono::duration<double>(Clock::now() - start).count();
      // The estimate scaled by how the finished steps compared with it.
      const double pace =
          estimated_done > 0 ? measured_done / estimated_done : 1;
      err << fmt::format(
          "statebench: sweep [{}/{}] {} at {}: {}; elapsed {}, ETA {}\n", index,
          plan->size(), step.backend, FormatStateSize(step.state_bytes),
          ToString(results.runs.back().status), Duration(elapsed),
          Duration(std::max(0.0, estimated_left * pace)));
    }
  }
  PrintRunTable(results, AnyOutputIsStandardOutput(o.outputs) ? err : *ctx.out);
  PrintCurves(results.curves,
              AnyOutputIsStandardOutput(o.outputs) ? err : *ctx.out);
  ctx.out->flush();
  if (Status s = WriteExports(results, o.exports); !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitFailure;
  }
  if (!o.output.empty() && !o.quiet) {
    err << "statebench: results written to " << DescribeOutput(o.output)
        << "\n";
  }
  return any_failed ? kExitFailure : kExitOk;
}

}  // namespace

void SetupSweepCommand(CLI::App& app, CliContext* ctx) {
  auto so = std::make_shared<SweepOptions>();
  so->run.config.measure_s = 3;
  so->run.config.warmup_s = 0.5;
  so->run.config.checkpoint.interval_ms = 1000;
  CLI::App* sub = app.add_subcommand(
      "sweep",
      "Measure backends at a ladder of state sizes and fit cost models");
  sub->add_option("--backends", so->run.backends,
                  "Comma-separated backends (default: memory,fs,rocksdb)")
      ->delimiter(',');
  sub->add_option("--state-sizes", so->state_sizes,
                  "Job state sizes, ascending (e.g. 16MiB,256MiB,2GiB)")
      ->delimiter(',');
  sub->add_option("--up-to", so->up_to,
                  "Largest state size of a geometric ladder (default 256MiB)");
  sub->add_option("--from", so->from, "Smallest size of the ladder")
      ->capture_default_str();
  sub->add_option("--steps", so->steps, "Sizes in the ladder")
      ->check(CLI::Range(2, 64))
      ->capture_default_str();
  sub->add_flag("--dry-run", so->dry_run,
                "Print the plan (sizes, keys, time, disk, memory) and stop");
  AddRunOptions(sub, &so->run);
  sub->callback([so, ctx, sub] {
    CollectRunOutputs(sub, &so->run);
    ctx->action = [so, ctx] { return RunSweepCommand(*so, *ctx); };
  });
}

}  // namespace statebench
