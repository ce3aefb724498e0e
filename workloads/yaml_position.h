// "file:line:col" of a YAML node, for the messages of the readers of YAML
// inputs in workloads/ (workload files, Flink configurations).
#ifndef STATEBENCH_WORKLOADS_YAML_POSITION_H_
#define STATEBENCH_WORKLOADS_YAML_POSITION_H_

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

namespace statebench {

// `source`, then ":line:col" (1-based) when the mark is known.
inline std::string YamlPosition(std::string_view source,
                                const YAML::Mark& mark) {
  std::string out(source);
  if (mark.line >= 0) {
    out += ":" + std::to_string(mark.line + 1) + ":" +
           std::to_string(mark.column + 1);
  }
  return out;
}

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_YAML_POSITION_H_
