#include "ops/elementwise.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace dagrad {

absl::StatusOr<Shape> FiniteAttrShape(OpKind kind,
                                      absl::Span<const Shape> inputs,
                                      const char* name, float value) {
  if (!std::isfinite(value)) {
    return ShapeError(kind, inputs,
                      absl::StrCat(name, " ", value, " must be finite"));
  }
  return inputs[0];
}

}  // namespace dagrad
