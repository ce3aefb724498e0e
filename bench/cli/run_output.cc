#include "bench/cli/run_output.h"

#include "reports/report.h"

namespace statebench {

void PrintRunTable(const ResultsFile& results, std::ostream& out) {
  out << RenderConsole(results);
}

Status WriteExports(const ResultsFile& results,
                    const std::map<std::string, std::string>& exports) {
  if (exports.empty()) return Status::Ok();
  return ExportAll(results, exports);
}

}  // namespace statebench
