#include "ops/concat.h"

#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "ops/cpu/box_copy.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;

int Axis(const ConcatAttrs& at, int rank) {
  return at.axis < 0 ? at.axis + rank : at.axis;
}

// BoxBegin() is the start of an input's box in y: 0 except `offset` on
// the axis.
absl::InlinedVector<int64_t, 6> BoxBegin(int rank, int axis, int64_t offset) {
  absl::InlinedVector<int64_t, 6> begin(rank, 0);
  begin[axis] = offset;
  return begin;
}

}  // namespace

absl::StatusOr<Shape> ConcatShape(absl::Span<const Shape> inputs,
                                  const OpAttrs& attrs) {
  const int rank = inputs[0].rank();
  const int axis = AttrsAs<ConcatAttrs>(attrs).axis;
  if (rank == 0 || axis < -rank || axis >= rank) {
    return ShapeError(OpKind::kConcat, inputs,
                      absl::StrCat("axis ", axis, " is out of range for x_0 ",
                                   inputs[0].DebugString(), " (valid: [", -rank,
                                   ", ", rank, "), rank >= 1)"));
  }
  const int a = axis < 0 ? axis + rank : axis;
  std::vector<int64_t> dims(inputs[0].dims().begin(), inputs[0].dims().end());
  for (size_t i = 1; i < inputs.size(); ++i) {
    const Shape& s = inputs[i];
    if (s.rank() != rank) {
      return ShapeError(
          OpKind::kConcat, inputs,
          absl::StrCat("x_", i, " ", s.DebugString(), " has rank ", s.rank(),
                       ", x_0 rank ", rank));
    }
    for (int d = 0; d < rank; ++d) {
      const int64_t n = s.dim(d);
      if (d == a) {
        dims[d] = dims[d] == kUnknown || n == kUnknown ? kUnknown : dims[d] + n;
      } else if (dims[d] == kUnknown) {
        dims[d] = n;
      } else if (n != kUnknown && n != dims[d]) {
        return ShapeError(
            OpKind::kConcat, inputs,
            absl::StrCat("x_", i, " ", s.DebugString(), " differs from x_0 ",
                         inputs[0].DebugString(), " on axis ", d,
                         " (only axis ", a, " may differ)"));
      }
    }
  }
  return Shape(absl::Span<const int64_t>(dims));
}

// y[..., o_i + j, ...] = x_i[..., j, ...],  o_i = sum_{k<i} dim_k(axis)
absl::Status ConcatForward(const ForwardContext& ctx) {
  const Shape& ys = ctx.output->shape();
  const int axis = Axis(AttrsAs<ConcatAttrs>(ctx.attrs), ys.rank());
  int64_t offset = 0;
  for (const Tensor* x : ctx.inputs) {
    ScatterBox(ctx.pool, x->data(), ys.dims(),
               BoxBegin(ys.rank(), axis, offset), x->shape().dims(),
               ctx.output->data());
    offset += x->shape().dim(axis);
  }
  return absl::OkStatus();
}

// dL/dx_i = dL/dy[..., o_i : o_i + dim_i(axis), ...]
void ConcatVjp(const VjpContext& ctx) {
  const Shape& ys = ctx.grad_output.shape();
  const int axis = Axis(AttrsAs<ConcatAttrs>(ctx.attrs), ys.rank());
  int64_t offset = 0;
  for (int i = 0; i < ctx.wrt; ++i) offset += ctx.input(i).shape().dim(axis);
  CopyBox(ctx.pool, ctx.grad_output.data(), ys.dims(),
          BoxBegin(ys.rank(), axis, offset), ctx.grad_input->shape().dims(),
          ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kConcat)
                       .Attrs<ConcatAttrs>()
                       .Shape(ConcatShape)
                       .Forward(ConcatForward)
                       .Vjp(ConcatVjp, kVjpUsesInputs));

}  // namespace dagrad
