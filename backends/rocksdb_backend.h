// PLACEHOLDER: replaced by the rocksdb backend implementation.
#ifndef STATEBENCH_BACKENDS_ROCKSDB_BACKEND_H_
#define STATEBENCH_BACKENDS_ROCKSDB_BACKEND_H_

#include <memory>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench {

BackendInfo RocksDbBackendInfo();
Result<std::unique_ptr<StateBackend>> CreateRocksDbBackend(const BackendConfig& config);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_ROCKSDB_BACKEND_H_
