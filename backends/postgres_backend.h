// PLACEHOLDER: replaced by the postgres backend implementation.
#ifndef STATEBENCH_BACKENDS_POSTGRES_BACKEND_H_
#define STATEBENCH_BACKENDS_POSTGRES_BACKEND_H_

#include <memory>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench {

BackendInfo PostgresBackendInfo();
Result<std::unique_ptr<StateBackend>> CreatePostgresBackend(const BackendConfig& config);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_POSTGRES_BACKEND_H_
