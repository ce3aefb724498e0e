#include "backends/registry.h"

#include <utility>

namespace statebench {

Status BackendRegistry::Register(BackendInfo info, BackendFactory factory,
                                 BackendOptionParser parse) {
  if (Find(info.name) != nullptr) {
    return Status::AlreadyExists("backend '" + info.name +
                                 "' is already registered");
  }
  entries_.push_back({std::move(info), std::move(factory), std::move(parse)});
  return Status::Ok();
}

const BackendRegistry::Entry* BackendRegistry::Find(
    const std::string& name) const {
  for (const Entry& e : entries_) {
    if (e.info.name == name) return &e;
  }
  return nullptr;
}

std::string BackendRegistry::KnownNames() const {
  std::string names;
  for (const Entry& e : entries_) {
    if (!names.empty()) names += ", ";
    names += e.info.name;
  }
  return names;
}

Result<std::unique_ptr<StateBackend>> BackendRegistry::Create(
    const std::string& name, const BackendConfig& config) const {
  const Entry* e = Find(name);
  if (e == nullptr) {
    return Status::NotFound(Info(name).status().message());
  }
  return e->factory(config);
}

Result<std::shared_ptr<const BackendSettings>> BackendRegistry::ParseOptions(
    const std::string& name,
    const std::map<std::string, std::string>& options) const {
  const Entry* e = Find(name);
  if (e == nullptr) {
    return Status::NotFound(Info(name).status().message());
  }
  if (!e->parse) return std::shared_ptr<const BackendSettings>();
  return e->parse(options);
}

Result<BackendInfo> BackendRegistry::Info(const std::string& name) const {
  if (const Entry* e = Find(name)) return e->info;
  std::string msg =
      "unknown backend '" + name + "'; available: " + KnownNames();
  for (const std::string& out : CompiledOutBackends()) {
    if (out.rfind(name + " ", 0) == 0) {
      msg = "backend '" + name + "' is not compiled into this build (" + out +
            "); available: " + KnownNames();
    }
  }
  return Status::NotFound(msg);
}

std::vector<BackendInfo> BackendRegistry::List() const {
  std::vector<BackendInfo> out;
  for (const Entry& e : entries_) out.push_back(e.info);
  return out;
}

const BackendRegistry& BackendRegistry::Default() {
  static const BackendRegistry* registry = [] {
    auto* r = new BackendRegistry();
    RegisterBuiltinBackends(r);
    return r;
  }();
  return *registry;
}

}  // namespace statebench
