// Internal to advisor/: reading YAML with positions in every error.
//
// yaml-cpp throws; these helpers catch at the edge and return Status values
// whose messages start with "origin:line:column: ".
#ifndef STATEBENCH_ADVISOR_YAML_UTIL_H_
#define STATEBENCH_ADVISOR_YAML_UTIL_H_

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "base/status.h"

namespace statebench::advisor {

// "origin:line:column" of a node (1-based).
std::string Where(const std::string& origin, const YAML::Node& node);

// InvalidArgument "origin:line:column: message".
Status ErrorAt(const std::string& origin, const YAML::Node& node,
               std::string_view message);

// Parses YAML text; a syntax error names origin:line:column.
Result<YAML::Node> LoadYaml(const std::string& text, const std::string& origin);

// Fails on a key of `map` that is not in `allowed` (listing the allowed
// ones) or that appears twice. `what` names the mapping ("profile", "rule").
Status CheckKeys(const YAML::Node& map, const std::string& origin,
                 std::string_view what,
                 std::initializer_list<std::string_view> allowed);

// The scalar text of a node, or an error naming what was expected.
Result<std::string> ScalarText(const YAML::Node& node,
                               const std::string& origin,
                               std::string_view what);

}  // namespace statebench::advisor

#endif  // STATEBENCH_ADVISOR_YAML_UTIL_H_
