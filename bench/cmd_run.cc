// `statebench run` (one backend) and `statebench compare` (several).
#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "backends/file_util.h"
#include "backends/key_groups.h"
#include "backends/output_file.h"
#include "backends/registry.h"
#include "bench/commands.h"
#include "bench/context.h"
#include "bench/harness.h"
#include "bench/interrupt.h"
#include "bench/memory_preflight.h"
#include "bench/output_paths.h"
#include "bench/progress.h"
#include "bench/run_options.h"
#include "bench/run_output.h"
#include "bench/spawn.h"
#include "bench/timed_backend.h"
#include "workloads/trace.h"

extern char** environ;

namespace statebench {
namespace {

// Crash-restore verification of `backend` with the run's backend options,
// workload kind, parallelism and checkpoint type, by `statebench verify` in
// a child process (it forks and kills children of its own). The state size
// and cadence are verify's defaults: this checks recovery, it measures
// nothing. Returns the verdict JSON of the child's results file.
Result<nlohmann::json> VerifyBackend(const RunConfig& rc, int cycles) {
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return Status::Internal("cannot find the statebench binary");
  SB_ASSIGN_OR_RETURN(std::string dir,
                      MakeTempDirectory("statebench-compare-verify-"));
  const std::string out = dir + "/verify.json";
  const std::string log = dir + "/verify.log";
  std::vector<std::string> args = {
      std::string(self, static_cast<size_t>(n)),
      "verify",
      "--backend",
      rc.backend,
      "-p",
      std::to_string(rc.parallelism),
      "--checkpoint-type",
      std::string(CheckpointTypeName(rc.checkpoint.type)),
      "--cycles",
      std::to_string(cycles),
      "-q",
      "-o",
      out};
  for (const WorkloadInfo& w : ListWorkloads()) {
    if (w.name == rc.workload.name) {
      args.insert(args.end(), {"--workload", rc.workload.name});
    }
  }
  for (const auto& [k, v] : rc.backend_options) {
    args.insert(args.end(), {"--backend-opt", k + "=" + v});
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = 0;
  int rc_spawn = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  if (rc_spawn == 0) {
    bool forwarded = false;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      // The child has its own handlers: it stops, cleans up and ends by
      // the signal.
      if (InterruptRequested() && !forwarded) {
        ::kill(pid, InterruptSignal());
        forwarded = true;
      }
    }
    // A child ended by Ctrl-C means the whole process group was
    // interrupted, even when this process has not seen its own signal yet.
    if (WIFSIGNALED(status) &&
        (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM)) {
      NoteInterrupt(WTERMSIG(status));
    }
  }
  Result<nlohmann::json> verdict = [&]() -> Result<nlohmann::json> {
    if (rc_spawn != 0) {
      return Status::Internal(std::string("cannot start verify: ") +
                              std::strerror(rc_spawn));
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (code != kExitOk && code != kExitRegression) {
      Result<std::string> text = ReadFileToString(log);
      std::string why = text.ok() ? *text : std::string();
      while (!why.empty() && why.back() == '\n') why.pop_back();
      if (auto nl = why.rfind('\n'); nl != std::string::npos) {
        why = why.substr(nl + 1);
      }
      return Status::Internal("verify exited " + std::to_string(code) +
                              (why.empty() ? "" : ": " + why));
    }
    SB_ASSIGN_OR_RETURN(ResultsFile f, LoadResultsFile(out));
    if (f.runs.empty() || !f.runs[0].verification.is_object()) {
      return Status::Internal("verify wrote no verdict");
    }
    nlohmann::json v = f.runs[0].verification;
    // The row keeps the totals; `statebench verify` shows every cycle.
    v.erase("per_cycle");
    // Recovery is checked on verify's state size, not the measured one.
    const nlohmann::json& w = f.config.contains("workload")
                                  ? f.config["workload"]
                                  : nlohmann::json::object();
    if (w.contains("key_count")) v["verified_keys"] = w["key_count"];
    return v;
  }();
  (void)RemoveTree(dir);
  return verdict;
}

// Writes the op stream a run executed to `path`: the whole load phase,
// then the run-phase ops in stream order, subtask by subtask cut where it
// stopped. Replaying it gives every subtask (at the same parallelism)
// exactly the ops it applied.
Result<TraceSummary> RecordExecutedTrace(const Workload& workload,
                                         const std::string& path,
                                         const ExecutedStream& executed) {
  SB_ASSIGN_OR_RETURN(std::unique_ptr<TraceWriter> writer,
                      TraceWriter::Create(path, TraceHeaderFor(workload),
                                          TraceFormat::kBinary));
  Op op;
  std::unique_ptr<OpSource> load = workload.LoadPhase(nullptr);
  while (load->Next(&op)) {
    SB_RETURN_IF_ERROR(writer->Append(TracePhase::kLoad, op));
  }
  const int parallelism = static_cast<int>(executed.run_ops.size());
  std::vector<uint64_t> left = executed.run_ops;
  uint64_t total_left = 0;
  for (uint64_t n : left) total_left += n;
  std::unique_ptr<OpSource> run = workload.RunPhase(nullptr);
  while (total_left > 0 && run->Next(&op) &&
         op.event_index < executed.end_event) {
    const int subtask = OperatorIndexForKeyGroup(
        executed.max_parallelism, parallelism,
        AssignToKeyGroup(op.key, executed.max_parallelism));
    if (left[subtask] == 0) continue;
    --left[subtask];
    --total_left;
    SB_RETURN_IF_ERROR(writer->Append(TracePhase::kRun, op));
  }
  SB_RETURN_IF_ERROR(run->status());
  return writer->Finish();
}

void PrintIdleSubtasks(const RunResult& run, std::ostream& err) {
  auto it = run.extra.find("idle_subtasks");
  if (it == run.extra.end() || !it->is_array()) return;
  std::string list;
  for (const auto& i : *it) {
    list += (list.empty() ? "" : ", ") + std::to_string(i.get<int>());
  }
  err << "statebench: note: " << run.backend << ": " << it->size() << " of "
      << run.parallelism
      << " subtasks applied no op while measuring (none of their keys came "
         "up): "
      << list << "\n";
}

Status SaveResults(const ResultsFile& results, const std::string& path) {
  Status s = SaveResultsFile(results, path);
  return s.ok() ? s : s.WithContext("cannot write results");
}

int RunBenchmarks(RunOptions& o, CliContext& ctx, const std::string& command) {
  // Ctrl-C ends the current backend's run between steps; the backends
  // finished before it stay in the results file (rewritten after each).
  InterruptScope interruptible;
  std::ostream& err = *ctx.err;
  const BackendRegistry& registry = BackendRegistry::Default();
  if (Status s = CheckOutputPaths(o.outputs); !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  }
  // A file is rewritten after every backend, so a kill loses at most the
  // current one; a device, FIFO or standard output gets one document.
  Result<OutputTarget> results_target = ClassifyOutput(o.output);
  const bool rewrite_results = !o.output.empty() && results_target.ok() &&
                               *results_target == OutputTarget::kAtomic;
  if (Status s = FinalizeRunOptions(&o); !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  }
  MeasureBoundedRunByEvents(&o);
  if (command == "run" && o.backend.empty()) {
    err << "statebench: run: --backend is required (or --flink-config with "
           "state.backend.type)\n";
    return kExitUsage;
  }
  // Production intervals (minutes, as Flink configurations give them) are
  // longer than a short benchmark: the run would measure no checkpoint.
  const RunConfig& rc0 = o.config;
  const double run_ms = (rc0.warmup_s + rc0.measure_s) * 1000;
  if (rc0.measure_events == 0 && rc0.checkpoint.interval_ms > 0 &&
      rc0.checkpoint.interval_ms > run_ms) {
    o.notes.push_back(
        "checkpoint interval " + std::to_string(rc0.checkpoint.interval_ms) +
        " ms is longer than the warmup and measured phase (" +
        std::to_string(static_cast<int64_t>(run_ms)) +
        " ms): no checkpoint is measured; raise --duration or set "
        "--checkpoint-interval");
  }
  if (command == "compare" && o.flink && !o.flink->backend.empty()) {
    o.notes.push_back(
        "flink config: compare measures every backend (or --backends), not "
        "only " +
        o.flink->backend + " from state.backend.type");
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
  if (Status s = ApplyBackendOptions(o.backend_opts, names, &per_backend,
                                     o.backend_opt_where);
      !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  }
  if (Status s = CheckBackendOptionNames(o, per_backend); !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  }
  if (Status s = PreflightBackendOptions(o, names, per_backend); !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  }
  o.config.checkpoint.type = o.checkpoint_type == "incremental"
                                 ? CheckpointType::kIncremental
                                 : CheckpointType::kFull;
  // Before the workload is built (a zipfian generator over the key count
  // takes time of its own) and before anything is measured. A state one
  // backend cannot hold in memory is bad input when it is the only one;
  // beside others it is that backend's finding (an unsupported row).
  std::map<std::string, Status> cannot_hold;
  if (std::optional<uint64_t> available = AvailableMemoryBytes()) {
    for (const std::string& n : names) {
      if (!registry.Info(n)->capabilities.memory_bound) continue;
      Status fits = CheckHeapStateFits(n, o.config.workload, *available);
      if (!fits.ok()) cannot_hold.emplace(n, fits);
    }
  }
  if (!cannot_hold.empty() && cannot_hold.size() == names.size()) {
    err << "statebench: " << cannot_hold.begin()->second.message() << "\n";
    return kExitUsage;
  }
  Result<std::unique_ptr<Workload>> workload =
      CreateWorkload(o.config.workload);
  if (!workload.ok()) {
    err << "statebench: workload: " << workload.status().message() << "\n";
    return kExitUsage;
  }
  // Notes once the input is known to be good: bad input gets one message.
  for (const std::string& note : o.notes) {
    err << "statebench: note: " << note << "\n";
  }
  std::optional<ExecutedStream> executed;
  if (!o.record_trace.empty()) {
    o.config.on_stream_executed = [&executed](const ExecutedStream& e) {
      if (!executed) executed = e;
    };
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
  if (!o.notes.empty()) config["notes"] = o.notes;
  if (o.flink) config["flink_config"] = FlinkConfigRecord(o, names);
  results.config = config;

  // The live line: phase, backend, repetition, elapsed, ETA and events/s,
  // from the harness's messages and its position reports.
  TerminalProgress line(&err, ctx.stderr_is_tty && !o.quiet);
  const uint64_t command_start = NowNs();
  const double rep_s =
      o.config.measure_events > 0 ? -1 : o.config.warmup_s + o.config.measure_s;
  size_t backends_done = 0;
  ProgressState state;
  uint64_t rep_start = 0, rate_t = 0, rate_pos = 0;
  auto seconds_since = [](uint64_t t) {
    return static_cast<double>(NowNs() - t) / 1e9;
  };
  auto eta = [&]() -> double {
    if (rep_s < 0 || state.step == 0) return -1;
    const double reps_left = static_cast<double>(
        (names.size() - backends_done - 1) * o.config.repetitions +
        (o.config.repetitions - state.step));
    return reps_left * rep_s + std::max(0.0, rep_s - seconds_since(rep_start));
  };
  ProgressFn progress = [&](const std::string& msg) {
    line.Message("statebench: " + msg);
    if (msg.find(": loading ") != std::string::npos) {
      state.phase = "load";
      state.rate = -1;
      state.step = std::min(state.step + 1, o.config.repetitions);
      state.steps = o.config.repetitions;
      rep_start = NowNs();
    } else if (msg.ends_with(": warmup and measure")) {
      state.phase = o.config.warmup_s > 0 ? "warmup" : "measure";
    } else {
      return;
    }
    state.elapsed_s = seconds_since(command_start);
    state.eta_s = eta();
    line.Update(state, /*force=*/true);
  };
  auto on_position = [&](uint64_t pos) {
    const uint64_t now = NowNs();
    if (state.phase != "measure") {
      state.phase = "measure";
      rate_t = now;
      rate_pos = pos;
    } else if (now - rate_t >= 250000000ull && pos >= rate_pos) {
      state.rate = static_cast<double>(pos - rate_pos) * 1e9 /
                   static_cast<double>(now - rate_t);
      rate_t = now;
      rate_pos = pos;
    }
    state.elapsed_s = seconds_since(command_start);
    state.eta_s = eta();
    line.Update(state);
  };
  bool any_failed = false;
  bool verification_failed = false;
  std::map<std::string, std::unique_ptr<ServerProcess>> servers;
  std::map<std::string, Status> spawn_failures;
  if (o.spawn) {
    for (const std::string& name : names) {
      if (registry.Info(name)->embedded) continue;
      SpawnOptions so;
      so.backend = name;
      so.redis.appendonly = !o.spawn_redis_appendfsync.empty();
      if (so.redis.appendonly) so.redis.appendfsync = o.spawn_redis_appendfsync;
      so.postgres.synchronous_commit = o.spawn_pg_synchronous_commit;
      if (InterruptRequested()) break;
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
  if (InterruptRequested()) {
    StopAllSpawnedServers();
    return kExitInterrupted;
  }
  for (const std::string& name : names) {
    RunConfig rc = o.config;
    rc.backend = name;
    rc.backend_options = per_backend[name];
    if (line.enabled()) rc.on_position = on_position;
    state = ProgressState{};
    state.backend = name;
    state.rate_unit = "events";
    RunResult run;
    if (auto f = spawn_failures.find(name); f != spawn_failures.end()) {
      run.backend = name;
      run.workload = rc.workload.name;
      run.status = "failed";
      run.failure_phase = "spawn";
      run.failure_reason = f->second.ToString();
    } else if (auto h = cannot_hold.find(name); h != cannot_hold.end()) {
      run.backend = name;
      run.workload = rc.workload.name;
      run.status = "unsupported";
      run.failure_phase = "preflight";
      run.failure_reason = h->second.message();
    } else {
      run = RunBenchmark(rc, registry, progress);
    }
    line.Clear();
    ++backends_done;
    if (InterruptRequested()) {
      // What this backend measured so far is not a result. Servers die
      // at once: a graceful PostgreSQL stop can take seconds.
      StopAllSpawnedServers();
      return kExitInterrupted;
    }
    // The server's address and pid are facts of this run, not options the
    // user chose; the password file path is kept out of the results.
    run.backend_options.erase("password_file");
    PrintIdleSubtasks(run, err);
    if (executed && !o.record_trace.empty()) {
      Result<TraceSummary> t =
          RecordExecutedTrace(**workload, o.record_trace, *executed);
      if (!t.ok()) {
        err << "statebench: --record-trace: " << t.status().message() << "\n";
        return kExitFailure;
      }
      if (!o.quiet) {
        err << "statebench: recorded the " << t->load_ops << " load ops and "
            << t->run_ops << " run ops " << name << " executed to "
            << o.record_trace << "\n";
      }
      o.record_trace.clear();
    }
    if (run.status == "unsupported") {
      // What the backend cannot hold is a finding, not a broken backend.
      err << "statebench: " << name << ": unsupported (" << run.failure_phase
          << "): " << run.failure_reason << "\n";
    } else if (run.status != "ok") {
      any_failed = true;
      if (run.failure_phase == "open" &&
          run.failure_reason.rfind("InvalidArgument", 0) == 0) {
        // A bad option value is bad input, not a backend failure.
        err << "statebench: " << name << ": "
            << LocateBackendOptionError(o, name, run.failure_reason) << "\n";
        return kExitUsage;
      }
      err << "statebench: " << name << " failed in phase " << run.failure_phase
          << ": " << run.failure_reason << "\n";
    }
    if (o.verify_cycles > 0 && run.status == "ok") {
      progress(name + ": " + std::to_string(o.verify_cycles) +
               " crash-restore verification cycles");
      Result<nlohmann::json> v = VerifyBackend(rc, o.verify_cycles);
      if (InterruptRequested()) {
        StopAllSpawnedServers();
        return kExitInterrupted;
      }
      if (v.ok()) {
        run.verification = *v;
        if (v->value("verdict", "") == "failed") {
          verification_failed = true;
          err << "statebench: " << name
              << ": crash-restore verification FAILED: lost "
              << v->value("lost", 0) << ", resurrected "
              << v->value("resurrected", 0) << ", wrong "
              << v->value("wrong", 0) << "\n";
        }
      } else {
        run.verification = {{"verdict", "not_verified"},
                            {"error", v.status().message()}};
        err << "statebench: " << name
            << ": verification could not run: " << v.status().message() << "\n";
      }
    }
    if (auto srv = servers.find(name); srv != servers.end()) {
      run.extra["spawned_server"] = srv->second->Describe();
      (void)srv->second->Stop();
      servers.erase(srv);
    }
    results.runs.push_back(std::move(run));
    if (rewrite_results) {
      if (Status s = SaveResults(results, o.output); !s.ok()) {
        err << "statebench: " << s.message() << "\n";
        return kExitFailure;
      }
    }
  }
  if (!o.record_trace.empty()) {
    err << "statebench: --record-trace: no run completed its measured phase; "
           "no trace written\n";
    any_failed = true;
  }
  PrintRunTable(results, AnyOutputIsStandardOutput(o.outputs) ? err : *ctx.out);
  ctx.out->flush();
  if (!o.output.empty() && !rewrite_results) {
    if (Status s = SaveResults(results, o.output); !s.ok()) {
      err << "statebench: " << s.message() << "\n";
      return kExitFailure;
    }
  }
  if (Status s = WriteExports(results, o.exports); !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitFailure;
  }
  if (!o.output.empty() && !o.quiet)
    err << "statebench: results written to " << DescribeOutput(o.output)
        << "\n";
  if (any_failed) return kExitFailure;
  return verification_failed ? kExitRegression : kExitOk;
}

void AddVerifyCyclesOption(CLI::App* sub, RunOptions* o) {
  sub->add_option("--verify-cycles", o->verify_cycles,
                  "After measuring each backend, run N crash-restore "
                  "verification cycles (statebench verify) and keep the "
                  "verdict in its row")
      ->check(CLI::Range(0, 10000));
}

}  // namespace

void SetupRunCommands(CLI::App& app, CliContext* ctx) {
  auto run = std::make_shared<RunOptions>();
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Measure one backend through the life of a keyed operator");
  run_cmd->add_option("-b,--backend", run->backend,
                      "Backend name (required unless --flink-config names "
                      "one)");
  AddRunOptions(run_cmd, run.get());
  AddVerifyCyclesOption(run_cmd, run.get());
  run_cmd->callback([run, ctx, run_cmd] {
    CollectRunOutputs(run_cmd, run.get());
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
  AddVerifyCyclesOption(cmp_cmd, cmp.get());
  cmp_cmd->callback([cmp, ctx, cmp_cmd] {
    CollectRunOutputs(cmp_cmd, cmp.get());
    ctx->action = [cmp, ctx] { return RunBenchmarks(*cmp, *ctx, "compare"); };
  });
}

}  // namespace statebench
