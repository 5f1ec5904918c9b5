// ops/scale.h: Scale, y = alpha * x, elementwise.
//
// Inputs: x [any]. Attrs: alpha (any finite float). Output: y, the shape of x.
#ifndef DAGRAD_OPS_SCALE_H_
#define DAGRAD_OPS_SCALE_H_

#include <cstdint>
#include <utility>

#include "absl/base/casts.h"
#include "ops/op.h"

namespace dagrad {

struct ScaleAttrs {
  static constexpr OpKind kKind = OpKind::kScale;
  float alpha = 1.0f;

  // Equal when alpha has the same bits (x * 0.0f and x * -0.0f differ).
  friend bool operator==(const ScaleAttrs& a, const ScaleAttrs& b) {
    return absl::bit_cast<uint32_t>(a.alpha) ==
           absl::bit_cast<uint32_t>(b.alpha);
  }
  template <typename H>
  friend H AbslHashValue(H h, const ScaleAttrs& a) {
    return H::combine(std::move(h), absl::bit_cast<uint32_t>(a.alpha));
  }
};

absl::StatusOr<Shape> ScaleShape(absl::Span<const Shape> inputs,
                                 const OpAttrs& attrs);
absl::Status ScaleForward(const ForwardContext& ctx);
void ScaleVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_SCALE_H_
