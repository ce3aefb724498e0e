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
#include "bench/run_options.h"
#include "bench/run_output.h"
#include "bench/spawn.h"
#include "workloads/trace.h"

namespace statebench {
namespace {

int RunBenchmarks(RunOptions& o, CliContext& ctx, const std::string& command) {
  std::ostream& err = *ctx.err;
  const BackendRegistry& registry = BackendRegistry::Default();
  if (Status s = FinalizeRunOptions(&o); !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  }
  std::vector<std::string> names =
      command == "run" ? std::vector<std::string>{o.backend} : o.backends;
  if (names.empty()) names = o.file_backends;
  if (names.empty()) {
    for (const BackendInfo& b : registry.List()) {
      if (b.embedded || o.spawn) names.push_back(b.name);
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
  Result<std::unique_ptr<Workload>> workload =
      CreateWorkload(o.config.workload);
  if (!workload.ok()) {
    err << "statebench: workload: " << workload.status().message() << "\n";
    return kExitUsage;
  }
  if (!o.record_trace.empty()) {
    uint64_t events =
        o.config.measure_events ? o.config.measure_events : 1000000;
    Result<TraceSummary> t = RecordTrace(**workload, o.record_trace, events);
    if (!t.ok()) {
      err << "statebench: --record-trace: " << t.status().message() << "\n";
      return kExitFailure;
    }
    if (!o.quiet) {
      err << "statebench: recorded " << t->load_ops << " load ops and "
          << t->run_ops << " run ops to " << o.record_trace << "\n";
    }
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
  std::map<std::string, std::unique_ptr<ServerProcess>> servers;
  std::map<std::string, Status> spawn_failures;
  // Servers and temporary directories go away on SIGINT/SIGTERM too.
  InstallSpawnSignalHandlers();
  if (o.spawn) {
    for (const std::string& name : names) {
      if (registry.Info(name)->embedded) continue;
      SpawnOptions so;
      so.backend = name;
      so.redis.appendonly = !o.spawn_redis_appendfsync.empty();
      if (so.redis.appendonly) so.redis.appendfsync = o.spawn_redis_appendfsync;
      so.postgres.synchronous_commit = o.spawn_pg_synchronous_commit;
      progress("starting a private " + name + " server");
      Result<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(so);
      if (!server.ok()) {
        spawn_failures[name] = server.status();
        continue;
      }
      for (const auto& [k, v] : (*server)->Connection().options) {
        per_backend[name].emplace(k, v);
      }
      progress((*server)->Describe());
      servers[name] = std::move(server).value();
    }
  }
  for (const std::string& name : names) {
    RunConfig rc = o.config;
    rc.backend = name;
    rc.backend_options = per_backend[name];
    RunResult run;
    if (auto f = spawn_failures.find(name); f != spawn_failures.end()) {
      run.backend = name;
      run.workload = rc.workload.name;
      run.status = "failed";
      run.failure_phase = "spawn";
      run.failure_reason = f->second.ToString();
    } else {
      run = RunBenchmark(rc, registry, progress);
    }
    // The server's address and pid are facts of this run, not options the
    // user chose; the password file path is kept out of the results.
    run.backend_options.erase("password_file");
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
    if (auto srv = servers.find(name); srv != servers.end()) {
      run.extra["spawned_server"] = srv->second->Describe();
      (void)srv->second->Stop();
      servers.erase(srv);
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
