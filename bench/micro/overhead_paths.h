// The two ways the overhead benchmark runs one op sequence: directly
// against a storage library's API, and through statebench's harness path.
// Internal to bench/overhead_benchmark.
//
// The sequence is the value-rw workload's own stream (16-byte keys, 100-byte
// values, uniform over the loaded keys, all gets or all puts), captured once
// into flat buffers so that both paths replay exactly the same ops, in the
// same order, over the same preloaded keys.
//
// Each runner replays the sequence in chunks and owns its own store and
// cursor; chunks continue where the previous one stopped. Runners are not
// thread-safe.
#ifndef STATEBENCH_BENCH_MICRO_OVERHEAD_PATHS_H_
#define STATEBENCH_BENCH_MICRO_OVERHEAD_PATHS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "bench/harness/subtask.h"
#include "workloads/workload.h"

namespace statebench {

// The value-rw op stream captured for replay.
class OpSequence {
 public:
  // Captures the first `length` (a power of two) run-phase ops of `spec`,
  // which must be value-rw with read_fraction 0 or 1.
  static Result<std::unique_ptr<OpSequence>> Capture(const WorkloadSpec& spec,
                                                     size_t length);

  const WorkloadSpec& spec() const { return spec_; }
  // The workload the sequence came from (for the load phase).
  const Workload& workload() const { return *workload_; }
  bool puts() const { return puts_; }
  size_t size() const { return size_; }
  // Op i (taken modulo size()).
  std::string_view Key(uint64_t i) const {
    return {keys_.data() + (i & mask_) * key_size_, key_size_};
  }
  std::string_view Value(uint64_t i) const {
    return {values_.data() + (i & mask_) * value_size_, value_size_};
  }

 private:
  WorkloadSpec spec_;
  std::unique_ptr<Workload> workload_;
  bool puts_ = false;
  size_t size_ = 0;
  uint64_t mask_ = 0;
  size_t key_size_ = 0;
  size_t value_size_ = 0;
  std::string keys_;    // size_ * key_size_
  std::string values_;  // size_ * value_size_, puts only
};

// Replays an OpSequence in chunks against one store. Server paths commit
// at the end of every chunk (statebench: a checkpoint), so a chunk is the
// commit interval.
class ChunkRunner {
 public:
  virtual ~ChunkRunner() = default;
  // Runs the next `count` ops of the sequence; returns their wall time in
  // ns, including whatever the path needs to make them durable/visible
  // (a server commit), excluding set-up.
  virtual Result<uint64_t> RunChunk(uint64_t count) = 0;
  // One line describing the path, e.g. "rocksdb::DB::Get, 64MiB cache ...".
  virtual std::string Describe() const = 0;
};

// Where the server backends live (from STATEBENCH_TEST_*_URI and
// _PASSWORD_FILE); empty uri = not available.
struct ServerTarget {
  std::string uri;
  std::string password_file;
};
ServerTarget ServerTargetFromEnv(const std::string& backend);

// Options of one overhead comparison.
struct PathOptions {
  std::string backend;  // memory | rocksdb | redis | postgres
  // Registry backend options (rocksdb options apply to the direct DB too;
  // redis/postgres get uri and password_file).
  std::map<std::string, std::string> backend_options;
  // Latency sampling of the harness path: 0 = the harness default.
  uint32_t sample_every = 0;
  // Harness path only: take ops from the workload's generator (unbounded,
  // never repeating) instead of replaying the captured sequence.
  bool live_stream = false;
  // Minimal direct path of the heap backends only: also compute each op's
  // key group.
  bool direct_key_group = false;
  // The minimal direct loop (one std::unordered_map of plain keys; plain
  // SET/GET; a two-column table) instead of the backend's own layout, key
  // encoding, commands and statements. Prices the backend's design rather
  // than statebench's client-side code.
  bool direct_minimal = false;
};

// The direct path: std::unordered_map (per key group, as the heap backends
// hold state), rocksdb::DB with the rocksdb backend's options, hiredis,
// libpqxx. Preloads the sequence's load phase.
Result<std::unique_ptr<ChunkRunner>> MakeDirectRunner(
    const OpSequence& seq, const PathOptions& options);

// Between the two, to price each layer: the registry backend called
// directly op by op (key group computed per op, StateKey built), optionally
// inside a TimedBackend with the harness's default sampling. Embedded
// backends only.
Result<std::unique_ptr<ChunkRunner>> MakeBackendLoopRunner(
    const OpSequence& seq, const PathOptions& options, bool timed);

// The harness path: a Subtask (the harness's per-subtask loop, P = 1) over
// a TimedBackend around the registry backend, recording on, exactly as the
// measured phase of a run without periodic checkpoints; only the op source
// differs (a replay of the sequence instead of the generator). Preloads
// the load phase through the subtask, as a run does; server backends then
// take a checkpoint so that the loaded state is on the server.
class HarnessRunner : public ChunkRunner {
 public:
  static Result<std::unique_ptr<HarnessRunner>> Make(
      const OpSequence& seq, const PathOptions& options);
  ~HarnessRunner() override;

  Result<uint64_t> RunChunk(uint64_t count) override;
  std::string Describe() const override;
  // The subtask (one, as CollectMeasurements takes them), for its counters
  // and TimedBackend; the directory below which its backend works.
  std::vector<std::unique_ptr<Subtask>>& subtasks() { return subtasks_; }
  const std::string& work_dir() const { return work_dir_; }

 private:
  class ReplayWorkload;
  HarnessRunner() = default;

  std::string backend_;
  bool remote_ = false;
  uint32_t sample_every_ = 1;
  std::string work_dir_;
  std::unique_ptr<RunControl> control_;
  std::unique_ptr<ReplayWorkload> replay_;
  std::vector<std::unique_ptr<Subtask>> subtasks_;
  uint64_t next_event_ = 0;
  int64_t next_checkpoint_ = 1;
};

}  // namespace statebench

#endif  // STATEBENCH_BENCH_MICRO_OVERHEAD_PATHS_H_
