// PLACEHOLDER: replaced by the fs backend implementation.
#include "backends/fs_backend.h"

namespace statebench {

BackendInfo FsBackendInfo() { return BackendInfo{.name = "fs"}; }
Result<std::unique_ptr<StateBackend>> CreateFsBackend(const BackendConfig&) {
  return Status::Unimplemented("fs backend not implemented yet");
}

}  // namespace statebench
