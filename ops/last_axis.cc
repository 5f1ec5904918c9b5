#include "ops/last_axis.h"

#include "absl/strings/str_cat.h"

namespace dagrad {

absl::StatusOr<Shape> LastAxisShape(OpKind kind,
                                    absl::Span<const Shape> inputs) {
  if (inputs.size() != 1) {
    return ShapeError(kind, inputs,
                      absl::StrCat("takes 1 input, got ", inputs.size()));
  }
  const Shape& x = inputs[0];
  if (x.rank() < 1) {
    return ShapeError(kind, inputs,
                      "input [] must have rank >= 1 (rows of the last axis)");
  }
  if (x.dim(-1) == Shape::kUnknownDim || x.dim(-1) < 1) {
    return ShapeError(kind, inputs,
                      absl::StrCat("last axis of ", x.DebugString(),
                                   " must be known and >= 1"));
  }
  return x;
}

int64_t LastAxisRowScratch(const ShapeQuery& query, int wrt) {
  const Shape& x = query.inputs[0];
  return wrt < 0 ? x.num_elements() / x.dim(-1) : 0;
}

}  // namespace dagrad
