#include "ops/avg_pool2d.h"

#include <cassert>
#include <cstdint>

#include "ops/cpu/pool2x2.h"
#include "ops/cpu/pool_planes.h"

namespace dagrad {
namespace {

PoolGeometry GeometryOf(const Shape& x, const OpAttrs& attrs) {
  return PoolGeometryOf(x, AttrsAs<AvgPool2DAttrs>(attrs));
}

}  // namespace

absl::StatusOr<Shape> AvgPool2DShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs) {
  return PoolShape(OpKind::kAvgPool2D, inputs, AttrsAs<AvgPool2DAttrs>(attrs));
}

// y[n,c,i,j] = 1/(KH*KW) * sum_{u<KH, v<KW} xpad[n,c,i*sh + u, j*sw + v]
// with xpad = x zero-padded (pad_top rows above, pad_left columns left).
absl::Status AvgPool2DForward(const ForwardContext& ctx) {
  const PoolGeometry geo = GeometryOf(ctx.input(0).shape(), ctx.attrs);
  const float* x = ctx.input(0).data();
  float* y = ctx.output->data();
  assert(ctx.output->shape().dim(2) == geo.out_h &&
         ctx.output->shape().dim(3) == geo.out_w);
  ForEachPlane(ctx.pool, geo, [&](int64_t p) {
    const float* xp = x + p * geo.in_pixels();
    float* yp = y + p * geo.out_pixels();
    if (UsePool2x2(geo)) {
      AvgPool2x2Plane(geo, xp, yp);
    } else {
      AvgPoolPlane(geo, xp, yp);
    }
  });
  return absl::OkStatus();
}

// Per plane, with dY = dL/dy [OH, OW], KH x KW the window and Hp x Wp the
// padded input: let dyu [Hp, Wp] be dY upsampled by the stride,
//   dyu[i*sh, j*sw] = dY[i, j], 0 elsewhere (and outside [Hp, Wp]),
// and k the uniform kernel k[u, v] = 1/(KH*KW). Then dxpad is the
// correlation of dyu, zero-padded by KH-1 rows above and KW-1 columns to the
// left, with the flipped kernel kf[u, v] = k[KH-1-u, KW-1-v] (= k):
//   dxpad[a, b] = sum_{u<KH, v<KW} dyu[a - (KH-1) + u, b - (KW-1) + v]
//                                  * kf[u, v]
//               = 1/(KH*KW) * sum_{i: i*sh <= a < i*sh + KH}
//                             sum_{j: j*sw <= b < j*sw + KW} dY[i, j],
//   dL/dx[h, w] = dxpad[h + pad_top, w + pad_left]   (padding dropped).
// The kernels compute the second form without materializing dyu:
// AvgPoolPlaneVjp() scatters, each window (i, j) adding dY[i, j] / (KH*KW)
// to the real cells it covers, in row-major (i, j) order; the 2x2 fast path
// writes each cell's single term. [N,C,OH,OW] -> [N,C,H,W].
void AvgPool2DVjp(const VjpContext& ctx) {
  const PoolGeometry geo = GeometryOf(ctx.grad_input->shape(), ctx.attrs);
  const float* dy = ctx.grad_output.data();
  float* dx = ctx.grad_input->data();
  assert(ctx.wrt == 0);
  ForEachPlane(ctx.pool, geo, [&](int64_t p) {
    const float* dyp = dy + p * geo.out_pixels();
    float* dxp = dx + p * geo.in_pixels();
    if (UsePool2x2(geo)) {
      AvgPool2x2PlaneVjp(geo, dyp, dxp);
    } else {
      AvgPoolPlaneVjp(geo, dyp, dxp);
    }
  });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kAvgPool2D)
                       .Attrs<AvgPool2DAttrs>()
                       .Shape(AvgPool2DShape)
                       .Forward(AvgPool2DForward)
                       .Vjp(AvgPool2DVjp, kVjpUsesNothing));

}  // namespace dagrad
