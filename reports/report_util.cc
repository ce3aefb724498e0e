// Escaping, number formatting and JSON helpers of the report formatters.
#include "reports/report_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>

namespace statebench::report {

using nlohmann::json;

// ---- Escaping
// ----------------------------------------------------------------

namespace {

// C0 controls other than tab, newline and carriage return, and DEL: they
// have no business in a report and can drive a terminal.
bool IsControl(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f;
}

}  // namespace

std::optional<PlannedSize> PlannedStatePerSubtask(const ResultsFile& results) {
  const nlohmann::json& rec = results.recommendation;
  if (!rec.is_object() || !rec.contains("ranking")) return std::nullopt;
  for (const nlohmann::json& e : rec["ranking"]) {
    if (!e.is_object() || !e.contains("capacity")) continue;
    const nlohmann::json& c = e["capacity"];
    if (c.contains("state_per_subtask_bytes") &&
        c["state_per_subtask_bytes"].is_number()) {
      return PlannedSize{e.value("backend", std::string("its top backend")),
                         c["state_per_subtask_bytes"].get<double>()};
    }
  }
  return std::nullopt;
}

const std::vector<std::string>& CurveMetricsShown() {
  static const std::vector<std::string> kShown = {
      "throughput.ops_per_s",
      "checkpoint.median_end_to_end_ms",
      "checkpoint.p90_end_to_end_ms",
      "checkpoint.median_size_bytes",
      "restore.duration_ms",
      "rescale.duration_ms",
      "memory.peak_rss_bytes",
      "io.storage_size_bytes",
      "reads.memory_share"};
  return kShown;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (IsControl(c)) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MarkdownEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (IsControl(c)) {
      out += "\xEF\xBF\xBD";
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '@':
        out += "&#64;";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '\\':
      case '|':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '~':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string MarkdownCode(std::string_view s) {
  std::string body;
  body.reserve(s.size());
  size_t longest = 0, run = 0;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '\n' || c == '\r') {
      body += ' ';
    } else if (IsControl(c)) {
      body += "\xEF\xBF\xBD";
    } else if (c == '|') {
      body += "\\|";
    } else if (c == '<') {
      body += "&lt;";
    } else if (c == '>') {
      body += "&gt;";
    } else if (c == '&') {
      body += "&amp;";
    } else {
      body += c;
    }
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

std::string ConsoleSafe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      out += '?';
      continue;
    }
    // C1 controls (U+0080..U+009F) are C2 80..C2 9F in UTF-8.
    if (c == 0xc2 && i + 1 < s.size()) {
      auto n = static_cast<unsigned char>(s[i + 1]);
      if (n >= 0x80 && n <= 0x9f) {
        out += '?';
        ++i;
        continue;
      }
    }
    // Bidirectional embeddings/overrides U+202A..U+202E (E2 80 AA..AE) and
    // isolates U+2066..U+2069 (E2 81 A6..A9).
    if (c == 0xe2 && i + 2 < s.size()) {
      auto b1 = static_cast<unsigned char>(s[i + 1]);
      auto b2 = static_cast<unsigned char>(s[i + 2]);
      if ((b1 == 0x80 && b2 >= 0xaa && b2 <= 0xae) ||
          (b1 == 0x81 && b2 >= 0xa6 && b2 <= 0xa9)) {
        out += '?';
        i += 2;
        continue;
      }
    }
    out += static_cast<char>(c);
  }
  return out;
}

std::string CsvField(std::string_view s) {
  std::string v;
  for (char c : s) v += IsControl(c) ? '?' : c;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' ||
                     v[0] == '\t' || v[0] == '\r')) {
    v.insert(v.begin(), '\'');
  }
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string FileNameSafe(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

// ---- Numbers
// -------------------------------------------------------------------

std::string Sig3(double v) {
  if (!std::isfinite(v)) return "-";
  double a = std::fabs(v);
  // Round first so that 99.96 prints as "100", not "100.0".
  if (a >= 99.95) return fmt::format("{:.0f}", v);
  if (a >= 9.995) return fmt::format("{:.1f}", v);
  if (a == 0) return "0";
  return fmt::format("{:.2f}", v);
}

std::string FormatDurationNs(double ns) {
  if (!std::isfinite(ns)) return "-";
  double a = std::fabs(ns);
  if (a < 999.5) return fmt::format("{:.0f} ns", ns);
  if (a < 999.5e3) return Sig3(ns / 1e3) + " µs";
  if (a < 999.5e6) return Sig3(ns / 1e6) + " ms";
  return Sig3(ns / 1e9) + " s";
}

std::string FormatDurationMs(double ms) {
  if (!std::isfinite(ms)) return "-";
  return FormatDurationNs(ms * 1e6);
}

std::string FormatBytes(double bytes) {
  if (!std::isfinite(bytes)) return "-";
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double v = bytes;
  size_t u = 0;
  while (std::fabs(v) >= 1023.5 && u + 1 < std::size(kUnits)) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return fmt::format("{:.0f} B", v);
  return Sig3(v) + " " + kUnits[u];
}

std::string FormatSi(double v) {
  if (!std::isfinite(v)) return "-";
  double a = std::fabs(v);
  if (a < 999.5) return Sig3(v);
  if (a < 999.5e3) return Sig3(v / 1e3) + "k";
  if (a < 999.5e6) return Sig3(v / 1e6) + "M";
  return Sig3(v / 1e9) + "G";
}

std::string FormatCount(double v) {
  if (!std::isfinite(v)) return "-";
  std::string digits = fmt::format("{:.0f}", std::fabs(v));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (v < 0 && digits != "0" ? "-" : "") + out;
}

std::string FormatMetricValue(double v, const std::string& unit) {
  if (unit == "ns") return FormatDurationNs(v);
  if (unit == "ms") return FormatDurationMs(v);
  if (unit == "bytes") return FormatBytes(v);
  if (unit == "ops/s") return FormatSi(v) + " ops/s";
  return Sig3(v);
}

std::string ReadSourcesText(const RunResult& run) {
  std::map<std::string, uint64_t> sources = run.read_sources;
  if (sources.empty()) {
    for (const Repetition& rep : run.repetitions) {
      for (const auto& [level, n] : rep.io.read_sources) sources[level] += n;
    }
  }
  uint64_t total = 0;
  for (const auto& [level, n] : sources) total += n;
  if (sources.empty()) return "";
  if (total == 0) return "no reads";
  // Nearest first; levels this version does not know go last.
  constexpr std::string_view kOrder[] = {"local_buffer", "memory",  "memtable",
                                         "block_cache",  "storage", "server"};
  std::vector<std::pair<std::string, uint64_t>> ordered;
  for (std::string_view level : kOrder) {
    if (auto it = sources.find(std::string(level)); it != sources.end()) {
      ordered.emplace_back(it->first, it->second);
      sources.erase(it);
    }
  }
  for (const auto& [level, n] : sources) ordered.emplace_back(level, n);
  std::string out;
  for (const auto& [level, n] : ordered) {
    if (!out.empty()) out += ", ";
    std::string name = level;
    std::replace(name.begin(), name.end(), '_', ' ');
    out +=
        fmt::format("{} {:.1f}% ({})", name,
                    100.0 * static_cast<double>(n) / static_cast<double>(total),
                    FormatCount(static_cast<double>(n)));
  }
  return out;
}

std::string DurabilityText(const RunResult& run) {
  const CapabilitiesRecord& c = run.capabilities;
  std::string out = c.durable ? "yes" : "no";
  std::string settings;
  for (const auto& [k, v] : c.persistence) {
    if (!settings.empty()) settings += ' ';
    settings += k + "=" + (v.empty() ? "\"\"" : v);
  }
  if (!settings.empty()) out += ": " + settings;
  if (!c.durability_note.empty() && !c.persistence.empty()) {
    out += " - " + c.durability_note;
  }
  return out;
}

bool HasReadsOrDurability(const ResultsFile& results) {
  for (const RunResult& run : results.runs) {
    if (!run.read_sources.empty() || !run.capabilities.persistence.empty()) {
      return true;
    }
    for (const Repetition& rep : run.repetitions) {
      if (!rep.io.read_sources.empty()) return true;
    }
  }
  return false;
}

std::string FormatSpread(const MetricSummary& s) {
  if (s.samples.size() < 2 || !std::isfinite(s.relative_spread)) return "";
  double pct = s.relative_spread * 100;
  return pct < 9.95 ? fmt::format("±{:.1f}%", pct)
                    : fmt::format("±{:.0f}%", pct);
}

// ---- JSON
// ----------------------------------------------------------------------

std::string ScalarText(const json& j) {
  switch (j.type()) {
    case json::value_t::string:
      return j.get<std::string>();
    case json::value_t::boolean:
      return j.get<bool>() ? "yes" : "no";
    case json::value_t::null:
      return "-";
    case json::value_t::number_float: {
      double v = j.get<double>();
      if (!std::isfinite(v)) return "-";
      return v == std::floor(v) && std::fabs(v) < 1e15
                 ? fmt::format("{:.0f}", v)
                 : fmt::format("{:.6g}", v);
    }
    default:
      return DumpJson(j, -1);
  }
}

namespace {

bool IsScalar(const json& j) { return !j.is_object() && !j.is_array(); }

void Flatten(const json& j, const std::string& path, int depth,
             std::vector<std::pair<std::string, std::string>>* out) {
  if (j.is_object() && depth > 0) {
    for (const auto& [k, v] : j.items()) {
      Flatten(v, path.empty() ? k : path + "." + k, depth - 1, out);
    }
    return;
  }
  if (j.is_array()) {
    bool scalars = true;
    for (const json& v : j) scalars = scalars && IsScalar(v);
    if (scalars) {
      std::string text;
      for (const json& v : j) {
        if (!text.empty()) text += ", ";
        text += ScalarText(v);
      }
      out->emplace_back(path, text);
      return;
    }
  }
  out->emplace_back(path, ScalarText(j));
}

}  // namespace

std::vector<std::pair<std::string, std::string>> FlattenScalars(const json& j,
                                                                int max_depth) {
  std::vector<std::pair<std::string, std::string>> out;
  if (j.is_null()) return out;
  Flatten(j, "", max_depth, &out);
  return out;
}

std::vector<std::pair<std::string, std::string>> VerificationFields(
    const json& verification) {
  auto fields = FlattenScalars(verification, 2);
  std::stable_partition(fields.begin(), fields.end(), [](const auto& f) {
    return f.first == "verdict" || f.first == "status";
  });
  return fields;
}

namespace {

std::string StringField(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// A string array, or a lone string, as lines.
std::vector<std::string> Lines(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (it->is_string()) out.push_back(it->get<std::string>());
  if (it->is_array()) {
    for (const json& v : *it) out.push_back(ScalarText(v));
  }
  return out;
}

RankingEntry ReadRankingEntry(const json& e) {
  RankingEntry entry;
  if (auto b = e.find("backend"); b != e.end()) entry.backend = ScalarText(*b);
  if (auto s = e.find("score"); s != e.end() && s->is_number()) {
    double v = s->get<double>();
    if (std::isfinite(v)) entry.score = v;
  }
  if (auto v = e.find("vetoed"); v != e.end() && v->is_boolean()) {
    entry.vetoed = v->get<bool>();
  }
  entry.reasons = Lines(e, "reasons");
  if (auto c = e.find("capacity"); c != e.end() && c->is_object()) {
    auto d = c->find("display");
    const json& figures = d != c->end() && d->is_object() ? *d : *c;
    for (const auto& [k, v] : figures.items()) {
      if (v.is_object() || v.is_array() || v.is_null()) continue;
      std::string text = ScalarText(v);
      if (text.empty() || text == "-") continue;
      // The displayed text carries the unit; the key's suffix need not.
      std::string name = k;
      for (std::string_view unit : {"_bytes", "_ms", "_ns", "_s"}) {
        if (d != c->end() && name.size() > unit.size() &&
            name.ends_with(unit) &&
            !name.ends_with(std::string("_per") += unit)) {
          name.resize(name.size() - unit.size());
          break;
        }
      }
      std::replace(name.begin(), name.end(), '_', ' ');
      entry.capacity.emplace_back(name, text);
    }
  }
  return entry;
}

}  // namespace

std::optional<RecommendationView> ReadRecommendation(const json& j) {
  if (!j.is_object()) return std::nullopt;
  RecommendationView view;
  view.summary = StringField(j, "summary");
  view.profile = StringField(j, "profile");
  view.what_would_change = StringField(j, "what_would_change");
  view.notes = Lines(j, "notes");
  view.confidence = Lines(j, "confidence");
  if (auto it = j.find("ranking"); it != j.end() && it->is_array()) {
    for (const json& e : *it) {
      if (e.is_object()) view.ranking.push_back(ReadRankingEntry(e));
    }
  }
  if (view.summary.empty() && view.ranking.empty()) return std::nullopt;
  return view;
}

}  // namespace statebench::report
