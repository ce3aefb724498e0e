#include "bench/harness/restored_job.h"

#include <thread>

#include "base/file_util.h"
#include "bench/harness/subtask.h"
#include "bench/harness/timed_backend.h"

namespace statebench {

Status RestoreJob(const RunConfig& run, const BackendRegistry& registry,
                  const std::string& dir,
                  const std::vector<CheckpointHandle>& handles, int parallelism,
                  const std::vector<WorkloadState>& states, RestoredJob* job) {
  job->max_parallelism = !handles.empty() ? handles.front().max_parallelism
                         : run.max_parallelism > 0
                             ? run.max_parallelism
                             : DefaultMaxParallelism(parallelism);
  job->parallelism = parallelism;
  std::shared_ptr<const BackendSettings> settings = run.backend_settings;
  if (settings == nullptr) {
    SB_ASSIGN_OR_RETURN(
        settings, registry.ParseOptions(run.backend, run.backend_options));
  }
  for (int i = 0; i < parallelism; ++i) {
    BackendConfig bc;
    bc.max_parallelism = job->max_parallelism;
    bc.key_groups =
        KeyGroupRangeForSubtask(job->max_parallelism, parallelism, i);
    bc.subtask_index = i;
    bc.work_dir = dir + "/restore-" + std::to_string(parallelism) + "-" +
                  std::to_string(i);
    SB_RETURN_IF_ERROR(EnsureDirectory(bc.work_dir));
    bc.checkpoint_dir = run.checkpoint_dir;
    bc.checkpoint_type = run.checkpoint.type;
    bc.options = run.backend_options;
    bc.settings = settings;
    SB_ASSIGN_OR_RETURN(std::unique_ptr<StateBackend> b,
                        registry.Create(run.backend, bc));
    for (const WorkloadState& s : states) {
      SB_RETURN_IF_ERROR(
          b->RegisterState({s.name, ToBackendKind(s.kind)}).status());
    }
    job->instances.push_back(std::move(b));
  }
  job->duration_ms.assign(parallelism, 0);
  std::vector<Status> statuses(parallelism);
  std::vector<std::thread> threads;
  uint64_t t0 = NowNs();
  for (int i = 0; i < parallelism; ++i) {
    threads.emplace_back([&, i] {
      KeyGroupRange range =
          KeyGroupRangeForSubtask(job->max_parallelism, parallelism, i);
      std::vector<CheckpointHandle> mine;
      for (const CheckpointHandle& h : handles) {
        if (!h.key_groups.Intersect(range).empty()) mine.push_back(h);
      }
      uint64_t s0 = NowNs();
      if (!handles.empty())
        statuses[i] = job->instances[i]->Restore(mine, range);
      job->duration_ms[i] = static_cast<double>(NowNs() - s0) / 1e6;
    });
  }
  for (std::thread& t : threads) t.join();
  job->total_ms = static_cast<double>(NowNs() - t0) / 1e6;
  for (int i = 0; i < parallelism; ++i) {
    SB_RETURN_IF_ERROR(
        statuses[i].WithContext("restore of subtask " + std::to_string(i)));
    job->bytes_read += job->instances[i]->GetIoStats().bytes_read;
  }
  return Status::Ok();
}

StateVerdict CheckAgainstOracle(const Workload& workload, uint64_t barrier,
                                uint64_t end_event, const RestoredJob& job) {
  ReferenceModel model(workload.States());
  PostBarrierWrites after;
  ReplayStream(workload, barrier, end_event, &model, &after);
  return CompareWithModel(model, after, job.max_parallelism,
                          [&](int kg) { return job.ForKeyGroup(kg); });
}

}  // namespace statebench
