// Helpers shared by the workloads tests.
#ifndef STATEBENCH_TESTS_WORKLOADS_TEST_UTIL_H_
#define STATEBENCH_TESTS_WORKLOADS_TEST_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "workloads/distributions.h"
#include "workloads/op.h"
#include "workloads/workload.h"

namespace statebench::testing {

// Field-by-field equality, so that failures print which op differs.
inline auto OpTuple(const Op& op) {
  return std::make_tuple(op.type, op.state, op.event_index, op.event_time_ms,
                         op.key, op.ns, op.user_key, op.value, op.scan_to,
                         op.scan_limit);
}

inline bool SameOp(const Op& a, const Op& b) {
  return OpTuple(a) == OpTuple(b);
}

inline std::string Describe(const Op& op) {
  return std::string(OpTypeName(op.type)) +
         " state=" + std::to_string(op.state) +
         " event=" + std::to_string(op.event_index) +
         " t=" + std::to_string(op.event_time_ms) + " key=" + op.key +
         " ns_bytes=" + std::to_string(op.ns.size()) +
         " value_bytes=" + std::to_string(op.value.size());
}

// Reads up to `limit` ops (0 = all).
inline std::vector<Op> Drain(OpSource* source, size_t limit = 0) {
  std::vector<Op> out;
  Op op;
  while ((limit == 0 || out.size() < limit) && source->Next(&op)) {
    out.push_back(op);
  }
  return out;
}

// A stand-in for a subtask's key-group filter: part `index` of `parts` by
// a hash of the key.
inline KeyFilter PartFilter(int index, int parts) {
  return [index, parts](std::string_view key) {
    uint64_t h = 0;
    for (unsigned char c : key) h = Mix64(h ^ c);
    return static_cast<int>(h % static_cast<uint64_t>(parts)) == index;
  };
}

inline WorkloadSpec SpecFor(const std::string& name) {
  Result<WorkloadSpec> spec = DefaultWorkloadSpec(name);
  if (!spec.ok()) std::abort();
  return *spec;
}

// The source tree root, for example files.
inline std::string SourceDir() { return STATEBENCH_SOURCE_DIR; }

}  // namespace statebench::testing

#endif  // STATEBENCH_TESTS_WORKLOADS_TEST_UTIL_H_
