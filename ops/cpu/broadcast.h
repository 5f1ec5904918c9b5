// ops/cpu/broadcast.h: NumPy-style broadcasting loops, the kernels of the
// broadcasting binary ops (Add, Sub, Mul, Div, Maximum, Minimum).
//
//  - BroadcastLayout / MakeBroadcastLayout(): the output of two broadcast
//    operands as collapsed dimensions (size-1 axes dropped, neighbours that
//    broadcast alike merged) with each operand's stride per dimension (0
//    where it is broadcast).
//  - BroadcastMap(): out = f(a, b) over the layout.
//  - BroadcastMapWithDy(): out = g(dy, a, b), dy of the output's shape (the
//    VJP terms before their reduction).
//  - SumToShape(): sums a tensor of the output's shape down to one
//    operand's shape (the VJP's reduction over the broadcast axes).
//
// Determinism: work is split by whole rows of the innermost dimension, and
// an element's arithmetic depends only on its position within its row; the
// reduction sums each result over the broadcast axes in a fixed order
// (innermost axis group first, each in index order). Results are bitwise
// the same at any thread count.
//
// Example:
//   // y = a + b for a [64,200], b [200].
//   const BroadcastLayout l = MakeBroadcastLayout(a.shape(), b.shape());
//   BroadcastMap(pool, l, a.data(), b.data(), y.data(),
//                [](float u, float v) { return u + v; });
#ifndef DAGRAD_OPS_CPU_BROADCAST_H_
#define DAGRAD_OPS_CPU_BROADCAST_H_

#include <cstdint>

#include "absl/container/inlined_vector.h"
#include "absl/functional/function_ref.h"
#include "core/shape.h"
#include "core/thread_pool.h"

namespace dagrad {

// BroadcastLayout: dims are the collapsed output dimensions (at least one);
// stride[k][d] is operand k's element stride along dims[d], 0 where operand
// k is broadcast.
struct BroadcastLayout {
  absl::InlinedVector<int64_t, 6> dims;
  absl::InlinedVector<int64_t, 6> stride[2];

  // rows() is the product of all dims but the last; row_length() the last.
  int64_t rows() const;
  int64_t row_length() const { return dims.back(); }
};

// MakeBroadcastLayout() lays out a op b. Requires fully defined shapes that
// broadcast (the op's shape function checked them).
BroadcastLayout MakeBroadcastLayout(const Shape& a, const Shape& b);

// ForEachBroadcastRow() calls row(r, a_offset, b_offset) for every row r
// of `layout` (the output row starts at r * row_length()), whole rows
// split over `pool`.
void ForEachBroadcastRow(
    ThreadPool* pool, const BroadcastLayout& layout,
    absl::FunctionRef<void(int64_t r, int64_t a_off, int64_t b_off)> row);

namespace broadcast_internal {

// MapRow() sets out[j] = f(dy[j], a[kSa * j], b[kSb * j]) for j < n
// (dy == nullptr: f ignores its first argument) in 16-float chunks.
template <int kSa, int kSb, typename F>
void MapRow(const float* __restrict dy, const float* __restrict a,
            const float* __restrict b, float* __restrict out, int64_t n, F f) {
  const int64_t full = n / 16 * 16;
  if (dy == nullptr) {
    for (int64_t c = 0; c < full; c += 16) {
      for (int j = 0; j < 16; ++j) {
        out[c + j] = f(0.0f, a[kSa * (c + j)], b[kSb * (c + j)]);
      }
    }
    for (int64_t j = full; j < n; ++j) out[j] = f(0.0f, a[kSa * j], b[kSb * j]);
    return;
  }
  for (int64_t c = 0; c < full; c += 16) {
    for (int j = 0; j < 16; ++j) {
      out[c + j] = f(dy[c + j], a[kSa * (c + j)], b[kSb * (c + j)]);
    }
  }
  for (int64_t j = full; j < n; ++j) out[j] = f(dy[j], a[kSa * j], b[kSb * j]);
}

template <typename F>
void MapRows(ThreadPool* pool, const BroadcastLayout& l, const float* dy,
             const float* a, const float* b, float* out, F f) {
  const int64_t n = l.row_length();
  const int64_t sa = l.stride[0].back(), sb = l.stride[1].back();
  ForEachBroadcastRow(pool, l, [&](int64_t r, int64_t ao, int64_t bo) {
    const float* d = dy == nullptr ? nullptr : dy + r * n;
    float* o = out + r * n;
    if (sa != 0 && sb != 0) {
      MapRow<1, 1>(d, a + ao, b + bo, o, n, f);
    } else if (sa != 0) {
      MapRow<1, 0>(d, a + ao, b + bo, o, n, f);
    } else if (sb != 0) {
      MapRow<0, 1>(d, a + ao, b + bo, o, n, f);
    } else {
      MapRow<0, 0>(d, a + ao, b + bo, o, n, f);
    }
  });
}

}  // namespace broadcast_internal

// BroadcastMap() sets out[i] = f(a[.], b[.]) for every output element i of
// `layout`. f must be a pure function of its arguments.
template <typename F>
void BroadcastMap(ThreadPool* pool, const BroadcastLayout& layout,
                  const float* a, const float* b, float* out, F f) {
  broadcast_internal::MapRows(pool, layout, nullptr, a, b, out,
                              [f](float, float u, float v) { return f(u, v); });
}

// BroadcastMapWithDy() sets out[i] = g(dy[i], a[.], b[.]); dy and out have
// the output's size. g must be a pure function of its arguments.
template <typename G>
void BroadcastMapWithDy(ThreadPool* pool, const BroadcastLayout& layout,
                        const float* dy, const float* a, const float* b,
                        float* out, G g) {
  broadcast_internal::MapRows(pool, layout, dy, a, b, out, g);
}

// SumToShapeScratchFloats() is the scratch SumToShape() needs for an
// output of `out_elements`.
inline int64_t SumToShapeScratchFloats(int64_t out_elements) {
  return out_elements;
}

// SumToShape() sets out = scale * (x summed over the axes where `target`
// is broadcast to `full`), out of `target`'s shape. x has `full`'s shape;
// `target` broadcasts to `full` (leading axes may be missing). scratch
// holds SumToShapeScratchFloats(full elements) floats.
void SumToShape(ThreadPool* pool, const float* x, const Shape& full,
                const Shape& target, float scale, float* scratch, float* out);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_BROADCAST_H_
