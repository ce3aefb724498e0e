#include "bench/cli/run_options.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <optional>
#include <utility>

#include "backends/registry.h"
#include "base/file_util.h"
#include "workloads/spec_fields.h"
#include "workloads/workload_file.h"

namespace statebench {

// Splits "--backend-opt" values into per-backend option maps. An option
// without a "backend." prefix applies to every backend of the run (and
// must then be known to each, which the factory checks).
Status ApplyBackendOptions(
    const std::vector<std::string>& raw,
    const std::vector<std::string>& backends,
    std::map<std::string, std::map<std::string, std::string>>* out,
    const std::map<std::string, std::string>& where) {
  for (const std::string& item : raw) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument(
          "--backend-opt '" + item +
          "' is not of the form [backend.]name=value");
    }
    std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    auto dot = name.find('.');
    if (dot != std::string::npos) {
      std::string backend = name.substr(0, dot);
      if (!BackendRegistry::Default().Info(backend).ok()) {
        if (auto w = where.find(backend); w != where.end()) {
          return Status::InvalidArgument(
              w->second + ": backend_options: " +
              BackendRegistry::Default().Info(backend).status().message());
        }
        return Status::InvalidArgument(
            "--backend-opt '" + item + "': " +
            BackendRegistry::Default().Info(backend).status().message());
      }
      (*out)[backend][name.substr(dot + 1)] = value;
    } else {
      for (const std::string& b : backends) (*out)[b][name] = value;
    }
  }
  return Status::Ok();
}

Status CheckBackendOptionNames(
    const RunOptions& o,
    const std::map<std::string, std::map<std::string, std::string>>&
        per_backend) {
  for (const auto& [backend, options] : per_backend) {
    Result<BackendInfo> info = BackendRegistry::Default().Info(backend);
    if (!info.ok()) continue;  // named by no run; ApplyBackendOptions checked
    for (const auto& [name, value] : options) {
      bool known = false;
      std::string list;
      for (const BackendOptionInfo& opt : info->options) {
        known = known || opt.name == name;
        list += (list.empty() ? "" : ", ") + opt.name;
      }
      if (known) continue;
      auto where = o.backend_opt_where.find(backend + "." + name);
      return Status::InvalidArgument(
          (where != o.backend_opt_where.end()
               ? where->second + ": backend_options: "
               : std::string("--backend-opt: ")) +
          "unknown " + backend + " option '" + name +
          "'; known options: " + (list.empty() ? "(none)" : list));
    }
  }
  return Status::Ok();
}

std::string LocateBackendOptionError(const RunOptions& o,
                                     const std::string& backend,
                                     const std::string& message) {
  const std::string prefix = backend + ".";
  // Backends name the option as 'name', name='value' or "option name".
  auto names = [&message](const std::string& name) {
    return message.find("'" + name + "'") != std::string::npos ||
           message.find(name + "=") != std::string::npos ||
           message.find("option " + name) != std::string::npos;
  };
  for (const auto& [key, where] : o.backend_opt_where) {
    if (key.rfind(prefix, 0) != 0) continue;
    if (names(key.substr(prefix.size()))) {
      return where + ": backend_options: " + message;
    }
  }
  // Not from a file: from the command line, as "[backend.]name=value".
  for (const std::string& given : o.backend_opts) {
    std::string name = given.substr(0, given.find('='));
    if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
    if (!name.empty() && name.find('.') == std::string::npos && names(name)) {
      // The name only: a value may hold a secret (a URI's password).
      return "--backend-opt " + prefix + name + ": " + message;
    }
  }
  return message;
}

Status PreflightBackendOptions(
    const RunOptions& o, const std::vector<std::string>& backends,
    const std::map<std::string, std::map<std::string, std::string>>&
        per_backend) {
  const BackendRegistry& registry = BackendRegistry::Default();
  for (const std::string& name : backends) {
    Result<BackendInfo> info = registry.Info(name);
    if (!info.ok() || !info->embedded) continue;
    auto options = per_backend.find(name);
    if (options == per_backend.end() || options->second.empty()) continue;
    SB_ASSIGN_OR_RETURN(std::string dir,
                        MakeTempDirectory("statebench-options-"));
    BackendConfig bc;
    bc.work_dir = dir + "/work";
    bc.checkpoint_dir = dir + "/checkpoints";
    bc.options = options->second;
    Status s = EnsureDirectory(bc.work_dir);
    if (s.ok()) s = EnsureDirectory(bc.checkpoint_dir);
    if (s.ok()) {
      Result<std::unique_ptr<StateBackend>> b = registry.Create(name, bc);
      if (b.ok()) {
        (void)(*b)->Close();
      } else if (b.status().code() == StatusCode::kInvalidArgument) {
        s = Status::InvalidArgument(
            name + ": " +
            LocateBackendOptionError(o, name, b.status().message()));
      }
    }
    (void)RemoveTree(dir);
    SB_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

namespace {

// Records that `option`, when given, overrides the workload file's value of
// the member it is bound to.
#define SB_TRACK(option, member)                                               \
  o->overrides.push_back({option, [](const RunOptions& from, RunOptions* to) { \
                            to->member = from.member;                          \
                          }})

}  // namespace

void AddWorkloadOptions(CLI::App* sub, RunOptions* o) {
  WorkloadSpec& w = o->config.workload;
  sub->add_option("--workload-file,-P", o->workload_file,
                  "Workload file: YAML (see README) or a YCSB property file "
                  "(workloada ...); flags override it")
      ->check(CLI::ExistingFile)
      ->check(RegularInputFile());
  sub->add_option(
      "--set", o->set_fields,
      "Set a workload field by name, e.g. operator.window_size_ms=5000 "
      "(repeatable)");
  sub->add_option("--trace", o->trace,
                  "Replay the op stream in this trace file")
      ->check(CLI::ExistingFile)
      ->check(RegularInputFile());
  sub->add_option("--record-trace", o->record_trace,
                  "Record the op stream the run executes (load, warmup and "
                  "measured events of the first backend's first repetition) "
                  "to this file");
  o->workload_option =
      sub->add_option("--workload", w.name, "Workload or preset name")
          ->capture_default_str();
  SB_TRACK(o->workload_option, config.workload.name);
  SB_TRACK(
      sub->add_option("--keys", w.key_count, "Distinct keys loaded into state")
          ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40))
          ->capture_default_str(),
      config.workload.key_count);
  SB_TRACK(sub->add_option("--key-size", w.key_size, "Key size in bytes")
               ->check(CLI::Range(1u, 1u << 20))
               ->capture_default_str(),
           config.workload.key_size);
  SB_TRACK(sub->add_option("--value-size", w.value_size, "Value size in bytes")
               ->check(CLI::Range(0u, 64u << 20))
               ->capture_default_str(),
           config.workload.value_size);
  SB_TRACK(
      sub->add_option("--distribution", w.key_distribution, "Key distribution")
          ->check(CLI::IsMember({"uniform", "zipfian", "hotspot", "latest",
                                 "sequential", "exponential"}))
          ->capture_default_str(),
      config.workload.key_distribution);
  SB_TRACK(sub->add_option("--zipf-theta", w.zipf_theta, "Zipfian skew")
               ->check(CLI::Range(0.01, 0.9999))
               ->capture_default_str(),
           config.workload.zipf_theta);
  SB_TRACK(sub->add_option("--read-fraction", w.read_fraction,
                           "Fraction of ops that read (value-rw)")
               ->check(CLI::Range(0.0, 1.0))
               ->capture_default_str(),
           config.workload.read_fraction);
  SB_TRACK(sub->add_option("--seed", w.seed, "Seed of the op stream")
               ->capture_default_str(),
           config.workload.seed);
}

void AddMeasurementOptions(CLI::App* sub, RunOptions* o) {
  RunConfig& c = o->config;
  AddWorkloadOptions(sub, o);
  sub->add_option("--flink-config", o->flink_config,
                  "Flink configuration file (flink-conf.yaml or config.yaml): "
                  "its backend, checkpointing, parallelism and RocksDB keys "
                  "are a base that the workload file and flags override")
      ->check(CLI::ExistingFile);
  sub->add_option("--backend-opt", o->backend_opts,
                  "Backend option [backend.]name=value (repeatable; see "
                  "'statebench backends -v')");
  SB_TRACK(sub->add_option("-p,--parallelism", c.parallelism, "Subtasks")
               ->check(CLI::Range(1, 1024))
               ->capture_default_str(),
           config.parallelism);
  SB_TRACK(sub->add_option("--max-parallelism", c.max_parallelism,
                           "Key groups (default: Flink's formula)")
               ->check(CLI::Range(1, kUpperBoundMaxParallelism)),
           config.max_parallelism);
  SB_TRACK(sub->add_option("--checkpoint-interval", c.checkpoint.interval_ms,
                           "Checkpoint interval in ms (0: none)")
               ->capture_default_str(),
           config.checkpoint.interval_ms);
  SB_TRACK(sub->add_option("--checkpoint-min-pause", c.checkpoint.min_pause_ms,
                           "Minimum pause between checkpoints in ms")
               ->capture_default_str(),
           config.checkpoint.min_pause_ms);
  SB_TRACK(sub->add_option("--checkpoint-timeout", c.checkpoint.timeout_ms,
                           "Checkpoint timeout in ms")
               ->check(CLI::Range(1u, 86'400'000u))
               ->capture_default_str(),
           config.checkpoint.timeout_ms);
  SB_TRACK(sub->add_option("--checkpoint-type", o->checkpoint_type,
                           "full or incremental (backends without incremental "
                           "checkpoints take full ones)")
               ->check(CLI::IsMember({"full", "incremental"}))
               ->capture_default_str(),
           checkpoint_type);
  SB_TRACK(
      sub->add_option("--warmup", c.warmup_s, "Warmup seconds (not measured)")
          ->check(CLI::Range(0.0, 86400.0))
          ->capture_default_str(),
      config.warmup_s);
  SB_TRACK(sub->add_option("--duration", c.measure_s, "Measured seconds")
               ->check(CLI::Range(0.1, 86400.0))
               ->capture_default_str(),
           config.measure_s);
  SB_TRACK(sub->add_option("--events", c.measure_events,
                           "Measure this many events instead of a duration"),
           config.measure_events);
  SB_TRACK(sub->add_option("-r,--repetitions", c.repetitions, "Repetitions")
               ->check(CLI::Range(1, 1000))
               ->capture_default_str(),
           config.repetitions);
  SB_TRACK(sub->add_option(
                  "--latency-sample-every", c.latency_sample_every,
                  "Time one op in N (0: auto, 100 for heap backends, else 1)")
               ->capture_default_str(),
           config.latency_sample_every);
  SB_TRACK(
      sub->add_option("--rate", c.rate,
                      "Open loop: events/s over all subtasks (0: closed loop)")
          ->check(CLI::Range(0.0, 1e9)),
      config.rate);
  SB_TRACK(sub->add_option("--max-lead-events", c.max_lead_events,
                           "Events a subtask may run ahead of the slowest one, "
                           "as network buffers bound it (0: unbounded)")
               ->capture_default_str(),
           config.max_lead_events);
  sub->add_flag("-q,--quiet", o->quiet, "No progress messages");
}

void AddRunOptions(CLI::App* sub, RunOptions* o) {
  AddMeasurementOptions(sub, o);
  sub->add_flag("--spawn", o->spawn,
                "Start private redis-server and postgres on loopback for the "
                "server backends (compare: and include them)");
  sub->add_option("--spawn-redis-appendfsync", o->spawn_redis_appendfsync,
                  "With --spawn: Redis AOF on with this fsync policy")
      ->check(CLI::IsMember({"always", "everysec", "no"}));
  sub->add_option("--spawn-pg-synchronous-commit",
                  o->spawn_pg_synchronous_commit,
                  "With --spawn: PostgreSQL synchronous_commit")
      ->check(CLI::IsMember({"on", "off", "local", "remote_write"}))
      ->capture_default_str();
  sub->add_flag("!--no-restore", o->config.measure_restore,
                "Skip the restore measurement");
  sub->add_flag("--dry-run", o->dry_run,
                "Check every input, print what would be measured, and stop");
  sub->add_option("--rescale", o->rescale,
                  "P:Q: run at parallelism P, then restore the run's last "
                  "checkpoint at parallelism Q (key groups redistributed), "
                  "timed and verified");
  sub->add_option("-o,--output", o->output, "Write the results file here");
  for (const char* fmt :
       {"md", "html", "json", "csv", "gbench", "gbench-aggregates", "bmf",
        "gab-smaller", "gab-bigger", "hgrm"}) {
    sub->add_option_function<std::string>(
        std::string("--export-") + fmt,
        [o, f = std::string(fmt)](const std::string& path) {
          o->exports[f] = path;
        },
        std::string(fmt) == "hgrm"
            ? std::string("Also write one HdrHistogram .hgrm file per backend "
                          "and op kind into this directory")
            : std::string("Also write the ") + fmt + " export to this file");
  }
}

void CollectRunOutputs(CLI::App* sub, RunOptions* o) {
  o->outputs.clear();
  AddOutputIfGiven(sub, "--output", o->output, &o->outputs);
  AddOutputIfGiven(sub, "--record-trace", o->record_trace, &o->outputs);
  for (const auto& [format, path] : o->exports) {
    o->outputs.push_back({"--export-" + format, path, format == "hgrm"});
  }
}

namespace {

Status SetField(WorkloadSpec* spec, const SpecField& field,
                const WorkloadSpec& from) {
  return SetWorkloadSpecField(spec, field.name,
                              GetWorkloadSpecField(from, field));
}

// Applies one layer of run settings (the Flink configuration's or the
// workload file's) over what `o` holds.
void ApplyRunLayer(const WorkloadFileRun& run, RunOptions* o) {
  RunConfig& c = o->config;
  if (run.parallelism) c.parallelism = *run.parallelism;
  if (run.max_parallelism) c.max_parallelism = *run.max_parallelism;
  if (run.warmup_s) c.warmup_s = *run.warmup_s;
  if (run.measure_s) c.measure_s = *run.measure_s;
  if (run.measure_events) c.measure_events = *run.measure_events;
  if (run.rate) c.rate = *run.rate;
  if (run.repetitions) c.repetitions = *run.repetitions;
  if (run.latency_sample_every)
    c.latency_sample_every = *run.latency_sample_every;
  if (run.checkpoint_interval_ms)
    c.checkpoint.interval_ms = *run.checkpoint_interval_ms;
  if (run.checkpoint_min_pause_ms) {
    c.checkpoint.min_pause_ms = *run.checkpoint_min_pause_ms;
  }
  if (run.checkpoint_timeout_ms)
    c.checkpoint.timeout_ms = *run.checkpoint_timeout_ms;
  if (run.checkpoint_type) o->checkpoint_type = *run.checkpoint_type;
  if (run.backends) o->file_backends = *run.backends;
}

// The layers' backend options, lowest first: the last value of an option
// is the one a backend gets, so --backend-opt flags win.
void AppendBackendOptions(const WorkloadFileRun& run,
                          std::vector<std::string>* opts) {
  for (const auto& [backend, kv] : run.backend_options) {
    for (const auto& [k, v] : kv) opts->push_back(backend + "." + k + "=" + v);
  }
}

// The value `setting` (a FlinkKeyUse setting name) has after every layer.
std::string FinalSetting(const RunOptions& o, const std::string& setting,
                         const std::vector<std::string>& backends) {
  const RunConfig& c = o.config;
  if (setting == "backend") {
    const std::string& flink = o.flink->backend;
    return std::find(backends.begin(), backends.end(), flink) != backends.end()
               ? flink
               : (backends.size() == 1 ? backends.front() : "");
  }
  if (setting == "parallelism") return std::to_string(c.parallelism);
  if (setting == "max_parallelism") return std::to_string(c.max_parallelism);
  if (setting == "checkpoint.type") return o.checkpoint_type;
  if (setting == "checkpoint.interval_ms") {
    return std::to_string(c.checkpoint.interval_ms);
  }
  if (setting == "checkpoint.min_pause_ms") {
    return std::to_string(c.checkpoint.min_pause_ms);
  }
  if (setting == "checkpoint.timeout_ms") {
    return std::to_string(c.checkpoint.timeout_ms);
  }
  const std::string prefix = "backend_options.";
  if (setting.rfind(prefix, 0) == 0) {
    const std::string rest = setting.substr(prefix.size());
    const size_t dot = rest.find('.');
    const std::string backend = rest.substr(0, dot);
    const std::string name = rest.substr(dot + 1);
    std::string value;
    for (const std::string& opt : o.backend_opts) {
      if (opt.rfind(backend + "." + name + "=", 0) == 0) {
        value = opt.substr(backend.size() + name.size() + 2);
      } else if (opt.rfind(name + "=", 0) == 0) {
        value = opt.substr(name.size() + 1);
      }
    }
    return value;
  }
  return "";
}

}  // namespace

namespace {

// The inputs the flags name, read and checked: the Flink configuration (kept
// in `o`), the workload file and the --set pairs.
struct Layers {
  std::optional<WorkloadFile> file;
  std::vector<std::pair<std::string, std::string>> sets;
};

Result<Layers> ReadLayers(RunOptions* o) {
  Layers layers;
  if (!o->flink_config.empty()) {
    Result<FlinkConfig> flink = LoadFlinkConfig(o->flink_config);
    if (!flink.ok()) {
      return Status::InvalidArgument(flink.status().message());
    }
    o->flink = std::move(flink).value();
  }
  if (!o->workload_file.empty()) {
    Result<WorkloadFile> loaded = LoadWorkloadFile(o->workload_file);
    if (!loaded.ok()) {
      return Status::InvalidArgument(loaded.status().message());
    }
    layers.file = std::move(loaded).value();
  }
  for (const std::string& item : o->set_fields) {
    auto eq = item.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument("--set '" + item +
                                     "' is not of the form name=value");
    }
    layers.sets.emplace_back(item.substr(0, eq), item.substr(eq + 1));
  }
  return layers;
}

// The workload or preset named, and by what: --set beats the --workload
// flag given, which beats the workload file, which beats the default.
std::pair<std::string, std::string> NamedWorkload(const RunOptions& flags,
                                                  const Layers& layers) {
  std::string name = flags.config.workload.name;
  std::string named_by = "--workload";
  if (layers.file && layers.file->spec_fields_set.count("name")) {
    name = layers.file->spec.name;
    named_by = layers.file->path;
  }
  if (flags.workload_option != nullptr && flags.workload_option->count() > 0) {
    name = flags.config.workload.name;
    named_by = "--workload";
  }
  for (const auto& [field, value] : layers.sets) {
    if (field == "name") {
      name = value;
      named_by = "--set";
    }
  }
  return {name, named_by};
}

// The preset's spec with the command's own defaults (verify's smaller
// state: fields its setup changed from the generic defaults) on top.
Result<WorkloadSpec> PresetSpec(const RunOptions& flags,
                                const std::string& name,
                                const std::string& named_by) {
  Result<WorkloadSpec> preset = DefaultWorkloadSpec(name);
  if (!preset.ok()) {
    return Status::InvalidArgument(named_by + ": " + preset.status().message());
  }
  WorkloadSpec spec = *preset;
  const WorkloadSpec generic;
  for (const SpecField& f : WorkloadSpecFields()) {
    if (f.name == "name") continue;
    if (GetWorkloadSpecField(flags.config.workload, f) !=
        GetWorkloadSpecField(generic, f)) {
      SB_RETURN_IF_ERROR(SetField(&spec, f, flags.config.workload));
    }
  }
  return spec;
}

// The Flink configuration's and the workload file's run settings and
// backend options, in that order, then the --backend-opt flags.
Status ApplyFileLayers(const RunOptions& flags, const Layers& layers,
                       WorkloadSpec* spec, RunOptions* o) {
  std::vector<std::string> backend_opts;
  if (o->flink) {
    ApplyRunLayer(o->flink->run, o);
    AppendBackendOptions(o->flink->run, &backend_opts);
    if (o->backend.empty()) o->backend = o->flink->backend;
    o->notes.insert(o->notes.end(), o->flink->notes.begin(),
                    o->flink->notes.end());
  }
  if (const std::optional<WorkloadFile>& file = layers.file) {
    for (const std::string& field : file->spec_fields_set) {
      const SpecField* f = FindSpecField(field);
      if (f == nullptr || f->name == "name") continue;
      SB_RETURN_IF_ERROR(SetField(spec, *f, file->spec));
    }
    ApplyRunLayer(file->run, o);
    AppendBackendOptions(file->run, &backend_opts);
    o->notes.insert(o->notes.end(), file->notes.begin(), file->notes.end());
    // Where each backend option of the file stands, for its errors.
    o->backend_opt_where = file->run.backend_where;
    for (const auto& [backend, kv] : file->run.backend_option_where) {
      for (const auto& [k, w] : kv) o->backend_opt_where[backend + "." + k] = w;
    }
  }
  for (const std::string& flag : flags.backend_opts) {
    o->backend_opt_where.erase(flag.substr(0, flag.find('=')));
  }
  backend_opts.insert(backend_opts.end(), flags.backend_opts.begin(),
                      flags.backend_opts.end());
  o->backend_opts = std::move(backend_opts);
  return Status::Ok();
}

// --rescale P:Q sets the run's parallelism to P and the rescale target to Q.
Status ApplyRescale(const RunOptions& flags, const Layers& layers,
                    RunOptions* o) {
  if (o->rescale.empty()) return Status::Ok();
  int from = 0, to = 0;
  char rest = 0;
  if (std::sscanf(o->rescale.c_str(), "%d:%d%c", &from, &to, &rest) != 2 ||
      from < 1 || to < 1 || from > 1024 || to > 1024) {
    return Status::InvalidArgument("--rescale '" + o->rescale +
                                   "' is not of the form P:Q with 1 <= P, "
                                   "Q <= 1024");
  }
  int& p = o->config.parallelism;
  // The Flink configuration's parallelism is a base that --rescale
  // overrides; one from the workload file or -p must agree with it.
  const bool from_flink = o->flink && o->flink->run.parallelism &&
                          p == *o->flink->run.parallelism &&
                          !(layers.file && layers.file->run.parallelism) &&
                          flags.config.parallelism != p;
  if (p != 1 && p != from && !from_flink) {
    return Status::InvalidArgument(
        "--rescale " + o->rescale + " starts at parallelism " +
        std::to_string(from) + ", but the run's parallelism is " +
        std::to_string(p));
  }
  p = from;
  o->config.rescale_to = to;
  return Status::Ok();
}

// Every subtask needs a key group; Flink refuses the same job.
Status CheckMaxParallelism(const RunConfig& c) {
  const int max_p = c.max_parallelism;
  const int most = std::max(c.parallelism, c.rescale_to);
  if (max_p <= 0 || max_p >= most) return Status::Ok();
  return Status::InvalidArgument(
      "max parallelism " + std::to_string(max_p) + " is below the " +
      (c.rescale_to > c.parallelism ? "rescale target " : "parallelism ") +
      std::to_string(most) +
      "; every subtask needs at least one key group, so raise "
      "--max-parallelism (or pipeline.max-parallelism) to at least " +
      std::to_string(most));
}

}  // namespace

Status FinalizeRunOptions(RunOptions* o) {
  SB_ASSIGN_OR_RETURN(const Layers layers, ReadLayers(o));
  const RunOptions flags = *o;
  const auto [name, named_by] = NamedWorkload(flags, layers);
  SB_ASSIGN_OR_RETURN(WorkloadSpec spec, PresetSpec(flags, name, named_by));
  SB_RETURN_IF_ERROR(ApplyFileLayers(flags, layers, &spec, o));
  o->config.workload = spec;
  for (const RunOptions::Override& ov : flags.overrides) {
    if (ov.option->count() > 0) ov.apply(flags, o);
  }
  o->config.workload.name = name;
  for (const auto& [field, value] : layers.sets) {
    SB_RETURN_IF_ERROR(SetWorkloadSpecField(&o->config.workload, field, value)
                           .WithContext("--set"));
  }
  if (!o->trace.empty()) {
    o->config.workload.name = "trace";
    o->config.workload.trace_path = o->trace;
  }
  SB_RETURN_IF_ERROR(ApplyRescale(flags, layers, o));
  return CheckMaxParallelism(o->config);
}

nlohmann::json FlinkConfigRecord(const RunOptions& o,
                                 const std::vector<std::string>& backends) {
  if (!o.flink) return nullptr;
  nlohmann::json keys = nlohmann::json::object();
  for (const FlinkKeyUse& use : o.flink->used) {
    nlohmann::json sets = nlohmann::json::object();
    nlohmann::json overridden = nlohmann::json::array();
    for (const auto& [setting, value] : use.sets) {
      sets[setting] = value;
      if (FinalSetting(o, setting, backends) != value) {
        overridden.push_back(setting);
      }
    }
    nlohmann::json entry = {{"value", use.value},
                            {"line", use.line},
                            {"column", use.column},
                            {"sets", sets}};
    if (!overridden.empty()) entry["overridden"] = overridden;
    keys[use.key] = entry;
  }
  return {{"file", o.flink->path}, {"keys", keys}};
}

void MeasureBoundedRunByEvents(RunOptions* o) {
  WorkloadSpec& w = o->config.workload;
  if (w.name == "trace" || w.run_events == 0) return;
  if (o->config.measure_events == 0) {
    o->config.measure_events = w.run_events;
    o->notes.push_back("run_events " + std::to_string(w.run_events) +
                       " (YCSB operationcount): measuring " +
                       std::to_string(w.run_events) +
                       " events, the warmup comes on top");
  }
  w.run_events = 0;
}

}  // namespace statebench
