#include "ops/where.h"

#include "absl/strings/str_cat.h"
#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> WhereShape(absl::Span<const Shape> inputs,
                                 const OpAttrs&) {
  if (inputs[kWhereA] != inputs[kWhereMask] ||
      inputs[kWhereB] != inputs[kWhereMask]) {
    return ShapeError(OpKind::kWhere, inputs,
                      "mask, a and b must have one shape (no broadcasting)");
  }
  return inputs[kWhereMask];
}

// y = mask != 0 ? a : b
absl::Status WhereForward(const ForwardContext& ctx) {
  ParallelMap(ctx.pool, ctx.output->size(), ctx.input(kWhereMask).data(),
              ctx.input(kWhereA).data(), ctx.input(kWhereB).data(),
              ctx.output->data(),
              [](float m, float a, float b) { return m != 0.0f ? a : b; });
  return absl::OkStatus();
}

// dL/da = mask != 0 ? dL/dy : 0,   dL/db = mask != 0 ? 0 : dL/dy
void WhereVjp(const VjpContext& ctx) {
  const float* mask = ctx.input(kWhereMask).data();
  const float* dy = ctx.grad_output.data();
  float* dx = ctx.grad_input->data();
  const int64_t n = ctx.grad_input->size();
  if (ctx.wrt == kWhereA) {
    ParallelMap(ctx.pool, n, mask, dy, dx,
                [](float m, float d) { return m != 0.0f ? d : 0.0f; });
  } else {
    ParallelMap(ctx.pool, n, mask, dy, dx,
                [](float m, float d) { return m != 0.0f ? 0.0f : d; });
  }
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kWhere)
                       .Attrs<WhereAttrs>()
                       .Shape(WhereShape)
                       .Forward(WhereForward)
                       .Vjp(WhereVjp, kVjpUsesInputs)
                       .NonDifferentiableInput(kWhereMask));

}  // namespace dagrad
