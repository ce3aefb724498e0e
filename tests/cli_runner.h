// Runs the statebench command line in-process, as a user would type it,
// and captures what it prints.
#ifndef STATEBENCH_TESTS_CLI_RUNNER_H_
#define STATEBENCH_TESTS_CLI_RUNNER_H_

#include <sstream>
#include <string>
#include <vector>

#include "bench/cli.h"

namespace statebench::testing {

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

// `args` without the program name: Cli({"run", "--backend", "memory"}).
inline CliRun Cli(std::vector<std::string> args) {
  args.insert(args.begin(), "statebench");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  CliRun r;
  r.code = RunCli(static_cast<int>(argv.size()), argv.data(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

}  // namespace statebench::testing

#endif  // STATEBENCH_TESTS_CLI_RUNNER_H_
