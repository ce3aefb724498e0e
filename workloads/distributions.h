// Deterministic random building blocks for workloads.
//
// Every draw is a pure function of (seed, stream position), so that a
// subtask that skips events not in its key groups sees, for the events it
// keeps, exactly what every other consumer of the same spec sees.
#ifndef STATEBENCH_WORKLOADS_DISTRIBUTIONS_H_
#define STATEBENCH_WORKLOADS_DISTRIBUTIONS_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace statebench {

// SplitMix64 finaliser: a high-quality 64-bit mix of one word.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A counter-based generator: the i-th draw of stream (seed, event) does not
// depend on any other stream.
class EventRng {
 public:
  EventRng(uint64_t seed, uint64_t event)
      : state_(Mix64(seed ^ Mix64(event))) {}
  uint64_t NextU64() { return Mix64(state_ += 0x632be59bd9b4e019ull); }
  // Uniform in [0, 1).
  double NextDouble() { return (NextU64() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n).
  uint64_t NextBelow(uint64_t n) {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(NextU64()) * n) >> 64);
  }

 private:
  uint64_t state_;
};

// YCSB's ZipfianGenerator over [0, n) with constant theta (Gray et al.,
// "Quickly generating billion-record synthetic databases"). Item 0 is the
// most popular. Construction computes zeta(n, theta) in O(n).
class ZipfianChooser {
 public:
  ZipfianChooser(uint64_t n, double theta);
  uint64_t Choose(double u) const;  // u uniform in [0, 1)
  uint64_t n() const { return n_; }
  double theta() const { return theta_; }

 private:
  uint64_t n_;
  double theta_, alpha_, zetan_, eta_, zeta2_;
};

// YCSB's ScrambledZipfianGenerator: zipfian ranks spread over the key space
// with FNV-1a 64, so that popular keys are not clustered.
uint64_t FnvHash64(uint64_t value);

// The canonical key for key id `id`: "key" + zero-padded decimal, `size`
// bytes long (at least as long as needed to hold the id).
std::string MakeKey(uint64_t id, uint32_t size);
void MakeKeyInto(uint64_t id, uint32_t size, std::string* out);

// Fills *out with `size` pseudo-random bytes chosen by `selector` from a
// fixed 1 MiB pool (incompressible, deterministic, no per-op RNG cost).
void FillValue(uint64_t selector, uint32_t size, std::string* out);

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_DISTRIBUTIONS_H_
