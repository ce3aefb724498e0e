// TimedBackend: the latency-recording decorator around any StateBackend.
//
// Backends hold no clocks; this wrapper times every Nth state op (sampling,
// DESIGN.md section 5: reading the clock around every heap lookup would
// serialize lookups the CPU otherwise overlaps and change the throughput
// being measured) into one histogram per op kind. It counts every op.
//
// Open loop: before each op the harness calls SetIntendedStart(t); a sampled
// op then also records (end - intended start) into the corrected histogram,
// which is what corrects coordinated omission.
//
// Not thread-safe: one subtask thread uses it. Checkpoint calls pass through
// untimed (the harness times phases itself).
#ifndef STATEBENCH_BENCH_HARNESS_TIMED_BACKEND_H_
#define STATEBENCH_BENCH_HARNESS_TIMED_BACKEND_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>

#include "backends/state_backend.h"
#include "bench/harness/histogram.h"
#include "workloads/op.h"

namespace statebench {

inline uint64_t NowNs() {
  return static_cast<uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count());
}

class TimedBackend : public StateBackend {
 public:
  // `sample_every` >= 1: time one op in every `sample_every` (per op kind
  // independent of kind; the countdown is shared).
  TimedBackend(std::unique_ptr<StateBackend> inner, uint32_t sample_every);

  StateBackend& inner() { return *inner_; }
  std::unique_ptr<StateBackend> ReleaseInner() { return std::move(inner_); }

  void SetIntendedStart(uint64_t ns) { intended_start_ns_ = ns; }
  void set_recording(bool on) { recording_ = on; }

  struct Stats {
    std::array<uint64_t, kOpTypeCount> count{};
    std::array<std::unique_ptr<LatencyHistogram>, kOpTypeCount> latency;
    std::array<std::unique_ptr<LatencyHistogram>, kOpTypeCount> corrected;
  };
  const Stats& stats() const { return stats_; }
  void ResetStats();

  Result<StateId> RegisterState(const StateDescriptor& desc) override {
    return inner_->RegisterState(desc);
  }
  Status ValueGet(const StateKey& k, std::string* v, bool* found) override {
    return Timed(OpType::kValueGet,
                 [&] { return inner_->ValueGet(k, v, found); });
  }
  Status ValuePut(const StateKey& k, std::string_view v) override {
    return Timed(OpType::kValuePut, [&] { return inner_->ValuePut(k, v); });
  }
  Status ValueRemove(const StateKey& k) override {
    return Timed(OpType::kValueRemove, [&] { return inner_->ValueRemove(k); });
  }
  Status ListAppend(const StateKey& k, std::string_view v) override {
    return Timed(OpType::kListAppend, [&] { return inner_->ListAppend(k, v); });
  }
  Status ListGet(const StateKey& k, std::vector<std::string>* v) override {
    return Timed(OpType::kListGet, [&] { return inner_->ListGet(k, v); });
  }
  Status ListClear(const StateKey& k) override {
    return Timed(OpType::kListClear, [&] { return inner_->ListClear(k); });
  }
  Status MapPut(const StateKey& k, std::string_view uk,
                std::string_view v) override {
    return Timed(OpType::kMapPut, [&] { return inner_->MapPut(k, uk, v); });
  }
  Status MapGet(const StateKey& k, std::string_view uk, std::string* v,
                bool* found) override {
    return Timed(OpType::kMapGet,
                 [&] { return inner_->MapGet(k, uk, v, found); });
  }
  Status MapRemove(const StateKey& k, std::string_view uk) override {
    return Timed(OpType::kMapRemove, [&] { return inner_->MapRemove(k, uk); });
  }
  Status MapScan(const StateKey& k, std::string_view from, std::string_view to,
                 size_t limit,
                 std::vector<std::pair<std::string, std::string>>* e) override {
    return Timed(OpType::kMapScan,
                 [&] { return inner_->MapScan(k, from, to, limit, e); });
  }
  Result<std::unique_ptr<AsyncSnapshot>> SnapshotSync(int64_t id) override {
    return inner_->SnapshotSync(id);
  }
  Status NotifyCheckpointComplete(int64_t id) override {
    return inner_->NotifyCheckpointComplete(id);
  }
  Status NotifyCheckpointAborted(int64_t id) override {
    return inner_->NotifyCheckpointAborted(id);
  }
  Status Restore(const std::vector<CheckpointHandle>& handles,
                 KeyGroupRange range) override {
    return inner_->Restore(handles, range);
  }
  Capabilities GetCapabilities() const override {
    return inner_->GetCapabilities();
  }
  IoStats GetIoStats() override { return inner_->GetIoStats(); }
  std::string_view Name() const override { return inner_->Name(); }
  Status Close() override { return inner_->Close(); }

 private:
  // Inline into each op method: one call less per op.
  template <typename F>
  [[gnu::always_inline]] Status Timed(OpType type, F&& call) {
    int t = static_cast<int>(type);
    ++stats_.count[t];
    if (!recording_ || --countdown_ != 0) return call();
    countdown_ = sample_every_;
    uint64_t start = NowNs();
    Status s = call();
    uint64_t end = NowNs();
    RecordSample(t, start, end);
    return s;
  }
  void RecordSample(int type, uint64_t start, uint64_t end);

  std::unique_ptr<StateBackend> inner_;
  uint32_t sample_every_;
  uint32_t countdown_;
  bool recording_ = true;
  uint64_t intended_start_ns_ = 0;
  Stats stats_;
};

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_TIMED_BACKEND_H_
