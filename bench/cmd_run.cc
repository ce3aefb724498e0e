// `statebench run` (one backend) and `statebench compare` (several).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "backends/registry.h"
#include "bench/commands.h"
#include "bench/context.h"
#include "bench/harness.h"
#include "bench/run_output.h"

namespace statebench {
namespace {

struct RunOptions {
  std::string backend;                    // run
  std::vector<std::string> backends;      // compare
  std::vector<std::string> backend_opts;  // "[backend.]name=value"
  RunConfig config;
  std::string checkpoint_type = "full";
  std::string output;
  std::map<std::string, std::string> exports;  // format -> path
  bool quiet = false;
};

// Splits "--backend-opt" values into per-backend option maps. An option
// without a "backend." prefix applies to every backend of the run (and
// must then be known to each, which the factory checks).
Status ApplyBackendOptions(
    const std::vector<std::string>& raw,
    const std::vector<std::string>& backends,
    std::map<std::string, std::map<std::string, std::string>>* out) {
  for (const std::string& item : raw) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument(
          "--backend-opt '" + item +
          "' is not of the form [backend.]name=value");
    }
    std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    auto dot = name.find('.');
    if (dot != std::string::npos) {
      std::string backend = name.substr(0, dot);
      if (!BackendRegistry::Default().Info(backend).ok()) {
        return Status::InvalidArgument(
            "--backend-opt '" + item + "': " +
            BackendRegistry::Default().Info(backend).status().message());
      }
      (*out)[backend][name.substr(dot + 1)] = value;
    } else {
      for (const std::string& b : backends) (*out)[b][name] = value;
    }
  }
  return Status::Ok();
}

void AddWorkloadOptions(CLI::App* sub, RunOptions* o) {
  WorkloadSpec& w = o->config.workload;
  sub->add_option("--workload", w.name, "Workload or preset name")
      ->capture_default_str();
  sub->add_option("--keys", w.key_count, "Distinct keys loaded into state")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40))
      ->capture_default_str();
  sub->add_option("--key-size", w.key_size, "Key size in bytes")
      ->check(CLI::Range(1u, 1u << 20))
      ->capture_default_str();
  sub->add_option("--value-size", w.value_size, "Value size in bytes")
      ->check(CLI::Range(0u, 64u << 20))
      ->capture_default_str();
  sub->add_option("--distribution", w.key_distribution, "Key distribution")
      ->check(CLI::IsMember({"uniform", "zipfian"}))
      ->capture_default_str();
  sub->add_option("--zipf-theta", w.zipf_theta, "Zipfian skew")
      ->check(CLI::Range(0.01, 0.9999))
      ->capture_default_str();
  sub->add_option("--read-fraction", w.read_fraction,
                  "Fraction of ops that read (value-rw)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  sub->add_option("--seed", w.seed, "Seed of the op stream")
      ->capture_default_str();
}

void AddRunOptions(CLI::App* sub, RunOptions* o) {
  RunConfig& c = o->config;
  AddWorkloadOptions(sub, o);
  sub->add_option("--backend-opt", o->backend_opts,
                  "Backend option [backend.]name=value (repeatable; see "
                  "'statebench backends -v')");
  sub->add_option("-p,--parallelism", c.parallelism, "Subtasks")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  sub->add_option("--max-parallelism", c.max_parallelism,
                  "Key groups (default: Flink's formula)")
      ->check(CLI::Range(1, kUpperBoundMaxParallelism));
  sub->add_option("--checkpoint-interval", c.checkpoint.interval_ms,
                  "Checkpoint interval in ms (0: none)")
      ->capture_default_str();
  sub->add_option("--checkpoint-min-pause", c.checkpoint.min_pause_ms,
                  "Minimum pause between checkpoints in ms")
      ->capture_default_str();
  sub->add_option("--checkpoint-timeout", c.checkpoint.timeout_ms,
                  "Checkpoint timeout in ms")
      ->check(CLI::Range(1u, 86'400'000u))
      ->capture_default_str();
  sub->add_option("--checkpoint-type", o->checkpoint_type,
                  "full or incremental (backends without incremental "
                  "checkpoints take full ones)")
      ->check(CLI::IsMember({"full", "incremental"}))
      ->capture_default_str();
  sub->add_option("--warmup", c.warmup_s, "Warmup seconds (not measured)")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  sub->add_option("--duration", c.measure_s, "Measured seconds")
      ->check(CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  sub->add_option("--events", c.measure_events,
                  "Measure this many events instead of a duration");
  sub->add_option("-r,--repetitions", c.repetitions, "Repetitions")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub->add_option("--latency-sample-every", c.latency_sample_every,
                  "Time one op in N (0: auto, 100 for heap backends, else 1)")
      ->capture_default_str();
  sub->add_option("--rate", c.rate,
                  "Open loop: events/s over all subtasks (0: closed loop)")
      ->check(CLI::Range(0.0, 1e9));
  sub->add_flag("!--no-restore", c.measure_restore,
                "Skip the restore measurement");
  sub->add_option("-o,--output", o->output, "Write the results file here");
  for (const char* fmt : {"md", "html", "json", "csv", "gbench", "bmf",
                          "gab-smaller", "gab-bigger"}) {
    sub->add_option_function<std::string>(
        std::string("--export-") + fmt,
        [o, f = std::string(fmt)](const std::string& path) {
          o->exports[f] = path;
        },
        std::string("Also write the ") + fmt + " export to this file");
  }
  sub->add_flag("-q,--quiet", o->quiet, "No progress messages");
}

int RunBenchmarks(RunOptions& o, CliContext& ctx, const std::string& command) {
  std::ostream& err = *ctx.err;
  const BackendRegistry& registry = BackendRegistry::Default();
  std::vector<std::string> names =
      command == "run" ? std::vector<std::string>{o.backend} : o.backends;
  if (names.empty()) {
    for (const BackendInfo& b : registry.List()) {
      if (b.embedded) names.push_back(b.name);
    }
  }
  for (const std::string& n : names) {
    Result<BackendInfo> info = registry.Info(n);
    if (!info.ok()) {
      err << "statebench: " << info.status().message() << "\n";
      return kExitUsage;
    }
  }
  std::map<std::string, std::map<std::string, std::string>> per_backend;
  if (Status s = ApplyBackendOptions(o.backend_opts, names, &per_backend);
      !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  }
  o.config.checkpoint.type = o.checkpoint_type == "incremental"
                                 ? CheckpointType::kIncremental
                                 : CheckpointType::kFull;
  if (Result<std::unique_ptr<Workload>> w = CreateWorkload(o.config.workload);
      !w.ok()) {
    err << "statebench: workload: " << w.status().message() << "\n";
    return kExitUsage;
  }

  ResultsFile results;
  results.context = CollectContext(command, ctx.argc, ctx.argv);
  for (const std::string& w : results.context.warnings) {
    err << "statebench: warning: " << w << "\n";
  }
  nlohmann::json config = RunConfigToJson(o.config);
  config["backends"] = names;
  config.erase("backend");
  config.erase("backend_options");
  config["backend_options"] = per_backend;
  results.config = config;

  ProgressFn progress = [&](const std::string& msg) {
    if (ctx.stderr_is_tty && !o.quiet) err << "statebench: " << msg << "\n";
  };
  bool any_failed = false;
  for (const std::string& name : names) {
    RunConfig rc = o.config;
    rc.backend = name;
    rc.backend_options = per_backend[name];
    RunResult run = RunBenchmark(rc, registry, progress);
    if (run.status != "ok") {
      any_failed = true;
      if (run.failure_phase == "open" &&
          run.failure_reason.rfind("InvalidArgument", 0) == 0) {
        // A bad option value is bad input, not a backend failure.
        err << "statebench: " << name << ": " << run.failure_reason << "\n";
        return kExitUsage;
      }
      err << "statebench: " << name << " failed in phase " << run.failure_phase
          << ": " << run.failure_reason << "\n";
    }
    results.runs.push_back(std::move(run));
    // Rewrite after every backend so a kill loses at most the current one.
    if (!o.output.empty()) {
      if (Status s = SaveResultsFile(results, o.output); !s.ok()) {
        err << "statebench: cannot write results: " << s.message() << "\n";
        return kExitFailure;
      }
    }
  }
  PrintRunTable(results, *ctx.out);
  if (Status s = WriteExports(results, o.exports); !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitFailure;
  }
  if (!o.output.empty() && !o.quiet)
    err << "statebench: results written to " << o.output << "\n";
  return any_failed ? kExitFailure : kExitOk;
}

}  // namespace

void SetupRunCommands(CLI::App& app, CliContext* ctx) {
  auto run = std::make_shared<RunOptions>();
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Measure one backend through the life of a keyed operator");
  run_cmd->add_option("-b,--backend", run->backend, "Backend name")->required();
  AddRunOptions(run_cmd, run.get());
  run_cmd->callback([run, ctx] {
    ctx->action = [run, ctx] { return RunBenchmarks(*run, *ctx, "run"); };
  });

  auto cmp = std::make_shared<RunOptions>();
  cmp->config.repetitions = 3;
  cmp->config.measure_s = 5;
  cmp->config.warmup_s = 1;
  CLI::App* cmp_cmd = app.add_subcommand(
      "compare", "Measure several backends on the same workload");
  cmp_cmd
      ->add_option("--backends", cmp->backends,
                   "Comma-separated backends (default: every embedded one)")
      ->delimiter(',');
  AddRunOptions(cmp_cmd, cmp.get());
  cmp_cmd->callback([cmp, ctx] {
    ctx->action = [cmp, ctx] { return RunBenchmarks(*cmp, *ctx, "compare"); };
  });
}

}  // namespace statebench
