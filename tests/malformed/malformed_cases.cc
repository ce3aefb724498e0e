#include "tests/malformed/malformed_cases.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <utility>

#include "tests/test_process.h"
#include "workloads/trace.h"

namespace statebench::testing {
namespace {

namespace fs = std::filesystem;
using Make = std::function<std::string(const Fixtures&)>;

Make Text(std::string s) {
  return [s = std::move(s)](const Fixtures&) { return s; };
}

bool WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

std::string Garbage(size_t n, uint64_t seed) {
  std::string s(n, '\0');
  for (char& c : s) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    c = static_cast<char>(seed >> 56);
  }
  return s;
}

std::string RegexEscape(const std::string& s) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(s, special, R"(\$&)");
}

const char* SlotName(Slot s) {
  switch (s) {
    case Slot::kWorkloadFile:
      return "workload";
    case Slot::kTrace:
      return "trace";
    case Slot::kYcsb:
      return "ycsb";
    case Slot::kFlinkConfig:
      return "flink";
    case Slot::kProfile:
      return "profile";
    case Slot::kRules:
      return "rules";
    case Slot::kRulesExtend:
      return "rules_extend";
    case Slot::kAdviseResults:
      return "advise_results";
    case Slot::kReport:
      return "report";
    case Slot::kGateBaseline:
      return "gate_baseline";
    case Slot::kGateCurrent:
      return "gate_current";
    case Slot::kFlags:
      return "flags";
  }
  return "?";
}

// Broken contents that every file-taking input must refuse.
std::vector<std::pair<std::string, Make>> GenericContents() {
  const std::string mb10(10u << 20, 'a');
  return {
      {"empty", Text("")},
      {"blank", Text("  \n\n\t\n")},
      {"nul_bytes", Text(std::string(64, '\0'))},
      {"nul_inside", Text(std::string("abc\0def: 1\n", 11))},
      {"invalid_utf8", Text("\xff\xfe\xfd\xc3\x28\xa0\xa1\n")},
      {"invalid_utf8_key", Text("k\xc3\x28y: 1\n")},
      {"line_10mb", Text(mb10)},
      {"line_10mb_value", Text("name: \"" + mb10 + "\n")},
      {"deep_brackets", Text(std::string(100000, '['))},
      {"deep_braces", Text(std::string(100000, '{'))},
      {"deep_closed",
       Text(std::string(20000, '[') + std::string(20000, ']') + "\n")},
      {"deep_block",
       [](const Fixtures&) {
         std::string s;
         for (int i = 0; i < 20000; ++i) s += "- ";
         return s + "x\n";
       }},
      {"deep_indent",
       [](const Fixtures&) {
         std::string s;
         for (int i = 0; i < 1000; ++i) s += std::string(i, ' ') + "k:\n";
         return s;
       }},
      {"binary_garbage", Text(Garbage(4096, 7))},
      {"scalar_root", Text("42\n")},
      {"list_root", Text("- a\n- b\n")},
      {"null_root", Text("null\n")},
      {"crlf_garbage", Text("}{\r\n\r\n::\r\n")},
      {"bom_garbage", Text("\xef\xbb\xbf{]\n")},
  };
}

void AddGeneric(Slot slot, std::vector<MalformedCase>* out) {
  for (auto& [name, make] : GenericContents()) {
    MalformedCase c;
    c.name = std::string(SlotName(slot)) + "_" + name;
    c.slot = slot;
    c.content = make;
    // A file that is empty or holds no mapping/object at all has no
    // position to name; everything else does.
    static const std::set<std::string> kNoPosition = {
        "empty",     "blank",     "scalar_root",
        "list_root", "null_root", "deep_closed"};
    // YAML files over 1 MiB are refused by size before parsing.
    const bool yaml = slot == Slot::kWorkloadFile || slot == Slot::kProfile ||
                      slot == Slot::kRules || slot == Slot::kRulesExtend ||
                      slot == Slot::kFlinkConfig;
    c.position = kNoPosition.count(name) == 0 &&
                 !(yaml && name.rfind("line_10mb", 0) == 0);
    out->push_back(std::move(c));
  }
  for (FileKind kind : {FileKind::kDirectory, FileKind::kMissing}) {
    MalformedCase c;
    c.name = std::string(SlotName(slot)) +
             (kind == FileKind::kDirectory ? "_directory" : "_missing");
    c.slot = slot;
    c.kind = kind;
    out->push_back(std::move(c));
  }
}

void AddDerived(Slot slot,
                const std::vector<std::pair<std::string, Make>>& list,
                std::vector<MalformedCase>* out) {
  for (const auto& [name, make] : list) {
    MalformedCase c;
    c.name = std::string(SlotName(slot)) + "_" + name;
    c.slot = slot;
    c.content = make;
    // A results file of another schema, or none, is refused as a whole.
    static const std::set<std::string> kWholeFile = {
        "schema_other", "schema_missing", "schema_number", "empty_object",
        "array_root"};
    c.position = kWholeFile.count(name) == 0;
    out->push_back(std::move(c));
  }
}

}  // namespace

void AddContents(Slot slot,
                 const std::vector<std::pair<std::string, std::string>>& list,
                 std::vector<MalformedCase>* out) {
  for (const auto& [name, text] : list) {
    MalformedCase c;
    c.name = std::string(SlotName(slot)) + "_" + name;
    c.slot = slot;
    c.content = Text(text);
    c.position = true;
    out->push_back(std::move(c));
  }
}

// Defined in malformed_specific.cc: the format-specific cases.
void AddWorkloadCases(std::vector<MalformedCase>* out);
void AddYcsbCases(std::vector<MalformedCase>* out);
void AddFlinkConfigCases(std::vector<MalformedCase>* out);
void AddProfileCases(std::vector<MalformedCase>* out);
void AddRulesCases(std::vector<MalformedCase>* out);
void AddFlagCases(std::vector<MalformedCase>* out);
std::vector<std::pair<std::string, Make>> TraceMutations();
std::vector<std::pair<std::string, Make>> ResultsMutations();

std::vector<MalformedCase> AllMalformedCases() {
  std::vector<MalformedCase> all;
  for (Slot s :
       {Slot::kWorkloadFile, Slot::kTrace, Slot::kFlinkConfig, Slot::kProfile,
        Slot::kRules, Slot::kRulesExtend, Slot::kAdviseResults, Slot::kReport,
        Slot::kGateBaseline, Slot::kGateCurrent}) {
    AddGeneric(s, &all);
  }
  AddWorkloadCases(&all);
  AddYcsbCases(&all);
  AddFlinkConfigCases(&all);
  {
    MalformedCase c;
    c.name = "ycsb_directory";
    c.slot = Slot::kYcsb;
    c.kind = FileKind::kDirectory;
    all.push_back(c);
    c.name = "ycsb_missing";
    c.kind = FileKind::kMissing;
    all.push_back(c);
  }
  AddProfileCases(&all);
  AddRulesCases(&all);
  AddDerived(Slot::kTrace, TraceMutations(), &all);
  for (Slot s : {Slot::kReport, Slot::kGateCurrent, Slot::kAdviseResults}) {
    AddDerived(s, ResultsMutations(), &all);
  }
  AddFlagCases(&all);
  return all;
}

std::string BuildFixtures(const std::string& binary, Fixtures* fx) {
  fx->binary = binary;
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp && *tmp ? tmp : "/tmp") + "/statebench-malformed-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return "mkdtemp failed";
  fx->dir = pattern;
  fx->in_dir = fx->dir + "/in";
  fx->out_dir = fx->dir + "/out";
  fs::create_directories(fx->in_dir);
  fs::create_directories(fx->out_dir);
  fx->results_path = fx->dir + "/valid-results.json";
  fx->trace_path = fx->dir + "/valid.trace";
  ProcessResult r = RunProcess({binary,
                                "run",
                                "-b",
                                "memory",
                                "--keys",
                                "200",
                                "--events",
                                "300",
                                "--warmup",
                                "0",
                                "-r",
                                "1",
                                "--no-restore",
                                "-q",
                                "--checkpoint-interval",
                                "50",
                                "--record-trace",
                                fx->trace_path,
                                "-o",
                                fx->results_path},
                               fx->dir + "/fixture", 60);
  if (r.exit_code != 0) {
    return "fixture run failed (" + std::to_string(r.exit_code) + "): " + r.err;
  }
  fx->results_text = ReadWholeFile(fx->results_path);
  fx->trace_bytes = ReadWholeFile(fx->trace_path);
  const std::string text_path = fx->dir + "/valid.trace.txt";
  auto converted = ConvertTrace(fx->trace_path, text_path, TraceFormat::kText);
  if (!converted.ok()) return "ConvertTrace: " + converted.status().ToString();
  fx->text_trace = ReadWholeFile(text_path);
  fx->profile_path = fx->dir + "/valid-profile.yaml";
  if (!WriteFile(
          fx->profile_path,
          "name: malformed-suite\nstate_size: 1GiB\nevent_rate: 1000\n")) {
    return "cannot write the profile";
  }
  fx->ok = true;
  return "";
}

PreparedCase Prepare(const MalformedCase& c, const Fixtures& fx) {
  PreparedCase p;
  const std::string file = fx.in_dir + "/" + c.name;
  std::error_code ec;
  fs::remove_all(file, ec);
  if (c.slot != Slot::kFlags) {
    switch (c.kind) {
      case FileKind::kContent:
        if (!WriteFile(file, c.content(fx))) p.error = "cannot write " + file;
        break;
      case FileKind::kDirectory:
        fs::create_directories(file + "/sub", ec);
        break;
      case FileKind::kMissing:
        break;
    }
  }
  p.output = fx.out_dir + "/output";
  p.expect = file;
  // file:line[:column], a byte offset, or a JSON path (runs[0].backend).
  p.position_regex = RegexEscape(file) +
                     "(:[0-9]+|: offset [0-9]+|: "
                     "(\\.[a-z_]+|[a-z_]+(\\[[0-9]+\\]|\\.[a-z_]+)+))";
  const std::string& b = fx.binary;
  const std::vector<std::string> advise = {b, "advise", "--no-what-if",
                                           "--output", p.output};
  const std::vector<std::string> quick_run = {
      b,          "run", "-b", "memory", "--duration", "0.1",
      "--warmup", "0",   "-q", "-o",     p.output};
  auto with = [](std::vector<std::string> v,
                 std::initializer_list<std::string> more) {
    v.insert(v.end(), more);
    return v;
  };
  switch (c.slot) {
    case Slot::kWorkloadFile:
      p.argv = with(quick_run, {"--workload-file", file});
      break;
    case Slot::kTrace:
      p.argv = with(quick_run, {"--trace", file});
      break;
    case Slot::kFlinkConfig:
      p.argv = with(quick_run, {"--flink-config", file});
      break;
    case Slot::kYcsb: {
      const std::string yaml = fx.in_dir + "/" + c.name + ".yaml";
      if (!WriteFile(yaml, "workload:\n  ycsb_properties: " + c.name +
                               "\n  key_count: 100\n")) {
        p.error = "cannot write " + yaml;
      }
      p.argv = with(quick_run, {"--workload-file", yaml});
      break;
    }
    case Slot::kProfile:
      p.argv = with(advise, {"--profile", file, "--results", fx.results_path});
      break;
    case Slot::kRules:
      p.argv = with(advise, {"--profile", fx.profile_path, "--results",
                             fx.results_path, "--rules", file});
      break;
    case Slot::kRulesExtend:
      p.argv = with(advise, {"--profile", fx.profile_path, "--results",
                             fx.results_path, "--rules-extend", file});
      break;
    case Slot::kAdviseResults:
      p.argv = with(advise, {"--profile", fx.profile_path, "--results", file});
      break;
    case Slot::kReport:
      p.argv = {b, "report", file, "--format", "md", "--output", p.output};
      break;
    case Slot::kGateBaseline:
      p.argv = {b,           "gate",          "--baseline", file,
                "--current", fx.results_path, "--json",     p.output};
      break;
    case Slot::kGateCurrent:
      p.argv = {b,           "gate", "--baseline", fx.results_path,
                "--current", file,   "--json",     p.output};
      break;
    case Slot::kFlags: {
      p.argv = {b};
      for (std::string a : c.args) {
        for (const auto& [key, value] :
             std::vector<std::pair<std::string, std::string>>{
                 {"{R}", fx.results_path},
                 {"{P}", fx.profile_path},
                 {"{T}", fx.trace_path},
                 {"{OUT}", p.output}}) {
          for (size_t at; (at = a.find(key)) != std::string::npos;) {
            a.replace(at, key.size(), value);
          }
        }
        p.argv.push_back(a);
      }
      p.expect = c.expect;
      break;
    }
  }
  for (const std::string& a : p.argv) {
    p.command_line += (p.command_line.empty() ? "" : " ") +
                      (a.size() > 200 ? a.substr(0, 200) + "..." : a);
  }
  return p;
}

// Used by malformed_specific.cc.
std::string JsonMutation(const std::string& text,
                         const std::function<void(nlohmann::json*)>& edit) {
  nlohmann::json j = nlohmann::json::parse(text);
  edit(&j);
  return j.dump(2);
}

}  // namespace statebench::testing
