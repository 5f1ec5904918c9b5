// ops/softmax_cross_entropy.h: SoftmaxCrossEntropy, the fused softmax +
// cross-entropy loss on logits (PyTorch F.cross_entropy, mean reduction).
//
// Inputs:
//   0: logits x [N,C], N >= 1, C >= 1.
//   1: labels, not differentiable, either
//        [N]   class ids stored as floats; each must be an integer in [0, C),
//              else the FORWARD returns InvalidArgument naming the op, the
//              example index and the value; it means t_n = one_hot(label_n);
//        [N,C] targets t (one-hot or soft), used as given (rows need not sum
//              to 1).
// Output: the scalar [] loss
//   L = (1/N) sum_n loss_n,   loss_n = -sum_c t_nc log softmax(x_n)_c
//                                    = logsumexp(x_n) - sum_c t_nc x_nc
//                                      (for rows of t that sum to 1),
// computed stably (log-sum-exp with the row max subtracted). The batch sum is
// taken in example order, so L is bitwise the same at any thread count.
// Gradient: dL/dx = dL/dY * (softmax(x) - t) / N; the forward keeps
// softmax(x) in aux for it.
//
// Example:
//   auto op = EagerOp::Create(OpKind::kSoftmaxCrossEntropy,
//                             SoftmaxCrossEntropyAttrs{},
//                             {Shape({64, 10}), Shape({64})}, &pool);
//   RETURN_IF_ERROR((*op)->Forward({&logits, &labels}));  // output(): []
#ifndef DAGRAD_OPS_SOFTMAX_CROSS_ENTROPY_H_
#define DAGRAD_OPS_SOFTMAX_CROSS_ENTROPY_H_

#include "ops/op.h"

namespace dagrad {

struct SoftmaxCrossEntropyAttrs {
  static constexpr OpKind kKind = OpKind::kSoftmaxCrossEntropy;
};

absl::StatusOr<Shape> SoftmaxCrossEntropyShape(absl::Span<const Shape> inputs,
                                               const OpAttrs& attrs);
absl::Status SoftmaxCrossEntropyForward(const ForwardContext& ctx);
void SoftmaxCrossEntropyVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SOFTMAX_CROSS_ENTROPY_H_
