#include "workloads/distributions.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

namespace statebench {
namespace {

// YCSB's ScrambledZipfianGenerator draws ranks from 10^10 items and hashes
// them onto the key space, so that the popular keys do not depend on the
// key count; the constant is its precomputed zeta(10^10, 0.99).
constexpr uint64_t kYcsbZipfItemCount = 10000000000ull;
constexpr double kYcsbZipfConstant = 0.99;
constexpr double kYcsbZetan = 26.46902820178302;

constexpr uint64_t kExactZetaTerms = 100000;
// Values are copied from random offsets of this pool: small enough to stay
// in a core's L2 cache (a 1 MiB pool made the copy the largest cost of
// generation), large enough that values in one storage block rarely
// overlap, so they stay incompressible.
constexpr size_t kPoolSize = 256 << 10;
constexpr size_t kPoolSlack = 1 << 16;

double PowNeg(double i, double theta) { return 1.0 / std::pow(i, theta); }

const std::string& ValuePool() {
  // Leaked on purpose: a function-local static that is never destroyed
  // cannot be used after destruction by another static's destructor.
  static const std::string* pool = [] {
    auto p = std::make_unique<std::string>(kPoolSize + kPoolSlack, '\0');
    uint64_t s = 0x5eed;
    for (size_t i = 0; i < p->size(); i += 8) {
      uint64_t r = Mix64(s++);
      std::memcpy(p->data() + i, &r, std::min<size_t>(8, p->size() - i));
    }
    return p.release();
  }();
  return *pool;
}

}  // namespace

double Zeta(uint64_t n, double theta) {
  if (n <= kExactZetaTerms) {
    double sum = 0;
    for (uint64_t i = 1; i <= n; ++i)
      sum += PowNeg(static_cast<double>(i), theta);
    return sum;
  }
  // sum_{i<K} i^-t + integral_K^N x^-t dx + (f(K) + f(N)) / 2
  //   + (f'(N) - f'(K)) / 12, with f(x) = x^-t.
  constexpr uint64_t k = 1000;
  double sum = 0;
  for (uint64_t i = 1; i < k; ++i) sum += PowNeg(static_cast<double>(i), theta);
  const double kd = static_cast<double>(k);
  const double nd = static_cast<double>(n);
  double integral =
      std::abs(theta - 1.0) < 1e-12
          ? std::log(nd / kd)
          : (std::pow(nd, 1 - theta) - std::pow(kd, 1 - theta)) / (1 - theta);
  double ends = (PowNeg(kd, theta) + PowNeg(nd, theta)) / 2;
  double derivs =
      theta * (std::pow(kd, -theta - 1) - std::pow(nd, -theta - 1)) / 12;
  return sum + integral + ends + derivs;
}

ZipfianChooser::ZipfianChooser(uint64_t n, double theta)
    : ZipfianChooser(n, theta, Zeta(n, theta)) {}

ZipfianChooser::ZipfianChooser(uint64_t n, double theta, double zetan)
    : n_(std::max<uint64_t>(n, 1)), theta_(theta), zetan_(zetan) {
  zeta2_ = 1 + std::pow(0.5, theta);
  alpha_ = 1.0 / (1.0 - theta);
  half_pow_theta_ = std::pow(0.5, theta);
  ComputeEta();
}

void ZipfianChooser::ComputeEta() {
  eta_ = (1 - std::pow(2.0 / static_cast<double>(n_), 1 - theta_)) /
         (1 - zeta2_ / zetan_);
}

void ZipfianChooser::BuildHeadTable() {
  std::vector<uint16_t> table(kHeadBuckets, kNoRank);
  const double one = 1.0, two = 1.0 + half_pow_theta_;
  size_t used = 0;
  for (size_t b = 0; b < kHeadBuckets; ++b) {
    const double lo = static_cast<double>(b) / kHeadBuckets;
    const double hi =
        std::nextafter(static_cast<double>(b + 1) / kHeadBuckets, 0.0);
    // Within one region of ChooseExact (uz < 1, uz < 1 + 0.5^theta, the
    // pow() formula) the rank is monotone in u, so equal ends mean a
    // constant bucket; a bucket spanning a region boundary is left alone.
    const double lz = lo * zetan_, hz = hi * zetan_;
    const bool spans = (lz < one) != (hz < one) || (lz < two) != (hz < two);
    const uint64_t r = ChooseExact(lo);
    if (!spans && r < kNoRank && r == ChooseExact(hi)) {
      table[b] = static_cast<uint16_t>(r);
      used = b + 1;
    }
  }
  table.resize(used);
  head_ = std::move(table);
}

void ZipfianChooser::Grow(uint64_t n) {
  if (n <= n_) return;
  head_.clear();
  for (uint64_t i = n_ + 1; i <= n; ++i) {
    zetan_ += PowNeg(static_cast<double>(i), theta_);
  }
  n_ = n;
  ComputeEta();
}

uint64_t ZipfianChooser::ChooseExact(double u) const {
  double uz = u * zetan_;
  if (uz < 1.0) return 0;
  if (uz < 1.0 + half_pow_theta_) return n_ > 1 ? 1 : 0;
  auto r = static_cast<uint64_t>(static_cast<double>(n_) *
                                 std::pow(eta_ * u - eta_ + 1, alpha_));
  return r >= n_ ? n_ - 1 : r;
}

uint64_t FnvHash64(uint64_t value) {
  uint64_t hash = 0xCBF29CE484222325ull;
  for (int i = 0; i < 8; ++i) {
    hash ^= value & 0xff;
    hash *= 1099511628211ull;
    value >>= 8;
  }
  auto s = static_cast<int64_t>(hash);
  // Math.abs(Long.MIN_VALUE) stays negative in Java; map it to 0 instead.
  if (s == INT64_MIN) return 0;
  return static_cast<uint64_t>(s < 0 ? -s : s);
}

std::string_view KeyDistributionName(KeyDistribution d) {
  switch (d) {
    case KeyDistribution::kUniform:
      return "uniform";
    case KeyDistribution::kZipfian:
      return "zipfian";
    case KeyDistribution::kHotspot:
      return "hotspot";
    case KeyDistribution::kLatest:
      return "latest";
    case KeyDistribution::kSequential:
      return "sequential";
    case KeyDistribution::kExponential:
      return "exponential";
  }
  return "unknown";
}

Result<KeyDistribution> ParseKeyDistribution(std::string_view name) {
  std::string known;
  for (KeyDistribution d : kAllKeyDistributions) {
    if (KeyDistributionName(d) == name) return d;
    known += (known.empty() ? "" : ", ") + std::string(KeyDistributionName(d));
  }
  return Status::InvalidArgument("key distribution '" + std::string(name) +
                                 "' is unknown; use one of: " + known);
}

KeyChooser::KeyChooser(const KeyChooserParams& params) : params_(params) {
  params_.key_count = std::max<uint64_t>(params_.key_count, 1);
  const uint64_t n = params_.key_count;
  switch (params_.distribution) {
    case KeyDistribution::kZipfian: {
      zipf_space_ = n + params_.expected_new_keys;
      if (params_.ycsb_item_space) {
        double zetan = params_.zipf_theta == kYcsbZipfConstant
                           ? kYcsbZetan
                           : Zeta(kYcsbZipfItemCount, params_.zipf_theta);
        zipf_ = ZipfianChooser(kYcsbZipfItemCount, params_.zipf_theta, zetan);
      } else {
        zipf_ = ZipfianChooser(zipf_space_, params_.zipf_theta);
      }
      zipf_.BuildHeadTable();
      // The popular ranks' key ids, so that most draws skip the hash.
      for (uint64_t r = 0; r < 4096; ++r) {
        head_ids_.push_back(FnvHash64(r) % zipf_space_);
      }
      break;
    }
    case KeyDistribution::kLatest:
      zipf_ = ZipfianChooser(n, params_.zipf_theta);
      zipf_.BuildHeadTable();
      break;
    case KeyDistribution::kHotspot:
      hot_keys_ = static_cast<uint64_t>(static_cast<double>(n) *
                                        params_.hotspot_data_fraction);
      break;
    case KeyDistribution::kExponential:
      exp_gamma_ = -std::log(1.0 - params_.exponential_percentile / 100.0) /
                   (static_cast<double>(n) * params_.exponential_frac);
      break;
    default:
      break;
  }
}

uint64_t KeyChooser::Next(EventRng* rng, uint64_t record_count,
                          uint64_t sequence) {
  const uint64_t n = params_.key_count;
  record_count = std::max<uint64_t>(record_count, 1);
  switch (params_.distribution) {
    case KeyDistribution::kUniform:
      return rng->NextBelow(std::min(n, record_count));
    case KeyDistribution::kZipfian:
      // Redraw ranks that land on records not inserted yet, as YCSB does;
      // bounded so that a tiny record count cannot loop for long.
      for (int attempt = 0; attempt < 64; ++attempt) {
        const uint64_t rank = zipf_.Choose(rng->NextDouble());
        const uint64_t id = rank < head_ids_.size()
                                ? head_ids_[rank]
                                : FnvHash64(rank) % zipf_space_;
        if (id < record_count) return id;
      }
      return rng->NextBelow(record_count);
    case KeyDistribution::kHotspot: {
      const uint64_t hot = std::min(hot_keys_, n);
      const uint64_t cold = n - hot;
      bool pick_hot = rng->NextDouble() < params_.hotspot_op_fraction;
      if (hot > 0 && (pick_hot || cold == 0)) return rng->NextBelow(hot);
      return hot + rng->NextBelow(cold);
    }
    case KeyDistribution::kLatest:
      zipf_.Grow(record_count);
      return record_count - 1 - zipf_.Choose(rng->NextDouble());
    case KeyDistribution::kSequential:
      return sequence % std::min(n, record_count);
    case KeyDistribution::kExponential:
      for (int attempt = 0; attempt < 64; ++attempt) {
        double u = 1.0 - rng->NextDouble();  // (0, 1]: log stays finite
        auto back = static_cast<uint64_t>(-std::log(u) / exp_gamma_);
        if (back < record_count) return record_count - 1 - back;
      }
      return record_count - 1;
  }
  return 0;
}

std::string_view ValueSizeDistributionName(ValueSizeDistribution d) {
  switch (d) {
    case ValueSizeDistribution::kFixed:
      return "fixed";
    case ValueSizeDistribution::kUniform:
      return "uniform";
    case ValueSizeDistribution::kSkewed:
      return "skewed";
  }
  return "unknown";
}

Result<ValueSizeDistribution> ParseValueSizeDistribution(
    std::string_view name) {
  if (name == "fixed" || name == "constant")
    return ValueSizeDistribution::kFixed;
  if (name == "uniform") return ValueSizeDistribution::kUniform;
  if (name == "skewed" || name == "zipfian")
    return ValueSizeDistribution::kSkewed;
  return Status::InvalidArgument("value size distribution '" +
                                 std::string(name) +
                                 "' is unknown; use fixed, uniform or skewed");
}

ValueSizeChooser::ValueSizeChooser(ValueSizeDistribution d, uint32_t min,
                                   uint32_t max)
    : distribution_(d), min_(std::min(min, max)), max_(max) {
  if (d == ValueSizeDistribution::kSkewed) {
    zipf_ = ZipfianChooser(static_cast<uint64_t>(max_ - min_) + 1, 0.99);
  }
}

double ValueSizeChooser::Mean() const {
  switch (distribution_) {
    case ValueSizeDistribution::kFixed:
      return max_;
    case ValueSizeDistribution::kUniform:
      return (static_cast<double>(min_) + max_) / 2;
    case ValueSizeDistribution::kSkewed: {
      // sum_i (min + i) p(i) with p(i) = (i+1)^-theta / zeta.
      double sum = 0;
      const uint64_t n = static_cast<uint64_t>(max_ - min_) + 1;
      for (uint64_t i = 0; i < n; ++i) {
        sum += (min_ + static_cast<double>(i)) *
               PowNeg(static_cast<double>(i + 1), 0.99);
      }
      return sum / zipf_.zetan();
    }
  }
  return max_;
}

void MakeKeyInto(uint64_t id, uint32_t size, std::string* out) {
  // Digits are written back to front into a zero-filled buffer, two at a
  // time: this runs once per generated op.
  static constexpr char kPairs[] =
      "00010203040506070809101112131415161718192021222324252627282930313233"
      "34353637383940414243444546474849505152535455565758596061626364656667"
      "6869707172737475767778798081828384858687888990919293949596979899";
  char digits[24];
  char* end = digits + sizeof(digits);
  char* p = end;
  while (id >= 100) {
    p -= 2;
    std::memcpy(p, kPairs + 2 * (id % 100), 2);
    id /= 100;
  }
  if (id >= 10) {
    p -= 2;
    std::memcpy(p, kPairs + 2 * id, 2);
  } else {
    *--p = static_cast<char>('0' + id);
  }
  const size_t n = static_cast<size_t>(end - p);
  const size_t total = std::max<size_t>(size, 3 + n);
  out->resize(total);
  char* d = out->data();
  std::memcpy(d, "key", 3);
  std::memset(d + 3, '0', total - 3 - n);
  std::memcpy(d + total - n, p, n);
}

std::string MakeKey(uint64_t id, uint32_t size) {
  std::string k;
  MakeKeyInto(id, size, &k);
  return k;
}

void MakeYcsbKeyInto(uint64_t keynum, uint32_t zero_padding, bool hashed,
                     std::string* out) {
  uint64_t v = hashed ? FnvHash64(keynum) : keynum;
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  size_t width = std::max<size_t>(zero_padding, static_cast<size_t>(n));
  out->assign(4 + width, '0');
  std::memcpy(out->data(), "user", 4);
  for (int i = 0; i < n; ++i) (*out)[out->size() - 1 - i] = digits[i];
}

void FillValue(uint64_t selector, uint32_t size, std::string* out) {
  const std::string& pool = ValuePool();
  if (size > kPoolSlack) {
    out->resize(size);
    for (uint32_t i = 0; i < size; i += 8) {
      uint64_t r = Mix64(selector + i);
      std::memcpy(out->data() + i, &r, std::min<uint32_t>(8, size - i));
    }
    return;
  }
  size_t off = Mix64(selector) % kPoolSize;
  out->assign(pool.data() + off, size);
}

void AppendBigEndian64(int64_t v, std::string* out) {
  auto u = static_cast<uint64_t>(v);
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(u & 0xff);
    u >>= 8;
  }
  out->append(b, 8);
}

int64_t ReadBigEndian64(std::string_view bytes) {
  uint64_t u = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    u = (u << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return static_cast<int64_t>(u);
}

}  // namespace statebench
