// Deterministic random building blocks for workloads.
//
// Every draw is a pure function of (seed, event index, draw number), so that
// a subtask that skips events not in its key groups sees, for the events it
// keeps, exactly what every other consumer of the same spec sees. Choosers
// that keep state (the "latest" distribution tracks the record count) are
// updated from every event, accepted or not, so their state does not depend
// on the filter either.
//
// Thread safety: EventRng, KeyChooser and ValueSizeChooser are values with
// one owner; the free functions are pure and thread-safe.
#ifndef STATEBENCH_WORKLOADS_DISTRIBUTIONS_H_
#define STATEBENCH_WORKLOADS_DISTRIBUTIONS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

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
  double NextDouble() {
    return static_cast<double>(NextU64() >> 11) * 0x1.0p-53;
  }
  // Uniform in [0, n); 0 when n == 0.
  uint64_t NextBelow(uint64_t n) {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(NextU64()) * n) >> 64);
  }

 private:
  uint64_t state_;
};

// zeta(n, theta) = sum_{i=1..n} i^-theta. Exact summation up to 100,000
// terms, Euler-Maclaurin beyond (relative error below 1e-12), so that it is
// cheap for YCSB's 10^10-item scrambled key space.
double Zeta(uint64_t n, double theta);

// YCSB's ZipfianGenerator over [0, n) with constant theta (Gray et al.,
// "Quickly generating billion-record synthetic databases"). Item 0 is the
// most popular. Construction is O(1) given zeta(n) (see Zeta()).
class ZipfianChooser {
 public:
  ZipfianChooser() = default;
  ZipfianChooser(uint64_t n, double theta);
  ZipfianChooser(uint64_t n, double theta, double zetan);
  // u uniform in [0, 1).
  uint64_t Choose(double u) const {
    if (!head_.empty()) {
      auto bucket = static_cast<size_t>(u * kHeadBuckets);
      if (bucket < head_.size() && head_[bucket] != kNoRank) {
        return head_[bucket];
      }
    }
    return ChooseExact(u);
  }
  // Precomputes the rank of every u-bucket (of 2^15) over which Choose() is
  // constant, so that most draws of the popular head skip pow(). Draws do
  // not change. Costs ~1e5 pow() once.
  void BuildHeadTable();
  // Extends the item count to `n` >= n(), updating zeta incrementally as
  // YCSB does when its item count grows. Drops the head table.
  void Grow(uint64_t n);
  uint64_t n() const { return n_; }
  double theta() const { return theta_; }
  double zetan() const { return zetan_; }

 private:
  static constexpr size_t kHeadBuckets = size_t{1} << 15;
  static constexpr uint16_t kNoRank = 0xffff;

  uint64_t ChooseExact(double u) const;
  void ComputeEta();

  std::vector<uint16_t> head_;  // rank per u-bucket, or kNoRank
  uint64_t n_ = 1;
  double theta_ = 0.99, alpha_ = 100, zetan_ = 1, eta_ = 0, zeta2_ = 1;
  double half_pow_theta_ = 0.5;
};

// YCSB's Utils.fnvhash64: FNV-1 64 over the 8 bytes of `value`, low byte
// first, made non-negative as Java's Math.abs does.
uint64_t FnvHash64(uint64_t value);

enum class KeyDistribution {
  kUniform,      // every initial key equally likely
  kZipfian,      // zipfian ranks spread over the keys by FNV (scrambled)
  kHotspot,      // a fraction of keys gets a fraction of the draws
  kLatest,       // zipfian over recency: the newest record is the favourite
  kSequential,   // key ids in order, wrapping around
  kExponential,  // YCSB's exponential over recency
};
inline constexpr KeyDistribution kAllKeyDistributions[] = {
    KeyDistribution::kUniform,    KeyDistribution::kZipfian,
    KeyDistribution::kHotspot,    KeyDistribution::kLatest,
    KeyDistribution::kSequential, KeyDistribution::kExponential};
std::string_view KeyDistributionName(KeyDistribution d);
// InvalidArgument listing the known names.
Result<KeyDistribution> ParseKeyDistribution(std::string_view name);

struct KeyChooserParams {
  KeyDistribution distribution = KeyDistribution::kZipfian;
  uint64_t key_count = 1;  // records present before the run
  // Zipfian: extra key space reserved for records inserted during the run
  // (YCSB's "expectednewkeys"); draws beyond the current count are redrawn.
  uint64_t expected_new_keys = 0;
  // Zipfian: false draws ranks from zipf(theta) over the key space itself
  // (so the rank-frequency slope is -theta); true draws them from YCSB's
  // fixed space of 10^10 items as ScrambledZipfianGenerator does, which
  // flattens the head on small key spaces exactly as YCSB's numbers are.
  bool ycsb_item_space = false;
  double zipf_theta = 0.99;
  double hotspot_data_fraction = 0.2;
  double hotspot_op_fraction = 0.8;
  double exponential_percentile = 95;
  double exponential_frac = 0.8571428571;
};

// Chooses key ids. Cheap to copy; each OpSource owns one.
class KeyChooser {
 public:
  explicit KeyChooser(const KeyChooserParams& params);
  // A key id in [0, record_count), record_count >= params.key_count (it
  // grows as the workload inserts). `sequence` is the draw's ordinal, used by
  // the sequential distribution.
  uint64_t Next(EventRng* rng, uint64_t record_count, uint64_t sequence);
  const KeyChooserParams& params() const { return params_; }

 private:
  KeyChooserParams params_;
  ZipfianChooser zipf_;
  uint64_t zipf_space_ = 1;  // kZipfian: key space the ranks are hashed onto
  std::vector<uint64_t> head_ids_;  // kZipfian: key id of the top ranks
  uint64_t hot_keys_ = 0;           // kHotspot
  double exp_gamma_ = 1;            // kExponential
};

enum class ValueSizeDistribution { kFixed, kUniform, kSkewed };
std::string_view ValueSizeDistributionName(ValueSizeDistribution d);
Result<ValueSizeDistribution> ParseValueSizeDistribution(std::string_view name);

// Value sizes in [min, max]: fixed (always max), uniform, or skewed
// (zipfian with theta 0.99 over the sizes, smallest most likely, as YCSB's
// "zipfian" field length distribution).
class ValueSizeChooser {
 public:
  ValueSizeChooser(ValueSizeDistribution d, uint32_t min, uint32_t max);
  uint32_t Next(EventRng* rng) const {
    switch (distribution_) {
      case ValueSizeDistribution::kFixed:
        return max_;
      case ValueSizeDistribution::kUniform:
        return min_ + static_cast<uint32_t>(rng->NextBelow(max_ - min_ + 1));
      case ValueSizeDistribution::kSkewed:
        return min_ + static_cast<uint32_t>(zipf_.Choose(rng->NextDouble()));
    }
    return max_;
  }
  double Mean() const;

 private:
  ValueSizeDistribution distribution_;
  uint32_t min_, max_;
  ZipfianChooser zipf_;
};

// The canonical key for key id `id`: "key" + zero-padded decimal, `size`
// bytes long (at least as long as needed to hold the id).
std::string MakeKey(uint64_t id, uint32_t size);
void MakeKeyInto(uint64_t id, uint32_t size, std::string* out);

// YCSB's CoreWorkload.buildKeyName: "user" + (hashed ? fnvhash64(n) : n),
// the number left-padded with zeros to `zero_padding` digits.
void MakeYcsbKeyInto(uint64_t keynum, uint32_t zero_padding, bool hashed,
                     std::string* out);

// Fills *out with `size` pseudo-random bytes chosen by `selector` from a
// fixed 1 MiB pool (incompressible, deterministic, no per-op RNG cost).
void FillValue(uint64_t selector, uint32_t size, std::string* out);

// 8-byte big-endian encoding of a signed value, as Flink's LongSerializer
// writes it. Appends to *out.
void AppendBigEndian64(int64_t v, std::string* out);
int64_t ReadBigEndian64(std::string_view bytes);  // first 8 bytes

}  // namespace statebench

#endif  // STATEBENCH_WORKLOADS_DISTRIBUTIONS_H_
