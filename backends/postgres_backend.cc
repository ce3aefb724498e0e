// PLACEHOLDER: replaced by the postgres backend implementation.
#include "backends/postgres_backend.h"

namespace statebench {

BackendInfo PostgresBackendInfo() { return BackendInfo{.name = "postgres"}; }
Result<std::unique_ptr<StateBackend>> CreatePostgresBackend(const BackendConfig&) {
  return Status::Unimplemented("postgres backend not implemented yet");
}

}  // namespace statebench
