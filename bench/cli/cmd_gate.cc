// `statebench gate`: the CI regression gate.
//
//   gate --baseline BASE.json --current CUR.json [options]
//   gate --run [--baseline-bin OLD | --baseline BASE.json] [options]
//        -- run --backend rocksdb ...
//
// The comparison itself is reports/gate/gate.h; this file gets the two results
// (from files, or by running binaries as child processes), writes the
// outputs and maps the verdict to the exit code.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "base/process.h"
#include "bench/cli/commands.h"
#include "bench/cli/output_paths.h"
#include "bench/harness/interrupt.h"
#include "reports/gate/gate.h"
#include "reports/results/results.h"

namespace statebench {
namespace {

// GitHub refuses step summaries above 1 MiB; stay clear of it.
constexpr size_t kStepSummaryLimit = 1024 * 1024;
constexpr size_t kStepSummaryMargin = 4096;

struct GateCliOptions {
  std::string baseline;
  std::string current;
  std::vector<std::string> thresholds;
  double alpha = 0.05;
  std::string method = "auto";
  bool warn_only = false;
  std::string junit;
  std::string json;
  std::string markdown;
  bool allow_context_mismatch = false;
  std::string save_baseline;
  bool run = false;
  std::string baseline_bin;
  std::string current_bin;
  int repetitions = 9;
  bool repetitions_given = false;
  std::vector<std::string> command;  // after "--"
  std::vector<OutputPath> outputs;   // filled after parsing
};

// An error with the exit code it maps to.
struct GateError {
  int exit_code;
  std::string message;
};

GateError Usage(std::string m) { return {kExitUsage, std::move(m)}; }
GateError Failure(std::string m) { return {kExitFailure, std::move(m)}; }

// ---- Child processes -------------------------------------------------------

std::string Tail(const std::string& text, size_t max_chars) {
  if (text.size() <= max_chars) return text;
  std::string t = text.substr(text.size() - max_chars);
  auto nl = t.find('\n');
  return "..." + (nl == std::string::npos ? t : t.substr(nl));
}

// Runs argv[0] (looked up in PATH) with argv, no shell, stdout to
// /dev/null, stderr to `stderr_path`; returns the exit code, or
// 128+signal.
Result<int> SpawnAndWait(const std::vector<std::string>& argv,
                         const std::string& stderr_path) {
  LaunchSpec spec;
  spec.argv = argv;
  spec.search_path = true;
  spec.out = ChildStream::Null();
  spec.err = ChildStream::Truncate(stderr_path);
  SB_ASSIGN_OR_RETURN(pid_t pid, Launch(spec));
  SB_ASSIGN_OR_RETURN(int status, WaitForwardingInterrupt(pid));
  return ShellExitCode(status);
}

// The user's run arguments without the flags the gate sets itself.
std::vector<std::string> PassThrough(const std::vector<std::string>& command,
                                     int* repetitions_out) {
  std::vector<std::string> out;
  for (size_t i = 0; i < command.size(); ++i) {
    const std::string& a = command[i];
    auto takes = [&](const char* long_name, const char* short_name) {
      return a == long_name || a == short_name;
    };
    auto attached = [&](const std::string& prefix) {
      return a.rfind(prefix, 0) == 0 && a.size() > prefix.size();
    };
    if (takes("--repetitions", "-r")) {
      if (i + 1 < command.size())
        *repetitions_out = std::atoi(command[++i].c_str());
    } else if (attached("--repetitions=")) {
      *repetitions_out = std::atoi(a.c_str() + 14);
    } else if (attached("-r") &&
               a.find_first_not_of("0123456789", 2) == std::string::npos) {
      *repetitions_out = std::atoi(a.c_str() + 2);
    } else if (takes("--output", "-o") || a.rfind("--export-", 0) == 0) {
      if (a.find('=') == std::string::npos) ++i;  // drop its value too
    } else if (attached("--output=") || (attached("-o") && a[2] != '-')) {
      // dropped
    } else if (a != "--quiet" && a != "-q") {
      out.push_back(a);
    }
  }
  if (out.empty() || out.front().rfind("-", 0) == 0) {
    out.insert(out.begin(), "run");
  }
  return out;
}

class TempDir {
 public:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  ~TempDir() { (void)RemoveTree(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Side {
  std::string name;  // "baseline" | "current"
  std::string binary;
  std::vector<ResultsFile> parts;
};

// One repetition of one side: `binary <args> --repetitions 1 --output F`.
std::optional<GateError> RunOnce(Side& side,
                                 const std::vector<std::string>& args,
                                 const std::string& dir, int rep) {
  const std::string stem =
      dir + "/" + side.name + "-" + std::to_string(rep + 1);
  std::vector<std::string> argv = {side.binary};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(),
              {"--repetitions", "1", "--quiet", "--output", stem + ".json"});
  Result<int> code = SpawnAndWait(argv, stem + ".log");
  if (InterruptRequested()) return GateError{kExitInterrupted, ""};
  if (!code.ok()) {
    return code.status().code() == StatusCode::kInvalidArgument
               ? Usage(side.name + " binary: " + code.status().message())
               : Failure(side.name + " binary: " + code.status().message());
  }
  std::string log;
  if (Result<std::string> text = ReadFileToString(stem + ".log"); text.ok()) {
    log = Tail(*text, 2000);
  }
  const std::string where = side.name + " repetition " +
                            std::to_string(rep + 1) + " (" + side.binary +
                            ") exited with code " + std::to_string(*code);
  if (*code == kExitUsage) {
    return Usage(where + "; it rejected the arguments:\n" + log);
  }
  if (*code != kExitOk && *code != kExitFailure) {
    return Failure(where + ":\n" + log);
  }
  Result<ResultsFile> part = LoadResultsFile(stem + ".json");
  if (!part.ok()) {
    return Failure(where + " and wrote no usable results (" +
                   part.status().message() + "):\n" + log);
  }
  side.parts.push_back(std::move(*part));
  return std::nullopt;
}

// Runs both sides interleaved (baseline 1, current 1, baseline 2, ...) so
// that drift of the machine hits both alike.
std::optional<GateError> RunInterleaved(const GateCliOptions& o,
                                        CliContext& ctx,
                                        std::optional<ResultsFile>* baseline,
                                        ResultsFile* current) {
  int reps_in_command = 0;
  const std::vector<std::string> args =
      PassThrough(o.command, &reps_in_command);
  const int reps = o.repetitions_given || reps_in_command <= 0
                       ? o.repetitions
                       : reps_in_command;
  Result<std::string> dir = MakeTempDirectory("statebench-gate-");
  if (!dir.ok()) return Failure(dir.status().message());
  TempDir cleanup(*dir);
  Side base{"baseline", o.baseline_bin, {}};
  Side cur{
      "current", o.current_bin.empty() ? "/proc/self/exe" : o.current_bin, {}};
  for (int rep = 0; rep < reps; ++rep) {
    if (ctx.stderr_is_tty) {
      *ctx.err << "statebench gate: repetition " << rep + 1 << "/" << reps
               << "\n";
    }
    if (!base.binary.empty()) {
      if (auto e = RunOnce(base, args, cleanup.path(), rep)) return e;
    }
    if (auto e = RunOnce(cur, args, cleanup.path(), rep)) return e;
  }
  if (!base.binary.empty()) {
    Result<ResultsFile> merged = MergeRepetitions(base.parts);
    if (!merged.ok()) return Failure(merged.status().message());
    *baseline = std::move(*merged);
  }
  Result<ResultsFile> merged = MergeRepetitions(cur.parts);
  if (!merged.ok()) return Failure(merged.status().message());
  *current = std::move(*merged);
  return std::nullopt;
}

// ---- Outputs ---------------------------------------------------------------

std::optional<GateError> WriteOutputs(const GateCliOptions& o,
                                      const GateReport& report,
                                      CliContext& ctx) {
  GateRenderOptions render{o.warn_only};
  // The console text goes to stderr when a report goes to stdout.
  std::ostream& console =
      AnyOutputIsStandardOutput(o.outputs) ? *ctx.err : *ctx.out;
  console << RenderGateConsole(report, render);
  const char* actions = std::getenv("GITHUB_ACTIONS");
  if (actions != nullptr && std::string(actions) == "true") {
    console << RenderGateAnnotations(report, render);
  }
  console.flush();
  const std::pair<const std::string*, std::string> files[] = {
      {&o.json, JsonText(GateReportToJson(report, render), 2) + "\n"},
      {&o.junit, RenderGateJUnit(report, render)},
      {&o.markdown, RenderGateMarkdown(report, render, 0)},
  };
  for (const auto& [path, text] : files) {
    if (path->empty()) continue;
    if (Status s = WriteFileAtomically(*path, text, FileAccess::kShared);
        !s.ok()) {
      return Failure("cannot write " + *path + ": " + s.message());
    }
  }
  if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY");
      summary != nullptr && *summary != '\0') {
    struct stat st {};
    const size_t used = stat(summary, &st) == 0 ? st.st_size : 0;
    const size_t room = used + kStepSummaryMargin < kStepSummaryLimit
                            ? kStepSummaryLimit - used - kStepSummaryMargin
                            : 0;
    std::ofstream f(summary, std::ios::app);
    if (room > 1024) f << RenderGateMarkdown(report, render, room) << "\n";
    if (!f) {
      *ctx.err << "statebench gate: warning: could not append to "
                  "$GITHUB_STEP_SUMMARY ("
               << summary << ")\n";
    }
  }
  return std::nullopt;
}

bool AnyFailed(const ResultsFile& results) {
  for (const RunResult& r : results.runs) {
    // An unsupported row is a finding about the backend, not a failure.
    if (r.status == RunStatus::kFailed) return true;
  }
  return false;
}

// Without a baseline to compare with, saving is the whole job and failed
// runs make it fail. After a comparison the baseline only moves when the
// gate passed, so a regression keeps failing until it is fixed or accepted
// (--warn-only, or a run without --baseline).
std::optional<GateError> SaveBaseline(const GateCliOptions& o,
                                      const ResultsFile& current, bool compared,
                                      int exit_code, CliContext& ctx) {
  if (!compared && AnyFailed(current)) {
    return Failure("not saving " + o.save_baseline +
                   ": the current results contain failed runs");
  }
  if (exit_code != kExitOk) {
    *ctx.err << "statebench gate: the gate did not pass; " << o.save_baseline
             << " was left unchanged\n";
    return std::nullopt;
  }
  if (Status s = SaveResultsFile(current, o.save_baseline); !s.ok()) {
    return Failure("cannot write " + o.save_baseline + ": " + s.message());
  }
  *ctx.err << "statebench gate: baseline written to " << o.save_baseline
           << "\n";
  return std::nullopt;
}

std::optional<GateError> CheckModes(const GateCliOptions& o) {
  if (o.run) {
    if (o.command.empty()) {
      return Usage(
          "--run needs the run arguments after '--', e.g. statebench gate "
          "--run --baseline base.json -- run --backend rocksdb");
    }
    if (!o.current.empty())
      return Usage("--run and --current exclude each other");
    if (!o.baseline_bin.empty() && !o.baseline.empty()) {
      return Usage("give --baseline-bin or --baseline, not both");
    }
    if (o.baseline_bin.empty() && o.baseline.empty() &&
        o.save_baseline.empty()) {
      return Usage("--run needs --baseline-bin, --baseline or --save-baseline");
    }
    return std::nullopt;
  }
  if (!o.command.empty()) {
    return Usage("unexpected arguments '" + o.command.front() +
                 "...' (run arguments after '--' need --run)");
  }
  if (!o.baseline_bin.empty() || !o.current_bin.empty()) {
    return Usage("--baseline-bin and --current-bin need --run");
  }
  if (o.current.empty()) return Usage("--current (or --run) is required");
  if (o.baseline.empty() && o.save_baseline.empty()) {
    return Usage("--baseline is required (or --save-baseline)");
  }
  return std::nullopt;
}

std::optional<GateError> Gate(const GateCliOptions& o, CliContext& ctx,
                              int* exit_code) {
  if (auto e = CheckModes(o)) return e;
  // An output that cannot be written is a bad flag: say so before measuring
  // for minutes.
  if (Status s = CheckOutputPaths(o.outputs); !s.ok()) {
    return Usage(s.message());
  }
  GateOptions options;
  options.alpha = o.alpha;
  options.allow_context_mismatch = o.allow_context_mismatch;
  options.method = o.method == "exact"        ? UTestMethod::kExact
                   : o.method == "asymptotic" ? UTestMethod::kAsymptotic
                                              : UTestMethod::kAuto;
  for (const std::string& spec : o.thresholds) {
    Result<ThresholdRule> rule = ParseThresholdRule(spec);
    if (!rule.ok()) return Usage(rule.status().message());
    options.thresholds.push_back(*rule);
  }
  std::optional<ResultsFile> baseline;
  ResultsFile current;
  if (!o.baseline.empty()) {
    Result<ResultsFile> b = LoadResultsFile(o.baseline);
    if (!b.ok()) return Usage(b.status().message());
    baseline = std::move(*b);
  }
  if (o.run) {
    if (auto e = RunInterleaved(o, ctx, &baseline, &current)) return e;
  } else {
    Result<ResultsFile> c = LoadResultsFile(o.current);
    if (!c.ok()) return Usage(c.status().message());
    current = std::move(*c);
  }
  *exit_code = kExitOk;
  if (baseline) {
    Result<GateReport> report = CompareResults(*baseline, current, options);
    if (!report.ok()) return Usage(report.status().message());
    if (auto e = WriteOutputs(o, *report, ctx)) return e;
    *exit_code = report->ExitCode(o.warn_only);
    for (const std::string& f : report->failures) {
      *ctx.err << "statebench gate: measurement failure: " << f << "\n";
    }
  }
  if (!o.save_baseline.empty()) {
    if (auto e =
            SaveBaseline(o, current, baseline.has_value(), *exit_code, ctx)) {
      return e;
    }
  }
  return std::nullopt;
}

int RunGate(const GateCliOptions& o, CliContext& ctx) {
  // With --run, Ctrl-C reaches the measuring children too; the gate waits
  // for them to clean up and then ends as interrupted, judging nothing.
  InterruptScope interruptible;
  int exit_code = kExitOk;
  std::optional<GateError> e = Gate(o, ctx, &exit_code);
  if (InterruptRequested()) return kExitInterrupted;
  if (e) {
    *ctx.err << "statebench gate: " << e->message << "\n";
    return e->exit_code;
  }
  return exit_code;
}

}  // namespace

void SetupGateCommand(CLI::App& app, CliContext* ctx) {
  auto o = std::make_shared<GateCliOptions>();
  CLI::App* gate = app.add_subcommand(
      "gate",
      "Fail CI on performance regressions: compare results with a "
      "Mann-Whitney U test and per-metric thresholds. Exit codes: 0 pass, "
      "1 regression, 2 usage or input error, 3 measurement failure");
  gate->add_option("--baseline", o->baseline, "Baseline results file")
      ->check(RegularInputFile());
  gate->add_option("--current", o->current, "Current results file")
      ->check(RegularInputFile());
  gate->add_option("--threshold", o->thresholds,
                   "METRIC=[+|-]X% or METRIC=off (repeatable). METRIC: a "
                   "name, a glob, or throughput, p50/p99/..., wa, checkpoint, "
                   "restore. Defaults: throughput=-5% p99=+10% wa=+10% "
                   "checkpoint=+15% restore=+15%");
  gate->add_option("--alpha", o->alpha, "Significance level")
      ->check(CLI::Range(0.0001, 0.5))
      ->capture_default_str();
  gate->add_option("--method", o->method,
                   "U test: auto (exact for small samples without ties), "
                   "exact, asymptotic")
      ->check(CLI::IsMember({"auto", "exact", "asymptotic"}))
      ->capture_default_str();
  gate->add_flag("--warn-only", o->warn_only,
                 "Report regressions but exit 0 for them");
  gate->add_option("--junit", o->junit, "Write JUnit XML here");
  gate->add_option("--json", o->json, "Write the gate report as JSON here");
  gate->add_option("--markdown", o->markdown, "Write a Markdown summary here");
  gate->add_flag("--allow-context-mismatch", o->allow_context_mismatch,
                 "Compare even when workload, parallelism, build type or CPU "
                 "count differ (warns)");
  gate->add_option("--save-baseline", o->save_baseline,
                   "Write the current results here as the next baseline (only "
                   "when the gate passes)");
  gate->add_flag("--run", o->run,
                 "Measure now: run the arguments after '--' with this binary "
                 "(and --baseline-bin), one repetition at a time");
  gate->add_option("--baseline-bin", o->baseline_bin,
                   "--run: an older statebench to measure the baseline with, "
                   "interleaved with the current binary");
  gate->add_option("--current-bin", o->current_bin,
                   "--run: the binary to measure as current (default: this "
                   "one)");
  gate->add_option("-r,--repetitions", o->repetitions,
                   "--run: repetitions per side")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  gate->add_option("command", o->command,
                   "--run: the run arguments, after '--'");
  gate->callback([o, ctx, gate] {
    o->repetitions_given = gate->count("--repetitions") > 0;
    o->outputs.clear();
    AddOutputIfGiven(gate, "--junit", o->junit, &o->outputs);
    AddOutputIfGiven(gate, "--json", o->json, &o->outputs);
    AddOutputIfGiven(gate, "--markdown", o->markdown, &o->outputs);
    AddOutputIfGiven(gate, "--save-baseline", o->save_baseline, &o->outputs);
    ctx->action = [o, ctx] { return RunGate(*o, *ctx); };
  });
}

}  // namespace statebench
