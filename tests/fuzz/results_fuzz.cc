// Fuzzes the results-file reader (reports/results/results.h ParseResults);
// files that parse are written back to JSON and parsed again, which must
// succeed.
#include <cstddef>
#include <cstdint>

#include "reports/results/results.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto results = statebench::ParseResults(
      statebench::fuzz::AsString(data, size), "fuzz.json");
  if (!results.ok()) {
    if (results.status().message().empty()) __builtin_trap();
    return 0;
  }
  auto again = statebench::ParseResults(statebench::ToJson(*results).dump(),
                                        "fuzz-roundtrip.json");
  if (!again.ok()) __builtin_trap();  // what we write we must read
  return 0;
}
