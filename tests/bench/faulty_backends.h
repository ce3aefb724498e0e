// Test-only backends that break exactly-once on purpose, so the crash
// checker is shown to fail when it should. Each wraps the real memory
// backend and misbehaves only in Restore.
#ifndef STATEBENCH_TESTS_BENCH_FAULTY_BACKENDS_H_
#define STATEBENCH_TESTS_BENCH_FAULTY_BACKENDS_H_

#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench::testing {

enum class Fault { kDropKey, kResurrect, kFlipValue, kOlderCheckpoint };

// What all instances of one job saw; shared between the crashed run's
// instances and the fresh ones that restore.
struct FaultJournal {
  struct Write {
    StateId state;
    int key_group;
    std::string key, ns, value;
    int64_t after_checkpoint;  // the last checkpoint synced before it
  };
  std::mutex mu;
  std::vector<Write> writes;
  // Restores whose state the fault changed. A fault needs material: a
  // resurrection needs a write after the barrier, which a subtask that got
  // no CPU between the barrier and the kill does not make.
  int injected = 0;
  std::map<std::pair<int64_t, int>, CheckpointHandle>
      handles;  // (id, kg start)
  // (id, kg start) -> the size of `writes` when that checkpoint was synced.
  // A restore looks only at writes made after it: the journal outlives one
  // job, and an earlier cycle's write is no write of the job restored.
  std::map<std::pair<int64_t, int>, size_t> synced_at;
};

class FaultyBackend : public StateBackend {
 public:
  FaultyBackend(std::unique_ptr<StateBackend> inner, Fault fault,
                std::shared_ptr<FaultJournal> journal, int key_group_start)
      : inner_(std::move(inner)),
        fault_(fault),
        journal_(std::move(journal)),
        key_group_start_(key_group_start) {}

  Result<StateId> RegisterState(const StateDescriptor& d) override {
    return inner_->RegisterState(d);
  }
  Status ValueGet(const StateKey& k, std::string* v, bool* f) override {
    return inner_->ValueGet(k, v, f);
  }
  Status ValuePut(const StateKey& k, std::string_view v) override {
    {
      std::lock_guard<std::mutex> lock(journal_->mu);
      journal_->writes.push_back({k.state, k.key_group, std::string(k.key),
                                  std::string(k.ns), std::string(v),
                                  last_sync_});
    }
    return inner_->ValuePut(k, v);
  }
  Status ValueRemove(const StateKey& k) override {
    return inner_->ValueRemove(k);
  }
  Status ListAppend(const StateKey& k, std::string_view v) override {
    return inner_->ListAppend(k, v);
  }
  Status ListGet(const StateKey& k, std::vector<std::string>* v) override {
    return inner_->ListGet(k, v);
  }
  Status ListClear(const StateKey& k) override { return inner_->ListClear(k); }
  Status MapPut(const StateKey& k, std::string_view uk,
                std::string_view v) override {
    return inner_->MapPut(k, uk, v);
  }
  Status MapGet(const StateKey& k, std::string_view uk, std::string* v,
                bool* f) override {
    return inner_->MapGet(k, uk, v, f);
  }
  Status MapRemove(const StateKey& k, std::string_view uk) override {
    return inner_->MapRemove(k, uk);
  }
  Status MapScan(const StateKey& k, std::string_view a, std::string_view b,
                 size_t n,
                 std::vector<std::pair<std::string, std::string>>* e) override {
    return inner_->MapScan(k, a, b, n, e);
  }

  class Recording : public AsyncSnapshot {
   public:
    Recording(std::unique_ptr<AsyncSnapshot> inner,
              std::shared_ptr<FaultJournal> journal)
        : inner_(std::move(inner)), journal_(std::move(journal)) {}
    Result<CheckpointHandle> Complete() override {
      Result<CheckpointHandle> h = inner_->Complete();
      if (h.ok()) {
        std::lock_guard<std::mutex> lock(journal_->mu);
        journal_->handles[{h->checkpoint_id, h->key_groups.start}] = *h;
      }
      return h;
    }

   private:
    std::unique_ptr<AsyncSnapshot> inner_;
    std::shared_ptr<FaultJournal> journal_;
  };

  Result<std::unique_ptr<AsyncSnapshot>> SnapshotSync(int64_t id) override {
    SB_ASSIGN_OR_RETURN(std::unique_ptr<AsyncSnapshot> snap,
                        inner_->SnapshotSync(id));
    last_sync_ = id;
    {
      std::lock_guard<std::mutex> lock(journal_->mu);
      journal_->synced_at[{id, key_group_start_}] = journal_->writes.size();
    }
    return std::unique_ptr<AsyncSnapshot>(
        new Recording(std::move(snap), journal_));
  }
  Status NotifyCheckpointComplete(int64_t id) override {
    return inner_->NotifyCheckpointComplete(id);
  }
  Status NotifyCheckpointAborted(int64_t id) override {
    return inner_->NotifyCheckpointAborted(id);
  }

  Status Restore(const std::vector<CheckpointHandle>& handles,
                 KeyGroupRange range) override {
    if (handles.empty()) return inner_->Restore(handles, range);
    int64_t id = handles.front().checkpoint_id;
    std::lock_guard<std::mutex> lock(journal_->mu);
    if (fault_ == Fault::kOlderCheckpoint) {
      std::vector<CheckpointHandle> older;
      for (const CheckpointHandle& h : handles) {
        auto it = journal_->handles.find({id - 1, h.key_groups.start});
        older.push_back(it != journal_->handles.end() ? it->second : h);
      }
      ++journal_->injected;
      return inner_->Restore(older, range);
    }
    SB_RETURN_IF_ERROR(inner_->Restore(handles, range));
    // Newest first. A resurrection takes only a write this job made after
    // the handle's sync.
    std::map<int, size_t> since;  // kg start -> first write after the sync
    for (const CheckpointHandle& h : handles) {
      auto m = journal_->synced_at.find({id, h.key_groups.start});
      since[h.key_groups.start] =
          m != journal_->synced_at.end() ? m->second : journal_->writes.size();
    }
    for (size_t i = journal_->writes.size(); i-- > 0;) {
      const FaultJournal::Write& w = journal_->writes[i];
      if (!range.Contains(w.key_group)) continue;
      StateKey k{w.state, w.key_group, w.key, w.ns};
      auto owner = since.upper_bound(w.key_group);
      bool after = w.after_checkpoint >= id && owner != since.begin() &&
                   i >= std::prev(owner)->second;
      std::string current;
      bool found = false;
      SB_RETURN_IF_ERROR(inner_->ValueGet(k, &current, &found));
      if (fault_ == Fault::kResurrect && after && current != w.value) {
        ++journal_->injected;
        return inner_->ValuePut(k, w.value);
      }
      if (fault_ == Fault::kDropKey && !after && found) {
        ++journal_->injected;
        return inner_->ValueRemove(k);
      }
      if (fault_ == Fault::kFlipValue && !after && found && !current.empty()) {
        ++journal_->injected;
        current[0] = static_cast<char>(current[0] ^ 0x01);
        return inner_->ValuePut(k, current);
      }
    }
    return Status::Ok();
  }

  Capabilities GetCapabilities() const override {
    return inner_->GetCapabilities();
  }
  IoStats GetIoStats() override { return inner_->GetIoStats(); }
  std::string_view Name() const override { return inner_->Name(); }
  Status Close() override { return inner_->Close(); }

 private:
  std::unique_ptr<StateBackend> inner_;
  Fault fault_;
  std::shared_ptr<FaultJournal> journal_;
  int key_group_start_ = 0;
  int64_t last_sync_ = 0;
};

// A registry with "memory" (unchanged) and "faulty" with the given fault.
inline BackendRegistry FaultyRegistry(Fault fault,
                                      std::shared_ptr<FaultJournal> journal) {
  BackendRegistry r;
  Result<BackendInfo> memory = BackendRegistry::Default().Info("memory");
  BackendInfo info = memory.ok() ? *memory : BackendInfo{};
  info.name = "faulty";
  (void)r.Register(
      info,
      [fault, journal](
          const BackendConfig& c) -> Result<std::unique_ptr<StateBackend>> {
        SB_ASSIGN_OR_RETURN(std::unique_ptr<StateBackend> inner,
                            BackendRegistry::Default().Create("memory", c));
        return std::unique_ptr<StateBackend>(new FaultyBackend(
            std::move(inner), fault, journal, c.key_groups.start));
      });
  return r;
}

}  // namespace statebench::testing

#endif  // STATEBENCH_TESTS_BENCH_FAULTY_BACKENDS_H_
