// Fuzzes the YCSB property file reader (workloads/ycsb.h).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_input.h"
#include "workloads/ycsb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const statebench::WorkloadSpec kBase =
      statebench::DefaultWorkloadSpec("ycsb").value();
  auto file = statebench::ParseYcsbProperties(
      statebench::fuzz::AsString(data, size), "workload", kBase);
  if (!file.ok() && file.status().message().empty()) __builtin_trap();
  return 0;
}
