// PLACEHOLDER: replaced by the redis backend implementation.
#include "backends/redis_backend.h"

namespace statebench {

BackendInfo RedisBackendInfo() { return BackendInfo{.name = "redis"}; }
Result<std::unique_ptr<StateBackend>> CreateRedisBackend(const BackendConfig&) {
  return Status::Unimplemented("redis backend not implemented yet");
}

}  // namespace statebench
