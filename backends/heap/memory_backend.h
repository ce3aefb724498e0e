// The `memory` backend: Flink's HashMapStateBackend with JobManager
// checkpoint storage (the old MemoryStateBackend).
//
// Keyed state lives in heap hash maps, one partition per key group.
// SnapshotSync captures the partitions copy-on-write; the async phase
// serializes them into an in-memory blob that travels in
// CheckpointHandle::inline_data. A checkpoint above `max_state_size`
// (default 5 MiB, as in Flink) fails with ResourceExhausted; live state is
// untouched. Checkpoints do not survive the process (durable = false).
// Incremental checkpoints are taken as full ones.
//
// Options: max_state_size (bytes, or with B/KiB/MiB/GiB).
// Threading: as StateBackend.
#ifndef STATEBENCH_BACKENDS_HEAP_MEMORY_BACKEND_H_
#define STATEBENCH_BACKENDS_HEAP_MEMORY_BACKEND_H_

#include <memory>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench {

BackendInfo MemoryBackendInfo();

// InvalidArgument naming the option for an unknown name or a bad value.
Result<std::shared_ptr<const BackendSettings>> ParseMemoryOptions(
    const std::map<std::string, std::string>& options);

// InvalidArgument for an invalid key-group configuration or option.
Result<std::unique_ptr<StateBackend>> CreateMemoryBackend(
    const BackendConfig& config);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_HEAP_MEMORY_BACKEND_H_
