// `statebench verify`: crash-restore and rescale verification per backend.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "backends/file_util.h"
#include "backends/registry.h"
#include "bench/commands.h"
#include "bench/context.h"
#include "bench/durability.h"
#include "bench/interrupt.h"
#include "bench/output_paths.h"
#include "bench/progress.h"
#include "bench/run_options.h"
#include "bench/timed_backend.h"
#include "bench/verify.h"

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

int RunVerify(VerifyOptions& o, CliContext& ctx) {
  // Ctrl-C stops between cycles and inside each wait: the child is killed,
  // the cycle's directory removed, and no results file is written (its
  // verdict would rest on the cycles that happened to finish).
  InterruptScope interruptible;
  std::ostream& err = *ctx.err;
  // The verdict lines go to stderr when the results go to stdout.
  std::ostream& out = AnyOutputIsStandardOutput(o.outputs) ? err : *ctx.out;
  if (Status s = FinalizeRunOptions(&o.run); !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  }
  if (o.child_dir.empty()) {
    for (const std::string& note : o.run.notes) {
      err << "statebench: note: " << note << "\n";
    }
  }
  if (o.run.backend.empty()) {
    err << "statebench: verify: --backend is required (or --flink-config "
           "with state.backend.type)\n";
    return kExitUsage;
  }
  RunConfig& rc = o.run.config;
  rc.backend = o.run.backend;
  const BackendRegistry& registry = BackendRegistry::Default();
  if (Result<BackendInfo> info = registry.Info(rc.backend); !info.ok()) {
    err << "statebench: " << info.status().message() << "\n";
    return kExitUsage;
  }
  std::map<std::string, std::map<std::string, std::string>> per_backend;
  if (Status s =
          ApplyBackendOptions(o.run.backend_opts, {rc.backend}, &per_backend);
      !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  }
  rc.backend_options = per_backend[rc.backend];
  rc.checkpoint.type = o.run.checkpoint_type == "incremental"
                           ? CheckpointType::kIncremental
                           : CheckpointType::kFull;
  if (!o.child_dir.empty()) {
    return RunVerifyChild(CycleRunConfig(rc, o.child_dir, registry),
                          STDOUT_FILENO);
  }
  if (Status s = CheckOutputPaths(o.outputs); !s.ok()) {
    err << "statebench: " << s.message() << "\n";
    return kExitUsage;
  }
  std::vector<std::pair<int, int>> rescales;
  for (const std::string& r : o.rescales) {
    Result<std::pair<int, int>> parsed = ParseRescale(r);
    if (!parsed.ok()) {
      err << "statebench: " << parsed.status().message() << "\n";
      return kExitUsage;
    }
    const int max_p = rc.max_parallelism;
    if (max_p > 0 && std::max(parsed->first, parsed->second) > max_p) {
      err << "statebench: --rescale " << r << ": max parallelism " << max_p
          << " is below " << std::max(parsed->first, parsed->second)
          << "; every subtask needs at least one key group\n";
      return kExitUsage;
    }
    rescales.push_back(*parsed);
  }
  Result<std::vector<DurabilitySetting>> settings =
      std::vector<DurabilitySetting>{};
  if (o.server_crash) {
    settings = DurabilitySettings(rc.backend, o.persistence);
    if (settings.ok() && rc.backend_options.count("uri") != 0) {
      settings = Status::InvalidArgument(
          "--server-crash starts and kills its own server; drop the uri "
          "option (statebench never kills a server it did not start)");
    }
    if (!settings.ok()) {
      err << "statebench: " << settings.status().message() << "\n";
      return kExitUsage;
    }
  } else if (!o.persistence.empty()) {
    err << "statebench: --persistence needs --server-crash\n";
    return kExitUsage;
  }
  if (o.min_kill_s > o.max_kill_s) {
    err << "statebench: --kill-min must not exceed --kill-max\n";
    return kExitUsage;
  }
  VerifyConfig vc;
  vc.run = rc;
  vc.cycles = o.cycles;
  vc.seed = o.kill_seed;
  vc.min_kill_s = o.min_kill_s;
  vc.max_kill_s = o.max_kill_s;
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  vc.child_argv.push_back(n > 0 ? std::string(self, static_cast<size_t>(n))
                                : std::string(ctx.argv[0]));
  for (int i = 1; i < ctx.argc; ++i) vc.child_argv.push_back(ctx.argv[i]);

  // Each finished cycle prints its line; the live line below it shows the
  // cycle under way, the elapsed time and the ETA from the mean cycle.
  TerminalProgress line(&err, ctx.stderr_is_tty && !o.run.quiet);
  const uint64_t start = NowNs();
  ProgressFn progress = [&](const std::string& m) {
    line.Message("statebench: " + m);
    if (!m.starts_with("cycle ") || o.server_crash) return;
    const int done = std::atoi(m.c_str() + 6) + 1;
    ProgressState state;
    state.backend = rc.backend;
    state.phase = "cycle";
    state.step = std::min(done + 1, o.cycles);
    state.steps = o.cycles;
    state.elapsed_s = static_cast<double>(NowNs() - start) / 1e9;
    state.eta_s = state.elapsed_s / done * (o.cycles - done);
    if (done < o.cycles) line.Update(state, /*force=*/true);
  };
  ResultsFile results;
  results.context = CollectContext("verify", ctx.argc, ctx.argv);
  results.config = RunConfigToJson(rc);
  results.config["cycles"] = o.cycles;
  if (!o.run.notes.empty()) results.config["notes"] = o.run.notes;
  if (o.run.flink) {
    results.config["flink_config"] = FlinkConfigRecord(o.run, {rc.backend});
  }
  RunResult run;
  run.backend = rc.backend;
  run.workload = rc.workload.name;
  run.parallelism = rc.parallelism;
  run.backend_options = rc.backend_options;
  nlohmann::json verification;
  bool found_problem = false;
  int code = kExitOk;
  if (o.server_crash) {
    // Crashes the server instead of the job: a few cycles per setting.
    const int cycles = o.cycles_given ? o.cycles : 3;
    nlohmann::json settings_json = nlohmann::json::array();
    for (const DurabilitySetting& setting : *settings) {
      Result<DurabilityResult> d =
          RunServerDurability(rc, setting, cycles, registry, progress);
      if (InterruptRequested()) {
        StopAllSpawnedServers();
        return kExitInterrupted;
      }
      if (!d.ok()) {
        err << "statebench: verify " << rc.backend
            << " server crash: " << d.status().message() << "\n";
        run.status = "failed";
        run.failure_phase = "verify";
        run.failure_reason = d.status().message();
        code = kExitFailure;
        break;
      }
      settings_json.push_back(d->ToJson());
      if (d->failed()) {
        // Not a verdict: the cycle could not tell what the server kept.
        const std::string reason =
            fmt::format("{} cycle {} failed: {}", setting.name,
                        d->cycles.size() - 1, d->failure());
        err << "statebench: verify " << rc.backend
            << " server crash: " << reason << "\n";
        out << fmt::format(
            "{} {}: FAILED after {} of {} server crashes, "
            "no verdict: {}\n",
            rc.backend, setting.name, d->cycles.size() - 1, cycles,
            d->failure());
        if (run.status != "failed") {
          run.status = "failed";
          run.failure_phase = "verify";
          run.failure_reason = reason;
        }
        code = kExitFailure;
        continue;
      }
      const bool broken = setting.promises_durability && !d->kept_everything();
      found_problem |= broken;
      out << fmt::format(
          "{} {}: {} server crashes, completed checkpoints lost {}, {} -> "
          "{}{}\n",
          rc.backend, setting.name, d->cycles.size(), d->checkpoints_lost,
          VerdictLine(d->total),
          d->kept_everything() ? "kept every completed checkpoint"
                               : "LOST completed checkpoints",
          broken ? " (this setting promises durability)" : "");
    }
    verification["server_durability"] = settings_json;
    // A setting that could not be judged leaves the run unverified, unless
    // another one already found a problem.
    if (code != kExitOk && !found_problem) {
      verification["verdict"] = "not_verified";
    }
  }
  if (o.cycles > 0 && !o.server_crash) {
    Result<VerifyReport> report = RunCrashVerification(vc, registry, progress);
    line.Clear();
    if (InterruptRequested()) return kExitInterrupted;
    if (!report.ok()) {
      err << "statebench: verify " << rc.backend << ": "
          << report.status().message() << "\n";
      run.status = "failed";
      run.failure_phase = "verify";
      run.failure_reason = report.status().message();
      code = kExitFailure;
    } else {
      verification = report->ToJson();
      found_problem = !report->total.exactly_once();
      out << fmt::format("{}: {} crash-restore cycles, {} -> {}\n", rc.backend,
                         report->cycles.size(), VerdictLine(report->total),
                         found_problem ? "NOT exactly-once" : "exactly-once");
      for (const std::string& e : report->total.examples)
        out << "    " << e << "\n";
      if (!report->kept_dir.empty()) {
        verification["kept_dir"] = report->kept_dir;
        err << "statebench: the files of the first failed cycle are kept in "
            << report->kept_dir << "\n";
      }
    }
  }
  nlohmann::json rescale_json = nlohmann::json::array();
  for (auto [from, to] : rescales) {
    Result<RescaleResult> r = RunRescaleVerification(rc, from, to, registry);
    if (InterruptRequested()) return kExitInterrupted;
    if (!r.ok()) {
      err << "statebench: rescale " << from << "->" << to << ": "
          << r.status().message() << "\n";
      code = kExitFailure;
      continue;
    }
    bool ok = r->verdict.exactly_once();
    found_problem |= !ok;
    out << fmt::format("{}: rescale {} -> {} in {:.1f} ms: {} -> {}\n",
                       rc.backend, from, to, r->duration_ms,
                       VerdictLine(r->verdict), ok ? "verified" : "MISMATCH");
    rescale_json.push_back({{"from", from},
                            {"to", to},
                            {"duration_ms", r->duration_ms},
                            {"subtask_duration_ms", r->subtask_duration_ms},
                            {"bytes_read", r->bytes_read},
                            {"checked", r->verdict.checked},
                            {"lost", r->verdict.lost},
                            {"resurrected", r->verdict.resurrected},
                            {"wrong", r->verdict.wrong},
                            {"verdict", ok ? "verified" : "mismatch"}});
  }
  if (!rescale_json.empty()) verification["rescale"] = rescale_json;
  if (verification.is_object() && !verification.contains("verdict")) {
    verification["verdict"] = found_problem ? "failed" : "exactly-once";
  }
  run.verification = verification;
  results.runs.push_back(run);
  if (!o.output.empty()) {
    out.flush();
    if (Status s = SaveResultsFile(results, o.output); !s.ok()) {
      err << "statebench: cannot write results: " << s.message() << "\n";
      return kExitFailure;
    }
  }
  if (code != kExitOk) return code;
  return found_problem ? kExitRegression : kExitOk;
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
  sub->add_option("--child-dir", o->child_dir)->group("");  // internal
  sub->callback([o, ctx, sub] {
    o->cycles_given = sub->count("--cycles") > 0;
    o->outputs.clear();
    AddOutputIfGiven(sub, "--output", o->output, &o->outputs);
    ctx->action = [o, ctx] { return RunVerify(*o, *ctx); };
  });
}

}  // namespace statebench
