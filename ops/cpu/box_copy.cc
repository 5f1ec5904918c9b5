#include "ops/cpu/box_copy.h"

#include <cstring>

#include "absl/functional/function_ref.h"
#include "ops/cpu/parallel_map.h"

namespace dagrad {
namespace {

// ForEachBoxRow() calls row(dense_offset, big_offset, length) for every row
// of the box's last axis (a rank-0 box is one row of one element).
void ForEachBoxRow(
    ThreadPool* pool, absl::Span<const int64_t> dims,
    absl::Span<const int64_t> begin, absl::Span<const int64_t> size,
    absl::FunctionRef<void(int64_t dense, int64_t big, int64_t len)> row) {
  const int rank = static_cast<int>(dims.size());
  if (rank == 0) {
    row(0, 0, 1);
    return;
  }
  int64_t rows = 1;
  for (int d = 0; d + 1 < rank; ++d) rows *= size[d];
  const int64_t len = size[rank - 1];
  if (len == 0) return;
  pool->ParallelFor(
      rows,
      [&](int64_t lo, int64_t hi) {
        for (int64_t t = lo; t < hi; ++t) {
          int64_t rest = t, big = begin[rank - 1], stride = dims[rank - 1];
          for (int d = rank - 2; d >= 0; --d) {
            big += (begin[d] + rest % size[d]) * stride;
            rest /= size[d];
            stride *= dims[d];
          }
          row(t * len, big, len);
        }
      },
      1 + kCopyMinBlock / len);
}

// MoveBox() copies from -> to: the dense box into the box of the larger
// tensor (into_box), or the box of the larger tensor out into the dense box.
void MoveBox(ThreadPool* pool, absl::Span<const int64_t> dims,
             absl::Span<const int64_t> begin, absl::Span<const int64_t> size,
             const float* from, float* to, bool into_box) {
  ForEachBoxRow(pool, dims, begin, size,
                [&](int64_t dense, int64_t big, int64_t len) {
                  std::memcpy(to + (into_box ? big : dense),
                              from + (into_box ? dense : big),
                              static_cast<size_t>(len) * sizeof(float));
                });
}

}  // namespace

void CopyBox(ThreadPool* pool, const float* src,
             absl::Span<const int64_t> src_dims,
             absl::Span<const int64_t> begin, absl::Span<const int64_t> size,
             float* dst) {
  MoveBox(pool, src_dims, begin, size, src, dst, /*into_box=*/false);
}

void ScatterBox(ThreadPool* pool, const float* src,
                absl::Span<const int64_t> dst_dims,
                absl::Span<const int64_t> begin, absl::Span<const int64_t> size,
                float* dst) {
  MoveBox(pool, dst_dims, begin, size, src, dst, /*into_box=*/true);
}

void FillConstant(ThreadPool* pool, int64_t n, float value, float* dst) {
  pool->ParallelFor(
      n,
      [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) dst[i] = value;
      },
      kCopyMinBlock);
}

}  // namespace dagrad
