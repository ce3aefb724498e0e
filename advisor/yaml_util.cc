#include "advisor/yaml_util.h"

#include <fmt/format.h>

#include <set>

namespace statebench::advisor {

std::string Where(const std::string& origin, const YAML::Node& node) {
  YAML::Mark m = node.Mark();
  if (m.is_null()) return origin;
  return fmt::format("{}:{}:{}", origin, m.line + 1, m.column + 1);
}

Status ErrorAt(const std::string& origin, const YAML::Node& node,
               std::string_view message) {
  return Status::InvalidArgument(
      fmt::format("{}: {}", Where(origin, node), message));
}

Result<YAML::Node> LoadYaml(const std::string& text,
                            const std::string& origin) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    return Status::InvalidArgument(fmt::format("{}:{}:{}: invalid YAML: {}",
                                               origin, e.mark.line + 1,
                                               e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(
        fmt::format("{}: invalid YAML: {}", origin, e.what()));
  }
}

Status CheckKeys(const YAML::Node& map, const std::string& origin,
                 std::string_view what,
                 std::initializer_list<std::string_view> allowed) {
  std::set<std::string> seen;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) {
      return ErrorAt(origin, kv.first,
                     fmt::format("{} keys must be names", what));
    }
    std::string key = kv.first.Scalar();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (!known) {
      return ErrorAt(origin, kv.first,
                     fmt::format("unknown {} key '{}' (known: {})", what, key,
                                 fmt::join(allowed, ", ")));
    }
    if (!seen.insert(key).second) {
      return ErrorAt(origin, kv.first,
                     fmt::format("{} key '{}' given twice", what, key));
    }
  }
  return Status::Ok();
}

Result<std::string> ScalarText(const YAML::Node& node,
                               const std::string& origin,
                               std::string_view what) {
  if (!node.IsScalar()) {
    return ErrorAt(origin, node,
                   fmt::format("{} must be a single value", what));
  }
  return node.Scalar();
}

}  // namespace statebench::advisor
