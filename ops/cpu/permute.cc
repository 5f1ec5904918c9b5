#include "ops/cpu/permute.h"

#include "absl/container/inlined_vector.h"
#include "ops/cpu/parallel_map.h"

namespace dagrad {

void Permute(ThreadPool* pool, const float* x, absl::Span<const int64_t> x_dims,
             absl::Span<const int> perm, float* out) {
  const int rank = static_cast<int>(x_dims.size());
  if (rank == 0) {
    out[0] = x[0];
    return;
  }
  absl::InlinedVector<int64_t, 6> x_stride(rank), dims(rank), stride(rank);
  int64_t acc = 1;
  for (int d = rank - 1; d >= 0; --d) {
    x_stride[d] = acc;
    acc *= x_dims[d];
  }
  for (int d = 0; d < rank; ++d) {
    dims[d] = x_dims[perm[d]];  // out's axis d and its stride in x.
    stride[d] = x_stride[perm[d]];
  }
  int64_t rows = 1;
  for (int d = 0; d + 1 < rank; ++d) rows *= dims[d];
  const int64_t len = dims[rank - 1], step = stride[rank - 1];
  if (len == 0) return;
  pool->ParallelFor(
      rows,
      [&](int64_t lo, int64_t hi) {
        for (int64_t t = lo; t < hi; ++t) {
          int64_t rest = t, base = 0;
          for (int d = rank - 2; d >= 0; --d) {
            base += (rest % dims[d]) * stride[d];
            rest /= dims[d];
          }
          float* o = out + t * len;
          const float* src = x + base;
          for (int64_t j = 0; j < len; ++j) o[j] = src[j * step];
        }
      },
      1 + kCopyMinBlock / len);
}

}  // namespace dagrad
