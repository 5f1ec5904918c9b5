#include "ops/max_pool2d.h"

#include <cassert>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "ops/cpu/pool2x2.h"
#include "ops/cpu/pool_planes.h"

namespace dagrad {
namespace {

// kMaxPlanePixels: the argmax is an int32 index within the plane.
constexpr int64_t kMaxPlanePixels = std::numeric_limits<int32_t>::max();

// The aux buffer holds int32 argmaxes (see max_pool2d.h).
int32_t* Argmax(float* aux) { return reinterpret_cast<int32_t*>(aux); }
const int32_t* Argmax(const float* aux) {
  return reinterpret_cast<const int32_t*>(aux);
}

PoolGeometry GeometryOf(const Shape& x, const OpAttrs& attrs) {
  return PoolGeometryOf(x, AttrsAs<MaxPool2DAttrs>(attrs));
}

}  // namespace

absl::StatusOr<Shape> MaxPool2DShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs) {
  ASSIGN_OR_RETURN(Shape y, PoolShape(OpKind::kMaxPool2D, inputs,
                                      AttrsAs<MaxPool2DAttrs>(attrs)));
  const Shape& x = inputs[0];
  if (x.dim(2) * x.dim(3) > kMaxPlanePixels) {
    return ShapeError(
        OpKind::kMaxPool2D, inputs,
        absl::StrCat("input plane H*W = ", x.dim(2) * x.dim(3),
                     " must be at most ", kMaxPlanePixels,
                     " (the argmax is stored as an int32 plane index)"));
  }
  return y;
}

int64_t MaxPool2DAux(const ShapeQuery& query) {
  return query.output.is_fully_defined() ? query.output.num_elements() : 0;
}

// y[n,c,i,j] = max_{(h,w) in window(i,j)} x[n,c,h,w]   (padding excluded)
// aux[(n*C + c)*OH*OW + i*OW + j] = h*W + w of the first maximum.
absl::Status MaxPool2DForward(const ForwardContext& ctx) {
  const PoolGeometry geo = GeometryOf(ctx.input(0).shape(), ctx.attrs);
  const float* x = ctx.input(0).data();
  float* y = ctx.output->data();
  int32_t* arg = Argmax(ctx.aux);
  assert(ctx.output->shape().dim(2) == geo.out_h &&
         ctx.output->shape().dim(3) == geo.out_w);
  assert(arg != nullptr || geo.planes * geo.out_pixels() == 0);
  ForEachPlane(ctx.pool, geo, [&](int64_t p) {
    const float* xp = x + p * geo.in_pixels();
    float* yp = y + p * geo.out_pixels();
    int32_t* ap = arg + p * geo.out_pixels();
    if (UsePool2x2(geo)) {
      MaxPool2x2Plane(geo, xp, yp, ap);
    } else {
      MaxPoolPlane(geo, xp, yp, ap);
    }
  });
  return absl::OkStatus();
}

// dL/dx[n,c,h,w] = sum_{(i,j): aux[n,c,i,j] == h*W + w} dL/dy[n,c,i,j]
// x receives the gradient only where it won; each plane's sum runs in
// row-major (i, j) order. [N,C,OH,OW] -> [N,C,H,W].
void MaxPool2DVjp(const VjpContext& ctx) {
  const PoolGeometry geo = GeometryOf(ctx.grad_input->shape(), ctx.attrs);
  const float* dy = ctx.grad_output.data();
  const int32_t* arg = Argmax(ctx.aux);
  float* dx = ctx.grad_input->data();
  assert(ctx.wrt == 0);
  assert(arg != nullptr || geo.planes * geo.out_pixels() == 0);
  ForEachPlane(ctx.pool, geo, [&](int64_t p) {
    const float* dyp = dy + p * geo.out_pixels();
    const int32_t* ap = arg + p * geo.out_pixels();
    float* dxp = dx + p * geo.in_pixels();
    if (UsePool2x2(geo)) {
      MaxPool2x2PlaneVjp(geo, dyp, ap, dxp);
    } else {
      MaxPoolPlaneVjp(geo, dyp, ap, dxp);
    }
  });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kMaxPool2D)
                       .Attrs<MaxPool2DAttrs>()
                       .Shape(MaxPool2DShape)
                       .Aux(MaxPool2DAux)
                       .Forward(MaxPool2DForward)
                       .Vjp(MaxPool2DVjp, kVjpUsesNothing));

}  // namespace dagrad
