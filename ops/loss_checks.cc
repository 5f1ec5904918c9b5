#include "ops/loss_checks.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace dagrad {
namespace {

bool DimsMatch(int64_t a, int64_t b) {
  return a == b || a == Shape::kUnknownDim || b == Shape::kUnknownDim;
}

}  // namespace

const Shape& ScalarShape() {
  static const Shape* const kScalar = new Shape();
  return *kScalar;
}

absl::StatusOr<LabelFormat> CheckClassLabelShapes(
    OpKind kind, absl::Span<const Shape> inputs, const char* what) {
  if (inputs.size() != 2) {
    return ShapeError(
        kind, inputs,
        absl::StrCat("takes 2 inputs (", what,
                     " [N,C], labels [N] or [N,C]), got ", inputs.size()));
  }
  const Shape& x = inputs[0];
  const Shape& labels = inputs[1];
  if (x.rank() != 2) {
    return ShapeError(
        kind, inputs,
        absl::StrCat(what, " ", x.DebugString(), " must be rank 2 [N,C]"));
  }
  const int64_t n = x.dim(0);
  const int64_t c = x.dim(1);
  if (c == Shape::kUnknownDim || c < 1) {
    return ShapeError(kind, inputs,
                      absl::StrCat(what, " ", x.DebugString(),
                                   " must have a known class count C >= 1"));
  }
  if (n == 0) {
    return ShapeError(kind, inputs,
                      absl::StrCat(what, " ", x.DebugString(),
                                   " has an empty batch (N = 0); the mean "
                                   "over the batch is undefined"));
  }
  if (labels.rank() == 1 && DimsMatch(labels.dim(0), n)) {
    return LabelFormat::kClassIds;
  }
  if (labels.rank() == 2 && DimsMatch(labels.dim(0), n) &&
      DimsMatch(labels.dim(1), c)) {
    return LabelFormat::kTargets;
  }
  return ShapeError(kind, inputs,
                    absl::StrCat("labels ", labels.DebugString(),
                                 " must be [N] class ids or [N,C] targets for ",
                                 what, " ", x.DebugString()));
}

absl::Status CheckClassIds(OpKind kind, const float* labels, int64_t n,
                           int64_t c) {
  const float limit = static_cast<float>(c);
  for (int64_t i = 0; i < n; ++i) {
    const float v = labels[i];
    // NaN fails every comparison, so it is caught by the first test.
    if (!(v >= 0.0f && v < limit && v == std::floor(v))) {
      return absl::InvalidArgumentError(
          absl::StrCat(OpName(kind), ": label ", v, " of example ", i,
                       " is not an integer class id in [0, ", c, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSameShapeLoss(OpKind kind, absl::Span<const Shape> inputs,
                                const char* what0, const char* what1) {
  if (inputs.size() != 2) {
    return ShapeError(kind, inputs,
                      absl::StrCat("takes 2 inputs (", what0, ", ", what1,
                                   "), got ", inputs.size()));
  }
  const Shape& a = inputs[0];
  const Shape& b = inputs[1];
  if (a.rank() < 1) {
    return ShapeError(kind, inputs,
                      absl::StrCat(what0, " ", a.DebugString(),
                                   " must have rank >= 1 ([N, ...])"));
  }
  bool match = a.rank() == b.rank();
  for (int i = 0; match && i < a.rank(); ++i) {
    match = DimsMatch(a.dim(i), b.dim(i));
  }
  if (!match) {
    return ShapeError(
        kind, inputs,
        absl::StrCat(what1, " ", b.DebugString(), " must have the shape of ",
                     what0, " ", a.DebugString()));
  }
  for (int i = 0; i < a.rank(); ++i) {
    if (a.dim(i) == 0 || b.dim(i) == 0) {
      return ShapeError(kind, inputs,
                        absl::StrCat(what0, " ", a.DebugString(),
                                     " has no elements; the mean is "
                                     "undefined"));
    }
  }
  return absl::OkStatus();
}

}  // namespace dagrad
