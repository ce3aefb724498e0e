// Factories of the built-in workloads, used by the registry in workload.cc.
// Internal to workloads/. Every factory expects a spec that passed
// ValidateWorkloadSpec.
#ifndef STATEBENCH_WORKLOADS_BUILTIN_WORKLOADS_H_
#define STATEBENCH_WORKLOADS_BUILTIN_WORKLOADS_H_

#include <memory>

#include "workloads/workload.h"

namespace statebench {

// value-rw and the operator workloads (basic_workloads.cc).
std::unique_ptr<Workload> MakeValueRwWorkload(const WorkloadSpec& spec);
std::unique_ptr<Workload> MakeOperatorWorkload(const WorkloadSpec& spec);

// ycsb and ycsb-a ... ycsb-f (ycsb.cc).
std::unique_ptr<Workload> MakeYcsbWorkload(const WorkloadSpec& spec);
// Applies YCSB core workload `letter` ('a' ... 'f') to spec->ycsb and the
// request distribution.
void ApplyYcsbPreset(char letter, WorkloadSpec* spec);

// flink-value, flink-list, flink-map (flink_presets.cc).
std::unique_ptr<Workload> MakeFlinkWorkload(const WorkloadSpec& spec);
void ApplyFlinkPreset(WorkloadSpec* spec);

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_BUILTIN_WORKLOADS_H_
