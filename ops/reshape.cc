#include "ops/reshape.h"

#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ops/cpu/parallel_map.h"

namespace dagrad {

absl::StatusOr<Shape> ReshapeShape(absl::Span<const Shape> inputs,
                                   const OpAttrs& attrs) {
  const std::vector<int64_t>& target = AttrsAs<ReshapeAttrs>(attrs).shape;
  const Shape& in = inputs[0];
  const std::string target_str =
      absl::StrCat("target shape [", absl::StrJoin(target, ","), "]");
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

  // Product of the target's fixed dimensions, and where the -1 is.
  int infer = -1;
  int64_t fixed = 1;
  for (int i = 0; i < static_cast<int>(target.size()); ++i) {
    const int64_t d = target[i];
    if (d == -1) {
      if (infer >= 0) {
        return ShapeError(OpKind::kReshape, inputs,
                          absl::StrCat(target_str,
                                       " has more than one -1 (at most one "
                                       "dimension can be inferred)"));
      }
      infer = i;
      continue;
    }
    if (d < 0) {
      return ShapeError(
          OpKind::kReshape, inputs,
          absl::StrCat(target_str, " has negative dimension ", d,
                       " (only -1, meaning inferred, is allowed)"));
    }
    if (d > 0 && fixed > kMax / d) {
      return ShapeError(OpKind::kReshape, inputs,
                        absl::StrCat(target_str, " overflows int64"));
    }
    fixed *= d;
  }
  if (infer >= 0 && fixed == 0) {
    return ShapeError(OpKind::kReshape, inputs,
                      absl::StrCat(target_str,
                                   " cannot infer its -1: the other "
                                   "dimensions multiply to 0"));
  }

  std::vector<int64_t> out(target.begin(), target.end());
  if (in.is_fully_defined()) {
    const int64_t count = in.num_elements();
    if (infer < 0) {
      if (fixed != count) {
        return ShapeError(OpKind::kReshape, inputs,
                          absl::StrCat(target_str, " has ", fixed,
                                       " elements but the input has ", count));
      }
    } else {
      if (count % fixed != 0) {
        return ShapeError(
            OpKind::kReshape, inputs,
            absl::StrCat(target_str, ": the input's ", count,
                         " elements are not a multiple of ", fixed,
                         ", the product of the other dimensions"));
      }
      out[infer] = count / fixed;
    }
    return Shape(absl::MakeConstSpan(out));
  }

  // The input has an unknown (batch) dimension.
  if (infer < 0) {
    return ShapeError(
        OpKind::kReshape, inputs,
        absl::StrCat(target_str,
                     " has no -1 but the input has an unknown dimension; "
                     "put -1 where the unknown (batch) size goes"));
  }
  bool has_zero = false;
  for (int64_t d : in.dims()) has_zero = has_zero || d == 0;
  out[infer] = has_zero ? 0 : Shape::kUnknownDim;
  return Shape(absl::MakeConstSpan(out));
}

// y = x, same row-major elements in the target shape.
absl::Status ReshapeForward(const ForwardContext& ctx) {
  ParallelCopy(ctx.pool, ctx.input(0).data(), ctx.output->size(),
               ctx.output->data());
  return absl::OkStatus();
}

// dL/dx = dL/dy, read back in x's shape   [shape of x]
void ReshapeVjp(const VjpContext& ctx) {
  ParallelCopy(ctx.pool, ctx.grad_output.data(), ctx.grad_input->size(),
               ctx.grad_input->data());
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kReshape)
                       .Attrs<ReshapeAttrs>()
                       .Shape(ReshapeShape)
                       .Forward(ReshapeForward)
                       .View()
                       .Vjp(ReshapeVjp, kVjpUsesNothing));

}  // namespace dagrad
