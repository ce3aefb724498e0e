// WorkloadSpec fields by dotted name ("seed", "event_time.allowed_lateness_ms",
// "ycsb.field_count", ...): one table that the workload-file reader, the
// results echo and a CLI "--set name=value" can share, so that every field
// is spelled the same everywhere.
//
// Thread safety: the table is immutable; functions are reentrant.
#ifndef STATEBENCH_WORKLOADS_SPEC_FIELDS_H_
#define STATEBENCH_WORKLOADS_SPEC_FIELDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "workloads/workload.h"

namespace statebench {

enum class SpecFieldType { kString, kUint64, kUint32, kInt32, kDouble, kBool };

struct SpecField {
  std::string_view name;  // dotted path, e.g. "operator.window_size_ms"
  SpecFieldType type;
  void* (*address)(WorkloadSpec*);
  std::string_view help;
};

// All fields, in documentation order.
const std::vector<SpecField>& WorkloadSpecFields();
// nullptr for an unknown name.
const SpecField* FindSpecField(std::string_view name);

// Longest ycsb.field_name_prefix and ycsb.table: each is repeated in every
// record (YCSB's defaults are "field" and "usertable").
inline constexpr size_t kMaxWorkloadNameBytes = 256;

// Parses `text` for the field's type and stores it. Integers are decimal
// (a leading '+' or '-' only where the type is signed), doubles finite,
// bools "true"/"false", strings UTF-8 of at most kMaxInputStringBytes
// (kMaxWorkloadNameBytes for the YCSB names). InvalidArgument "field 'x': ..."
// on a bad value or an unknown name. Range checks are ValidateWorkloadSpec's.
Status SetWorkloadSpecField(WorkloadSpec* spec, std::string_view name,
                            std::string_view text);
// The field's value as text that SetWorkloadSpecField parses back exactly.
std::string GetWorkloadSpecField(const WorkloadSpec& spec,
                                 const SpecField& field);

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_SPEC_FIELDS_H_
