#include "bench/cli/calibration.h"

#include <ostream>

#include "bench/harness/context.h"
#include "bench/harness/harness.h"

namespace statebench {

Result<ResultsFile> RunCalibration(CliContext& ctx) {
  RunConfig base;
  base.workload.key_count = 50000;
  base.warmup_s = 0.3;
  base.measure_s = 1.0;
  base.repetitions = 3;
  base.checkpoint.interval_ms = 500;
  ResultsFile results;
  results.context = CollectContext("advise-calibration", ctx.argc, ctx.argv);
  results.config = RunConfigToJson(base);
  for (const BackendInfo& info : BackendRegistry::Default().List()) {
    if (!info.embedded) continue;
    RunConfig rc = base;
    rc.backend = info.name;
    if (ctx.stderr_is_tty) {
      *ctx.err << "statebench: calibrating " << info.name << "\n";
    }
    results.runs.push_back(RunBenchmark(rc, BackendRegistry::Default()));
  }
  return results;
}

}  // namespace statebench
