// Workloads: deterministic generators of op streams for a keyed operator.
//
// A Workload is built from a WorkloadSpec and hands out op streams for the
// phases of a run:
//   LoadPhase()  populates state to the spec's size (key_count keys);
//   RunPhase()   the operator's steady-state ops, used for warmup and then
//                the measured phase (the harness decides where warmup ends).
// Both accept a KeyFilter so that each subtask generates only the events it
// owns; the ops produced for accepted events do not depend on the filter.
//
// Thread safety: a Workload is immutable after creation and may hand out
// sources to several threads; each OpSource has one consumer.
#ifndef STATEBENCH_WORKLOADS_WORKLOAD_H_
#define STATEBENCH_WORKLOADS_WORKLOAD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/status.h"
#include "workloads/op.h"

namespace statebench {

// The workload part of a run's configuration. Defaults are those of the
// built-in "value-rw" workload. Every field is echoed into the results.
struct WorkloadSpec {
  // Workload (operator or preset) name; see ListWorkloads().
  std::string name = "value-rw";
  uint64_t seed = 42;
  uint64_t key_count = 100000;   // distinct keys populated by the load phase
  uint32_t key_size = 16;        // bytes
  uint32_t value_size = 100;     // bytes
  // Key choice for the run phase: "uniform" or "zipfian".
  std::string key_distribution = "zipfian";
  double zipf_theta = 0.99;
  // value-rw: fraction of ops that are reads (the rest are updates).
  double read_fraction = 0.5;
  // Bound on events of the run phase (0 = unbounded; the harness stops it).
  uint64_t run_events = 0;
};

struct WorkloadInfo {
  std::string name;
  std::string description;
  std::vector<std::string> op_kinds;  // OpTypeName of each op it produces
};

class Workload {
 public:
  virtual ~Workload() = default;
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  virtual const WorkloadSpec& Spec() const = 0;
  // The states the ops refer to; Op::state indexes this list.
  virtual const std::vector<WorkloadState>& States() const = 0;
  virtual std::unique_ptr<OpSource> LoadPhase(KeyFilter filter) const = 0;
  virtual std::unique_ptr<OpSource> RunPhase(KeyFilter filter) const = 0;

 protected:
  Workload() = default;
};

// InvalidArgument naming the field for a bad spec; NotFound, listing the
// known names, for an unknown workload name.
Result<std::unique_ptr<Workload>> CreateWorkload(const WorkloadSpec& spec);
std::vector<WorkloadInfo> ListWorkloads();

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_WORKLOAD_H_
