// Format-specific cases of the malformed-input suite: values of the wrong
// type or out of range for each file format, corrupted traces and results
// files derived from a valid one, and bad flags.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/malformed/malformed_cases.h"

namespace statebench::testing {

using Make = std::function<std::string(const Fixtures&)>;
std::string JsonMutation(const std::string& text,
                         const std::function<void(nlohmann::json*)>& edit);

namespace {
Make Constant(std::string s) {
  return [s = std::move(s)](const Fixtures&) { return s; };
}
}  // namespace

void AddWorkloadCases(std::vector<MalformedCase>* out) {
  AddContents(
      Slot::kWorkloadFile,
      {
          {"unknown_section", "workloads:\n  name: value-rw\n"},
          {"unknown_key", "workload:\n  nmae: value-rw\n"},
          {"key_count_word", "workload:\n  key_count: many\n"},
          {"key_count_negative", "workload:\n  key_count: -5\n"},
          {"key_count_huge",
           "workload:\n  key_count: 99999999999999999999999\n"},
          {"key_count_fraction", "workload:\n  key_count: 1.5\n"},
          {"key_count_exponent", "workload:\n  key_count: 1e30\n"},
          {"key_count_zero", "workload:\n  key_count: 0\n"},
          {"key_count_list", "workload:\n  key_count: [1, 2]\n"},
          {"zipf_theta_range", "workload:\n  zipf_theta: 2\n"},
          {"zipf_theta_nan", "workload:\n  zipf_theta: .nan\n"},
          {"read_fraction_inf", "workload:\n  read_fraction: .inf\n"},
          {"unknown_workload", "workload:\n  name: no-such-workload\n"},
          {"state_size_unit", "workload:\n  state_size: 1XB\n"},
          {"state_size_huge", "workload:\n  state_size: 99999999999999TiB\n"},
          {"state_size_and_keys",
           "workload:\n  state_size: 1GiB\n  key_count: 5\n"},
          {"state_size_window",
           "workload:\n  name: tumbling-window\n  state_size: 1GiB\n"},
          {"value_size_huge", "workload:\n  value_size: 4294967296\n"},
          {"section_list", "workload:\n  event_time: [1, 2]\n"},
          {"operator_unknown_key", "workload:\n  operator:\n    window: 5\n"},
          {"slide_over_size",
           "workload:\n  name: sliding-window\n  operator:\n"
           "    window_size_ms: 10\n    window_slide_ms: 20\n"},
          {"parallelism_zero", "run:\n  parallelism: 0\n"},
          {"parallelism_huge", "run:\n  parallelism: 1000000000000\n"},
          {"repetitions_negative", "run:\n  repetitions: -1\n"},
          {"measure_s_nan", "run:\n  measure_s: .nan\n"},
          {"measure_s_negative", "run:\n  measure_s: -3\n"},
          {"rate_inf", "run:\n  rate: .inf\n"},
          {"backends_map", "run:\n  backends: {a: 1}\n"},
          {"run_unknown_key", "run:\n  threads: 4\n"},
          {"checkpoint_type", "checkpoint:\n  type: partial\n"},
          {"checkpoint_interval_negative", "checkpoint:\n  interval_ms: -1\n"},
          {"checkpoint_interval_huge",
           "checkpoint:\n  interval_ms: 99999999999\n"},
          {"backend_options_scalar", "backend_options: 5\n"},
          {"backend_options_nested",
           "backend_options:\n  rocksdb:\n    block_cache_size: {a: 1}\n"},
          {"duplicate_key", "workload:\n  key_count: 5\n  key_count: 6\n"},
          {"tab_indent", "workload:\n\tkey_count: 5\n"},
          {"unterminated_quote", "workload:\n  name: \"value-rw\n"},
          {"undefined_alias", "workload:\n  name: *nothing\n"},
          {"unclosed_flow", "run:\n  backends: [memory, rocks\n"},
          {"truncated_mid_key", "workload:\n  name: value-rw\n  key_co"},
          {"ycsb_properties_missing", "workload:\n  ycsb_properties: nosuch\n"},
          {"ycsb_properties_list", "workload:\n  ycsb_properties: [a]\n"},
          // yaml-cpp's Load() reads the first document only.
          {"two_documents",
           "workload:\n  key_count: 5\n---\nworkload:\n  key_count: 6\n"},
          {"second_document_empty", "workload:\n  key_count: 5\n---\n"},
          {"latin1_value",
           "workload:\n  name: ycsb\n  ycsb:\n    table: caf\xe9\n"},
          {"field_name_prefix_long",
           "workload:\n  name: ycsb\n  ycsb:\n    field_name_prefix: " +
               std::string(300, 'f') + "\n"},
          {"value_5kb", "workload:\n  seed: " + std::string(5000, '1') + "\n"},
          {"key_5kb", "workload:\n  " + std::string(5000, 'k') + ": 1\n"},
          {"ycsb_record_over_64mib",
           "workload:\n  name: ycsb\n  ycsb:\n    field_count: 1000\n"
           "    field_length: 16777216\n"},
          // Backend options are checked when the backend opens; the
          // message still points into the file.
          {"backend_option_unknown",
           "backend_options:\n  memory:\n    nosuch: 1\n"},
          {"backend_option_unknown_not_run",
           "backend_options:\n  rocksdb:\n    nosuch: 1\n"},
          {"backend_option_value",
           "backend_options:\n  memory:\n    max_state_size: lots\n"},
          {"backend_option_duplicate",
           "backend_options:\n  memory:\n    max_state_size: 1MiB\n"
           "    max_state_size: 2MiB\n"},
          {"backend_options_backend_twice",
           "backend_options:\n  memory:\n    max_state_size: 1MiB\n"
           "  memory:\n    max_state_size: 2MiB\n"},
          {"backend_options_unknown_backend",
           "backend_options:\n  nosuch:\n    x: 1\n"},
          // The preset's window_slide_ms, not in the file, exceeds the
          // file's window size: the message points at the mapping.
          {"preset_contradicted",
           "workload:\n  name: sliding-window\n  operator:\n"
           "    window_size_ms: 1\n"},
          {"backend_option_latin1",
           "backend_options:\n  memory:\n    max_state_size: 1\xe9\n"},
      },
      out);
}

void AddFlinkConfigCases(std::vector<MalformedCase>* out) {
  AddContents(
      Slot::kFlinkConfig,
      {
          {"list_of_keys", "- state.backend.type: rocksdb\n"},
          {"unclosed_flow", "parallelism:\n  default: [2\n"},
          {"backend_unknown", "state.backend.type: cassandra\n"},
          {"backend_forst", "state:\n  backend:\n    type: forst\n"},
          {"backend_conflict",
           "state.backend.type: rocksdb\nstate:\n  backend:\n"
           "    type: hashmap\n"},
          {"key_twice", "parallelism.default: 2\nparallelism.default: 3\n"},
          {"incremental_conflict",
           "state.backend.incremental: true\n"
           "execution.checkpointing.incremental: false\n"},
          {"storage_unknown", "state.checkpoint-storage: s3\n"},
          {"interval_unit", "execution.checkpointing.interval: 30 sek\n"},
          {"interval_below_flink_minimum",
           "execution.checkpointing.interval: 1 ms\n"},
          {"incremental_word", "state.backend.incremental: sometimes\n"},
          {"parallelism_zero", "parallelism.default: 0\n"},
          {"retained_zero", "state.checkpoints.num-retained: 0\n"},
          {"writebuffer_unit",
           "state.backend.rocksdb.writebuffer.size: 64 zb\n"},
          {"write_buffer_ratio_range",
           "state.backend.rocksdb.memory.fixed-per-slot: 1gb\n"
           "state.backend.rocksdb.memory.write-buffer-ratio: 2\n"},
          {"compression_unknown",
           "state.backend.rocksdb.compression.per.level: GZIP\n"},
      },
      out);
}

void AddYcsbCases(std::vector<MalformedCase>* out) {
  AddContents(
      Slot::kYcsb,
      {
          {"recordcount_word", "recordcount=abc\n"},
          {"recordcount_negative", "recordcount=-1\n"},
          {"recordcount_huge", "recordcount=99999999999999999999999\n"},
          {"recordcount_zero", "recordcount=0\n"},
          {"operationcount_word", "operationcount=lots\n"},
          {"readproportion_negative", "readproportion=-0.5\n"},
          {"readproportion_nan", "readproportion=NaN\n"},
          {"proportions_zero",
           "readproportion=0\nupdateproportion=0\ninsertproportion=0\n"
           "scanproportion=0\nreadmodifywriteproportion=0\n"},
          {"requestdistribution", "requestdistribution=gaussian\n"},
          {"fieldlength_histogram", "fieldlengthdistribution=histogram\n"},
          {"workload_class",
           "workload=site.ycsb.workloads.TimeSeriesWorkload\n"},
          {"fieldcount_zero", "fieldcount=0\n"},
          {"fieldcount_huge", "fieldcount=99999999999\n"},
          {"fieldlength_negative", "fieldlength=-10\n"},
          {"scan_lengths_inverted", "minscanlength=10\nmaxscanlength=5\n"},
          {"insertorder", "insertorder=random\n"},
          {"zeropadding_negative", "zeropadding=-3\n"},
          {"hotspot_fraction", "hotspotdatafraction=2\n"},
          {"readallfields", "readallfields=perhaps\n"},
          {"nul_in_value", std::string("recordcount=1\0\n", 15)},
          {"invalid_utf8_value", "recordcount=\xff\xfe\n"},
          {"continued_huge", "recordcount=1\\\n  000000000000000000000000\n"},
          {"line_10mb_value",
           "recordcount=" + std::string(10u << 20, '9') + "\n"},
          // Each record repeats the prefix in every field.
          {"fieldnameprefix_long",
           "fieldnameprefix=" + std::string(300, 'f') + "\n"},
          {"fieldnameprefix_latin1", "fieldnameprefix=f\xe9ld\n"},
          {"table_5kb", "table=" + std::string(5000, 't') + "\n"},
          {"name_5kb", std::string(5000, 'n') + "=1\n"},
          {"record_over_64mib", "fieldcount=1000\nfieldlength=16777216\n"},
      },
      out);
}

void AddProfileCases(std::vector<MalformedCase>* out) {
  const std::string ok = "state_size: 1GiB\nevent_rate: 1000\n";
  AddContents(
      Slot::kProfile,
      {
          {"missing_state_size", "event_rate: 1000\n"},
          {"missing_event_rate", "state_size: 1GiB\n"},
          {"state_size_unit", "state_size: 10 parsecs\nevent_rate: 1000\n"},
          {"state_size_negative", "state_size: -1GiB\nevent_rate: 1000\n"},
          {"state_size_huge", "state_size: 1e400GiB\nevent_rate: 1000\n"},
          {"state_size_list", "state_size: [1GiB]\nevent_rate: 1000\n"},
          {"event_rate_negative", "state_size: 1GiB\nevent_rate: -5\n"},
          {"event_rate_word", "state_size: 1GiB\nevent_rate: fast\n"},
          {"latency_without_unit", ok + "latency_slo_p99: 5\n"},
          {"latency_size_unit", ok + "latency_slo_p99: 5GiB\n"},
          {"read_write_mix_range", ok + "read_write_mix: 1.5\n"},
          {"data_loss_word", ok + "tolerated_data_loss: sometimes\n"},
          {"exactly_once_word", ok + "exactly_once: perhaps\n"},
          {"nodes_zero", ok + "nodes: 0\n"},
          {"nodes_huge", ok + "nodes: 100000000000000000000\n"},
          {"nodes_fraction", ok + "nodes: 1.5\n"},
          {"skill_range", ok + "skills:\n  sql: 4\n"},
          {"skill_unknown", ok + "skills:\n  cobol: 2\n"},
          {"skills_scalar", ok + "skills: 3\n"},
          {"checkpoint_interval_negative", ok + "checkpoint_interval: -1min\n"},
          {"memory_word", ok + "memory_per_node: lots\n"},
          {"unknown_key", ok + "colour: blue\n"},
          {"duplicate_key", ok + "state_size: 2GiB\n"},
          {"name_list", ok + "name: [a, b]\n"},
          {"budget_duration", ok + "disk_write_budget: 5ms\n"},
          {"two_documents", ok + "---\n" + ok},
          {"latin1_name", ok + "name: caf\xe9\n"},
          {"name_5kb", ok + "name: " + std::string(5000, 'n') + "\n"},
          {"skills_duplicate", ok + "skills:\n  sql: 1\n  sql: 2\n"},
      },
      out);
}

void AddRulesCases(std::vector<MalformedCase>* out) {
  auto rule = [](const std::string& body) {
    return "rules:\n  - id: r\n" + body;
  };
  const std::string note = "    effect: note\n    reason: x\n";
  std::vector<std::pair<std::string, std::string>> list = {
      {"unit_mismatch",
       rule("    when: [profile.state_size, \">\", \"5ms\"]\n" + note)},
      {"ordering_text",
       rule("    when: [backend.name, \"<\", redis]\n" + note)},
      {"unknown_variable",
       rule("    when: [profile.nosuch, \">\", 1]\n" + note)},
      {"unknown_metric",
       rule("    when: [metric.nosuch.p99_ns, \">\", 1]\n" + note)},
      {"unknown_operator",
       rule("    when: [profile.state_size, \"=~\", \"1GiB\"]\n" + note)},
      {"unknown_effect", rule("    effect: explode\n    reason: x\n")},
      {"weight_on_veto",
       rule("    when: [derived.p99_latency, \">\", \"5ms\"]\n"
            "    effect: veto\n    weight: 3\n    reason: x\n")},
      {"veto_profile_only",
       rule("    when: [profile.state_size, \">\", \"1GiB\"]\n"
            "    effect: veto\n    reason: x\n")},
      {"duplicate_id", "rules:\n  - id: r\n" + note + "  - id: r\n" + note},
      {"unknown_key", rule(note + "    colour: blue\n")},
      {"rules_scalar", "rules: 5\n"},
      {"compare_two_items",
       rule("    when: [profile.state_size, \">\"]\n" + note)},
      {"between_scalar",
       rule("    when: [profile.state_size, between, \"1GiB\"]\n" + note)},
      {"not_list", rule("    when:\n      not: [[a], [b]]\n" + note)},
      {"mode_word", "mode: sideways\nrules: []\n"},
      {"version_two", "version: 2\nrules: []\n"},
      {"reason_unclosed",
       rule("    effect: note\n    reason: \"{profile.state_size\"\n")},
      {"reason_unknown_var",
       rule("    effect: note\n    reason: \"{nosuch.var}\"\n")},
      {"weight_word",
       rule("    when: [derived.p99_latency, \">\", \"5ms\"]\n"
            "    effect: score\n    weight: heavy\n    reason: x\n")},
      {"id_missing", "rules:\n  - effect: note\n    reason: x\n"},
      {"scale_word", rule("    when: [derived.checkpoint_duration, \">\", \"x "
                          "* profile.checkpoint_interval\"]\n" +
                          note)},
      {"number_huge",
       rule("    when: [profile.state_size, \">\", \"1e999GiB\"]\n" + note)},
      {"two_documents", rule(note) + "---\n" + rule(note)},
      {"reason_latin1", rule("    effect: note\n    reason: caf\xe9\n")},
      {"reason_5kb",
       rule("    effect: note\n    reason: " + std::string(5000, 'r') + "\n")},
  };
  AddContents(Slot::kRules, list, out);
}

std::vector<std::pair<std::string, Make>> TraceMutations() {
  auto header_end = [](const Fixtures& fx) -> size_t {
    const std::string& b = fx.trace_bytes;
    uint32_t len = 0;
    for (int i = 3; i >= 0; --i) len = len << 8 | uint8_t(b[12 + i]);
    return 16 + len + 4;
  };
  auto cut = [](std::function<size_t(const Fixtures&)> at) -> Make {
    return [at](const Fixtures& fx) {
      return fx.trace_bytes.substr(0, std::min(at(fx), fx.trace_bytes.size()));
    };
  };
  auto flip = [](std::function<size_t(const Fixtures&)> at) -> Make {
    return [at](const Fixtures& fx) {
      std::string b = fx.trace_bytes;
      b[at(fx) % b.size()] ^= 0x5a;
      return b;
    };
  };
  auto fixed = [](size_t n) { return [n](const Fixtures&) { return n; }; };
  auto after_header = [header_end](size_t n) {
    return [header_end, n](const Fixtures& fx) { return header_end(fx) + n; };
  };
  auto from_end = [](size_t n) {
    return [n](const Fixtures& fx) { return fx.trace_bytes.size() - n; };
  };
  auto text = [](std::function<std::string(std::string)> edit) -> Make {
    return [edit](const Fixtures& fx) { return edit(fx.text_trace); };
  };
  auto replace_line = [](std::string t, const std::string& prefix,
                         const std::string& line) {
    size_t at = t.find("\n" + prefix);
    if (at == std::string::npos) return t + "\n#no " + prefix;
    size_t end = t.find('\n', at + 1);
    return t.substr(0, at + 1) + line + t.substr(end);
  };
  return {
      {"cut_1", cut(fixed(1))},
      {"cut_7", cut(fixed(7))},
      {"cut_8", cut(fixed(8))},
      {"cut_12", cut(fixed(12))},
      {"cut_16", cut(fixed(16))},
      {"cut_20", cut(fixed(20))},
      {"cut_before_header_crc", cut(after_header(-2))},
      {"cut_after_header", cut(after_header(0))},
      {"cut_in_block_header", cut(after_header(5))},
      {"cut_in_block", cut(after_header(40))},
      {"cut_half",
       [](const Fixtures& fx) {
         return fx.trace_bytes.substr(0, fx.trace_bytes.size() / 2);
       }},
      {"cut_last_byte", cut(from_end(1))},
      {"cut_end_record", cut(from_end(20))},
      {"flip_version", flip(fixed(8))},
      {"flip_header_length", flip(fixed(14))},
      {"flip_header_payload", flip(fixed(22))},
      {"flip_block_type", flip(after_header(0))},
      {"flip_block_phase", flip(after_header(1))},
      {"flip_block_count", flip(after_header(3))},
      {"flip_block_length", flip(after_header(8))},
      {"flip_block_payload", flip(after_header(30))},
      {"flip_end_checksum", flip(from_end(3))},
      {"flip_end_count", flip(from_end(12))},
      {"header_length_huge",
       [](const Fixtures& fx) {
         std::string b = fx.trace_bytes;
         b.replace(12, 4, "\xff\xff\xff\x7f");
         return b;
       }},
      {"block_length_huge",
       [header_end](const Fixtures& fx) {
         std::string b = fx.trace_bytes;
         b.replace(header_end(fx) + 6, 4, "\xff\xff\xff\xff");
         return b;
       }},
      {"appended_byte",
       [](const Fixtures& fx) { return fx.trace_bytes + "x"; }},
      {"twice",
       [](const Fixtures& fx) { return fx.trace_bytes + fx.trace_bytes; }},
      {"magic_only", Constant("SBTRACE")},
      {"text_magic_only", Constant("statebench-trace 1\n")},
      {"text_wrong_version", text([](std::string t) {
         return "statebench-trace 9" + t.substr(t.find('\n'));
       })},
      {"text_bad_header_line", text([replace_line](std::string t) {
         return replace_line(t, "seed ", "seed forty-two");
       })},
      {"text_op_fields", text([replace_line](std::string t) {
         return replace_line(t, "load ", "load value_put 1 2");
       })},
      {"text_op_unknown", text([replace_line](std::string t) {
         return replace_line(t, "load ", "load value_frob 0 0 0 k - - v - 0");
       })},
      {"text_op_state", text([replace_line](std::string t) {
         return replace_line(t, "load ", "load value_put 0 0 99 k - - v - 0");
       })},
      {"text_op_percent", text([replace_line](std::string t) {
         return replace_line(t, "load ", "load value_put 0 0 0 %zz - - v - 0");
       })},
      {"text_no_end",
       text([](std::string t) { return t.substr(0, t.rfind("\nend ") + 1); })},
      {"text_end_checksum", text([](std::string t) {
         size_t at = t.rfind("\nend ");
         return t.substr(0, at) + "\nend 1 0000000000000000\n";
       })},
      {"text_after_end", text([](std::string t) { return t + "load\n"; })},
      {"text_cut_mid_line",
       text([](std::string t) { return t.substr(0, t.size() / 2); })},
  };
}

std::vector<std::pair<std::string, Make>> ResultsMutations() {
  using nlohmann::json;
  auto edit = [](std::function<void(json*)> f) -> Make {
    return [f](const Fixtures& fx) { return JsonMutation(fx.results_text, f); };
  };
  auto text = [](std::function<std::string(const std::string&)> f) -> Make {
    return [f](const Fixtures& fx) { return f(fx.results_text); };
  };
  return {
      {"schema_other",
       edit([](json* j) { (*j)["schema"] = "statebench.results/2"; })},
      {"schema_missing", edit([](json* j) { j->erase("schema"); })},
      {"schema_number", edit([](json* j) { (*j)["schema"] = 1; })},
      {"runs_number", edit([](json* j) { (*j)["runs"] = 5; })},
      {"runs_null_entry",
       edit([](json* j) { (*j)["runs"].push_back(nullptr); })},
      {"backend_number", edit([](json* j) { (*j)["runs"][0]["backend"] = 5; })},
      {"status_list",
       edit([](json* j) { (*j)["runs"][0]["status"] = json::array(); })},
      {"repetitions_word",
       edit([](json* j) { (*j)["runs"][0]["repetitions"] = "many"; })},
      {"ops_per_s_word", edit([](json* j) {
         (*j)["runs"][0]["repetitions"][0]["ops_per_s"] = "fast";
       })},
      {"summary_list",
       edit([](json* j) { (*j)["runs"][0]["summary"] = json::array(); })},
      {"checkpoints_word", edit([](json* j) {
         (*j)["runs"][0]["repetitions"][0]["checkpoints"] = "none";
       })},
      {"op_entry_number", edit([](json* j) {
         (*j)["runs"][0]["repetitions"][0]["ops"] = json::array({5});
       })},
      {"context_list", edit([](json* j) { (*j)["context"] = json::array(); })},
      {"nan_literal", text([](const std::string& t) {
         std::string s = t;
         size_t at = s.find("\"ops_per_s\": ");
         if (at != std::string::npos) s.insert(at + 13, "NaN, \"x\": ");
         return s;
       })},
      {"number_overflow", text([](const std::string& t) {
         std::string s = t;
         size_t at = s.find("\"ops_per_s\": ");
         if (at != std::string::npos) s.insert(at + 13, "1e999, \"x\": ");
         return s;
       })},
      {"cut_third",
       text([](const std::string& t) { return t.substr(0, t.size() / 3); })},
      {"cut_last_byte",
       text([](const std::string& t) { return t.substr(0, t.size() - 2); })},
      {"trailing_garbage", text([](const std::string& t) { return t + "}"; })},
      {"two_documents", text([](const std::string& t) { return t + t; })},
      {"empty_object", Constant("{}")},
      {"array_root", Constant("[]")},
      // json::parse keeps one of two equal keys silently.
      {"duplicate_key", text([](const std::string& t) {
         std::string s = t;
         size_t at = s.find("\"backend\": ");
         if (at != std::string::npos) s.insert(at, "\"backend\": \"fs\", ");
         return s;
       })},
      {"parallelism_negative",
       edit([](json* j) { (*j)["runs"][0]["parallelism"] = -1; })},
      {"count_30_digits", text([](const std::string& t) {
         std::string s = t;
         size_t at = s.find("\"measure_ops\": ");
         if (at != std::string::npos) {
           s.insert(at + 15, "123456789012345678901234567890, \"x\": ");
         }
         return s;
       })},
      {"count_negative", edit([](json* j) {
         (*j)["runs"][0]["repetitions"][0]["measure_ops"] = -5;
       })},
      {"duration_negative", edit([](json* j) {
         (*j)["runs"][0]["repetitions"][0]["measure_duration_s"] = -1.5;
       })},
      {"string_100kb", edit([](json* j) {
         (*j)["runs"][0]["failure_reason"] = std::string(100000, 'x');
       })},
  };
}

void AddFlagCases(std::vector<MalformedCase>* out) {
  struct F {
    std::string name, expect;
    std::vector<std::string> args;
  };
  const std::vector<std::string> run = {"run",        "-b",  "memory", "-q",
                                        "--duration", "0.1", "-o",     "{OUT}"};
  auto r = [&run](std::initializer_list<std::string> more) {
    std::vector<std::string> v = run;
    v.insert(v.end(), more);
    return v;
  };
  const std::vector<F> flags = {
      {"keys_zero", "--keys", r({"--keys", "0"})},
      {"keys_negative", "--keys", r({"--keys", "-1"})},
      {"keys_huge", "--keys", r({"--keys", "99999999999999999999999"})},
      {"keys_word", "--keys", r({"--keys", "many"})},
      {"parallelism_zero", "--parallelism", r({"-p", "0"})},
      {"parallelism_huge", "--parallelism", r({"-p", "5000"})},
      {"duration_zero", "--duration", r({"--duration", "0"})},
      {"duration_nan", "--duration", r({"--duration", "nan"})},
      {"duration_inf", "--duration", r({"--duration", "inf"})},
      {"zipf_theta_two", "--zipf-theta", r({"--zipf-theta", "2"})},
      {"read_fraction_negative", "--read-fraction",
       r({"--read-fraction", "-0.1"})},
      {"distribution_word", "--distribution",
       r({"--distribution", "gaussian"})},
      {"checkpoint_type_word", "--checkpoint-type",
       r({"--checkpoint-type", "partial"})},
      {"checkpoint_timeout_zero", "--checkpoint-timeout",
       r({"--checkpoint-timeout", "0"})},
      {"checkpoint_interval_word", "--checkpoint-interval",
       r({"--checkpoint-interval", "often"})},
      {"backend_unknown",
       "no-such-backend",
       {"run", "-b", "no-such-backend", "-o", "{OUT}"}},
      {"backend_opt_no_equals", "--backend-opt", r({"--backend-opt", "cache"})},
      {"backend_opt_unknown_backend", "nosuch",
       r({"--backend-opt", "nosuch.x=1"})},
      {"set_unknown_field", "nosuch", r({"--set", "nosuch=1"})},
      {"set_no_equals", "--set", r({"--set", "key_count"})},
      {"set_bad_value", "key_count", r({"--set", "key_count=many"})},
      {"rate_negative", "--rate", r({"--rate", "-1"})},
      {"value_size_huge", "--value-size", r({"--value-size", "1000000000000"})},
      {"repetitions_zero", "--repetitions", r({"-r", "0"})},
      {"workload_unknown", "no-such-workload",
       r({"--workload", "no-such-workload"})},
      {"events_word", "--events", r({"--events", "some"})},
      {"max_parallelism_zero", "--max-parallelism",
       r({"--max-parallelism", "0"})},
      {"warmup_negative", "--warmup", r({"--warmup", "-1"})},
      {"unknown_flag", "--frobnicate", r({"--frobnicate"})},
      {"unknown_command", "subcommand", {"frobnicate", "-o", "{OUT}"}},
      {"run_no_backend", "--backend", {"run", "-o", "{OUT}"}},
      {"compare_unknown_backend",
       "nosuch",
       {"compare", "--backends", "memory,nosuch", "-o", "{OUT}"}},
      {"report_format",
       "--format",
       {"report", "{R}", "--format", "pdf", "--output", "{OUT}"}},
      {"report_no_input", "results", {"report", "--output", "{OUT}"}},
      {"advise_format",
       "--format",
       {"advise", "--profile", "{P}", "--results", "{R}", "--format", "pdf",
        "--output", "{OUT}"}},
      {"advise_explain_unknown",
       "nosuch",
       {"advise", "--explain", "nosuch", "--output", "{OUT}"}},
      {"gate_alpha",
       "--alpha",
       {"gate", "--baseline", "{R}", "--current", "{R}", "--alpha", "2",
        "--json", "{OUT}"}},
      {"gate_threshold",
       "--threshold",
       {"gate", "--baseline", "{R}", "--current", "{R}", "--threshold",
        "throughput=lots", "--json", "{OUT}"}},
      {"gate_method",
       "--method",
       {"gate", "--baseline", "{R}", "--current", "{R}", "--method", "bayes",
        "--json", "{OUT}"}},
      {"gate_no_current",
       "--current",
       {"gate", "--baseline", "{R}", "--json", "{OUT}"}},
      {"trace_with_nul_name", "--trace", r({"--trace", "{T}.nosuch"})},
      // Every argument may reach the JSON results (argv, paths, config).
      {"output_latin1",
       "-o",
       {"run", "-b", "memory", "-q", "--duration", "0.1", "-o",
        "{OUT}r\xe9.json"}},
      {"set_latin1", "--set", r({"--set", "ycsb.table=caf\xe9"})},
      {"set_5kb", "--set", r({"--set", "seed=" + std::string(5000, '1')})},
      {"backend_opt_latin1", "--backend-opt",
       r({"--backend-opt=memory.max_state_size=1\xe9"})},
      {"record_trace_latin1", "--record-trace",
       r({"--record-trace", "{OUT}\xe9"})},
      // Refused before the load by the heap-state estimate.
      {"heap_state_too_big", "--keys",
       r({"--keys", "1099511627776", "--value-size", "67108864"})},
  };
  for (const F& f : flags) {
    MalformedCase c;
    c.name = "flags_" + f.name;
    c.slot = Slot::kFlags;
    c.args = f.args;
    c.expect = f.expect;
    out->push_back(std::move(c));
  }
}

}  // namespace statebench::testing
