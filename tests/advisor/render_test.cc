// The renderings: JSON for ResultsFile::recommendation (shape, no NaN, a
// results-file round trip), console text and Markdown.
#include <gtest/gtest.h>

#include <cmath>

#include "advisor/advisor.h"
#include "tests/advisor/synthetic_results.h"

namespace statebench::advisor {
namespace {

Recommendation Sample(const std::string& name = "render") {
  Result<Profile> p = ParseProfile("name: '" + name +
                                       "'\nstate_size: 300GiB\n"
                                       "event_rate: 200k/s\n"
                                       "recovery_time_objective: 10min\n"
                                       "memory_per_node: 32GiB\nnodes: 8\n"
                                       "exactly_once: true\n",
                                   "render.yaml");
  EXPECT_TRUE(p.ok()) << p.status().message();
  ResultsFile results = testing::StandardResults();
  // A figure that cannot be computed must render as null / n/a.
  testing::FindRun(&results, "postgres")->summary.erase("write_amplification");
  Result<Recommendation> r =
      Advise(*p, {results}, DefaultRules(), {"synthetic.json"});
  EXPECT_TRUE(r.ok());
  return r.ok() ? std::move(r).value() : Recommendation{};
}

TEST(AdvisorRenderTest, JsonHasTheRecommendationShape) {
  Recommendation r = Sample();
  nlohmann::json j = RecommendationToJson(r);
  EXPECT_EQ(j["profile"], "render");
  EXPECT_EQ(j["top"], "rocksdb[checkpoint=incremental]");
  EXPECT_TRUE(j["summary"].get<std::string>().rfind(
                  "Use rocksdb[checkpoint=incremental]", 0) == 0)
      << j["summary"];
  ASSERT_EQ(j["ranking"].size(), 7u);
  const nlohmann::json& first = j["ranking"][0];
  EXPECT_EQ(first["backend"], "rocksdb[checkpoint=incremental]");
  EXPECT_EQ(first["rank"], 1);
  EXPECT_FALSE(first["vetoed"].get<bool>());
  EXPECT_TRUE(first["reasons"].is_array());
  EXPECT_EQ(first["capacity"]["subtasks_needed"], 1);
  EXPECT_EQ(first["capacity"]["parallelism"], 8);
  EXPECT_EQ(first["capacity"]["display"]["checkpoint_size_bytes"], "343 MiB");
  bool vetoed_fs = false;
  for (const nlohmann::json& e : j["ranking"]) {
    if (e["backend"] == "fs") {
      vetoed_fs = e["vetoed"].get<bool>();
      EXPECT_NE(e["reasons"][0].get<std::string>().find("veto ["),
                std::string::npos);
    }
    if (e["backend"] == "postgres") {
      EXPECT_TRUE(e["capacity"]["disk_write_bytes_per_s"].is_null());
      EXPECT_EQ(e["capacity"]["display"]["disk_write_bytes_per_s"], "n/a");
    }
  }
  EXPECT_TRUE(vetoed_fs);
  ASSERT_FALSE(j["fired_rules"].empty());
  const nlohmann::json& fired = j["fired_rules"][0];
  for (const char* key : {"rule", "backend", "effect", "reason", "values"}) {
    EXPECT_TRUE(fired.contains(key)) << key;
  }
  EXPECT_TRUE(j["what_would_change"].is_string());
  EXPECT_FALSE(j["what_would_change"].get<std::string>().empty());
  EXPECT_TRUE(j["notes"].is_array());
  EXPECT_TRUE(j["confidence"].is_array());
  EXPECT_EQ(j["sources"][0], "synthetic.json");
  EXPECT_EQ(j["profile_details"]["nodes"], 8);
}

TEST(AdvisorRenderTest, JsonNeverContainsNonFiniteNumbers) {
  std::string text = RecommendationToJson(Sample()).dump();
  EXPECT_EQ(text.find("NaN"), std::string::npos);
  EXPECT_EQ(text.find("nan"), std::string::npos);
  EXPECT_EQ(text.find("Infinity"), std::string::npos);
  EXPECT_EQ(text.find("inf,"), std::string::npos);
}

TEST(AdvisorRenderTest, RecommendationRoundTripsThroughAResultsFile) {
  ResultsFile results = testing::StandardResults();
  results.recommendation = RecommendationToJson(Sample());
  Result<ResultsFile> back = ResultsFromJson(ToJson(results), "roundtrip.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->recommendation["top"], "rocksdb[checkpoint=incremental]");
  EXPECT_EQ(back->recommendation["ranking"].size(), 7u);
}

TEST(AdvisorRenderTest, ConsoleShowsRankingReasonsNumbersAndWhatIf) {
  std::string text = RenderConsole(Sample());
  for (const char* part :
       {"Profile 'render': 300 GiB state, 200k events/s", "Ranking",
        "rocksdb[checkpoint=incremental]", "VETOED",
        "veto [heap-state-exceeds-memory]: 300 GiB of state needs 600 GiB",
        "Fired rules and their numbers", "derived.cluster_memory = 256 GiB",
        "Confidence", "What would change the answer",
        "Measurements: synthetic.json"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
  }
}

TEST(AdvisorRenderTest, MarkdownHasTablesAndEscapesPipes) {
  std::string md = RenderMarkdown(Sample("a|b"));
  EXPECT_NE(md.find("## Recommendation for `a\\|b`"), std::string::npos) << md;
  EXPECT_NE(md.find("| # | backend | score | status |"), std::string::npos);
  EXPECT_NE(md.find("| 1 | `rocksdb[checkpoint=incremental]` |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("**vetoed**"), std::string::npos);
  EXPECT_NE(md.find("### What would change the answer"), std::string::npos);
  // Every table row has the header's column count.
  size_t header_pipes = 0;
  for (char c : std::string("| # | backend | score | status | subtasks | "
                            "p99 | checkpoint time | restore | "
                            "memory/subtask | disk writes |")) {
    header_pipes += c == '|';
  }
  size_t pos = md.find("| 1 |");
  ASSERT_NE(pos, std::string::npos);
  std::string row = md.substr(pos, md.find('\n', pos) - pos);
  size_t row_pipes = 0;
  for (size_t i = 0; i < row.size(); ++i) {
    row_pipes += row[i] == '|' && (i == 0 || row[i - 1] != '\\');
  }
  EXPECT_EQ(row_pipes, header_pipes) << row;
}

}  // namespace
}  // namespace statebench::advisor
