// From a profile and a backend's measurements to the facts rules read: the
// profile's own figures, and the capacity plan derived by extrapolating the
// measurements to the profile's state size and event rate.
//
// The model (README-profiles.md, "How measurements are extrapolated"):
//   per_subtask_rate    = measured events/s / measured parallelism, or a
//                          sweep's throughput curve at the planned state
//                          per subtask
//   subtasks_needed     = the smallest parallelism whose subtasks carry
//                          the event rate at 70% utilisation
//   parallelism         = the smallest, from one subtask per node up to
//                          parallelism_cap (what the nodes' memory holds),
//                          that meets the event rate, the recovery-time
//                          objective and the checkpoint interval; a
//                          requirement no parallelism meets is named in
//                          capacity_unmet and does not raise it
//   With a sweep's curves, restore_time, checkpoint_duration (full
//   checkpoints) and per_subtask_rate come from the fitted model at
//   state_size / parallelism, each with its interval (_low, _high).
//   checkpoint_full_size = state_size x (measured full checkpoint size /
//                          measured live state)
//   checkpoint_size     = full size; for incremental or remote backends the
//                          delta: write_rate x checkpoint_interval x
//                          (measured delta bytes / measured logical bytes
//                          written between checkpoints), at most the full size
//   checkpoint_duration = checkpoint_size / (checkpoint_rate per subtask x
//                          parallelism)
//   restore_time        = checkpoint_full_size / (restore_rate per subtask x
//                          parallelism); for server backends the longer of
//                          a job restore (the state is already on the
//                          server: it reads the committed checkpoint id, the
//                          measured time) and a server restart (Redis
//                          reloads its RDB/AOF, PostgreSQL replays its WAL);
//                          restore_basis says which
//   server_memory_required  (redis) = state_size + key_count x per-entry
//                          overhead; server_storage_required (postgres)
//                          likewise with its per-row overhead;
//                          server_connections = parallelism x connections
//                          each subtask holds
//   disk_write_rate     = write_rate x measured write amplification
//   memory_per_subtask  = heap_required / parallelism for heap backends,
//                          else measured peak RSS / measured parallelism
// A figure that cannot be computed is a missing value saying why.
//
// Thread safety: pure functions.
#ifndef STATEBENCH_ADVISOR_CAPACITY_H_
#define STATEBENCH_ADVISOR_CAPACITY_H_

#include <vector>

#include "advisor/facts.h"
#include "advisor/measurements.h"
#include "advisor/profile.h"

namespace statebench::advisor {

// Copy-on-write snapshots keep old versions alive while the async phase
// runs, and a garbage-collected heap needs slack: plan 2 bytes of heap per
// byte of state.
inline constexpr double kHeapHeadroom = 2.0;
// Plan subtasks at 70% of their measured rate, leaving room for catch-up
// after a restore and for load spikes.
inline constexpr double kTargetUtilisation = 0.7;
// The most subtasks a plan may use: Flink's upper bound on the max
// parallelism (and so on the parallelism).
inline constexpr double kMaxPlannedParallelism = 32768;
// Flink's JobManagerCheckpointStorage default max state size.
inline constexpr double kJobManagerCapBytes = 5.0 * 1024 * 1024;

// --- The state servers -------------------------------------------------
//
// Redis memory per value-state entry beyond its logical bytes (key,
// namespace and value). The redis backend keeps one hash per key group and
// state; with more than 128 fields a hash is a hashtable, so each entry
// costs a dict entry, two sds strings and their jemalloc size classes.
// Measured 2026-12-06 against redis-server 7.0.15 (jemalloc 5.3.0, x86_64,
// AMD EPYC, 2 shared cores) started by `scripts/servers.sh start`: HSET of
// 1M entries into 128 hashes "sb:statebench:<kg>:value:v", field =
// varint length + 16-byte key, random values of 32/100/300/1000 B;
// INFO memory used_memory before and after, minus the logical bytes:
// 71.4 / 67.5 / 75.4 / 79.4 B per entry. Planned at the largest, rounded up.
inline constexpr double kRedisEntryOverheadBytes = 80;
// Connections a redis subtask holds: its own and its commit thread's.
inline constexpr double kRedisConnectionsPerSubtask = 2;
// Rate at which a restarting Redis loads its dataset (RDB, or an AOF with
// its RDB preamble), in bytes of data set per second: Redis 5.0.3 from SSD
// loaded 1.01 GB in 4.5 s and 3.5 GB in 16.6 s (about 210 MB/s; the
// go-pmem project's "Database load time comparison", github.com/jerrinsg/
// go-pmem/wiki). The same check here (2M entries of 317 B, 640 MB RDB,
// redis-server 7.0.15, 2026-12-06, on the shared 2-core machine above at
// load average 20) took 11.3 and 13.5 s: 47-56 MB/s, a lower bound.
inline constexpr double kRedisReloadBytesPerSecond = 200e6;
// PostgreSQL storage per state row beyond its logical bytes: tuple and
// line-pointer headers, the job/key-group/state columns, two SHA-256
// digests, and the primary-key index that repeats them. Measured
// 2026-12-06 against PostgreSQL 15 started by `scripts/servers.sh start`:
// 1M rows of the backend's sb_state schema with 16-byte keys and 100-byte
// values, after VACUUM ANALYZE: pg_total_relation_size 401 MB (heap
// 241 MB, index 160 MB) = 401 B per 116-B row.
inline constexpr double kPostgresRowOverheadBytes = 285;
// PostgreSQL crash recovery replays the WAL written since its last
// checkpoint, which it starts every checkpoint_timeout (default 5 min) or
// when max_wal_size (default 1 GB) of WAL has been written (PostgreSQL
// docs, "WAL Configuration"): the replay does not grow with the state.
inline constexpr double kPostgresMaxWalBytes = 1024.0 * 1024 * 1024;
inline constexpr double kPostgresCheckpointTimeoutS = 300;
// WAL bytes per logical state byte written, and the replay rate, measured
// 2026-12-06 on PostgreSQL 15 (a fresh initdb cluster with max_wal_size
// 8GB and checkpoint_timeout 1h; the 1M-row insert above wrote 499 MB of
// WAL for 116 MB of logical state; `pg_ctl stop -m immediate`, then the
// restart's log: "redo done ... CPU: user: 2.34 s, system: 1.32 s,
// elapsed: 24.02 s") on the shared 2-core machine above at load average
// 22: 20.8 MB/s elapsed. An idle server replays faster (the CPU time
// alone gives 136 MB/s); the elapsed figure is the conservative one.
inline constexpr double kPostgresWalPerLogicalByte = 4.3;
inline constexpr double kPostgresReplayBytesPerSecond = 20e6;
// A postgres subtask holds one connection.
inline constexpr double kPostgresConnectionsPerSubtask = 1;

// profile.* and the profile-level derived.* facts.
Facts ProfileFacts(const Profile& profile);

// `profile_facts` plus everything about one measured backend: backend.*,
// capability.*, verification.*, metric.* and the per-backend derived.*.
Facts BackendFacts(const Profile& profile, const Facts& profile_facts,
                   const BackendMeasurement& m);

// Adds the cross-backend facts (derived.subtasks_vs_best,
// derived.parallelism_vs_best, derived.p99_vs_best) to each backend's facts.
// "Best" is taken over the backends still in the running (in_running[i]; all
// when it is empty): a vetoed backend is no alternative to compare a cost with.
void AddRelativeFacts(std::vector<Facts>* per_backend,
                      const std::vector<bool>& in_running = {});

}  // namespace statebench::advisor

#endif  // STATEBENCH_ADVISOR_CAPACITY_H_
