#include "reports/junit.h"

#include <gtest/gtest.h>

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
<testsuites name="gate &lt;x&gt;" tests="4" failures="1" errors="1" skipped="1" time="0.000">
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
            "errors=\"0\" skipped=\"0\" time=\"0.000\">\n</testsuites>\n");
}

}  // namespace
}  // namespace statebench
