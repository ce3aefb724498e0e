// The short measurement `statebench advise` runs when it is given no
// results file: every embedded backend on a small value-state workload.
#ifndef STATEBENCH_BENCH_CLI_CALIBRATION_H_
#define STATEBENCH_BENCH_CLI_CALIBRATION_H_

#include "bench/cli/commands.h"
#include "reports/results/results.h"

namespace statebench {

// About 15 s on a 2-core machine. Progress on stderr when it is a TTY.
Result<ResultsFile> RunCalibration(CliContext& ctx);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_CLI_CALIBRATION_H_
