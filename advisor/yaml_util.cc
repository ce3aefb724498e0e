#include "advisor/yaml_util.h"

#include <fmt/format.h>

#include <set>
#include <vector>

#include "base/text_check.h"

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

namespace {

// Every mapping of the document: no key twice (yaml-cpp keeps one of them
// silently); every scalar within kMaxInputStringBytes.
Status CheckTree(const YAML::Node& node, const std::string& origin, int depth) {
  if (depth > 64) return ErrorAt(origin, node, "nested more than 64 deep");
  if (node.IsScalar() && node.Scalar().size() > kMaxInputStringBytes) {
    return ErrorAt(origin, node,
                   fmt::format("a value of {} bytes; values are at most {} "
                               "bytes",
                               node.Scalar().size(), kMaxInputStringBytes));
  }
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) {
      SB_RETURN_IF_ERROR(CheckTree(item, origin, depth + 1));
    }
  }
  if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& kv : node) {
      SB_RETURN_IF_ERROR(CheckTree(kv.first, origin, depth + 1));
      if (kv.first.IsScalar() && !seen.insert(kv.first.Scalar()).second) {
        return ErrorAt(origin, kv.first,
                       fmt::format("key '{}' given twice", kv.first.Scalar()));
      }
      SB_RETURN_IF_ERROR(CheckTree(kv.second, origin, depth + 1));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<YAML::Node> LoadYaml(const std::string& text,
                            const std::string& origin) {
  // Names and reasons from the file end up in the JSON recommendation.
  SB_RETURN_IF_ERROR(CheckUtf8File(text, origin));
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(text);
    if (documents.size() > 1) {
      // YAML::Load() would quietly take the first one.
      constexpr std::string_view kWhat =
          "a second YAML document starts here; the file holds one document "
          "(remove the '---' line)";
      if (size_t line = SecondYamlDocumentLine(text); line > 0) {
        return Status::InvalidArgument(
            fmt::format("{}:{}:1: {}", origin, line, kWhat));
      }
      return ErrorAt(origin, documents[1], kWhat);
    }
    YAML::Node root = documents.empty() ? YAML::Node() : documents[0];
    SB_RETURN_IF_ERROR(CheckTree(root, origin, 0));
    return root;
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
