// A small JUnit XML writer (the dialect Jenkins, GitLab, GitHub test
// reporters and Surefire read): <testsuites> of <testsuite> of <testcase>,
// each with an optional <failure>, <error> or <skipped>.
//
// Text and attribute values are XML-escaped; characters XML 1.0 cannot
// carry (control characters other than tab, CR, LF; invalid UTF-8 is left
// to the caller) are replaced by U+FFFD. Pure; thread-compatible.
#ifndef STATEBENCH_REPORTS_GATE_JUNIT_H_
#define STATEBENCH_REPORTS_GATE_JUNIT_H_

#include <string>
#include <string_view>
#include <vector>

namespace statebench {

struct JUnitCase {
  enum class Outcome { kPassed, kFailure, kError, kSkipped };
  std::string name;
  std::string classname;
  double time_s = 0;
  Outcome outcome = Outcome::kPassed;
  std::string message;     // the failure/error/skipped "message" attribute
  std::string type;        // the failure/error "type" attribute
  std::string detail;      // the failure/error element's text
  std::string system_out;  // <system-out>, omitted when empty
};

struct JUnitSuite {
  std::string name;
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<JUnitCase> cases;
};

// The whole document, with an XML declaration; counts (tests, failures,
// errors, skipped) are computed from the cases.
std::string RenderJUnit(std::string_view name,
                        const std::vector<JUnitSuite>& suites);

// Escapes &, <, >, " and ' and replaces characters XML 1.0 forbids. With
// `attribute`, tab, CR and LF become character references so that parsers
// do not normalize them to spaces.
std::string XmlEscape(std::string_view text, bool attribute = false);

}  // namespace statebench

#endif  // STATEBENCH_REPORTS_GATE_JUNIT_H_
