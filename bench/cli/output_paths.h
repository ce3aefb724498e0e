// The output paths a command was given, checked together before any work
// starts, so that a typo in a path costs a second, not a measurement.
#ifndef STATEBENCH_BENCH_CLI_OUTPUT_PATHS_H_
#define STATEBENCH_BENCH_CLI_OUTPUT_PATHS_H_

#include <string>
#include <vector>

#include "base/status.h"

namespace CLI {
class App;
class Validator;
}  // namespace CLI

namespace statebench {

struct OutputPath {
  std::string flag;  // as the help shows it: "--output", "--export-md"
  std::string path;
  bool directory = false;  // a directory of files (hgrm)
};

// Appends {flag, value} to `outputs` when `flag` was given to `sub` on the
// command line, even as '' (which CheckOutputPaths then refuses).
void AddOutputIfGiven(CLI::App* sub, const std::string& flag,
                      const std::string& value,
                      std::vector<OutputPath>* outputs);

// For input flags (--trace, --workload-file, --profile, results files):
// refuses, at parse time, an existing path that is not a regular file
// after symlinks (a FIFO, a device, a socket), naming the flag: statebench
// reads an input to its end, which a pipe nobody writes to never reaches.
// An absent path passes, for the loader to report.
const CLI::Validator& RegularInputFile();

// Ok when every output can be written (base/output_file.h:
// CheckOutputFile, CheckOutputDirectory). Otherwise InvalidArgument
// "FLAG 'PATH': reason" for the first that cannot, or naming both flags
// when two outputs go to standard output. Creates nothing.
Status CheckOutputPaths(const std::vector<OutputPath>& outputs);

// True when one of `outputs` is standard output ("-", /dev/stdout or the
// file stdout is redirected to): the console output then goes to stderr.
bool AnyOutputIsStandardOutput(const std::vector<OutputPath>& outputs);

// "standard output" for "-", else the path.
std::string DescribeOutput(const std::string& path);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_CLI_OUTPUT_PATHS_H_
