#include "bench/verify/verify.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include "base/file_util.h"
#include "base/process.h"
#include "bench/harness/interrupt.h"
#include "bench/harness/restored_job.h"
#include "bench/harness/timed_backend.h"
#include "reports/results/results.h"

namespace statebench {
namespace {

constexpr char kB64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64(const std::string& in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v =
        (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kB64[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Result<std::string> Unbase64(const std::string& in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const char* p = std::strchr(kB64, c);
    if (p == nullptr || c == '\0') {
      return Status::Corruption("invalid base64 in checkpoint handle");
    }
    acc = (acc << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// What the child reported before it died.
struct ChildReport {
  std::vector<CompletedCheckpoint> checkpoints;
  uint64_t position = 0;
};

Status ParseChildLine(const std::string& line, ChildReport* report) {
  nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption("verify child wrote an unreadable line");
  }
  if (j.value("type", "") == "position") {
    report->position =
        std::max<uint64_t>(report->position, j.value("event", 0ull));
    return Status::Ok();
  }
  CompletedCheckpoint cp;
  cp.id = j.value("id", 0ll);
  cp.barrier_event = j.value("barrier_event", 0ull);
  for (const nlohmann::json& h : j.value("handles", nlohmann::json::array())) {
    SB_ASSIGN_OR_RETURN(CheckpointHandle handle, HandleFromJson(h));
    cp.handles.push_back(std::move(handle));
  }
  report->checkpoints.push_back(std::move(cp));
  return Status::Ok();
}

// Spawns the child, kills it at a random moment after its first completed
// checkpoint, and returns what it reported.
Result<ChildReport> RunAndKillChild(const VerifyConfig& config,
                                    const std::string& dir,
                                    std::mt19937_64& rng,
                                    double* kill_after_s) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::IoError("pipe failed");
  const std::string plan = dir + "/plan.json";
  SB_RETURN_IF_ERROR(
      WriteFileAtomically(plan, JsonText(RunConfigToJson(config.run), 2)));
  std::vector<std::string> args = {
      config.child_binary, "verify", "--child-plan", plan, "--child-dir", dir};
  // The child dies by SIGKILL and cannot clean up: its temporary
  // directories (the run's working directory, RocksDB's files) go below the
  // cycle's directory, which the parent removes.
  LaunchSpec spec;
  spec.argv = std::move(args);
  spec.out = ChildStream::Fd(fds[1]);
  spec.env = {"TMPDIR=" + dir};
  Result<pid_t> launched = Launch(spec);
  ::close(fds[1]);
  if (!launched.ok()) {
    ::close(fds[0]);
    return Status::IoError("cannot start the verify child: " +
                           launched.status().message());
  }
  const pid_t pid = *launched;
  std::uniform_real_distribution<double> kill_at(config.min_kill_s,
                                                 config.max_kill_s);
  *kill_after_s = kill_at(rng);
  ChildReport report;
  std::string buffer;
  Status status;
  bool killed = false, eof = false;
  auto first = std::chrono::steady_clock::time_point::max();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!eof) {
    auto now = std::chrono::steady_clock::now();
    if (!killed && !report.checkpoints.empty() && first == first.max())
      first = now;
    if (!killed &&
        (now >= deadline || InterruptRequested() ||
         (first != first.max() &&
          now - first >= std::chrono::duration<double>(*kill_after_s)))) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    struct pollfd p = {fds[0], POLLIN, 0};
    if (::poll(&p, 1, 2) > 0) {
      char chunk[65536];
      ssize_t n = ::read(fds[0], chunk, sizeof chunk);
      if (n <= 0) {
        eof = true;
      } else {
        buffer.append(chunk, static_cast<size_t>(n));
      }
      size_t nl;
      while ((nl = buffer.find('\n')) != std::string::npos) {
        if (status.ok()) status = ParseChildLine(buffer.substr(0, nl), &report);
        buffer.erase(0, nl + 1);
      }
    }
  }
  ::close(fds[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  if (InterruptRequested()) return Status::Unavailable(InterruptReason());
  SB_RETURN_IF_ERROR(status);
  if (!killed) {
    return Status::Internal("verify child exited by itself (status " +
                            std::to_string(wstatus) + ") before it was killed");
  }
  return report;
}

// In-process variant: the run is abandoned at the kill moment.
Result<ChildReport> RunInProcess(const VerifyConfig& config,
                                 const RunConfig& cycle_run,
                                 const BackendRegistry& registry,
                                 std::mt19937_64& rng, double* kill_after_s) {
  std::uniform_real_distribution<double> kill_at(config.min_kill_s,
                                                 config.max_kill_s);
  *kill_after_s = kill_at(rng);
  RunConfig run = cycle_run;
  // As with a child: the kill falls kill_after_s after the first completed
  // checkpoint, however long that took (a loaded machine delays it); the
  // measured phase is only the backstop.
  run.measure_s = 120;
  run.end_at_end_of_input = false;  // the kill ends the job
  struct KillAfterFirstCheckpoint : RunObserver {
    uint64_t kill_ns = 0;
    uint64_t first_ns = 0;
    ChildReport report;
    void OnCheckpointCompleted(const CompletedCheckpoint& cp) override {
      if (report.checkpoints.empty()) first_ns = NowNs();
      report.checkpoints.push_back(cp);
    }
    bool ShouldStop() override {
      return first_ns != 0 && NowNs() - first_ns >= kill_ns;
    }
    void OnPosition(uint64_t pos) override {
      report.position = std::max(report.position, pos);
    }
    // Where the subtasks really stopped: a loaded machine can run them far
    // past the last position report before the phase ends, and a write
    // made there is a resurrection, not a wrong value.
    void OnStreamExecuted(const ExecutedStream& executed) override {
      report.position = std::max(report.position, executed.end_event);
    }
  } observer;
  observer.kill_ns = static_cast<uint64_t>(*kill_after_s * 1e9);
  RunResult result = RunBenchmark(run, registry, &observer);
  if (result.status != RunStatus::kOk) {
    return Status::Internal("run failed in phase " + result.failure_phase +
                            ": " + result.failure_reason);
  }
  return observer.report;
}

}  // namespace

RunConfig CycleRunConfig(const RunConfig& base, const std::string& dir,
                         const BackendRegistry& registry) {
  RunConfig run = base;
  run.checkpoint_dir = dir + "/checkpoints";
  Result<BackendInfo> info = registry.Info(base.backend);
  if (info.ok() && !info->embedded && !run.backend_options.count("job")) {
    run.backend_options["job"] =
        "verify-" + dir.substr(dir.find_last_of('/') + 1);
    run.backend_settings = nullptr;  // parsed again with the job's name
  }
  return run;
}

nlohmann::json HandleToJson(const CheckpointHandle& h) {
  nlohmann::json j = {{"backend", h.backend},
                      {"checkpoint_id", h.checkpoint_id},
                      {"type", std::string(CheckpointTypeName(h.type))},
                      {"kg_start", h.key_groups.start},
                      {"kg_end", h.key_groups.end},
                      {"max_parallelism", h.max_parallelism},
                      {"location", h.location},
                      {"checkpointed_size", h.checkpointed_size},
                      {"full_size", h.full_size},
                      {"metadata", h.metadata}};
  if (h.inline_data) j["inline_data"] = Base64(*h.inline_data);
  return j;
}

Result<CheckpointHandle> HandleFromJson(const nlohmann::json& j) {
  CheckpointHandle h;
  try {
    h.backend = j.at("backend").get<std::string>();
    h.checkpoint_id = j.at("checkpoint_id").get<int64_t>();
    h.type = j.at("type").get<std::string>() == "incremental"
                 ? CheckpointType::kIncremental
                 : CheckpointType::kFull;
    h.key_groups = {j.at("kg_start").get<int>(), j.at("kg_end").get<int>()};
    h.max_parallelism = j.at("max_parallelism").get<int>();
    h.location = j.at("location").get<std::string>();
    h.checkpointed_size = j.at("checkpointed_size").get<uint64_t>();
    h.full_size = j.at("full_size").get<uint64_t>();
    h.metadata = j.at("metadata").get<std::map<std::string, std::string>>();
    if (j.contains("inline_data")) {
      SB_ASSIGN_OR_RETURN(std::string data,
                          Unbase64(j.at("inline_data").get<std::string>()));
      h.inline_data = std::make_shared<const std::string>(std::move(data));
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("bad checkpoint handle: ") +
                              e.what());
  }
  return h;
}

int RunVerifyChild(const RunConfig& base, int out_fd) {
  RunConfig run = base;
  run.measure_s = 3600;
  run.end_at_end_of_input = false;  // the kill ends the job
  run.warmup_s = 0;
  run.measure_restore = false;
  // The parent reads one JSON line per checkpoint and position.
  class ReportToParent : public RunObserver {
   public:
    explicit ReportToParent(int fd) : fd_(fd) {}
    void OnCheckpointCompleted(const CompletedCheckpoint& cp) override {
      nlohmann::json handles = nlohmann::json::array();
      for (const CheckpointHandle& h : cp.handles)
        handles.push_back(HandleToJson(h));
      WriteLine({{"type", "checkpoint"},
                 {"id", cp.id},
                 {"barrier_event", cp.barrier_event},
                 {"handles", handles}});
    }
    void OnPosition(uint64_t pos) override {
      WriteLine({{"type", "position"}, {"event", pos}});
    }

   private:
    void WriteLine(const nlohmann::json& j) {
      std::string line = JsonText(j, -1) + "\n";
      const char* p = line.data();
      size_t left = line.size();
      while (left > 0) {
        ssize_t n = ::write(fd_, p, left);
        if (n <= 0) return;
        p += n;
        left -= static_cast<size_t>(n);
      }
    }
    int fd_;
  } observer(out_fd);
  RunResult result = RunBenchmark(run, BackendRegistry::Default(), &observer);
  if (result.status != RunStatus::kOk) {
    std::fprintf(stderr, "statebench verify child: %s failed in phase %s: %s\n",
                 run.backend.c_str(), result.failure_phase.c_str(),
                 result.failure_reason.c_str());
    return 3;
  }
  return 0;
}

int RunVerifyChildFromPlan(const std::string& plan_path, const std::string& dir,
                           int out_fd) {
  Result<RunConfig> run = [&]() -> Result<RunConfig> {
    SB_ASSIGN_OR_RETURN(std::string text, ReadFileToString(plan_path));
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      return Status::InvalidArgument("the plan is not JSON");
    }
    return RunConfigFromJson(j);
  }();
  if (!run.ok()) {
    std::fprintf(stderr, "statebench verify child: %s: %s\n", plan_path.c_str(),
                 run.status().message().c_str());
    return 2;
  }
  return RunVerifyChild(CycleRunConfig(*run, dir, BackendRegistry::Default()),
                        out_fd);
}

nlohmann::json VerifyReport::ToJson() const {
  nlohmann::json cycles_json = nlohmann::json::array();
  for (const CycleResult& c : cycles) {
    cycles_json.push_back({{"cycle", c.cycle},
                           {"checkpoint_id", c.checkpoint_id},
                           {"barrier_event", c.barrier_event},
                           {"kill_after_s", c.kill_after_s},
                           {"restore_ms", c.restore_ms},
                           {"checked", c.verdict.checked},
                           {"lost", c.verdict.lost},
                           {"resurrected", c.verdict.resurrected},
                           {"wrong", c.verdict.wrong},
                           {"examples", c.verdict.examples}});
  }
  return {{"verdict", total.exactly_once() ? "exactly-once" : "failed"},
          {"cycles", cycles.size()},
          {"checked", total.checked},
          {"lost", total.lost},
          {"resurrected", total.resurrected},
          {"wrong", total.wrong},
          {"examples", total.examples},
          {"per_cycle", cycles_json}};
}

Result<VerifyReport> RunCrashVerification(const VerifyConfig& config,
                                          const BackendRegistry& registry,
                                          const ProgressFn& progress) {
  SB_ASSIGN_OR_RETURN(std::unique_ptr<Workload> workload,
                      CreateWorkload(config.run.workload));
  VerifyReport report;
  report.backend = config.run.backend;
  std::mt19937_64 rng(config.seed);
  for (int cycle = 0; cycle < config.cycles; ++cycle) {
    if (InterruptRequested()) return Status::Unavailable(InterruptReason());
    SB_ASSIGN_OR_RETURN(std::string dir,
                        MakeTempDirectory("statebench-verify-"));
    CycleResult cr;
    cr.cycle = cycle;
    Status status = [&]() -> Status {
      RunConfig run = CycleRunConfig(config.run, dir, registry);
      SB_RETURN_IF_ERROR(EnsureDirectory(run.checkpoint_dir));
      SB_ASSIGN_OR_RETURN(
          ChildReport child,
          config.in_process
              ? RunInProcess(config, run, registry, rng, &cr.kill_after_s)
              : RunAndKillChild(config, dir, rng, &cr.kill_after_s));
      if (child.checkpoints.empty()) {
        return Status::Internal("no checkpoint completed before the kill");
      }
      const CompletedCheckpoint& last = child.checkpoints.back();
      cr.checkpoint_id = last.id;
      cr.barrier_event = last.barrier_event;
      cr.checkpoints_reported = static_cast<int>(child.checkpoints.size());
      // The child may have run a little past its last position report.
      cr.end_event = std::max(child.position, last.barrier_event) + 100000;
      RestoredJob job;
      SB_RETURN_IF_ERROR(RestoreJob(run, registry, dir, last.handles,
                                    config.run.parallelism, workload->States(),
                                    &job));
      cr.restore_ms = job.total_ms;
      cr.verdict =
          CheckAgainstOracle(*workload, cr.barrier_event, cr.end_event, job);
      return cr.verdict.error;
    }();
    // A cycle that went wrong keeps its files for a post-mortem (the
    // first such cycle only, so that a broken backend cannot fill the
    // disk); every other cycle's directory goes now.
    // An interrupted cycle proves nothing and is not kept.
    const bool failed = !status.ok() || !cr.verdict.exactly_once();
    if (failed && report.kept_dir.empty() && !InterruptRequested()) {
      report.kept_dir = dir;
    } else {
      (void)RemoveTree(dir);
    }
    if (!status.ok()) {
      return status.WithContext("cycle " + std::to_string(cycle) +
                                (report.kept_dir == dir
                                     ? " (its files are kept in " + dir + ")"
                                     : ""));
    }
    progress("cycle " + std::to_string(cycle) + ": checkpoint " +
             std::to_string(cr.checkpoint_id) + ", " +
             std::to_string(cr.verdict.checked) + " entries checked, lost " +
             std::to_string(cr.verdict.lost) + ", resurrected " +
             std::to_string(cr.verdict.resurrected) + ", wrong " +
             std::to_string(cr.verdict.wrong));
    report.total.Add(cr.verdict);
    report.cycles.push_back(std::move(cr));
  }
  return report;
}

Result<RescaleResult> RunRescaleVerification(const RunConfig& base, int from,
                                             int to,
                                             const BackendRegistry& registry) {
  SB_ASSIGN_OR_RETURN(std::unique_ptr<Workload> workload,
                      CreateWorkload(base.workload));
  SB_ASSIGN_OR_RETURN(std::string dir,
                      MakeTempDirectory("statebench-rescale-"));
  RescaleResult result;
  result.from = from;
  result.to = to;
  Status status = [&]() -> Status {
    RunConfig run = base;
    run.parallelism = from;
    run.max_parallelism = base.max_parallelism > 0
                              ? base.max_parallelism
                              : DefaultMaxParallelism(std::max(from, to));
    run.checkpoint_dir = dir + "/checkpoints";
    run.measure_restore = false;
    struct CollectCheckpoints : RunObserver {
      std::vector<CompletedCheckpoint> done;
      void OnCheckpointCompleted(const CompletedCheckpoint& cp) override {
        done.push_back(cp);
      }
    } observer;
    const std::vector<CompletedCheckpoint>& done = observer.done;
    RunResult r = RunBenchmark(run, registry, &observer);
    if (r.status != RunStatus::kOk) {
      return Status::Internal("run at parallelism " + std::to_string(from) +
                              " failed: " + r.failure_reason);
    }
    if (done.empty()) return Status::Internal("no checkpoint completed");
    const CompletedCheckpoint& cp = done.back();
    RestoredJob job;
    SB_RETURN_IF_ERROR(RestoreJob(run, registry, dir, cp.handles, to,
                                  workload->States(), &job));
    result.duration_ms = job.total_ms;
    result.subtask_duration_ms = job.duration_ms;
    result.bytes_read = job.bytes_read;
    // Nothing after the barrier was written to the checkpoint; the bound
    // only classifies differences.
    result.verdict = CheckAgainstOracle(*workload, cp.barrier_event,
                                        cp.barrier_event + 1000000, job);
    return result.verdict.error;
  }();
  (void)RemoveTree(dir);
  if (!status.ok()) return status;
  return result;
}

}  // namespace statebench
