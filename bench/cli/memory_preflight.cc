#include "bench/cli/memory_preflight.h"

#include <sys/resource.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "workloads/workload_file.h"

namespace statebench {
namespace {

std::string GiB(double bytes) {
  std::ostringstream s;
  s.precision(bytes >= 10.0 * (1ull << 30) ? 0 : 2);
  s << std::fixed << bytes / static_cast<double>(1ull << 30) << " GiB";
  return s.str();
}

}  // namespace

std::optional<uint64_t> EstimatedHeapStateBytes(const WorkloadSpec& spec) {
  // The load phase writes one entry set per key for these; the others
  // build their state from the input.
  if (spec.name == "trace" || !KeyCountForStateSize(spec, 1).ok()) {
    return std::nullopt;
  }
  const double per_key =
      EstimatedBytesPerKey(spec) + static_cast<double>(kHeapEntryOverheadBytes);
  const double total = per_key * static_cast<double>(spec.key_count);
  if (!std::isfinite(total) || total >= 1.8e19) return UINT64_MAX;
  return static_cast<uint64_t>(total);
}

std::optional<uint64_t> AvailableMemoryBytes() {
  std::optional<uint64_t> available;
  std::ifstream in("/proc/meminfo");
  std::string name;
  uint64_t kib = 0;
  std::string unit;
  while (in >> name >> kib) {
    std::getline(in, unit);
    if (name == "MemAvailable:") {
      available = kib * 1024;
      break;
    }
  }
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    const uint64_t as = static_cast<uint64_t>(limit.rlim_cur);
    if (!available || as < *available) available = as;
  }
  return available;
}

Status CheckHeapStateFits(const std::string& backend, const WorkloadSpec& spec,
                          uint64_t available) {
  std::optional<uint64_t> need = EstimatedHeapStateBytes(spec);
  if (!need || *need <= available) return Status::Ok();
  return Status::InvalidArgument(
      backend + " holds its state on the heap: " +
      std::to_string(spec.key_count) + " keys x (" +
      std::to_string(
          static_cast<uint64_t>(std::llround(EstimatedBytesPerKey(spec)))) +
      " bytes of key and value + " + std::to_string(kHeapEntryOverheadBytes) +
      " bytes per entry) is at least " + GiB(static_cast<double>(*need)) +
      ", and this machine has " + GiB(static_cast<double>(available)) +
      " available; lower --keys, --key-size or --value-size (or the workload "
      "file's key_count, state_size or value_size), or use rocksdb, which "
      "keeps state on disk");
}

}  // namespace statebench
