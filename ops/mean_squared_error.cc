#include "ops/mean_squared_error.h"

#include "ops/cpu/parallel_map.h"
#include "ops/cpu/reduce.h"
#include "ops/loss_checks.h"

namespace dagrad {
namespace {

constexpr OpKind kKind = OpKind::kMeanSquaredError;

// Forward scratch: one partial sum per block of elements.
int64_t MseScratchFloats(const ShapeQuery& query, int wrt) {
  return wrt < 0 ? FixedBlockSumScratchFloats(query.inputs[0].num_elements())
                 : 0;
}

struct SquaredError {
  float operator()(float y, float t) const {
    const float d = y - t;
    return d * d;
  }
};

// MseGrad: scale * (y - t), scale = 2 dL/dY / count.
struct MseGrad {
  float scale;
  float operator()(float y, float t) const { return (y - t) * scale; }
};

}  // namespace

absl::StatusOr<Shape> MeanSquaredErrorShape(absl::Span<const Shape> inputs,
                                            const OpAttrs&) {
  RETURN_IF_ERROR(CheckSameShapeLoss(kKind, inputs, "prediction", "target"));
  return ScalarShape();
}

// L = (1/count) sum_i (y_i - t_i)^2
absl::Status MeanSquaredErrorForward(const ForwardContext& ctx) {
  const Tensor& y = ctx.input(0);
  const int64_t count = y.size();
  const float* yd = y.data();
  const float* t = ctx.input(1).data();
  const double sum =
      FixedBlockSum(ctx.pool, count, ctx.scratch,
                    [yd, t](int64_t i) { return SquaredError{}(yd[i], t[i]); });
  ctx.output->data()[0] = static_cast<float>(sum / static_cast<double>(count));
  return absl::OkStatus();
}

// dL/dy [shape of y] = dL/dY * 2 (y - t) / count
void MeanSquaredErrorVjp(const VjpContext& ctx) {
  const Tensor& y = ctx.input(0);
  const int64_t count = y.size();
  const float scale =
      2.0f * ctx.grad_output.data()[0] / static_cast<float>(count);
  ParallelMap(ctx.pool, count, y.data(), ctx.input(1).data(),
              ctx.grad_input->data(), MseGrad{scale});
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kMeanSquaredError)
                       .Attrs<MeanSquaredErrorAttrs>()
                       .Shape(MeanSquaredErrorShape)
                       .Forward(MeanSquaredErrorForward)
                       .Vjp(MeanSquaredErrorVjp, kVjpUsesInputs)
                       .NonDifferentiableInput(1)
                       .Scratch(MseScratchFloats));

}  // namespace dagrad
