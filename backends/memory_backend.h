// PLACEHOLDER: replaced by the memory backend implementation.
#ifndef STATEBENCH_BACKENDS_MEMORY_BACKEND_H_
#define STATEBENCH_BACKENDS_MEMORY_BACKEND_H_

#include <memory>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench {

BackendInfo MemoryBackendInfo();
Result<std::unique_ptr<StateBackend>> CreateMemoryBackend(const BackendConfig& config);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_MEMORY_BACKEND_H_
