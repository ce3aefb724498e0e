// The harness: the one place where workloads and backends meet.
//
// RunBenchmark drives one backend through one workload as a keyed operator
// with P subtasks and produces a plain RunResult record
// (reports/results/results.h). Per repetition:
//   load     each subtask populates its key groups (not timed per op)
//   warmup   the run-phase op stream, excluded from every figure
//   measure  the same stream continued, with periodic barrier checkpoints
//   restore  a final checkpoint restored into fresh instances, timed
// A failure becomes status "failed" with the phase and reason; everything
// measured before it is kept, in a repetition marked failed that stays out
// of the summary. A measured phase that ran no op is a failure. A backend
// that cannot hold the requested state (a checkpoint cap below the loaded
// state: judged before the load from the workload's size, after it from
// the bytes loaded, or from a checkpoint refused with ResourceExhausted)
// makes the run "unsupported" instead.
// Throughput is ops over the wall time in which they ran: a phase cut
// short by the end of the input is divided by its own length.
//
// Nothing prints inside a timed region; progress goes through `progress`
// (the CLI shows it on a TTY only).
#ifndef STATEBENCH_BENCH_HARNESS_HARNESS_H_
#define STATEBENCH_BENCH_HARNESS_HARNESS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "reports/results/results.h"
#include "workloads/workload.h"

namespace statebench {

// Flink's checkpoint cadence settings.
struct CheckpointSettings {
  uint32_t interval_ms = 1000;  // 0 disables periodic checkpoints
  uint32_t min_pause_ms = 0;    // between one's end and the next's trigger
  uint32_t timeout_ms = 60000;  // a slower checkpoint is recorded timed_out
  CheckpointType type = CheckpointType::kFull;
};

// A checkpoint every subtask completed: one handle per subtask, and the
// barrier: the checkpoint holds exactly the events with index < barrier_event.
struct CompletedCheckpoint {
  int64_t id = 0;
  uint64_t barrier_event = 0;
  std::vector<CheckpointHandle> handles;
};

// What the run phase of one repetition executed: subtask i applied the
// first run_ops[i] ops of its share of the workload's run-phase stream
// (keys of its key groups, max_parallelism key groups over run_ops.size()
// subtasks), none of an event at or past end_event.
struct ExecutedStream {
  int max_parallelism = 0;
  std::vector<uint64_t> run_ops;
  uint64_t end_event = 0;
};

struct RunConfig {
  std::string backend;
  std::map<std::string, std::string> backend_options;
  WorkloadSpec workload;
  int parallelism = 1;
  int max_parallelism = 0;  // 0: Flink's default for `parallelism`
  CheckpointSettings checkpoint;
  double warmup_s = 1.0;
  double measure_s = 5.0;       // measured phase length, unless ...
  uint64_t measure_events = 0;  // ... this is set (then by event count)
  // A bounded input (run_events, a trace) that runs out ends the warmup
  // and the measured phase early, as a bounded Flink job finishes. Crash
  // verification turns this off: its job must still be running, taking
  // checkpoints, when it is killed.
  bool end_at_end_of_input = true;
  int repetitions = 1;
  // Time one op in N. 0 = auto: 100 for heap (memory-bound) backends, whose
  // ops cost tens of ns, 1 for the others.
  uint32_t latency_sample_every = 0;
  double rate = 0;  // open loop: events/s over all subtasks; 0 = closed loop
  // How far (in events of the whole stream) a subtask may run ahead of the
  // slowest one, as in-flight network buffers bound it in a Flink job; it
  // bounds the checkpoint start delay. 0 = unbounded.
  uint64_t max_lead_events = 4096;
  bool measure_restore = true;
  // After measuring: restore the run's last completed checkpoint at this
  // parallelism (key groups redistributed), timed and verified against the
  // oracle. 0 = no rescale.
  int rescale_to = 0;
  // Parent of the per-run temporary directory (mkdtemp); "" = $TMPDIR.
  std::string work_root;
  // Called on the coordinator thread after each completed periodic
  // checkpoint (before the subtasks are notified). Used by crash
  // verification and tests; must be quick.
  std::function<void(const CompletedCheckpoint&)> on_checkpoint;
  // Called about every 10 ms of the measured phase with the highest event
  // index any subtask has reached (crash verification's replay bound).
  std::function<void(uint64_t)> on_position;
  // Polled by the coordinator about every millisecond of the measured
  // phase; true ends the phase early (server-crash tests end the run once
  // the server is dead).
  std::function<bool()> should_stop;
  // Checkpoint directory to use and keep ("" = a temporary one, removed).
  std::string checkpoint_dir;
  // Called after the measured phase of the first repetition (trace
  // recording of what the run executed).
  std::function<void(const ExecutedStream&)> on_stream_executed;
};

// The effective configuration as JSON (for the results' "config").
nlohmann::json RunConfigToJson(const RunConfig& config);

using ProgressFn = std::function<void(const std::string&)>;

RunResult RunBenchmark(const RunConfig& config, const BackendRegistry& registry,
                       const ProgressFn& progress);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_HARNESS_H_
