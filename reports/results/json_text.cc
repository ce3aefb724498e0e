#include "reports/results/json_text.h"

#include <cmath>

namespace statebench::report {

using nlohmann::json;

namespace {

template <typename Json>
Json Sanitize(const Json& j) {
  switch (j.type()) {
    case Json::value_t::number_float:
      return std::isfinite(j.template get<double>()) ? j : Json(nullptr);
    case Json::value_t::array: {
      Json out = Json::array();
      for (const Json& v : j) out.push_back(Sanitize(v));
      return out;
    }
    case Json::value_t::object: {
      Json out = Json::object();
      for (const auto& [k, v] : j.items()) out[k] = Sanitize(v);
      return out;
    }
    default:
      return j;
  }
}

template <typename Json>
std::string Dump(const Json& j, int indent) {
  return Sanitize(j).dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

json SanitizeJson(const json& j) { return Sanitize(j); }
nlohmann::ordered_json SanitizeJson(const nlohmann::ordered_json& j) {
  return Sanitize(j);
}
std::string DumpJson(const json& j, int indent) { return Dump(j, indent); }
std::string DumpJson(const nlohmann::ordered_json& j, int indent) {
  return Dump(j, indent);
}

}  // namespace statebench::report
