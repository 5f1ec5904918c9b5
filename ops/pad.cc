#include "ops/pad.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/cpu/box_copy.h"

namespace dagrad {

absl::StatusOr<Shape> PadShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs) {
  const auto& at = AttrsAs<PadAttrs>(attrs);
  const Shape& x = inputs[0];
  const int rank = x.rank();
  const std::string pads =
      absl::StrCat("before [", absl::StrJoin(at.before, ","), "] after [",
                   absl::StrJoin(at.after, ","), "]");
  bool ok = static_cast<int>(at.before.size()) == rank &&
            static_cast<int>(at.after.size()) == rank;
  for (int d = 0; ok && d < rank; ++d) {
    ok = at.before[d] >= 0 && at.after[d] >= 0;
  }
  if (!ok) {
    return ShapeError(OpKind::kPad, inputs,
                      absl::StrCat(pads, " must be ", rank,
                                   " pads >= 0 each (one per axis of x ",
                                   x.DebugString(), ")"));
  }
  if (!std::isfinite(at.value)) {
    return ShapeError(OpKind::kPad, inputs,
                      absl::StrCat("value ", at.value, " must be finite"));
  }
  std::vector<int64_t> dims(rank);
  for (int d = 0; d < rank; ++d) {
    dims[d] = x.dim(d) == Shape::kUnknownDim
                  ? Shape::kUnknownDim
                  : x.dim(d) + at.before[d] + at.after[d];
  }
  return Shape(absl::Span<const int64_t>(dims));
}

// y = value, then y[before : before + dims(x)] = x
absl::Status PadForward(const ForwardContext& ctx) {
  const auto& at = AttrsAs<PadAttrs>(ctx.attrs);
  Tensor* y = ctx.output;
  FillConstant(ctx.pool, y->size(), at.value, y->data());
  ScatterBox(ctx.pool, ctx.input(0).data(), y->shape().dims(), at.before,
             ctx.input(0).shape().dims(), y->data());
  return absl::OkStatus();
}

// dL/dx = dL/dy[before : before + dims(x)]
void PadVjp(const VjpContext& ctx) {
  const auto& at = AttrsAs<PadAttrs>(ctx.attrs);
  CopyBox(ctx.pool, ctx.grad_output.data(), ctx.grad_output.shape().dims(),
          at.before, ctx.grad_input->shape().dims(), ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kPad)
                       .Attrs<PadAttrs>()
                       .Shape(PadShape)
                       .Forward(PadForward)
                       .Vjp(PadVjp, kVjpUsesNothing));

}  // namespace dagrad
