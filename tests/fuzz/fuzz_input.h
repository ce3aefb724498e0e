// Shared helpers of the fuzz targets (tests/fuzz/*_fuzz.cc).
#ifndef STATEBENCH_TESTS_FUZZ_FUZZ_INPUT_H_
#define STATEBENCH_TESTS_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace statebench::fuzz {

inline std::string AsString(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace statebench::fuzz

#endif  // STATEBENCH_TESTS_FUZZ_FUZZ_INPUT_H_
