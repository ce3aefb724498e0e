// Golden-output tests: every report format rendered from the deterministic
// sample results must match tests/reports/golden/ byte for byte.
// STATEBENCH_UPDATE_GOLDEN=1 rewrites the golden files instead (review the
// diff before committing them).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/file_util.h"
#include "reports/report.h"
#include "tests/reports/report_test_data.h"

namespace statebench {
namespace {

std::string GoldenDir() {
  const char* data = std::getenv("STATEBENCH_TEST_DATA");
  return std::string(data != nullptr ? data : "tests/reports") + "/golden";
}

bool Updating() {
  const char* v = std::getenv("STATEBENCH_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

std::string Extension(const std::string& format) {
  if (format == "console") return "txt";
  if (format == "md" || format == "html" || format == "csv") return format;
  return "json";
}

// First differing line, for a readable failure.
std::string FirstDifference(const std::string& want, const std::string& got) {
  std::istringstream a(want), b(got);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool ea = !std::getline(a, la), eb = !std::getline(b, lb);
    if (ea && eb) return "identical";
    if (ea != eb || la != lb) {
      // Long lines (HTML, SVG): show the neighbourhood of the first change.
      size_t col = 0;
      while (col < la.size() && col < lb.size() && la[col] == lb[col]) ++col;
      size_t from = col > 60 ? col - 60 : 0;
      auto near = [&](const std::string& s) {
        return from < s.size() ? s.substr(from, 160) : std::string();
      };
      return "line " + std::to_string(line) + ", column " +
             std::to_string(col + 1) +
             ":\n  golden: " + (ea ? "<eof>" : near(la)) +
             "\n  actual: " + (eb ? "<eof>" : near(lb));
    }
  }
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = GoldenDir() + "/" + name;
  if (Updating()) {
    ASSERT_TRUE(EnsureDirectory(path.substr(0, path.rfind('/'))).ok());
    ASSERT_TRUE(WriteFileAtomically(path, actual).ok()) << path;
    return;
  }
  Result<std::string> golden = ReadFileToString(path);
  ASSERT_TRUE(golden.ok()) << golden.status().ToString()
                           << "\n(run with STATEBENCH_UPDATE_GOLDEN=1 to "
                              "create it)";
  EXPECT_TRUE(*golden == actual) << name << " differs from its golden file; "
                                 << FirstDifference(*golden, actual);
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, MatchesGoldenFile) {
  const std::string format = GetParam();
  Result<std::string> text = RenderReport(format, testing::SampleResults());
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_FALSE(text->empty());
  ExpectGolden("sample." + format + "." + Extension(format), *text);
}

std::vector<std::string> SingleFileFormats() {
  std::vector<std::string> out;
  for (const ReportFormatInfo& f : ReportFormats()) {
    if (!f.writes_directory) out.push_back(f.name);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(EveryFormat, GoldenTest,
                         ::testing::ValuesIn(SingleFileFormats()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (c == '-') c = '_';
                           }
                           return n;
                         });

TEST(GoldenHgrmTest, EveryRunAndOpKindMatchesItsGoldenFile) {
  std::vector<HgrmFile> files = RenderHgrmFiles(testing::SampleResults());
  // Two ok backends x two op kinds; the failed run has no latency.
  ASSERT_EQ(files.size(), 4u);
  for (const HgrmFile& f : files) ExpectGolden("hgrm/" + f.file_name, f.text);
}

}  // namespace
}  // namespace statebench
