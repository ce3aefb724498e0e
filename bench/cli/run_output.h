// What run and compare print and export once the runs are done.
#ifndef STATEBENCH_BENCH_CLI_RUN_OUTPUT_H_
#define STATEBENCH_BENCH_CLI_RUN_OUTPUT_H_

#include <map>
#include <ostream>
#include <string>

#include "reports/results/results.h"

namespace statebench {

// The comparison table on stdout.
void PrintRunTable(const ResultsFile& results, std::ostream& out);
// Writes each requested export (format -> path) atomically.
Status WriteExports(const ResultsFile& results,
                    const std::map<std::string, std::string>& exports);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_CLI_RUN_OUTPUT_H_
