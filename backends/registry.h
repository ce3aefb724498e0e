// A registry of state backends by name.
//
// Filled explicitly by RegisterBuiltinBackends() (no static initialisers), so
// that what exists is visible in one place and a compiled-out backend is a
// clear error rather than a silent absence.
//
// Thread safety: registration is not thread-safe; do it once at start-up.
// Create() and List() may be called from any thread afterwards.
#ifndef STATEBENCH_BACKENDS_REGISTRY_H_
#define STATEBENCH_BACKENDS_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/state_backend.h"
#include "base/status.h"

namespace statebench {

// Describes one backend option accepted in BackendConfig::options.
struct BackendOptionInfo {
  std::string name;
  std::string default_value;
  std::string help;
};

struct BackendInfo {
  std::string name;
  std::string flink_analogue;  // e.g. "EmbeddedRocksDBStateBackend"
  std::string description;
  Capabilities capabilities;  // with default options
  bool embedded = true;       // false for server backends
  std::vector<BackendOptionInfo> options;
};

using BackendFactory =
    std::function<Result<std::unique_ptr<StateBackend>>(const BackendConfig&)>;

class BackendRegistry {
 public:
  // Fails with AlreadyExists for a duplicate name.
  Status Register(BackendInfo info, BackendFactory factory);

  // NotFound, listing the registered names, for an unknown name.
  Result<std::unique_ptr<StateBackend>> Create(
      const std::string& name, const BackendConfig& config) const;
  Result<BackendInfo> Info(const std::string& name) const;
  // In registration order.
  std::vector<BackendInfo> List() const;

  // A registry holding every backend compiled into this binary.
  static const BackendRegistry& Default();

 private:
  struct Entry {
    BackendInfo info;
    BackendFactory factory;
  };
  std::vector<Entry> entries_;
  const Entry* Find(const std::string& name) const;
  std::string KnownNames() const;
};

// Registers memory, fs, rocksdb and, when compiled in, redis and postgres.
void RegisterBuiltinBackends(BackendRegistry* registry);

// Versions of the storage client libraries compiled in, e.g.
// {"rocksdb": "7.8.3", "hiredis": "0.14.1", "libpqxx": "6.4.5"}.
std::map<std::string, std::string> BackendLibraryVersions();

// Names of backends that may exist but were compiled out of this build, with
// the CMake option that enables them (for error messages).
std::vector<std::string> CompiledOutBackends();

}  // namespace statebench

#endif  // STATEBENCH_BACKENDS_REGISTRY_H_
