#include "ops/cpu/channel_bias.h"

#include "ops/cpu/parallel_map.h"
#include "ops/cpu/row_arith.h"

namespace dagrad {

void AddChannelBias(ThreadPool* pool, const float* x, const float* bias,
                    int64_t batch, int64_t channels, int64_t spatial,
                    float* y) {
  const int64_t c_dim = channels;
  if (spatial == 1) {
    // [N,C]: one row per image, bias added lane-wise.
    pool->ParallelFor(
        batch,
        [&](int64_t begin, int64_t end) {
          for (int64_t n = begin; n < end; ++n) {
            AddRows(x + n * c_dim, bias, y + n * c_dim, c_dim);
          }
        },
        1 + kElementwiseMinBlock / (c_dim > 0 ? c_dim : 1));
    return;
  }
  pool->ParallelFor(
      batch * c_dim,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          AddScalarRow(x + r * spatial, bias[r % c_dim], y + r * spatial,
                       spatial);
        }
      },
      1 + kElementwiseMinBlock / spatial);
}

void SumPerChannel(ThreadPool* pool, const float* dy, int64_t batch,
                   int64_t channels, int64_t spatial, float* out) {
  const int64_t c_dim = channels;
  const float* g = dy;
  if (spatial == 1) {
    // [N,C]: channels are contiguous; sum rows in image order per channel.
    // Channel blocks of 64 are split over threads; each element of out sees
    // the same additions in the same order.
    constexpr int64_t kBlock = 64;
    const int64_t blocks = (c_dim + kBlock - 1) / kBlock;
    pool->ParallelFor(
        blocks,
        [&](int64_t begin, int64_t end) {
          for (int64_t blk = begin; blk < end; ++blk) {
            const int64_t c0 = blk * kBlock;
            const int64_t len = c0 + kBlock <= c_dim ? kBlock : c_dim - c0;
            float* dst = out + c0;
            for (int64_t c = 0; c < len; ++c) dst[c] = 0.0f;
            for (int64_t n = 0; n < batch; ++n) {
              AccumulateRow(dst, g + n * c_dim + c0, len);
            }
          }
        },
        1 + kElementwiseMinBlock / (kBlock * (batch > 0 ? batch : 1)));
    return;
  }
  pool->ParallelFor(
      c_dim,
      [&](int64_t begin, int64_t end) {
        for (int64_t c = begin; c < end; ++c) {
          float lanes[16] = {};
          double tail = 0;
          const int64_t full = spatial / 16 * 16;
          for (int64_t n = 0; n < batch; ++n) {
            const float* __restrict p = g + (n * c_dim + c) * spatial;
            for (int64_t s = 0; s < full; s += 16) {
              for (int j = 0; j < 16; ++j) lanes[j] += p[s + j];
            }
            for (int64_t s = full; s < spatial; ++s) tail += p[s];
          }
          double total = tail;
          for (int j = 0; j < 16; ++j) total += lanes[j];
          out[c] = static_cast<float>(total);
        }
      },
      1 + kElementwiseMinBlock / (batch * spatial > 0 ? batch * spatial : 1));
}

}  // namespace dagrad
