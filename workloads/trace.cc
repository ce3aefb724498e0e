// Trace replay as a Workload, recording a workload, verification and
// conversion.
#include "workloads/trace.h"

#include <utility>

#include "workloads/spec_fields.h"

namespace statebench {

TraceHeader TraceHeaderFor(const Workload& workload) {
  TraceHeader h;
  h.workload = workload.Spec().name;
  h.seed = workload.Spec().seed;
  h.load_event_count = workload.LoadEventCount();
  h.states = workload.States();
  h.spec_fields = DescribeWorkloadSpec(workload.Spec());
  return h;
}

TraceOpSource::TraceOpSource(std::unique_ptr<TraceReader> reader,
                             TracePhase phase, KeyFilter filter)
    : reader_(std::move(reader)), phase_(phase), filter_(std::move(filter)) {}

bool TraceOpSource::Next(Op* op) {
  return Poll(op, UINT64_MAX) == PollResult::kOp;
}

PollResult TraceOpSource::Poll(Op* op, uint64_t max_events) {
  if (done_) return PollResult::kEnd;
  TracePhase phase;
  // The budget counts ops read: a trace has no event without an op.
  for (uint64_t examined = 0;; ++examined) {
    if (examined == max_events) return PollResult::kPending;
    if (!reader_->Next(&phase, op)) break;
    if (phase != phase_) {
      // Load ops come first: a run op ends a load replay.
      if (phase_ == TracePhase::kLoad) break;
      continue;
    }
    horizon_ = op->event_index;
    if (filter_ && !filter_(op->key)) continue;
    return PollResult::kOp;
  }
  done_ = true;
  return PollResult::kEnd;
}

Result<TraceSummary> VerifyTrace(const std::string& path) {
  SB_ASSIGN_OR_RETURN(std::unique_ptr<TraceReader> reader,
                      TraceReader::Open(path));
  TracePhase phase;
  Op op;
  while (reader->Next(&phase, &op)) {
  }
  SB_RETURN_IF_ERROR(reader->status());
  return reader->summary();
}

Result<TraceSummary> RecordTrace(const Workload& workload,
                                 const std::string& path, uint64_t run_events,
                                 TraceFormat format) {
  if (run_events == 0 && workload.Spec().run_events == 0) {
    return Status::InvalidArgument(
        "recording a trace needs a bounded run: set the number of run events");
  }
  SB_ASSIGN_OR_RETURN(
      std::unique_ptr<TraceWriter> writer,
      TraceWriter::Create(path, TraceHeaderFor(workload), format));
  Op op;
  std::unique_ptr<OpSource> load = workload.LoadPhase(nullptr);
  while (load->Next(&op)) {
    SB_RETURN_IF_ERROR(writer->Append(TracePhase::kLoad, op));
  }
  const uint64_t end =
      run_events == 0 ? UINT64_MAX : workload.LoadEventCount() + run_events;
  std::unique_ptr<OpSource> run = workload.RunPhase(nullptr);
  while (run->Next(&op) && op.event_index < end) {
    SB_RETURN_IF_ERROR(writer->Append(TracePhase::kRun, op));
  }
  return writer->Finish();
}

Result<TraceSummary> ConvertTrace(const std::string& from,
                                  const std::string& to, TraceFormat format) {
  SB_ASSIGN_OR_RETURN(std::unique_ptr<TraceReader> reader,
                      TraceReader::Open(from));
  SB_ASSIGN_OR_RETURN(std::unique_ptr<TraceWriter> writer,
                      TraceWriter::Create(to, reader->header(), format));
  TracePhase phase;
  Op op;
  while (reader->Next(&phase, &op)) {
    SB_RETURN_IF_ERROR(writer->Append(phase, op));
  }
  // A damaged input leaves no output: the writer's temp file is removed.
  SB_RETURN_IF_ERROR(reader->status());
  return writer->Finish();
}

namespace {

// Returned when a trace that verified at open cannot be reopened.
class FailedSource : public OpSource {
 public:
  explicit FailedSource(Status status) : status_(std::move(status)) {}
  bool Next(Op*) override { return false; }
  Status status() const override { return status_; }

 private:
  Status status_;
};

class TraceWorkload : public Workload {
 public:
  TraceWorkload(std::string path, const TraceHeader& header)
      : path_(std::move(path)), states_(header.states) {
    for (const auto& [name, value] : header.spec_fields) {
      // Fields of another statebench version are informational only.
      (void)SetWorkloadSpecField(&spec_, name, value);
    }
    spec_.name = "trace";
    spec_.trace_path = path_;
    load_events_ = header.load_event_count;
  }
  const WorkloadSpec& Spec() const override { return spec_; }
  const std::vector<WorkloadState>& States() const override { return states_; }
  uint64_t LoadEventCount() const override { return load_events_; }
  std::unique_ptr<OpSource> LoadPhase(KeyFilter filter) const override {
    return Open(TracePhase::kLoad, std::move(filter));
  }
  std::unique_ptr<OpSource> RunPhase(KeyFilter filter) const override {
    return Open(TracePhase::kRun, std::move(filter));
  }

 private:
  std::unique_ptr<OpSource> Open(TracePhase phase, KeyFilter filter) const {
    Result<std::unique_ptr<TraceReader>> reader = TraceReader::Open(path_);
    if (!reader.ok()) return std::make_unique<FailedSource>(reader.status());
    return std::make_unique<TraceOpSource>(std::move(reader).value(), phase,
                                           std::move(filter));
  }

  std::string path_;
  WorkloadSpec spec_;
  std::vector<WorkloadState> states_;
  uint64_t load_events_ = 0;
};

}  // namespace

Result<std::unique_ptr<Workload>> OpenTraceWorkload(const std::string& path) {
  SB_ASSIGN_OR_RETURN(std::unique_ptr<TraceReader> reader,
                      TraceReader::Open(path));
  TracePhase phase;
  Op op;
  while (reader->Next(&phase, &op)) {
  }
  SB_RETURN_IF_ERROR(reader->status());
  return std::unique_ptr<Workload>(new TraceWorkload(path, reader->header()));
}

}  // namespace statebench
