// Fuzzes the Flink configuration reader (workloads/flink_config.h) and
// Flink's value syntax (workloads/flink_values.h). What the reader accepts
// goes into the results JSON, so every note and recorded value must be
// UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/text_check.h"
#include "tests/fuzz/fuzz_input.h"
#include "workloads/flink_config.h"

namespace {

void RequireUtf8(std::string_view s) {
  if (statebench::FirstInvalidUtf8(s)) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = statebench::fuzz::AsString(data, size);
  auto config = statebench::ParseFlinkConfig(text, "fuzz.yaml");
  if (config.ok()) {
    for (const std::string& note : config->notes) RequireUtf8(note);
    for (const statebench::FlinkKeyUse& use : config->used) {
      RequireUtf8(use.key);
      RequireUtf8(use.value);
      if (use.sets.empty()) __builtin_trap();  // used means it set something
    }
  } else if (config.status().message().empty()) {
    __builtin_trap();  // every error must say what is wrong
  }
  (void)statebench::ParseFlinkDuration(text);
  (void)statebench::ParseFlinkMemorySize(text);
  return 0;
}
