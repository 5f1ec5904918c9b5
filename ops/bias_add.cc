#include "ops/bias_add.h"

#include "absl/strings/str_cat.h"
#include "ops/act_util.h"
#include "ops/elementwise_util.h"

namespace dagrad {
namespace {

// Spatial() is the product of x's dims after the channel axis.
int64_t Spatial(const Shape& x) {
  int64_t s = 1;
  for (int d = 2; d < x.rank(); ++d) s *= x.dim(d);
  return s;
}

}  // namespace

absl::StatusOr<Shape> BiasAddShape(absl::Span<const Shape> inputs,
                                   const OpAttrs&) {
  const Shape& x = inputs[0];
  const Shape& bias = inputs[1];
  if (x.rank() < 2) {
    return ShapeError(OpKind::kBiasAdd, inputs,
                      absl::StrCat("x ", x.DebugString(),
                                   " must have rank >= 2 (channels on axis 1)"));
  }
  if (bias.rank() != 1 || bias.dim(0) != x.dim(1)) {
    return ShapeError(OpKind::kBiasAdd, inputs,
                      absl::StrCat("bias ", bias.DebugString(),
                                   " must be [C] with C = x.dim(1) = ",
                                   x.dim(1), " for x ", x.DebugString()));
  }
  return x;
}

// y[n,c,s] = x[n,c,s] + bias[c]   (x viewed as [N, C, S])
absl::Status BiasAddForward(const ForwardContext& ctx) {
  const Shape& xs = ctx.input(0).shape();
  const int64_t c_dim = xs.dim(1);
  const int64_t spatial = Spatial(xs);
  const int64_t rows = xs.dim(0) * c_dim;
  const float* x = ctx.input(0).data();
  const float* bias = ctx.input(1).data();
  float* y = ctx.output->data();
  if (spatial == 1) {
    // [N,C]: one row per image, bias added lane-wise.
    ctx.pool->ParallelFor(
        xs.dim(0),
        [&](int64_t begin, int64_t end) {
          for (int64_t n = begin; n < end; ++n) {
            AddRows(x + n * c_dim, bias, y + n * c_dim, c_dim);
          }
        },
        1 + kElementwiseMinBlock / (c_dim > 0 ? c_dim : 1));
    return absl::OkStatus();
  }
  ctx.pool->ParallelFor(
      rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          AddScalarRow(x + r * spatial, bias[r % c_dim], y + r * spatial,
                       spatial);
        }
      },
      1 + kElementwiseMinBlock / spatial);
  return absl::OkStatus();
}

// dL/dx = dL/dy
// dL/dbias[c] = sum_{n,s} dL/dy[n,c,s]
void BiasAddVjp(const VjpContext& ctx) {
  const Tensor& dy = ctx.grad_output;
  if (ctx.wrt == 0) {
    ParallelCopy(ctx.pool, dy.data(), dy.size(), ctx.grad_input->data());
    return;
  }
  const Shape& ys = dy.shape();
  const int64_t batch = ys.dim(0);
  const int64_t c_dim = ys.dim(1);
  const int64_t spatial = Spatial(ys);
  const float* g = dy.data();
  float* db = ctx.grad_input->data();
  if (spatial == 1) {
    // [N,C]: channels are contiguous; sum rows in image order per channel.
    // Channel blocks of 64 are split over threads; each element of db sees
    // the same additions in the same order.
    constexpr int64_t kBlock = 64;
    const int64_t blocks = (c_dim + kBlock - 1) / kBlock;
    ctx.pool->ParallelFor(
        blocks,
        [&](int64_t begin, int64_t end) {
          for (int64_t blk = begin; blk < end; ++blk) {
            const int64_t c0 = blk * kBlock;
            const int64_t len = c0 + kBlock <= c_dim ? kBlock : c_dim - c0;
            float* out = db + c0;
            for (int64_t c = 0; c < len; ++c) out[c] = 0.0f;
            for (int64_t n = 0; n < batch; ++n) {
              AccumulateRow(out, g + n * c_dim + c0, len);
            }
          }
        },
        1 + kElementwiseMinBlock / (kBlock * (batch > 0 ? batch : 1)));
    return;
  }
  ctx.pool->ParallelFor(
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
          db[c] = static_cast<float>(total);
        }
      },
      1 + kElementwiseMinBlock / (batch * spatial > 0 ? batch * spatial : 1));
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kBiasAdd)
                       .Attrs<BiasAddAttrs>()
                       .Shape(BiasAddShape)
                       .Forward(BiasAddForward)
                       .Vjp(BiasAddVjp, kVjpUsesNothing));

}  // namespace dagrad
