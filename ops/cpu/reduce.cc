#include "ops/cpu/reduce.h"

#include <cassert>

#include "ops/cpu/broadcast.h"
#include "ops/cpu/row_arith.h"

namespace dagrad {
namespace {

// kInnerBlock: ReduceMiddle()'s unit of work is one outer index and up to
// kInnerBlock consecutive inner indices.
constexpr int64_t kInnerBlock = 256;

}  // namespace

void ReduceMiddle(ThreadPool* pool, const float* x, int64_t outer, int64_t mid,
                  int64_t inner, float scale, float* out) {
  const int64_t inner_blocks = (inner + kInnerBlock - 1) / kInnerBlock;
  const int64_t work_per_task =
      mid * (inner < kInnerBlock ? inner : kInnerBlock);
  const int64_t min_block = 1 + 16384 / (work_per_task > 0 ? work_per_task : 1);
  pool->ParallelFor(
      outer * inner_blocks,
      [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
          const int64_t o = t / inner_blocks;
          const int64_t i0 = (t % inner_blocks) * kInnerBlock;
          const int64_t len =
              i0 + kInnerBlock <= inner ? kInnerBlock : inner - i0;
          float* __restrict dst = out + o * inner + i0;
          for (int64_t i = 0; i < len; ++i) dst[i] = 0.0f;
          for (int64_t j = 0; j < mid; ++j) {
            AccumulateRow(dst, x + (o * mid + j) * inner + i0, len);
          }
          if (scale != 1.0f) {
            const int64_t full = len / 16 * 16;
            for (int64_t i = 0; i < full; i += 16) {
              for (int j = 0; j < 16; ++j) dst[i + j] *= scale;
            }
            for (int64_t i = full; i < len; ++i) dst[i] *= scale;
          }
        }
      },
      min_block);
}

void BroadcastMiddle(ThreadPool* pool, const float* x, int64_t outer,
                     int64_t mid, int64_t inner, float scale, float* out) {
  const int64_t min_block = 1 + 16384 / (inner > 0 ? inner : 1);
  pool->ParallelFor(
      outer * mid,
      [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
          const int64_t o = t / mid;
          if (inner == 1) {
            out[t] = scale * x[o];
          } else {
            ScaleRow(x + o * inner, scale, out + t * inner, inner);
          }
        }
      },
      min_block);
}

void BroadcastToShape(ThreadPool* pool, const float* x, const Shape& small,
                      const Shape& full, float scale, float* out) {
  assert(small.rank() == full.rank());
  const BroadcastLayout l = MakeBroadcastLayout(full, small);
  const int64_t n = l.row_length();
  const bool row_is_broadcast = l.stride[1].back() == 0;
  ForEachBroadcastRow(pool, l, [&](int64_t r, int64_t, int64_t x_offset) {
    float* __restrict dst = out + r * n;
    if (row_is_broadcast) {
      const float v = scale * x[x_offset];
      for (int64_t j = 0; j < n; ++j) dst[j] = v;
    } else {
      ScaleRow(x + x_offset, scale, dst, n);
    }
  });
}

}  // namespace dagrad
