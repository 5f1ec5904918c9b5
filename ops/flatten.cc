#include "ops/flatten.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> FlattenShape(absl::Span<const Shape> inputs,
                                   const OpAttrs&) {
  const Shape& in = inputs[0];
  if (in.rank() < 2) {
    return ShapeError(OpKind::kFlatten, inputs,
                      absl::StrCat("input must have rank >= 2 ([N, d1, ...]), "
                                   "got rank ",
                                   in.rank()));
  }
  int64_t features = 1;
  for (int i = 1; i < in.rank(); ++i) {
    const int64_t d = in.dim(i);
    if (d < 0) {
      return ShapeError(OpKind::kFlatten, inputs,
                        absl::StrCat("dimension ", i,
                                     " is unknown; only dimension 0 (the "
                                     "batch) may be"));
    }
    if (d > 0 && features > std::numeric_limits<int64_t>::max() / d) {
      return ShapeError(OpKind::kFlatten, inputs,
                        "flattened size overflows int64");
    }
    features *= d;
  }
  if (in.dim(0) > 0 &&
      features > std::numeric_limits<int64_t>::max() / in.dim(0)) {
    return ShapeError(OpKind::kFlatten, inputs,
                      "element count overflows int64");
  }
  return Shape({in.dim(0), features});
}

// y = x, same row-major elements as [N, d1*d2*...].
absl::Status FlattenForward(const ForwardContext& ctx) {
  ParallelCopy(ctx.pool, ctx.input(0).data(), ctx.output->size(),
               ctx.output->data());
  return absl::OkStatus();
}

// dL/dx = dL/dy, read back as [N, d1, d2, ...]   [shape of x]
void FlattenVjp(const VjpContext& ctx) {
  ParallelCopy(ctx.pool, ctx.grad_output.data(), ctx.grad_input->size(),
               ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kFlatten)
                       .Attrs<FlattenAttrs>()
                       .Shape(FlattenShape)
                       .Forward(FlattenForward)
                       .View()
                       .Vjp(FlattenVjp, kVjpUsesNothing));

}  // namespace dagrad
