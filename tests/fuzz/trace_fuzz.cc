// Fuzzes the trace reader (workloads/trace.h), binary and text formats. The
// reader takes a path, so each input goes through a file of this process's
// own; OpenTraceWorkload reads it fully (CRCs, structure, checksum) and
// builds the replay workload from its header.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "workloads/trace.h"

namespace {

const std::string& TracePath() {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/statebench-fuzz-trace-" +
           std::to_string(getpid());
  }();
  return path;
}

bool WriteFile(const std::string& path, const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(data, 1, size, f) == size;
  return std::fclose(f) == 0 && ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = TracePath();
  if (!WriteFile(path, data, size)) return 0;
  auto workload = statebench::OpenTraceWorkload(path);
  if (workload.ok()) {
    statebench::Op op;
    auto load = (*workload)->LoadPhase(nullptr);
    while (load->Next(&op)) {
    }
    if (!load->status().ok()) __builtin_trap();  // it verified at open
  } else if (workload.status().message().empty()) {
    __builtin_trap();
  }
  std::remove(path.c_str());
  return 0;
}
