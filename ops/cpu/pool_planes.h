// ops/cpu/pool_planes.h: the general max and average pooling kernels, one
// [in_h, in_w] plane of any PoolGeometry (any window, stride and padding)
// at a time.
//
// Max pooling: padded cells never win (they count as -inf); the winner is
// the first maximum in row-major window order (ties go to the earliest
// cell) and NaN counts as larger than every number, so a NaN in a window
// propagates (the first NaN wins). The forward records each winner's flat
// plane index h*in_w + w as an int32 (the op bounds planes to INT32_MAX
// cells). Average pooling counts padded cells as zeros and divides by the
// full window area; each window sums in row-major order.
//
// Each kernel computes its plane the same way wherever it runs, so results
// are bitwise equal at any thread count (ForEachPlane(),
// ops/cpu/pool_geometry.h). They allocate nothing.
//
// Example:
//   ForEachPlane(pool, geo, [&](int64_t p) {
//     MaxPoolPlane(geo, x + p * geo.in_pixels(), y + p * geo.out_pixels(),
//                  arg + p * geo.out_pixels());
//   });
#ifndef DAGRAD_OPS_CPU_POOL_PLANES_H_
#define DAGRAD_OPS_CPU_POOL_PLANES_H_

#include <cstdint>

#include "ops/cpu/pool_geometry.h"

namespace dagrad {

// MaxPoolPlane() writes y [out_h, out_w] and arg [out_h, out_w], the
// maximum of each window of plane x and its plane index.
void MaxPoolPlane(const PoolGeometry& geo, const float* x, float* y,
                  int32_t* arg);

// MaxPoolPlaneVjp() OVERWRITES dx [in_h, in_w] with
//   dx[h*in_w + w] = sum of dy[o] over the outputs o with arg[o] == h*in_w+w,
// summed in output order o.
void MaxPoolPlaneVjp(const PoolGeometry& geo, const float* dy,
                     const int32_t* arg, float* dx);

// AvgPoolPlane() writes y [out_h, out_w]: the sum of each clipped window of
// plane x, in row-major order, times 1/(window_h*window_w).
void AvgPoolPlane(const PoolGeometry& geo, const float* x, float* y);

// AvgPoolPlaneVjp() OVERWRITES dx [in_h, in_w]: each cell gets
// dy * 1/(window_h*window_w) of every window that covers it, the windows
// added in row-major order.
void AvgPoolPlaneVjp(const PoolGeometry& geo, const float* dy, float* dx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_POOL_PLANES_H_
