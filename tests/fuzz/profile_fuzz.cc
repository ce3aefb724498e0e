// Fuzzes the requirements profile reader (advisor/profile.h).
#include <cstddef>
#include <cstdint>

#include "advisor/profile.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto profile = statebench::advisor::ParseProfile(
      statebench::fuzz::AsString(data, size), "fuzz.yaml");
  if (profile.ok()) {
    (void)statebench::advisor::DataLossName(*profile);
  } else if (profile.status().message().empty()) {
    __builtin_trap();
  }
  return 0;
}
