#include "reports/gate/junit.h"

#include <fmt/format.h>

#include <cmath>

namespace statebench {
namespace {

struct Counts {
  size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  double time_s = 0;
};

Counts CountCases(const std::vector<JUnitCase>& cases) {
  Counts c;
  for (const JUnitCase& t : cases) {
    ++c.tests;
    c.time_s += std::isfinite(t.time_s) ? t.time_s : 0;
    switch (t.outcome) {
      case JUnitCase::Outcome::kFailure:
        ++c.failures;
        break;
      case JUnitCase::Outcome::kError:
        ++c.errors;
        break;
      case JUnitCase::Outcome::kSkipped:
        ++c.skipped;
        break;
      case JUnitCase::Outcome::kPassed:
        break;
    }
  }
  return c;
}

std::string Seconds(double s) {
  return fmt::format("{:.3f}", std::isfinite(s) && s > 0 ? s : 0.0);
}

void AppendCase(const JUnitCase& t, std::string* out) {
  *out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{}\"",
                      XmlEscape(t.name, true), XmlEscape(t.classname, true),
                      Seconds(t.time_s));
  if (t.outcome == JUnitCase::Outcome::kPassed && t.system_out.empty()) {
    *out += "/>\n";
    return;
  }
  *out += ">\n";
  auto element = [&](const char* tag) {
    *out += fmt::format("      <{} message=\"{}\"", tag,
                        XmlEscape(t.message, true));
    if (!t.type.empty()) *out += " type=\"" + XmlEscape(t.type, true) + "\"";
    if (t.detail.empty()) {
      *out += "/>\n";
    } else {
      *out += fmt::format(">{}</{}>\n", XmlEscape(t.detail), tag);
    }
  };
  switch (t.outcome) {
    case JUnitCase::Outcome::kFailure:
      element("failure");
      break;
    case JUnitCase::Outcome::kError:
      element("error");
      break;
    case JUnitCase::Outcome::kSkipped:
      *out +=
          "      <skipped message=\"" + XmlEscape(t.message, true) + "\"/>\n";
      break;
    case JUnitCase::Outcome::kPassed:
      break;
  }
  if (!t.system_out.empty()) {
    *out += "      <system-out>" + XmlEscape(t.system_out) + "</system-out>\n";
  }
  *out += "    </testcase>\n";
}

}  // namespace

std::string XmlEscape(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    switch (ch) {
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
        out += "&apos;";
        break;
      case '\t':
      case '\n':
      case '\r':
        if (attribute) {
          out += fmt::format("&#{};", static_cast<int>(u));
        } else {
          out += ch;
        }
        break;
      default:
        if (u < 0x20) {
          out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 cannot carry it
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string RenderJUnit(std::string_view name,
                        const std::vector<JUnitSuite>& suites) {
  Counts all;
  for (const JUnitSuite& s : suites) {
    Counts c = CountCases(s.cases);
    all.tests += c.tests;
    all.failures += c.failures;
    all.errors += c.errors;
    all.skipped += c.skipped;
    all.time_s += c.time_s;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  // <testsuites> carries no skipped count: the Jenkins xUnit schema
  // (junit-10.xsd) allows name, time, tests, failures and errors only.
  out += fmt::format(
      "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
      "time=\"{}\">\n",
      XmlEscape(name, true), all.tests, all.failures, all.errors,
      Seconds(all.time_s));
  for (const JUnitSuite& s : suites) {
    Counts c = CountCases(s.cases);
    out += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" "
        "skipped=\"{}\" time=\"{}\">\n",
        XmlEscape(s.name, true), c.tests, c.failures, c.errors, c.skipped,
        Seconds(c.time_s));
    if (!s.properties.empty()) {
      out += "    <properties>\n";
      for (const auto& [k, v] : s.properties) {
        out += "      <property name=\"" + XmlEscape(k, true) + "\" value=\"" +
               XmlEscape(v, true) + "\"/>\n";
      }
      out += "    </properties>\n";
    }
    for (const JUnitCase& t : s.cases) AppendCase(t, &out);
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace statebench
