#include "ops/cpu/softmax_rows.h"

#include <cmath>
#include <cstring>

#include "ops/cpu/vec_math.h"

namespace dagrad {
namespace {

// RowMax() is max(x[0..c)), or NaN if any element is NaN.
inline float RowMax(const float* x, int64_t c) {
  float m = x[0];
  for (int64_t i = 1; i < c; ++i) {
    const float v = x[i];
    m = (v > m || v != v) ? v : m;
  }
  return m;
}

// ShiftAndExp() sets m[r] = max(x_r) and y_r = exp(x_r - m[r]) for each row.
// The rows' max chains are independent, so they overlap in the CPU.
void ShiftAndExp(const float* x, int64_t rows, int64_t c, float* y, float* m) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    const float mr = RowMax(xr, c);
    m[r] = mr;
    for (int64_t i = 0; i < c; ++i) yr[i] = xr[i] - mr;
  }
  ExpNonPositiveInPlace(y, rows * c);
}

}  // namespace

// Per row: m = max(x), e_i = exp(x_i - m), s = sum e_i (in index order),
// y_i = e_i / s, lse = m + log(s). `guard` = m - m is 0 for finite m and NaN
// for m in {NaN, +inf, -inf}; adding it leaves finite rows bitwise unchanged
// and turns the others into NaN (exp of a NaN difference is not NaN).
void SoftmaxRows(const float* x, int64_t rows, int64_t c, float* y, float* lse,
                 bool with_lse) {
  ShiftAndExp(x, rows, c, y, lse);
  for (int64_t r = 0; r < rows; ++r) {
    float* yr = y + r * c;
    const float m = lse[r];
    float s = 0.0f;
    for (int64_t i = 0; i < c; ++i) s += yr[i];
    const float guard = m - m;
    const float inv = 1.0f / s;
    for (int64_t i = 0; i < c; ++i) yr[i] = yr[i] * inv + guard;
    if (with_lse) lse[r] = m + std::log(s) + guard;
  }
}

// Per row: y_i = (x_i - m) - log(sum_j exp(x_j - m)); y holds the exps
// meanwhile.
void LogSoftmaxRows(const float* x, int64_t rows, int64_t c, float* y,
                    float* lse) {
  ShiftAndExp(x, rows, c, y, lse);
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    const float m = lse[r];
    float s = 0.0f;
    for (int64_t i = 0; i < c; ++i) s += yr[i];
    const float log_s = std::log(s) - (m - m);  // NaN for non-finite m.
    for (int64_t i = 0; i < c; ++i) yr[i] = (xr[i] - m) - log_s;
  }
}

void SoftmaxGradRows(const float* y, const float* dy, int64_t rows, int64_t c,
                     float* dx) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * c;
    const float* dyr = dy + r * c;
    float* dxr = dx + r * c;
    float dot = 0.0f;
    for (int64_t i = 0; i < c; ++i) dot += dyr[i] * yr[i];
    for (int64_t i = 0; i < c; ++i) dxr[i] = yr[i] * (dyr[i] - dot);
  }
}

void LogSoftmaxGradRows(const float* y, const float* dy, int64_t rows,
                        int64_t c, float* dx) {
  // dx holds exp(y) (y <= 0) until it is overwritten row by row.
  std::memcpy(dx, y, static_cast<size_t>(rows * c) * sizeof(float));
  ExpNonPositiveInPlace(dx, rows * c);
  for (int64_t r = 0; r < rows; ++r) {
    const float* dyr = dy + r * c;
    float* dxr = dx + r * c;
    float sum = 0.0f;
    for (int64_t i = 0; i < c; ++i) sum += dyr[i];
    // The forward makes a row NaN throughout or not at all; exp lost the
    // NaN, so put it back.
    const float y0 = y[r * c];
    const float guard = y0 == y0 ? 0.0f : y0;
    for (int64_t i = 0; i < c; ++i) dxr[i] = dyr[i] - dxr[i] * sum + guard;
  }
}

}  // namespace dagrad
