#include "bench/harness/context.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <regex>
#include <thread>

#include "backends/registry.h"

#ifndef STATEBENCH_VERSION
#define STATEBENCH_VERSION "0.0.0"
#endif
#ifndef STATEBENCH_GIT_SHA
#define STATEBENCH_GIT_SHA "unknown"
#endif
#ifndef STATEBENCH_BUILD_TYPE
#define STATEBENCH_BUILD_TYPE ""
#endif

namespace statebench {
namespace {

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto pos = line.find(':');
      if (pos != std::string::npos) return line.substr(pos + 2);
    }
  }
  return "unknown";
}

uint64_t MemoryBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb = 0;
  while (in >> key >> kb) {
    if (key == "MemTotal:") return kb * 1024;
    in.ignore(256, '\n');
  }
  return 0;
}

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

std::string RedactArgument(const std::string& arg) {
  static const std::regex kUserInfo(
      R"(([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*):[^@/\s]*@)");
  std::string out = std::regex_replace(arg, kUserInfo, "$1:***@");
  static const std::regex kSecretFlag(
      R"(^(--?[A-Za-z0-9_.-]*(password|passwd|secret|token|key)[A-Za-z0-9_.-]*=).*$)",
      std::regex::icase);
  out = std::regex_replace(out, kSecretFlag, "$1***");
  return out;
}

Context CollectContext(const std::string& command, int argc,
                       const char* const* argv) {
  Context c;
  c.statebench_version = STATEBENCH_VERSION;
  c.git_sha = STATEBENCH_GIT_SHA;
  c.build_type = STATEBENCH_BUILD_TYPE;
  if (c.build_type.empty()) c.build_type = "unspecified";
#if defined(__clang__)
  c.compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  c.compiler = std::string("gcc ") + __VERSION__;
#endif
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) == 0) c.host = host;
  struct utsname u;
  if (uname(&u) == 0) {
    c.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
  }
  c.cpu_model = CpuModel();
  c.cpu_count = static_cast<int>(std::thread::hardware_concurrency());
  c.memory_bytes = MemoryBytes();
  c.libraries = BackendLibraryVersions();
  c.started_at = NowUtc();
  c.command = command;
  for (int i = 0; i < argc; ++i) c.argv.push_back(RedactArgument(argv[i]));
  if (c.build_type == "Debug" || c.build_type == "unspecified") {
    c.warnings.push_back("build type is " + c.build_type +
                         ": numbers from an unoptimised build are not "
                         "representative (use the release preset)");
  }
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  c.warnings.push_back(
      "built with a sanitizer: numbers are not representative");
#endif
  return c;
}

}  // namespace statebench
