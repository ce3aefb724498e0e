// The layers of the source tree and the one direction of their includes.
// Every source file belongs to a layer (its folder), and may include only
// the layers below it; a backend family's folder is private to backends/.
// A new folder, or an include that points the wrong way, fails here.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path& SourceRoot() {
  static const fs::path root = STATEBENCH_SOURCE_DIR;
  return root;
}

// Layer -> the layers its files may include (its own always).
const std::map<std::string, std::set<std::string>>& Layers() {
  static const std::map<std::string, std::set<std::string>> layers = {
      {"base", {}},
      {"workloads", {"base"}},
      {"backends",
       {"base", "backends/heap", "backends/snapshot", "backends/rocksdb",
        "backends/redis", "backends/postgres", "backends/server"}},
      {"backends/snapshot", {"base", "backends"}},
      {"backends/heap", {"base", "backends", "backends/snapshot"}},
      {"backends/rocksdb", {"base", "backends", "backends/snapshot"}},
      {"backends/server", {"base", "backends"}},
      {"backends/redis", {"base", "backends", "backends/server"}},
      {"backends/postgres", {"base", "backends", "backends/server"}},
      {"reports/results", {"base"}},
      {"reports", {"base", "reports/results"}},
      {"reports/gate", {"base", "reports/results", "reports"}},
      {"advisor", {"base", "reports/results"}},
      {"bench/harness", {"base", "backends", "workloads", "reports/results"}},
      {"bench/verify",
       {"base", "backends", "workloads", "reports/results", "bench/harness"}},
      {"bench/cli",
       {"base", "backends", "workloads", "reports/results", "reports",
        "reports/gate", "advisor", "bench/harness", "bench/verify"}},
  };
  return layers;
}

// Folders whose files may include any layer: the microbenchmarks drive the
// storage libraries directly beside the backends' internals, and the tests
// test internals.
bool Unrestricted(const std::string& folder) {
  return folder == "bench/micro" || folder == "tests" ||
         folder.rfind("tests/", 0) == 0;
}

struct Include {
  std::string file;  // relative to the source root
  int line = 0;
  std::string target;  // the included path
};

std::vector<fs::path> SourceFiles() {
  std::vector<fs::path> files;
  for (const char* top :
       {"base", "backends", "workloads", "reports", "advisor", "bench"}) {
    for (const auto& e : fs::recursive_directory_iterator(SourceRoot() / top)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() &&
          (ext == ".h" || ext == ".cc" || ext == ".in")) {
        files.push_back(fs::relative(e.path(), SourceRoot()));
      }
    }
  }
  return files;
}

std::vector<Include> ProjectIncludes(const fs::path& file) {
  static const std::regex re(R"re(^\s*#\s*include\s+"([^"]+)")re");
  std::vector<Include> out;
  std::ifstream in(SourceRoot() / file);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    if (std::regex_search(line, m, re)) {
      out.push_back({file.string(), n, m[1].str()});
    }
  }
  return out;
}

std::string Folder(const std::string& path) {
  return fs::path(path).parent_path().string();
}

TEST(LayoutTest, EverySourceFolderIsALayer) {
  for (const fs::path& f : SourceFiles()) {
    const std::string folder = f.parent_path().string();
    EXPECT_TRUE(Layers().count(folder) || Unrestricted(folder))
        << f.string() << " is in " << folder
        << ", which is no layer: add it to the layers of tests/layout_test.cc "
           "and docs/layout.md, with its own CMakeLists.txt";
  }
}

TEST(LayoutTest, EveryLayerIsOneFolderWithItsOwnCMakeTarget) {
  for (const auto& [layer, below] : Layers()) {
    EXPECT_TRUE(fs::exists(SourceRoot() / layer / "CMakeLists.txt"))
        << layer << " has no CMakeLists.txt";
  }
}

TEST(LayoutTest, IncludesPointDownTheLayersOnly) {
  int checked = 0;
  for (const fs::path& f : SourceFiles()) {
    const std::string folder = f.parent_path().string();
    if (Unrestricted(folder) || !Layers().count(folder)) continue;
    const std::set<std::string>& below = Layers().at(folder);
    for (const Include& inc : ProjectIncludes(f)) {
      // A project header: its path starts with one of the top folders.
      const std::string target_folder = Folder(inc.target);
      if (!Layers().count(target_folder) && !Unrestricted(target_folder)) {
        continue;  // a library's header (<...> style paths in quotes)
      }
      ++checked;
      EXPECT_TRUE(target_folder == folder || below.count(target_folder))
          << inc.file << ":" << inc.line << " includes \"" << inc.target
          << "\": " << folder << " may include only itself and "
          << ::testing::PrintToString(below);
    }
  }
  // The scan found the tree (a wrong root would pass vacuously).
  EXPECT_GT(checked, 300);
}

TEST(LayoutTest, ABackendFamilyIsPrivateToBackends) {
  // The same rule, stated for the one boundary every reader asks about:
  // outside backends/, only bench/micro and the tests see a family's headers.
  static const std::regex family(
      R"re(^backends/(heap|snapshot|rocksdb|redis|postgres|server)/)re");
  for (const fs::path& f : SourceFiles()) {
    const std::string folder = f.parent_path().string();
    if (folder.rfind("backends", 0) == 0 || Unrestricted(folder)) continue;
    for (const Include& inc : ProjectIncludes(f)) {
      EXPECT_FALSE(std::regex_search(inc.target, family))
          << inc.file << ":" << inc.line << " includes \"" << inc.target
          << "\", a header private to backends/";
    }
  }
}

}  // namespace
