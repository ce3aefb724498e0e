// `statebench verify`: crash-restore and rescale verification per backend.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "backends/registry.h"
#include "base/file_util.h"
#include "base/process.h"
#include "bench/cli/commands.h"
#include "bench/cli/output_paths.h"
#include "bench/cli/progress.h"
#include "bench/cli/run_options.h"
#include "bench/harness/context.h"
#include "bench/harness/interrupt.h"
#include "bench/harness/timed_backend.h"
#include "bench/verify/durability.h"
#include "bench/verify/verify.h"

namespace statebench {
namespace {

struct VerifyOptions {
  RunOptions run;
  int cycles = 20;
  uint64_t kill_seed = 1;
  double min_kill_s = 0.05;
  double max_kill_s = 0.6;
  std::vector<std::string> rescales;  // "p:q"
  std::string output;
  std::vector<OutputPath> outputs;  // filled after parsing
  std::string child_dir;            // set only in the child process
  std::string child_plan;           // set only in the child process
  bool server_crash = false;
  std::vector<std::string> persistence;  // server-crash settings
  bool cycles_given = false;
};

Result<std::pair<int, int>> ParseRescale(const std::string& s) {
  auto colon = s.find(':');
  try {
    if (colon != std::string::npos) {
      int from = std::stoi(s.substr(0, colon));
      int to = std::stoi(s.substr(colon + 1));
      if (from >= 1 && to >= 1 && from <= 1024 && to <= 1024) {
        return std::make_pair(from, to);
      }
    }
  } catch (const std::exception&) {
  }
  return Status::InvalidArgument(
      "--rescale '" + s + "' is not of the form P:Q with 1 <= P, Q <= 1024");
}

std::string VerdictLine(const StateVerdict& v) {
  return fmt::format("{} entries checked: lost {}, resurrected {}, wrong {}",
                     v.checked, v.lost, v.resurrected, v.wrong);
}

// The checked inputs of a verify run beyond its RunConfig.
struct VerifyPlan {
  std::vector<std::pair<int, int>> rescales;
  std::vector<DurabilitySetting> settings;  // --server-crash
};

Result<VerifyPlan> PlanVerify(const VerifyOptions& o, const RunConfig& rc) {
  VerifyPlan plan;
  SB_RETURN_IF_ERROR(CheckOutputPaths(o.outputs));
  for (const std::string& r : o.rescales) {
    SB_ASSIGN_OR_RETURN(auto parsed, ParseRescale(r));
    const int max_p = rc.max_parallelism;
    const int widest = std::max(parsed.first, parsed.second);
    if (max_p > 0 && widest > max_p) {
      return Status::InvalidArgument(
          fmt::format("--rescale {}: max parallelism {} is below {}; every "
                      "subtask needs at least one key group",
                      r, max_p, widest));
    }
    plan.rescales.push_back(parsed);
  }
  if (o.server_crash) {
    SB_ASSIGN_OR_RETURN(plan.settings,
                        DurabilitySettings(rc.backend, o.persistence));
    if (rc.backend_options.count("uri") != 0) {
      return Status::InvalidArgument(
          "--server-crash starts and kills its own server; drop the uri "
          "option (statebench never kills a server it did not start)");
    }
  } else if (!o.persistence.empty()) {
    return Status::InvalidArgument("--persistence needs --server-crash");
  }
  if (o.min_kill_s > o.max_kill_s) {
    return Status::InvalidArgument("--kill-min must not exceed --kill-max");
  }
  return plan;
}

// What the verification found so far, and the exit code it leads to.
struct VerifyOutcome {
  RunResult run;
  nlohmann::json verification;
  bool found_problem = false;
  int code = kExitOk;

  void Fail(const std::string& reason) {
    if (run.status != RunStatus::kFailed) {
      run.status = RunStatus::kFailed;
      run.failure_phase = "verify";
      run.failure_reason = reason;
    }
    code = kExitFailure;
  }
};

// Where the verdict lines go, and where failures are reported.
struct VerifyStreams {
  std::ostream& out;
  std::ostream& err;
};

// --server-crash: kills the server instead of the job, a few cycles per
// durability setting. False when interrupted.
bool VerifyServerCrashes(const VerifyOptions& o, const RunConfig& rc,
                         const std::vector<DurabilitySetting>& settings,
                         const ProgressFn& progress, VerifyStreams io,
                         VerifyOutcome* v) {
  const int cycles = o.cycles_given ? o.cycles : 3;
  nlohmann::json settings_json = nlohmann::json::array();
  for (const DurabilitySetting& setting : settings) {
    Result<DurabilityResult> d = RunServerDurability(
        rc, setting, cycles, BackendRegistry::Default(), progress);
    if (InterruptRequested()) return false;
    if (!d.ok()) {
      io.err << "statebench: verify " << rc.backend
             << " server crash: " << d.status().message() << "\n";
      v->run.status = RunStatus::kFailed;
      v->run.failure_phase = "verify";
      v->run.failure_reason = d.status().message();
      v->code = kExitFailure;
      break;
    }
    settings_json.push_back(d->ToJson());
    if (d->failed()) {
      // Not a verdict: the cycle could not tell what the server kept.
      const std::string reason =
          fmt::format("{} cycle {} failed: {}", setting.name,
                      d->cycles.size() - 1, d->failure());
      io.err << "statebench: verify " << rc.backend
             << " server crash: " << reason << "\n";
      io.out << fmt::format(
          "{} {}: FAILED after {} of {} server crashes, no verdict: {}\n",
          rc.backend, setting.name, d->cycles.size() - 1, cycles, d->failure());
      v->Fail(reason);
      continue;
    }
    const bool broken = setting.promises_durability && !d->kept_everything();
    v->found_problem |= broken;
    io.out << fmt::format(
        "{} {}: {} server crashes, completed checkpoints lost {}, {} -> "
        "{}{}\n",
        rc.backend, setting.name, d->cycles.size(), d->checkpoints_lost,
        VerdictLine(d->total),
        d->kept_everything() ? "kept every completed checkpoint"
                             : "LOST completed checkpoints",
        broken ? " (this setting promises durability)" : "");
  }
  v->verification["server_durability"] = settings_json;
  // A setting that could not be judged leaves the run unverified, unless
  // another one already found a problem.
  if (v->code != kExitOk && !v->found_problem) {
    v->verification["verdict"] = "not_verified";
  }
  return true;
}

// SIGKILL-and-restore cycles of the job, checked against the oracle.
void VerifyJobCrashes(const VerifyConfig& vc, const ProgressFn& progress,
                      VerifyStreams io, VerifyOutcome* v) {
  const std::string& backend = vc.run.backend;
  Result<VerifyReport> report =
      RunCrashVerification(vc, BackendRegistry::Default(), progress);
  if (InterruptRequested()) return;
  if (!report.ok()) {
    io.err << "statebench: verify " << backend << ": "
           << report.status().message() << "\n";
    v->Fail(report.status().message());
    return;
  }
  v->verification = report->ToJson();
  v->found_problem = !report->total.exactly_once();
  io.out << fmt::format("{}: {} crash-restore cycles, {} -> {}\n", backend,
                        report->cycles.size(), VerdictLine(report->total),
                        v->found_problem ? "NOT exactly-once" : "exactly-once");
  for (const std::string& e : report->total.examples) {
    io.out << "    " << e << "\n";
  }
  if (!report->kept_dir.empty()) {
    v->verification["kept_dir"] = report->kept_dir;
    io.err << "statebench: the files of the first failed cycle are kept in "
           << report->kept_dir << "\n";
  }
}

// Each --rescale P:Q: restore at Q what ran at P, checked against the
// oracle. False when interrupted.
bool VerifyRescales(const RunConfig& rc,
                    const std::vector<std::pair<int, int>>& rescales,
                    VerifyStreams io, VerifyOutcome* v) {
  nlohmann::json rescale_json = nlohmann::json::array();
  for (auto [from, to] : rescales) {
    Result<RescaleResult> r =
        RunRescaleVerification(rc, from, to, BackendRegistry::Default());
    if (InterruptRequested()) return false;
    if (!r.ok()) {
      io.err << "statebench: rescale " << from << "->" << to << ": "
             << r.status().message() << "\n";
      v->code = kExitFailure;
      continue;
    }
    bool ok = r->verdict.exactly_once();
    const RestoreVerdict verdict =
        ok ? RestoreVerdict::kVerified : RestoreVerdict::kMismatch;
    v->found_problem |= !ok;
    io.out << fmt::format(
        "{}: rescale {} -> {} in {:.1f} ms: {} -> {}\n", rc.backend, from, to,
        r->duration_ms, VerdictLine(r->verdict), ok ? "verified" : "MISMATCH");
    rescale_json.push_back({{"from", from},
                            {"to", to},
                            {"duration_ms", r->duration_ms},
                            {"subtask_duration_ms", r->subtask_duration_ms},
                            {"bytes_read", r->bytes_read},
                            {"checked", r->verdict.checked},
                            {"lost", r->verdict.lost},
                            {"resurrected", r->verdict.resurrected},
                            {"wrong", r->verdict.wrong},
                            {"verdict", ToString(verdict)}});
  }
  if (!rescale_json.empty()) v->verification["rescale"] = rescale_json;
  return true;
}

// The progress of crash cycles: each finished cycle prints its line; the
// live line below it shows the cycle under way, the elapsed time and the
// ETA from the mean cycle.
ProgressFn CycleProgress(TerminalProgress* line, const VerifyOptions& o,
                         const std::string& backend) {
  const uint64_t start = NowNs();
  return [line, start, backend, cycles = o.cycles,
          server_crash = o.server_crash](const std::string& m) {
    line->Message("statebench: " + m);
    if (!m.starts_with("cycle ") || server_crash) return;
    const int done = std::atoi(m.c_str() + 6) + 1;
    ProgressState state;
    state.backend = backend;
    state.phase = "cycle";
    state.step = std::min(done + 1, cycles);
    state.steps = cycles;
    state.elapsed_s = static_cast<double>(NowNs() - start) / 1e9;
    state.eta_s = state.elapsed_s / done * (cycles - done);
    if (done < cycles) line->Update(state, /*force=*/true);
  };
}

// The run every cycle repeats, from the flags: exit 2 on bad input.
Status PrepareVerifyRun(VerifyOptions& o, std::ostream& err) {
  SB_RETURN_IF_ERROR(FinalizeRunOptions(&o.run));
  for (const std::string& note : o.run.notes) {
    err << "statebench: note: " << note << "\n";
  }
  if (o.run.backend.empty()) {
    return Status::InvalidArgument(
        "verify: --backend is required (or --flink-config with "
        "state.backend.type)");
  }
  RunConfig& rc = o.run.config;
  rc.backend = o.run.backend;
  SB_RETURN_IF_ERROR(BackendRegistry::Default().Info(rc.backend).status());
  std::map<std::string, std::map<std::string, std::string>> per_backend;
  SB_RETURN_IF_ERROR(
      ApplyBackendOptions(o.run.backend_opts, {rc.backend}, &per_backend));
  rc.backend_options = per_backend[rc.backend];
  rc.checkpoint.type = o.run.checkpoint_type == "incremental"
                           ? CheckpointType::kIncremental
                           : CheckpointType::kFull;
  return Status::Ok();
}

// The job-crash cycles: the run, the kill window and this very binary as
// the child each cycle starts with the run's plan.
VerifyConfig JobCrashConfig(const VerifyOptions& o, const CliContext& ctx) {
  VerifyConfig vc;
  vc.run = o.run.config;
  vc.cycles = o.cycles;
  vc.seed = o.kill_seed;
  vc.min_kill_s = o.min_kill_s;
  vc.max_kill_s = o.max_kill_s;
  Result<std::string> self = SelfExecutable();
  vc.child_binary = self.ok() ? *self : std::string(ctx.argv[0]);
  return vc;
}

// The results file's context and configuration, before any cycle runs.
ResultsFile VerifyResults(const VerifyOptions& o, const CliContext& ctx) {
  const RunConfig& rc = o.run.config;
  ResultsFile results;
  results.context = CollectContext("verify", ctx.argc, ctx.argv);
  results.config = RunConfigToJson(rc);
  results.config["cycles"] = o.cycles;
  if (!o.run.notes.empty()) results.config["notes"] = o.run.notes;
  if (o.run.flink) {
    results.config["flink_config"] = FlinkConfigRecord(o.run, {rc.backend});
  }
  return results;
}

// --dry-run: the cycles verify would run, after every input check.
void PrintVerifyDryRun(const VerifyOptions& o, const VerifyPlan& plan,
                       std::ostream& out) {
  const RunConfig& rc = o.run.config;
  out << fmt::format(
      "verify plan: {} ({} checkpoints), workload {} ({} keys), parallelism "
      "{}\n",
      rc.backend, CheckpointTypeName(rc.checkpoint.type), rc.workload.name,
      rc.workload.key_count, rc.parallelism);
  if (o.server_crash) {
    for (const DurabilitySetting& s : plan.settings) {
      out << fmt::format("  {} server-crash cycles with {}: {}\n",
                         o.cycles_given ? o.cycles : 3, s.name, s.description);
    }
  } else if (o.cycles > 0) {
    out << fmt::format(
        "  {} job-crash cycles, killed {:g}-{:g} s after the first "
        "checkpoint (seed {})\n",
        o.cycles, o.min_kill_s, o.max_kill_s, o.kill_seed);
  }
  for (const auto& [from, to] : plan.rescales) {
    out << fmt::format("  rescale {} -> {}, checked against the checkpoint\n",
                       from, to);
  }
  out << "nothing run or written (--dry-run)\n";
}

int RunVerify(VerifyOptions& o, CliContext& ctx) {
  // Ctrl-C stops between cycles and inside each wait: the child is killed,
  // the cycle's directory removed, and no results file is written (its
  // verdict would rest on the cycles that happened to finish).
  InterruptScope interruptible;
  std::ostream& err = *ctx.err;
  // The verdict lines go to stderr when the results go to stdout.
  std::ostream& out = AnyOutputIsStandardOutput(o.outputs) ? err : *ctx.out;
  auto usage = [&err](const Status& s) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  };
  if (!o.child_plan.empty()) {
    return RunVerifyChildFromPlan(o.child_plan, o.child_dir, STDOUT_FILENO);
  }
  if (Status s = PrepareVerifyRun(o, err); !s.ok()) return usage(s);
  const RunConfig& rc = o.run.config;
  Result<VerifyPlan> plan = PlanVerify(o, rc);
  if (!plan.ok()) return usage(plan.status());
  if (o.run.dry_run) {
    PrintVerifyDryRun(o, *plan, *ctx.out);
    return kExitOk;
  }

  TerminalProgress line(&err, ctx.stderr_is_tty && !o.run.quiet);
  ProgressFn progress = CycleProgress(&line, o, rc.backend);
  ResultsFile results = VerifyResults(o, ctx);
  VerifyOutcome v;
  v.run.backend = rc.backend;
  v.run.workload = rc.workload.name;
  v.run.parallelism = rc.parallelism;
  v.run.backend_options = rc.backend_options;
  VerifyStreams io{out, err};
  if (o.server_crash &&
      !VerifyServerCrashes(o, rc, plan->settings, progress, io, &v)) {
    StopAllSpawnedServers();
    return kExitInterrupted;
  }
  if (o.cycles > 0 && !o.server_crash) {
    VerifyJobCrashes(JobCrashConfig(o, ctx), progress, io, &v);
    line.Clear();
    if (InterruptRequested()) return kExitInterrupted;
  }
  if (!VerifyRescales(rc, plan->rescales, io, &v)) return kExitInterrupted;
  if (v.verification.is_object() && !v.verification.contains("verdict")) {
    v.verification["verdict"] = v.found_problem ? "failed" : "exactly-once";
  }
  v.run.verification = v.verification;
  results.runs.push_back(v.run);
  if (!o.output.empty()) {
    out.flush();
    if (Status s = SaveResultsFile(results, o.output); !s.ok()) {
      err << "statebench: cannot write results: " << s.message() << "\n";
      return kExitFailure;
    }
  }
  if (v.code != kExitOk) return v.code;
  return v.found_problem ? kExitRegression : kExitOk;
}

}  // namespace

void SetupVerifyCommand(CLI::App& app, CliContext* ctx) {
  auto o = std::make_shared<VerifyOptions>();
  o->run.config.workload.key_count = 20000;
  o->run.config.workload.read_fraction = 0.2;
  o->run.config.checkpoint.interval_ms = 100;
  o->run.config.warmup_s = 0;
  o->run.config.measure_s = 0.5;  // the rescale runs; crash cycles end by kill
  CLI::App* sub = app.add_subcommand(
      "verify",
      "Kill a running job with SIGKILL, restore its last checkpoint and "
      "compare with an oracle; verify rescaling");
  sub->add_option("-b,--backend", o->run.backend,
                  "Backend name (required unless --flink-config names one)");
  AddMeasurementOptions(sub, &o->run);
  sub->add_option("--cycles", o->cycles, "Crash-restore cycles")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  sub->add_option("--kill-seed", o->kill_seed, "Seed of the kill moments")
      ->capture_default_str();
  sub->add_option("--kill-min", o->min_kill_s,
                  "Earliest kill, seconds after the first checkpoint")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  sub->add_option("--kill-max", o->max_kill_s, "Latest kill, seconds")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  sub->add_option(
         "--rescale", o->rescales,
         "Also verify restoring at parallelism P into Q (P:Q, repeatable)")
      ->delimiter(',');
  sub->add_flag("--dry-run", o->run.dry_run,
                "Check every input, print the cycles that would run, and stop");
  sub->add_flag("--server-crash", o->server_crash,
                "Kill the database server (not the job) with SIGKILL right "
                "after a completed checkpoint, restart it and verify; on a "
                "server statebench starts itself, per persistence setting");
  sub->add_option("--persistence", o->persistence,
                  "Server-crash settings (default all): redis "
                  "appendfsync-always, appendfsync-everysec, appendfsync-no, "
                  "rdb-only; postgres synchronous_commit-on, "
                  "synchronous_commit-off")
      ->delimiter(',');
  sub->add_option("-o,--output", o->output,
                  "Write a results file with the verdicts");
  // The crash-verification child's plan and directory (internal).
  sub->add_option("--child-plan", o->child_plan)->group("");
  sub->add_option("--child-dir", o->child_dir)->group("");
  sub->callback([o, ctx, sub] {
    o->cycles_given = sub->count("--cycles") > 0;
    o->outputs.clear();
    AddOutputIfGiven(sub, "--output", o->output, &o->outputs);
    ctx->action = [o, ctx] { return RunVerify(*o, *ctx); };
  });
}

}  // namespace statebench
