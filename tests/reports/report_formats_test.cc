// Properties of the rendered formats that golden files alone would not
// guard: escaping of hostile names, no NaN/Infinity in any JSON, JSON round
// trips, and the structure the consuming tools rely on.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <sstream>

#include "reports/report.h"
#include "reports/report_util.h"
#include "tests/reports/report_test_data.h"

namespace statebench {
namespace {

using nlohmann::json;
using testing::HostileResults;
using testing::kHostileBackend;
using testing::kHostileOkBackend;
using testing::kHostileOkWorkload;
using testing::kHostileOp;
using testing::kHostileOption;
using testing::kHostileWorkload;
using testing::NonFiniteResults;
using testing::SampleResults;

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos;
       p = haystack.find(needle, p + 1)) {
    ++n;
  }
  return n;
}

std::string EmbeddedJson(const std::string& html) {
  const std::string open =
      "<script type=\"application/json\" id=\"statebench-results\">";
  size_t a = html.find(open);
  size_t b = html.find("</script>", a);
  if (a == std::string::npos || b == std::string::npos) return "";
  return html.substr(a + open.size(), b - a - open.size());
}

// The first tag with an attribute whose name starts with `prefix` (" on"
// for event handlers, " src" for loads), or "".
std::string TagWithAttribute(const std::string& html,
                             const std::string& prefix) {
  for (size_t lt = html.find('<'); lt != std::string::npos;
       lt = html.find('<', lt + 1)) {
    size_t gt = html.find('>', lt);
    std::string tag = html.substr(lt, gt - lt);
    for (size_t p = tag.find(prefix); p != std::string::npos;
         p = tag.find(prefix, p + 1)) {
      size_t q = p + prefix.size();
      while (q < tag.size() && std::isalpha(static_cast<unsigned char>(tag[q])))
        ++q;
      if (q < tag.size() && tag[q] == '=') return tag;
    }
  }
  return "";
}

TEST(HtmlReportTest, EscapesHostileNamesEverywhere) {
  std::string html = RenderHtml(SampleResults());
  EXPECT_EQ(html.find(kHostileBackend), std::string::npos);
  EXPECT_EQ(html.find(kHostileWorkload), std::string::npos);
  EXPECT_EQ(html.find("<b>server</b>"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&#39;"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
  // The only script element is the inert JSON data block.
  EXPECT_EQ(Count(html, "<script"), 1u);
  EXPECT_EQ(Count(html, "</script>"), 1u);
  EXPECT_EQ(TagWithAttribute(html, " on"), "");
}

TEST(HtmlReportTest, ForbidsExternalLoads) {
  std::string html = RenderHtml(SampleResults());
  EXPECT_NE(html.find("<meta http-equiv=\"Content-Security-Policy\" "
                      "content=\"default-src 'none'; style-src "
                      "'unsafe-inline'; img-src data:\">"),
            std::string::npos);
  // The SVG namespace URI is an identifier, not a load; nothing else may
  // name a scheme.
  std::string without_ns = html;
  for (size_t p; (p = without_ns.find("http://www.w3.org/2000/svg")) !=
                 std::string::npos;) {
    without_ns.erase(p, 26);
  }
  EXPECT_EQ(without_ns.find("http:"), std::string::npos);
  EXPECT_EQ(without_ns.find("https:"), std::string::npos);
  EXPECT_EQ(TagWithAttribute(html, " src"), "");
  EXPECT_EQ(without_ns.find("@import"), std::string::npos);
  EXPECT_EQ(without_ns.find("url("), std::string::npos);
}

TEST(HtmlReportTest, HasEveryChartWithDrawnContent) {
  std::string html = RenderHtml(SampleResults());
  for (const char* id :
       {"throughput", "latency-value_get", "latency-value_put", "amplification",
        "checkpoint-duration", "checkpoint-size", "recovery", "timeline"}) {
    std::string open =
        std::string("<figure class=\"chart\" id=\"chart-") + id + "\">";
    size_t at = html.find(open);
    ASSERT_NE(at, std::string::npos) << id;
    size_t end = html.find("</figure>", at);
    std::string figure = html.substr(at, end - at);
    EXPECT_NE(figure.find("<svg"), std::string::npos) << id;
    bool drawn = figure.find("<polyline") != std::string::npos ||
                 figure.find("class=\"bar") != std::string::npos;
    EXPECT_TRUE(drawn) << id << " draws no series";
  }
}

// A sweep's curves: one chart per metric against state per subtask, with
// the measured points, the fitted model and its interval, and the state per
// subtask the recommendation planned marked.
TEST(HtmlReportTest, SweepCurvesAreChartedAgainstStatePerSubtask) {
  ResultsFile r = SampleResults();
  EXPECT_EQ(RenderHtml(r).find("chart-curve-"), std::string::npos);
  r.curves = {{"x", "state_bytes_per_subtask"},
              {"backends",
               {{"rocksdb",
                 {{"restore.duration_ms",
                   {{"points",
                     {{16.0 * 1048576, 90.0},
                      {64.0 * 1048576, 420.0},
                      {256.0 * 1048576, 1500.0}}}}}}}}}};
  std::string html = RenderHtml(r);
  const std::string open =
      "<figure class=\"chart\" id=\"chart-curve-restore.duration_ms\">";
  size_t at = html.find(open);
  ASSERT_NE(at, std::string::npos);
  std::string figure = html.substr(at, html.find("</figure>", at) - at);
  // Measured, model, interval low and high: four lines.
  size_t lines = 0;
  for (size_t p = figure.find("<polyline"); p != std::string::npos;
       p = figure.find("<polyline", p + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 4u) << figure;
  EXPECT_EQ(figure.find("planned state per subtask"), std::string::npos);
  r.recommendation = {
      {"ranking",
       {{{"backend", "rocksdb"},
         {"capacity", {{"state_per_subtask_bytes", 4.0 * 1073741824}}}}}}};
  html = RenderHtml(r);
  at = html.find(open);
  figure = html.substr(at, html.find("</figure>", at) - at);
  EXPECT_NE(figure.find("planned state per subtask"), std::string::npos);
}

TEST(HtmlReportTest, EmbedsTheRawResultsAsParseableJson) {
  ResultsFile sample = SampleResults();
  std::string html = RenderHtml(sample);
  std::string embedded = EmbeddedJson(html);
  ASSERT_FALSE(embedded.empty());
  EXPECT_EQ(embedded.find('<'), std::string::npos);
  Result<ResultsFile> back = ParseResults(embedded, "embedded");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), ToJson(sample));
}

// The text of <section id="id">...</section>, or "".
std::string Section(const std::string& html, const std::string& id) {
  size_t a = html.find("<section id=\"" + id + "\"");
  if (a == std::string::npos) return "";
  return html.substr(a, html.find("</section>", a) - a);
}

// The issue's order, top to bottom: recommendation and reasons, comparison
// table, charts, verification verdicts, environment, effective
// configuration, raw results. A failed verification is named at the top.
TEST(HtmlReportTest, SectionsInOrderWithAFailedVerificationNamedAtTheTop) {
  std::string html = RenderHtml(SampleResults());
  const char* order[] = {
      "recommendation", "comparison",    "charts", "verification",
      "environment",    "configuration", "raw"};
  size_t last = 0;
  std::string nav =
      html.substr(html.find("<nav>"), html.find("</nav>") - html.find("<nav>"));
  size_t last_link = 0;
  for (const char* id : order) {
    size_t at = html.find(std::string("<section id=\"") + id + "\"");
    ASSERT_NE(at, std::string::npos) << id;
    EXPECT_GT(at, last) << id << " is out of order";
    last = at;
    size_t link = nav.find(std::string("<a href=\"#") + id + "\">");
    ASSERT_NE(link, std::string::npos) << "no nav link to " << id;
    EXPECT_GE(link, last_link) << id;
    last_link = link;
  }
  EXPECT_EQ(Count(nav, "<a href="), 7u);
  EXPECT_NE(html.find("recommended</span>"), std::string::npos);
  EXPECT_NE(Section(html, "verification").find("exactly-once"),
            std::string::npos);
  // memory's verdict is not_exactly_once: one line above the recommendation
  // says so and links down to the table.
  size_t alert = html.find("id=\"verification-alert\"");
  ASSERT_NE(alert, std::string::npos);
  EXPECT_LT(alert, html.find("<section id=\"recommendation\""));
  std::string line = html.substr(alert, html.find("</p>", alert) - alert);
  EXPECT_NE(line.find("1 backend failed crash-restore verification"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("memory/value-rw"), std::string::npos) << line;
  EXPECT_EQ(line.find("rocksdb"), std::string::npos) << line;
  EXPECT_NE(line.find("href=\"#verification\""), std::string::npos) << line;
}

TEST(HtmlReportTest, NoVerificationAlertWhenEveryVerdictPassed) {
  ResultsFile r = SampleResults();
  r.runs[0].verification["verdict"] = "exactly-once";
  std::string html = RenderHtml(r);
  EXPECT_EQ(html.find("verification-alert"), std::string::npos);
  EXPECT_NE(html.find("<section id=\"verification\""), std::string::npos);
}

TEST(HtmlReportTest, WithoutRecommendationSkipsTheSection) {
  ResultsFile r = SampleResults();
  r.recommendation = nullptr;
  for (RunResult& run : r.runs) run.verification = nullptr;
  std::string html = RenderHtml(r);
  EXPECT_EQ(html.find("id=\"recommendation\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"verification\""), std::string::npos);
  EXPECT_EQ(html.find("href=\"#recommendation\""), std::string::npos);
  EXPECT_EQ(html.find("href=\"#verification\""), std::string::npos);
  EXPECT_NE(html.find("id=\"chart-throughput\""), std::string::npos);
}

// The payloads of an ok run, escaped, in the place each one shows up.
constexpr char kEscapedLabel[] =
    "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/svg&gt;&amp;&#39;|/"
    "&lt;script&gt;alert(1)&lt;/script&gt;|w";
constexpr char kEscapedOp[] =
    "&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;";
constexpr char kEscapedOption[] =
    "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;";

TEST(HtmlReportTest, EscapesHostileNamesOfASuccessfulRunEverywhere) {
  const std::string html = RenderHtml(HostileResults());
  // The JSON data block is script data, where only "</script" could end
  // it, and every '<' in it is \u003c; '>' and quotes may stay there.
  std::string markup = html;
  const std::string json = EmbeddedJson(html);
  ASSERT_FALSE(json.empty());
  markup.erase(markup.find(json), json.size());
  for (const char* raw :
       {kHostileOkBackend, kHostileOkWorkload, kHostileOp, kHostileOption,
        "<img", "onerror=alert(1)>", "<script>alert"}) {
    EXPECT_EQ(markup.find(raw), std::string::npos) << raw;
  }
  EXPECT_EQ(json.find('<'), std::string::npos);
  // Markup only from the renderer: the one inert JSON block, balanced SVG,
  // no event handler, no load.
  EXPECT_EQ(Count(html, "<script"), 1u);
  EXPECT_EQ(Count(html, "<svg"), Count(html, "</svg>"));
  EXPECT_EQ(Count(html, "<section"), Count(html, "</section>"));
  EXPECT_EQ(TagWithAttribute(html, " on"), "");
  EXPECT_EQ(TagWithAttribute(html, " src"), "");

  const std::string comparison = Section(html, "comparison");
  EXPECT_NE(comparison.find(kEscapedLabel), std::string::npos);
  EXPECT_NE(comparison.find(std::string("<code>") + kEscapedOp + "</code>"),
            std::string::npos)
      << "latency table";
  const std::string charts = Section(html, "charts");
  // Bar chart row and line chart series names are SVG <title>s; the
  // legends and figure captions carry the label and the op kind.
  EXPECT_NE(charts.find(std::string("<g><title>") + kEscapedLabel + "</title>"),
            std::string::npos);
  EXPECT_NE(charts.find(std::string("Latency spectrum: ") + kEscapedOp),
            std::string::npos);
  EXPECT_NE(charts.find(std::string("aria-label=\"Latency percentile "
                                    "spectrum of ") +
                        kEscapedOp + "\""),
            std::string::npos);
  const std::string verification = Section(html, "verification");
  EXPECT_NE(verification.find(kEscapedOption), std::string::npos);
  EXPECT_NE(verification.find(std::string("<th>") + kEscapedOp + "</th>"),
            std::string::npos)
      << "a verification field name is a column heading";
  const std::string config = Section(html, "configuration");
  EXPECT_NE(config.find(std::string(kEscapedOption) + "=" + kEscapedOption),
            std::string::npos)
      << "backend options of the run";
  EXPECT_NE(config.find("&lt;script&gt;alert(1)&lt;/script&gt;|w"),
            std::string::npos)
      << "workload name in the effective configuration";
  // The raw results keep the names exactly, and stay inert.
  Result<ResultsFile> back = ParseResults(EmbeddedJson(html), "embedded");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->runs[2].backend, kHostileOkBackend);
}

// Number of unescaped '|' in a Markdown table line.
size_t Pipes(const std::string& line) {
  size_t n = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
    } else if (line[i] == '|') {
      ++n;
    }
  }
  return n;
}

// Every line of a table has the column count of its first line.
void ExpectRectangularTables(const std::string& md) {
  std::istringstream lines(md);
  std::string line;
  size_t columns = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '|') {
      columns = 0;
      continue;
    }
    if (columns == 0) columns = Pipes(line);
    EXPECT_EQ(Pipes(line), columns) << line;
  }
}

TEST(MarkdownReportTest, EscapesHostileTextAndKeepsTablesRectangular) {
  std::string md = RenderMarkdown(SampleResults());
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_EQ(md.find("<img"), std::string::npos);
  EXPECT_EQ(md.find("<b>"), std::string::npos);
  EXPECT_NE(md.find("&lt;script&gt;"), std::string::npos);
  // A '|' in a name must not open a new column.
  ExpectRectangularTables(md);
  EXPECT_LT(md.size(), 60u * 1024);
}

TEST(MarkdownReportTest, EscapesHostileNamesOfASuccessfulRun) {
  const std::string md = RenderMarkdown(HostileResults());
  for (const char* raw : {"<img", "<script", "</svg", "onerror=alert(1)>"}) {
    EXPECT_EQ(md.find(raw), std::string::npos) << raw;
  }
  // Pipes escaped, HTML as references, in the comparison and latency rows.
  const std::string label =
      "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;/svg&gt;&amp;'\\|/"
      "&lt;script&gt;alert(1)&lt;/script&gt;\\|w";
  EXPECT_NE(md.find("| " + label + " | ok |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;` | " +
                    label + " |"),
            std::string::npos);
  ExpectRectangularTables(md);
}

// `n` runs: the sample's two ok runs in turn, under distinct backend names.
ResultsFile ManyRuns(int n) {
  ResultsFile r = SampleResults();
  std::vector<RunResult> runs;
  for (int i = 0; i < n; ++i) {
    RunResult run = r.runs[i % 2];
    run.backend += "-" + std::to_string(i);
    runs.push_back(run);
  }
  r.runs = runs;
  return r;
}

// For every "_X of Y <rows> left out" note: the table above it has Y - X
// rows. Returns the notes' names.
std::vector<std::string> CheckTrimNotes(const std::string& md) {
  static const std::regex note(
      "^_(\\d+) of (\\d+) (.+) left out to stay under 60 KiB\\._$");
  std::vector<std::string> names;
  std::istringstream lines(md);
  std::string line;
  int rows = 0;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (!line.empty() && line[0] == '|') {
      ++rows;
    } else if (std::regex_match(line, m, note)) {
      EXPECT_EQ(rows - 2, std::stoi(m[2]) - std::stoi(m[1])) << line;
      names.push_back(m[3]);
    } else if (!line.empty()) {
      rows = 0;
    }
  }
  return names;
}

TEST(MarkdownReportTest, LongConfigurationIsLeftOutWholeAndSaysSo) {
  ResultsFile r = SampleResults();
  for (int i = 0; i < 3000; ++i) {
    r.config["extra"]["field_" + std::to_string(i)] = i;
  }
  std::string md = RenderMarkdown(r);
  EXPECT_LT(md.size(), 60u * 1024);
  EXPECT_EQ(md.find("Effective configuration"), std::string::npos);
  EXPECT_NE(md.find("<summary>Environment</summary>"), std::string::npos);
  EXPECT_NE(md.find("_Left out to stay under 60 KiB: configuration (see the "
                    "HTML report)._\n"),
            std::string::npos);
  // Everything else is as without the long configuration.
  EXPECT_TRUE(CheckTrimNotes(md).empty());
  const std::string sample = RenderMarkdown(SampleResults());
  EXPECT_EQ(md.substr(0, md.find("_Left out")),
            sample.substr(0, sample.find("<details><summary>Effective")));
}

TEST(MarkdownReportTest, ManyRunsTrimTheCoreTablesAndSaySo) {
  const ResultsFile r = ManyRuns(400);
  std::string md = RenderMarkdown(r);
  EXPECT_LT(md.size(), 60u * 1024);
  ExpectRectangularTables(md);
  std::vector<std::string> trimmed = CheckTrimNotes(md);
  ASSERT_FALSE(trimmed.empty());
  EXPECT_EQ(trimmed.front(), "verification rows") << "tables in page order";
  EXPECT_NE(std::find(trimmed.begin(), trimmed.end(), "latency rows"),
            trimmed.end());
  // The last line lists all of it, the optional sections first.
  const std::string last = md.substr(md.rfind('\n', md.size() - 2) + 1);
  EXPECT_EQ(last.rfind("_Left out to stay under 60 KiB: configuration, "
                       "environment, ",
                       0),
            0u)
      << last;
  EXPECT_NE(last.find(" of 800 latency rows"), std::string::npos) << last;
  // What is kept is the head of each table: the recommendation whole, the
  // first runs' rows.
  EXPECT_NE(md.find("### Recommendation"), std::string::npos);
  EXPECT_NE(md.find("| memory-0 | ok |"), std::string::npos);
}

TEST(MarkdownReportTest, AHugeWarningIsCutAtALine) {
  ResultsFile r = SampleResults();
  r.context.warnings.push_back(std::string(100 * 1024, 'x'));
  std::string md = RenderMarkdown(r);
  EXPECT_LT(md.size(), 60u * 1024);
  EXPECT_NE(md.find("everything after this line"), std::string::npos);
  EXPECT_NE(md.find("latency sampled 1 in 100 ops"), std::string::npos);
}

TEST(ConsoleReportTest, StripsTerminalControlsAndStaysNarrow) {
  std::string text = RenderConsole(SampleResults());
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t width = 0;
    for (char c : line) width += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    EXPECT_LE(width, 120u) << line;
  }
  EXPECT_NE(text.find("FAILED"), std::string::npos);
  EXPECT_NE(text.find("in phase load"), std::string::npos);
  EXPECT_NE(text.find("LATENCY value_put"), std::string::npos);
  // A restore whose verification failed says so next to its duration.
  EXPECT_NE(text.find("36.5 ms mismatch"), std::string::npos);
}

class JsonExportTest : public ::testing::TestWithParam<std::string> {};

TEST_P(JsonExportTest, NeverWritesNaNOrInfinity) {
  Result<std::string> text = RenderReport(GetParam(), NonFiniteResults());
  ASSERT_TRUE(text.ok());
  std::string s = GetParam() == "html" ? EmbeddedJson(*text) : *text;
  for (const char* token : {"NaN", "nan", "Infinity", "inf,", "inf\n"}) {
    EXPECT_EQ(s.find(token), std::string::npos)
        << token << " in " << GetParam();
  }
  // nlohmann rejects NaN/Infinity tokens, so parsing proves their absence.
  json parsed;
  EXPECT_NO_THROW(parsed = json::parse(s)) << GetParam();
  EXPECT_FALSE(parsed.is_null()) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(EveryJsonFormat, JsonExportTest,
                         ::testing::Values("json", "gbench",
                                           "gbench-aggregates", "gab-smaller",
                                           "gab-bigger", "bmf", "html"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(NonFiniteTest, TextFormatsShowADashInsteadOfNanOrInf) {
  const std::regex token("\\b(nan|inf|NaN|Infinity|-nan|-inf)\\b");
  ResultsFile r = NonFiniteResults();
  for (const char* format : {"console", "md", "html", "csv"}) {
    Result<std::string> text = RenderReport(format, r);
    ASSERT_TRUE(text.ok());
    std::smatch m;
    EXPECT_FALSE(std::regex_search(*text, m, token))
        << format << ": '" << m.str() << "' in ..."
        << m.prefix().str().substr(
               m.prefix().length() > 80 ? m.prefix().length() - 80 : 0);
  }
  for (const HgrmFile& f : RenderHgrmFiles(r)) {
    EXPECT_FALSE(std::regex_search(f.text, token)) << f.file_name;
  }
}

TEST(EdgeCaseTest, EmptyAndFailedOnlyResultsRenderInEveryFormat) {
  ResultsFile empty;
  ResultsFile failed_only = SampleResults();
  failed_only.runs.erase(failed_only.runs.begin(),
                         failed_only.runs.begin() + 2);
  failed_only.recommendation = nullptr;
  for (const ResultsFile* r : {&empty, &failed_only}) {
    for (const std::string& format : ReportFormatNames()) {
      if (format == "hgrm") continue;
      Result<std::string> text = RenderReport(format, *r);
      ASSERT_TRUE(text.ok()) << format;
      EXPECT_FALSE(text->empty()) << format;
    }
    EXPECT_TRUE(RenderHgrmFiles(*r).empty());
    // Every chart slot still holds an SVG that says why it is empty.
    std::string html = RenderHtml(*r);
    EXPECT_EQ(Count(html, "<figure class=\"chart\""), Count(html, "<svg"));
    EXPECT_NE(html.find("No checkpoints were taken"), std::string::npos);
  }
  EXPECT_NE(RenderConsole(failed_only).find("FAILED"), std::string::npos);
  // The failed run is an error entry, as Google Benchmark writes one.
  const json errors =
      json::parse(RenderGoogleBenchmarkJson(failed_only))["benchmarks"];
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["error_occurred"], true);
  EXPECT_NE(errors[0]["error_message"].get<std::string>().find(
                "failed in phase 'load': Unavailable"),
            std::string::npos)
      << errors[0].dump();
  EXPECT_EQ(errors[0]["iterations"], 0);
}

TEST(OpenLoopTest, CorrectedLatencyIsShownBesideServiceTime) {
  ResultsFile r = SampleResults();
  RunResult& run = r.runs[1];
  run.open_loop = true;
  run.target_rate = 300000;
  for (Repetition& rep : run.repetitions) {
    for (OpKindResult& op : rep.ops) {
      // Waiting in the queue shifts every value up by 5 us.
      HistogramBuckets shifted;
      for (const auto& [v, c] : op.histogram.buckets) {
        shifted.buckets.emplace_back(v + 5000, c);
      }
      op.histogram_corrected = shifted;
      op.latency_corrected = op.latency;
      op.latency_corrected->p50_ns += 5000;
      rep.metrics["latency_corrected." + op.op + ".p50_ns"] =
          static_cast<double>(op.latency_corrected->p50_ns);
    }
  }
  SummarizeRepetitions(&run);
  EXPECT_NE(RenderConsole(r).find("LATENCY value_get (from intended start"),
            std::string::npos);
  EXPECT_NE(RenderMarkdown(r).find("Latency from intended start"),
            std::string::npos);
  std::string html = RenderHtml(r);
  EXPECT_NE(html.find("rocksdb/value-rw (from intended start)"),
            std::string::npos);
  EXPECT_NE(html.find("open, 300k ops/s"), std::string::npos);
  std::vector<HgrmFile> files = RenderHgrmFiles(r);
  EXPECT_EQ(files.size(), 6u);
  EXPECT_EQ(Count(files[3].file_name, ".corrected.hgrm") +
                Count(files[5].file_name, ".corrected.hgrm"),
            2u);
}

// Throughput samples of the memory run: 1.29M, 0.98M, 2.19M ops/s.
ResultsFile SpreadResults() {
  ResultsFile r = SampleResults();
  RunResult& run = r.runs[0];
  const double samples[] = {1.29e6, 0.98e6, 2.19e6};
  for (size_t i = 0; i < run.repetitions.size(); ++i) {
    run.repetitions[i].metrics["throughput.ops_per_s"] = samples[i];
  }
  SummarizeRepetitions(&run);
  return r;
}

TEST(RunWarningsTest, SpreadAboveTenPercentIsWarnedInEveryOutput) {
  ResultsFile r = SpreadResults();
  const RunResult& run = r.runs[0];
  ASSERT_EQ(run.warnings.size(), 1u);
  EXPECT_NE(run.warnings[0].find("spread ±24%"), std::string::npos)
      << run.warnings[0];
  EXPECT_TRUE(r.runs[1].warnings.empty());  // ±1.3%
  // The sample holds two workloads, so labels are backend/workload.
  const std::string line = "memory/value-rw: throughput spread ±24%";
  EXPECT_NE(RenderConsole(r).find(line), std::string::npos);
  EXPECT_NE(
      RenderMarkdown(r).find("> **Warning:** " + report::MarkdownEscape(line)),
      std::string::npos);
  EXPECT_NE(RenderHtml(r).find("<strong>Warning:</strong> " + line),
            std::string::npos);
  json j = json::parse(RenderJson(r));
  EXPECT_EQ(j["runs"][0]["warnings"][0], run.warnings[0]);
  EXPECT_FALSE(j["runs"][1].contains("warnings"));
  // A file written before the field existed is warned about all the same.
  r.runs[0].warnings.clear();
  EXPECT_NE(RenderConsole(r).find(line), std::string::npos);
}

TEST(RunWarningsTest, FailedRepetitionStaysOutOfTheSummary) {
  ResultsFile r = SpreadResults();
  RunResult& run = r.runs[0];
  run.repetitions[2].status = RunStatus::kFailed;
  SummarizeRepetitions(&run);
  const MetricSummary& t = run.summary.at("throughput.ops_per_s");
  EXPECT_EQ(t.samples, (std::vector<double>{1.29e6, 0.98e6}));
  Result<ResultsFile> back = ParseResults(RenderJson(r), "rendered");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->runs[0].repetitions[2].status, RunStatus::kFailed);
  EXPECT_EQ(back->runs[0].repetitions[1].status, RunStatus::kOk);
}

TEST(RunWarningsTest, SaturatedOpenLoopRunSaysSoInEveryOutput) {
  ResultsFile r = SampleResults();
  RunResult& run = r.runs[1];  // rocksdb: 153k events/s
  run.open_loop = true;
  run.target_rate = 400000;
  SummarizeRepetitions(&run);
  ASSERT_TRUE(run.saturated.has_value());
  EXPECT_TRUE(*run.saturated);
  EXPECT_DOUBLE_EQ(*run.achieved_rate, 153000);
  const std::string line =
      "rocksdb/value-rw: saturated: asked for 400k events/s (--rate), "
      "achieved 153k events/s (38%)";
  std::string console = RenderConsole(r);
  // Wrapped to the terminal's width after the first words.
  EXPECT_NE(console.find(line.substr(0, 50)), std::string::npos) << console;
  size_t row = console.find("\nrocksdb/value-rw ");
  ASSERT_NE(row, std::string::npos) << console;
  EXPECT_NE(console.substr(row, console.find('\n', row + 1) - row)
                .find(" saturated "),
            std::string::npos)
      << console;
  std::string md = RenderMarkdown(r);
  EXPECT_NE(md.find(report::MarkdownEscape(line)), std::string::npos) << md;
  EXPECT_NE(md.find("| " + report::MarkdownEscape("rocksdb/value-rw") +
                    " | saturated |"),
            std::string::npos)
      << md;
  std::string html = RenderHtml(r);
  EXPECT_NE(html.find(line), std::string::npos);
  EXPECT_NE(html.find("badge bad\">saturated"), std::string::npos);
  json j = json::parse(RenderJson(r));
  EXPECT_EQ(j["runs"][1]["saturated"], true);
  EXPECT_EQ(j["runs"][1]["achieved_rate"], 153000.0);
  // Within 5% of the rate is not saturated.
  run.target_rate = 160000;
  SummarizeRepetitions(&run);
  EXPECT_FALSE(*run.saturated);
  EXPECT_EQ(RenderConsole(r).find("saturated"), std::string::npos);
}

TEST(UnsupportedRunTest, ShownWithItsReasonNotAsAFailure) {
  ResultsFile r = SampleResults();
  RunResult& run = r.runs[0];
  run.status = RunStatus::kUnsupported;
  run.failure_phase = "preflight";
  run.failure_reason = "memory checkpoints at most 5.0 MiB per subtask";
  std::string console = RenderConsole(r);
  size_t row = console.find("\nmemory/value-rw ");
  ASSERT_NE(row, std::string::npos) << console;
  std::string line = console.substr(row, console.find('\n', row + 1) - row);
  EXPECT_NE(line.find(" unsupported "), std::string::npos) << console;
  EXPECT_NE(line.find("memory checkpoints at most"), std::string::npos)
      << console;
  EXPECT_NE(
      RenderMarkdown(r).find("| " + report::MarkdownEscape("memory/value-rw") +
                             " | unsupported: memory checkpoints at most"),
      std::string::npos)
      << RenderMarkdown(r);
  EXPECT_NE(RenderHtml(r).find("<span class=\"badge\">unsupported</span>"),
            std::string::npos);
  Result<ResultsFile> back = ParseResults(RenderJson(r), "rendered");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->runs[0].status, RunStatus::kUnsupported);
}

TEST(JsonExportTest, RoundTripsThroughTheResultsReader) {
  ResultsFile sample = SampleResults();
  Result<ResultsFile> back = ParseResults(RenderJson(sample), "rendered");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back), ToJson(sample));
}

// Statuses and verdicts are names from a closed set in every place they
// appear; a name the reader does not know fails naming the field.
TEST(JsonExportTest, UnknownStatusOrVerdictNamesTheField) {
  const ResultsFile sample = SampleResults();
  ASSERT_FALSE(sample.runs[0].repetitions.empty());
  ASSERT_FALSE(sample.runs[0].repetitions[0].checkpoints.empty());
  ASSERT_FALSE(sample.runs[0].repetitions[0].restores.empty());
  struct Case {
    json::json_pointer where;
    std::string path;
  };
  const Case cases[] = {
      {json::json_pointer("/runs/0/status"), "runs[0].status"},
      {json::json_pointer("/runs/0/repetitions/0/checkpoints/0/status"),
       "runs[0].repetitions[0].checkpoints[0].status"},
      {json::json_pointer("/runs/0/repetitions/0/restores/0/verdict"),
       "runs[0].repetitions[0].restores[0].verdict"},
  };
  for (const Case& c : cases) {
    json j = json::parse(RenderJson(sample));
    ASSERT_TRUE(j.contains(c.where)) << c.path;
    j[c.where] = "compleetd";
    Result<ResultsFile> back = ParseResults(j.dump(), "edited.json");
    ASSERT_FALSE(back.ok()) << c.path;
    EXPECT_NE(back.status().message().find(c.path), std::string::npos)
        << back.status().ToString();
    EXPECT_NE(back.status().message().find("must be"), std::string::npos)
        << back.status().ToString();
  }
}

TEST(GbenchExportTest, HasGoogleBenchmarkLayout) {
  json j = json::parse(RenderGoogleBenchmarkJson(SampleResults()));
  for (const char* key :
       {"date", "host_name", "executable", "num_cpus", "mhz_per_cpu",
        "cpu_scaling_enabled", "caches", "library_build_type"}) {
    EXPECT_TRUE(j["context"].contains(key)) << key;
  }
  const json& b = j["benchmarks"];
  // 2 ok runs x (all + 2 op kinds) families x (3 iterations + 3 aggregates),
  // then the failed run's error entry.
  ASSERT_EQ(b.size(), 2u * 3 * 6 + 1);
  for (const json& e : b) {
    for (const char* key :
         {"name", "run_name", "run_type", "repetitions", "threads",
          "iterations", "real_time", "cpu_time", "time_unit"}) {
      EXPECT_TRUE(e.contains(key)) << key << " in " << e.dump();
    }
    EXPECT_EQ(e["time_unit"], "ns");
    // Only the failed run (whose backend is the payload) is an error.
    EXPECT_EQ(
        e.contains("error_occurred"),
        e["name"].get<std::string>().find(kHostileBackend) != std::string::npos)
        << e.dump();
  }
  EXPECT_EQ(b.back()["error_occurred"], true);
  EXPECT_EQ(b.back()["run_type"], "iteration");
  // memory/value-rw/all: real_time is ns per op of each repetition.
  EXPECT_EQ(b[0]["name"], "memory/value-rw/all");
  EXPECT_EQ(b[0]["run_type"], "iteration");
  EXPECT_EQ(b[0]["repetition_index"], 0);
  EXPECT_DOUBLE_EQ(b[0]["real_time"].get<double>(), 1e9 / 1200000);
  EXPECT_DOUBLE_EQ(b[0]["items_per_second"].get<double>(), 1200000);
  EXPECT_EQ(b[3]["name"], "memory/value-rw/all_mean");
  EXPECT_EQ(b[3]["run_type"], "aggregate");
  EXPECT_EQ(b[3]["aggregate_name"], "mean");
  EXPECT_EQ(b[4]["aggregate_name"], "median");
  EXPECT_DOUBLE_EQ(b[4]["real_time"].get<double>(), 1e9 / 1215000);
  EXPECT_EQ(b[6]["name"], "memory/value-rw/value_get");
  EXPECT_TRUE(b[6].contains("p99_ns"));
}

// The aggregates-only form has one entry per (name, aggregate): a reader
// that takes each entry as a row (github-action-benchmark's googlecpp)
// sees no repetition twice under one name.
TEST(GbenchExportTest, AggregatesOnlyHasNoIterationEntries) {
  json j = json::parse(RenderGoogleBenchmarkAggregatesJson(SampleResults()));
  const json& b = j["benchmarks"];
  // 2 ok runs x 3 families x 3 aggregates, then the failed run's error
  // entry (Google Benchmark too writes an iteration entry when there is
  // nothing to aggregate).
  ASSERT_EQ(b.size(), 2u * 3 * 3 + 1);
  std::set<std::string> names;
  for (const json& e : b) {
    EXPECT_TRUE(e["run_type"] == "aggregate" || e.contains("error_occurred"))
        << e.dump();
    EXPECT_TRUE(names.insert(e["name"].get<std::string>()).second) << e["name"];
  }
  EXPECT_EQ(b[1]["name"], "memory/value-rw/all_median");
  EXPECT_DOUBLE_EQ(b[1]["real_time"].get<double>(), 1e9 / 1215000);
  EXPECT_TRUE(RenderReport("gbench-aggregates", SampleResults()).ok());
}

TEST(GabExportTest, EntriesAreUniqueAndNumeric) {
  for (const char* format : {"gab-smaller", "gab-bigger"}) {
    json j = json::parse(*RenderReport(format, SampleResults()));
    ASSERT_TRUE(j.is_array());
    ASSERT_FALSE(j.empty());
    std::set<std::string> names;
    for (const json& e : j) {
      EXPECT_TRUE(e["name"].is_string());
      EXPECT_TRUE(e["unit"].is_string());
      EXPECT_TRUE(e["value"].is_number());
      EXPECT_TRUE(names.insert(e["name"]).second) << e["name"];
    }
  }
  json bigger = json::parse(RenderGabBigger(SampleResults()));
  EXPECT_EQ(bigger[0]["name"], "memory/value-rw throughput");
  EXPECT_EQ(bigger[0]["unit"], "ops/s");
  EXPECT_DOUBLE_EQ(bigger[0]["value"].get<double>(), 1215000);
}

// A failed run is an entry of its own in every machine-read export, with
// its reason, instead of vanishing.
TEST(FailedRunExportTest, EveryExportHasTheFailedRun) {
  const ResultsFile r = SampleResults();
  const std::string failed = report::StableRunNames(r)[2];
  json smaller = json::parse(RenderGabSmaller(r));
  int failed_entries = 0;
  for (const json& e : smaller) {
    const std::string name = e["name"];
    if (!name.ends_with(" failed")) continue;
    ++failed_entries;
    const bool is_failed_run = name == failed + " failed";
    EXPECT_EQ(e["value"], is_failed_run ? 1 : 0) << name;
    if (is_failed_run) {
      EXPECT_NE(e["extra"].get<std::string>().find("failed in phase 'load'"),
                std::string::npos);
    }
  }
  EXPECT_EQ(failed_entries, 3);  // one per run, ok or not
  bool bigger_seen = false;
  for (const json& e : json::parse(RenderGabBigger(r))) {
    if (e["name"] != failed + " throughput") continue;
    bigger_seen = true;
    EXPECT_EQ(e["value"], 0);
    EXPECT_NE(e["extra"].get<std::string>().find("Unavailable"),
              std::string::npos);
  }
  EXPECT_TRUE(bigger_seen);
  json bmf = json::parse(RenderBmf(r));
  ASSERT_TRUE(bmf.contains(failed));
  EXPECT_EQ(bmf[failed]["failed"]["value"], 1);
  EXPECT_EQ(bmf["memory/value-rw"]["failed"]["value"], 0);
  // Unsupported is a failed entry too, saying so.
  ResultsFile unsupported = r;
  unsupported.runs[2].status = RunStatus::kUnsupported;
  unsupported.runs[2].failure_reason = "no list state";
  json g = json::parse(RenderGoogleBenchmarkAggregatesJson(unsupported));
  EXPECT_EQ(g["benchmarks"].back()["error_message"],
            "unsupported: no list state");
}

TEST(BmfExportTest, IsBenchmarkToMeasureToValue) {
  json j = json::parse(RenderBmf(SampleResults()));
  ASSERT_TRUE(j.is_object());
  ASSERT_TRUE(j.contains("rocksdb/value-rw/incremental"));
  const json& t = j["rocksdb/value-rw/incremental"]["throughput"];
  EXPECT_DOUBLE_EQ(t["value"].get<double>(), 306000);
  EXPECT_DOUBLE_EQ(t["lower_value"].get<double>(), 302000);
  EXPECT_DOUBLE_EQ(t["upper_value"].get<double>(), 310000);
  for (const auto& [name, measures] : j.items()) {
    for (const auto& [measure, m] : measures.items()) {
      EXPECT_TRUE(m["value"].is_number()) << name << " " << measure;
    }
  }
}

// Splits one RFC 4180 record (no embedded newlines in our data).
std::vector<std::string> CsvRecord(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"', ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

TEST(CsvExportTest, EveryRecordHasTheHeaderFieldCount) {
  std::istringstream in(RenderCsv(SampleResults()));
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  size_t fields = CsvRecord(line).size();
  EXPECT_EQ(fields, 17u);
  size_t rows = 0;
  bool saw_hostile = false;
  while (std::getline(in, line)) {
    std::vector<std::string> r = CsvRecord(line);
    EXPECT_EQ(r.size(), fields) << line;
    saw_hostile = saw_hostile || r[1] == kHostileBackend;
    ++rows;
  }
  EXPECT_GT(rows, 40u);
  EXPECT_TRUE(saw_hostile);
}

TEST(HgrmExportTest, PercentilesAscendAndEndAtTheTotal) {
  std::vector<HgrmFile> files = RenderHgrmFiles(SampleResults());
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(files[0].file_name, "memory_value-rw_value_get.hgrm");
  std::istringstream in(files[0].text);
  std::string line;
  std::getline(in, line);
  EXPECT_NE(line.find("Value"), std::string::npos);
  EXPECT_NE(line.find("1/(1-Percentile)"), std::string::npos);
  double last_value = -1, last_p = -1;
  uint64_t last_count = 0;
  int rows = 0;
  bool footer = false;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      footer = footer || line.rfind("#[Mean    =", 0) == 0;
      continue;
    }
    std::istringstream row(line);
    double value, p;
    uint64_t count;
    row >> value >> p >> count;
    EXPECT_GE(value, last_value) << line;
    EXPECT_GE(p, last_p) << line;
    EXPECT_GE(count, last_count) << line;
    last_value = value, last_p = p, last_count = count;
    ++rows;
  }
  EXPECT_TRUE(footer);
  EXPECT_GT(rows, 20);
  EXPECT_DOUBLE_EQ(last_p, 1.0);
  // Three repetitions of the sample histogram, merged.
  uint64_t total = 0;
  const ResultsFile sample = SampleResults();
  for (const Repetition& rep : sample.runs[0].repetitions) {
    total += rep.ops[0].latency.samples;
  }
  EXPECT_EQ(last_count, total);
}

}  // namespace
}  // namespace statebench
