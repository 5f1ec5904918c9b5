#include "ops/conv2d.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "ops/cpu/conv_forward.h"
#include "ops/cpu/conv_input_grad.h"
#include "ops/cpu/conv_weight_grad.h"

namespace dagrad {
namespace {

std::string Dims2(int64_t a, int64_t b) {
  return absl::StrCat("(", a, ", ", b, ")");
}

// PassOf(): the plan's pass for the forward (wrt -1) or the VJP of `wrt`.
ConvPass PassOf(int wrt) {
  switch (wrt) {
    case -1:
      return ConvPass::kForward;
    case 0:
      return ConvPass::kInputGrad;
    case 1:
      return ConvPass::kWeightGrad;
    default:
      return ConvPass::kBiasGrad;
  }
}

}  // namespace

ConvGeometry Conv2DGeometryOf(absl::Span<const Shape> inputs,
                              const Conv2DAttrs& attrs) {
  const Shape& x = inputs[0];
  const Shape& w = inputs[1];
  ConvGeometry geo;
  geo.batch = x.dim(0);
  geo.in_channels = x.dim(1);
  geo.in_h = x.dim(2);
  geo.in_w = x.dim(3);
  geo.out_channels = w.dim(0);
  geo.kernel_h = w.dim(2);
  geo.kernel_w = w.dim(3);
  geo.stride_h = attrs.stride_h;
  geo.stride_w = attrs.stride_w;
  geo.dilation_h = attrs.dilation_h;
  geo.dilation_w = attrs.dilation_w;
  geo.groups = attrs.groups;
  // The window is the effective kernel, (K-1)*dilation + 1.
  const PaddedDim rows = ResolvePadding(
      attrs.padding, geo.in_h, (geo.kernel_h - 1) * geo.dilation_h + 1,
      geo.stride_h, {attrs.pad_top, attrs.pad_bottom});
  const PaddedDim cols = ResolvePadding(
      attrs.padding, geo.in_w, (geo.kernel_w - 1) * geo.dilation_w + 1,
      geo.stride_w, {attrs.pad_left, attrs.pad_right});
  geo.pad_top = rows.pads.before;
  geo.pad_bottom = rows.pads.after;
  geo.pad_left = cols.pads.before;
  geo.pad_right = cols.pads.after;
  geo.out_h = rows.out;
  geo.out_w = cols.out;
  return geo;
}

ConvPlan Conv2DPlanOf(absl::Span<const Shape> inputs, const Conv2DAttrs& attrs,
                      int wrt) {
  return PlanOf(Conv2DGeometryOf(inputs, attrs), PassOf(wrt));
}

absl::StatusOr<Shape> Conv2DShape(absl::Span<const Shape> inputs,
                                  const OpAttrs& attrs) {
  const auto& a = AttrsAs<Conv2DAttrs>(attrs);
  auto error = [&](const std::string& what) {
    return ShapeError(OpKind::kConv2D, inputs, what);
  };
  if (inputs.size() < 2 || inputs.size() > 3) {
    return error(absl::StrCat("takes 2 or 3 inputs (x, w[, bias]), got ",
                              inputs.size()));
  }
  const Shape& x = inputs[0];
  const Shape& w = inputs[1];
  if (x.rank() != 4) {
    return error(
        absl::StrCat("input x ", x.DebugString(), " must be rank 4 (NCHW)"));
  }
  if (w.rank() != 4) {
    return error(absl::StrCat("weight w ", w.DebugString(),
                              " must be rank 4 [C_out, C_in/groups, KH, KW]"));
  }
  if ((x.dim(0) < 0 && x.dim(0) != Shape::kUnknownDim) || x.dim(1) < 1 ||
      x.dim(2) < 1 || x.dim(3) < 1) {
    return error(
        absl::StrCat("input x ", x.DebugString(), " must have C, H, W >= 1"));
  }
  if (w.dim(0) < 1 || w.dim(1) < 1 || w.dim(2) < 1 || w.dim(3) < 1) {
    return error(absl::StrCat("weight w ", w.DebugString(),
                              " must have every dimension >= 1"));
  }
  if (a.stride_h < 1 || a.stride_w < 1) {
    return error(absl::StrCat("stride (h, w) = ", Dims2(a.stride_h, a.stride_w),
                              " must be >= 1"));
  }
  if (a.dilation_h < 1 || a.dilation_w < 1) {
    return error(
        absl::StrCat("dilation (h, w) = ", Dims2(a.dilation_h, a.dilation_w),
                     " must be >= 1"));
  }
  if (a.groups < 1) {
    return error(absl::StrCat("groups = ", a.groups, " must be >= 1"));
  }
  if (!IsKnownPadding(a.padding)) {
    return error(absl::StrCat("unknown padding ", static_cast<int>(a.padding)));
  }
  const bool explicit_pad = a.padding == Padding::kExplicit;
  if (explicit_pad && (a.pad_top < 0 || a.pad_bottom < 0 || a.pad_left < 0 ||
                       a.pad_right < 0)) {
    return error(absl::StrCat("explicit padding (top, bottom, left, right) = (",
                              a.pad_top, ", ", a.pad_bottom, ", ", a.pad_left,
                              ", ", a.pad_right, ") must be >= 0"));
  }
  const int64_t bounded[] = {a.stride_h,
                             a.stride_w,
                             a.dilation_h,
                             a.dilation_w,
                             w.dim(2),
                             w.dim(3),
                             x.dim(2),
                             x.dim(3),
                             explicit_pad ? a.pad_top : 0,
                             explicit_pad ? a.pad_bottom : 0,
                             explicit_pad ? a.pad_left : 0,
                             explicit_pad ? a.pad_right : 0};
  for (int64_t v : bounded) {
    if (v > kConv2DMaxAttr) {
      return error(
          absl::StrCat("image/kernel sizes, strides, dilations and "
                       "pads must be at most ",
                       kConv2DMaxAttr, ", got ", v));
    }
  }
  const int64_t c_in = x.dim(1);
  const int64_t c_out = w.dim(0);
  if (c_in % a.groups != 0 || c_out % a.groups != 0) {
    return error(absl::StrCat("groups = ", a.groups, " must divide C_in = ",
                              c_in, " and C_out = ", c_out));
  }
  if (w.dim(1) != c_in / a.groups) {
    return error(absl::StrCat("weight w ", w.DebugString(), " has ", w.dim(1),
                              " input channels per group, expected C_in/groups"
                              " = ",
                              c_in, "/", a.groups, " = ", c_in / a.groups));
  }
  if (inputs.size() == 3 &&
      (inputs[2].rank() != 1 || inputs[2].dim(0) != c_out)) {
    return error(absl::StrCat("bias ", inputs[2].DebugString(),
                              " must be [C_out] = [", c_out, "]"));
  }
  // Resolve the padding with a placeholder batch (it plays no part).
  Shape x1 = x;
  x1.set_dim(0, 1);
  const Shape resolved[] = {x1, w};
  const ConvGeometry geo = Conv2DGeometryOf(resolved, a);
  const int64_t hp = geo.in_h + geo.pad_top + geo.pad_bottom;
  const int64_t wp = geo.in_w + geo.pad_left + geo.pad_right;
  const int64_t ekh = (geo.kernel_h - 1) * geo.dilation_h + 1;
  const int64_t ekw = (geo.kernel_w - 1) * geo.dilation_w + 1;
  if (ekh > hp || ekw > wp) {
    return error(absl::StrCat(
        "effective kernel (KH-1)*dilation_h+1 x (KW-1)*dilation_w+1 = ", ekh,
        "x", ekw, " is larger than the padded input ", hp, "x", wp));
  }
  return Shape({x.dim(0), c_out, geo.out_h, geo.out_w});
}

int64_t Conv2DScratch(const ShapeQuery& query, int wrt) {
  const ConvPlan plan =
      Conv2DPlanOf(query.inputs, AttrsAs<Conv2DAttrs>(query.attrs), wrt);
  return ConvScratchFloats(plan, query.num_threads);
}

// y[n, g*Mg + m, :] [Mg, P] = W_g [Mg, K] · patches(x[n], g) [K, P] + bias,
// with K = Cg*KH*KW, P = OH*OW. Stride 1 runs it without materializing the
// patches (the direct paths); otherwise im2col + GEMM for a block of B
// images at once: Y_blk [Mg, B*P] = W_g · [patches(n0) | ... |
// patches(n0+B-1)].
absl::Status Conv2DForward(const ForwardContext& ctx) {
  const Shape shapes[] = {ctx.input(0).shape(), ctx.input(1).shape()};
  const ConvPlan plan =
      Conv2DPlanOf(shapes, AttrsAs<Conv2DAttrs>(ctx.attrs), -1);
  const float* bias = ctx.inputs.size() == 3 ? ctx.input(2).data() : nullptr;
  ConvForward(plan, ctx.input(0).data(), ctx.input(1).data(), bias,
              ctx.output->data(), ctx.scratch, ctx.pool);
  return absl::OkStatus();
}

// Shapes per group g (Cg = C_in/groups, Mg = C_out/groups, K = Cg*KH*KW,
// P = OH*OW); xpad is x zero-padded, dY = dL/dy.
//
// wrt 0, dX [N,C_in,H,W]: the correlation of the stride-dilated, padded dY
// with the kernel rotated by 180 degrees, in/out channels swapped per group:
//   dyd[n,o,a,b] = dY[n,o,i,j] if (a,b) == (i*sh, j*sw), else 0
//   dyp = dyd padded by ((KH-1)*dh, (KW-1)*dw) zeros above/left (and zeros
//         below/right up to the padded input size)
//   wrot[c,o,u,v] = w[o,c,KH-1-u,KW-1-v]   [Cg, Mg, KH, KW] per group
//   dxpad[n,c,a,b] = sum_{o in group, u, v}
//                      dyp[n,o,a+u*dh,b+v*dw] wrot[c,o,u,v]
//   dX = dxpad without its padding rows/columns.
// At stride 1 (dyd == dY) ConvPath::kDirect computes exactly this. In
// general, substituting u -> KH-1-u, it is
//   dxpad[n,c,a,b] = sum_{o,u,v,i,j: i*sh+u*dh == a, j*sw+v*dw == b}
//                      w[o,c,u,v] dY[n,o,i,j],
// i.e. each product w[o,c,u,v] dY[n,o,i,j] lands on the input pixel it read
// in the forward. Grouped by (c,u,v) x (i,j) that is
//   dcol [K, P] = W_g^T [K, Mg] · dY[n,g] [Mg, P],   dX[n,g] = Col2Im(dcol),
// one GEMM per block of images ([K, B*P]) followed by col2im per image
// (kIm2ColGemm, which skips the zeros that dilation by the stride adds; the
// scatter form kScatterInputGrad computes the same sums without the GEMM
// library).
//
// wrt 1, dW [C_out, Cg, KH, KW]: the correlation of xpad with dyd, summed
// over the batch:
//   dW[o,c,u,v] = sum_n sum_{a,b} xpad[n,c,u*dh+a,v*dw+b] dyd[n,o,a,b]
//               = sum_n sum_{i,j} dY[n,o,i,j] xpad[n,c,i*sh+u*dh,j*sw+v*dw]
//   dW_g [Mg, K] = sum_n dY[n,g] [Mg, P] · patches(x[n], g)^T [P, K].
// Each fixed block of B images reduces into its own partial [C_out, K] (one
// GEMM over B*P columns, or the direct kernels at stride 1); the partials
// are then summed in block order, so the result never depends on threads.
//
// wrt 2, dBias [C_out]: dBias[o] = sum_{n,i,j} dY[n,o,i,j], per channel in
// the fixed order (n, i, j).
void Conv2DVjp(const VjpContext& ctx) {
  const Shape shapes[] = {ctx.input(0).shape(), ctx.input(1).shape()};
  const ConvPlan plan =
      Conv2DPlanOf(shapes, AttrsAs<Conv2DAttrs>(ctx.attrs), ctx.wrt);
  const float* dy = ctx.grad_output.data();
  float* grad = ctx.grad_input->data();
  switch (plan.pass) {
    case ConvPass::kInputGrad:
      ConvInputGrad(plan, dy, ctx.input(1).data(), grad, ctx.scratch, ctx.pool);
      break;
    case ConvPass::kWeightGrad:
      ConvWeightGrad(plan, dy, ctx.input(0).data(), grad, ctx.scratch,
                     ctx.pool);
      break;
    default:
      ConvBiasGrad(plan.geo, dy, grad, ctx.pool);
      break;
  }
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kConv2D)
                       .Attrs<Conv2DAttrs>()
                       .Shape(Conv2DShape)
                       .Scratch(Conv2DScratch)
                       .Forward(Conv2DForward)
                       .Vjp(Conv2DVjp, kVjpUsesInputs));

}  // namespace dagrad
