// ops/loss_checks.h: validation shared by the loss ops (CrossEntropy,
// SoftmaxCrossEntropy, SigmoidBinaryCrossEntropy, MeanSquaredError).
//
//  - ScalarShape(): the [] shape every loss returns.
//  - Label decoding for the classification losses: CheckClassLabelShapes()
//    (shape time: labels are [N] class ids or [N,C] targets) and
//    CheckClassIds() (run time: each id an integer in [0, C)).
//  - Shape checks for the elementwise losses: CheckSameShapeLoss().
//
// Errors are ShapeError() / InvalidArgument messages naming the op and the
// shapes or the offending value.
//
// Example (ops/cross_entropy.cc):
//   RETURN_IF_ERROR(
//       CheckClassLabelShapes(kKind, inputs, "probabilities").status());
//   return ScalarShape();
#ifndef DAGRAD_OPS_LOSS_CHECKS_H_
#define DAGRAD_OPS_LOSS_CHECKS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "ops/op.h"

namespace dagrad {

// ScalarShape() is the shape [] of every loss's output (a static, so that
// returning a copy of it avoids a GCC 12 -Wmaybe-uninitialized false positive
// on moving a fresh empty absl::InlinedVector).
const Shape& ScalarShape();

// LabelFormat is how a classification loss's labels input is read.
enum class LabelFormat {
  kClassIds,  // [N]: class ids stored as floats, each an integer in [0, C).
  kTargets,   // [N,C]: per-class targets (one-hot or soft), used as given.
};

// CheckClassLabelShapes() validates the inputs of a classification loss:
// inputs[0] is [N,C] (named `what`, e.g. "logits"), with C known and >= 1
// and N >= 1 (or unknown); inputs[1] is [N] or [N,C]. Errors are ShapeError()
// naming `kind` and every input shape. Unknown (-1) dimensions match any.
absl::StatusOr<LabelFormat> CheckClassLabelShapes(
    OpKind kind, absl::Span<const Shape> inputs, const char* what);

// CheckClassIds() returns OK if each of the n labels is an integer in [0, c),
// else InvalidArgument naming `kind`, the first bad example's index and its
// value.
absl::Status CheckClassIds(OpKind kind, const float* labels, int64_t n,
                           int64_t c);

// CheckSameShapeLoss() validates an elementwise loss: exactly two inputs of
// rank >= 1 ([N, ...]) with equal shapes (unknown dims match any) and, when
// fully defined, at least one element. `what0`/`what1` name the inputs.
absl::Status CheckSameShapeLoss(OpKind kind, absl::Span<const Shape> inputs,
                                const char* what0, const char* what1);

}  // namespace dagrad

#endif  // DAGRAD_OPS_LOSS_CHECKS_H_
