// JSON text that can always be written: every JSON writer of the project
// goes through DumpJson, so a dump can never abort after a measurement.
#ifndef STATEBENCH_REPORTS_RESULTS_JSON_TEXT_H_
#define STATEBENCH_REPORTS_RESULTS_JSON_TEXT_H_

#include <nlohmann/json.hpp>
#include <string>

namespace statebench::report {

// A copy with every non-finite number replaced by null.
nlohmann::json SanitizeJson(const nlohmann::json& j);
nlohmann::ordered_json SanitizeJson(const nlohmann::ordered_json& j);
// SanitizeJson(j) as text (indent < 0: compact); invalid UTF-8 in strings
// becomes U+FFFD instead of throwing. ordered_json keeps the insertion
// order, for exports whose readers expect the original tool's layout.
std::string DumpJson(const nlohmann::json& j, int indent);
std::string DumpJson(const nlohmann::ordered_json& j, int indent);

}  // namespace statebench::report

#endif  // STATEBENCH_REPORTS_RESULTS_JSON_TEXT_H_
