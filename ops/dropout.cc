#include "ops/dropout.h"

#include "absl/strings/str_cat.h"
#include "core/random.h"
#include "ops/cpu/dropout_mask.h"
#include "ops/cpu/parallel_map.h"

namespace dagrad {
namespace {

// Aux: m_i for every element.
int64_t DropoutAuxFloats(const ShapeQuery& query) {
  return query.inputs[0].num_elements();
}

// IsIdentity(): inference, or nothing to drop. The forward and the VJP
// decide it the same way.
bool IsIdentity(bool training, float p) { return !training || p == 0.0f; }

}  // namespace

bool DropoutKeepMask(uint64_t seed, uint64_t step, int64_t index, float p) {
  Rng rng(seed, /*stream=*/step);
  rng.Seek(static_cast<uint64_t>(index));
  return rng.Uniform() < 1.0f - p;
}

uint64_t DropoutFirstIndex(const Shape& x, int64_t example_offset) {
  if (x.rank() == 0 || x.dim(0) == 0) return 0;
  const int64_t per_row = x.num_elements() / x.dim(0);
  return static_cast<uint64_t>(example_offset) * static_cast<uint64_t>(per_row);
}

absl::StatusOr<Shape> DropoutShape(absl::Span<const Shape> inputs,
                                   const OpAttrs& attrs) {
  if (inputs.size() != 1) {
    return ShapeError(OpKind::kDropout, inputs,
                      absl::StrCat("takes 1 input, got ", inputs.size()));
  }
  const float p = AttrsAs<DropoutAttrs>(attrs).p;
  if (!(p >= 0.0f && p < 1.0f)) {  // Also rejects NaN.
    return ShapeError(OpKind::kDropout, inputs,
                      absl::StrCat("p = ", p, " must be in [0, 1)"));
  }
  return inputs[0];
}

// Training: m_i = [u_g < 1 - p] / (1 - p) (saved in aux), y_i = x_i * m_i,
// g = DropoutFirstIndex() + i the element's index in the global batch.
// Inference or p == 0: y = x.
absl::Status DropoutForward(const ForwardContext& ctx) {
  const float p = AttrsAs<DropoutAttrs>(ctx.attrs).p;
  const Tensor& x = ctx.input(0);
  const int64_t n = x.size();
  if (ctx.example_offset < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Dropout: example_offset ", ctx.example_offset,
                     " is negative (input ", x.shape().DebugString(), ")"));
  }
  if (IsIdentity(ctx.training, p)) {
    ParallelCopy(ctx.pool, x.data(), n, ctx.output->data());
    return absl::OkStatus();
  }
  DropoutMaskAndApply(ctx.pool, ctx.seed, ctx.step,
                      DropoutFirstIndex(x.shape(), ctx.example_offset),
                      1.0f - p, DropoutScale(p), x.data(), n, /*m=*/ctx.aux,
                      ctx.output->data());
  return absl::OkStatus();
}

// Training: dL/dx_i = dL/dy_i * m_i   (m from aux: 0 or 1 / (1 - p)).
// Inference or p == 0: dL/dx = dL/dy.
void DropoutVjp(const VjpContext& ctx) {
  const float p = AttrsAs<DropoutAttrs>(ctx.attrs).p;
  const int64_t n = ctx.grad_input->size();
  if (IsIdentity(ctx.training, p)) {
    ParallelCopy(ctx.pool, ctx.grad_output.data(), n, ctx.grad_input->data());
    return;
  }
  ParallelMap(ctx.pool, n, ctx.grad_output.data(), ctx.aux,
              ctx.grad_input->data(), [](float dy, float m) { return dy * m; });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kDropout)
                       .Attrs<DropoutAttrs>()
                       .Shape(DropoutShape)
                       .Forward(DropoutForward)
                       .Vjp(DropoutVjp, kVjpUsesNothing)
                       .Random()
                       .Aux(DropoutAuxFloats));

}  // namespace dagrad
