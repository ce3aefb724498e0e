#include "bench/verify/durability.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

#include "base/file_util.h"
#include "bench/harness/restored_job.h"

namespace statebench {
namespace {

DurabilitySetting Redis(std::string name, std::string description,
                        bool appendonly, std::string appendfsync, bool rdb,
                        bool promises) {
  DurabilitySetting s;
  s.name = std::move(name);
  s.description = std::move(description);
  s.spawn.backend = "redis";
  s.spawn.redis.appendonly = appendonly;
  s.spawn.redis.appendfsync = std::move(appendfsync);
  s.spawn.redis.rdb_snapshots = rdb;
  s.promises_durability = promises;
  return s;
}

DurabilitySetting Postgres(std::string name, std::string description,
                           std::string synchronous_commit, bool promises) {
  DurabilitySetting s;
  s.name = std::move(name);
  s.description = std::move(description);
  s.spawn.backend = "postgres";
  s.spawn.postgres.synchronous_commit = std::move(synchronous_commit);
  s.promises_durability = promises;
  return s;
}

std::vector<DurabilitySetting> AllSettings(const std::string& backend) {
  if (backend == "redis") {
    return {
        Redis("appendfsync-always",
              "AOF on, fsync before every write is acknowledged", true,
              "always", false, true),
        Redis("appendfsync-everysec", "AOF on, fsync once a second", true,
              "everysec", false, false),
        Redis("appendfsync-no", "AOF on, fsync left to the kernel", true, "no",
              false, false),
        Redis("rdb-only", "no AOF; Redis's default RDB save rules", false,
              "everysec", true, false),
    };
  }
  if (backend == "postgres") {
    return {
        Postgres("synchronous_commit-on",
                 "a commit returns once its WAL is flushed", "on", true),
        Postgres("synchronous_commit-off",
                 "a commit returns before its WAL is written; the WAL "
                 "writer follows within 3 x wal_writer_delay",
                 "off", false),
    };
  }
  return {};
}

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - t0)
      .count();
}

}  // namespace

Result<std::vector<DurabilitySetting>> DurabilitySettings(
    const std::string& backend, const std::vector<std::string>& names) {
  std::vector<DurabilitySetting> all = AllSettings(backend);
  if (all.empty()) {
    return Status::InvalidArgument(
        "server durability needs a server backend (redis or postgres), not '" +
        backend + "'");
  }
  if (names.empty()) return all;
  std::vector<DurabilitySetting> chosen;
  for (const std::string& n : names) {
    auto it = std::find_if(all.begin(), all.end(),
                           [&](const auto& s) { return s.name == n; });
    if (it == all.end()) {
      std::string known;
      for (const auto& s : all) known += (known.empty() ? "" : ", ") + s.name;
      return Status::InvalidArgument("unknown " + backend +
                                     " persistence setting '" + n +
                                     "' (known: " + known + ")");
    }
    chosen.push_back(*it);
  }
  return chosen;
}

const std::string& DurabilityResult::failure() const {
  static const std::string kNone;
  return !cycles.empty() ? cycles.back().failure : kNone;
}

nlohmann::json DurabilityResult::ToJson() const {
  nlohmann::json per_cycle = nlohmann::json::array();
  for (const DurabilityCycle& c : cycles) {
    nlohmann::json j = {{"status", c.failure.empty() ? "ok" : "failed"},
                        {"completed_checkpoint", c.completed_id},
                        {"restored_checkpoint", c.restored_id},
                        {"checkpoints_lost", c.checkpoints_lost},
                        {"restart_ms", c.restart_ms},
                        {"checked", c.verdict.checked},
                        {"lost", c.verdict.lost},
                        {"resurrected", c.verdict.resurrected},
                        {"wrong", c.verdict.wrong}};
    if (!c.failure.empty()) j["failure_reason"] = c.failure;
    per_cycle.push_back(std::move(j));
  }
  nlohmann::json j = {
      {"setting", setting.name},
      {"description", setting.description},
      {"promises_durability", setting.promises_durability},
      {"cycles", cycles.size()},
      {"checkpoints_lost", checkpoints_lost},
      {"checked", total.checked},
      {"lost", total.lost},
      {"resurrected", total.resurrected},
      {"wrong", total.wrong},
      {"examples", total.examples},
      {"verdict", failed()            ? "failed"
                  : kept_everything() ? "kept every completed checkpoint"
                                      : "lost completed checkpoints"},
      {"per_cycle", per_cycle}};
  if (failed()) j["failure_reason"] = failure();
  return j;
}

namespace {

// Whether a failed restore of a checkpoint means the server no longer holds
// it (its data lost, or staged data missing or damaged). Anything else (no
// connection, LOADING, a timeout, a wrong password) says nothing about the
// data: the cycle fails with that reason instead of reporting a loss.
bool ServerLacksCheckpoint(const Status& s) {
  return s.code() == StatusCode::kFailedPrecondition ||
         s.code() == StatusCode::kCorruption;
}

// One server crash: the workload runs against `server` until the
// `kill_after`-th completed checkpoint, when the server gets SIGKILL; the
// server restarts and the newest checkpoint it still serves is restored and
// compared with the oracle. An error means the cycle could not be judged.
Result<DurabilityCycle> RunCycle(const RunConfig& base, int cycle,
                                 const Workload& workload,
                                 ServerProcess* server,
                                 const BackendRegistry& registry,
                                 const std::string& dir) {
  RunConfig run = base;
  for (const auto& [k, v] : server->Connection().options) {
    run.backend_options[k] = v;
  }
  run.backend_options["job"] = "durability-" + std::to_string(cycle);
  run.backend_settings = nullptr;  // parsed again from the options above
  run.checkpoint_dir = dir + "/checkpoints-" + std::to_string(cycle);
  SB_RETURN_IF_ERROR(EnsureDirectory(run.checkpoint_dir));
  run.repetitions = 1;
  run.warmup_s = 0;
  run.measure_events = 0;
  // Long enough for the kill; the run fails soon after it.
  run.measure_s = std::max(base.measure_s, 30.0);
  run.end_at_end_of_input = false;  // the kill ends the job
  run.measure_restore = false;
  // The job runs on briefly against the dead server (what it does after
  // the checkpoint must not be in the restored state), then ends.
  class KillServerAfter : public RunObserver {
   public:
    KillServerAfter(ServerProcess* server, size_t kill_after)
        : server_(server), kill_after_(kill_after) {}
    void OnCheckpointCompleted(const CompletedCheckpoint& cp) override {
      if (killed) return;
      done.push_back(cp);
      if (done.size() == kill_after_) {
        kill_status = server_->Kill();
        killed = true;
        killed_at_ = std::chrono::steady_clock::now();
      }
    }
    bool ShouldStop() override {
      return killed && std::chrono::steady_clock::now() - killed_at_ >
                           std::chrono::milliseconds(200);
    }
    void OnPosition(uint64_t p) override { position = std::max(position, p); }

    std::vector<CompletedCheckpoint> done;
    bool killed = false;
    Status kill_status;
    uint64_t position = 0;

   private:
    ServerProcess* server_;
    size_t kill_after_;
    std::chrono::steady_clock::time_point killed_at_;
  };
  // Vary the moment: after the 2nd, 3rd or 4th completed checkpoint.
  const size_t kill_after = 2 + static_cast<size_t>(cycle % 3);
  KillServerAfter observer(server, kill_after);
  const std::vector<CompletedCheckpoint>& done = observer.done;
  RunResult r = RunBenchmark(run, registry, &observer);
  const bool killed = observer.killed;
  const Status& kill_status = observer.kill_status;
  SB_RETURN_IF_ERROR(kill_status.WithContext("killing the server"));
  if (!killed) {
    return Status::Internal("only " + std::to_string(done.size()) +
                            " checkpoints completed, the kill comes after " +
                            std::to_string(kill_after) +
                            (r.status == RunStatus::kOk
                                 ? ""
                                 : " (run failed: " + r.failure_reason + ")"));
  }
  DurabilityCycle dc;
  dc.completed_id = done.back().id;
  const auto t0 = std::chrono::steady_clock::now();
  // The very server that was killed: same directory, configuration and
  // port; Restart() returns once it has loaded its data.
  SB_RETURN_IF_ERROR(
      server->Restart().WithContext("the killed server did not come back"));
  dc.restart_ms = MsSince(t0);
  for (const auto& [k, v] : server->Connection().options) {
    run.backend_options[k] = v;  // the new server_pid
  }
  run.backend_settings = nullptr;
  const uint64_t barrier = done.back().barrier_event;
  const uint64_t end = std::max(observer.position, barrier) + 100000;
  // The newest checkpoint the restarted server still serves.
  for (size_t i = done.size(); i-- > 0;) {
    RestoredJob job;
    Status restored = RestoreJob(run, registry, dir, done[i].handles,
                                 base.parallelism, workload.States(), &job);
    if (restored.ok()) {
      dc.restored_id = done[i].id;
      dc.checkpoints_lost = static_cast<int>(done.size() - 1 - i);
      dc.verdict = CheckAgainstOracle(workload, barrier, end, job);
      SB_RETURN_IF_ERROR(dc.verdict.error);
      return dc;
    }
    if (!ServerLacksCheckpoint(restored)) {
      return restored.WithContext("restoring checkpoint " +
                                  std::to_string(done[i].id) +
                                  " from the restarted server");
    }
  }
  // Nothing left: the state is compared as empty.
  RunConfig empty = run;
  empty.backend = "memory";
  empty.backend_options.clear();
  empty.max_parallelism = done.back().handles.front().max_parallelism;
  RestoredJob job;
  SB_RETURN_IF_ERROR(RestoreJob(empty, registry, dir, {}, base.parallelism,
                                workload.States(), &job));
  dc.checkpoints_lost = static_cast<int>(done.size());
  dc.verdict = CheckAgainstOracle(workload, barrier, end, job);
  SB_RETURN_IF_ERROR(dc.verdict.error);
  return dc;
}

}  // namespace

Result<DurabilityResult> RunServerDurability(const RunConfig& base,
                                             const DurabilitySetting& setting,
                                             int cycles,
                                             const BackendRegistry& registry,
                                             const ProgressFn& progress) {
  if (base.backend_options.count("uri") != 0) {
    return Status::InvalidArgument(
        "server durability starts and kills its own " + base.backend +
        " server; it never touches one given by uri");
  }
  SB_ASSIGN_OR_RETURN(std::unique_ptr<Workload> workload,
                      CreateWorkload(base.workload));
  progress("starting a private " + base.backend + " server (" + setting.name +
           ")");
  SB_ASSIGN_OR_RETURN(std::unique_ptr<ServerProcess> server,
                      ServerProcess::Start(setting.spawn));
  Result<std::string> dir = MakeTempDirectory("statebench-durability-");
  if (!dir.ok()) {
    (void)server->Stop();
    return dir.status();
  }
  DurabilityResult result;
  result.setting = setting;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    Result<DurabilityCycle> dc =
        RunCycle(base, cycle, *workload, server.get(), registry, *dir);
    if (!dc.ok()) {
      // The server's state is unknown from here on: no further cycles.
      DurabilityCycle failed;
      failed.failure = dc.status().message();
      progress(setting.name + " cycle " + std::to_string(cycle) +
               " failed: " + failed.failure);
      result.cycles.push_back(std::move(failed));
      break;
    }
    progress(setting.name + " cycle " + std::to_string(cycle) + ": completed " +
             std::to_string(dc->completed_id) + ", restored " +
             std::to_string(dc->restored_id) + ", lost " +
             std::to_string(dc->verdict.lost) + " entries");
    result.checkpoints_lost += dc->checkpoints_lost;
    result.total.Add(dc->verdict);
    result.cycles.push_back(std::move(dc).value());
  }
  (void)server->Stop();
  (void)RemoveTree(*dir);
  return result;
}

}  // namespace statebench
