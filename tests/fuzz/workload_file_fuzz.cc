// Fuzzes the workload YAML reader (workloads/workload_file.h). A
// ycsb_properties path resolves against a directory that does not exist, so
// the target never reads other files.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_input.h"
#include "workloads/workload_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = statebench::fuzz::AsString(data, size);
  auto file = statebench::ParseWorkloadFile(text, "fuzz.yaml",
                                            "/nonexistent-statebench-fuzz");
  if (file.ok()) {
    (void)statebench::EstimatedBytesPerKey(file->spec);
  } else if (file.status().message().empty()) {
    __builtin_trap();  // every error must say what is wrong
  }
  (void)statebench::ParseByteSize(text);
  return 0;
}
