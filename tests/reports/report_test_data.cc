#include "tests/reports/report_test_data.h"

#include <cmath>
#include <limits>
#include <map>
#include <string>

namespace statebench::testing {
namespace {

using nlohmann::json;

// HdrHistogram's highest equivalent value with 3 significant digits.
uint64_t HighestEquivalent(uint64_t v) {
  if (v < 2048) return v;
  int magnitude = 63 - __builtin_clzll(v);
  uint64_t width = uint64_t{1} << (magnitude - 10);
  return v | (width - 1);
}

// A right-skewed latency distribution around `base_ns` with a long tail.
HistogramBuckets MakeHistogram(uint64_t base_ns) {
  HistogramBuckets h;
  for (uint64_t i = 0; i < 40; ++i) {
    uint64_t v = HighestEquivalent(base_ns * (100 + 7 * i * i) / 100);
    uint64_t d = i > 8 ? i - 8 : 8 - i;
    h.buckets.emplace_back(v, 4000 / (1 + d * d) + 1);
  }
  return h;
}

uint64_t ValueAt(const HistogramBuckets& h, uint64_t total, uint64_t per_10k) {
  uint64_t target = (total * per_10k + 9999) / 10000;
  uint64_t cumulative = 0;
  for (const auto& [v, c] : h.buckets) {
    cumulative += c;
    if (cumulative >= target) return v;
  }
  return h.buckets.back().first;
}

OpKindResult MakeOp(const std::string& name, uint64_t base_ns, uint64_t count) {
  OpKindResult op;
  op.op = name;
  op.count = count;
  op.histogram = MakeHistogram(base_ns);
  uint64_t total = 0, sum = 0;
  for (const auto& [v, c] : op.histogram.buckets) total += c, sum += v * c;
  LatencySummary& l = op.latency;
  l.samples = total;
  l.mean_ns = static_cast<double>(sum / total);
  l.min_ns = op.histogram.buckets.front().first;
  l.p50_ns = ValueAt(op.histogram, total, 5000);
  l.p90_ns = ValueAt(op.histogram, total, 9000);
  l.p99_ns = ValueAt(op.histogram, total, 9900);
  l.p999_ns = ValueAt(op.histogram, total, 9990);
  l.p9999_ns = ValueAt(op.histogram, total, 9999);
  l.max_ns = op.histogram.buckets.back().first;
  return op;
}

CheckpointRecord MakeCheckpoint(int64_t id, const std::string& type,
                                double e2e_ms, uint64_t size,
                                uint64_t full_size) {
  CheckpointRecord c;
  c.id = id;
  c.status = CheckpointStatus::kCompleted;
  c.type = type;
  c.trigger_time_s = static_cast<double>(id);
  c.end_to_end_duration_ms = e2e_ms;
  c.sync_duration_ms = 0.25 * static_cast<double>(id);
  c.async_duration_ms = e2e_ms - c.sync_duration_ms;
  c.alignment_duration_ms = 0.125;
  c.checkpointed_size = size;
  c.full_size = full_size;
  for (int s = 0; s < 2; ++s) {
    c.subtasks.push_back({s, CheckpointStatus::kCompleted, 0.125,
                          c.sync_duration_ms, c.async_duration_ms, size / 2,
                          full_size / 2});
  }
  return c;
}

struct BackendShape {
  std::string name;
  double ops_per_s;  // repetition 0
  double ops_step;   // added per repetition
  uint64_t get_ns;   // base latency of value_get
  uint64_t put_ns;   // base latency of value_put
  bool incremental;
  std::optional<double> write_amp;  // repetition 0; +0.25 per repetition
  double space_amp;
  double restore_ms;
  std::optional<double> rescale_ms;
};

void AddLatencyMetrics(const OpKindResult& op, Repetition* rep) {
  const std::string p = "latency." + op.op + ".";
  const LatencySummary& l = op.latency;
  rep->metrics[p + "mean_ns"] = l.mean_ns;
  rep->metrics[p + "p50_ns"] = static_cast<double>(l.p50_ns);
  rep->metrics[p + "p90_ns"] = static_cast<double>(l.p90_ns);
  rep->metrics[p + "p99_ns"] = static_cast<double>(l.p99_ns);
  rep->metrics[p + "p999_ns"] = static_cast<double>(l.p999_ns);
  rep->metrics[p + "p9999_ns"] = static_cast<double>(l.p9999_ns);
  rep->metrics[p + "max_ns"] = static_cast<double>(l.max_ns);
}

Repetition MakeRepetition(const BackendShape& b, int index) {
  Repetition rep;
  rep.index = index;
  rep.load_duration_s = 2;
  rep.load_ops = 100000;
  rep.warmup_duration_s = 1;
  rep.warmup_ops = static_cast<uint64_t>(b.ops_per_s);
  rep.measure_duration_s = 5;
  rep.ops_per_s = b.ops_per_s + b.ops_step * index;
  rep.events_per_s = rep.ops_per_s / 2;
  rep.measure_ops = static_cast<uint64_t>(rep.ops_per_s * 5);
  rep.measure_events = rep.measure_ops / 2;
  for (int t = 0; t < 5; ++t) {
    rep.timeline_ops_per_s.push_back(rep.ops_per_s +
                                     (t % 2 ? -1 : 1) * (t + 1) * 1000.0);
  }
  uint64_t shift = static_cast<uint64_t>(index) * 3;
  rep.ops.push_back(MakeOp("value_get", b.get_ns + shift, rep.measure_ops / 2));
  rep.ops.push_back(MakeOp("value_put", b.put_ns + shift, rep.measure_ops / 2));
  for (const OpKindResult& op : rep.ops) AddLatencyMetrics(op, &rep);
  const std::string type = b.incremental ? "incremental" : "full";
  for (int64_t id = 1; id <= 4; ++id) {
    double e2e =
        (b.incremental ? 24 : 10) + 2.0 * static_cast<double>(id) + index;
    uint64_t full = b.incremental
                        ? (8u << 20) + static_cast<uint64_t>(id) * (256u << 10)
                        : (6u << 20) + static_cast<uint64_t>(id) * (128u << 10);
    uint64_t size = b.incremental ? (512u << 10) + id * (16u << 10) : full;
    rep.checkpoints.push_back(MakeCheckpoint(id, type, e2e, size, full));
  }
  if (!b.incremental && index == 1) {
    CheckpointRecord& c = rep.checkpoints[2];
    c.status = CheckpointStatus::kTimedOut;
    c.failure_reason = "checkpoint timed out after 60000 ms";
  }
  rep.io.logical_bytes_written = 50u << 20;
  rep.io.logical_live_bytes = 8u << 20;
  rep.io.storage_size = static_cast<uint64_t>(b.space_amp * (8u << 20));
  rep.io.space_amplification = b.space_amp;
  rep.io.source = "backend counters";
  if (b.write_amp) {
    rep.io.write_amplification = *b.write_amp + 0.25 * index;
    rep.io.backend_bytes_written =
        static_cast<uint64_t>(*rep.io.write_amplification * (50u << 20));
    rep.io.write_breakdown = {{"wal", 50u << 20}, {"flush", 40u << 20}};
    rep.metrics["write_amplification"] = *rep.io.write_amplification;
  }
  rep.metrics["space_amplification"] = b.space_amp;
  RestoreResult restore{"restore",
                        2,
                        2,
                        b.restore_ms + index,
                        8u << 20,
                        std::nullopt,
                        100000,
                        {b.restore_ms + index},
                        RestoreVerdict::kVerified,
                        ""};
  restore.bytes_per_s = 8.0 * (1 << 20) / ((b.restore_ms + index) / 1000);
  // An incremental rocksdb restore hard-links its SST files; a heap restore
  // reads and decodes every snapshot byte.
  restore.state_bytes = 8u << 20;
  restore.bytes_linked = b.incremental ? (8u << 20) - (12u << 10) : 0;
  restore.bytes_copied = *restore.state_bytes - *restore.bytes_linked;
  restore.mode = b.incremental ? "local" : "checkpoint-storage";
  if (!b.incremental && index == 2) {
    restore.verdict = RestoreVerdict::kMismatch;
    restore.detail = "3 keys resurrected after the restore";
  }
  rep.restores.push_back(restore);
  if (b.rescale_ms) {
    double ms = *b.rescale_ms + 6.0 * index;
    rep.restores.push_back({"rescale",
                            2,
                            4,
                            ms,
                            8u << 20,
                            std::nullopt,
                            100000,
                            {ms / 2, ms / 2, ms / 2, ms / 2},
                            RestoreVerdict::kVerified,
                            ""});
  }
  rep.peak_rss_bytes = (b.incremental ? 180u : 420u) << 20;
  // The flattened metrics the harness would write.
  rep.metrics["throughput.ops_per_s"] = rep.ops_per_s;
  rep.metrics["throughput.events_per_s"] = rep.events_per_s;
  std::vector<double> e2e;
  for (const CheckpointRecord& c : rep.checkpoints) {
    if (c.status == CheckpointStatus::kCompleted)
      e2e.push_back(c.end_to_end_duration_ms);
  }
  rep.metrics["checkpoint.median_end_to_end_ms"] = Summarize(e2e).median;
  // With 4 or fewer checkpoints the nearest-rank p90 is the max.
  rep.metrics["checkpoint.p90_end_to_end_ms"] = Summarize(e2e).max;
  rep.metrics["checkpoint.max_end_to_end_ms"] = Summarize(e2e).max;
  rep.metrics["checkpoint.over_interval_share"] = 0;
  rep.metrics["checkpoint.median_start_delay_ms"] = 0.25;
  rep.metrics["checkpoint.p90_size_bytes"] =
      static_cast<double>(rep.checkpoints[3].checkpointed_size);
  rep.metrics["checkpoint.max_size_bytes"] =
      static_cast<double>(rep.checkpoints[3].checkpointed_size);
  rep.metrics["checkpoint.median_sync_ms"] = 0.5;
  rep.metrics["checkpoint.median_async_ms"] = Summarize(e2e).median - 0.5;
  rep.metrics["checkpoint.median_size_bytes"] =
      static_cast<double>(rep.checkpoints[1].checkpointed_size);
  rep.metrics["checkpoint.median_full_size_bytes"] =
      static_cast<double>(rep.checkpoints[1].full_size);
  rep.metrics["checkpoint.completed"] = static_cast<double>(e2e.size());
  rep.metrics["checkpoint.failed"] = static_cast<double>(4 - e2e.size());
  rep.metrics["restore.duration_ms"] = restore.duration_ms;
  rep.metrics["restore.bytes_read_bytes"] = static_cast<double>(8u << 20);
  rep.metrics["memory.peak_rss_bytes"] =
      static_cast<double>(*rep.peak_rss_bytes);
  rep.metrics["state.logical_live_bytes"] = static_cast<double>(8u << 20);
  return rep;
}

RunResult MakeRun(const BackendShape& b) {
  RunResult run;
  run.backend = b.name;
  run.workload = "value-rw";
  // durable, incremental, remote, exactly-once, memory-bound, rescale mode
  run.capabilities = {b.incremental,  b.incremental,
                      false,          b.incremental,
                      !b.incremental, b.incremental ? "clip" : "redistribute"};
  if (b.incremental) run.backend_options = {{"block_cache_mb", "64"}};
  run.read_sources =
      b.incremental ? std::map<std::string, uint64_t>{{"memtable", 120000},
                                                      {"block_cache", 610000},
                                                      {"storage", 45000}}
                    : std::map<std::string, uint64_t>{{"memory", 900000}};
  run.effective_config = {
      {"checkpoint.incremental", b.incremental ? "on" : "off"},
      {"checkpoint.storage", b.incremental ? "filesystem" : "jobmanager"}};
  if (b.incremental) run.effective_config["block_cache_mb"] = "64";
  run.parallelism = 2;
  run.max_parallelism = 128;
  run.checkpoint_type = b.incremental ? "incremental" : "full";
  run.latency_sample_every = b.incremental ? 1 : 100;
  for (int i = 0; i < 3; ++i) run.repetitions.push_back(MakeRepetition(b, i));
  SummarizeRepetitions(&run);
  return run;
}

RunResult FailedRun() {
  RunResult run;
  run.backend = kHostileBackend;
  run.workload = kHostileWorkload;
  run.status = RunStatus::kFailed;
  run.failure_phase = "load";
  run.failure_reason =
      "Unavailable: <b>server</b> said \"no\" | & more \x1b[31mred\x1b[0m";
  run.parallelism = 2;
  Repetition partial;
  partial.load_ops = 1234;
  partial.metrics["memory.peak_rss_bytes"] = 64u << 20;
  run.repetitions.push_back(partial);
  SummarizeRepetitions(&run);
  return run;
}

// The advisor's statebench.recommendation/1 shape (advisor/render.cc).
json Recommendation() {
  json rocksdb = {{"rank", 1},
                  {"backend", "rocksdb"},
                  {"score", 0.8125},
                  {"vetoed", false}};
  rocksdb["reasons"] = {"p99 value_get 1.2 ms <= SLO 10 ms",
                        "restore 120 ms <= RTO 60 s"};
  rocksdb["capacity"] = {{"subtasks_needed", 4},
                         {"display",
                          {{"subtasks_needed", "4"},
                           {"checkpoint_duration_s", "1.6 s"},
                           {"restore_time_s", "12 s"}}}};
  json memory = {
      {"rank", 2}, {"backend", "memory"}, {"score", 0.40625}, {"vetoed", true}};
  memory["reasons"] = {"state 40 GiB > memory per node 16 GiB"};
  json hostile = {{"rank", 3},
                  {"backend", kHostileBackend},
                  {"score", nullptr},
                  {"vetoed", true}};
  hostile["reasons"] = {"<script>alert(3)</script>"};
  json r = {{"schema", "statebench.recommendation/1"},
            {"profile", "click-stream sessions"},
            {"summary",
             "rocksdb: meets the 10 ms p99 SLO and the 60 s recovery "
             "objective with exactly-once state; memory is vetoed."},
            {"what_would_change",
             "memory would rank first with 64 GiB per node (now 16 GiB)."}};
  r["ranking"] = json::array({rocksdb, memory, hostile});
  r["notes"] = {"exactly-once is required: write-through redis is vetoed"};
  r["confidence"] = {"3 repetitions: spreads up to 1.3%"};
  return r;
}

}  // namespace

ResultsFile SampleResults() {
  ResultsFile r;
  Context& c = r.context;
  c.statebench_version = "0.1.0";
  c.git_sha = "0123456789ab";
  c.build_type = "Release";
  c.compiler = "gcc 12.2.0";
  c.host = "testhost";
  c.os = "Linux 6.1 x86_64";
  c.cpu_model = "Test CPU @ 3.0GHz";
  c.cpu_count = 2;
  c.memory_bytes = uint64_t{16} << 30;
  c.libraries = {{"rocksdb", "7.8.3"}, {"hiredis", "0.14.1"}};
  c.started_at = "2024-01-02T03:04:05Z";
  c.command = "compare";
  c.argv = {"statebench", "compare", "--backends", "memory,rocksdb"};
  c.warnings = {"latency sampled 1 in 100 ops on heap backends"};
  r.config = {{"workload",
               {{"name", "value-rw"},
                {"key_count", 100000},
                {"value_size", 100},
                {"read_fraction", 0.5}}},
              {"checkpoint", {{"interval_ms", 1000}, {"type", "full"}}},
              {"repetitions", 3},
              {"parallelism", 2}};
  RunResult memory = MakeRun({"memory", 1200000, 15000, 180, 260, false,
                              std::nullopt, 1.5, 35.5, std::nullopt});
  memory.verification = {{"verdict", "not_exactly_once"},
                         {"lost", 0},
                         {"resurrected", 3},
                         {"wrong_values", 0},
                         {"kill_point", "async phase of checkpoint 3"}};
  RunResult rocksdb = MakeRun(
      {"rocksdb", 310000, -4000, 2100, 3400, true, 3.25, 1.25, 120, 180});
  rocksdb.verification = {{"verdict", "exactly-once"},
                          {"lost", 0},
                          {"resurrected", 0},
                          {"wrong_values", 0},
                          {"kill_point", "between checkpoints"}};
  r.runs = {memory, rocksdb, FailedRun()};
  r.recommendation = Recommendation();
  return r;
}

ResultsFile HostileResults() {
  ResultsFile r = SampleResults();
  RunResult run = MakeRun(
      {"rocksdb", 500000, 1000, 900, 1300, true, 2.5, 1.1, 80, std::nullopt});
  run.backend = kHostileOkBackend;
  run.workload = kHostileOkWorkload;
  run.backend_options = {{kHostileOption, kHostileOption}};
  const std::string from = "latency.value_get.",
                    to = std::string("latency.") + kHostileOp + ".";
  for (Repetition& rep : run.repetitions) {
    rep.ops[0].op = kHostileOp;
    std::map<std::string, double> metrics;
    for (const auto& [name, value] : rep.metrics) {
      metrics[name.rfind(from, 0) == 0 ? to + name.substr(from.size()) : name] =
          value;
    }
    rep.metrics = metrics;
  }
  SummarizeRepetitions(&run);
  run.verification = {{"verdict", kHostileOption},
                      {"lost", 0},
                      {"kill_point", kHostileOp},
                      {kHostileOp, 1}};
  r.runs.insert(r.runs.begin() + 2, run);
  r.config["workload"]["name"] = kHostileOkWorkload;
  r.config["backend_options"] = {{kHostileOkBackend, run.backend_options}};
  return r;
}

ResultsFile NonFiniteResults() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  ResultsFile r = SampleResults();
  for (RunResult& run : r.runs) {
    for (auto& [name, s] : run.summary) {
      s.median = nan;
      s.max = inf;
      s.stddev = -inf;
      if (!s.samples.empty()) s.samples[0] = inf;
    }
    for (Repetition& rep : run.repetitions) {
      rep.ops_per_s = nan;
      rep.metrics["throughput.ops_per_s"] = inf;
      if (!rep.timeline_ops_per_s.empty()) rep.timeline_ops_per_s[0] = nan;
      for (OpKindResult& op : rep.ops) op.latency.mean_ns = nan;
      for (CheckpointRecord& c : rep.checkpoints) {
        c.end_to_end_duration_ms = inf;
      }
      for (RestoreResult& x : rep.restores) x.duration_ms = nan;
      rep.io.write_amplification = inf;
    }
    run.target_rate = nan;
    run.verification["ratio"] = nan;
  }
  r.recommendation["ranking"][0]["score"] = inf;
  r.config["not_a_number"] = nan;
  return r;
}

}  // namespace statebench::testing
