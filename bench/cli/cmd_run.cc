// `statebench run` (one backend) and `statebench compare` (several).
#include <fcntl.h>
#include <fmt/format.h>
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

#include "backends/registry.h"
#include "base/file_util.h"
#include "base/key_groups.h"
#include "base/output_file.h"
#include "base/process.h"
#include "base/spawn.h"
#include "bench/cli/commands.h"
#include "bench/cli/memory_preflight.h"
#include "bench/cli/output_paths.h"
#include "bench/cli/progress.h"
#include "bench/cli/run_options.h"
#include "bench/cli/run_output.h"
#include "bench/cli/run_plan.h"
#include "bench/harness/context.h"
#include "bench/harness/harness.h"
#include "bench/harness/interrupt.h"
#include "bench/harness/timed_backend.h"
#include "bench/verify/verify.h"
#include "workloads/trace.h"

namespace statebench {
namespace {

// Crash-restore verification of the run as planned: the same backend
// options, workload, parallelism and checkpointing, each cycle's child
// receiving that plan serialized. It checks recovery and measures nothing.
// Returns the verdict's totals (`statebench verify` shows every cycle).
Result<nlohmann::json> VerifyBackend(const RunConfig& rc, int cycles) {
  VerifyConfig vc;
  SB_ASSIGN_OR_RETURN(vc.child_binary, SelfExecutable());
  vc.run = rc;
  vc.run.repetitions = 1;
  vc.run.rescale_to = 0;
  vc.cycles = cycles;
  SB_ASSIGN_OR_RETURN(VerifyReport report,
                      RunCrashVerification(vc, BackendRegistry::Default(),
                                           [](const std::string&) {}));
  nlohmann::json v = report.ToJson();
  v.erase("per_cycle");
  v["verified_keys"] = rc.workload.key_count;
  return v;
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

// Settings that are good input but would surprise: printed as notes and kept
// in the results.
void AddSettingNotes(const std::string& command, RunOptions* o) {
  // Production intervals (minutes, as Flink configurations give them) are
  // longer than a short benchmark: the run would measure no checkpoint.
  const RunConfig& rc = o->config;
  const double run_ms = (rc.warmup_s + rc.measure_s) * 1000;
  if (rc.measure_events == 0 && rc.checkpoint.interval_ms > 0 &&
      rc.checkpoint.interval_ms > run_ms) {
    o->notes.push_back(
        "checkpoint interval " + std::to_string(rc.checkpoint.interval_ms) +
        " ms is longer than the warmup and measured phase (" +
        std::to_string(static_cast<int64_t>(run_ms)) +
        " ms): no checkpoint is measured; raise --duration or set "
        "--checkpoint-interval");
  }
  if (command == "compare" && o->flink && !o->flink->backend.empty()) {
    o->notes.push_back(
        "flink config: compare measures every backend (or --backends), not "
        "only " +
        o->flink->backend + " from state.backend.type");
  }
}

// The live line of run and compare: phase, backend, repetition, elapsed,
// ETA and events/s, from the harness's messages and its position reports.
// The progress line, fed by the harness (the RunObserver methods), and
// the op stream of the first repetition for --record-trace.
class RunProgress : public RunObserver {
 public:
  RunProgress(std::ostream* err, bool enabled, const RunConfig& config,
              size_t backends)
      : line_(err, enabled),
        config_(config),
        backends_(backends),
        start_(NowNs()),
        rep_s_(config.measure_events > 0 ? -1
                                         : config.warmup_s + config.measure_s) {
  }

  bool enabled() const { return line_.enabled(); }

  void StartBackend(const std::string& name) {
    state_ = ProgressState{};
    state_.backend = name;
    state_.rate_unit = "events";
  }
  void FinishBackend() {
    line_.Clear();
    ++backends_done_;
  }

  // The harness's messages: printed, and the phase they start.
  void Message(const std::string& msg) {
    line_.Message("statebench: " + msg);
    if (msg.find(": loading ") != std::string::npos) {
      state_.phase = "load";
      state_.rate = -1;
      state_.step = std::min(state_.step + 1, config_.repetitions);
      state_.steps = config_.repetitions;
      rep_start_ = NowNs();
    } else if (msg.ends_with(": warmup and measure")) {
      state_.phase = config_.warmup_s > 0 ? "warmup" : "measure";
    } else {
      return;
    }
    Redraw(/*force=*/true);
  }

  void OnProgress(const std::string& msg) override { Message(msg); }
  void OnPosition(uint64_t pos) override {
    if (enabled()) Position(pos);
  }
  void OnStreamExecuted(const ExecutedStream& e) override {
    if (record_executed_ && !executed_) executed_ = e;
  }
  // Keeps what the first measured phase executed (OnStreamExecuted).
  void RecordExecuted() { record_executed_ = true; }
  const std::optional<ExecutedStream>& executed() const { return executed_; }

  // The measured phase's position (events processed): the events/s figure.
  void Position(uint64_t pos) {
    const uint64_t now = NowNs();
    if (state_.phase != "measure") {
      state_.phase = "measure";
      rate_t_ = now;
      rate_pos_ = pos;
    } else if (now - rate_t_ >= 250000000ull && pos >= rate_pos_) {
      state_.rate = static_cast<double>(pos - rate_pos_) * 1e9 /
                    static_cast<double>(now - rate_t_);
      rate_t_ = now;
      rate_pos_ = pos;
    }
    Redraw(/*force=*/false);
  }

 private:
  static double SecondsSince(uint64_t t) {
    return static_cast<double>(NowNs() - t) / 1e9;
  }
  double Eta() const {
    if (rep_s_ < 0 || state_.step == 0) return -1;
    const double reps_left = static_cast<double>(
        (backends_ - backends_done_ - 1) * config_.repetitions +
        (config_.repetitions - state_.step));
    return reps_left * rep_s_ +
           std::max(0.0, rep_s_ - SecondsSince(rep_start_));
  }
  void Redraw(bool force) {
    state_.elapsed_s = SecondsSince(start_);
    state_.eta_s = Eta();
    line_.Update(state_, force);
  }

  TerminalProgress line_;
  const RunConfig& config_;
  const size_t backends_;
  const uint64_t start_;
  const double rep_s_;  // seconds per repetition; -1 when bounded by events
  size_t backends_done_ = 0;
  ProgressState state_;
  uint64_t rep_start_ = 0, rate_t_ = 0, rate_pos_ = 0;
  bool record_executed_ = false;
  std::optional<ExecutedStream> executed_;
};

// Private servers for the plan's server backends (--spawn); their
// connection options join the plan. A server that cannot start is that
// backend's failure, not the command's.
struct SpawnedServers {
  std::map<std::string, std::unique_ptr<ServerProcess>> servers;
  std::map<std::string, Status> failures;
};

SpawnedServers SpawnServers(const RunOptions& o, RunPlan* plan,
                            const ProgressFn& progress) {
  SpawnedServers out;
  if (!o.spawn) return out;
  for (const std::string& name : plan->backends) {
    if (BackendRegistry::Default().Info(name)->embedded) continue;
    SpawnOptions so;
    so.backend = name;
    so.redis.appendonly = !o.spawn_redis_appendfsync.empty();
    if (so.redis.appendonly) so.redis.appendfsync = o.spawn_redis_appendfsync;
    so.postgres.synchronous_commit = o.spawn_pg_synchronous_commit;
    if (InterruptRequested()) break;
    progress("starting a private " + name + " server");
    Result<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(so);
    if (!server.ok()) {
      out.failures[name] = server.status();
      continue;
    }
    for (const auto& [k, v] : (*server)->Connection().options) {
      plan->options[name].emplace(k, v);
    }
    Result<std::shared_ptr<const BackendSettings>> settings =
        BackendRegistry::Default().ParseOptions(name, plan->options[name]);
    if (!settings.ok()) {
      out.failures[name] = settings.status();
      (void)(*server)->Stop();
      continue;
    }
    plan->settings[name] = *settings;
    progress((*server)->Describe());
    out.servers[name] = std::move(server).value();
  }
  return out;
}

// --dry-run: what the command would measure, after every input check that
// a real run makes first (options, files, option values, memory), and
// nothing started or written.
void PrintDryRun(const RunOptions& o, const RunPlan& plan,
                 const std::string& command, std::ostream& out) {
  const RunConfig& c = o.config;
  const WorkloadSpec& w = c.workload;
  out << fmt::format(
      "{} plan: workload {} ({} keys of {}+{} bytes, {}), parallelism {}\n",
      command, w.name, w.key_count, w.key_size, w.value_size,
      w.key_distribution, c.parallelism);
  const std::string phase = c.measure_events > 0
                                ? fmt::format("{} events", c.measure_events)
                                : fmt::format("{:g} s", c.measure_s);
  std::string checkpoints = "no checkpoints";
  if (c.checkpoint.interval_ms > 0) {
    checkpoints = fmt::format("{} checkpoints every {} ms",
                              CheckpointTypeName(c.checkpoint.type),
                              c.checkpoint.interval_ms);
  }
  out << fmt::format("each backend: {} x (warmup {:g} s + measure {}), {}{}{}",
                     c.repetitions, c.warmup_s, phase, checkpoints,
                     c.measure_restore ? ", restore measured" : "",
                     c.rescale_to > 0 ? fmt::format(", rescale {} -> {}",
                                                    c.parallelism, c.rescale_to)
                                      : std::string())
      << "\n";
  for (const std::string& name : plan.backends) {
    std::string what;
    if (auto h = plan.cannot_hold.find(name); h != plan.cannot_hold.end()) {
      what = "unsupported: " + h->second.message();
    } else {
      auto options = plan.options.find(name);
      if (options == plan.options.end() || options->second.empty()) {
        what = "default options";
      } else {
        for (const auto& [k, v] : options->second) {
          if (!what.empty()) what += ", ";
          what += k == "password_file" ? k + "=..." : k + "=" + v;
        }
      }
      if (o.spawn && !BackendRegistry::Default().Info(name)->embedded) {
        what += "; on a private server started on loopback";
      }
    }
    out << fmt::format("  {:<10} {}\n", name, what);
  }
  if (o.verify_cycles > 0) {
    out << fmt::format("then {} crash-restore verification cycles each\n",
                       o.verify_cycles);
  }
  out << "nothing measured or written (--dry-run)\n";
}

// A row for a backend that was not measured.
RunResult NotMeasured(const RunConfig& rc, RunStatus status,
                      const std::string& phase, const std::string& reason) {
  RunResult run;
  run.backend = rc.backend;
  run.workload = rc.workload.name;
  run.status = status;
  run.failure_phase = phase;
  run.failure_reason = reason;
  return run;
}

// Runs `cycles` crash-restore cycles on a measured backend and keeps the
// verdict in its row. False when the verification found lost, resurrected
// or wrong state.
bool AttachVerification(const RunConfig& rc, int cycles, RunResult* run,
                        std::ostream& err) {
  Result<nlohmann::json> v = VerifyBackend(rc, cycles);
  if (!v.ok()) {
    run->verification = {{"verdict", "not_verified"},
                         {"error", v.status().message()}};
    err << "statebench: " << rc.backend
        << ": verification could not run: " << v.status().message() << "\n";
    return true;
  }
  run->verification = *v;
  if (v->value("verdict", "") != "failed") return true;
  err << "statebench: " << rc.backend
      << ": crash-restore verification FAILED: lost " << v->value("lost", 0)
      << ", resurrected " << v->value("resurrected", 0) << ", wrong "
      << v->value("wrong", 0) << "\n";
  return false;
}

// Writes the results file and the exports once every backend ran.
int WriteOutputs(const RunOptions& o, const ResultsFile& results,
                 bool already_written, CliContext& ctx) {
  std::ostream& err = *ctx.err;
  PrintRunTable(results, AnyOutputIsStandardOutput(o.outputs) ? err : *ctx.out);
  ctx.out->flush();
  if (!o.output.empty() && !already_written) {
    if (Status s = SaveResults(results, o.output); !s.ok()) {
      err << "statebench: " << s.message() << "\n";
      return kExitFailure;
    }
  }
  if (Status s = WriteExports(results, o.exports); !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitFailure;
  }
  if (!o.output.empty() && !o.quiet) {
    err << "statebench: results written to " << DescribeOutput(o.output)
        << "\n";
  }
  return kExitOk;
}

// Checks every input and builds the plan: exit 2 with one message on bad
// input, before anything is measured.
Result<RunPlan> PlanCommand(RunOptions& o, const std::string& command) {
  SB_RETURN_IF_ERROR(CheckOutputPaths(o.outputs));
  SB_RETURN_IF_ERROR(FinalizeRunOptions(&o));
  MeasureBoundedRunByEvents(&o);
  if (command == "run" && o.backend.empty()) {
    return Status::InvalidArgument(
        "run: --backend is required (or --flink-config with "
        "state.backend.type)");
  }
  AddSettingNotes(command, &o);
  return PlanRun(o, ChooseBackends(o, command));
}

// What the command's backends add up to, for its exit code.
struct Tally {
  bool any_failed = false;
  bool verification_failed = false;
};

// What one backend's turn needs of the command.
struct Turn {
  RunOptions& o;
  RunPlan& plan;
  SpawnedServers& spawned;
  RunProgress& line;
  std::ostream& err;
};

// The backend's run, or the row that says why it was not measured.
RunResult MeasureOrExplain(const RunConfig& rc, Turn& t) {
  if (auto f = t.spawned.failures.find(rc.backend);
      f != t.spawned.failures.end()) {
    return NotMeasured(rc, RunStatus::kFailed, "spawn", f->second.ToString());
  }
  if (auto h = t.plan.cannot_hold.find(rc.backend);
      h != t.plan.cannot_hold.end()) {
    return NotMeasured(rc, RunStatus::kUnsupported, "preflight",
                       h->second.message());
  }
  // The plan built the workload once for every backend.
  return RunBenchmark(rc, *t.plan.workload, BackendRegistry::Default(),
                      &t.line);
}

// Writes --record-trace from the first backend that executed its measured
// phase. False when the trace cannot be written.
bool RecordTraceOnce(const std::string& name, Turn& t) {
  if (!t.line.executed() || t.o.record_trace.empty()) return true;
  Result<TraceSummary> trace = RecordExecutedTrace(
      *t.plan.workload, t.o.record_trace, *t.line.executed());
  if (!trace.ok()) {
    t.err << "statebench: --record-trace: " << trace.status().message() << "\n";
    return false;
  }
  if (!t.o.quiet) {
    t.err << "statebench: recorded the " << trace->load_ops << " load ops and "
          << trace->run_ops << " run ops " << name << " executed to "
          << t.o.record_trace << "\n";
  }
  t.o.record_trace.clear();
  return true;
}

// Says what a run that is not ok means. An exit code when it ends the
// command (a bad option value is bad input, not a backend failure).
std::optional<int> JudgeStatus(const RunResult& run, Turn& t, Tally* tally) {
  if (run.status == RunStatus::kUnsupported) {
    // What the backend cannot hold is a finding, not a broken backend.
    t.err << "statebench: " << run.backend << ": unsupported ("
          << run.failure_phase << "): " << run.failure_reason << "\n";
    return std::nullopt;
  }
  if (run.status == RunStatus::kOk) return std::nullopt;
  tally->any_failed = true;
  if (run.failure_phase == "open" &&
      run.failure_code == StatusCode::kInvalidArgument) {
    t.err << "statebench: " << run.backend << ": "
          << LocateBackendOptionError(t.o, run.backend, run.failure_reason)
          << "\n";
    return kExitUsage;
  }
  t.err << "statebench: " << run.backend << " failed in phase "
        << run.failure_phase << ": " << run.failure_reason << "\n";
  return std::nullopt;
}

// One backend: measured (or explained), judged, verified when asked, its
// spawned server stopped. An exit code when the command must end now.
std::optional<int> BackendTurn(const std::string& name, Turn& t, Tally* tally,
                               RunResult* out) {
  RunConfig rc = t.o.config;
  rc.backend = name;
  rc.backend_options = t.plan.options[name];
  rc.backend_settings = t.plan.settings[name];
  t.line.StartBackend(name);
  RunResult run = MeasureOrExplain(rc, t);
  t.line.FinishBackend();
  if (InterruptRequested()) {
    // What this backend measured so far is not a result. Servers die
    // at once: a graceful PostgreSQL stop can take seconds.
    StopAllSpawnedServers();
    return kExitInterrupted;
  }
  // The server's address and pid are facts of this run, not options the
  // user chose; the password file path is kept out of the results.
  run.backend_options.erase("password_file");
  PrintIdleSubtasks(run, t.err);
  if (!RecordTraceOnce(name, t)) return kExitFailure;
  if (std::optional<int> code = JudgeStatus(run, t, tally)) return code;
  if (t.o.verify_cycles > 0 && run.status == RunStatus::kOk) {
    t.line.Message(name + ": " + std::to_string(t.o.verify_cycles) +
                   " crash-restore verification cycles");
    tally->verification_failed |=
        !AttachVerification(rc, t.o.verify_cycles, &run, t.err);
    if (InterruptRequested()) {
      StopAllSpawnedServers();
      return kExitInterrupted;
    }
  }
  if (auto srv = t.spawned.servers.find(name); srv != t.spawned.servers.end()) {
    run.extra["spawned_server"] = srv->second->Describe();
    (void)srv->second->Stop();
    t.spawned.servers.erase(srv);
  }
  *out = std::move(run);
  return std::nullopt;
}

int RunBenchmarks(RunOptions& o, CliContext& ctx, const std::string& command) {
  // Ctrl-C ends the current backend's run between steps; the backends
  // finished before it stay in the results file (rewritten after each).
  InterruptScope interruptible;
  std::ostream& err = *ctx.err;
  Result<RunPlan> planned = PlanCommand(o, command);
  if (!planned.ok()) {
    err << "statebench: " << planned.status().message() << "\n";
    return kExitUsage;
  }
  RunPlan& plan = *planned;
  // A file is rewritten after every backend, so a kill loses at most the
  // current one; a device, FIFO or standard output gets one document.
  Result<OutputTarget> results_target = ClassifyOutput(o.output);
  const bool rewrite_results = !o.output.empty() && results_target.ok() &&
                               *results_target == OutputTarget::kAtomic;
  // Notes once the input is known to be good: bad input gets one message.
  for (const std::string& note : o.notes) {
    err << "statebench: note: " << note << "\n";
  }
  if (o.dry_run) {
    PrintDryRun(o, plan, command, *ctx.out);
    return kExitOk;
  }

  ResultsFile results;
  results.context = CollectContext(command, ctx.argc, ctx.argv);
  for (const std::string& w : results.context.warnings) {
    err << "statebench: warning: " << w << "\n";
  }
  results.config = PlanConfigJson(o, plan);

  RunProgress line(&err, ctx.stderr_is_tty && !o.quiet, o.config,
                   plan.backends.size());
  if (!o.record_trace.empty()) line.RecordExecuted();
  SpawnedServers spawned = SpawnServers(
      o, &plan, [&line](const std::string& msg) { line.Message(msg); });
  if (InterruptRequested()) {
    StopAllSpawnedServers();
    return kExitInterrupted;
  }
  Turn turn{o, plan, spawned, line, err};
  Tally tally;
  for (const std::string& name : plan.backends) {
    RunResult run;
    if (std::optional<int> code = BackendTurn(name, turn, &tally, &run)) {
      return *code;
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
    tally.any_failed = true;
  }
  if (int code = WriteOutputs(o, results, rewrite_results, ctx);
      code != kExitOk) {
    return code;
  }
  if (tally.any_failed) return kExitFailure;
  return tally.verification_failed ? kExitRegression : kExitOk;
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
  auto sweep = std::make_shared<std::vector<std::string>>();
  cmp_cmd
      ->add_option("--sweep", *sweep,
                   "Measure at these job state sizes and fit cost models, as "
                   "`statebench sweep --state-sizes` (e.g. 16MiB,128MiB,1GiB)")
      ->delimiter(',');
  cmp_cmd->callback([cmp, ctx, cmp_cmd, sweep] {
    CollectRunOutputs(cmp_cmd, cmp.get());
    if (!sweep->empty()) {
      // A sweep's own defaults where the flags give none: one repetition
      // of 3 s per size keeps a ladder affordable.
      if (cmp_cmd->count("--repetitions") == 0) cmp->config.repetitions = 1;
      if (cmp_cmd->count("--duration") == 0) cmp->config.measure_s = 3;
      if (cmp_cmd->count("--warmup") == 0) cmp->config.warmup_s = 0.5;
      if (cmp->verify_cycles > 0) {
        ctx->action = [ctx] {
          *ctx->err << "statebench: compare --sweep does not verify; run "
                       "compare --verify-cycles without --sweep\n";
          return kExitUsage;
        };
        return;
      }
      ctx->action = [cmp, ctx, sweep] {
        return RunCompareSweep(*cmp, *sweep, *ctx);
      };
      return;
    }
    ctx->action = [cmp, ctx] { return RunBenchmarks(*cmp, *ctx, "compare"); };
  });
}

}  // namespace statebench
