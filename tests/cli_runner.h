// Runs the statebench command line in-process, as a user would type it,
// and captures what it prints.
#ifndef STATEBENCH_TESTS_CLI_RUNNER_H_
#define STATEBENCH_TESTS_CLI_RUNNER_H_

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "bench/cli/cli.h"
#include "reports/results/results.h"

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

// Runs `args` with -o into a temporary directory and loads the results;
// the console output goes to *console when given.
inline ResultsFile RunAndLoad(std::vector<std::string> args,
                              std::string* console) {
  Result<std::string> dir = MakeTempDirectory("statebench-cli-results-");
  EXPECT_TRUE(dir.ok());
  if (!dir.ok()) return ResultsFile{};
  const std::string path = *dir + "/results.json";
  args.push_back("-o");
  args.push_back(path);
  CliRun r = Cli(args);
  EXPECT_EQ(r.code, 0) << r.err;
  if (console != nullptr) *console = r.out;
  Result<ResultsFile> results = LoadResultsFile(path);
  EXPECT_TRUE(results.ok()) << results.status().ToString();
  (void)RemoveTree(*dir);
  return results.ok() ? *results : ResultsFile{};
}

}  // namespace statebench::testing

#endif  // STATEBENCH_TESTS_CLI_RUNNER_H_
