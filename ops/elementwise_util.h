// ops/elementwise_util.h: reduction helpers shared by Sum, Mean and BiasAdd.
//
//  - kSumChunk: the fixed chunk of SumAll(); chunk sums are combined in order.
//  - SumAllScratchFloats() / SumAll(): the sum of n floats, bitwise the same
//    at any thread count (fixed chunks, each chunk's partial sums in double,
//    chunks added in index order).
//  - ReduceMiddle(): out[o,i] = scale * sum_j x[o,j,i] for x viewed as
//    [outer, mid, inner]; each output element is summed over j in order.
//  - BroadcastMiddle(): out[o,j,i] = scale * x[o,i], the reduction's VJP.
//
// Determinism: none of the results depend on how the pool splits work.
//
// Example:
//   // Mean of all elements; scratch sized with SumAllScratchFloats(n).
//   y[0] = static_cast<float>(SumAll(pool, x, n, scratch) / n);
#ifndef DAGRAD_OPS_ELEMENTWISE_UTIL_H_
#define DAGRAD_OPS_ELEMENTWISE_UTIL_H_

#include <climits>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "core/thread_pool.h"
#include "ops/op.h"

namespace dagrad {

inline constexpr int64_t kSumChunk = 4096;

// Row helpers: plain loops over 16-float chunks (which GCC vectorizes at -O2,
// unlike loops of unknown length) plus a scalar tail. Each element gets the
// same arithmetic wherever a row starts, so callers stay deterministic.
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

// ReduceAttrs: the attributes of Sum and Mean, which derive from it. axis is
// kAllAxes (every element) or an axis in [-rank, rank), negative counted
// from the end; keep_dims keeps the reduced axis as 1.
struct ReduceAttrs {
  static constexpr int kAllAxes = INT_MIN;
  int axis = kAllAxes;
  bool keep_dims = false;

  bool all_axes() const { return axis == kAllAxes; }
};

// Sum and Mean are one kernel pair: y = scale * sum over the reduced
// elements, dL/dx = scale * dL/dy broadcast back, with scale 1 (Sum) or
// 1/count (Mean). ReduceScratchFloats() is their ScratchFn body.
int64_t ReduceScratchFloats(const ReduceAttrs& attrs, const Shape& x, int wrt);
absl::Status ReduceForward(const ForwardContext& ctx, const ReduceAttrs& attrs,
                           bool mean);
void ReduceVjp(const VjpContext& ctx, const ReduceAttrs& attrs, bool mean);

// ReductionShape() is the shape function of Sum and Mean: `axis` is
// kAllAxes-like `all_axes` (reduce everything) or an axis in [-rank, rank);
// the reduced axis is dropped, or kept as 1 with keep_dims. Errors name `kind`
// and the input shape.
absl::StatusOr<Shape> ReductionShape(OpKind kind,
                                     absl::Span<const Shape> inputs, int axis,
                                     bool all_axes, bool keep_dims);

// ReductionSplit views `shape` as [outer, mid, inner] around axis `axis`
// (already normalized to [0, rank)).
struct ReductionSplit {
  int64_t outer = 1, mid = 1, inner = 1;
};
ReductionSplit SplitAroundAxis(const Shape& shape, int axis);

// SumAllScratchFloats() is the scratch SumAll() needs for n elements.
int64_t SumAllScratchFloats(int64_t n);

// SumAll() returns sum(x[0..n)) in double; `scratch` holds
// SumAllScratchFloats(n) floats.
double SumAll(ThreadPool* pool, const float* x, int64_t n, float* scratch);

// ReduceMiddle() sets out[o * inner + i] = scale * sum_j x[(o*mid + j)*inner
// + i] for x [outer, mid, inner], out [outer, inner].
void ReduceMiddle(ThreadPool* pool, const float* x, int64_t outer, int64_t mid,
                  int64_t inner, float scale, float* out);

// BroadcastMiddle() sets out[(o*mid + j)*inner + i] = scale * x[o*inner + i].
void BroadcastMiddle(ThreadPool* pool, const float* x, int64_t outer,
                     int64_t mid, int64_t inner, float scale, float* out);

}  // namespace dagrad

#endif  // DAGRAD_OPS_ELEMENTWISE_UTIL_H_
