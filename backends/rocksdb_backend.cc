// PLACEHOLDER: replaced by the rocksdb backend implementation.
#include "backends/rocksdb_backend.h"

namespace statebench {

BackendInfo RocksDbBackendInfo() { return BackendInfo{.name = "rocksdb"}; }
Result<std::unique_ptr<StateBackend>> CreateRocksDbBackend(const BackendConfig&) {
  return Status::Unimplemented("rocksdb backend not implemented yet");
}

}  // namespace statebench
