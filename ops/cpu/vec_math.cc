#include "ops/cpu/vec_math.h"

#include <cstring>

namespace dagrad {
namespace {

constexpr int kExpLanes = 16;

// Exp16() sets v[j] = exp(v[j]) for j < 16, for v[j] <= 0 (or NaN). It is
// never inlined, so the padded tail of a block runs through the very same
// (vectorized) machine code as the full chunks.
__attribute__((noinline)) void Exp16(float* __restrict v) {
  for (int j = 0; j < kExpLanes; ++j) v[j] = ExpNonPositive(v[j]);
}

}  // namespace

// 16 at a time; the last partial chunk goes through a zero-padded stack copy.
void ExpNonPositiveInPlace(float* v, int64_t n) {
  int64_t i = 0;
  for (; i + kExpLanes <= n; i += kExpLanes) Exp16(v + i);
  const int64_t rest = n - i;
  if (rest > 0) {
    alignas(64) float pad[kExpLanes] = {};
    std::memcpy(pad, v + i, static_cast<size_t>(rest) * sizeof(float));
    Exp16(pad);
    std::memcpy(v + i, pad, static_cast<size_t>(rest) * sizeof(float));
  }
}

}  // namespace dagrad
