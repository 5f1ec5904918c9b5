// ops/last_axis.h: the shape function and scratch of the ops that work on
// rows of the last axis (Softmax, LogSoftmax).
//
// Example (ops/softmax.cc):
//   absl::StatusOr<Shape> SoftmaxShape(absl::Span<const Shape> inputs,
//                                      const OpAttrs&) {
//     return LastAxisShape(OpKind::kSoftmax, inputs);
//   }
#ifndef DAGRAD_OPS_LAST_AXIS_H_
#define DAGRAD_OPS_LAST_AXIS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "ops/op.h"

namespace dagrad {

// LastAxisShape() is the shape function of the ops that work on rows of
// the last axis (Softmax, LogSoftmax): one input of rank >= 1 whose last
// dimension is known and >= 1; the output has its shape.
absl::StatusOr<Shape> LastAxisShape(OpKind kind,
                                    absl::Span<const Shape> inputs);

// LastAxisRowScratch() is their ScratchFn: one float (the row's
// log-sum-exp) per row for the forward, nothing for the VJP.
int64_t LastAxisRowScratch(const ShapeQuery& query, int wrt);

}  // namespace dagrad

#endif  // DAGRAD_OPS_LAST_AXIS_H_
