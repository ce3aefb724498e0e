// PLACEHOLDER: replaced by the fs backend implementation.
#ifndef STATEBENCH_BACKENDS_FS_BACKEND_H_
#define STATEBENCH_BACKENDS_FS_BACKEND_H_

#include <memory>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench {

BackendInfo FsBackendInfo();
Result<std::unique_ptr<StateBackend>> CreateFsBackend(const BackendConfig& config);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_FS_BACKEND_H_
