#include "reports/results/results.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <ostream>
#include <set>
#include <string_view>
#include <type_traits>

#include "base/file_util.h"
#include "base/text_check.h"
#include "reports/results/json_text.h"

namespace statebench {
namespace {

using nlohmann::json;

constexpr CheckpointStatus kCheckpointStatuses[] = {
    CheckpointStatus::kInProgress, CheckpointStatus::kCompleted,
    CheckpointStatus::kFailed, CheckpointStatus::kTimedOut};
constexpr RestoreVerdict kRestoreVerdicts[] = {RestoreVerdict::kNotVerified,
                                               RestoreVerdict::kVerified,
                                               RestoreVerdict::kMismatch};
constexpr RunStatus kRunStatuses[] = {RunStatus::kOk, RunStatus::kFailed,
                                      RunStatus::kUnsupported};

template <typename E, size_t N>
std::optional<E> ParseName(const E (&values)[N], std::string_view name) {
  for (E e : values) {
    if (ToString(e) == name) return e;
  }
  return std::nullopt;
}

// "must be \"a\", \"b\" or \"c\"", for the reader's errors.
template <typename E, size_t N>
std::string MustBeOneOf(const E (&values)[N]) {
  std::string text = "must be ";
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) text += i + 1 == N ? " or " : ", ";
    text += "\"" + std::string(ToString(values[i])) + "\"";
  }
  return text;
}

// Never NaN or Infinity in JSON: a non-finite double becomes null.
json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
json OptNum(const std::optional<double>& v) {
  return v ? Num(*v) : json(nullptr);
}
json OptU64(const std::optional<uint64_t>& v) {
  return v ? json(*v) : json(nullptr);
}

json LatencyToJson(const LatencySummary& l) {
  return {{"samples", l.samples}, {"mean_ns", Num(l.mean_ns)},
          {"min_ns", l.min_ns},   {"p50_ns", l.p50_ns},
          {"p90_ns", l.p90_ns},   {"p99_ns", l.p99_ns},
          {"p999_ns", l.p999_ns}, {"p9999_ns", l.p9999_ns},
          {"max_ns", l.max_ns}};
}

json BucketsToJson(const HistogramBuckets& h) {
  json arr = json::array();
  for (const auto& [v, c] : h.buckets) arr.push_back({v, c});
  return arr;
}

json SummaryToJson(const MetricSummary& s) {
  json samples = json::array();
  for (double v : s.samples) samples.push_back(Num(v));
  return {{"samples", samples},
          {"median", Num(s.median)},
          {"min", Num(s.min)},
          {"max", Num(s.max)},
          {"mean", Num(s.mean)},
          {"stddev", Num(s.stddev)},
          {"relative_spread", Num(s.relative_spread)}};
}

// Optional fields added within schema version 1 are written only when
// present, so that files without them stay byte-identical.
template <typename T>
void PutIfSet(json* j, const char* key, const std::optional<T>& v) {
  if (!v) return;
  if constexpr (std::is_floating_point_v<T>) {
    (*j)[key] = Num(*v);
  } else {
    (*j)[key] = *v;
  }
}

void PutCodecFields(json* j, const std::optional<uint64_t>& uncompressed,
                    const std::optional<double>& compress_ms,
                    const std::optional<double>& encrypt_ms) {
  PutIfSet(j, "uncompressed_size", uncompressed);
  PutIfSet(j, "compress_cpu_ms", compress_ms);
  PutIfSet(j, "encrypt_cpu_ms", encrypt_ms);
}

json CheckpointToJson(const CheckpointRecord& c) {
  json subtasks = json::array();
  for (const SubtaskCheckpoint& s : c.subtasks) {
    json sj = {{"subtask", s.subtask},
               {"status", ToString(s.status)},
               {"alignment_duration_ms", Num(s.alignment_duration_ms)},
               {"sync_duration_ms", Num(s.sync_duration_ms)},
               {"async_duration_ms", Num(s.async_duration_ms)},
               {"checkpointed_size", s.checkpointed_size},
               {"full_size", s.full_size}};
    PutIfSet(&sj, "start_delay_ms", s.start_delay_ms);
    PutCodecFields(&sj, s.uncompressed_size, s.compress_cpu_ms,
                   s.encrypt_cpu_ms);
    subtasks.push_back(std::move(sj));
  }
  json cj = {{"id", c.id},
             {"status", ToString(c.status)},
             {"failure_reason", c.failure_reason},
             {"type", c.type},
             {"trigger_time_s", Num(c.trigger_time_s)},
             {"end_to_end_duration_ms", Num(c.end_to_end_duration_ms)},
             {"sync_duration_ms", Num(c.sync_duration_ms)},
             {"async_duration_ms", Num(c.async_duration_ms)},
             {"alignment_duration_ms", Num(c.alignment_duration_ms)},
             {"checkpointed_size", c.checkpointed_size},
             {"full_size", c.full_size},
             {"subtasks", subtasks}};
  PutIfSet(&cj, "start_delay_ms", c.start_delay_ms);
  if (!c.compression.empty()) cj["compression"] = c.compression;
  if (!c.encryption.empty()) cj["encryption"] = c.encryption;
  PutCodecFields(&cj, c.uncompressed_size, c.compress_cpu_ms, c.encrypt_cpu_ms);
  return cj;
}

json IoToJson(const IoResult& io) {
  json j = {{"logical_bytes_written", io.logical_bytes_written},
            {"logical_live_bytes", io.logical_live_bytes},
            {"backend_bytes_written", io.backend_bytes_written},
            {"write_breakdown", io.write_breakdown},
            {"process_write_bytes", OptU64(io.process_write_bytes)},
            {"server_write_bytes", OptU64(io.server_write_bytes)},
            {"storage_size", io.storage_size},
            {"write_amplification", OptNum(io.write_amplification)},
            {"space_amplification", OptNum(io.space_amplification)},
            {"source", io.source},
            {"cross_check", io.cross_check}};
  if (!io.read_sources.empty()) j["read_sources"] = io.read_sources;
  return j;
}

json RestoreToJson(const RestoreResult& r) {
  json subtasks = json::array();
  for (double d : r.subtask_duration_ms) subtasks.push_back(Num(d));
  json j = {{"kind", r.kind},
            {"from_parallelism", r.from_parallelism},
            {"to_parallelism", r.to_parallelism},
            {"duration_ms", Num(r.duration_ms)},
            {"bytes_read", r.bytes_read},
            {"bytes_per_s", OptNum(r.bytes_per_s)},
            {"entries", r.entries},
            {"subtask_duration_ms", subtasks},
            {"verdict", ToString(r.verdict)},
            {"detail", r.detail}};
  PutIfSet(&j, "checked", r.checked);
  PutIfSet(&j, "bytes_copied", r.bytes_copied);
  PutIfSet(&j, "bytes_linked", r.bytes_linked);
  PutIfSet(&j, "state_bytes", r.state_bytes);
  if (!r.mode.empty()) j["mode"] = r.mode;
  if (!r.mode_detail.empty()) j["mode_detail"] = r.mode_detail;
  PutIfSet(&j, "decompress_cpu_ms", r.decompress_cpu_ms);
  PutIfSet(&j, "decrypt_cpu_ms", r.decrypt_cpu_ms);
  return j;
}

json RepetitionToJson(const Repetition& r) {
  json ops = json::array();
  for (const OpKindResult& o : r.ops) {
    json op = {{"op", o.op},
               {"count", o.count},
               {"latency", LatencyToJson(o.latency)},
               {"histogram", BucketsToJson(o.histogram)}};
    op["latency_corrected"] =
        o.latency_corrected ? LatencyToJson(*o.latency_corrected) : json();
    op["histogram_corrected"] =
        o.histogram_corrected ? BucketsToJson(*o.histogram_corrected) : json();
    ops.push_back(std::move(op));
  }
  json checkpoints = json::array();
  for (const CheckpointRecord& c : r.checkpoints) {
    checkpoints.push_back(CheckpointToJson(c));
  }
  json restores = json::array();
  for (const RestoreResult& x : r.restores)
    restores.push_back(RestoreToJson(x));
  json timeline = json::array();
  for (double v : r.timeline_ops_per_s) timeline.push_back(Num(v));
  json metrics = json::object();
  for (const auto& [k, v] : r.metrics) metrics[k] = Num(v);
  json j = {{"index", r.index},
            {"load_duration_s", Num(r.load_duration_s)},
            {"load_ops", r.load_ops},
            {"warmup_duration_s", Num(r.warmup_duration_s)},
            {"warmup_ops", r.warmup_ops},
            {"measure_duration_s", Num(r.measure_duration_s)},
            {"measure_ops", r.measure_ops},
            {"measure_events", r.measure_events},
            {"ops_per_s", Num(r.ops_per_s)},
            {"events_per_s", Num(r.events_per_s)},
            {"timeline_ops_per_s", timeline},
            {"ops", ops},
            {"checkpoints", checkpoints},
            {"io", IoToJson(r.io)},
            {"restores", restores},
            {"peak_rss_bytes", OptU64(r.peak_rss_bytes)},
            {"metrics", metrics}};
  if (r.status != RunStatus::kOk) j["status"] = ToString(r.status);
  if (!r.measure_end.empty()) j["measure_end"] = r.measure_end;
  return j;
}

json RunToJson(const RunResult& run) {
  json reps = json::array();
  for (const Repetition& r : run.repetitions)
    reps.push_back(RepetitionToJson(r));
  json summary = json::object();
  for (const auto& [k, s] : run.summary) summary[k] = SummaryToJson(s);
  const CapabilitiesRecord& c = run.capabilities;
  json j = {{"backend", run.backend},
            {"workload", run.workload},
            {"status", ToString(run.status)},
            {"failure_phase", run.failure_phase},
            {"failure_reason", run.failure_reason},
            {"capabilities",
             {{"durable", c.durable},
              {"incremental", c.incremental},
              {"remote", c.remote},
              {"exactly_once", c.exactly_once},
              {"memory_bound", c.memory_bound},
              {"rescale_mode", c.rescale_mode}}},
            {"backend_options", run.backend_options},
            {"parallelism", run.parallelism},
            {"max_parallelism", run.max_parallelism},
            {"checkpoint_type", run.checkpoint_type},
            {"latency_sample_every", run.latency_sample_every},
            {"open_loop", run.open_loop},
            {"target_rate", Num(run.target_rate)},
            {"repetitions", reps},
            {"summary", summary},
            {"verification", run.verification},
            {"extra", run.extra}};
  if (!c.persistence.empty()) {
    j["capabilities"]["persistence"] = c.persistence;
  }
  if (!c.durability_note.empty()) {
    j["capabilities"]["durability_note"] = c.durability_note;
  }
  if (!run.read_sources.empty()) j["read_sources"] = run.read_sources;
  if (!run.effective_config.empty()) {
    j["effective_config"] = run.effective_config;
  }
  PutIfSet(&j, "achieved_rate", run.achieved_rate);
  PutIfSet(&j, "saturated", run.saturated);
  if (!run.warnings.empty()) j["warnings"] = run.warnings;
  return j;
}

// ---- Reading -------------------------------------------------------------

// Reads fields from a JSON object, remembering the first type error with its
// JSON path so the caller can report one clear message.
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  const Status& status() const { return status_; }

  template <typename T>
  void Get(const json& obj, const char* key, T* out, const std::string& path) {
    if (!status_.ok()) return;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return;  // absent: keep default
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      if (!CheckNumber<T>(*it, path + "." + key)) return;
    }
    try {
      *out = it->get<T>();
    } catch (const json::exception&) {
      Fail(path + "." + key,
           "has the wrong type (" + std::string(it->type_name()) + ")");
    }
  }
  // A status or verdict: a name that `parse` accepts; any other string
  // fails naming the field and the names of `values`. Absent: keep default.
  template <typename E, size_t N>
  void GetEnum(const json& obj, const char* key, E* out,
               const std::string& path,
               std::optional<E> (*parse)(std::string_view),
               const E (&values)[N]) {
    std::optional<std::string> name;
    GetOpt(obj, key, &name, path);
    if (!status_.ok() || !name) return;
    if (std::optional<E> e = parse(*name)) {
      *out = *e;
    } else {
      Fail(path + "." + key, MustBeOneOf(values));
    }
  }
  // Counts, sizes, durations, rates and ids are never negative; only the
  // summaries of derived metrics may be (allow_negative).
  void set_allow_negative(bool allow) { allow_negative_ = allow; }
  template <typename T>
  void GetOpt(const json& obj, const char* key, std::optional<T>* out,
              const std::string& path) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return;
    T v{};
    Get(obj, key, &v, path);
    if (status_.ok()) *out = v;
  }
  const json* Array(const json& obj, const char* key, const std::string& path) {
    if (!status_.ok()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    if (!it->is_array()) {
      Fail(path + "." + key, "must be an array");
      return nullptr;
    }
    return &*it;
  }
  const json* Object(const json& obj, const char* key,
                     const std::string& path) {
    if (!status_.ok()) return nullptr;
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return nullptr;
    if (!it->is_object()) {
      Fail(path + "." + key, "must be an object");
      return nullptr;
    }
    return &*it;
  }
  bool RequireObject(const json& j, const std::string& path) {
    if (!status_.ok()) return false;
    if (!j.is_object()) Fail(path, "must be an object");
    return status_.ok();
  }
  void Fail(const std::string& path, const std::string& what) {
    if (status_.ok()) {
      status_ = Status::InvalidArgument(origin_ + ": " + path + " " + what);
    }
  }

 private:
  // A value that get<T>() would wrap, truncate or saturate (a 30-digit
  // count is a float to the parser, -1 in a count wraps) is refused.
  template <typename T>
  bool CheckNumber(const json& v, const std::string& path) {
    if (!v.is_number()) return true;  // get<T>() reports the wrong type
    if constexpr (std::is_integral_v<T>) {
      const std::string range =
          "[" +
          std::to_string(allow_negative_ ? std::numeric_limits<T>::min()
                                         : T{0}) +
          ", " + std::to_string(std::numeric_limits<T>::max()) + "]";
      bool ok = false;
      if (v.is_number_unsigned()) {
        ok = v.get<uint64_t>() <=
             static_cast<uint64_t>(std::numeric_limits<T>::max());
      } else if (v.is_number_integer()) {
        const int64_t x = v.get<int64_t>();
        ok =
            x >= (allow_negative_
                      ? static_cast<int64_t>(std::numeric_limits<T>::min())
                      : 0) &&
            (x < 0 || static_cast<uint64_t>(x) <=
                          static_cast<uint64_t>(std::numeric_limits<T>::max()));
      }
      if (!ok) Fail(path, "must be a whole number within " + range);
      return ok;
    } else {
      const double x = v.get<double>();
      if (!std::isfinite(x) || (!allow_negative_ && x < 0)) {
        Fail(path, allow_negative_ ? "must be a finite number"
                                   : "must be a finite number >= 0");
        return false;
      }
      return true;
    }
  }

  std::string origin_;
  Status status_;
  bool allow_negative_ = false;
};

void ReadLatency(Reader& r, const json& j, LatencySummary* l,
                 const std::string& p) {
  if (!r.RequireObject(j, p)) return;
  r.Get(j, "samples", &l->samples, p);
  r.Get(j, "mean_ns", &l->mean_ns, p);
  r.Get(j, "min_ns", &l->min_ns, p);
  r.Get(j, "p50_ns", &l->p50_ns, p);
  r.Get(j, "p90_ns", &l->p90_ns, p);
  r.Get(j, "p99_ns", &l->p99_ns, p);
  r.Get(j, "p999_ns", &l->p999_ns, p);
  r.Get(j, "p9999_ns", &l->p9999_ns, p);
  r.Get(j, "max_ns", &l->max_ns, p);
}

void ReadBuckets(Reader& r, const json& j, HistogramBuckets* h,
                 const std::string& p) {
  if (!j.is_array()) {
    r.Fail(p, "must be an array of [value, count] pairs");
    return;
  }
  for (size_t i = 0; i < j.size(); ++i) {
    const json& b = j[i];
    if (!b.is_array() || b.size() != 2 || !b[0].is_number_unsigned() ||
        !b[1].is_number_unsigned()) {
      r.Fail(p + "[" + std::to_string(i) + "]",
             "must be a pair of non-negative integers");
      return;
    }
    h->buckets.emplace_back(b[0].get<uint64_t>(), b[1].get<uint64_t>());
  }
}

void ReadCheckpoint(Reader& r, const json& j, CheckpointRecord* c,
                    const std::string& p) {
  if (!r.RequireObject(j, p)) return;
  r.Get(j, "id", &c->id, p);
  r.GetEnum(j, "status", &c->status, p, ParseCheckpointStatus,
            kCheckpointStatuses);
  r.Get(j, "failure_reason", &c->failure_reason, p);
  r.Get(j, "type", &c->type, p);
  r.Get(j, "trigger_time_s", &c->trigger_time_s, p);
  r.Get(j, "end_to_end_duration_ms", &c->end_to_end_duration_ms, p);
  r.Get(j, "sync_duration_ms", &c->sync_duration_ms, p);
  r.Get(j, "async_duration_ms", &c->async_duration_ms, p);
  r.Get(j, "alignment_duration_ms", &c->alignment_duration_ms, p);
  r.Get(j, "checkpointed_size", &c->checkpointed_size, p);
  r.Get(j, "full_size", &c->full_size, p);
  if (j.contains("compression")) r.Get(j, "compression", &c->compression, p);
  if (j.contains("encryption")) r.Get(j, "encryption", &c->encryption, p);
  r.GetOpt(j, "start_delay_ms", &c->start_delay_ms, p);
  r.GetOpt(j, "uncompressed_size", &c->uncompressed_size, p);
  r.GetOpt(j, "compress_cpu_ms", &c->compress_cpu_ms, p);
  r.GetOpt(j, "encrypt_cpu_ms", &c->encrypt_cpu_ms, p);
  if (const json* subs = r.Array(j, "subtasks", p)) {
    for (size_t i = 0; i < subs->size(); ++i) {
      std::string sp = p + ".subtasks[" + std::to_string(i) + "]";
      const json& s = (*subs)[i];
      if (!r.RequireObject(s, sp)) return;
      SubtaskCheckpoint sc;
      r.Get(s, "subtask", &sc.subtask, sp);
      r.GetEnum(s, "status", &sc.status, sp, ParseCheckpointStatus,
                kCheckpointStatuses);
      r.Get(s, "alignment_duration_ms", &sc.alignment_duration_ms, sp);
      r.Get(s, "sync_duration_ms", &sc.sync_duration_ms, sp);
      r.Get(s, "async_duration_ms", &sc.async_duration_ms, sp);
      r.Get(s, "checkpointed_size", &sc.checkpointed_size, sp);
      r.Get(s, "full_size", &sc.full_size, sp);
      r.GetOpt(s, "start_delay_ms", &sc.start_delay_ms, sp);
      r.GetOpt(s, "uncompressed_size", &sc.uncompressed_size, sp);
      r.GetOpt(s, "compress_cpu_ms", &sc.compress_cpu_ms, sp);
      r.GetOpt(s, "encrypt_cpu_ms", &sc.encrypt_cpu_ms, sp);
      c->subtasks.push_back(sc);
    }
  }
}

void ReadIo(Reader& r, const json& j, IoResult* io, const std::string& p) {
  if (!r.RequireObject(j, p)) return;
  r.Get(j, "logical_bytes_written", &io->logical_bytes_written, p);
  r.Get(j, "logical_live_bytes", &io->logical_live_bytes, p);
  r.Get(j, "backend_bytes_written", &io->backend_bytes_written, p);
  r.Get(j, "write_breakdown", &io->write_breakdown, p);
  r.GetOpt(j, "process_write_bytes", &io->process_write_bytes, p);
  r.GetOpt(j, "server_write_bytes", &io->server_write_bytes, p);
  r.Get(j, "storage_size", &io->storage_size, p);
  r.GetOpt(j, "write_amplification", &io->write_amplification, p);
  r.GetOpt(j, "space_amplification", &io->space_amplification, p);
  r.Get(j, "source", &io->source, p);
  r.Get(j, "cross_check", &io->cross_check, p);
  r.Get(j, "read_sources", &io->read_sources, p);
}

void ReadRestore(Reader& r, const json& j, RestoreResult* x,
                 const std::string& p) {
  if (!r.RequireObject(j, p)) return;
  r.Get(j, "kind", &x->kind, p);
  r.Get(j, "from_parallelism", &x->from_parallelism, p);
  r.Get(j, "to_parallelism", &x->to_parallelism, p);
  r.Get(j, "duration_ms", &x->duration_ms, p);
  r.Get(j, "bytes_read", &x->bytes_read, p);
  r.GetOpt(j, "bytes_per_s", &x->bytes_per_s, p);
  r.Get(j, "entries", &x->entries, p);
  r.Get(j, "subtask_duration_ms", &x->subtask_duration_ms, p);
  r.GetOpt(j, "checked", &x->checked, p);
  r.GetOpt(j, "bytes_copied", &x->bytes_copied, p);
  r.GetOpt(j, "bytes_linked", &x->bytes_linked, p);
  r.GetOpt(j, "state_bytes", &x->state_bytes, p);
  if (j.contains("mode")) r.Get(j, "mode", &x->mode, p);
  if (j.contains("mode_detail")) r.Get(j, "mode_detail", &x->mode_detail, p);
  r.GetOpt(j, "decompress_cpu_ms", &x->decompress_cpu_ms, p);
  r.GetOpt(j, "decrypt_cpu_ms", &x->decrypt_cpu_ms, p);
  r.GetEnum(j, "verdict", &x->verdict, p, ParseRestoreVerdict,
            kRestoreVerdicts);
  r.Get(j, "detail", &x->detail, p);
}

void ReadRepetition(Reader& r, const json& j, Repetition* rep,
                    const std::string& p) {
  if (!r.RequireObject(j, p)) return;
  r.Get(j, "index", &rep->index, p);
  r.GetEnum(j, "status", &rep->status, p, ParseRunStatus, kRunStatuses);
  r.Get(j, "measure_end", &rep->measure_end, p);
  r.Get(j, "load_duration_s", &rep->load_duration_s, p);
  r.Get(j, "load_ops", &rep->load_ops, p);
  r.Get(j, "warmup_duration_s", &rep->warmup_duration_s, p);
  r.Get(j, "warmup_ops", &rep->warmup_ops, p);
  r.Get(j, "measure_duration_s", &rep->measure_duration_s, p);
  r.Get(j, "measure_ops", &rep->measure_ops, p);
  r.Get(j, "measure_events", &rep->measure_events, p);
  r.Get(j, "ops_per_s", &rep->ops_per_s, p);
  r.Get(j, "events_per_s", &rep->events_per_s, p);
  if (const json* tl = r.Array(j, "timeline_ops_per_s", p)) {
    for (const json& v : *tl) {
      rep->timeline_ops_per_s.push_back(v.is_number() ? v.get<double>() : 0);
    }
  }
  if (const json* ops = r.Array(j, "ops", p)) {
    for (size_t i = 0; i < ops->size(); ++i) {
      std::string op_path = p + ".ops[" + std::to_string(i) + "]";
      const json& o = (*ops)[i];
      if (!r.RequireObject(o, op_path)) return;
      OpKindResult k;
      r.Get(o, "op", &k.op, op_path);
      r.Get(o, "count", &k.count, op_path);
      if (const json* l = r.Object(o, "latency", op_path)) {
        ReadLatency(r, *l, &k.latency, op_path + ".latency");
      }
      if (auto it = o.find("histogram"); it != o.end() && !it->is_null()) {
        ReadBuckets(r, *it, &k.histogram, op_path + ".histogram");
      }
      if (const json* l = r.Object(o, "latency_corrected", op_path)) {
        k.latency_corrected.emplace();
        ReadLatency(r, *l, &*k.latency_corrected,
                    op_path + ".latency_corrected");
      }
      if (auto it = o.find("histogram_corrected");
          it != o.end() && !it->is_null()) {
        k.histogram_corrected.emplace();
        ReadBuckets(r, *it, &*k.histogram_corrected,
                    op_path + ".histogram_corrected");
      }
      rep->ops.push_back(std::move(k));
    }
  }
  if (const json* cps = r.Array(j, "checkpoints", p)) {
    for (size_t i = 0; i < cps->size(); ++i) {
      CheckpointRecord c;
      ReadCheckpoint(r, (*cps)[i], &c,
                     p + ".checkpoints[" + std::to_string(i) + "]");
      rep->checkpoints.push_back(std::move(c));
    }
  }
  if (const json* io = r.Object(j, "io", p))
    ReadIo(r, *io, &rep->io, p + ".io");
  if (const json* rs = r.Array(j, "restores", p)) {
    for (size_t i = 0; i < rs->size(); ++i) {
      RestoreResult x;
      ReadRestore(r, (*rs)[i], &x, p + ".restores[" + std::to_string(i) + "]");
      rep->restores.push_back(std::move(x));
    }
  }
  r.GetOpt(j, "peak_rss_bytes", &rep->peak_rss_bytes, p);
  if (const json* m = r.Object(j, "metrics", p)) {
    for (const auto& [k, v] : m->items()) {
      if (v.is_number())
        rep->metrics[k] = v.get<double>();
      else if (!v.is_null())
        r.Fail(p + ".metrics." + k, "must be a number");
    }
  }
}

void ReadSummary(Reader& r, const json& j, MetricSummary* s,
                 const std::string& p) {
  if (!r.RequireObject(j, p)) return;
  struct AllowNegative {
    Reader& r;
    explicit AllowNegative(Reader& reader) : r(reader) {
      r.set_allow_negative(true);
    }
    ~AllowNegative() { r.set_allow_negative(false); }
  } allow(r);
  if (const json* samples = r.Array(j, "samples", p)) {
    for (const json& v : *samples) {
      if (v.is_number()) s->samples.push_back(v.get<double>());
    }
  }
  r.Get(j, "median", &s->median, p);
  r.Get(j, "min", &s->min, p);
  r.Get(j, "max", &s->max, p);
  r.Get(j, "mean", &s->mean, p);
  r.Get(j, "stddev", &s->stddev, p);
  r.Get(j, "relative_spread", &s->relative_spread, p);
}

void ReadRun(Reader& r, const json& j, RunResult* run, const std::string& p) {
  if (!r.RequireObject(j, p)) return;
  r.Get(j, "backend", &run->backend, p);
  r.Get(j, "workload", &run->workload, p);
  r.GetEnum(j, "status", &run->status, p, ParseRunStatus, kRunStatuses);
  r.Get(j, "failure_phase", &run->failure_phase, p);
  r.Get(j, "failure_reason", &run->failure_reason, p);
  if (const json* c = r.Object(j, "capabilities", p)) {
    std::string cp = p + ".capabilities";
    r.Get(*c, "durable", &run->capabilities.durable, cp);
    r.Get(*c, "incremental", &run->capabilities.incremental, cp);
    r.Get(*c, "remote", &run->capabilities.remote, cp);
    r.Get(*c, "exactly_once", &run->capabilities.exactly_once, cp);
    r.Get(*c, "memory_bound", &run->capabilities.memory_bound, cp);
    r.Get(*c, "rescale_mode", &run->capabilities.rescale_mode, cp);
    r.Get(*c, "persistence", &run->capabilities.persistence, cp);
    r.Get(*c, "durability_note", &run->capabilities.durability_note, cp);
  }
  r.Get(j, "read_sources", &run->read_sources, p);
  r.Get(j, "backend_options", &run->backend_options, p);
  r.Get(j, "effective_config", &run->effective_config, p);
  r.Get(j, "parallelism", &run->parallelism, p);
  if (r.status().ok() && j.contains("parallelism") && run->parallelism < 1) {
    r.Fail(p + ".parallelism", "must be at least 1");
  }
  r.Get(j, "max_parallelism", &run->max_parallelism, p);
  r.Get(j, "checkpoint_type", &run->checkpoint_type, p);
  r.Get(j, "latency_sample_every", &run->latency_sample_every, p);
  r.Get(j, "open_loop", &run->open_loop, p);
  r.Get(j, "target_rate", &run->target_rate, p);
  r.GetOpt(j, "achieved_rate", &run->achieved_rate, p);
  r.GetOpt(j, "saturated", &run->saturated, p);
  r.Get(j, "warnings", &run->warnings, p);
  if (const json* reps = r.Array(j, "repetitions", p)) {
    for (size_t i = 0; i < reps->size(); ++i) {
      Repetition rep;
      ReadRepetition(r, (*reps)[i], &rep,
                     p + ".repetitions[" + std::to_string(i) + "]");
      run->repetitions.push_back(std::move(rep));
    }
  }
  if (const json* sum = r.Object(j, "summary", p)) {
    for (const auto& [k, v] : sum->items()) {
      MetricSummary s;
      ReadSummary(r, v, &s, p + ".summary." + k);
      run->summary[k] = std::move(s);
    }
  }
  if (auto it = j.find("verification"); it != j.end()) run->verification = *it;
  if (auto it = j.find("extra"); it != j.end() && it->is_object()) {
    run->extra = *it;
  }
}

}  // namespace

MetricInfo DescribeMetric(const std::string& name) {
  auto ends_with = [&](std::string_view s) {
    return name.size() >= s.size() &&
           name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  auto starts_with = [&](std::string_view s) { return name.rfind(s, 0) == 0; };
  if (ends_with("compression_ratio")) return {"ratio", true};
  if (starts_with("throughput.") || ends_with("bytes_per_s")) {
    return {ends_with("bytes_per_s") ? "bytes/s" : "ops/s", true};
  }
  if (ends_with("_ns")) return {"ns", false};
  if (ends_with("_ms")) return {"ms", false};
  if (ends_with("_bytes")) return {"bytes", false};
  if (ends_with("amplification")) return {"ratio", false};
  if (ends_with("_share")) return {"fraction", false};
  return {"", false};
}

MetricSummary Summarize(std::vector<double> samples) {
  MetricSummary s;
  s.samples = samples;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  auto median_of = [](const std::vector<double>& v) {
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  };
  s.median = median_of(samples);
  s.min = samples.front();
  s.max = samples.back();
  double sum = 0;
  for (double v : samples) sum += v;
  s.mean = sum / static_cast<double>(samples.size());
  double var = 0;
  for (double v : samples) var += (v - s.mean) * (v - s.mean);
  s.stddev = samples.size() > 1
                 ? std::sqrt(var / static_cast<double>(samples.size() - 1))
                 : 0;
  std::vector<double> dev;
  for (double v : samples) dev.push_back(std::fabs(v - s.median));
  std::sort(dev.begin(), dev.end());
  s.relative_spread = s.median != 0 ? median_of(dev) / std::fabs(s.median) : 0;
  return s;
}

uint64_t HistogramValueAtPercentile(const HistogramBuckets& h,
                                    double percentile, uint64_t max_ns) {
  uint64_t total = 0;
  for (const auto& [v, c] : h.buckets) total += c;
  if (total == 0) return 0;
  double p = std::clamp(percentile, 0.0, 100.0);
  auto target =
      static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total)));
  if (target == 0) target = 1;
  uint64_t seen = 0;
  for (const auto& [v, c] : h.buckets) {
    seen += c;
    if (seen >= target) return max_ns > 0 ? std::min(v, max_ns) : v;
  }
  return max_ns > 0 ? max_ns : h.buckets.back().first;
}

namespace {

// All samples of one op kind over the ok repetitions of a run.
struct MergedLatency {
  HistogramBuckets histogram;
  uint64_t samples = 0;
  double sum_ns = 0;
  uint64_t min_ns = 0;
  uint64_t max_ns = 0;
};

std::map<std::string, MergedLatency> MergeOpLatencies(const RunResult& run,
                                                      bool corrected) {
  std::map<std::string, std::map<uint64_t, uint64_t>> buckets;
  std::map<std::string, MergedLatency> out;
  for (const Repetition& rep : run.repetitions) {
    if (rep.status != RunStatus::kOk) continue;
    for (const OpKindResult& k : rep.ops) {
      const HistogramBuckets* h =
          corrected
              ? (k.histogram_corrected ? &*k.histogram_corrected : nullptr)
              : &k.histogram;
      const LatencySummary* l =
          corrected ? (k.latency_corrected ? &*k.latency_corrected : nullptr)
                    : &k.latency;
      if (h == nullptr || l == nullptr || h->buckets.empty() ||
          l->samples == 0) {
        continue;
      }
      for (const auto& [v, c] : h->buckets) buckets[k.op][v] += c;
      MergedLatency& m = out[k.op];
      m.min_ns = m.samples == 0 ? l->min_ns : std::min(m.min_ns, l->min_ns);
      m.max_ns = std::max(m.max_ns, l->max_ns);
      m.sum_ns += l->mean_ns * static_cast<double>(l->samples);
      m.samples += l->samples;
    }
  }
  for (auto& [op, m] : out) {
    for (const auto& vc : buckets[op]) m.histogram.buckets.push_back(vc);
  }
  return out;
}

}  // namespace

void MergeLatencySummary(RunResult* run) {
  for (bool corrected : {false, true}) {
    const std::string prefix = corrected ? "latency_corrected." : "latency.";
    for (const auto& [op, m] : MergeOpLatencies(*run, corrected)) {
      auto set = [&](const std::string& stat, double value) {
        auto it = run->summary.find(prefix + op + "." + stat + "_ns");
        if (it == run->summary.end() || it->second.samples.empty()) return;
        if (std::isfinite(value)) it->second.median = value;
      };
      auto at = [&](double p) {
        return static_cast<double>(
            HistogramValueAtPercentile(m.histogram, p, m.max_ns));
      };
      set("p50", at(50));
      set("p90", at(90));
      set("p99", at(99));
      set("p999", at(99.9));
      set("p9999", at(99.99));
      set("min", static_cast<double>(m.min_ns));
      set("max", static_cast<double>(m.max_ns));
      if (m.samples > 0) {
        set("mean", m.sum_ns / static_cast<double>(m.samples));
      }
    }
  }
}

void SummarizeRepetitions(RunResult* run) {
  std::map<std::string, std::vector<double>> by_metric;
  for (const Repetition& rep : run->repetitions) {
    // A repetition that failed (say, ran against a local buffer after its
    // server died) measured something else than the others.
    if (rep.status != RunStatus::kOk) continue;
    for (const auto& [k, v] : rep.metrics) {
      if (std::isfinite(v)) by_metric[k].push_back(v);
    }
  }
  run->summary.clear();
  for (auto& [k, v] : by_metric) run->summary[k] = Summarize(std::move(v));
  MergeLatencySummary(run);
  run->achieved_rate.reset();
  run->saturated.reset();
  if (run->open_loop && run->target_rate > 0) {
    auto it = run->summary.find("throughput.events_per_s");
    if (it != run->summary.end() && !it->second.samples.empty()) {
      run->achieved_rate = it->second.median;
      run->saturated =
          it->second.median < run->target_rate * (1 - kSaturationTolerance);
    }
  }
  run->warnings = RunWarnings(*run);
}

bool IsSaturated(const RunResult& run) {
  if (run.saturated) return *run.saturated;
  if (!run.open_loop || run.target_rate <= 0) return false;
  auto it = run.summary.find("throughput.events_per_s");
  return it != run.summary.end() && !it->second.samples.empty() &&
         it->second.median < run.target_rate * (1 - kSaturationTolerance);
}

namespace {

// 1234567 -> "1.23M": enough digits to compare rates in a sentence.
std::string ShortRate(double v) {
  char buf[32];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  } else if (v >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  }
  return buf;
}

}  // namespace

std::vector<std::string> RunWarnings(const RunResult& run) {
  std::vector<std::string> out;
  if (run.status != RunStatus::kOk) return out;
  if (IsSaturated(run)) {
    double achieved = run.achieved_rate.value_or(
        run.summary.at("throughput.events_per_s").median);
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "saturated: asked for %s events/s (--rate), achieved %s "
                  "events/s (%.0f%%); the backlog grew for the whole phase, so "
                  "latency from intended start is that of an overloaded "
                  "system",
                  ShortRate(run.target_rate).c_str(),
                  ShortRate(achieved).c_str(),
                  100 * achieved / run.target_rate);
    out.push_back(buf);
  }
  if (auto it = run.summary.find("throughput.ops_per_s");
      it != run.summary.end() && it->second.samples.size() > 1 &&
      std::isfinite(it->second.relative_spread) &&
      it->second.relative_spread > kSpreadWarning) {
    std::string samples;
    for (double v : it->second.samples) {
      samples += (samples.empty() ? "" : ", ") + ShortRate(v);
    }
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "throughput spread ±%.0f%% between repetitions (%s ops/s), "
                  "above %.0f%%: the median is not a stable figure (a noisy "
                  "machine or too short a phase; more repetitions or a longer "
                  "--duration help)",
                  100 * it->second.relative_spread, samples.c_str(),
                  100 * kSpreadWarning);
    out.push_back(buf);
  }
  int ended = 0;
  double shortest = 0;
  for (const Repetition& rep : run.repetitions) {
    if (rep.status != RunStatus::kOk || rep.measure_end != "end_of_input") {
      continue;
    }
    shortest = ended++ == 0 ? rep.measure_duration_s
                            : std::min(shortest, rep.measure_duration_s);
  }
  if (ended > 0) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "the workload's input ran out: the measured phase of %d "
                  "repetition(s) ended with it (the shortest after %.3g s); "
                  "rates are over the time the ops ran",
                  ended, shortest);
    out.push_back(buf);
  }
  return out;
}

nlohmann::json ToJson(const ResultsFile& results) {
  const Context& c = results.context;
  json runs = json::array();
  for (const RunResult& run : results.runs) runs.push_back(RunToJson(run));
  json out = {{"schema", results.schema},
              {"context",
               {{"statebench_version", c.statebench_version},
                {"git_sha", c.git_sha},
                {"build_type", c.build_type},
                {"compiler", c.compiler},
                {"host", c.host},
                {"os", c.os},
                {"cpu_model", c.cpu_model},
                {"cpu_count", c.cpu_count},
                {"memory_bytes", c.memory_bytes},
                {"libraries", c.libraries},
                {"started_at", c.started_at},
                {"command", c.command},
                {"argv", c.argv},
                {"warnings", c.warnings}}},
              {"config", results.config},
              {"runs", runs},
              {"recommendation", results.recommendation}};
  if (!results.curves.is_null()) out["curves"] = results.curves;
  return out;
}

Result<ResultsFile> ResultsFromJson(const nlohmann::json& j,
                                    const std::string& origin) {
  Reader r(origin);
  ResultsFile out;
  if (!j.is_object()) {
    return Status::InvalidArgument(origin +
                                   ": not a statebench results file (the top "
                                   "level is not a JSON object)");
  }
  auto schema = j.find("schema");
  if (schema == j.end() || !schema->is_string()) {
    return Status::InvalidArgument(
        origin + ": not a statebench results file (no \"schema\" string)");
  }
  if (schema->get<std::string>() != kResultsSchema) {
    return Status::InvalidArgument(
        origin + ": schema \"" + schema->get<std::string>() +
        "\" is not supported; expected \"" + kResultsSchema + "\"");
  }
  if (const json* c = r.Object(j, "context", "")) {
    Context& x = out.context;
    const std::string p = "context";
    r.Get(*c, "statebench_version", &x.statebench_version, p);
    r.Get(*c, "git_sha", &x.git_sha, p);
    r.Get(*c, "build_type", &x.build_type, p);
    r.Get(*c, "compiler", &x.compiler, p);
    r.Get(*c, "host", &x.host, p);
    r.Get(*c, "os", &x.os, p);
    r.Get(*c, "cpu_model", &x.cpu_model, p);
    r.Get(*c, "cpu_count", &x.cpu_count, p);
    r.Get(*c, "memory_bytes", &x.memory_bytes, p);
    r.Get(*c, "libraries", &x.libraries, p);
    r.Get(*c, "started_at", &x.started_at, p);
    r.Get(*c, "command", &x.command, p);
    r.Get(*c, "argv", &x.argv, p);
    r.Get(*c, "warnings", &x.warnings, p);
  }
  if (auto it = j.find("config"); it != j.end()) out.config = *it;
  const json* runs = r.Array(j, "runs", "");
  if (r.status().ok() && runs == nullptr) {
    return Status::InvalidArgument(origin + ": has no \"runs\" array");
  }
  if (runs != nullptr) {
    for (size_t i = 0; i < runs->size(); ++i) {
      RunResult run;
      ReadRun(r, (*runs)[i], &run, "runs[" + std::to_string(i) + "]");
      out.runs.push_back(std::move(run));
    }
  }
  if (auto it = j.find("recommendation"); it != j.end()) {
    out.recommendation = *it;
  }
  if (auto it = j.find("curves"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      return Status::InvalidArgument(origin + ": \"curves\" is not an object");
    }
    out.curves = *it;
  }
  if (!r.status().ok()) return r.status();
  return out;
}

namespace {

// A SAX pass that only remembers where parsing failed: json::parse reports
// no position for errors other than syntax errors (a number out of range).
class ErrorPositionSax : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception&) override {
    position_ = position;
    return false;
  }
  size_t position() const { return position_; }

 private:
  size_t position_ = 0;
};

// A SAX pass over a document that parsed: refuses a key that appears twice
// in one object (json::parse keeps the last one silently, so two tools
// would read two different files) and strings longer than any statebench
// writes, naming the JSON path.
class DuplicateKeySax : public nlohmann::json_sax<json> {
 public:
  bool null() override { return Value(); }
  bool boolean(bool) override { return Value(); }
  bool number_integer(number_integer_t) override { return Value(); }
  bool number_unsigned(number_unsigned_t) override { return Value(); }
  bool number_float(number_float_t, const string_t&) override {
    return Value();
  }
  bool string(string_t& s) override {
    if (s.size() > kMaxResultsStringBytes) {
      problem_ = ElementPath() + " is a string of " + std::to_string(s.size()) +
                 " bytes; at most " + std::to_string(kMaxResultsStringBytes);
      return false;
    }
    return Value();
  }
  bool binary(binary_t&) override { return Value(); }
  bool start_object(std::size_t) override {
    Value();
    frames_.push_back({true, {}, 0, {}});
    return true;
  }
  bool key(string_t& k) override {
    Frame& f = frames_.back();
    if (k.size() > kMaxInputStringBytes) {
      problem_ = ContainerPath() + " has a key of " + std::to_string(k.size()) +
                 " bytes; at most " + std::to_string(kMaxInputStringBytes);
      return false;
    }
    if (!f.keys.insert(k).second) {
      const std::string path = ContainerPath();
      problem_ = (path.empty() ? std::string("the top-level object") : path) +
                 " has the key \"" + k + "\" twice";
      return false;
    }
    f.key = k;
    return true;
  }
  bool end_object() override {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    Value();
    frames_.push_back({false, {}, 0, {}});
    return true;
  }
  bool end_array() override {
    frames_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception&) override {
    return false;
  }
  const std::string& problem() const { return problem_; }

  // No statebench string comes near this: the longest are failure
  // reasons and argv entries (at most kMaxInputStringBytes each).
  static constexpr size_t kMaxResultsStringBytes = 64 * 1024;

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
    size_t index;     // arrays: elements started so far
    std::string key;  // objects: the current key
  };
  // The path of frames_[0..n), built only for a message: a path kept per
  // frame would cost time quadratic in the nesting depth.
  std::string PathOf(size_t n) const {
    std::string path;
    for (size_t i = 0; i < n; ++i) {
      const Frame& f = frames_[i];
      if (f.object) {
        path += (path.empty() ? "" : ".") + f.key;
      } else {
        path += "[" + std::to_string(f.index - 1) + "]";
      }
    }
    return path;
  }
  // The path of the innermost container.
  std::string ContainerPath() const {
    return frames_.empty() ? "" : PathOf(frames_.size() - 1);
  }
  // The path of the value being read.
  std::string ElementPath() const {
    if (frames_.empty()) return "";
    const Frame& f = frames_.back();
    std::string path = ContainerPath();
    if (f.object) return path.empty() ? f.key : path + "." + f.key;
    return path + "[" + std::to_string(f.index) + "]";
  }
  bool Value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return true;
  }
  std::vector<Frame> frames_;
  std::string problem_;
};

}  // namespace

Result<ResultsFile> ParseResults(const std::string& text,
                                 const std::string& origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    auto [line, col] = LineColumnAt(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string what = e.what();
    // nlohmann's message ends with its own description after "; ".
    auto pos = what.find("syntax error while parsing value - ");
    std::string detail =
        pos != std::string::npos ? what.substr(pos + 35) : "invalid JSON";
    return Status::InvalidArgument(origin + ":" + std::to_string(line) + ":" +
                                   std::to_string(col) + ": " + detail);
  } catch (const json::exception& e) {  // e.g. 1e999: number overflow
    ErrorPositionSax sax;
    (void)json::sax_parse(text, &sax);
    auto [line, col] =
        LineColumnAt(text, sax.position() == 0 ? 0 : sax.position() - 1);
    std::string what = e.what();  // "[json.exception.out_of_range.406] ..."
    auto end_of_id = what.find("] ");
    return Status::InvalidArgument(
        origin + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " +
        (end_of_id != std::string::npos ? what.substr(end_of_id + 2) : what));
  }
  DuplicateKeySax checker;
  if (!json::sax_parse(text, &checker) && !checker.problem().empty()) {
    return Status::InvalidArgument(origin + ": " + checker.problem());
  }
  return ResultsFromJson(j, origin);
}

Result<ResultsFile> LoadResultsFile(const std::string& path) {
  Result<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    return Status::InvalidArgument(text.status().message());
  }
  return ParseResults(*text, path);
}

std::string JsonText(const nlohmann::json& j, int indent) {
  return report::DumpJson(j, indent);
}

Status SaveResultsFile(const ResultsFile& results, const std::string& path) {
  return WriteFileAtomically(path, JsonText(ToJson(results), 2) + "\n",
                             FileAccess::kShared);
}

std::string_view ToString(CheckpointStatus status) {
  switch (status) {
    case CheckpointStatus::kInProgress:
      return "in_progress";
    case CheckpointStatus::kCompleted:
      return "completed";
    case CheckpointStatus::kFailed:
      return "failed";
    case CheckpointStatus::kTimedOut:
      return "timed_out";
  }
  return "unknown";
}

std::string_view ToString(RestoreVerdict verdict) {
  switch (verdict) {
    case RestoreVerdict::kNotVerified:
      return "not_verified";
    case RestoreVerdict::kVerified:
      return "verified";
    case RestoreVerdict::kMismatch:
      return "mismatch";
  }
  return "unknown";
}

std::string_view ToString(RunStatus status) {
  switch (status) {
    case RunStatus::kOk:
      return "ok";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

std::optional<CheckpointStatus> ParseCheckpointStatus(std::string_view name) {
  return ParseName(kCheckpointStatuses, name);
}

std::optional<RestoreVerdict> ParseRestoreVerdict(std::string_view name) {
  return ParseName(kRestoreVerdicts, name);
}

std::optional<RunStatus> ParseRunStatus(std::string_view name) {
  return ParseName(kRunStatuses, name);
}

std::ostream& operator<<(std::ostream& os, CheckpointStatus status) {
  return os << ToString(status);
}

std::ostream& operator<<(std::ostream& os, RestoreVerdict verdict) {
  return os << ToString(verdict);
}

std::ostream& operator<<(std::ostream& os, RunStatus status) {
  return os << ToString(status);
}

std::string CurveLabel(const RunResult& run) {
  return run.checkpoint_type == "incremental" ? run.backend + " incremental"
                                              : run.backend;
}

bool IsCacheCurveStep(const RunResult& run) {
  auto it = run.extra.find("sweep");
  return it != run.extra.end() && it->is_object() &&
         it->value("cache_curve", false);
}

std::vector<CurvePoint> CurvePointsFromJson(const nlohmann::json& curve) {
  std::vector<CurvePoint> points;
  if (!curve.is_object() || !curve.contains("points") ||
      !curve["points"].is_array()) {
    return points;
  }
  for (const nlohmann::json& p : curve["points"]) {
    if (p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number() &&
        p[0].get<double>() > 0 && p[1].get<double>() > 0) {
      points.push_back({p[0].get<double>(), p[1].get<double>()});
    }
  }
  return points;
}

std::optional<CacheCurve> CacheCurveFromJson(const nlohmann::json& curve) {
  if (!curve.is_object() || !curve.contains("cache")) return std::nullopt;
  const nlohmann::json& c = curve["cache"];
  if (!c.is_object() || !c.contains("block_cache_bytes") ||
      !c["block_cache_bytes"].is_number() || !c.contains("points") ||
      !c["points"].is_array() || !c.value("applied", true)) {
    return std::nullopt;
  }
  CacheCurve out;
  out.cache_bytes = c["block_cache_bytes"].get<double>();
  for (const nlohmann::json& p : c["points"]) {
    if (!p.is_object()) continue;
    CachePoint cp;
    cp.ratio = p.value("ratio", 0.0);
    cp.relative = p.value("relative_throughput", 0.0);
    if (cp.ratio > 0 && cp.relative > 0) out.points.push_back(cp);
  }
  std::sort(out.points.begin(), out.points.end(),
            [](const CachePoint& a, const CachePoint& b) {
              return a.ratio < b.ratio;
            });
  out.points.erase(std::unique(out.points.begin(), out.points.end(),
                               [](const CachePoint& a, const CachePoint& b) {
                                 return a.ratio == b.ratio;
                               }),
                   out.points.end());
  if (out.points.size() < 2 || !(out.cache_bytes > 0)) return std::nullopt;
  return out;
}

Result<CostModel> FitCurveJson(const nlohmann::json& curve) {
  std::vector<CurvePoint> points = CurvePointsFromJson(curve);
  if (points.size() < 2) {
    return Status::InvalidArgument("one size measured: no curve");
  }
  return FitBestCostModel(points, 0.1, CacheCurveFromJson(curve));
}

}  // namespace statebench
