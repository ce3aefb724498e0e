#include "bench/cli/run_plan.h"

#include <utility>

#include "backends/registry.h"
#include "bench/cli/memory_preflight.h"

namespace statebench {

std::vector<std::string> ChooseBackends(const RunOptions& o,
                                        const std::string& command) {
  std::vector<std::string> names =
      command == "run" ? std::vector<std::string>{o.backend} : o.backends;
  if (names.empty()) names = o.file_backends;
  if (names.empty()) {
    for (const BackendInfo& b : BackendRegistry::Default().List()) {
      if (b.embedded || o.spawn) names.push_back(b.name);
    }
  }
  return names;
}

Status ParseBackendSettings(const RunOptions& o, RunPlan* plan) {
  const BackendRegistry& registry = BackendRegistry::Default();
  for (const std::string& name : plan->backends) {
    Result<std::shared_ptr<const BackendSettings>> settings =
        registry.ParseOptions(name, plan->options[name]);
    if (!settings.ok()) {
      const Status& s = settings.status();
      std::string located = LocateBackendOptionError(o, name, s.message());
      if (!located.starts_with(name + ":")) located = name + ": " + located;
      return Status(s.code(), located);
    }
    plan->settings[name] = *settings;
  }
  return Status::Ok();
}

Result<RunPlan> PlanRun(RunOptions& o, std::vector<std::string> backends,
                        const PlanChecks& checks) {
  const BackendRegistry& registry = BackendRegistry::Default();
  RunPlan plan;
  plan.backends = std::move(backends);
  for (const std::string& n : plan.backends) {
    SB_RETURN_IF_ERROR(registry.Info(n).status());
  }
  SB_RETURN_IF_ERROR(ApplyBackendOptions(o.backend_opts, plan.backends,
                                         &plan.options, o.backend_opt_where));
  SB_RETURN_IF_ERROR(CheckBackendOptionNames(o, plan.options));
  SB_RETURN_IF_ERROR(ParseBackendSettings(o, &plan));
  SB_RETURN_IF_ERROR(PreflightBackendOptions(o, plan.backends, plan.options));
  o.config.checkpoint.type = o.checkpoint_type == "incremental"
                                 ? CheckpointType::kIncremental
                                 : CheckpointType::kFull;
  // Before the workload is built (a zipfian generator over the key count
  // takes time of its own) and before anything is measured. A state one
  // backend cannot hold in memory is bad input when it is the only one;
  // beside others it is that backend's finding (an unsupported row).
  if (checks.heap_memory) {
    if (std::optional<uint64_t> available = AvailableMemoryBytes()) {
      for (const std::string& n : plan.backends) {
        if (!registry.Info(n)->capabilities.memory_bound) continue;
        Status fits = CheckHeapStateFits(n, o.config.workload, *available);
        if (!fits.ok()) plan.cannot_hold.emplace(n, fits);
      }
    }
    if (!plan.cannot_hold.empty() &&
        plan.cannot_hold.size() == plan.backends.size()) {
      return plan.cannot_hold.begin()->second;
    }
  }
  Result<std::unique_ptr<Workload>> workload =
      CreateWorkload(o.config.workload);
  if (!workload.ok()) return workload.status().WithContext("workload");
  plan.workload = std::move(workload).value();
  return plan;
}

nlohmann::json PlanConfigJson(const RunOptions& o, const RunPlan& plan) {
  nlohmann::json config = RunConfigToJson(o.config);
  config["backends"] = plan.backends;
  config.erase("backend");
  config.erase("backend_options");
  config["backend_options"] = plan.options;
  if (!o.notes.empty()) config["notes"] = o.notes;
  if (o.flink) config["flink_config"] = FlinkConfigRecord(o, plan.backends);
  return config;
}

}  // namespace statebench
