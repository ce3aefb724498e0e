#include "bench/harness/run_record.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "workloads/op.h"

namespace statebench {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Nearest-rank percentile (p in (0, 100]) of a non-empty sample.
double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t rank =
      static_cast<size_t>(std::ceil(p / 100 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

// Median, p90 and max under checkpoint.{median,p90,max}_<what>: about one
// incremental checkpoint in four follows a compaction and uploads a large
// part of the state, which a median alone hides.
void PutTail(const std::string& what, const std::vector<double>& v,
             std::map<std::string, double>* m) {
  if (v.empty()) return;
  (*m)["checkpoint.median_" + what] = Median(v);
  (*m)["checkpoint.p90_" + what] = Percentile(v, 90);
  (*m)["checkpoint.max_" + what] = *std::max_element(v.begin(), v.end());
}

void PutLatency(const std::string& prefix, const LatencySummary& l,
                std::map<std::string, double>* m) {
  if (l.samples == 0) return;
  (*m)[prefix + ".mean_ns"] = l.mean_ns;
  (*m)[prefix + ".p50_ns"] = static_cast<double>(l.p50_ns);
  (*m)[prefix + ".p90_ns"] = static_cast<double>(l.p90_ns);
  (*m)[prefix + ".p99_ns"] = static_cast<double>(l.p99_ns);
  (*m)[prefix + ".p999_ns"] = static_cast<double>(l.p999_ns);
  (*m)[prefix + ".p9999_ns"] = static_cast<double>(l.p9999_ns);
  (*m)[prefix + ".max_ns"] = static_cast<double>(l.max_ns);
}

}  // namespace

LatencySummary SummarizeHistogram(const LatencyHistogram& h) {
  LatencySummary l;
  l.samples = h.TotalCount();
  if (l.samples == 0) return l;
  l.mean_ns = h.Mean();
  l.min_ns = h.Min();
  l.p50_ns = h.ValueAtPercentile(50);
  l.p90_ns = h.ValueAtPercentile(90);
  l.p99_ns = h.ValueAtPercentile(99);
  l.p999_ns = h.ValueAtPercentile(99.9);
  l.p9999_ns = h.ValueAtPercentile(99.99);
  l.max_ns = h.Max();
  return l;
}

void CollectMeasurements(std::vector<std::unique_ptr<Subtask>>& subtasks,
                         const IoCounters& io_start, const IoCounters& io_end,
                         Repetition* out) {
  out->measure_ops = 0;
  out->measure_events = 0;
  for (int t = 0; t < kOpTypeCount; ++t) {
    uint64_t count = 0;
    LatencyHistogram merged, corrected;
    bool has_corrected = false;
    for (auto& st : subtasks) {
      const TimedBackend::Stats& s = st->backend().stats();
      count += s.count[t];
      if (s.latency[t]) merged.Merge(*s.latency[t]);
      if (s.corrected[t]) {
        corrected.Merge(*s.corrected[t]);
        has_corrected = true;
      }
    }
    if (count == 0) continue;
    OpKindResult k;
    k.op = std::string(OpTypeName(static_cast<OpType>(t)));
    k.count = count;
    k.latency = SummarizeHistogram(merged);
    k.histogram.buckets = merged.Buckets();
    if (has_corrected) {
      k.latency_corrected = SummarizeHistogram(corrected);
      k.histogram_corrected = HistogramBuckets{corrected.Buckets()};
    }
    out->ops.push_back(std::move(k));
  }
  IoResult& io = out->io;
  for (auto& st : subtasks) {
    out->measure_ops += st->ops();
    out->measure_events += st->events();
    io.logical_bytes_written += st->logical_bytes_written();
    io.logical_live_bytes += st->load_logical_bytes();
    IoStats s = st->backend().GetIoStats();
    io.backend_bytes_written += s.bytes_written;
    // A server's size is the whole store's, sampled by every subtask.
    io.storage_size = s.storage_shared
                          ? std::max(io.storage_size, s.storage_size)
                          : io.storage_size + s.storage_size;
    for (const auto& [cause, bytes] : s.write_breakdown) {
      io.write_breakdown[cause] += bytes;
    }
    if (io.source.empty()) io.source = s.source;
  }
  if (out->measure_duration_s > 0) {
    out->ops_per_s =
        static_cast<double>(out->measure_ops) / out->measure_duration_s;
    out->events_per_s =
        static_cast<double>(out->measure_events) / out->measure_duration_s;
  }
  if (io_start.write_bytes && io_end.write_bytes) {
    io.process_write_bytes = *io_end.write_bytes - *io_start.write_bytes;
  }
  if (io.logical_bytes_written > 0 && io.backend_bytes_written > 0) {
    io.write_amplification = static_cast<double>(io.backend_bytes_written) /
                             static_cast<double>(io.logical_bytes_written);
  }
  if (io.logical_live_bytes > 0 && io.storage_size > 0) {
    io.space_amplification = static_cast<double>(io.storage_size) /
                             static_cast<double>(io.logical_live_bytes);
  }
  io.source +=
      "; logical bytes = key + namespace + user key + value of "
      "write ops (load, warmup and measure); live bytes estimated as "
      "the load phase's logical bytes";
  if (io.process_write_bytes) {
    char buf[256];
    double ratio = io.backend_bytes_written
                       ? static_cast<double>(*io.process_write_bytes) /
                             static_cast<double>(io.backend_bytes_written)
                       : 0;
    std::snprintf(buf, sizeof buf,
                  "/proc/self/io write_bytes %llu vs backend-reported %llu "
                  "(ratio %.3f; page-cache writes not yet flushed are not in "
                  "write_bytes)",
                  static_cast<unsigned long long>(*io.process_write_bytes),
                  static_cast<unsigned long long>(io.backend_bytes_written),
                  ratio);
    io.cross_check = buf;
  }
}

void CollectReadSources(
    std::vector<std::unique_ptr<Subtask>>& subtasks,
    const std::vector<std::map<std::string, uint64_t>>& base, Repetition* out) {
  for (size_t i = 0; i < subtasks.size(); ++i) {
    for (const auto& [level, n] :
         subtasks[i]->backend().GetIoStats().read_sources) {
      uint64_t before = 0;
      if (i < base.size()) {
        auto it = base[i].find(level);
        if (it != base[i].end()) before = it->second;
      }
      out->io.read_sources[level] += n >= before ? n - before : 0;
    }
  }
}

namespace {

// checkpoint.*: the tails of the completed checkpoints' figures, the failed
// ones, and the share of finished ones that took longer than the interval.
void FlattenCheckpoints(const Repetition& rep, uint32_t checkpoint_interval_ms,
                        std::map<std::string, double>* out) {
  auto& m = *out;
  std::vector<double> e2e, sync, async, align, size, full, start_delay;
  std::vector<double> uncompressed, ratio, compress_ms, encrypt_ms;
  double failed = 0;
  double finished = 0, over_interval = 0;
  for (const CheckpointRecord& c : rep.checkpoints) {
    if (c.status == CheckpointStatus::kCompleted ||
        c.status == CheckpointStatus::kTimedOut) {
      ++finished;
      if (c.end_to_end_duration_ms > checkpoint_interval_ms) ++over_interval;
    }
    if (c.status != CheckpointStatus::kCompleted) {
      ++failed;
      continue;
    }
    if (c.start_delay_ms) start_delay.push_back(*c.start_delay_ms);
    e2e.push_back(c.end_to_end_duration_ms);
    sync.push_back(c.sync_duration_ms);
    async.push_back(c.async_duration_ms);
    align.push_back(c.alignment_duration_ms);
    size.push_back(static_cast<double>(c.checkpointed_size));
    full.push_back(static_cast<double>(c.full_size));
    if (c.uncompressed_size) {
      uncompressed.push_back(static_cast<double>(*c.uncompressed_size));
      if (c.full_size > 0) {
        ratio.push_back(static_cast<double>(*c.uncompressed_size) /
                        static_cast<double>(c.full_size));
      }
    }
    if (c.compress_cpu_ms) compress_ms.push_back(*c.compress_cpu_ms);
    if (c.encrypt_cpu_ms) encrypt_ms.push_back(*c.encrypt_cpu_ms);
  }
  m["checkpoint.completed"] = static_cast<double>(e2e.size());
  m["checkpoint.failed"] = failed;
  if (!e2e.empty()) {
    PutTail("end_to_end_ms", e2e, &m);
    m["checkpoint.min_end_to_end_ms"] =
        *std::min_element(e2e.begin(), e2e.end());
    PutTail("sync_ms", sync, &m);
    PutTail("async_ms", async, &m);
    PutTail("alignment_ms", align, &m);
    PutTail("start_delay_ms", start_delay, &m);
    PutTail("size_bytes", size, &m);
    PutTail("full_size_bytes", full, &m);
  }
  if (checkpoint_interval_ms > 0 && finished > 0) {
    m["checkpoint.over_interval_share"] = over_interval / finished;
  }
  if (!uncompressed.empty()) {
    m["checkpoint.median_uncompressed_size_bytes"] = Median(uncompressed);
  }
  if (!ratio.empty()) m["checkpoint.compression_ratio"] = Median(ratio);
  if (!compress_ms.empty()) {
    m["checkpoint.median_compress_cpu_ms"] = Median(compress_ms);
  }
  if (!encrypt_ms.empty()) {
    m["checkpoint.median_encrypt_cpu_ms"] = Median(encrypt_ms);
  }
}

// restore.* and rescale.*: the figures of the repetition's restore and
// rescale.
void FlattenRestores(const Repetition& rep,
                     std::map<std::string, double>* out) {
  auto& m = *out;
  for (const RestoreResult& r : rep.restores) {
    if (r.kind != "restore") continue;
    m["restore.duration_ms"] = r.duration_ms;
    m["restore.bytes_read_bytes"] = static_cast<double>(r.bytes_read);
    if (r.bytes_per_s) m["restore.bytes_per_s"] = *r.bytes_per_s;
    if (r.state_bytes) {
      m["restore.state_bytes"] = static_cast<double>(*r.state_bytes);
    }
    if (r.bytes_copied) {
      m["restore.bytes_copied_bytes"] = static_cast<double>(*r.bytes_copied);
    }
    if (r.bytes_linked) {
      m["restore.bytes_linked_bytes"] = static_cast<double>(*r.bytes_linked);
    }
    if (r.entries > 0) m["restore.entries"] = static_cast<double>(r.entries);
    if (r.decompress_cpu_ms) {
      m["restore.decompress_cpu_ms"] = *r.decompress_cpu_ms;
    }
    if (r.decrypt_cpu_ms) m["restore.decrypt_cpu_ms"] = *r.decrypt_cpu_ms;
  }
  for (const RestoreResult& r : rep.restores) {
    if (r.kind != "rescale") continue;
    m["rescale.duration_ms"] = r.duration_ms;
    if (r.state_bytes) {
      m["rescale.state_bytes"] = static_cast<double>(*r.state_bytes);
    }
    if (r.bytes_copied) {
      m["rescale.bytes_copied_bytes"] = static_cast<double>(*r.bytes_copied);
    }
    if (r.entries > 0) m["rescale.entries"] = static_cast<double>(r.entries);
    if (r.checked) m["rescale.checked"] = static_cast<double>(*r.checked);
  }
}

}  // namespace

void FlattenMetrics(Repetition* rep, uint32_t checkpoint_interval_ms) {
  auto& m = rep->metrics;
  if (rep->measure_duration_s > 0) {
    m["throughput.ops_per_s"] = rep->ops_per_s;
    m["throughput.ops_per_ms"] = rep->ops_per_s / 1000;
    m["throughput.events_per_s"] = rep->events_per_s;
  }
  for (const OpKindResult& k : rep->ops) {
    PutLatency("latency." + k.op, k.latency, &m);
    if (k.latency_corrected) {
      PutLatency("latency_corrected." + k.op, *k.latency_corrected, &m);
    }
  }
  if (rep->io.write_amplification) {
    m["write_amplification"] = *rep->io.write_amplification;
  }
  if (rep->io.space_amplification) {
    m["space_amplification"] = *rep->io.space_amplification;
  }
  FlattenCheckpoints(*rep, checkpoint_interval_ms, &m);
  FlattenRestores(*rep, &m);
  if (rep->peak_rss_bytes) {
    m["memory.peak_rss_bytes"] = static_cast<double>(*rep->peak_rss_bytes);
  }
  m["state.logical_live_bytes"] =
      static_cast<double>(rep->io.logical_live_bytes);
}

}  // namespace statebench
