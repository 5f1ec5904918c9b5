// ops/global_avg_pool.h: GlobalAvgPool, y[n,c] = the mean of x[n,c,:,:]: an
// NCHW feature map pooled over its whole plane.
//
// Inputs: x [N, C, H, W] with C, H, W >= 1 (N may be unknown). Output:
// [N, C]. No attributes.
// The VJP spreads dL/dy[n,c] / (H W) over the plane.
// Determinism: each plane is summed in index order by one thread.
// Errors: InvalidArgument naming GlobalAvgPool and x's shape for x not
// rank 4 or an empty plane.
//
// Example:
//   GlobalAvgPool(features [64,512,7,7]) -> [64,512] (a ResNet head)
#ifndef DAGRAD_OPS_GLOBAL_AVG_POOL_H_
#define DAGRAD_OPS_GLOBAL_AVG_POOL_H_

#include "ops/op.h"

namespace dagrad {

struct GlobalAvgPoolAttrs {
  static constexpr OpKind kKind = OpKind::kGlobalAvgPool;
};

absl::StatusOr<Shape> GlobalAvgPoolShape(absl::Span<const Shape> inputs,
                                         const OpAttrs& attrs);
absl::Status GlobalAvgPoolForward(const ForwardContext& ctx);
void GlobalAvgPoolVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_GLOBAL_AVG_POOL_H_
