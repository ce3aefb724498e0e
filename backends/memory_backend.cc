// PLACEHOLDER: replaced by the memory backend implementation.
#include "backends/memory_backend.h"

namespace statebench {

BackendInfo MemoryBackendInfo() { return BackendInfo{.name = "memory"}; }
Result<std::unique_ptr<StateBackend>> CreateMemoryBackend(const BackendConfig&) {
  return Status::Unimplemented("memory backend not implemented yet");
}

}  // namespace statebench
