// Subcommand registration for the statebench CLI.
//
// Each subcommand lives in its own bench/cmd_<name>.cc with one options
// struct, a SetupX(CLI::App&, CliContext*) that declares its flags, and a
// RunX(const XOptions&, CliContext&) that does the work and returns an exit
// code. Setup only records which action to run; RunCli runs it after parsing
// succeeded, so a bad flag never starts any work.
#ifndef STATEBENCH_BENCH_CLI_COMMANDS_H_
#define STATEBENCH_BENCH_CLI_COMMANDS_H_

#include <functional>
#include <iosfwd>

namespace CLI {
class App;
}

namespace statebench {

// Exit codes (DESIGN.md section 9).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRegression = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailure = 3;
// Interrupted by SIGINT (Ctrl-C) or SIGTERM (bench/harness/interrupt.h): RunCli
// returns it, and main() then ends the process by the signal itself.
inline constexpr int kExitInterrupted = 130;

struct CliContext {
  std::ostream* out = nullptr;  // console output (tables, reports)
  std::ostream* err = nullptr;  // messages and progress
  bool stderr_is_tty = false;   // progress only on a TTY
  // Full argv as given, for the results context (redact before storing).
  int argc = 0;
  const char* const* argv = nullptr;
  // Set by the chosen subcommand's callback; run after parsing.
  std::function<int()> action;
};

void SetupBackendsCommand(CLI::App& app, CliContext* ctx);
void SetupRunCommands(CLI::App& app, CliContext* ctx);  // run, compare
void SetupReportCommand(CLI::App& app, CliContext* ctx);
void SetupAdviseCommand(CLI::App& app, CliContext* ctx);
void SetupGateCommand(CLI::App& app, CliContext* ctx);
void SetupVerifyCommand(CLI::App& app, CliContext* ctx);
void SetupSweepCommand(CLI::App& app, CliContext* ctx);

// `compare --sweep SIZES`: the sweep of `run`'s backends at those job state
// sizes (as `sweep --state-sizes`).
struct RunOptions;
int RunCompareSweep(const RunOptions& run,
                    const std::vector<std::string>& sizes, CliContext& ctx);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_CLI_COMMANDS_H_
