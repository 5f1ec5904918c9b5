#include "ops/sigmoid_binary_cross_entropy.h"

#include <cmath>

#include "ops/cpu/parallel_map.h"
#include "ops/cpu/reduce.h"
#include "ops/cpu/vec_math.h"
#include "ops/loss_checks.h"

namespace dagrad {
namespace {

constexpr OpKind kKind = OpKind::kSigmoidBinaryCrossEntropy;

// Forward scratch: one partial sum per block of elements.
int64_t BceScratchFloats(const ShapeQuery& query, int wrt) {
  return wrt < 0 ? FixedBlockSumScratchFloats(query.inputs[0].num_elements())
                 : 0;
}

// BceTerm: max(x, 0) - x t + log1p(exp(-|x|)).
struct BceTerm {
  float operator()(float x, float t) const {
    return (x > 0.0f ? x : 0.0f) - x * t +
           std::log1p(ExpNonPositive(-std::fabs(x)));
  }
};

// BceGrad: scale * (sigmoid(x) - t), sigmoid from e = exp(-|x|) in (0, 1].
struct BceGrad {
  float scale;
  float operator()(float x, float t) const {
    const float e = ExpNonPositive(-std::fabs(x));
    const float s = 1.0f / (1.0f + e);
    const float sig = x >= 0.0f ? s : e * s;
    return (sig - t) * scale;
  }
};

}  // namespace

absl::StatusOr<Shape> SigmoidBinaryCrossEntropyShape(
    absl::Span<const Shape> inputs, const OpAttrs&) {
  RETURN_IF_ERROR(CheckSameShapeLoss(kKind, inputs, "logits", "targets"));
  return ScalarShape();
}

// L = (1/count) sum_i max(x_i, 0) - x_i t_i + log(1 + exp(-|x_i|))
absl::Status SigmoidBinaryCrossEntropyForward(const ForwardContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t count = x.size();
  const float* xd = x.data();
  const float* t = ctx.input(1).data();
  const double sum =
      FixedBlockSum(ctx.pool, count, ctx.scratch,
                    [xd, t](int64_t i) { return BceTerm{}(xd[i], t[i]); });
  ctx.output->data()[0] = static_cast<float>(sum / static_cast<double>(count));
  return absl::OkStatus();
}

// dL/dx [shape of x] = dL/dY * (sigmoid(x) - t) / count
void SigmoidBinaryCrossEntropyVjp(const VjpContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t count = x.size();
  const float scale = ctx.grad_output.data()[0] / static_cast<float>(count);
  ParallelMap(ctx.pool, count, x.data(), ctx.input(1).data(),
              ctx.grad_input->data(), BceGrad{scale});
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSigmoidBinaryCrossEntropy)
                       .Attrs<SigmoidBinaryCrossEntropyAttrs>()
                       .Shape(SigmoidBinaryCrossEntropyShape)
                       .Forward(SigmoidBinaryCrossEntropyForward)
                       .Vjp(SigmoidBinaryCrossEntropyVjp, kVjpUsesInputs)
                       .NonDifferentiableInput(1)
                       .Scratch(BceScratchFloats));

}  // namespace dagrad
