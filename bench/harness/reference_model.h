// The oracle for crash verification: the same seeded op stream replayed on
// plain std::maps, and a checker that compares restored backends with it.
//
// Verdict classes (DESIGN.md section 8), counted in StateVerdict:
//   lost         the checkpoint holds an entry the restored state lacks
//   resurrected  the restored state holds an entry (or value) that was
//                written only after the checkpoint's barrier
//   wrong        the restored value is neither the checkpointed one nor one
//                written after the barrier
// All three must be zero for "exactly-once".
#ifndef STATEBENCH_BENCH_HARNESS_REFERENCE_MODEL_H_
#define STATEBENCH_BENCH_HARNESS_REFERENCE_MODEL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "backends/state_backend.h"
#include "workloads/workload.h"

namespace statebench {

// (state, key, namespace, user key); user key "" for value and list state.
using ModelAddress =
    std::tuple<uint16_t, std::string, std::string, std::string>;

class ReferenceModel {
 public:
  explicit ReferenceModel(std::vector<WorkloadState> states)
      : states_(std::move(states)) {}

  void Apply(const Op& op);

  const std::vector<WorkloadState>& states() const { return states_; }
  // Value and map entries by address; list contents by address.
  const std::map<ModelAddress, std::string>& entries() const {
    return entries_;
  }
  const std::map<ModelAddress, std::vector<std::string>>& lists() const {
    return lists_;
  }

 private:
  std::vector<WorkloadState> states_;
  std::map<ModelAddress, std::string> entries_;
  std::map<ModelAddress, std::vector<std::string>> lists_;
};

// What the stream did after the checkpoint's barrier: every address it
// touched and every value it wrote there.
struct PostBarrierWrites {
  std::map<ModelAddress, std::set<std::string>> values;
  std::set<ModelAddress> touched;
};

// Replays load + run phases of `workload` (unfiltered): events < barrier
// into *model, events in [barrier, end_event) into *after.
void ReplayStream(const Workload& workload, uint64_t barrier,
                  uint64_t end_event, ReferenceModel* model,
                  PostBarrierWrites* after);

struct StateVerdict {
  uint64_t checked = 0;
  uint64_t lost = 0;
  uint64_t resurrected = 0;
  uint64_t wrong = 0;
  std::vector<std::string> examples;  // a few of each kind, printable
  Status error;  // a backend read failed: the verdict is incomplete
  bool exactly_once() const {
    return error.ok() && lost == 0 && resurrected == 0 && wrong == 0;
  }
  void Add(const StateVerdict& other);
};

// Returns the backend instance owning `key_group`.
using BackendForKeyGroup = std::function<StateBackend*(int key_group)>;

// Reads every address the model holds or the stream touched after the
// barrier from the restored backends and classifies differences. State ids
// are the registration order of model.states().
StateVerdict CompareWithModel(const ReferenceModel& model,
                              const PostBarrierWrites& after,
                              int max_parallelism,
                              const BackendForKeyGroup& backend_for);

}  // namespace statebench

#endif  // STATEBENCH_BENCH_HARNESS_REFERENCE_MODEL_H_
