#include "reports/gate/junit.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

namespace statebench {
namespace {

TEST(XmlEscape, EscapesMarkupAndControlCharacters) {
  EXPECT_EQ(XmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(XmlEscape(std::string("x\x01y", 3)), "x\xEF\xBF\xBDy");
  EXPECT_EQ(XmlEscape("l1\nl2\t"), "l1\nl2\t");
  EXPECT_EQ(XmlEscape("l1\nl2\t", /*attribute=*/true), "l1&#10;l2&#9;");
  EXPECT_EQ(XmlEscape("caf\xC3\xA9"), "caf\xC3\xA9");  // UTF-8 passes
}

TEST(RenderJUnit, Golden) {
  JUnitSuite suite;
  suite.name = "rocksdb/value-rw";
  suite.properties = {{"alpha", "0.05"}};
  JUnitCase pass;
  pass.name = "throughput.ops_per_s";
  pass.classname = "statebench.gate.rocksdb.value-rw";
  suite.cases.push_back(pass);
  JUnitCase fail;
  fail.name = "latency.value_get.p99_ns";
  fail.classname = "statebench.gate.rocksdb.value-rw";
  fail.outcome = JUnitCase::Outcome::kFailure;
  fail.message = "+20.0% > +10.0% \"p<0.001\"";
  fail.type = "regression";
  fail.detail = "a < b & c";
  suite.cases.push_back(fail);
  JUnitCase skipped;
  skipped.name = "write_amplification";
  skipped.classname = "statebench.gate.rocksdb.value-rw";
  skipped.outcome = JUnitCase::Outcome::kSkipped;
  skipped.message = "2 vs 2 repetitions";
  suite.cases.push_back(skipped);
  JUnitSuite errors{"measurement", {}, {}};
  JUnitCase error;
  error.name = "redis/value-rw";
  error.classname = "statebench.gate.measurement";
  error.outcome = JUnitCase::Outcome::kError;
  error.message = "measurement failure";
  error.system_out = "connection refused";
  errors.cases.push_back(error);

  const std::string expected =
      R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="gate &lt;x&gt;" tests="4" failures="1" errors="1" time="0.000">
  <testsuite name="rocksdb/value-rw" tests="3" failures="1" errors="0" skipped="1" time="0.000">
    <properties>
      <property name="alpha" value="0.05"/>
    </properties>
    <testcase name="throughput.ops_per_s" classname="statebench.gate.rocksdb.value-rw" time="0.000"/>
    <testcase name="latency.value_get.p99_ns" classname="statebench.gate.rocksdb.value-rw" time="0.000">
      <failure message="+20.0% &gt; +10.0% &quot;p&lt;0.001&quot;" type="regression">a &lt; b &amp; c</failure>
    </testcase>
    <testcase name="write_amplification" classname="statebench.gate.rocksdb.value-rw" time="0.000">
      <skipped message="2 vs 2 repetitions"/>
    </testcase>
  </testsuite>
  <testsuite name="measurement" tests="1" failures="0" errors="1" skipped="0" time="0.000">
    <testcase name="redis/value-rw" classname="statebench.gate.measurement" time="0.000">
      <error message="measurement failure"/>
      <system-out>connection refused</system-out>
    </testcase>
  </testsuite>
</testsuites>
)";
  EXPECT_EQ(RenderJUnit("gate <x>", {suite, errors}), expected);
}

TEST(RenderJUnit, EmptyDocumentIsWellFormed) {
  EXPECT_EQ(RenderJUnit("none", {}),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"none\" tests=\"0\" failures=\"0\" "
            "errors=\"0\" time=\"0.000\">\n</testsuites>\n");
}

// The attributes Jenkins' xUnit schema (junit-10.xsd) allows per element;
// an attribute outside these fails its validation. Checked on a document
// with every outcome, properties and output.
TEST(RenderJUnit, ElementsCarryOnlyTheAttributesJenkinsSchemaAllows) {
  const std::map<std::string, std::set<std::string>> allowed = {
      {"testsuites", {"name", "time", "tests", "failures", "errors"}},
      {"testsuite",
       {"name", "tests", "failures", "errors", "group", "time", "skipped",
        "timestamp", "hostname", "id", "package", "file", "log", "url"}},
      {"testcase", {"name", "time", "classname", "group"}},
      {"failure", {"type", "message"}},
      {"error", {"type", "message"}},
      {"skipped", {"type", "message"}},
      {"properties", {}},
      {"property", {"name", "value"}},
      {"system-out", {}},
      {"system-err", {}},
  };
  JUnitSuite suite{"s", {{"alpha", "0.05"}}, {}};
  for (auto outcome :
       {JUnitCase::Outcome::kPassed, JUnitCase::Outcome::kFailure,
        JUnitCase::Outcome::kError, JUnitCase::Outcome::kSkipped}) {
    JUnitCase c;
    c.name = "case";
    c.classname = "k";
    c.outcome = outcome;
    c.message = "m";
    c.type = "t";
    c.detail = "d";
    c.system_out = "o";
    suite.cases.push_back(c);
  }
  const std::string xml = RenderJUnit("all", {suite});
  const std::regex tag(R"(<([a-z-]+)((\s+[a-z_-]+="[^"]*")*)\s*/?>)");
  const std::regex attribute(R"re(([a-z_-]+)="([^"]*)")re");
  const std::regex surefire_time(
      R"((([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?)");
  size_t elements = 0;
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), tag);
       it != std::sregex_iterator(); ++it) {
    const std::string element = (*it)[1];
    ASSERT_TRUE(allowed.contains(element)) << element;
    ++elements;
    const std::string attrs = (*it)[2];
    for (auto a = std::sregex_iterator(attrs.begin(), attrs.end(), attribute);
         a != std::sregex_iterator(); ++a) {
      EXPECT_TRUE(allowed.at(element).contains((*a)[1]))
          << "<" << element << "> may not carry " << (*a)[1];
      if ((*a)[1] == "time" &&
          (element == "testsuites" || element == "testsuite")) {
        EXPECT_TRUE(std::regex_match(std::string((*a)[2]), surefire_time))
            << (*a)[2];
      }
    }
  }
  EXPECT_GE(elements, 12u);
}

}  // namespace
}  // namespace statebench
