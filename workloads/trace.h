// Op traces: record an op stream to a file and replay it exactly.
//
// A trace holds the unfiltered op stream of a workload (load phase, then
// run phase) plus a header with the workload's name, seed, states and spec
// fields. Replaying applies a KeyFilter per op, so each subtask of a replay
// sees exactly what it would have generated. An order-sensitive checksum of
// the whole stream (OpStreamChecksum) is stored at the end and checked on
// every read, so replay == record is verified, not assumed.
//
// Binary format (version 1; integers little-endian, "varint" = LEB128):
//   header  "SBTRACE\0", u32 version, u32 payload length, payload, u32
//           CRC-32C of the payload. Payload: string name, varint seed,
//           varint load event count, varint state count x (string name,
//           u8 kind 0 value / 1 list / 2 map), varint field count x
//           (string name, string value); string = varint length + bytes.
//   block   u8 'B', u8 phase (0 load, 1 run), u32 op count, u32 payload
//           length, u32 CRC-32C of the payload, payload: ops, each
//           u8 type, u8 flags (1 ns, 2 user key, 4 value, 8 scan_to,
//           16 scan_limit, 32 same key as the previous op of the block),
//           varint state, varint event index delta, zigzag varint event
//           time delta (both against the previous op of the block, 0 at
//           the block start), then the present strings and scan_limit.
//   end     u8 'E', u8 0, u32 0, u32 16, u32 CRC-32C, payload: u64 total
//           op count, u64 checksum.
// Text format (same content, one line each; strings percent-encoded, bytes
// outside '!'..'~' and '%' as %XX, the empty string as "-", "-" as %2D):
//   statebench-trace 1
//   workload NAME / seed N / load_events N
//   state INDEX NAME value|list|map
//   spec FIELD VALUE
//   ops
//   PHASE OP EVENT TIME STATE KEY NS USER_KEY VALUE SCAN_TO SCAN_LIMIT
//   end TOTAL_OPS CHECKSUM(16 hex digits)
// PHASE is "load" or "run", OP an OpTypeName.
//
// Errors: a truncated, corrupt or inconsistent trace is InvalidArgument
// naming the file and the byte offset (binary) or line (text).
// Thread safety: none; one owner per object.
#ifndef STATEBENCH_WORKLOADS_TRACE_H_
#define STATEBENCH_WORKLOADS_TRACE_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/output_file.h"
#include "base/status.h"
#include "workloads/op.h"
#include "workloads/workload.h"

namespace statebench {

// An order-sensitive 64-bit hash of an op sequence: every field of every
// op, including event indexes and times.
class OpStreamChecksum {
 public:
  void Add(const Op& op);
  uint64_t value() const { return state_; }
  uint64_t count() const { return count_; }

 private:
  uint64_t state_ = 0x5b7e5b7e5b7e5b7eull;
  uint64_t count_ = 0;
};

enum class TracePhase : uint8_t { kLoad = 0, kRun = 1 };
enum class TraceFormat { kBinary, kText };

struct TraceHeader {
  std::string workload;
  uint64_t seed = 0;
  uint64_t load_event_count = 0;
  std::vector<WorkloadState> states;
  std::vector<std::pair<std::string, std::string>> spec_fields;
};

TraceHeader TraceHeaderFor(const Workload& workload);

struct TraceSummary {
  uint64_t load_ops = 0;
  uint64_t run_ops = 0;
  uint64_t checksum = 0;  // OpStreamChecksum over load then run ops
};

// Writes a trace to a temporary file next to `path` and renames it into
// place on Finish(), so that `path` never holds a half-written trace.
class TraceWriter {
 public:
  static Result<std::unique_ptr<TraceWriter>> Create(const std::string& path,
                                                     const TraceHeader& header,
                                                     TraceFormat format);
  // Unless finished, a temporary file is removed (a FIFO or standard output
  // keeps what was written).
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Ops must come load phase first. IoError on a failed write (later
  // Appends are ignored; Finish reports it).
  Status Append(TracePhase phase, const Op& op);
  // Writes the end record and commits the file (base/output_file.h:
  // fsync and rename for a regular file). Returns the summary.
  Result<TraceSummary> Finish();

 private:
  TraceWriter(std::unique_ptr<OutputFile> file, TraceFormat format);
  Status FlushBlock();
  Status Write(const std::string& bytes);

  std::unique_ptr<OutputFile> file_;
  TraceFormat format_;
  bool finished_ = false;
  Status error_;
  TracePhase block_phase_ = TracePhase::kLoad;
  uint32_t block_ops_ = 0;
  std::string block_;
  std::string previous_key_;
  uint64_t previous_event_ = 0;
  int64_t previous_time_ = 0;
  std::string line_;
  OpStreamChecksum checksum_;
  TraceSummary summary_;
};

// Passes another source's ops through and appends each to a TraceWriter.
// The writer must outlive this source. A write failure does not stop the
// stream; it is reported by status() and by TraceWriter::Finish().
class RecordingOpSource : public OpSource {
 public:
  RecordingOpSource(std::unique_ptr<OpSource> inner, TraceWriter* writer,
                    TracePhase phase);
  bool Next(Op* op) override;
  Status status() const override;

 private:
  std::unique_ptr<OpSource> inner_;
  TraceWriter* writer_;
  TracePhase phase_;
  Status write_status_;
};

// Reads a trace sequentially, checking CRCs, structure and, at the end, the
// op count and checksum.
class TraceReader {
 public:
  static Result<std::unique_ptr<TraceReader>> Open(const std::string& path);
  virtual ~TraceReader() = default;
  const TraceHeader& header() const { return header_; }
  // Reads the next op. False at the end of the trace, or on an error:
  // status() tells which. At a clean end summary() is complete.
  virtual bool Next(TracePhase* phase, Op* op) = 0;
  const Status& status() const { return status_; }
  const TraceSummary& summary() const { return summary_; }

 protected:
  TraceReader() = default;
  TraceHeader header_;
  Status status_;
  TraceSummary summary_;
  OpStreamChecksum checksum_;
};

// Replays one phase of a trace, keeping the ops whose key `filter` accepts.
// status() after the end reports a trace that turned out damaged.
class TraceOpSource : public OpSource {
 public:
  TraceOpSource(std::unique_ptr<TraceReader> reader, TracePhase phase,
                KeyFilter filter);
  bool Next(Op* op) override;
  PollResult Poll(Op* op, uint64_t max_events) override;
  // Event indexes never decrease along a phase of a trace.
  uint64_t Horizon() const override { return done_ ? UINT64_MAX : horizon_; }
  Status status() const override { return reader_->status(); }

 private:
  std::unique_ptr<TraceReader> reader_;
  TracePhase phase_;
  KeyFilter filter_;
  bool done_ = false;
  uint64_t horizon_ = 0;  // event index of the last op read
};

// Reads the whole trace once, checking everything; returns its summary.
Result<TraceSummary> VerifyTrace(const std::string& path);

// Records `workload`'s unfiltered load phase and the first `run_events`
// events of its run phase (0 = the whole run phase, which must then be
// bounded by spec.run_events) to `path`.
Result<TraceSummary> RecordTrace(const Workload& workload,
                                 const std::string& path, uint64_t run_events,
                                 TraceFormat format = TraceFormat::kBinary);

// A Workload replaying the trace at `path` (verified once here). Its Spec()
// is the recorded spec with run_events set to the recorded run length.
// This is what CreateWorkload returns for name "trace" (spec.trace_path).
Result<std::unique_ptr<Workload>> OpenTraceWorkload(const std::string& path);

// Rewrites a trace in another format; the checksum carries over.
Result<TraceSummary> ConvertTrace(const std::string& from,
                                  const std::string& to, TraceFormat format);

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_TRACE_H_
