// The report helpers, the format registry, ExportAll and the merge of
// several results files.
#include "reports/report_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>

#include "base/file_util.h"
#include "reports/report.h"
#include "tests/reports/report_test_data.h"

namespace statebench {
namespace {

using namespace report;  // NOLINT: the functions under test

TEST(ReportFormatTest, DurationsPickAReadableUnit) {
  EXPECT_EQ(FormatDurationNs(950), "950 ns");
  EXPECT_EQ(FormatDurationNs(1234), "1.23 µs");
  EXPECT_EQ(FormatDurationNs(45600000), "45.6 ms");
  EXPECT_EQ(FormatDurationNs(999.6), "1.00 µs");
  EXPECT_EQ(FormatDurationMs(2000), "2.00 s");
  EXPECT_EQ(FormatDurationNs(NAN), "-");
}

TEST(ReportFormatTest, BytesRatesAndCounts) {
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1536), "1.50 KiB");
  EXPECT_EQ(FormatBytes(8.0 * (1 << 20)), "8.00 MiB");
  EXPECT_EQ(FormatSi(950), "950");
  EXPECT_EQ(FormatSi(1215000), "1.22M");
  EXPECT_EQ(FormatSi(99960), "100k");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatCount(-1000), "-1,000");
  EXPECT_EQ(Sig3(INFINITY), "-");
  MetricSummary one = Summarize({5});
  EXPECT_EQ(FormatSpread(one), "");
  EXPECT_EQ(FormatSpread(Summarize({90, 100, 110})), "±10%");
  EXPECT_EQ(FormatSpread(Summarize({99, 100, 101})), "±1.0%");
}

TEST(ReportEscapeTest, HtmlMarkdownConsoleCsvAndFileNames) {
  EXPECT_EQ(HtmlEscape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
  EXPECT_EQ(MarkdownEscape("a|b*c_[d]@e\nf<g>"),
            "a\\|b\\*c\\_\\[d\\]&#64;e f&lt;g&gt;");
  // Inside a code span a backslash shows as itself: nothing but '|' is
  // escaped, and the fence outgrows the backticks inside.
  EXPECT_EQ(MarkdownCode("value_get"), "`value_get`");
  EXPECT_EQ(MarkdownCode("a|b<c>*"), "`a\\|b&lt;c&gt;*`");
  EXPECT_EQ(MarkdownCode("x`y"), "``x`y``");
  EXPECT_EQ(MarkdownCode("`x"), "`` `x ``");
  EXPECT_EQ(ConsoleSafe("a\x1b[2Jb\x07\x7f"), "a?[2Jb??");
  EXPECT_EQ(ConsoleSafe("x\u202Ey"), "x?y");  // right-to-left override
  EXPECT_EQ(ConsoleSafe("caf\u00e9 µs"), "caf\u00e9 µs");
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,\"b\""), "\"a,\"\"b\"\"\"");
  EXPECT_EQ(CsvField("=cmd()"), "'=cmd()");
  EXPECT_EQ(FileNameSafe("../a b/c"), ".._a_b_c");
  EXPECT_EQ(FileNameSafe(".."), "_..");
  EXPECT_EQ(FileNameSafe(""), "_");
}

TEST(PercentileDistributionTest, FollowsHdrHistogramLevels) {
  // 100 values 1..100, one each.
  HistogramBuckets h;
  for (uint64_t v = 1; v <= 100; ++v) h.buckets.emplace_back(v, 1);
  std::vector<PercentilePoint> p = PercentileDistribution(h, 5);
  ASSERT_GE(p.size(), 12u);
  // 5 ticks per half distance: 0, 10, 20, 30, 40, 50, then steps of 5,
  // then 2.5 after 75%.
  const double want[] = {0, .1, .2, .3, .4, .5, .55, .6, .65, .7, .75, .775};
  for (size_t i = 0; i < std::size(want); ++i) {
    EXPECT_NEAR(p[i].percentile, want[i], 1e-12) << i;
  }
  EXPECT_EQ(p[0].value, 1u);
  EXPECT_EQ(p[5].value, 50u);
  EXPECT_EQ(p[5].total_count, 50u);
  EXPECT_EQ(p.back().value, 100u);
  EXPECT_EQ(p.back().percentile, 1.0);
  EXPECT_EQ(p.back().total_count, 100u);
  EXPECT_TRUE(PercentileDistribution({}, 5).empty());
}

TEST(PercentileDistributionTest, MeanUsesBucketMidpoints) {
  HistogramBuckets exact{{{10, 1}, {30, 1}}};
  auto [mean, stddev] = HistogramMeanStdDev(exact);
  EXPECT_DOUBLE_EQ(mean, 20);
  EXPECT_DOUBLE_EQ(stddev, 10);
  // 4095 is the highest value of the bucket [4094, 4095]: midpoint 4095.
  HistogramBuckets wide{{{4095, 2}}};
  EXPECT_DOUBLE_EQ(HistogramMeanStdDev(wide).first, 4095);
  // 1048575 ends [1048064, 1048575] (width 512): midpoint 1048320.
  HistogramBuckets wider{{{1048575, 1}}};
  EXPECT_DOUBLE_EQ(HistogramMeanStdDev(wider).first, 1048320);
}

TEST(RunLabelsTest, AddWhatTellsRunsApart) {
  ResultsFile r = testing::SampleResults();
  std::vector<std::string> labels = RunLabels(r);
  ASSERT_EQ(labels.size(), 3u);
  // Two workloads in the file: labels carry them.
  EXPECT_EQ(labels[0], "memory/value-rw");
  r.runs.pop_back();
  EXPECT_EQ(RunLabels(r)[0], "memory");
  r.runs.push_back(r.runs[0]);
  r.runs.back().checkpoint_type = "incremental";
  labels = RunLabels(r);
  EXPECT_EQ(labels[0], "memory (full)");
  EXPECT_EQ(labels[2], "memory (incremental)");
  r.runs.push_back(r.runs[0]);
  labels = RunLabels(r);
  EXPECT_NE(labels[0], labels[3]);
}

// A sweep's rows carry their size, and a cache-curve step says what it is.
TEST(RunLabelsTest, SweepRowsNameTheirSizeAndCacheCurveSteps) {
  ResultsFile r = testing::SampleResults();
  r.runs.resize(1);
  r.runs[0].extra["sweep"] = {{"state_bytes", 256.0 * (1 << 20)}};
  r.runs.push_back(r.runs[0]);
  r.runs[1].extra["sweep"]["cache_curve"] = true;
  r.runs[1].extra["sweep"]["block_cache_bytes"] = 32.0 * (1 << 20);
  std::vector<std::string> labels = RunLabels(r);
  EXPECT_EQ(labels[0], "memory @ 256 MiB");
  EXPECT_EQ(labels[1], "memory @ 256 MiB, cache curve: block cache 32.0 MiB");
}

TEST(MergeResultsTest, ConcatenatesRunsAndMarksCollisions) {
  ResultsFile a = testing::SampleResults();
  ResultsFile b = testing::SampleResults();
  b.runs.resize(1);  // memory only
  b.context.warnings = {"second file warning"};
  Result<ResultsFile> merged =
      MergeResultsForReport({a, b}, {"a.json", "b.json"});
  ASSERT_TRUE(merged.ok());
  ASSERT_EQ(merged->runs.size(), 4u);
  EXPECT_EQ(merged->runs[0].extra["source"], "a.json");
  EXPECT_EQ(merged->runs[3].extra["source"], "b.json");
  EXPECT_FALSE(merged->runs[1].extra.contains("source"));
  std::vector<std::string> labels = RunLabels(*merged);
  EXPECT_EQ(labels[0], "memory/value-rw [a.json]");
  EXPECT_EQ(labels[3], "memory/value-rw [b.json]");
  EXPECT_EQ(merged->context.warnings.back(), "b.json: second file warning");
  EXPECT_FALSE(MergeResultsForReport({}, {}).ok());
}

TEST(ReportRegistryTest, KnowsEveryFormatAndRejectsOthers) {
  std::vector<std::string> names = ReportFormatNames();
  for (const char* f : {"console", "md", "html", "json", "csv", "gbench",
                        "gab-smaller", "gab-bigger", "bmf", "hgrm"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), f), names.end()) << f;
  }
  Result<std::string> bad = RenderReport("pdf", testing::SampleResults());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("html"), std::string::npos);
  EXPECT_FALSE(RenderReport("hgrm", testing::SampleResults()).ok());
}

TEST(ExportAllTest, WritesEveryFormatAtomically) {
  Result<std::string> dir = MakeTempDirectory("sb-export-");
  ASSERT_TRUE(dir.ok());
  std::map<std::string, std::string> exports;
  for (const std::string& f : ReportFormatNames()) {
    exports[f] = *dir + "/out." + f;
  }
  ResultsFile sample = testing::SampleResults();
  const mode_t umask_now = ::umask(0);
  ::umask(umask_now);
  ASSERT_TRUE(ExportAll(sample, exports).ok());
  for (const auto& [format, path] : exports) {
    if (format == "hgrm") continue;
    Result<std::string> text = ReadFileToString(path);
    ASSERT_TRUE(text.ok()) << path;
    EXPECT_EQ(*text, *RenderReport(format, sample)) << format;
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    // Exports are for sharing: they follow the umask like any new file.
    EXPECT_EQ(st.st_mode & 0777, 0666u & ~umask_now) << path;
  }
  for (const HgrmFile& f : RenderHgrmFiles(sample)) {
    Result<std::string> text =
        ReadFileToString(exports["hgrm"] + "/" + f.file_name);
    ASSERT_TRUE(text.ok()) << f.file_name;
    EXPECT_EQ(*text, f.text);
  }
  EXPECT_TRUE(RemoveTree(*dir).ok());
}

TEST(ExportAllTest, ChecksEveryNameBeforeWritingAnything) {
  Result<std::string> dir = MakeTempDirectory("sb-export-");
  ASSERT_TRUE(dir.ok());
  Status s = ExportAll(testing::SampleResults(),
                       {{"md", *dir + "/a.md"}, {"xml", *dir + "/a.xml"}});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("xml"), std::string::npos);
  EXPECT_FALSE(ReadFileToString(*dir + "/a.md").ok());
  Status missing =
      ExportAll(testing::SampleResults(), {{"md", *dir + "/no/such/dir/a.md"}});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("no/such/dir"), std::string::npos);
  EXPECT_TRUE(RemoveTree(*dir).ok());
}

TEST(RecommendationViewTest, ReadsTheAdvisorShapeOnly) {
  auto view = ReadRecommendation(testing::SampleResults().recommendation);
  ASSERT_TRUE(view.has_value());
  ASSERT_EQ(view->ranking.size(), 3u);
  EXPECT_EQ(view->ranking[0].backend, "rocksdb");
  EXPECT_DOUBLE_EQ(*view->ranking[0].score, 0.8125);
  EXPECT_TRUE(view->ranking[1].vetoed);
  EXPECT_FALSE(view->ranking[2].score.has_value());
  EXPECT_EQ(view->profile, "click-stream sessions");
  EXPECT_NE(view->what_would_change.find("64 GiB"), std::string::npos);
  EXPECT_EQ(view->notes.size(), 1u);
  EXPECT_EQ(view->confidence.size(), 1u);
  // Capacity comes from the display texts, unit suffixes dropped from the
  // names (the texts carry the units).
  using Figure = std::pair<std::string, std::string>;
  const auto& capacity = view->ranking[0].capacity;
  EXPECT_NE(std::find(capacity.begin(), capacity.end(),
                      Figure{"checkpoint duration", "1.6 s"}),
            capacity.end());
  EXPECT_NE(std::find(capacity.begin(), capacity.end(),
                      Figure{"subtasks needed", "4"}),
            capacity.end());
  nlohmann::json odd = {{"summary", "s"}};
  odd["ranking"] = nlohmann::json::array(
      {{{"backend", "x"},
        {"capacity", {{"display", {{"_s", "1 s"}, {"per_s", "2/s"}}}}}}});
  auto short_names = ReadRecommendation(odd);
  ASSERT_TRUE(short_names.has_value());
  EXPECT_EQ(short_names->ranking[0].capacity.size(), 2u);
  EXPECT_FALSE(ReadRecommendation(nullptr).has_value());
  EXPECT_FALSE(ReadRecommendation({{"something", "else"}}).has_value());
}

}  // namespace
}  // namespace statebench

namespace statebench {
namespace {

// The last line of defence behind the input checks: a string that is not
// UTF-8 (a host name, a backend's error text) never makes the results
// writer throw, so a finished measurement is always saved.
TEST(ResultsWriterTest, InvalidUtf8AndNonFiniteNumbersNeverThrow) {
  ResultsFile results;
  results.context.host = "h\xe9te";
  RunResult run;
  run.backend = "memory";
  run.status = RunStatus::kFailed;
  run.failure_reason = std::string("cannot open caf\xe9: \xff\xfe");
  run.extra["ratio"] = std::nan("");
  results.runs.push_back(run);
  auto dir = MakeTempDirectory("statebench-results-utf8-");
  ASSERT_TRUE(dir.ok());
  const std::string path = *dir + "/results.json";
  ASSERT_TRUE(SaveResultsFile(results, path).ok());
  Result<ResultsFile> back = LoadResultsFile(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->runs.at(0).failure_reason,
            "cannot open caf\xef\xbf\xbd: \xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_TRUE(back->runs.at(0).extra["ratio"].is_null());
  const std::string text = JsonText(ToJson(results), -1);
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  (void)RemoveTree(*dir);
}

}  // namespace
}  // namespace statebench
