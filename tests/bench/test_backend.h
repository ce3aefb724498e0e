// A deliberately simple std::map backend for testing the HARNESS (routing,
// barriers, latency correction, byte accounting). It stands in for no real
// backend: the backend tests run the real ones.
#ifndef STATEBENCH_TESTS_BENCH_TEST_BACKEND_H_
#define STATEBENCH_TESTS_BENCH_TEST_BACKEND_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench::testing {

// Entry address: (state, key group, key, namespace, user key).
using Address = std::tuple<StateId, int, std::string, std::string, std::string>;
using Contents = std::map<Address, std::string>;

struct MapBackendKnobs {
  // Sleep this long once, at op number `stall_at_op` (1-based; 0 = never).
  uint64_t stall_at_op = 0;
  std::chrono::milliseconds stall{0};
  // Called with the op number (1-based) at the start of every op, on the
  // thread that issues it; lets a test act at an exact point of the stream.
  std::function<void(uint64_t op)> on_op;
  // Report bytes_written = factor x logical bytes of write ops.
  uint64_t write_factor = 2;
  // Key groups seen by each instance, for routing checks.
  std::shared_ptr<std::mutex> mu = std::make_shared<std::mutex>();
  std::shared_ptr<std::map<int, std::set<int>>> seen_key_groups =
      std::make_shared<std::map<int, std::set<int>>>();
  // SnapshotSync calls over all instances; from the `fail_snapshot_from`th
  // on (1-based; 0 = never) they fail with Unavailable.
  std::shared_ptr<std::atomic<int>> snapshot_calls =
      std::make_shared<std::atomic<int>>(0);
  int fail_snapshot_from = 0;
  // Completed snapshots by (checkpoint id, subtask).
  std::shared_ptr<std::map<std::pair<int64_t, int>, Contents>> snapshots =
      std::make_shared<std::map<std::pair<int64_t, int>, Contents>>();
};

class MapBackend : public StateBackend {
 public:
  MapBackend(const BackendConfig& config, MapBackendKnobs knobs)
      : config_(config), knobs_(std::move(knobs)) {}

  Result<StateId> RegisterState(const StateDescriptor& d) override {
    for (size_t i = 0; i < states_.size(); ++i) {
      if (states_[i] == d.name) return static_cast<StateId>(i);
    }
    states_.push_back(d.name);
    return static_cast<StateId>(states_.size() - 1);
  }
  Status ValueGet(const StateKey& k, std::string* v, bool* found) override {
    Tick(k, 0);
    auto it = data_.find(At(k, ""));
    *found = it != data_.end();
    if (*found) *v = it->second;
    return Status::Ok();
  }
  Status ValuePut(const StateKey& k, std::string_view v) override {
    Tick(k, k.key.size() + k.ns.size() + v.size());
    data_[At(k, "")] = std::string(v);
    return Status::Ok();
  }
  Status ValueRemove(const StateKey& k) override {
    Tick(k, k.key.size() + k.ns.size());
    data_.erase(At(k, ""));
    return Status::Ok();
  }
  Status ListAppend(const StateKey& k, std::string_view v) override {
    Tick(k, k.key.size() + k.ns.size() + v.size());
    data_[At(k, "")] += std::string(v);
    return Status::Ok();
  }
  Status ListGet(const StateKey& k, std::vector<std::string>* v) override {
    Tick(k, 0);
    v->clear();
    return Status::Ok();
  }
  Status ListClear(const StateKey& k) override { return ValueRemove(k); }
  Status MapPut(const StateKey& k, std::string_view uk,
                std::string_view v) override {
    Tick(k, k.key.size() + k.ns.size() + uk.size() + v.size());
    data_[At(k, uk)] = std::string(v);
    return Status::Ok();
  }
  Status MapGet(const StateKey& k, std::string_view uk, std::string* v,
                bool* found) override {
    Tick(k, 0);
    auto it = data_.find(At(k, uk));
    *found = it != data_.end();
    if (*found) *v = it->second;
    return Status::Ok();
  }
  Status MapRemove(const StateKey& k, std::string_view uk) override {
    Tick(k, k.key.size() + k.ns.size() + uk.size());
    data_.erase(At(k, uk));
    return Status::Ok();
  }
  Status MapScan(const StateKey& k, std::string_view, std::string_view, size_t,
                 std::vector<std::pair<std::string, std::string>>* e) override {
    Tick(k, 0);
    e->clear();
    return Status::Ok();
  }

  class Snapshot : public AsyncSnapshot {
   public:
    Snapshot(int64_t id, const BackendConfig& c, MapBackendKnobs knobs,
             Contents contents)
        : id_(id),
          config_(c),
          knobs_(std::move(knobs)),
          contents_(std::move(contents)) {}
    Result<CheckpointHandle> Complete() override {
      CheckpointHandle h;
      h.backend = "map";
      h.checkpoint_id = id_;
      h.key_groups = config_.key_groups;
      h.max_parallelism = config_.max_parallelism;
      h.full_size = h.checkpointed_size = contents_.size();
      std::lock_guard<std::mutex> lock(*knobs_.mu);
      (*knobs_.snapshots)[{id_, config_.subtask_index}] = std::move(contents_);
      return h;
    }

   private:
    int64_t id_;
    BackendConfig config_;
    MapBackendKnobs knobs_;
    Contents contents_;
  };

  Result<std::unique_ptr<AsyncSnapshot>> SnapshotSync(int64_t id) override {
    const int call = ++*knobs_.snapshot_calls;
    if (knobs_.fail_snapshot_from != 0 && call >= knobs_.fail_snapshot_from) {
      return Status::Unavailable("map: the store went away");
    }
    return std::unique_ptr<AsyncSnapshot>(
        new Snapshot(id, config_, knobs_, data_));
  }
  Status NotifyCheckpointComplete(int64_t) override { return Status::Ok(); }
  Status NotifyCheckpointAborted(int64_t) override { return Status::Ok(); }
  Status Restore(const std::vector<CheckpointHandle>&, KeyGroupRange) override {
    return Status::Ok();
  }
  Capabilities GetCapabilities() const override { return {}; }
  IoStats GetIoStats() override {
    IoStats s;
    s.bytes_written = logical_written_ * knobs_.write_factor;
    s.write_breakdown["wal"] = s.bytes_written;
    s.storage_size = 0;
    for (const auto& [a, v] : data_) s.storage_size += v.size();
    s.source = "test map backend";
    return s;
  }
  std::string_view Name() const override { return "map"; }
  // Publishes the key groups this instance saw.
  Status Close() override {
    std::lock_guard<std::mutex> lock(*knobs_.mu);
    (*knobs_.seen_key_groups)[config_.subtask_index].insert(seen_.begin(),
                                                            seen_.end());
    return Status::Ok();
  }

 private:
  Address At(const StateKey& k, std::string_view uk) const {
    return {k.state, k.key_group, std::string(k.key), std::string(k.ns),
            std::string(uk)};
  }
  void Tick(const StateKey& k, uint64_t logical) {
    logical_written_ += logical;
    ++ops_;
    if (knobs_.on_op) knobs_.on_op(ops_);
    if (knobs_.stall_at_op != 0 && ops_ == knobs_.stall_at_op) {
      std::this_thread::sleep_for(knobs_.stall);
    }
    seen_.insert(k.key_group);
  }

  BackendConfig config_;
  MapBackendKnobs knobs_;
  std::vector<std::string> states_;
  Contents data_;
  uint64_t logical_written_ = 0;
  uint64_t ops_ = 0;
  std::set<int> seen_;
};

inline BackendRegistry MapRegistry(MapBackendKnobs knobs) {
  BackendRegistry r;
  BackendInfo info;
  info.name = "map";
  (void)r.Register(
      info,
      [knobs](const BackendConfig& c) -> Result<std::unique_ptr<StateBackend>> {
        return std::unique_ptr<StateBackend>(new MapBackend(c, knobs));
      });
  return r;
}

}  // namespace statebench::testing

#endif  // STATEBENCH_TESTS_BENCH_TEST_BACKEND_H_
