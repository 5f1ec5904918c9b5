// ops/sigmoid_binary_cross_entropy.h: SigmoidBinaryCrossEntropy, the fused
// sigmoid + binary cross-entropy loss on logits (PyTorch BCEWithLogitsLoss,
// mean reduction).
//
// Inputs: 0: logits x [N, ...] (rank >= 1, at least one element);
//         1: targets t, the shape of x, not differentiable (usually in
//            [0, 1]; used as given).
// Output: the scalar [] loss, the mean over ALL count = N * ... elements of
//   loss_i = -t_i log sigmoid(x_i) - (1 - t_i) log(1 - sigmoid(x_i))
//          = max(x_i, 0) - x_i t_i + log(1 + exp(-|x_i|))
// (the second, stable form is what is computed: no overflow for any finite
// x). Per-example, loss_n is the mean over example n's elements, and
// L = (1/N) sum_n loss_n equals the mean above. The sum is taken over fixed
// blocks of elements in block order, so L is bitwise the same at any thread
// count.
// Gradient: dL/dx = dL/dY * (sigmoid(x) - t) / count.
//
// Example:
//   auto op = EagerOp::Create(OpKind::kSigmoidBinaryCrossEntropy,
//                             SigmoidBinaryCrossEntropyAttrs{},
//                             {Shape({64, 1}), Shape({64, 1})}, &pool);
#ifndef DAGRAD_OPS_SIGMOID_BINARY_CROSS_ENTROPY_H_
#define DAGRAD_OPS_SIGMOID_BINARY_CROSS_ENTROPY_H_

#include "ops/op.h"

namespace dagrad {

struct SigmoidBinaryCrossEntropyAttrs {
  static constexpr OpKind kKind = OpKind::kSigmoidBinaryCrossEntropy;
};

absl::StatusOr<Shape> SigmoidBinaryCrossEntropyShape(
    absl::Span<const Shape> inputs, const OpAttrs& attrs);
absl::Status SigmoidBinaryCrossEntropyForward(const ForwardContext& ctx);
void SigmoidBinaryCrossEntropyVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SIGMOID_BINARY_CROSS_ENTROPY_H_
