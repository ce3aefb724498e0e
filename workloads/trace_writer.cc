// TraceWriter and RecordingOpSource.
#include <cinttypes>
#include <cstdio>
#include <utility>

#include "base/output_file.h"
#include "workloads/trace.h"
#include "workloads/trace_format.h"

namespace statebench {

namespace tf = trace_format;

Result<std::unique_ptr<TraceWriter>> TraceWriter::Create(
    const std::string& path, const TraceHeader& header, TraceFormat format) {
  SB_ASSIGN_OR_RETURN(std::unique_ptr<OutputFile> file,
                      OutputFile::Open(path, FileAccess::kShared));
  std::unique_ptr<TraceWriter> w(new TraceWriter(std::move(file), format));
  std::string head;
  if (format == TraceFormat::kBinary) {
    std::string payload = tf::EncodeHeader(header);
    head.assign(tf::kMagic, sizeof(tf::kMagic));
    tf::PutFixed32(tf::kVersion, &head);
    tf::PutFixed32(static_cast<uint32_t>(payload.size()), &head);
    head += payload;
    tf::PutFixed32(tf::Crc32c(payload), &head);
  } else {
    head = std::string(tf::kTextMagic) + "\n";
    head += "workload " + tf::PercentEncode(header.workload) + "\n";
    head += "seed " + std::to_string(header.seed) + "\n";
    head += "load_events " + std::to_string(header.load_event_count) + "\n";
    for (size_t i = 0; i < header.states.size(); ++i) {
      head += "state " + std::to_string(i) + " " +
              tf::PercentEncode(header.states[i].name) + " " +
              std::string(tf::StateKindText(header.states[i].kind)) + "\n";
    }
    for (const auto& [name, value] : header.spec_fields) {
      head += "spec " + tf::PercentEncode(name) + " " +
              tf::PercentEncode(value) + "\n";
    }
    head += "ops\n";
  }
  SB_RETURN_IF_ERROR(w->Write(head));
  return w;
}

TraceWriter::TraceWriter(std::unique_ptr<OutputFile> file, TraceFormat format)
    : file_(std::move(file)), format_(format) {}

TraceWriter::~TraceWriter() = default;

Status TraceWriter::Write(const std::string& bytes) {
  if (!error_.ok()) return error_;
  error_ = file_->Append(bytes);
  return error_;
}

Status TraceWriter::Append(TracePhase phase, const Op& op) {
  if (!error_.ok()) return error_;
  if (phase == TracePhase::kLoad && summary_.run_ops > 0) {
    return Status::FailedPrecondition("trace: load op after run ops");
  }
  checksum_.Add(op);
  (phase == TracePhase::kLoad ? summary_.load_ops : summary_.run_ops)++;
  if (format_ == TraceFormat::kText) {
    line_.clear();
    line_ += phase == TracePhase::kLoad ? "load " : "run ";
    line_ += OpTypeName(op.type);
    line_ += ' ' + std::to_string(op.event_index) + ' ' +
             std::to_string(op.event_time_ms) + ' ' + std::to_string(op.state) +
             ' ';
    line_ += tf::PercentEncode(op.key) + ' ' + tf::PercentEncode(op.ns) + ' ' +
             tf::PercentEncode(op.user_key) + ' ' +
             tf::PercentEncode(op.value) + ' ' + tf::PercentEncode(op.scan_to) +
             ' ' + std::to_string(op.scan_limit) + '\n';
    return Write(line_);
  }
  if (block_ops_ > 0 && phase != block_phase_) SB_RETURN_IF_ERROR(FlushBlock());
  block_phase_ = phase;
  tf::EncodeOp(op, &previous_key_, &previous_event_, &previous_time_, &block_);
  ++block_ops_;
  if (block_.size() >= tf::kBlockTarget) return FlushBlock();
  return Status::Ok();
}

Status TraceWriter::FlushBlock() {
  if (block_ops_ == 0) return Status::Ok();
  std::string head;
  head.push_back(tf::kOpsBlock);
  head.push_back(static_cast<char>(block_phase_));
  tf::PutFixed32(block_ops_, &head);
  tf::PutFixed32(static_cast<uint32_t>(block_.size()), &head);
  tf::PutFixed32(tf::Crc32c(block_), &head);
  SB_RETURN_IF_ERROR(Write(head));
  SB_RETURN_IF_ERROR(Write(block_));
  block_.clear();
  block_ops_ = 0;
  previous_key_.clear();
  previous_event_ = 0;
  previous_time_ = 0;
  return Status::Ok();
}

Result<TraceSummary> TraceWriter::Finish() {
  if (finished_) return Status::FailedPrecondition("trace already finished");
  summary_.checksum = checksum_.value();
  const uint64_t total = summary_.load_ops + summary_.run_ops;
  if (format_ == TraceFormat::kBinary) {
    SB_RETURN_IF_ERROR(FlushBlock());
    std::string payload;
    tf::PutFixed64(total, &payload);
    tf::PutFixed64(summary_.checksum, &payload);
    std::string end;
    end.push_back(tf::kEndBlock);
    end.push_back(0);
    tf::PutFixed32(0, &end);
    tf::PutFixed32(static_cast<uint32_t>(payload.size()), &end);
    tf::PutFixed32(tf::Crc32c(payload), &end);
    SB_RETURN_IF_ERROR(Write(end + payload));
  } else {
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016" PRIx64, summary_.checksum);
    SB_RETURN_IF_ERROR(
        Write("end " + std::to_string(total) + " " + hex + "\n"));
  }
  SB_RETURN_IF_ERROR(file_->Commit().WithContext("trace"));
  finished_ = true;
  return summary_;
}

RecordingOpSource::RecordingOpSource(std::unique_ptr<OpSource> inner,
                                     TraceWriter* writer, TracePhase phase)
    : inner_(std::move(inner)), writer_(writer), phase_(phase) {}

bool RecordingOpSource::Next(Op* op) {
  if (!inner_->Next(op)) return false;
  if (write_status_.ok()) write_status_ = writer_->Append(phase_, *op);
  return true;
}

Status RecordingOpSource::status() const {
  Status inner = inner_->status();
  return inner.ok() ? write_status_ : inner;
}

}  // namespace statebench
