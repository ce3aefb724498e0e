// Cases of the malformed-input suite (malformed_input_test.cc): which CLI
// input gets which broken content, and how to turn a case into a command.
#ifndef STATEBENCH_TESTS_MALFORMED_MALFORMED_CASES_H_
#define STATEBENCH_TESTS_MALFORMED_MALFORMED_CASES_H_

#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace statebench::testing {

// Valid inputs the broken ones are derived from, in a fresh temp dir.
struct Fixtures {
  bool ok = false;
  std::string binary;
  std::string dir;      // everything below lives here
  std::string in_dir;   // the generated inputs
  std::string out_dir;  // output paths point here; must stay empty
  std::string results_path, results_text;  // from a short real run
  std::string trace_path, trace_bytes;     // binary trace of that run
  std::string text_trace;                  // the same trace, text format
  std::string profile_path;                // a valid requirements profile
};

// Runs statebench once for a results file and a trace; "" or what failed.
std::string BuildFixtures(const std::string& binary, Fixtures* fx);

// Which command line the broken input is given to.
enum class Slot {
  kWorkloadFile,   // run --workload-file F
  kTrace,          // run --trace F
  kYcsb,           // run --workload-file W, W says ycsb_properties: F
  kFlinkConfig,    // run --flink-config F
  kProfile,        // advise --profile F
  kRules,          // advise --rules F
  kRulesExtend,    // advise --rules-extend F
  kAdviseResults,  // advise --results F
  kReport,         // report F
  kGateBaseline,   // gate --baseline F
  kGateCurrent,    // gate --current F
  kFlags,          // only flags (args); no file
};

enum class FileKind { kContent, kDirectory, kMissing };

struct MalformedCase {
  std::string name;  // unique, [A-Za-z0-9_]
  Slot slot = Slot::kFlags;
  FileKind kind = FileKind::kContent;
  std::function<std::string(const Fixtures&)> content;
  // The message must give a line, column or offset in the file.
  bool position = false;
  // kFlags: arguments after the binary, with {R} (valid results), {P}
  // (valid profile), {T} (valid trace) and {OUT} (the output path)
  // replaced; `expect` is what the message must name.
  std::vector<std::string> args;
  std::string expect;
};

// gtest prints parameters; the name says everything.
inline void PrintTo(const MalformedCase& c, std::ostream* os) { *os << c.name; }

struct PreparedCase {
  std::vector<std::string> argv;
  std::string command_line;  // for messages
  std::string output;        // must not exist afterwards
  std::string expect;        // the message must contain this
  std::string position_regex;
  std::string error;  // preparing failed
};

// Writes the case's input files and builds its command line.
PreparedCase Prepare(const MalformedCase& c, const Fixtures& fx);

std::vector<MalformedCase> AllMalformedCases();

// Appends one case per (name, content) for `slot`, position required.
void AddContents(Slot slot,
                 const std::vector<std::pair<std::string, std::string>>& list,
                 std::vector<MalformedCase>* out);

}  // namespace statebench::testing

#endif  // STATEBENCH_TESTS_MALFORMED_MALFORMED_CASES_H_
