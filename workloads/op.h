// The op stream: what a workload asks of keyed state, independent of any
// backend. The harness (bench/) is the only place that turns an Op into a
// StateBackend call.
//
// Determinism: the same WorkloadSpec (including its seed) and the same key
// filter give the same op sequence, bit for bit, on every run and machine.
// That is what crash verification and trace replay rely on.
#ifndef STATEBENCH_WORKLOADS_OP_H_
#define STATEBENCH_WORKLOADS_OP_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace statebench {

enum class OpType : uint8_t {
  kValueGet = 0,
  kValuePut,
  kValueRemove,
  kListAppend,
  kListGet,
  kListClear,
  kMapPut,
  kMapGet,
  kMapRemove,
  kMapScan,
};
inline constexpr int kOpTypeCount = 10;
// "value_get", "value_put", ..., "map_scan".
std::string_view OpTypeName(OpType type);
// The inverse of OpTypeName; InvalidArgument for an unknown name.
Result<OpType> OpTypeFromName(std::string_view name);
// Inline: the harness asks once per op.
inline bool IsWriteOp(OpType type) {
  switch (type) {
    case OpType::kValuePut:
    case OpType::kValueRemove:
    case OpType::kListAppend:
    case OpType::kListClear:
    case OpType::kMapPut:
    case OpType::kMapRemove:
      return true;
    default:
      return false;
  }
}

enum class WorkloadStateKind { kValue, kList, kMap };

// A state the workload uses; Op::state indexes the workload's list of these.
struct WorkloadState {
  std::string name;
  WorkloadStateKind kind = WorkloadStateKind::kValue;
};

// One state operation. Strings are members (not views) so that a caller can
// reuse one Op object across Next() calls without allocating once the
// strings have grown to their working size.
struct Op {
  OpType type = OpType::kValueGet;
  uint16_t state = 0;
  // Index of the input event that caused this op. Non-decreasing along a
  // stream; several ops may share one event. Checkpoint barriers are placed
  // between events.
  uint64_t event_index = 0;
  int64_t event_time_ms = 0;  // event time of that event (0 if not used)
  std::string key;
  std::string ns;           // namespace ("" = void namespace)
  std::string user_key;     // map ops; for kMapScan the inclusive lower bound
  std::string value;        // put/append payload
  std::string scan_to;      // kMapScan exclusive upper bound ("" = none)
  uint32_t scan_limit = 0;  // kMapScan max entries (0 = none)

  // Logical bytes of a write op: key + namespace + user key + value.
  uint64_t LogicalBytes() const {
    return key.size() + ns.size() + user_key.size() + value.size();
  }
};

// Returns true for keys this consumer processes (a subtask's key groups).
// Events whose key it rejects are skipped without changing what the stream
// produces for the accepted ones.
using KeyFilter = std::function<bool(std::string_view key)>;

enum class PollResult {
  kOp,       // *op holds the next op
  kPending,  // no op within the budget; the stream goes on
  kEnd,      // the stream is over
};

// A stream of ops. Not thread-safe; one consumer.
class OpSource {
 public:
  virtual ~OpSource() = default;
  // Fills *op with the next op. Returns false at the end of the stream.
  // On an unbounded stream filtered to keys that never come up, this never
  // returns; a consumer that must stay responsive uses Poll().
  virtual bool Next(Op* op) = 0;
  // Like Next(), but gives up with kPending after examining `max_events`
  // input events (or trace ops) of which none produced an op for this
  // consumer. The default has no budget: it is Next().
  virtual PollResult Poll(Op* op, uint64_t max_events) {
    (void)max_events;
    return Next(op) ? PollResult::kOp : PollResult::kEnd;
  }
  // After Poll() returned kPending: every op still to come has an event
  // index >= Horizon() (UINT64_MAX once the stream is known to be over).
  // 0 when the source cannot tell.
  virtual uint64_t Horizon() const { return 0; }
  // After Next() returned false: why the stream ended. Ok for a normal end;
  // an error when a replayed trace turned out truncated or corrupt.
  virtual Status status() const { return Status::Ok(); }

 protected:
  OpSource() = default;
};

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_OP_H_
