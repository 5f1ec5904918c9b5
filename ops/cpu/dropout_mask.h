// ops/cpu/dropout_mask.h: the training forward of Dropout, drawing the keep
// mask from the counter-based Rng stream and applying it.
//
// Element i of the call uses draw g = first_index + i (its global index) of
// Rng(seed, /*stream=*/step) (core/random.h), i.e. word g % 4 of
// Philox4x32-10 block g / 4, as Rng::Uniform(): the top 24 bits of the word
// times 2^-24, kept when below `keep`. The kernel evaluates kPhiloxBatch
// blocks (256 elements, in chunks that start at multiples of 256 of the
// global index) side by side through PhiloxBatch() (philox_simd.h); a
// partial first or last chunk goes through padded copies, so every chunk
// runs the same code, and the chunks are split over the pool. The mask is
// thus a pure function of (seed, step, g): the same bit for bit at any
// thread count, and for a tensor computed whole or as contiguous pieces
// [a, b) called with first_index + a.
//
// Example:
//   DropoutMaskAndApply(pool, seed, step, /*first_index=*/0, /*keep=*/0.5f,
//                       /*scale=*/2.0f, x, n, mask, y);
//   // mask_i in {0, 2}, y_i = x_i mask_i
#ifndef DAGRAD_OPS_CPU_DROPOUT_MASK_H_
#define DAGRAD_OPS_CPU_DROPOUT_MASK_H_

#include <cstdint>

#include "core/thread_pool.h"

namespace dagrad {

// DropoutMaskAndApply() sets, for i < n, m[i] = scale if u_g < keep else 0
// (u_g the uniform draw g = first_index + i above) and y[i] = x[i] * m[i].
// x, m and y hold n floats each and must not overlap; first_index + n must
// not exceed 2^64.
void DropoutMaskAndApply(ThreadPool* pool, uint64_t seed, uint64_t step,
                         uint64_t first_index, float keep, float scale,
                         const float* x, int64_t n, float* m, float* y);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_DROPOUT_MASK_H_
