// ops/cpu/pool2x2.h: the AVX-512 and AVX2 fast paths of max and average
// pooling for a 2x2 window with stride 2 that reads no padding
// (IsDense2x2(): VALID, or SAME on even sizes; LeNet's pools), 16 (AVX-512)
// or 8 (AVX2) outputs per vector step.
//
// Each function computes one [in_h, in_w] plane of an IsDense2x2()
// geometry and writes every cell of its output (the VJPs zero the cells no
// window covers). Max pooling gives exactly the results of the general
// loops (ops/cpu/pool_planes.h); average pooling sums each window as
// (a + c) + (b + d) (a, b the top row, c, d the bottom row). Without
// AVX-512 or AVX2, kPool2x2Vectorized is false and these run the general
// loops.
//
// Example (in an op's per-plane dispatch):
//   if (UsePool2x2(geo)) {
//     AvgPool2x2Plane(geo, xp, yp);
//   } else {
//     AvgPoolPlane(geo, xp, yp);
//   }
#ifndef DAGRAD_OPS_CPU_POOL2X2_H_
#define DAGRAD_OPS_CPU_POOL2X2_H_

#include <cstdint>

#include "ops/cpu/pool_geometry.h"

namespace dagrad {

// kPool2x2Vectorized is true when this build has the fast paths.
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
inline constexpr bool kPool2x2Vectorized = true;
#else
inline constexpr bool kPool2x2Vectorized = false;
#endif

// UsePool2x2() is true when the ops run the fast paths for `geo`.
inline bool UsePool2x2(const PoolGeometry& geo) {
  return kPool2x2Vectorized && geo.IsDense2x2();
}

// MaxPool2x2Plane() writes y [out_h, out_w] and the argmax plane indices
// arg of plane x, as MaxPoolPlane() does.
void MaxPool2x2Plane(const PoolGeometry& geo, const float* x, float* y,
                     int32_t* arg);

// MaxPool2x2PlaneVjp() OVERWRITES dx [in_h, in_w]: dy of each window at its
// argmax, 0 elsewhere (the windows do not overlap).
void MaxPool2x2PlaneVjp(const PoolGeometry& geo, const float* dy,
                        const int32_t* arg, float* dx);

// AvgPool2x2Plane() writes y = ((a + c) + (b + d)) * 0.25 per window.
void AvgPool2x2Plane(const PoolGeometry& geo, const float* x, float* y);

// AvgPool2x2PlaneVjp() OVERWRITES dx [in_h, in_w]: dy * 0.25 of its window
// at each covered cell, 0 at the others.
void AvgPool2x2PlaneVjp(const PoolGeometry& geo, const float* dy, float* dx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_POOL2X2_H_
