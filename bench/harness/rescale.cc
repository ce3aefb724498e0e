#include "bench/harness/rescale.h"

#include <string>

#include "bench/harness/restored_job.h"

namespace statebench {

void AddRestoreStats(const RestoreStats& s, StateBackend* b,
                     RestoreResult* rr) {
  if (!s.restored) return;
  rr->bytes_copied = rr->bytes_copied.value_or(0) + s.bytes_copied;
  rr->bytes_linked = rr->bytes_linked.value_or(0) + s.bytes_linked;
  rr->state_bytes = rr->state_bytes.value_or(0) + s.state_bytes;
  if (s.entries) {
    rr->entries += *s.entries;
  } else if (Result<uint64_t> n = b->CountEntries(); n.ok()) {
    // A hard-linked restore does not know its entries; a pass after the
    // timed restore counts them.
    rr->entries += *n;
  }
  // Subtasks may differ (a file copied where linking failed): "local"
  // only when every subtask restored locally.
  if (rr->mode.empty() || rr->mode == "local") {
    rr->mode = s.mode;
    rr->mode_detail = s.detail;
  }
}

// A hard-linked restore reads a few kB for MBs of state: a rate per byte
// read would call it slow, so the rate is per byte of state made available.
void FinishRestoreRate(RestoreResult* rr) {
  if (rr->duration_ms <= 0) return;
  if (rr->state_bytes) {
    if (*rr->state_bytes > 0) {
      rr->bytes_per_s =
          static_cast<double>(*rr->state_bytes) / (rr->duration_ms / 1000);
    }
    return;
  }
  rr->bytes_per_s =
      static_cast<double>(rr->bytes_read) / (rr->duration_ms / 1000);
}

Result<RestoreResult> MeasureRescale(const RunConfig& run,
                                     const BackendRegistry& registry,
                                     const Workload& workload,
                                     const std::string& dir, int to,
                                     const CompletedCheckpoint& cp,
                                     uint64_t end_event, bool verify) {
  RestoredJob job;
  SB_RETURN_IF_ERROR(
      RestoreJob(run, registry, dir, cp.handles, to, workload.States(), &job)
          .WithContext("rescale " + std::to_string(run.parallelism) + " -> " +
                       std::to_string(to)));
  RestoreResult rr;
  rr.kind = "rescale";
  rr.from_parallelism = run.parallelism;
  rr.to_parallelism = to;
  rr.duration_ms = job.total_ms;
  rr.subtask_duration_ms = job.duration_ms;
  for (auto& b : job.instances) {
    IoStats io = b->GetIoStats();
    rr.bytes_read += io.bytes_read;
    AddRestoreStats(io.last_restore, b.get(), &rr);
  }
  FinishRestoreRate(&rr);
  if (!verify) {
    rr.verdict = RestoreVerdict::kNotVerified;
    rr.detail = "restored checkpoint " + std::to_string(cp.id) +
                " at parallelism " + std::to_string(run.parallelism) +
                " into " + std::to_string(to) +
                " instances; the state of a server backend is shared, so it "
                "is verified by `statebench verify --rescale`";
    return rr;
  }
  StateVerdict v =
      CheckAgainstOracle(workload, cp.barrier_event, end_event, job);
  SB_RETURN_IF_ERROR(v.error.WithContext("rescale verification"));
  rr.checked = v.checked;
  rr.verdict =
      v.exactly_once() ? RestoreVerdict::kVerified : RestoreVerdict::kMismatch;
  rr.detail = "restored checkpoint " + std::to_string(cp.id) +
              " at parallelism " + std::to_string(run.parallelism) + " into " +
              std::to_string(to) + " instances; " + std::to_string(v.checked) +
              " addresses compared with the oracle: " + std::to_string(v.lost) +
              " lost, " + std::to_string(v.resurrected) + " resurrected, " +
              std::to_string(v.wrong) + " wrong";
  return rr;
}

}  // namespace statebench
