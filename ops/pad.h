// ops/pad.h: Pad, y = x surrounded by a constant: before_d values ahead of
// axis d and after_d behind it.
//
// Inputs: x [any, rank r]. Attrs: before and after (r entries each, >= 0),
// value (finite; default 0). Output: [dim_d + before_d + after_d]; an
// unknown dimension stays unknown. The VJP is dL/dy's box where x sits.
// Errors (InvalidArgument naming Pad, the input shape and the pads): pads
// not of rank r, a negative pad, a non-finite value.
//
// Example:
//   PadAttrs attrs;
//   attrs.before = {0, 0, 2, 2};
//   attrs.after = {0, 0, 2, 2};  // [8,3,28,28] -> [8,3,32,32], zeros around
#ifndef DAGRAD_OPS_PAD_H_
#define DAGRAD_OPS_PAD_H_

#include <cstdint>
#include <vector>

#include "ops/op.h"

namespace dagrad {

struct PadAttrs {
  static constexpr OpKind kKind = OpKind::kPad;
  std::vector<int64_t> before;
  std::vector<int64_t> after;
  float value = 0.0f;
};

absl::StatusOr<Shape> PadShape(absl::Span<const Shape> inputs,
                               const OpAttrs& attrs);
absl::Status PadForward(const ForwardContext& ctx);
void PadVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_PAD_H_
