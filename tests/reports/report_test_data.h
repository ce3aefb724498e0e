// A deterministic ResultsFile for the report tests: two backends
// ("memory" full checkpoints, "rocksdb" incremental with a rescale), two op
// kinds, three repetitions each, checkpoints (one failed), verification
// verdicts, a recommendation, and one failed run whose backend, workload
// and reason are XSS payloads. Built from integers only, so the golden
// files do not depend on floating-point library details.
#ifndef STATEBENCH_TESTS_REPORTS_REPORT_TEST_DATA_H_
#define STATEBENCH_TESTS_REPORTS_REPORT_TEST_DATA_H_

#include <string>

#include "reports/results/results.h"

namespace statebench::testing {

inline constexpr char kHostileBackend[] = "<script>alert(1)</script>\"&'";
inline constexpr char kHostileWorkload[] = "<img src=x onerror=alert(2)>";

ResultsFile SampleResults();

// Payloads for a run that succeeded: its backend name, workload name,
// backend options, op kinds, verification verdict and the configuration
// carry them into every table, chart legend and SVG <title>.
inline constexpr char kHostileOkBackend[] =
    "\"><img src=x onerror=alert(1)></svg>&'|";
inline constexpr char kHostileOkWorkload[] = "<script>alert(1)</script>|w";
inline constexpr char kHostileOp[] = "</svg><script>alert(1)</script>";
inline constexpr char kHostileOption[] = "\"><img src=x onerror=alert(1)>";

// SampleResults() plus an ok run named with the payloads above (two op
// kinds: kHostileOp and value_put), a verdict, a verification field name
// and configuration values that carry them too.
ResultsFile HostileResults();

// SampleResults() with NaN and Infinity planted in every place a double
// can hold one (summaries, metrics, checkpoints, restores, verification,
// recommendation, config).
ResultsFile NonFiniteResults();

}  // namespace statebench::testing

#endif  // STATEBENCH_TESTS_REPORTS_REPORT_TEST_DATA_H_
