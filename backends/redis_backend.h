// PLACEHOLDER: replaced by the redis backend implementation.
#ifndef STATEBENCH_BACKENDS_REDIS_BACKEND_H_
#define STATEBENCH_BACKENDS_REDIS_BACKEND_H_

#include <memory>

#include "backends/registry.h"
#include "backends/state_backend.h"

namespace statebench {

BackendInfo RedisBackendInfo();
Result<std::unique_ptr<StateBackend>> CreateRedisBackend(const BackendConfig& config);

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_REDIS_BACKEND_H_
