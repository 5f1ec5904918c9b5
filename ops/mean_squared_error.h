// ops/mean_squared_error.h: MeanSquaredError (PyTorch MSELoss, mean
// reduction).
//
// Inputs: 0: prediction y [N, ...] (rank >= 1, at least one element);
//         1: target t, the shape of y, not differentiable.
// Output: the scalar [] loss, the mean over ALL count = N * ... elements of
//   loss_i = (y_i - t_i)^2.
// Per-example, loss_n is the mean over example n's elements, and
// L = (1/N) sum_n loss_n equals the mean above. The sum is taken over fixed
// blocks of elements in block order, so L is bitwise the same at any thread
// count.
// Gradient (prediction only): dL/dy = dL/dY * 2 (y - t) / count.
//
// Example:
//   auto op = EagerOp::Create(OpKind::kMeanSquaredError,
//                             MeanSquaredErrorAttrs{},
//                             {Shape({64, 784}), Shape({64, 784})}, &pool);
#ifndef DAGRAD_OPS_MEAN_SQUARED_ERROR_H_
#define DAGRAD_OPS_MEAN_SQUARED_ERROR_H_

#include "ops/op.h"

namespace dagrad {

struct MeanSquaredErrorAttrs {
  static constexpr OpKind kKind = OpKind::kMeanSquaredError;
};

absl::StatusOr<Shape> MeanSquaredErrorShape(absl::Span<const Shape> inputs,
                                            const OpAttrs& attrs);
absl::Status MeanSquaredErrorForward(const ForwardContext& ctx);
void MeanSquaredErrorVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_MEAN_SQUARED_ERROR_H_
