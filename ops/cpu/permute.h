// ops/cpu/permute.h: axis permutation of a row-major tensor, the kernel of
// Transpose (forward with perm, VJP with its inverse).
//
//  - Permute(): out[i_0, ..., i_{r-1}] = x[j] with j's axis perm[d] at i_d,
//    i.e. out's axis d is x's axis perm[d].
//
// Work is split by whole rows of out's last axis; each element is a plain
// copy: the same at any thread count.
//
// Example:
//   // y [3,2] = x [2,3] transposed.
//   const int64_t dims[] = {2, 3};
//   const int perm[] = {1, 0};
//   Permute(pool, x, dims, perm, y);
#ifndef DAGRAD_OPS_CPU_PERMUTE_H_
#define DAGRAD_OPS_CPU_PERMUTE_H_

#include <cstdint>

#include "absl/types/span.h"
#include "core/thread_pool.h"

namespace dagrad {

// Permute() writes x (dims `x_dims`) with its axes permuted by `perm` (a
// permutation of [0, rank)) into out (dims x_dims[perm[d]]).
void Permute(ThreadPool* pool, const float* x, absl::Span<const int64_t> x_dims,
             absl::Span<const int> perm, float* out);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_PERMUTE_H_
