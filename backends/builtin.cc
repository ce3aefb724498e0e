// The one place that knows which backends exist.
#include "backends/fs_backend.h"
#include "backends/memory_backend.h"
#include "backends/registry.h"
#include "backends/rocksdb_backend.h"
#ifdef STATEBENCH_WITH_REDIS
#include "backends/redis_backend.h"
#endif
#ifdef STATEBENCH_WITH_POSTGRES
#include "backends/postgres_backend.h"
#endif

namespace statebench {

void RegisterBuiltinBackends(BackendRegistry* registry) {
  // Registration of distinct built-in names cannot fail.
  (void)registry->Register(MemoryBackendInfo(), CreateMemoryBackend);
  (void)registry->Register(FsBackendInfo(), CreateFsBackend);
  (void)registry->Register(RocksDbBackendInfo(), CreateRocksDbBackend);
#ifdef STATEBENCH_WITH_REDIS
  (void)registry->Register(RedisBackendInfo(), CreateRedisBackend);
#endif
#ifdef STATEBENCH_WITH_POSTGRES
  (void)registry->Register(PostgresBackendInfo(), CreatePostgresBackend);
#endif
}

std::vector<std::string> CompiledOutBackends() {
  std::vector<std::string> out;
#ifndef STATEBENCH_WITH_REDIS
  out.push_back(
      "redis (configure with -DSTATEBENCH_WITH_REDIS=ON and libhiredis-dev)");
#endif
#ifndef STATEBENCH_WITH_POSTGRES
  out.push_back(
      "postgres (configure with -DSTATEBENCH_WITH_POSTGRES=ON and "
      "libpqxx-dev)");
#endif
  return out;
}

}  // namespace statebench
