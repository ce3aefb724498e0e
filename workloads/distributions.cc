#include "workloads/distributions.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace statebench {
namespace {

double Zeta(uint64_t n, double theta) {
  double sum = 0;
  for (uint64_t i = 1; i <= n; ++i)
    sum += 1.0 / std::pow(static_cast<double>(i), theta);
  return sum;
}

constexpr size_t kPoolSize = 1 << 20;

const std::string& ValuePool() {
  static const std::string* pool = [] {
    auto* p = new std::string(kPoolSize + 65536, '\0');
    uint64_t s = 0x5eed;
    for (size_t i = 0; i < p->size(); i += 8) {
      uint64_t r = Mix64(s++);
      std::memcpy(p->data() + i, &r, std::min<size_t>(8, p->size() - i));
    }
    return p;
  }();
  return *pool;
}

}  // namespace

ZipfianChooser::ZipfianChooser(uint64_t n, double theta)
    : n_(n), theta_(theta) {
  zeta2_ = Zeta(2, theta);
  zetan_ = Zeta(n, theta);
  alpha_ = 1.0 / (1.0 - theta);
  eta_ = (1 - std::pow(2.0 / static_cast<double>(n), 1 - theta)) /
         (1 - zeta2_ / zetan_);
}

uint64_t ZipfianChooser::Choose(double u) const {
  double uz = u * zetan_;
  if (uz < 1.0) return 0;
  if (uz < 1.0 + std::pow(0.5, theta_)) return n_ > 1 ? 1 : 0;
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
  return hash;
}

void MakeKeyInto(uint64_t id, uint32_t size, std::string* out) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + id % 10);
    id /= 10;
  } while (id != 0);
  size_t total = std::max<size_t>(size, 3 + static_cast<size_t>(n));
  out->assign(total, '0');
  std::memcpy(out->data(), "key", 3);
  for (int i = 0; i < n; ++i) (*out)[total - 1 - i] = digits[i];
}

std::string MakeKey(uint64_t id, uint32_t size) {
  std::string k;
  MakeKeyInto(id, size, &k);
  return k;
}

void FillValue(uint64_t selector, uint32_t size, std::string* out) {
  const std::string& pool = ValuePool();
  if (size > pool.size() - kPoolSize) {
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

}  // namespace statebench
