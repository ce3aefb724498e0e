// The run context that travels with every result: host, CPU, build, library
// versions, git sha, the (redacted) command line.
#ifndef STATEBENCH_BENCH_HARNESS_CONTEXT_H_
#define STATEBENCH_BENCH_HARNESS_CONTEXT_H_

#include <string>
#include <vector>

#include "reports/results/results.h"

namespace statebench {

Context CollectContext(const std::string& command, int argc,
                       const char* const* argv);

// Removes credentials from one command-line word or URI:
// "redis://u:secret@h" -> "redis://u:***@h"; "--password=x" ->
// "--password=***".
std::string RedactArgument(const std::string& arg);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_CONTEXT_H_
