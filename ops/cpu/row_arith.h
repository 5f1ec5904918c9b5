// ops/cpu/row_arith.h: arithmetic on one contiguous row of floats, the inner
// loops of the reductions (reduce.cc) and of BiasAdd (channel_bias.cc).
//
// Each is a plain loop over 16-float chunks (which GCC vectorizes at -O2,
// unlike loops of unknown length) plus a scalar tail. Each element gets the
// same arithmetic wherever a row starts, so callers stay deterministic.
// Rows passed to one call must not overlap (restrict).
//
// Example:
//   for (int64_t n = 0; n < batch; ++n) AccumulateRow(db, dy + n * c, c);
#ifndef DAGRAD_OPS_CPU_ROW_ARITH_H_
#define DAGRAD_OPS_CPU_ROW_ARITH_H_

#include <cstdint>

namespace dagrad {

// AccumulateRow(): out[i] += x[i].
inline void AccumulateRow(float* __restrict out, const float* __restrict x,
                          int64_t n) {
  const int64_t full = n / 16 * 16;
  for (int64_t c = 0; c < full; c += 16) {
    for (int j = 0; j < 16; ++j) out[c + j] += x[c + j];
  }
  for (int64_t i = full; i < n; ++i) out[i] += x[i];
}

// AddRows(): y[i] = x[i] + b[i].
inline void AddRows(const float* __restrict x, const float* __restrict b,
                    float* __restrict y, int64_t n) {
  const int64_t full = n / 16 * 16;
  for (int64_t c = 0; c < full; c += 16) {
    for (int j = 0; j < 16; ++j) y[c + j] = x[c + j] + b[c + j];
  }
  for (int64_t i = full; i < n; ++i) y[i] = x[i] + b[i];
}

// AddScalarRow(): y[i] = x[i] + b.
inline void AddScalarRow(const float* __restrict x, float b,
                         float* __restrict y, int64_t n) {
  const int64_t full = n / 16 * 16;
  for (int64_t c = 0; c < full; c += 16) {
    for (int j = 0; j < 16; ++j) y[c + j] = x[c + j] + b;
  }
  for (int64_t i = full; i < n; ++i) y[i] = x[i] + b;
}

// ScaleRow(): y[i] = s * x[i].
inline void ScaleRow(const float* __restrict x, float s, float* __restrict y,
                     int64_t n) {
  const int64_t full = n / 16 * 16;
  for (int64_t c = 0; c < full; c += 16) {
    for (int j = 0; j < 16; ++j) y[c + j] = s * x[c + j];
  }
  for (int64_t i = full; i < n; ++i) y[i] = s * x[i];
}

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_ROW_ARITH_H_
