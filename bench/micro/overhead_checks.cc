#include "bench/micro/overhead_checks.h"

#include <malloc.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include "backends/registry.h"
#include "backends/rocksdb/rocksdb_backend.h"
#include "bench/harness/harness.h"
#include "bench/harness/histogram.h"
#include "bench/harness/proc_stats.h"
#include "bench/harness/run_record.h"
#include "bench/micro/overhead_paths.h"

namespace statebench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;  // RocksDB's "GB"

// Does nothing, successfully: what is left of an op is TimedBackend's cost.
class NullBackend final : public StateBackend {
 public:
  Result<StateId> RegisterState(const StateDescriptor&) override { return 0; }
  Status ValueGet(const StateKey&, std::string*, bool* found) override {
    *found = false;
    return Status::Ok();
  }
  Status ValuePut(const StateKey&, std::string_view) override { return {}; }
  Status ValueRemove(const StateKey&) override { return {}; }
  Status ListAppend(const StateKey&, std::string_view) override { return {}; }
  Status ListGet(const StateKey&, std::vector<std::string>* v) override {
    v->clear();
    return {};
  }
  Status ListClear(const StateKey&) override { return {}; }
  Status MapPut(const StateKey&, std::string_view, std::string_view) override {
    return {};
  }
  Status MapGet(const StateKey&, std::string_view, std::string*,
                bool* found) override {
    *found = false;
    return {};
  }
  Status MapRemove(const StateKey&, std::string_view) override { return {}; }
  Status MapScan(const StateKey&, std::string_view, std::string_view, size_t,
                 std::vector<std::pair<std::string, std::string>>* e) override {
    e->clear();
    return {};
  }
  Result<std::unique_ptr<AsyncSnapshot>> SnapshotSync(int64_t) override {
    return Status::Unimplemented("null backend");
  }
  Status NotifyCheckpointComplete(int64_t) override { return {}; }
  Status NotifyCheckpointAborted(int64_t) override { return {}; }
  Status Restore(const std::vector<CheckpointHandle>&, KeyGroupRange) override {
    return {};
  }
  Capabilities GetCapabilities() const override { return {}; }
  IoStats GetIoStats() override { return {}; }
  std::string_view Name() const override { return "null"; }
  Status Close() override { return {}; }
};

// The number after `label` on the first line starting with `line_prefix`
// (leading blanks ignored); -1 when absent.
double NumberAfter(const std::string& text, std::string_view line_prefix,
                   std::string_view label) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t b = line.find_first_not_of(' ');
    if (b == std::string::npos ||
        line.compare(b, line_prefix.size(), line_prefix) != 0) {
      continue;
    }
    size_t at = line.find(label, b);
    if (at == std::string::npos) continue;
    return std::strtod(line.c_str() + at + label.size(), nullptr);
  }
  return -1;
}

// The "Sum" row's value in the compaction table column `column`
// ("W-Amp", "Write(GB)"); the Size column spans two tokens ("39.70 MB").
double SumColumn(const std::string& text, const std::string& column) {
  std::istringstream in(text);
  std::vector<std::string> header;
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::vector<std::string> t;
    for (std::string w; words >> w;) t.push_back(w);
    if (t.empty()) continue;
    if (t[0] == "Level" && header.empty()) header = t;
    if (t[0] != "Sum" || header.empty()) continue;
    for (size_t i = 0; i < header.size(); ++i) {
      if (header[i] == column && i + 1 < t.size()) {
        return std::strtod(t[i + 1].c_str(), nullptr);
      }
    }
  }
  return -1;
}

struct EventLogTotals {
  uint64_t sst_bytes = 0;         // every table_file_creation's file_size
  uint64_t compaction_bytes = 0;  // compaction_finished total_output_size
  int flushes = 0;
  int compactions = 0;
  int log_files = 0;
};

uint64_t JsonNumber(const std::string& line, std::string_view key) {
  size_t at = line.find(key);
  return at == std::string::npos
             ? 0
             : std::strtoull(line.c_str() + at + key.size(), nullptr, 10);
}

// RocksDB's own record of what it wrote: the EVENT_LOG_v1 lines of every
// info LOG below `dir`.
EventLogTotals ReadEventLogs(const std::string& dir) {
  EventLogTotals t;
  std::error_code ec;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name != "LOG" && name.rfind("LOG.old", 0) != 0) continue;
    ++t.log_files;
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);) {
      if (line.find("EVENT_LOG_v1") == std::string::npos) continue;
      if (line.find("\"event\": \"table_file_creation\"") !=
          std::string::npos) {
        t.sst_bytes += JsonNumber(line, "\"file_size\": ");
      } else if (line.find("\"event\": \"flush_finished\"") !=
                 std::string::npos) {
        ++t.flushes;
      } else if (line.find("\"event\": \"compaction_finished\"") !=
                 std::string::npos) {
        ++t.compactions;
        t.compaction_bytes += JsonNumber(line, "\"total_output_size\": ");
      }
    }
  }
  return t;
}

// Prints the lines of the stats text a reader checks the figures against.
void EchoStatsLines(const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    size_t b = line.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    std::string_view t = std::string_view(line).substr(b);
    for (std::string_view key :
         {"Cumulative writes", "Cumulative WAL", "Level ", "Sum ", "Flush(GB)",
          "Cumulative compaction"}) {
      if (t.substr(0, key.size()) == key) {
        std::fprintf(stderr, "  rocksdb.stats| %s\n", line.c_str());
        break;
      }
    }
  }
}

}  // namespace

Result<std::unique_ptr<StateBackend>> MakeRecordCostBackend(
    const std::string& name) {
  if (name == "null") return std::unique_ptr<StateBackend>(new NullBackend());
  return BackendRegistry::Default().Create(name, BackendConfig{});
}

void BM_Footprint(benchmark::State& state, std::string backend,
                  std::map<std::string, std::string> options) {
  RunConfig c;
  c.backend = backend;
  c.backend_options = std::move(options);
  c.workload = *DefaultWorkloadSpec("value-rw");
  c.workload.key_count = 1000;  // state of ~110 KiB: the rest is ours
  c.parallelism = 2;
  c.warmup_s = 1;
  c.measure_s = 3;
  for (auto _ : state) {
    std::optional<uint64_t> before = ReadCurrentRss();
    RunResult run = RunBenchmark(c, BackendRegistry::Default());
    if (run.status != RunStatus::kOk || !before || run.repetitions.empty() ||
        !run.repetitions.front().peak_rss_bytes) {
      return state.SkipWithError(("run failed: " + run.failure_reason).c_str());
    }
    const Repetition& rep = run.repetitions.front();
    state.SetIterationTime(rep.measure_duration_s);
    uint64_t peak = *rep.peak_rss_bytes;
    state.counters["rss_before_MiB"] = static_cast<double>(*before) / kMiB;
    state.counters["peak_rss_MiB"] = static_cast<double>(peak) / kMiB;
    state.counters["growth_MiB"] =
        (static_cast<double>(peak) - static_cast<double>(*before)) / kMiB;
    state.counters["state_logical_MiB"] =
        static_cast<double>(rep.io.logical_live_bytes) / kMiB;
    state.counters["checkpoints"] = static_cast<double>(rep.checkpoints.size());
  }
  // One histogram's heap: the unit of the harness's per-op-kind memory.
  struct mallinfo2 m0 = mallinfo2();
  auto h = std::make_unique<LatencyHistogram>();
  struct mallinfo2 m1 = mallinfo2();
  state.counters["histogram_KiB"] =
      static_cast<double>(m1.uordblks - m0.uordblks) / 1024.0;
}

void BM_WriteAmp(benchmark::State& state, uint64_t keys, uint64_t puts,
                 std::map<std::string, std::string> options) {
  WorkloadSpec spec = *DefaultWorkloadSpec("value-rw");
  spec.key_count = keys;
  spec.key_distribution = "uniform";
  spec.read_fraction = 0;
  Result<std::unique_ptr<OpSequence>> seq = OpSequence::Capture(spec, 1);
  if (!seq.ok()) return state.SkipWithError(seq.status().ToString().c_str());
  PathOptions o;
  o.backend = "rocksdb";
  o.backend_options = options;
  o.live_stream = true;
  for (auto _ : state) {
    IoCounters io0 = ReadProcessIo();
    Result<std::unique_ptr<HarnessRunner>> h = HarnessRunner::Make(**seq, o);
    if (!h.ok()) return state.SkipWithError(h.status().ToString().c_str());
    Result<uint64_t> ns = (*h)->RunChunk(puts);
    if (!ns.ok()) return state.SkipWithError(ns.status().ToString().c_str());
    state.SetIterationTime(static_cast<double>(*ns) / 1e9);
    // Let background flushes and compactions settle, then freeze the
    // figures: statistics tickers survive Close, and the LOG is complete.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    TimedBackend& timed = (*h)->subtasks().front()->backend();
    Result<std::string> text = RocksDbCompactionStats(&timed.inner());
    if (!text.ok())
      return state.SkipWithError(text.status().ToString().c_str());
    (void)timed.Close();
    IoCounters io1 = ReadProcessIo();
    Repetition rep;
    rep.measure_duration_s = static_cast<double>(*ns) / 1e9;
    CollectMeasurements((*h)->subtasks(), io0, io1, &rep);
    EventLogTotals log = ReadEventLogs((*h)->work_dir());
    const IoResult& io = rep.io;
    const double logical = static_cast<double>(io.logical_bytes_written);
    const double wal = static_cast<double>(
        io.write_breakdown.count("wal") ? io.write_breakdown.at("wal") : 0);
    const double sb_wa = io.write_amplification.value_or(0);
    const double log_wa = (static_cast<double>(log.sst_bytes) + wal) / logical;
    const double ingest =
        NumberAfter(*text, "Cumulative writes", "ingest: ") * kGiB;
    state.counters["statebench_wa"] = sb_wa;
    state.counters["rocksdb_eventlog_wa"] = log_wa;
    state.counters["agreement"] = log_wa > 0 ? sb_wa / log_wa : 0;
    state.counters["statebench_MiB"] =
        static_cast<double>(io.backend_bytes_written) / kMiB;
    state.counters["eventlog_sst_MiB"] =
        static_cast<double>(log.sst_bytes) / kMiB;
    state.counters["logical_MiB"] = logical / kMiB;
    state.counters["rocksdb_ingest_MiB"] = ingest / kMiB;
    state.counters["wa_vs_ingest"] =
        ingest > 0 ? (static_cast<double>(log.sst_bytes) + wal) / ingest : 0;
    state.counters["stats_sum_wamp"] = SumColumn(*text, "W-Amp");
    state.counters["stats_sum_write_GB"] = SumColumn(*text, "Write(GB)");
    state.counters["flushes"] = log.flushes;
    state.counters["compactions"] = log.compactions;
    if (io.process_write_bytes) {
      state.counters["proc_write_MiB"] =
          static_cast<double>(*io.process_write_bytes) / kMiB;
    }
    std::fprintf(stderr,
                 "WriteAmp/rocksdb: %llu keys, %llu puts; statebench %s\n",
                 static_cast<unsigned long long>(keys),
                 static_cast<unsigned long long>(puts), io.source.c_str());
    for (const auto& [cause, bytes] : io.write_breakdown) {
      std::fprintf(stderr, "  statebench breakdown %s = %llu bytes\n",
                   cause.c_str(), static_cast<unsigned long long>(bytes));
    }
    std::fprintf(stderr,
                 "  rocksdb event log: %d LOG files, %d flushes, %d "
                 "compactions, %llu SST bytes (%llu by compactions)\n",
                 log.log_files, log.flushes, log.compactions,
                 static_cast<unsigned long long>(log.sst_bytes),
                 static_cast<unsigned long long>(log.compaction_bytes));
    EchoStatsLines(*text);
  }
}

}  // namespace statebench
