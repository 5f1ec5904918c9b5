// ops/loss_util.h: helpers shared by Softmax, LogSoftmax and the loss ops
// (SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy, CrossEntropy,
// MeanSquaredError).
//
//  - Stable row kernels: SoftmaxRows() / LogSoftmaxRows() over rows of C
//    logits (subtract the row max, log-sum-exp), and ParallelRowBlocks() /
//    ParallelRows() to split rows over a pool.
//  - Label decoding for the classification losses: CheckClassLabelShapes()
//    (shape time: labels are [N] class ids or [N,C] targets) and
//    CheckClassIds() (run time: each id an integer in [0, C)).
//  - Shape checks for the elementwise losses: CheckSameShapeLoss().
//  - FixedBlockSum(): a sum over all elements whose partition into blocks is
//    fixed (kLossSumBlock elements), so the result is bitwise identical at
//    any thread count.
//
// Determinism: every helper computes each row or block by the same arithmetic
// in the same order wherever the thread blocks fall.
//
// Example:
//   ParallelRowBlocks(ctx.pool, rows, c, [&](int64_t begin, int64_t end) {
//     SoftmaxRows(x + begin * c, end - begin, c, y + begin * c, lse + begin,
//                 /*with_lse=*/true);
//   });
#ifndef DAGRAD_OPS_LOSS_UTIL_H_
#define DAGRAD_OPS_LOSS_UTIL_H_

#include <cstdint>
#include <cstring>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "core/thread_pool.h"
#include "ops/op.h"

namespace dagrad {

// SoftmaxRows() writes y = softmax(x) over each of `rows` rows of c >= 1
// floats and, if `with_lse`, lse[r] = log(sum(exp(x_r))) for each row (else
// `lse` is only scratch: Softmax skips the logs), both computed stably
// (exp of x - max(x) <= 0, so nothing overflows). A row holding NaN or +inf,
// or only -inf, gives NaN throughout its y and lse (as PyTorch does); nothing
// is silently dropped. `y` must not overlap `x`; `lse` (rows floats) must not
// overlap either.
//
// The exps run over the whole block in 16-float vector chunks (each element
// through the same machine code wherever the block starts), so y and lse are
// bitwise the same for any split of a tensor's rows into blocks.
void SoftmaxRows(const float* x, int64_t rows, int64_t c, float* y,
                 float* lse, bool with_lse);

// LogSoftmaxRows() writes y = x - log(sum(exp(x))) = log(softmax(x)) over
// each row, stably; `lse` (rows floats) is scratch. The same non-finite and
// determinism rules as SoftmaxRows(). Every finite y is <= 0.
void LogSoftmaxRows(const float* x, int64_t rows, int64_t c, float* y,
                    float* lse);

// ExpNonPositiveInPlace() sets v[i] = exp(v[i]) for i < n, for v[i] <= 0,
// 16 floats at a time through one vectorized routine (bitwise the same
// wherever the range starts or ends). A NaN becomes an unspecified value in
// [0, 1] (see ExpNonPositive()); callers propagate NaN themselves.
void ExpNonPositiveInPlace(float* v, int64_t n);

// LastAxisShape() is the shape function of the ops that work on rows of
// the last axis (Softmax, LogSoftmax): one input of rank >= 1 whose last
// dimension is known and >= 1; the output has its shape.
absl::StatusOr<Shape> LastAxisShape(OpKind kind, absl::Span<const Shape> inputs);

// LastAxisRowScratch() is their ScratchFn: one float (the row's
// log-sum-exp) per row for the forward, nothing for the VJP.
int64_t LastAxisRowScratch(const ShapeQuery& query, int wrt);

// kRowMinElements is the smallest number of row elements ParallelRows()
// hands one thread; below it, waking a second thread costs more than it
// saves (a [64,10] batch runs inline).
inline constexpr int64_t kRowMinElements = 8192;

// ParallelRowBlocks() calls block_fn(begin, end) on disjoint row ranges
// covering [0, rows) on `pool`, rows of c elements each, each range at least
// kRowMinElements elements; small inputs run inline in one call.
template <typename F>
void ParallelRowBlocks(ThreadPool* pool, int64_t rows, int64_t c,
                       F block_fn) {
  const int64_t min_rows = c >= kRowMinElements ? 1 : kRowMinElements / c;
  if (rows <= min_rows) {  // Inline: no pool round trip on small batches.
    block_fn(int64_t{0}, rows);
    return;
  }
  pool->ParallelFor(
      rows, [&](int64_t begin, int64_t end) { block_fn(begin, end); },
      min_rows);
}

// ParallelRows() calls row_fn(r) for every r in [0, rows), split as by
// ParallelRowBlocks().
template <typename F>
void ParallelRows(ThreadPool* pool, int64_t rows, int64_t c, F row_fn) {
  ParallelRowBlocks(pool, rows, c, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) row_fn(r);
  });
}

// ScalarShape() is the shape [] of every loss's output (a static, so that
// returning a copy of it avoids a GCC 12 -Wmaybe-uninitialized false positive
// on moving a fresh empty absl::InlinedVector).
const Shape& ScalarShape();

// LabelFormat is how a classification loss's labels input is read.
enum class LabelFormat {
  kClassIds,  // [N]: class ids stored as floats, each an integer in [0, C).
  kTargets,   // [N,C]: per-class targets (one-hot or soft), used as given.
};

// CheckClassLabelShapes() validates the inputs of a classification loss:
// inputs[0] is [N,C] (named `what`, e.g. "logits"), with C known and >= 1
// and N >= 1 (or unknown); inputs[1] is [N] or [N,C]. Errors are ShapeError()
// naming `kind` and every input shape. Unknown (-1) dimensions match any.
absl::StatusOr<LabelFormat> CheckClassLabelShapes(
    OpKind kind, absl::Span<const Shape> inputs, const char* what);

// CheckClassIds() returns OK if each of the n labels is an integer in [0, c),
// else InvalidArgument naming `kind`, the first bad example's index and its
// value.
absl::Status CheckClassIds(OpKind kind, const float* labels, int64_t n,
                           int64_t c);

// CheckSameShapeLoss() validates an elementwise loss: exactly two inputs of
// rank >= 1 ([N, ...]) with equal shapes (unknown dims match any) and, when
// fully defined, at least one element. `what0`/`what1` name the inputs.
absl::Status CheckSameShapeLoss(OpKind kind, absl::Span<const Shape> inputs,
                                const char* what0, const char* what1);

// kLossSumBlock is FixedBlockSum()'s block: a multiple of kSumLanes.
inline constexpr int64_t kLossSumBlock = 4096;
inline constexpr int kSumLanes = 8;

// FixedBlockSumScratchFloats() is the scratch FixedBlockSum() needs for
// `count` elements (one double per block).
inline int64_t FixedBlockSumScratchFloats(int64_t count) {
  return 2 * ((count + kLossSumBlock - 1) / kLossSumBlock);
}

namespace loss_internal {

// BlockSum() returns sum over i in [begin, end) of f(a[i], b[i]), in double,
// through kSumLanes lane accumulators (lane i % kSumLanes, relative to
// `begin`) combined in lane order.
template <typename F>
double BlockSum(const float* a, const float* b, int64_t begin, int64_t end,
                F f) {
  double acc[kSumLanes] = {};
  int64_t i = begin;
  for (; i + kSumLanes <= end; i += kSumLanes) {
    for (int j = 0; j < kSumLanes; ++j) {
      acc[j] += static_cast<double>(f(a[i + j], b[i + j]));
    }
  }
  for (int j = 0; i < end; ++i, ++j) {
    acc[j] += static_cast<double>(f(a[i], b[i]));
  }
  double sum = 0.0;
  for (int j = 0; j < kSumLanes; ++j) sum += acc[j];
  return sum;
}

}  // namespace loss_internal

// FixedBlockSum() returns sum over i in [0, count) of f(a[i], b[i]) in
// double. Blocks of kLossSumBlock elements are summed in parallel into
// `scratch` (FixedBlockSumScratchFloats(count) floats, any alignment), then
// added in block order: the same result at any thread count. f must be a pure
// function of its arguments.
template <typename F>
double FixedBlockSum(ThreadPool* pool, int64_t count, const float* a,
                     const float* b, float* scratch, F f) {
  const int64_t blocks = (count + kLossSumBlock - 1) / kLossSumBlock;
  if (blocks <= 1) return loss_internal::BlockSum(a, b, 0, count, f);
  pool->ParallelFor(blocks, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      const int64_t lo = k * kLossSumBlock;
      const int64_t hi = lo + kLossSumBlock < count ? lo + kLossSumBlock
                                                    : count;
      const double partial = loss_internal::BlockSum(a, b, lo, hi, f);
      std::memcpy(scratch + 2 * k, &partial, sizeof(partial));
    }
  });
  double sum = 0.0;
  for (int64_t k = 0; k < blocks; ++k) {
    double partial;
    std::memcpy(&partial, scratch + 2 * k, sizeof(partial));
    sum += partial;
  }
  return sum;
}

}  // namespace dagrad

#endif  // DAGRAD_OPS_LOSS_UTIL_H_
