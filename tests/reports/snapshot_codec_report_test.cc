// The snapshot codec fields of the results schema (optional within
// statebench.results/1) and the "Checkpoint compression and encryption"
// table of the Markdown and HTML reports.
#include <gtest/gtest.h>

#include "reports/report.h"
#include "reports/results/results.h"
#include "tests/reports/report_test_data.h"

namespace statebench {
namespace {

using ::statebench::testing::SampleResults;

// SampleResults with codec figures on every checkpoint of the first run.
ResultsFile WithCodecs() {
  ResultsFile r = SampleResults();
  RunResult& run = r.runs[0];
  for (Repetition& rep : run.repetitions) {
    for (CheckpointRecord& c : rep.checkpoints) {
      c.compression = "zstd";
      c.encryption = "aes-256-gcm";
      c.uncompressed_size = c.full_size * 3;
      c.compress_cpu_ms = 12.5;
      c.encrypt_cpu_ms = 1.25;
      for (SubtaskCheckpoint& s : c.subtasks) {
        s.uncompressed_size = s.full_size * 3;
        s.compress_cpu_ms = 12.5;
      }
    }
    for (RestoreResult& x : rep.restores) {
      x.decompress_cpu_ms = 4.0;
      x.decrypt_cpu_ms = 0.5;
    }
    rep.metrics["checkpoint.median_uncompressed_size_bytes"] = 3e6;
    rep.metrics["checkpoint.compression_ratio"] = 3.0;
    rep.metrics["checkpoint.median_compress_cpu_ms"] = 12.5;
    rep.metrics["checkpoint.median_encrypt_cpu_ms"] = 1.25;
    rep.metrics["restore.decompress_cpu_ms"] = 4.0;
  }
  SummarizeRepetitions(&run);
  return r;
}

TEST(SnapshotCodecResultsTest, NewFieldsRoundTripAndOldFilesStayIdentical) {
  ResultsFile r = WithCodecs();
  std::string text = ToJson(r).dump();
  Result<ResultsFile> parsed = ParseResults(text, "t");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const ResultsFile& back = *parsed;
  EXPECT_EQ(ToJson(back).dump(), text);
  const CheckpointRecord& c = back.runs[0].repetitions[0].checkpoints[0];
  EXPECT_EQ(c.compression, "zstd");
  EXPECT_EQ(c.encryption, "aes-256-gcm");
  ASSERT_TRUE(c.uncompressed_size.has_value());
  EXPECT_EQ(*c.uncompressed_size, c.full_size * 3);
  ASSERT_TRUE(c.subtasks.empty() || c.subtasks[0].compress_cpu_ms);

  // Without codec figures nothing new is written.
  std::string plain = ToJson(SampleResults()).dump();
  for (const char* key :
       {"uncompressed_size", "compress_cpu_ms", "encrypt_cpu_ms",
        "decompress_cpu_ms", "\"compression\"", "\"encryption\""}) {
    EXPECT_EQ(plain.find(key), std::string::npos) << key;
  }
  EXPECT_TRUE(DescribeMetric("checkpoint.compression_ratio").higher_is_better);
  EXPECT_EQ(DescribeMetric("checkpoint.median_compress_cpu_ms").unit, "ms");
}

TEST(SnapshotCodecReportTest, MarkdownAndHtmlShowCostAndBenefit) {
  ResultsFile r = WithCodecs();
  std::string md = RenderMarkdown(r);
  size_t at = md.find("### Checkpoint compression and encryption");
  ASSERT_NE(at, std::string::npos);
  std::string table = md.substr(at, md.find("\n\n###", at + 1) - at);
  EXPECT_NE(table.find("| zstd | aes-256-gcm |"), std::string::npos) << table;
  EXPECT_NE(table.find("compress CPU"), std::string::npos);
  EXPECT_NE(table.find("12.5 ms"), std::string::npos) << table;
  EXPECT_NE(table.find("| 3.00 |"), std::string::npos) << table;

  std::string html = RenderHtml(r);
  EXPECT_NE(html.find("<h3>Checkpoint compression and encryption</h3>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>aes-256-gcm</td>"), std::string::npos);

  // Results without codec figures have no such section.
  EXPECT_EQ(RenderMarkdown(SampleResults()).find("Checkpoint compression"),
            std::string::npos);
  EXPECT_EQ(RenderHtml(SampleResults()).find("Checkpoint compression"),
            std::string::npos);
}

}  // namespace
}  // namespace statebench
