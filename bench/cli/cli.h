// The statebench command line, callable in-process (tests use it directly).
#ifndef STATEBENCH_BENCH_CLI_CLI_H_
#define STATEBENCH_BENCH_CLI_CLI_H_

#include <iosfwd>

namespace statebench {

// Parses argv and runs the chosen subcommand. Writes the console output to
// `out` and messages to `err`. Returns the process exit code:
// 0 success, 1 gate regression, 2 usage or input error, 3 backend or
// infrastructure failure.
int RunCli(int argc, const char* const* argv, std::ostream& out,
           std::ostream& err);
int RunCli(int argc, const char* const* argv);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_CLI_CLI_H_
