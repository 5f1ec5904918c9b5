#include "ops/bias_add.h"

#include "absl/strings/str_cat.h"
#include "ops/cpu/channel_bias.h"
#include "ops/cpu/parallel_map.h"

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
    return ShapeError(
        OpKind::kBiasAdd, inputs,
        absl::StrCat("x ", x.DebugString(), " must have rank >= 2 ",
                     "(channels on axis 1)"));
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
  AddChannelBias(ctx.pool, ctx.input(0).data(), ctx.input(1).data(), xs.dim(0),
                 xs.dim(1), Spatial(xs), ctx.output->data());
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
  SumPerChannel(ctx.pool, dy.data(), ys.dim(0), ys.dim(1), Spatial(ys),
                ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kBiasAdd)
                       .Attrs<BiasAddAttrs>()
                       .Shape(BiasAddShape)
                       .Forward(BiasAddForward)
                       .Vjp(BiasAddVjp, kVjpUsesNothing));

}  // namespace dagrad
