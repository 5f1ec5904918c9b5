// ops/global_max_pool.h: GlobalMaxPool, y[n,c] = the max of x[n,c,:,:]: an NCHW
// feature map pooled over its whole plane.
//
// Inputs: x [N, C, H, W] with C, H, W >= 1 (N may be unknown). Output:
// [N, C]. No attributes.
// The VJP routes dL/dy[n,c] to the FIRST maximal element of the plane (in
// row-major order; ties are kinks whose subgradient goes to the first).
// A NaN in a plane gives NaN (and no gradient).
// Errors: InvalidArgument naming GlobalMaxPool and x's shape for x not
// rank 4 or an empty plane.
//
// Example:
//   GlobalMaxPool(features [64,512,7,7]) -> [64,512] (a ResNet head)
#ifndef DAGRAD_OPS_GLOBAL_MAX_POOL_H_
#define DAGRAD_OPS_GLOBAL_MAX_POOL_H_

#include "ops/op.h"

namespace dagrad {

struct GlobalMaxPoolAttrs {
  static constexpr OpKind kKind = OpKind::kGlobalMaxPool;
};

absl::StatusOr<Shape> GlobalMaxPoolShape(absl::Span<const Shape> inputs,
                                         const OpAttrs& attrs);
absl::Status GlobalMaxPoolForward(const ForwardContext& ctx);
void GlobalMaxPoolVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_GLOBAL_MAX_POOL_H_
