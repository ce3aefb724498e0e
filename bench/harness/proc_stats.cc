#include "bench/harness/proc_stats.h"

#include <fstream>
#include <sstream>
#include <string>

namespace statebench {
namespace {

std::optional<uint64_t> ReadStatusField(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) {
      std::istringstream fields(line.substr(std::string(field).size()));
      uint64_t kb = 0;
      if (fields >> kb) return kb * 1024;
    }
  }
  return std::nullopt;
}

}  // namespace

IoCounters ReadProcessIo(int pid) {
  IoCounters out;
  std::string path =
      pid == 0 ? "/proc/self/io" : "/proc/" + std::to_string(pid) + "/io";
  std::ifstream in(path);
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value) {
    if (key == "write_bytes:") out.write_bytes = value;
    if (key == "read_bytes:") out.read_bytes = value;
  }
  return out;
}

void ResetPeakRss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

std::optional<uint64_t> ReadPeakRss() { return ReadStatusField("VmHWM:"); }
std::optional<uint64_t> ReadCurrentRss() { return ReadStatusField("VmRSS:"); }

}  // namespace statebench
