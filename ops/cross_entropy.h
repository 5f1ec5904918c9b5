// ops/cross_entropy.h: CrossEntropy on probabilities (PyTorch
// F.nll_loss(torch.log(p), ...), mean reduction), for a model whose last op
// is already a Softmax. Prefer SoftmaxCrossEntropy on logits: it is stabler
// and cheaper.
//
// Inputs:
//   0: probabilities p [N,C], N >= 1, C >= 1. p is used as given: it must be
//      > 0 wherever its target is > 0. A p of 0 where t > 0 gives an infinite
//      loss and an infinite gradient; this is reported, not hidden.
//   1: labels, not differentiable, either
//        [N]   class ids stored as floats; each must be an integer in [0, C),
//              else the FORWARD returns InvalidArgument naming the op, the
//              example index and the value; it means t_n = one_hot(label_n);
//        [N,C] targets t (one-hot or soft), used as given.
// Output: the scalar [] loss
//   L = (1/N) sum_n loss_n,   loss_n = -sum_c t_nc log p_nc,
// where a term with t_nc == 0 is 0 (0 log 0 = 0, whatever p_nc is). The batch
// sum is taken in example order, so L is bitwise the same at any thread
// count.
// Gradient: dL/dp_nc = -dL/dY * t_nc / (N p_nc)  (0 where t_nc == 0).
//
// Example:
//   auto op = EagerOp::Create(OpKind::kCrossEntropy, CrossEntropyAttrs{},
//                             {Shape({64, 10}), Shape({64})}, &pool);
#ifndef DAGRAD_OPS_CROSS_ENTROPY_H_
#define DAGRAD_OPS_CROSS_ENTROPY_H_

#include "ops/op.h"

namespace dagrad {

struct CrossEntropyAttrs {
  static constexpr OpKind kKind = OpKind::kCrossEntropy;
};

absl::StatusOr<Shape> CrossEntropyShape(absl::Span<const Shape> inputs,
                                        const OpAttrs& attrs);
absl::Status CrossEntropyForward(const ForwardContext& ctx);
void CrossEntropyVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CROSS_ENTROPY_H_
