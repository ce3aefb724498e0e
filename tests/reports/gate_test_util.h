// Builders of results records for the gate tests.
#ifndef STATEBENCH_TESTS_REPORTS_GATE_TEST_UTIL_H_
#define STATEBENCH_TESTS_REPORTS_GATE_TEST_UTIL_H_

#include <map>
#include <random>
#include <string>
#include <vector>

#include "reports/results/results.h"

namespace statebench::testing {

// A run whose repetition i has metrics[name][i] for every name.
inline RunResult MakeRun(
    const std::string& backend, const std::string& workload,
    const std::map<std::string, std::vector<double>>& metrics) {
  RunResult run;
  run.backend = backend;
  run.workload = workload;
  size_t reps = 0;
  for (const auto& [name, values] : metrics)
    reps = std::max(reps, values.size());
  for (size_t i = 0; i < reps; ++i) {
    Repetition rep;
    rep.index = static_cast<int>(i);
    for (const auto& [name, values] : metrics) {
      if (i < values.size()) rep.metrics[name] = values[i];
    }
    run.repetitions.push_back(rep);
  }
  SummarizeRepetitions(&run);
  return run;
}

inline ResultsFile MakeFile(std::vector<RunResult> runs,
                            const std::string& workload = "value-rw") {
  ResultsFile f;
  f.context.build_type = "Release";
  f.context.cpu_count = 8;
  f.context.statebench_version = "0.1.0";
  f.config = {{"workload",
               {{"name", workload}, {"key_count", 1000}, {"value_size", 100}}},
              {"parallelism", 2},
              {"repetitions", 9}};
  f.runs = std::move(runs);
  return f;
}

// n values of mean * (1 + N(0, cv)): run-to-run noise of a benchmark.
inline std::vector<double> Noisy(std::mt19937_64& rng, double mean, double cv,
                                 int n) {
  std::normal_distribution<double> noise(0.0, cv);
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(mean * (1.0 + noise(rng)));
  return v;
}

}  // namespace statebench::testing

#endif  // STATEBENCH_TESTS_REPORTS_GATE_TEST_UTIL_H_
