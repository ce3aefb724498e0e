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
  // The same options parsed into the backend's typed settings, shared by
  // every instance the run opens (the plan parses them once per command);
  // null: RunBenchmark parses backend_options once for the run. Code that
  // changes backend_options resets this, or the change is not seen.
  std::shared_ptr<const BackendSettings> backend_settings;
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
  // Checkpoint directory to use and keep ("" = a temporary one, removed).
  std::string checkpoint_dir;
};

// The effective configuration as JSON (for the results' "config").
nlohmann::json RunConfigToJson(const RunConfig& config);
// The inverse, for a run handed to another process (a crash-verification
// child): every field RunConfigToJson writes, absent ones at their default.
// InvalidArgument naming the field on a wrong type or value. The run's
// directories (work_root, checkpoint_dir) and end_at_end_of_input are the
// receiver's to set.
Result<RunConfig> RunConfigFromJson(const nlohmann::json& j);

using ProgressFn = std::function<void(const std::string&)>;

// What a run tells the code that drives it while it runs, and the one
// thing it asks of it. The harness calls every method on the thread that
// called RunBenchmark; each must be quick. Each does nothing by default, so
// an observer overrides what it needs.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // A step of the run ("rocksdb: loading ..."), for a progress line.
  virtual void OnProgress(const std::string& /*message*/) {}
  // After each completed periodic checkpoint, before the subtasks are
  // notified (crash verification kills the job relative to these).
  virtual void OnCheckpointCompleted(const CompletedCheckpoint& /*done*/) {}
  // About every 10 ms of the measured phase: the highest event index any
  // subtask has reached (crash verification's replay bound).
  virtual void OnPosition(uint64_t /*event*/) {}
  // Polled about every millisecond of the measured phase; true ends the
  // phase early (a server-crash cycle ends the run once the server is dead).
  virtual bool ShouldStop() { return false; }
  // After the measured phase of the first repetition: what it executed
  // (trace recording).
  virtual void OnStreamExecuted(const ExecutedStream& /*executed*/) {}
};

// A RunObserver that passes the progress messages to `fn`.
class ProgressObserver : public RunObserver {
 public:
  explicit ProgressObserver(ProgressFn fn) : fn_(std::move(fn)) {}
  void OnProgress(const std::string& message) override { fn_(message); }

 private:
  ProgressFn fn_;
};

// Runs `config` (its repetitions, checkpoints, restore and rescale) and
// returns its row. `observer` may be null.
RunResult RunBenchmark(const RunConfig& config, const BackendRegistry& registry,
                       RunObserver* observer = nullptr);
// The same with the workload built already from `config.workload` (a plan
// builds it once for every backend it measures).
RunResult RunBenchmark(const RunConfig& config, const Workload& workload,
                       const BackendRegistry& registry,
                       RunObserver* observer = nullptr);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_HARNESS_H_
