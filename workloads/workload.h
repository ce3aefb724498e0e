// Workloads: deterministic generators of op streams for a keyed operator.
//
// A Workload is built from a WorkloadSpec and hands out op streams for the
// phases of a run:
//   LoadPhase()  populates state to the spec's size (event indexes
//                [0, LoadEventCount()));
//   RunPhase()   the operator's steady-state ops, used for warmup and then
//                the measured phase (the harness decides where warmup ends);
//                its event indexes start at LoadEventCount().
// Both accept a KeyFilter so that each subtask generates only the events it
// owns; the ops produced for accepted keys do not depend on the filter (a
// filtered stream is the unfiltered one restricted to accepted keys, in the
// same order).
//
// Workloads (see ListWorkloads() and README-workload-files.md):
//   value-rw, keyed-aggregation, tumbling-window, sliding-window,
//   session-window, interval-join, dedup-ttl        (operators)
//   ycsb, ycsb-a ... ycsb-f                         (YCSB core workloads)
//   flink-value, flink-list, flink-map              (Flink state benchmarks)
//   trace                                           (replay of trace_path)
// Presets carry their own defaults: start from DefaultWorkloadSpec(name) and
// override fields, rather than from a default-constructed WorkloadSpec.
//
// Thread safety: a Workload is immutable after creation and may hand out
// sources to several threads; each OpSource has one consumer and must not
// outlive the Workload that made it.
#ifndef STATEBENCH_WORKLOADS_WORKLOAD_H_
#define STATEBENCH_WORKLOADS_WORKLOAD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "workloads/op.h"

namespace statebench {

// Event time, disorder and watermarks of the operator workloads (ignored by
// value-rw, YCSB and Flink presets). Event e (0-based over load and run) has
// the in-order time base(e) = e * 1000 / events_per_second ms; an
// out_of_order_fraction of events is delayed by 1..max_out_of_order_ms. A
// periodic bounded-out-of-orderness watermark base(e) - watermark_delay_ms -
// 1 is emitted every watermark_interval_events events. Events delayed past
// the watermark are late; windows accept them until allowed_lateness_ms.
struct EventTimeSpec {
  uint32_t events_per_second = 10000;  // event-time rate of the input
  double out_of_order_fraction = 0.1;
  uint32_t max_out_of_order_ms = 2000;
  uint32_t watermark_delay_ms = 1000;
  uint32_t watermark_interval_events = 100;
  uint32_t allowed_lateness_ms = 0;
};

// Parameters of the operator workloads.
struct OperatorSpec {
  uint32_t window_size_ms = 10000;  // tumbling and sliding windows
  uint32_t window_slide_ms = 5000;  // sliding windows
  uint32_t session_gap_ms = 3000;   // session windows
  int32_t join_lower_ms = -1000;    // interval join: right.ts - left.ts
  int32_t join_upper_ms = 1000;     //   within [lower, upper]
  double join_left_fraction = 0.5;  // share of events on the left input
  uint32_t ttl_ms = 30000;          // deduplication state TTL
};

// YCSB CoreWorkload properties (names in comments). Defaults are
// CoreWorkload's, not any one workload file's.
struct YcsbSpec {
  double read_proportion = 0.95;            // readproportion
  double update_proportion = 0.05;          // updateproportion
  double insert_proportion = 0;             // insertproportion
  double scan_proportion = 0;               // scanproportion
  double read_modify_write_proportion = 0;  // readmodifywriteproportion
  uint32_t field_count = 10;                // fieldcount
  uint32_t field_length = 100;              // fieldlength (max)
  uint32_t min_field_length = 1;            // minfieldlength
  // fieldlengthdistribution: constant (= fixed), uniform, zipfian (= skewed)
  std::string field_length_distribution = "constant";
  bool read_all_fields = true;                       // readallfields
  bool write_all_fields = false;                     // writeallfields
  uint32_t min_scan_length = 1;                      // minscanlength
  uint32_t max_scan_length = 1000;                   // maxscanlength
  std::string scan_length_distribution = "uniform";  // uniform | zipfian
  bool ordered_inserts = false;  // insertorder=ordered (default hashed)
  uint32_t zero_padding = 1;     // zeropadding
  std::string field_name_prefix = "field";  // fieldnameprefix
  std::string table = "usertable";          // table: the map state's name
};

// Shape of the Flink state benchmark presets (StateBenchmarkConstants).
struct FlinkStateSpec {
  uint32_t map_entries = 10;   // mapKeyCount: user keys per map
  uint32_t list_values = 100;  // listValueCount: values per list
};

// The workload part of a run's configuration. Defaults are those of the
// built-in "value-rw" workload. Every field is echoed into the results
// (DescribeWorkloadSpec).
struct WorkloadSpec {
  // Workload (operator or preset) name; see ListWorkloads().
  std::string name = "value-rw";
  uint64_t seed = 42;
  uint64_t key_count = 100000;  // distinct keys populated by the load phase
  uint32_t key_size = 16;       // bytes
  uint32_t value_size = 100;    // bytes (the maximum when not fixed)
  // Key choice for the run phase: uniform, zipfian, hotspot, latest,
  // sequential or exponential (see distributions.h).
  std::string key_distribution = "zipfian";
  double zipf_theta = 0.99;
  // value-rw: fraction of events that only read.
  double read_fraction = 0.5;
  // Bound on events of the run phase (0 = unbounded; the harness stops it).
  uint64_t run_events = 0;
  // Workload "trace": the trace file to replay (see trace.h).
  std::string trace_path;

  double hotspot_data_fraction = 0.2;  // hotspot: share of keys that is hot
  double hotspot_op_fraction = 0.8;    // hotspot: share of draws on them
  double exponential_percentile = 95;  // exponential (YCSB's defaults)
  double exponential_frac = 0.8571428571;
  // Value sizes: fixed (value_size), uniform or skewed in
  // [value_size_min, value_size].
  std::string value_size_distribution = "fixed";
  uint32_t value_size_min = 1;

  EventTimeSpec event_time;
  OperatorSpec op;
  YcsbSpec ycsb;
  FlinkStateSpec flink;
};

struct WorkloadInfo {
  std::string name;
  std::string description;
  std::vector<std::string> op_kinds;  // OpTypeName of each op it produces
  // The states it declares, "name:kind" (e.g. "window-contents:list").
  std::vector<std::string> states;
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
  // Number of event indexes the load phase uses; the run phase's first
  // event index. 0 for workloads without a load phase.
  virtual uint64_t LoadEventCount() const { return Spec().key_count; }

 protected:
  Workload() = default;
};

// InvalidArgument naming the field for a bad spec; NotFound, listing the
// known names, for an unknown workload name.
Result<std::unique_ptr<Workload>> CreateWorkload(const WorkloadSpec& spec);
std::vector<WorkloadInfo> ListWorkloads();
// NotFound for an unknown name.
Result<WorkloadInfo> GetWorkloadInfo(std::string_view name);

// The spec a named workload starts from: the generic defaults with the
// preset's own values applied (YCSB proportions and distribution, Flink's
// 500,000 keys and 8-byte values, ...). NotFound for an unknown name.
Result<WorkloadSpec> DefaultWorkloadSpec(std::string_view name);

// Checks ranges and enum names; InvalidArgument naming the field.
Status ValidateWorkloadSpec(const WorkloadSpec& spec);

// The spec's fields as (dotted name, value text) pairs, for echoing into
// results. Numbers print in a form that parses back exactly.
std::vector<std::pair<std::string, std::string>> DescribeWorkloadSpec(
    const WorkloadSpec& spec);

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_WORKLOAD_H_
