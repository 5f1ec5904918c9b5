// ops/conv2d.h: Conv2D, 2-D cross-correlation over NCHW images.
//
// Inputs: x [N, C_in, H, W], w [C_out, C_in/groups, KH, KW] and optionally
// bias [C_out]. Output: y [N, C_out, OH, OW] with
//   y[n,o,i,j] = bias[o] + sum_{c,u,v} w[o,c,u,v] *
//                xpad[n, g*Cg + c, i*stride_h + u*dilation_h,
//                                  j*stride_w + v*dilation_w]
// where g = o / (C_out/groups) is o's group, Cg = C_in/groups, c < Cg, and
// xpad is x zero-padded per `padding`:
//   kValid:    no padding.
//   kSame:     TensorFlow's SAME (ops/padding.h): OH = ceil(H / stride_h);
//              the total padding max((OH-1)*stride_h + (KH-1)*dilation_h + 1
//              - H, 0) is split top = total/2, bottom = total - top
//              (likewise for columns).
//   kExplicit: pad_top / pad_bottom / pad_left / pad_right (each >= 0).
// With padded height Hp and effective kernel EKH = (KH-1)*dilation_h + 1,
// OH = (Hp - EKH) / stride_h + 1 (likewise OW). groups == C_in with
// C_out == k*C_in is a depthwise convolution.
//
// The shape function rejects (InvalidArgument naming Conv2D and every input
// shape): x or w not rank 4, stride < 1, dilation < 1, groups < 1, groups
// not dividing C_in or C_out, w's channel dim != C_in/groups, bias not
// [C_out], negative explicit padding, an effective kernel larger than the
// padded input, and attributes above kConv2DMaxAttr. The batch dimension may
// be unknown (-1); the output's is then unknown too.
//
// Kernels (ops/cpu). PlanOf() (ops/cpu/conv_plan.h) picks one named path
// per pass from the geometry alone, never from the thread count; images run
// in blocks split over the pool. Stride-1 convolutions (not 1x1) run direct
// AVX-512 or AVX2 kernels with no im2col: a GEMM whose patch rows are read in
// place from a zero-padded copy of each image (ops/cpu/direct_conv.h), or, with
// output channels per group a multiple of 16, kernels vectorized over 16
// channels that touch only the valid positions (ops/cpu/direct_conv16.h;
// forward and dW). dX there is either the literal correlation of
// the padded dY with the rotated kernel, or, when that would multiply mostly
// zeros (a valid convolution's padded dY), the same sums in scatter form: W^T ·
// dY by the direct GEMM, then a vectorized col2im. Other strides run im2col +
// the GEMM of core/gemm.h per block and col2im for dX
// (ops/cpu/im2col.h); a 1x1, stride 1, unpadded convolution is one GEMM on x
// itself. The weight gradient is reduced per block into scratch and the
// blocks are summed in order, so all results are bitwise equal at any
// thread count.
//
// Example:
//   Conv2DAttrs attrs;
//   attrs.padding = Padding::kSame;
//   // x [64,1,28,28], w [6,1,5,5], b [6] -> y [64,6,28,28]
#ifndef DAGRAD_OPS_CONV2D_H_
#define DAGRAD_OPS_CONV2D_H_

#include <cstdint>
#include <tuple>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "ops/cpu/conv_geometry.h"
#include "ops/cpu/conv_plan.h"
#include "ops/op.h"
#include "ops/padding.h"

namespace dagrad {

struct Conv2DAttrs {
  static constexpr OpKind kKind = OpKind::kConv2D;
  int64_t stride_h = 1;
  int64_t stride_w = 1;
  Padding padding = Padding::kValid;
  // Used with Padding::kExplicit only.
  int64_t pad_top = 0;
  int64_t pad_bottom = 0;
  int64_t pad_left = 0;
  int64_t pad_right = 0;
  int64_t dilation_h = 1;
  int64_t dilation_w = 1;
  int64_t groups = 1;

  // Fields() lists every attribute, for equality and hashing.
  auto Fields() const {
    return std::make_tuple(stride_h, stride_w, padding, pad_top, pad_bottom,
                           pad_left, pad_right, dilation_h, dilation_w, groups);
  }
  friend bool operator==(const Conv2DAttrs& a, const Conv2DAttrs& b) {
    return a.Fields() == b.Fields();
  }
  template <typename H>
  friend H AbslHashValue(H h, const Conv2DAttrs& a) {
    return H::combine(std::move(h), a.Fields());
  }
};

// kConv2DMaxAttr bounds strides, dilations, explicit pads and kernel sizes,
// so that no index arithmetic can overflow.
inline constexpr int64_t kConv2DMaxAttr = int64_t{1} << 30;

// Conv2DGeometryOf() resolves the padding of input shapes that
// Conv2DShape() accepted, with a known batch size.
ConvGeometry Conv2DGeometryOf(absl::Span<const Shape> inputs,
                              const Conv2DAttrs& attrs);

// Conv2DPlanOf() is the plan the kernels follow for the forward (wrt -1)
// or the VJP of input `wrt` (0 x, 1 w, 2 bias): the path, the image blocks
// and the scratch.
ConvPlan Conv2DPlanOf(absl::Span<const Shape> inputs, const Conv2DAttrs& attrs,
                      int wrt);

absl::StatusOr<Shape> Conv2DShape(absl::Span<const Shape> inputs,
                                  const OpAttrs& attrs);
// Conv2DScratch() is ConvScratchFloats() of the pass's plan (0 for dBias).
int64_t Conv2DScratch(const ShapeQuery& query, int wrt);
absl::Status Conv2DForward(const ForwardContext& ctx);
void Conv2DVjp(const VjpContext& ctx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CONV2D_H_
