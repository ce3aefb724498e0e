// A test-only backend decorator that makes every state op slower by a fixed
// time: a known service time, so tests of the regression gate can measure
// real runs of a build and of a "slower build" whose only difference is
// the delay. It stands in for no real backend.
//
// The delay is a busy-wait on steady_clock until a deadline, not a sleep:
// nanosleep has a floor of ~50-60 us (timer slack) and a wake-up jitter
// that grows with the machine's load, which would swamp delays of a few
// microseconds. A deadline (rather than a spin count) needs no calibration
// and keeps the delay right when the thread is preempted part-way.
#ifndef STATEBENCH_TESTS_BENCH_DELAYED_BACKEND_H_
#define STATEBENCH_TESTS_BENCH_DELAYED_BACKEND_H_

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench::testing {

// Spins until `delay` has passed since the call.
inline void BusyWait(std::chrono::nanoseconds delay) {
  const auto deadline = std::chrono::steady_clock::now() + delay;
  while (std::chrono::steady_clock::now() < deadline) {
  }
}

// Forwards everything to `inner`; the ten state ops first busy-wait
// `delay`. Snapshots, restores and notifications are not delayed.
class DelayedBackend : public StateBackend {
 public:
  DelayedBackend(std::unique_ptr<StateBackend> inner,
                 std::chrono::nanoseconds delay)
      : inner_(std::move(inner)), delay_(delay) {}

  Result<StateId> RegisterState(const StateDescriptor& d) override {
    return inner_->RegisterState(d);
  }
  Status ValueGet(const StateKey& k, std::string* v, bool* f) override {
    BusyWait(delay_);
    return inner_->ValueGet(k, v, f);
  }
  Status ValuePut(const StateKey& k, std::string_view v) override {
    BusyWait(delay_);
    return inner_->ValuePut(k, v);
  }
  Status ValueRemove(const StateKey& k) override {
    BusyWait(delay_);
    return inner_->ValueRemove(k);
  }
  Status ListAppend(const StateKey& k, std::string_view v) override {
    BusyWait(delay_);
    return inner_->ListAppend(k, v);
  }
  Status ListGet(const StateKey& k, std::vector<std::string>* v) override {
    BusyWait(delay_);
    return inner_->ListGet(k, v);
  }
  Status ListClear(const StateKey& k) override {
    BusyWait(delay_);
    return inner_->ListClear(k);
  }
  Status MapPut(const StateKey& k, std::string_view uk,
                std::string_view v) override {
    BusyWait(delay_);
    return inner_->MapPut(k, uk, v);
  }
  Status MapGet(const StateKey& k, std::string_view uk, std::string* v,
                bool* f) override {
    BusyWait(delay_);
    return inner_->MapGet(k, uk, v, f);
  }
  Status MapRemove(const StateKey& k, std::string_view uk) override {
    BusyWait(delay_);
    return inner_->MapRemove(k, uk);
  }
  Status MapScan(const StateKey& k, std::string_view from, std::string_view to,
                 size_t limit,
                 std::vector<std::pair<std::string, std::string>>* e) override {
    BusyWait(delay_);
    return inner_->MapScan(k, from, to, limit, e);
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
  std::unique_ptr<StateBackend> inner_;
  std::chrono::nanoseconds delay_;
};

// A registry with one backend, `name`: the default registry's `inner`
// behind a DelayedBackend with `delay`. Two registries that differ only in
// the delay give two "builds" whose results the gate can compare (run
// labels match on the name).
inline BackendRegistry DelayedRegistry(std::chrono::nanoseconds delay,
                                       const std::string& name = "delayed",
                                       const std::string& inner = "memory") {
  BackendRegistry r;
  Result<BackendInfo> base = BackendRegistry::Default().Info(inner);
  BackendInfo info = base.ok() ? *base : BackendInfo{};
  info.name = name;
  (void)r.Register(
      info,
      [delay,
       inner](const BackendConfig& c) -> Result<std::unique_ptr<StateBackend>> {
        SB_ASSIGN_OR_RETURN(std::unique_ptr<StateBackend> backend,
                            BackendRegistry::Default().Create(inner, c));
        return std::unique_ptr<StateBackend>(
            new DelayedBackend(std::move(backend), delay));
      });
  return r;
}

}  // namespace statebench::testing

#endif  // STATEBENCH_TESTS_BENCH_DELAYED_BACKEND_H_
