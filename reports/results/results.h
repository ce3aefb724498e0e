// The results file: the one contract between running and everything after it
// (report, gate, advise). Plain records; no behaviour beyond (de)serialization.
//
// Schema "statebench.results/1" (see README "Results schema"). Readers accept
// unknown fields (forward compatibility within major version 1) and reject a
// different schema string. Durations are in the unit their name says
// (_ns, _ms, _s); sizes in bytes. A figure that could not be obtained is
// absent (std::nullopt -> JSON null), never NaN or Infinity.
#ifndef STATEBENCH_REPORTS_RESULTS_RESULTS_H_
#define STATEBENCH_REPORTS_RESULTS_RESULTS_H_

#include <cstdint>
#include <iosfwd>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "reports/results/cost_model.h"

namespace statebench {

inline constexpr char kResultsSchema[] = "statebench.results/1";

// Statuses and verdicts are enums inside the program; the names ToString
// gives are what the results file holds, and the Parse functions accept
// exactly those names.

// How a checkpoint, or one subtask's part of it, ended. kInProgress marks a
// triggered checkpoint that has not ended yet.
enum class CheckpointStatus { kInProgress, kCompleted, kFailed, kTimedOut };
// Whether a restore's content was compared with the oracle, and how it came
// out.
enum class RestoreVerdict { kNotVerified, kVerified, kMismatch };
// How a run or a repetition ended. kUnsupported: the backend cannot hold
// the requested state (e.g. above the memory backend's checkpoint cap), a
// property of the backend, not a measurement failure.
enum class RunStatus { kOk, kFailed, kUnsupported };

// "in_progress" | "completed" | "failed" | "timed_out"
std::string_view ToString(CheckpointStatus status);
// "not_verified" | "verified" | "mismatch"
std::string_view ToString(RestoreVerdict verdict);
// "ok" | "failed" | "unsupported"
std::string_view ToString(RunStatus status);
// The value whose ToString is `name`; std::nullopt for any other text.
std::optional<CheckpointStatus> ParseCheckpointStatus(std::string_view name);
std::optional<RestoreVerdict> ParseRestoreVerdict(std::string_view name);
std::optional<RunStatus> ParseRunStatus(std::string_view name);
// Print the ToString name, so that test failures read as the file would.
std::ostream& operator<<(std::ostream& os, CheckpointStatus status);
std::ostream& operator<<(std::ostream& os, RestoreVerdict verdict);
std::ostream& operator<<(std::ostream& os, RunStatus status);

struct LatencySummary {
  uint64_t samples = 0;  // latency samples recorded (every Nth op)
  double mean_ns = 0;
  uint64_t min_ns = 0;
  uint64_t p50_ns = 0;
  uint64_t p90_ns = 0;
  uint64_t p99_ns = 0;
  uint64_t p999_ns = 0;
  uint64_t p9999_ns = 0;
  uint64_t max_ns = 0;
};

// Non-empty buckets of a log-linear histogram: (highest value equivalent to
// the bucket, count), ascending. Enough to recompute any percentile within
// the histogram's 3 significant digits and to write .hgrm files.
struct HistogramBuckets {
  std::vector<std::pair<uint64_t, uint64_t>> buckets;
};

struct OpKindResult {
  std::string op;          // OpTypeName: "value_get", ...
  uint64_t count = 0;      // ops executed in the measured phase
  LatencySummary latency;  // from each op's actual start (service time)
  HistogramBuckets histogram;
  // Open loop only: from each op's intended start (coordinated omission
  // corrected).
  std::optional<LatencySummary> latency_corrected;
  std::optional<HistogramBuckets> histogram_corrected;
};

struct SubtaskCheckpoint {
  int subtask = 0;
  CheckpointStatus status = CheckpointStatus::kInProgress;
  double alignment_duration_ms = 0;
  double sync_duration_ms = 0;
  double async_duration_ms = 0;
  uint64_t checkpointed_size = 0;
  uint64_t full_size = 0;
  // Snapshot codecs (absent when the backend reports none): the snapshot's
  // bytes before compression and the CPU time of compressing / encrypting.
  std::optional<uint64_t> uncompressed_size;
  std::optional<double> compress_cpu_ms;
  std::optional<double> encrypt_cpu_ms;
  // Flink's checkpointStartDelay: trigger -> this subtask's barrier, less
  // the alignment wait; absent in files written before it was recorded.
  std::optional<double> start_delay_ms;
};

// One checkpoint, with Flink's names.
struct CheckpointRecord {
  int64_t id = 0;
  CheckpointStatus status = CheckpointStatus::kInProgress;
  std::string failure_reason;
  std::string type;                   // "full" | "incremental"
  double trigger_time_s = 0;          // since the measured phase started
  double end_to_end_duration_ms = 0;  // trigger -> last subtask's async end
  double sync_duration_ms = 0;        // max over subtasks
  double async_duration_ms = 0;       // max over subtasks
  double alignment_duration_ms = 0;   // max over subtasks
  uint64_t checkpointed_size = 0;     // sum; the delta when incremental
  uint64_t full_size = 0;             // sum
  std::vector<SubtaskCheckpoint> subtasks;
  // Snapshot codecs, when the backend reports them (sums over subtasks):
  // "none" | "lz4" | "zstd" and "none" | "aes-256-gcm"; empty = unknown.
  std::string compression;
  std::string encryption;
  std::optional<uint64_t> uncompressed_size;
  std::optional<double> compress_cpu_ms;
  std::optional<double> encrypt_cpu_ms;
  // Max over subtasks of the start delay; end-to-end is about start delay
  // + alignment + sync + async of the slowest subtask.
  std::optional<double> start_delay_ms;
};

struct IoResult {
  uint64_t logical_bytes_written = 0;  // key+ns+user key+value of write ops
  uint64_t logical_live_bytes = 0;     // live state, by the same measure
  uint64_t backend_bytes_written = 0;  // what the backend made storage write
  std::map<std::string, uint64_t> write_breakdown;  // wal, flush, ...
  std::optional<uint64_t> process_write_bytes;      // /proc/self/io write_bytes
  std::optional<uint64_t> server_write_bytes;       // /proc/<pid>/io of servers
  uint64_t storage_size = 0;
  std::optional<double> write_amplification;
  std::optional<double> space_amplification;
  std::string source;       // how the figures were obtained
  std::string cross_check;  // agreement with the OS counters, in words
  // Where the measured phase's reads were served, level -> lookups
  // ("local_buffer", "memory", "memtable", "block_cache", "storage",
  // "server"; see IoStats::read_sources). Empty when not reported.
  std::map<std::string, uint64_t> read_sources;
};

struct RestoreResult {
  std::string kind;  // "restore" | "rescale"
  int from_parallelism = 0;
  int to_parallelism = 0;
  double duration_ms = 0;
  uint64_t bytes_read = 0;
  // Bytes of state restored per second (state_bytes / duration) when
  // state_bytes is known; older files: bytes_read per second.
  std::optional<double> bytes_per_s;
  // (key, namespace) entries restored, a value, a list or a map each
  // counting once. A hard-linked rocksdb restore is counted by a pass after
  // the timed restore; server backends give their checkpoints' counts.
  uint64_t entries = 0;
  std::vector<double> subtask_duration_ms;
  RestoreVerdict verdict = RestoreVerdict::kNotVerified;
  std::string detail;
  // CPU time of snapshot decompression / decryption (sum over subtasks);
  // absent when the backend did none.
  std::optional<double> decompress_cpu_ms;
  std::optional<double> decrypt_cpu_ms;
  // Sums over subtasks of what the restore moved (absent in older files):
  // bytes copied from checkpoint storage, bytes hard-linked in place, and
  // the bytes of state made available.
  std::optional<uint64_t> bytes_copied;
  std::optional<uint64_t> bytes_linked;
  std::optional<uint64_t> state_bytes;
  // "local" | "checkpoint-storage" | "in-place" (see RestoreStats in
  // backends/state_backend.h), with a line saying how; "" in older files.
  std::string mode;
  std::string mode_detail;
  // Addresses compared with the oracle when verified (a rescale of the
  // run's own state); absent otherwise.
  std::optional<uint64_t> checked;
};

struct Repetition {
  int index = 0;
  // kFailed / kUnsupported when the repetition ended with the run's
  // failure: its partial figures are kept here but stay out of the run's
  // summary.
  RunStatus status = RunStatus::kOk;
  double load_duration_s = 0;
  uint64_t load_ops = 0;
  double warmup_duration_s = 0;
  uint64_t warmup_ops = 0;
  // From the first subtask starting its op loop to the last op of the last
  // one: the wall time in which the measured ops ran, whatever was asked.
  double measure_duration_s = 0;
  // Why the measured phase ended: "duration" | "events" | "end_of_input"
  // (every subtask's stream ran out) | "stopped" | "failure"; empty in
  // files written before the field existed.
  std::string measure_end;
  uint64_t measure_ops = 0;
  uint64_t measure_events = 0;
  double ops_per_s = 0;
  double events_per_s = 0;
  std::vector<double> timeline_ops_per_s;  // 1-second buckets
  std::vector<OpKindResult> ops;
  std::vector<CheckpointRecord> checkpoints;
  IoResult io;
  std::vector<RestoreResult> restores;
  std::optional<uint64_t> peak_rss_bytes;
  // Flattened scalar metrics of this repetition; the names are the keys of
  // RunResult::summary (see MetricInfo for direction and unit).
  std::map<std::string, double> metrics;
};

// One metric over the repetitions of a run.
struct MetricSummary {
  std::vector<double> samples;  // one per repetition, in order
  double median = 0;
  double min = 0;
  double max = 0;
  double mean = 0;
  double stddev = 0;
  // Median absolute deviation relative to the median, as a fraction.
  double relative_spread = 0;
};

struct CapabilitiesRecord {
  bool durable = false;
  bool incremental = false;
  bool remote = false;
  bool exactly_once = false;
  bool memory_bound = false;
  std::string rescale_mode;
  // Server backends: the persistence settings read from the server
  // (redis appendonly/appendfsync/save, postgres fsync/synchronous_commit/
  // full_page_writes), which `durable` follows, and why in words.
  std::map<std::string, std::string> persistence;
  std::string durability_note;
};

// One backend x workload measurement, or its failure.
struct RunResult {
  std::string backend;
  std::string workload;
  RunStatus status = RunStatus::kOk;
  // Where a failed or unsupported run stopped: "open", "preflight",
  // "load", "warmup", "measure", "checkpoint" (the final checkpoint taken
  // for the restore measurement), "restore", "spawn", ...
  std::string failure_phase;
  std::string failure_reason;
  // The code of the status that failed the run, for the command that ran
  // it (a bad option value is bad input); not written to the results file.
  StatusCode failure_code = StatusCode::kOk;
  CapabilitiesRecord capabilities;
  std::map<std::string, std::string> backend_options;  // as given
  int parallelism = 1;
  int max_parallelism = 128;
  std::string checkpoint_type = "full";
  uint32_t latency_sample_every = 1;
  bool open_loop = false;
  double target_rate = 0;  // events/s asked for, open loop
  // Open loop only: the median achieved events/s and whether it fell more
  // than kSaturationTolerance short of target_rate (the system could not
  // keep up; its latency from intended start grows with the backlog).
  std::optional<double> achieved_rate;
  std::optional<bool> saturated;
  // What a reader must know before trusting the figures (saturation,
  // spread between repetitions, ...), one sentence each; see RunWarnings.
  std::vector<std::string> warnings;
  std::vector<Repetition> repetitions;
  // io.read_sources summed over the repetitions.
  std::map<std::string, uint64_t> read_sources;
  std::map<std::string, MetricSummary> summary;
  // Extension points filled by later stages, kept as JSON: crash
  // verification verdict, server facts (e.g. synchronous_commit), workload
  // op counts per kind.
  nlohmann::json verification;  // null when not verified
  nlohmann::json extra = nlohmann::json::object();
  // The backend's whole effective configuration: every option with its
  // default where none was given, the checkpoint type that ran and the
  // checkpoint storage, plus what the backend reported (e.g. postgres's
  // synchronous_commit as the client sees it). Empty in older files.
  std::map<std::string, std::string> effective_config;
};

struct Context {
  std::string statebench_version;
  std::string git_sha;
  std::string build_type;
  std::string compiler;
  std::string host;
  std::string os;
  std::string cpu_model;
  int cpu_count = 0;
  uint64_t memory_bytes = 0;
  std::map<std::string, std::string> libraries;
  std::string started_at;         // UTC, ISO 8601
  std::string command;            // subcommand
  std::vector<std::string> argv;  // redacted
  std::vector<std::string> warnings;
};

struct ResultsFile {
  std::string schema = kResultsSchema;
  Context context;
  nlohmann::json config = nlohmann::json::object();  // effective config
  std::vector<RunResult> runs;
  nlohmann::json recommendation;  // advisor output, null when absent
  // `statebench sweep`: per backend and metric, the measured points against
  // state per subtask, the fitted cost model and its forecast check (see
  // bench/cli/sweep.h); null otherwise.
  nlohmann::json curves;
};

// The key of `run`'s configuration in curves["backends"]: the backend
// name, with " incremental" for incremental checkpoints.
std::string CurveLabel(const RunResult& run);

// A step of a sweep's cache curve (extra.sweep.cache_curve): rocksdb run at
// a block cache other than its configuration's, to measure throughput
// against the cache; not a configuration of its own nor a size of the
// ladder.
bool IsCacheCurveStep(const RunResult& run);

// One metric's curve as a sweep wrote it (curves["backends"][label][metric]):
// its measured points, and the cache curve a throughput curve carries
// (none when the sweep marked it "applied": false).
// Points that are not two positive numbers are left out.
std::vector<CurvePoint> CurvePointsFromJson(const nlohmann::json& curve);
std::optional<CacheCurve> CacheCurveFromJson(const nlohmann::json& curve);
// The curve's model, fitted as the sweep fitted it; InvalidArgument with
// fewer than two points.
Result<CostModel> FitCurveJson(const nlohmann::json& curve);

// Direction and unit of a flattened metric name.
struct MetricInfo {
  std::string unit;  // "ops/s", "ns", "ms", "bytes", "ratio", ...
  bool higher_is_better = false;
};
MetricInfo DescribeMetric(const std::string& name);

// Open loop: an achieved rate more than this fraction below the asked
// one means the system saturated.
inline constexpr double kSaturationTolerance = 0.05;
// Repetitions whose throughput spread (relative_spread) exceeds this are
// flagged: their median is not a stable figure.
inline constexpr double kSpreadWarning = 0.10;

// Computes median/min/max/mean/stddev/relative_spread of samples.
MetricSummary Summarize(std::vector<double> samples);
// Fills run->summary from the metrics of the run's repetitions whose
// status is kOk (a failed repetition contributes nothing), then
// MergeLatencySummary, achieved_rate, saturated and warnings (RunWarnings).
void SummarizeRepetitions(RunResult* run);

// The one definition of a latency figure that users read, stated by every
// report and export beside it.
inline constexpr char kLatencyDefinition[] =
    "Latency percentiles, min, max and mean are of all samples of all "
    "successful measured repetitions (their merged histogram); "
    "per-repetition percentiles are in repetitions[] and are what the "
    "gate's U test compares";
// Sets the `median` of each latency.<op>.<stat>_ns and
// latency_corrected.<op>.<stat>_ns summary to the figure of all samples of
// the run's kOk repetitions: the percentile of their merged histogram,
// the overall min and max, and the sample-weighted mean. A tail that one
// repetition shows is real, and a median over repetitions hides it. The
// samples, min, max, stddev and spread stay per repetition (the merged
// percentile always lies between the smallest and the largest
// per-repetition one). Idempotent; leaves a metric alone when no ok
// repetition has a histogram for its op kind (older files).
void MergeLatencySummary(RunResult* run);
// HdrHistogram's getValueAtPercentile over bucket counts (percentile in
// 0..100): the highest equivalent value of the bucket in which the count
// reaches ceil(percentile% of the total), at most max_ns; 0 when empty.
uint64_t HistogramValueAtPercentile(const HistogramBuckets& h,
                                    double percentile, uint64_t max_ns);
// The warnings the figures of `run` call for, derived from its summary:
// open-loop saturation and throughput spread above kSpreadWarning. Also
// for files written before RunResult::warnings existed.
std::vector<std::string> RunWarnings(const RunResult& run);
// True when an open-loop run achieved less than (1 - kSaturationTolerance)
// of its target rate (from `saturated`, or derived from the summary).
bool IsSaturated(const RunResult& run);

nlohmann::json ToJson(const ResultsFile& results);
// `j` as JSON text (indent < 0: compact) that cannot fail: a non-finite
// number becomes null and invalid UTF-8 in a string becomes U+FFFD, so
// that a finished measurement is never lost to serialization. Every JSON
// document statebench writes goes through this.
std::string JsonText(const nlohmann::json& j, int indent);
// `origin` names the source (a path) in error messages.
Result<ResultsFile> ResultsFromJson(const nlohmann::json& j,
                                    const std::string& origin);
// Parses text; errors name origin:line:column.
Result<ResultsFile> ParseResults(const std::string& text,
                                 const std::string& origin);
// Reads and parses a results file; InvalidArgument names path and position.
Result<ResultsFile> LoadResultsFile(const std::string& path);
// Writes by the rules of base/output_file.h: a regular file atomically
// (temp file, fsync, rename, fsync dir) with 0666 & ~umask for a new file;
// a device, FIFO or "-" (standard output) in place.
Status SaveResultsFile(const ResultsFile& results, const std::string& path);

}  // namespace statebench

#endif  // STATEBENCH_REPORTS_RESULTS_RESULTS_H_
