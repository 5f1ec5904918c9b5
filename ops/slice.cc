#include "ops/slice.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/cpu/box_copy.h"

namespace dagrad {

absl::StatusOr<Shape> SliceShape(absl::Span<const Shape> inputs,
                                 const OpAttrs& attrs) {
  const auto& at = AttrsAs<SliceAttrs>(attrs);
  const Shape& x = inputs[0];
  const std::string box =
      absl::StrCat("begin [", absl::StrJoin(at.begin, ","), "] size [",
                   absl::StrJoin(at.size, ","), "]");
  const int rank = x.rank();
  if (static_cast<int>(at.begin.size()) != rank ||
      static_cast<int>(at.size.size()) != rank) {
    return ShapeError(OpKind::kSlice, inputs,
                      absl::StrCat(box, " must have one entry per axis of x ",
                                   x.DebugString(), " (rank ", rank, ")"));
  }
  std::vector<int64_t> dims(rank);
  for (int d = 0; d < rank; ++d) {
    const int64_t b = at.begin[d], s = at.size[d], n = x.dim(d);
    const bool known = n != Shape::kUnknownDim;
    if (b < 0 || s < -1 || (known && b + (s == -1 ? 0 : s) > n)) {
      return ShapeError(
          OpKind::kSlice, inputs,
          absl::StrCat(box, " leaves axis ", d, " of x ", x.DebugString(),
                       " (need 0 <= begin <= begin + size <= dim, size -1 "
                       "= to the end)"));
    }
    dims[d] = s != -1 ? s : (known ? n - b : Shape::kUnknownDim);
  }
  return Shape(absl::Span<const int64_t>(dims));
}

// y = x[begin : begin + size]   (y [size], the box of x)
absl::Status SliceForward(const ForwardContext& ctx) {
  const auto& at = AttrsAs<SliceAttrs>(ctx.attrs);
  CopyBox(ctx.pool, ctx.input(0).data(), ctx.input(0).shape().dims(), at.begin,
          ctx.output->shape().dims(), ctx.output->data());
  return absl::OkStatus();
}

// dL/dx = dL/dy inside the box, 0 outside
void SliceVjp(const VjpContext& ctx) {
  const auto& at = AttrsAs<SliceAttrs>(ctx.attrs);
  Tensor* dx = ctx.grad_input;
  FillConstant(ctx.pool, dx->size(), 0.0f, dx->data());
  ScatterBox(ctx.pool, ctx.grad_output.data(), dx->shape().dims(), at.begin,
             ctx.grad_output.shape().dims(), dx->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kSlice)
                       .Attrs<SliceAttrs>()
                       .Shape(SliceShape)
                       .Forward(SliceForward)
                       .Vjp(SliceVjp, kVjpUsesNothing));

}  // namespace dagrad
