// ops/avg_pool2d.h: AvgPool2D, 2-D average (mean) pooling over NCHW images.
//
// Input: x [N, C, H, W]. Output: y [N, C, OH, OW] with
//   y[n,c,i,j] = (1 / (window_h*window_w)) * sum over the window of output
//                (i, j) (ops/pool_window.h) of x[n,c,h,w],
// the padded cells counted as zeros: the divisor is always the full window
// area (PyTorch's count_include_pad=True). Each window is summed in one
// fixed order per geometry: row-major, or (a + c) + (b + d) on the 2x2 fast
// path below (a, b the top row, c, d the bottom row).
//
// VJP (wrt 0; VjpUses kVjpUsesNothing: only dL/dy is read): each input cell
// gets 1/(window_h*window_w) of the dL/dy of every window that covers it
// (the math is above AvgPool2DVjp()).
//
// Kernels run over the N*C planes in parallel, each plane identically
// whatever the split (bitwise equal at any thread count), and allocate
// nothing: ops/cpu/pool_planes.h for any geometry, and ops/cpu/pool2x2.h,
// an AVX-512 loop where built, for a 2x2, stride-2 window that reads no
// padding (VALID, or SAME on even sizes).
//
// Example:
//   AvgPool2DAttrs attrs;  // 2x2, stride 2, VALID
//   // x [64,6,28,28] -> y [64,6,14,14]
#ifndef DAGRAD_OPS_AVG_POOL2D_H_
#define DAGRAD_OPS_AVG_POOL2D_H_

#include <cstdint>

#include "ops/op.h"
#include "ops/pool_window.h"

namespace dagrad {

// AvgPool2DAttrs: the window, stride and padding (ops/pool_window.h).
struct AvgPool2DAttrs : PoolWindow {
  static constexpr OpKind kKind = OpKind::kAvgPool2D;
};

absl::StatusOr<Shape> AvgPool2DShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs);
absl::Status AvgPool2DForward(const ForwardContext& ctx);
void AvgPool2DVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_AVG_POOL2D_H_
