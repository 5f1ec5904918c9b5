// ops/cpu/reduce.h: sums whose result does not depend on the thread count,
// the kernels of Sum, Mean and the elementwise losses.
//
//  - FixedBlockSum(): sum over i in [0, count) of term(i), in double. The
//    partition into blocks (kSumBlock elements) and each block's arithmetic
//    are fixed by the element index alone, so the result is bitwise the same
//    at any thread count. One routine serves every full sum: Sum and Mean
//    over all elements (term(i) = x[i]) and the losses (term(i) =
//    f(a[i], b[i])).
//  - ReduceMiddle(): out[o,i] = scale * sum_j x[o,j,i] for x viewed as
//    [outer, mid, inner]; each output element is summed over j in order.
//  - BroadcastMiddle(): out[o,j,i] = scale * x[o,i], the reduction's VJP.
//  - BroadcastToShape(): out = scale * x broadcast from a shape with 1s to a
//    full shape, the VJP of a reduction over several axes (whose forward is
//    ops/cpu/broadcast.h SumToShape()).
//
// Determinism: none of the results depend on how the pool splits work.
//
// Example:
//   // Mean of all elements; scratch holds FixedBlockSumScratchFloats(n).
//   const double sum = FixedBlockSum(pool, n, scratch,
//                                    [x](int64_t i) { return x[i]; });
//   y[0] = static_cast<float>(sum / n);
#ifndef DAGRAD_OPS_CPU_REDUCE_H_
#define DAGRAD_OPS_CPU_REDUCE_H_

#include <cstdint>
#include <cstring>

#include "core/shape.h"
#include "core/thread_pool.h"

namespace dagrad {

// kSumBlock is FixedBlockSum()'s block, a multiple of kSumLanes; blocks are
// split over threads, at least kSumMinBlocks per thread.
inline constexpr int64_t kSumBlock = 4096;
inline constexpr int kSumLanes = 8;
inline constexpr int64_t kSumMinBlocks = 4;

// FixedBlockSumScratchFloats() is the scratch FixedBlockSum() needs for
// `count` elements (one double per block).
inline int64_t FixedBlockSumScratchFloats(int64_t count) {
  return 2 * ((count + kSumBlock - 1) / kSumBlock);
}

namespace reduce_internal {

// BlockSum() returns sum over i in [begin, end) of term(i), in double,
// through kSumLanes lane accumulators (lane (i - begin) % kSumLanes)
// combined in lane order.
template <typename Term>
double BlockSum(int64_t begin, int64_t end, Term term) {
  double acc[kSumLanes] = {};
  int64_t i = begin;
  for (; i + kSumLanes <= end; i += kSumLanes) {
    for (int j = 0; j < kSumLanes; ++j) {
      acc[j] += static_cast<double>(term(i + j));
    }
  }
  for (int j = 0; i < end; ++i, ++j) acc[j] += static_cast<double>(term(i));
  double sum = 0.0;
  for (int j = 0; j < kSumLanes; ++j) sum += acc[j];
  return sum;
}

}  // namespace reduce_internal

// FixedBlockSum() returns sum over i in [0, count) of term(i) in double.
// Blocks of kSumBlock elements are summed in parallel into `scratch`
// (FixedBlockSumScratchFloats(count) floats, any alignment; unused when
// count <= kSumBlock), then added in block order: the same result at any
// thread count. term must be a pure function of i returning a float (e.g.
// [x](int64_t i) { return x[i]; }), safe to call from several threads.
template <typename Term>
double FixedBlockSum(ThreadPool* pool, int64_t count, float* scratch,
                     Term term) {
  const int64_t blocks = (count + kSumBlock - 1) / kSumBlock;
  if (blocks <= 1) return reduce_internal::BlockSum(0, count, term);
  pool->ParallelFor(
      blocks,
      [&](int64_t begin, int64_t end) {
        for (int64_t k = begin; k < end; ++k) {
          const int64_t lo = k * kSumBlock;
          const int64_t hi = lo + kSumBlock < count ? lo + kSumBlock : count;
          const double partial = reduce_internal::BlockSum(lo, hi, term);
          std::memcpy(scratch + 2 * k, &partial, sizeof(partial));
        }
      },
      kSumMinBlocks);
  double sum = 0.0;
  for (int64_t k = 0; k < blocks; ++k) {
    double partial;
    std::memcpy(&partial, scratch + 2 * k, sizeof(partial));
    sum += partial;
  }
  return sum;
}

// ReduceMiddle() sets out[o * inner + i] = scale * sum_j x[(o*mid + j)*inner
// + i] for x [outer, mid, inner], out [outer, inner].
void ReduceMiddle(ThreadPool* pool, const float* x, int64_t outer, int64_t mid,
                  int64_t inner, float scale, float* out);

// BroadcastMiddle() sets out[(o*mid + j)*inner + i] = scale * x[o*inner + i].
void BroadcastMiddle(ThreadPool* pool, const float* x, int64_t outer,
                     int64_t mid, int64_t inner, float scale, float* out);

// BroadcastToShape() sets out = scale * x broadcast to `full`, for x of
// shape `small`: `small` has full's rank and each of its dims equals full's
// or is 1. Work is split by whole rows of the innermost dimension.
void BroadcastToShape(ThreadPool* pool, const float* x, const Shape& small,
                      const Shape& full, float scale, float* out);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_REDUCE_H_
