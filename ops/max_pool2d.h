// ops/max_pool2d.h: MaxPool2D, 2-D max pooling over NCHW images.
//
// Input: x [N, C, H, W]. Output: y [N, C, OH, OW] with
//   y[n,c,i,j] = max over the window of output (i, j) (ops/pool_window.h)
// where padded cells never win (they count as -inf; every window holds at
// least one real cell). The winner is the first maximum in row-major window
// order (ties go to the earliest cell); NaN counts as larger than every
// number, so a NaN in a window propagates (the first NaN wins).
//
// Aux: the forward records each output's winner in the aux buffer, as
// N*C*OH*OW int32 values (the float buffer's storage reused; sizeof(int32_t)
// == sizeof(float); written and read as int32_t only):
//   aux[(n*C + c)*OH*OW + i*OW + j] = h*W + w,
// the flat index of the winning cell (h, w) within its input plane [H, W].
// The shape function therefore also rejects planes with H*W > INT32_MAX.
//
// VJP (wrt 0; VjpUses kVjpUsesNothing: only aux and dL/dy are read):
//   dL/dx[n,c,h,w] = sum over the outputs (i, j) of plane (n, c) whose winner
//                    is (h, w) of dL/dy[n,c,i,j],
// summed in row-major output order; overlapping windows may route several
// dL/dy to one cell.
//
// Kernels run over the N*C planes in parallel, each plane identically
// whatever the split (bitwise equal at any thread count), and allocate
// nothing: ops/cpu/pool_planes.h for any geometry, and ops/cpu/pool2x2.h,
// an AVX-512 loop where built, for a 2x2, stride-2 window that reads no
// padding (VALID, or SAME on even sizes: LeNet's pools).
//
// Example:
//   MaxPool2DAttrs attrs;  // 2x2, stride 2, VALID
//   // x [64,6,28,28] -> y [64,6,14,14]
#ifndef DAGRAD_OPS_MAX_POOL2D_H_
#define DAGRAD_OPS_MAX_POOL2D_H_

#include <cstdint>

#include "ops/op.h"
#include "ops/pool_window.h"

namespace dagrad {

// MaxPool2DAttrs: the window, stride and padding (ops/pool_window.h).
struct MaxPool2DAttrs : PoolWindow {
  static constexpr OpKind kKind = OpKind::kMaxPool2D;
};

absl::StatusOr<Shape> MaxPool2DShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs);
// MaxPool2DAux() is N*C*OH*OW: one int32 argmax per output.
int64_t MaxPool2DAux(const ShapeQuery& query);
absl::Status MaxPool2DForward(const ForwardContext& ctx);
void MaxPool2DVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_MAX_POOL2D_H_
