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
// Parses and checks a backend's options (names and values) into its typed
// settings: InvalidArgument naming the option on bad input.
using BackendOptionParser =
    std::function<Result<std::shared_ptr<const BackendSettings>>(
        const std::map<std::string, std::string>&)>;

// The settings a factory works from: those in config.settings, or, for a
// config built by hand, `parse` of config.options.
template <typename T>
Result<std::shared_ptr<const TypedBackendSettings<T>>> SettingsFor(
    const BackendConfig& config, const BackendOptionParser& parse) {
  std::shared_ptr<const BackendSettings> any = config.settings;
  if (any == nullptr) {
    SB_ASSIGN_OR_RETURN(any, parse(config.options));
  }
  auto typed =
      std::dynamic_pointer_cast<const TypedBackendSettings<T>>(std::move(any));
  if (typed == nullptr) {
    return Status::InvalidArgument(
        "backend settings of another backend were given to this one");
  }
  return typed;
}

class BackendRegistry {
 public:
  // Fails with AlreadyExists for a duplicate name. Without a parser,
  // ParseOptions gives no settings and the factory reads the strings.
  Status Register(BackendInfo info, BackendFactory factory,
                  BackendOptionParser parse = {});

  // The backend's options parsed once for every instance of a run (put in
  // BackendConfig::settings); NotFound for an unknown backend,
  // InvalidArgument naming the option for a bad name or value. Checks what
  // can be checked without opening the backend or reaching its server.
  Result<std::shared_ptr<const BackendSettings>> ParseOptions(
      const std::string& name,
      const std::map<std::string, std::string>& options) const;

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
    BackendOptionParser parse;
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
