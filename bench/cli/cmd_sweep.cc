// `statebench sweep`: every backend at a ladder of state sizes, the results
// written after each size, and cost models fitted over the sizes.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
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
  // The flag that gave state_sizes, for messages (compare's --sweep).
  std::string sizes_flag = "--state-sizes";
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
    return ParseStateSizes(o.sizes_flag, o.state_sizes);
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

bool NonZeroSize(const std::string& text) {
  Result<uint64_t> bytes = ParseByteSize(text);
  return bytes.ok() && *bytes > 0;
}

// "256 MiB", or "16 MiB, block cache 2 MiB" for a step of the cache curve.
std::string StepSize(const SweepStep& s) {
  std::string out = FormatStateSize(s.state_bytes);
  if (s.block_cache_bytes > 0) {
    out += ", block cache " + FormatStateSize(s.block_cache_bytes);
  }
  return out;
}

// "  (cache curve: block cache 32 MiB; warmup 6 s to fill the block cache)"
std::string StepNotes(const SweepStep& s) {
  std::vector<std::string> notes;
  if (s.block_cache_bytes > 0) {
    notes.push_back("cache curve: block cache " +
                    FormatStateSize(s.block_cache_bytes));
  }
  if (s.warmup_s > 0) {
    notes.push_back(
        fmt::format("warmup {:.0f} s to fill the block cache", s.warmup_s));
  }
  return notes.empty()
             ? ""
             : "  (" + fmt::format("{}", fmt::join(notes, "; ")) + ")";
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
        s.skip_reason.empty() ? StepNotes(s) : "  (" + s.skip_reason + ")");
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

// Everything a sweep decides before it measures anything.
struct SweepSetup {
  RunPlan run_plan;
  double bytes_per_key = 0;
  std::vector<uint64_t> sizes;
  std::vector<SweepStep> steps;
  bool cache_curve_wanted = false;
};

// What the plan needs of rocksdb's options: whether its block cache is the
// only cache (direct reads; then its warmup fills it and the cache curve
// is measured), the cache and the write buffer. Returns whether the cache
// curve is wanted.
bool SetRocksDbInput(const RunPlan& plan, const std::vector<std::string>& names,
                     SweepPlanInput* in) {
  static const std::map<std::string, std::string> kNoOptions;
  auto rocksdb_options = plan.options.find("rocksdb");
  const std::map<std::string, std::string>& rocksdb =
      rocksdb_options == plan.options.end() ? kNoOptions
                                            : rocksdb_options->second;
  auto direct = rocksdb.find("use_direct_reads");
  auto cache = rocksdb.find("block_cache_size");
  // The cache curve needs the block cache to be the only cache.
  const bool cache_curve =
      std::count(names.begin(), names.end(), std::string("rocksdb")) &&
      direct != rocksdb.end() &&
      (direct->second == "on" || direct->second == "true") &&
      (cache == rocksdb.end() || NonZeroSize(cache->second));
  in->rocksdb_cache_curve = cache_curve;
  if (auto wb = rocksdb.find("write_buffer_size"); wb != rocksdb.end()) {
    Result<uint64_t> bytes = ParseByteSize(wb->second);
    if (bytes.ok()) in->rocksdb_write_buffer = *bytes;
  }
  if (cache != rocksdb.end()) {
    Result<uint64_t> bytes = ParseByteSize(cache->second);
    if (bytes.ok()) in->rocksdb_block_cache = *bytes;
  }
  return cache_curve;
}

// Checks the flags, plans every backend once and the ladder of sizes against
// this machine; any error names its flag and means exit 2.
Result<SweepSetup> SetUpSweep(SweepOptions& so) {
  RunOptions& o = so.run;
  SB_RETURN_IF_ERROR(CheckOutputPaths(o.outputs));
  SB_RETURN_IF_ERROR(FinalizeRunOptions(&o));
  std::vector<std::string> names = o.backends;
  if (names.empty()) names = {"memory", "fs", "rocksdb"};
  SweepSetup setup;
  // Heap memory is planned per size below, not for the flags' key count.
  SB_ASSIGN_OR_RETURN(setup.run_plan,
                      PlanRun(o, names, {.heap_memory = false}));
  // RocksDB bigger than memory: the block cache is the only cache (direct
  // reads), and restores copy from checkpoint storage (Flink's default),
  // unless the user chose otherwise.
  if (std::count(names.begin(), names.end(), std::string("rocksdb"))) {
    setup.run_plan.options["rocksdb"].emplace("use_direct_reads", "on");
    setup.run_plan.options["rocksdb"].emplace("local_recovery", "off");
    SB_RETURN_IF_ERROR(ParseBackendSettings(o, &setup.run_plan));
  }
  SB_ASSIGN_OR_RETURN(
      setup.bytes_per_key,
      StateBytesPerKey(o.config.workload, *setup.run_plan.workload));
  SB_ASSIGN_OR_RETURN(setup.sizes, Sizes(so));
  if (o.config.rescale_to == 0) o.config.rescale_to = 2 * o.config.parallelism;

  SweepPlanInput in;
  in.backends = names;
  in.sizes = setup.sizes;
  in.bytes_per_key = setup.bytes_per_key;
  in.parallelism = o.config.parallelism;
  setup.cache_curve_wanted = SetRocksDbInput(setup.run_plan, names, &in);
  in.warmup_s = o.config.warmup_s;
  in.repetitions = o.config.repetitions;
  in.seconds_per_run =
      (o.config.warmup_s + o.config.measure_s) * o.config.repetitions;
  const char* tmp = std::getenv("TMPDIR");
  in.machine = ReadMachineLimits(o.config.work_root.empty()
                                     ? (tmp != nullptr ? tmp : "/tmp")
                                     : o.config.work_root);
  Result<std::vector<SweepStep>> steps = PlanSweep(in);
  if (!steps.ok()) {
    return steps.status().WithContext(so.state_sizes.empty() ? "--up-to"
                                                             : so.sizes_flag);
  }
  setup.steps = std::move(*steps);
  return setup;
}

// The plan, and why rocksdb's cache curve is missing when it is.
void PrintSweepPlan(const SweepSetup& setup, std::ostream& err) {
  const std::vector<SweepStep>& steps = setup.steps;
  PrintPlan(steps, setup.bytes_per_key, err);
  if (setup.cache_curve_wanted &&
      std::none_of(steps.begin(), steps.end(), [](const SweepStep& s) {
        return s.block_cache_bytes > 0;
      })) {
    err << "  rocksdb's cache curve is not measured: no size below the "
           "largest holds twice the write buffer per subtask, and below "
           "that the state lives in the memtable\n";
  }
}

// Elapsed time and the ETA: the estimate of the steps left, scaled by how
// the steps that measured compared with their estimate (a refused step
// returns at once and says nothing of the pace).
class SweepPace {
 public:
  using Clock = std::chrono::steady_clock;

  explicit SweepPace(const std::vector<SweepStep>& steps) {
    for (const SweepStep& s : steps) {
      if (s.skip_reason.empty()) estimated_left_ += s.seconds;
    }
  }
  void Measured(const SweepStep& step, bool ok, double seconds) {
    estimated_left_ -= step.seconds;
    if (!ok) return;
    estimated_done_ += step.seconds;
    measured_done_ += seconds;
  }
  double Elapsed() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
  }
  double Eta() const {
    const double pace =
        estimated_done_ > 0 ? measured_done_ / estimated_done_ : 1;
    return std::max(0.0, estimated_left_ * pace);
  }

 private:
  Clock::time_point start_ = Clock::now();
  double estimated_done_ = 0, measured_done_ = 0, estimated_left_ = 0;
};

// One step of the ladder: a run at the step's key count, or the row of a
// step the plan refused. Labelled with its size either way.
RunResult MeasureStep(const SweepStep& step, int index, const RunOptions& o,
                      const RunPlan& plan, CheckpointCadence* cadence,
                      RunObserver* observer, SweepPace* pace,
                      std::ostream& err) {
  const StepCadence at = cadence->For(step.backend, step.state_bytes);
  RunResult run;
  if (!step.skip_reason.empty()) {
    run.backend = step.backend;
    run.workload = o.config.workload.name;
    run.status = RunStatus::kUnsupported;
    run.failure_phase = "plan";
    run.failure_reason = step.skip_reason;
    err << "statebench: " << step.backend << " at " << StepSize(step)
        << ": skipped: " << step.skip_reason << "\n";
  } else {
    RunConfig rc = o.config;
    rc.backend = step.backend;
    auto options = plan.options.find(step.backend);
    if (options != plan.options.end()) rc.backend_options = options->second;
    if (auto parsed = plan.settings.find(step.backend);
        parsed != plan.settings.end()) {
      rc.backend_settings = parsed->second;
    }
    rc.workload.key_count = step.keys;
    if (step.warmup_s > 0) rc.warmup_s = step.warmup_s;
    rc.checkpoint.interval_ms = at.interval_ms;
    rc.measure_s = at.measure_s;
    if (step.block_cache_bytes > 0) {
      rc.backend_options["block_cache_size"] =
          std::to_string(step.block_cache_bytes);
      rc.backend_settings.reset();  // parsed again with this cache
    }
    const SweepPace::Clock::time_point start = SweepPace::Clock::now();
    run = RunBenchmark(rc, BackendRegistry::Default(), observer);
    run.backend_options.erase("password_file");
    if (step.block_cache_bytes > 0) {
      // The row keeps its configuration's options (the cache it ran with
      // is in extra.sweep and effective_config), so that it reads as a
      // step of that configuration, not as another one.
      run.backend_options.erase("block_cache_size");
      if (options != plan.options.end()) {
        if (auto c = options->second.find("block_cache_size");
            c != options->second.end()) {
          run.backend_options[c->first] = c->second;
        }
      }
    }
    pace->Measured(
        step, run.status == RunStatus::kOk,
        std::chrono::duration<double>(SweepPace::Clock::now() - start).count());
    if (run.status == RunStatus::kFailed) {
      err << "statebench: " << step.backend << " at " << StepSize(step)
          << " failed in phase " << run.failure_phase << ": "
          << run.failure_reason << "\n";
    }
  }
  const uint64_t per_subtask =
      step.state_bytes / static_cast<uint64_t>(o.config.parallelism);
  run.extra["sweep"] = {{"state_bytes", step.state_bytes},
                        {"state_bytes_per_subtask", per_subtask},
                        {"keys", step.keys},
                        {"step", index},
                        {"checkpoint_interval_ms", at.interval_ms},
                        {"measure_s", at.measure_s}};
  // A cache-curve step runs at its size's cadence and does not set it.
  if (run.status == RunStatus::kOk && step.block_cache_bytes == 0) {
    if (auto e2e = run.summary.find("checkpoint.median_end_to_end_ms");
        e2e != run.summary.end()) {
      cadence->Measured(step.backend, step.state_bytes, e2e->second.median);
    }
  }
  if (step.block_cache_bytes > 0) {
    run.extra["sweep"]["cache_curve"] = true;
    run.extra["sweep"]["block_cache_bytes"] = step.block_cache_bytes;
  }
  return run;
}

int RunSweepCommand(SweepOptions& so, CliContext& ctx) {
  std::ostream& err = *ctx.err;
  RunOptions& o = so.run;
  Result<SweepSetup> setup = SetUpSweep(so);
  if (!setup.ok()) {
    err << "statebench: " << setup.status().message() << "\n";
    return kExitUsage;
  }
  // Notes once the input is known to be good: bad input gets one message.
  for (const std::string& note : o.notes) {
    err << "statebench: note: " << note << "\n";
  }
  const std::vector<SweepStep>& steps = setup->steps;
  if (!o.quiet || o.dry_run) PrintSweepPlan(*setup, err);
  if (o.dry_run) return kExitOk;

  ResultsFile results;
  results.context = CollectContext("sweep", ctx.argc, ctx.argv);
  nlohmann::json config = PlanConfigJson(o, setup->run_plan);
  config["sweep"] = {{"state_sizes", setup->sizes},
                     {"bytes_per_key", setup->bytes_per_key},
                     {"x", "state_bytes_per_subtask"}};
  results.config = config;

  InstallSpawnSignalHandlers();
  ProgressFn progress = [&](const std::string& msg) {
    if (ctx.stderr_is_tty && !o.quiet) err << "statebench: " << msg << "\n";
  };
  ProgressObserver observer(progress);
  SweepPace pace(steps);
  CheckpointCadence cadence(o.config.checkpoint.interval_ms,
                            o.config.measure_s);
  bool any_failed = false;
  for (size_t i = 0; i < steps.size(); ++i) {
    const SweepStep& step = steps[i];
    results.runs.push_back(MeasureStep(step, static_cast<int>(i + 1), o,
                                       setup->run_plan, &cadence, &observer,
                                       &pace, err));
    any_failed |= results.runs.back().status == RunStatus::kFailed;
    // Each size is on disk as soon as it is measured: an interrupted sweep
    // keeps what it finished.
    results.curves = FitCurves(results.runs);
    if (Status s = Save(results, o.output); !s.ok()) {
      err << "statebench: " << s.message() << "\n";
      return kExitFailure;
    }
    if (!o.quiet) {
      err << fmt::format(
          "statebench: sweep [{}/{}] {} at {}: {}; elapsed {}, ETA {}\n", i + 1,
          steps.size(), step.backend, StepSize(step),
          ToString(results.runs.back().status), Duration(pace.Elapsed()),
          Duration(pace.Eta()));
    }
  }
  std::ostream& tables = AnyOutputIsStandardOutput(o.outputs) ? err : *ctx.out;
  PrintRunTable(results, tables);
  PrintCurves(results.curves, tables);
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

int RunCompareSweep(const RunOptions& run,
                    const std::vector<std::string>& sizes, CliContext& ctx) {
  SweepOptions so;
  so.run = run;
  so.state_sizes = sizes;
  so.sizes_flag = "--sweep";
  return RunSweepCommand(so, ctx);
}

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
  AddRunOptions(sub, &so->run);
  sub->get_option("--dry-run")
      ->description(
          "Print the plan (sizes, keys, time, disk, memory) and stop");
  sub->callback([so, ctx, sub] {
    CollectRunOutputs(sub, &so->run);
    ctx->action = [so, ctx] { return RunSweepCommand(*so, *ctx); };
  });
}

}  // namespace statebench
