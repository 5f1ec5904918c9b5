#include "core/finite.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace dagrad {
namespace {

// A float is NaN or Inf exactly when its exponent bits are all ones.
constexpr uint32_t kExponent = 0x7f800000u;
constexpr int64_t kBlock = 256;

// BlockHasNonFinite() ORs a per-element flag over one block; the loop has
// no early exit, so it vectorizes.
bool BlockHasNonFinite(const float* x, int64_t n) {
  uint32_t any = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof(bits));
    any |= static_cast<uint32_t>((bits & kExponent) == kExponent);
  }
  return any != 0;
}

}  // namespace

int64_t FirstNonFinite(absl::Span<const float> values) {
  const float* x = values.data();
  const int64_t size = static_cast<int64_t>(values.size());
  for (int64_t begin = 0; begin < size; begin += kBlock) {
    const int64_t n = std::min(kBlock, size - begin);
    if (!BlockHasNonFinite(x + begin, n)) continue;
    for (int64_t i = begin; i < begin + n; ++i) {
      if (!std::isfinite(x[i])) return i;
    }
  }
  return -1;
}

}  // namespace dagrad
