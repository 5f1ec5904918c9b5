// ops/cpu/reduce_max.h: the max over the middle axis of x viewed as
// [outer, mid, inner], the kernels of ReduceMax.
//
//  - MaxMiddle(): out[o,i] = max_j x[o,j,i] (-inf for mid == 0; NaN if any
//    term is NaN).
//  - MaxMiddleVjp(): dx[o,j,i] = dy[o,i] at the first j (in index order)
//    where x[o,j,i] == out[o,i], 0 elsewhere.
//
// Determinism: max is exact, and each output's scan runs over j in order
// inside one task (tasks are an outer index and a block of inner indices):
// bitwise the same at any thread count.
//
// Example:
//   // y [N] = row maxima of x [N, C]: outer N, mid C, inner 1.
//   MaxMiddle(pool, x, n, c, 1, y);
#ifndef DAGRAD_OPS_CPU_REDUCE_MAX_H_
#define DAGRAD_OPS_CPU_REDUCE_MAX_H_

#include <cstdint>

#include "core/thread_pool.h"

namespace dagrad {

// MaxMiddle() sets out[o * inner + i] = max_j x[(o * mid + j) * inner + i].
void MaxMiddle(ThreadPool* pool, const float* x, int64_t outer, int64_t mid,
               int64_t inner, float* out);

// MaxMiddleVjp() routes dy[o, i] to the first maximal x[o, j, i] in dx (x's
// shape), given out = MaxMiddle(x).
void MaxMiddleVjp(ThreadPool* pool, const float* x, const float* out,
                  const float* dy, int64_t outer, int64_t mid, int64_t inner,
                  float* dx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_REDUCE_MAX_H_
