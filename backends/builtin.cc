// The one place that knows which backends exist.
#include "backends/heap/fs_backend.h"
#include "backends/heap/memory_backend.h"
#include "backends/registry.h"
#include "backends/rocksdb/rocksdb_backend.h"
#include "rocksdb/version.h"
#ifdef STATEBENCH_WITH_REDIS
#include <hiredis/hiredis.h>

#include "backends/redis/redis_backend.h"
#endif
#ifdef STATEBENCH_WITH_POSTGRES
#include <pqxx/version.hxx>

#include "backends/postgres/postgres_backend.h"
#endif

namespace statebench {

void RegisterBuiltinBackends(BackendRegistry* registry) {
  // Registration of distinct built-in names cannot fail.
  (void)registry->Register(MemoryBackendInfo(), CreateMemoryBackend,
                           ParseMemoryOptions);
  (void)registry->Register(FsBackendInfo(), CreateFsBackend, ParseFsOptions);
  (void)registry->Register(RocksDbBackendInfo(), CreateRocksDbBackend,
                           ParseRocksDbOptions);
#ifdef STATEBENCH_WITH_REDIS
  (void)registry->Register(RedisBackendInfo(), CreateRedisBackend,
                           ParseRedisOptions);
#endif
#ifdef STATEBENCH_WITH_POSTGRES
  (void)registry->Register(PostgresBackendInfo(), CreatePostgresBackend,
                           ParsePostgresOptions);
#endif
}

std::map<std::string, std::string> BackendLibraryVersions() {
  std::map<std::string, std::string> v;
  v["rocksdb"] = std::to_string(ROCKSDB_MAJOR) + "." +
                 std::to_string(ROCKSDB_MINOR) + "." +
                 std::to_string(ROCKSDB_PATCH);
#ifdef STATEBENCH_WITH_REDIS
  v["hiredis"] = std::to_string(HIREDIS_MAJOR) + "." +
                 std::to_string(HIREDIS_MINOR) + "." +
                 std::to_string(HIREDIS_PATCH);
#endif
#ifdef STATEBENCH_WITH_POSTGRES
  v["libpqxx"] = PQXX_VERSION;
#endif
  return v;
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
