// ops/cpu/dropout_mask.h: the training forward of Dropout, drawing the keep
// mask from the counter-based Rng stream and applying it.
//
// Element i uses draw i of Rng(seed, /*stream=*/step) (core/random.h), i.e.
// word i % 4 of Philox4x32-10 block i / 4, as Rng::Uniform(): the top 24
// bits of the word times 2^-24, kept when below `keep`. The kernel evaluates
// kPhiloxBatch blocks (256 elements, in chunks that start at multiples of
// 256) side by side through PhiloxBatch() (philox_simd.h); the chunks are
// split over the pool. The mask is thus a pure function of (seed, step, i):
// the same bit for bit at any thread count and block split.
//
// Example:
//   DropoutMaskAndApply(pool, seed, step, /*keep=*/0.5f, /*scale=*/2.0f, x,
//                       n, mask, y);   // mask_i in {0, 2}, y_i = x_i mask_i
#ifndef DAGRAD_OPS_CPU_DROPOUT_MASK_H_
#define DAGRAD_OPS_CPU_DROPOUT_MASK_H_

#include <cstdint>

#include "core/thread_pool.h"

namespace dagrad {

// DropoutMaskAndApply() sets, for i < n, m[i] = scale if u_i < keep else 0
// (u_i the uniform draw above) and y[i] = x[i] * m[i]. x, m and y hold n
// floats each and must not overlap.
void DropoutMaskAndApply(ThreadPool* pool, uint64_t seed, uint64_t step,
                         float keep, float scale, const float* x, int64_t n,
                         float* m, float* y);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_DROPOUT_MASK_H_
