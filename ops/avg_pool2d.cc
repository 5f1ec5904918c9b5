#include "ops/avg_pool2d.h"

#include <algorithm>
#include <cassert>
#include <cstdint>

namespace dagrad {
namespace {

// ForwardPlane(): any geometry. Sums each clipped window in row-major
// order (the padded cells add nothing), then scales by 1/area.
void ForwardPlane(const PoolGeometry& geo, const float* x, float* y) {
  const float inv_area = 1.0f / static_cast<float>(geo.window_area());
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const PoolSpan rows = geo.WindowRows(i);
    for (int64_t j = 0; j < geo.out_w; ++j) {
      const PoolSpan cols = geo.WindowCols(j);
      float sum = 0.0f;
      for (int64_t h = rows.begin; h < rows.end; ++h) {
        const float* row = x + h * geo.in_w;
        for (int64_t w = cols.begin; w < cols.end; ++w) sum += row[w];
      }
      y[i * geo.out_w + j] = sum * inv_area;
    }
  }
}

// VjpPlane(): any geometry. dx = 0, then each window adds dy * (1/area) to
// its clipped cells, the windows in row-major (i, j) order.
void VjpPlane(const PoolGeometry& geo, const float* dy, float* dx) {
  const float inv_area = 1.0f / static_cast<float>(geo.window_area());
  std::fill(dx, dx + geo.in_pixels(), 0.0f);
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const PoolSpan rows = geo.WindowRows(i);
    for (int64_t j = 0; j < geo.out_w; ++j) {
      const PoolSpan cols = geo.WindowCols(j);
      const float g = dy[i * geo.out_w + j] * inv_area;
      for (int64_t h = rows.begin; h < rows.end; ++h) {
        float* row = dx + h * geo.in_w;
        for (int64_t w = cols.begin; w < cols.end; ++w) row[w] += g;
      }
    }
  }
}

#if defined(__AVX512F__)
// ForwardPlane2x2(): IsDense2x2(), 16 outputs per step. The two rows are
// added first (one add per column pair, before splitting the columns into
// even and odd), so the window of cells a, b (row 2i) and c, d (row 2i+1)
// sums as y = ((a + c) + (b + d)) * 0.25.
void ForwardPlane2x2(const PoolGeometry& geo, const float* x, float* y) {
  const __m512 quarter = _mm512_set1_ps(0.25f);
  const float* end = x + geo.in_pixels();
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const float* r0 = x + 2 * i * geo.in_w;
    const float* r1 = r0 + geo.in_w;
    for (int64_t j = 0; j < geo.out_w; j += kPoolLanes) {
      const int64_t count = std::min(kPoolLanes, geo.out_w - j);
      __m512 top_lo, top_hi, bottom_lo, bottom_hi, even, odd;
      LoadRow32(r0 + 2 * j, count, end - (r0 + 2 * j), &top_lo, &top_hi);
      LoadRow32(r1 + 2 * j, count, end - (r1 + 2 * j), &bottom_lo, &bottom_hi);
      SplitPairs(_mm512_add_ps(top_lo, bottom_lo),
                 _mm512_add_ps(top_hi, bottom_hi), &even, &odd);
      _mm512_mask_storeu_ps(y + i * geo.out_w + j, PoolLaneMask(count),
                            _mm512_mul_ps(_mm512_add_ps(even, odd), quarter));
    }
  }
}

// VjpPlane2x2(): IsDense2x2(). The windows do not overlap: each covered
// cell gets dy * 0.25 of its window (each lane of g written twice per row),
// the uncovered cells 0.
void VjpPlane2x2(const PoolGeometry& geo, const float* dy, float* dx) {
  const __m512 quarter = _mm512_set1_ps(0.25f);
  const __m512i dup_lo =
      _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m512i dup_hi = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
                                           13, 13, 14, 14, 15, 15);
  for (int64_t i = 0; i < geo.out_h; ++i) {
    float* r0 = dx + 2 * i * geo.in_w;
    float* r1 = r0 + geo.in_w;
    for (int64_t j = 0; j < geo.out_w; j += kPoolLanes) {
      const int64_t count = std::min(kPoolLanes, geo.out_w - j);
      const int64_t o = i * geo.out_w + j;
      const __m512 g = _mm512_mul_ps(
          LoadLanes(dy + o, count, geo.out_pixels() - o), quarter);
      const __m512 lo = _mm512_permutex2var_ps(g, dup_lo, g);
      const __m512 hi = _mm512_permutex2var_ps(g, dup_hi, g);
      StoreRow32(r0 + 2 * j, count, lo, hi);
      StoreRow32(r1 + 2 * j, count, lo, hi);
    }
  }
  ZeroUncovered2x2(geo, dx);
}
#endif  // __AVX512F__

PoolGeometry GeometryOf(const Shape& x, const OpAttrs& attrs) {
  return PoolGeometryOf(x, AttrsAs<AvgPool2DAttrs>(attrs));
}

}  // namespace

absl::StatusOr<Shape> AvgPool2DShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs) {
  return PoolShape(OpKind::kAvgPool2D, inputs,
                   AttrsAs<AvgPool2DAttrs>(attrs));
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
#if defined(__AVX512F__)
    if (geo.IsDense2x2()) {
      ForwardPlane2x2(geo, xp, yp);
      return;
    }
#endif
    ForwardPlane(geo, xp, yp);
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
// The kernels compute the second form without materializing dyu: VjpPlane()
// scatters, each window (i, j) adding dY[i, j] / (KH*KW) to the real cells
// it covers, in row-major (i, j) order; the 2x2 fast path writes each
// cell's single term. [N,C,OH,OW] -> [N,C,H,W].
void AvgPool2DVjp(const VjpContext& ctx) {
  const PoolGeometry geo = GeometryOf(ctx.grad_input->shape(), ctx.attrs);
  const float* dy = ctx.grad_output.data();
  float* dx = ctx.grad_input->data();
  assert(ctx.wrt == 0);
  ForEachPlane(ctx.pool, geo, [&](int64_t p) {
    const float* dyp = dy + p * geo.out_pixels();
    float* dxp = dx + p * geo.in_pixels();
#if defined(__AVX512F__)
    if (geo.IsDense2x2()) {
      VjpPlane2x2(geo, dyp, dxp);
      return;
    }
#endif
    VjpPlane(geo, dyp, dxp);
  });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kAvgPool2D)
                       .Attrs<AvgPool2DAttrs>()
                       .Shape(AvgPool2DShape)
                       .Forward(AvgPool2DForward)
                       .Vjp(AvgPool2DVjp, kVjpUsesNothing));

}  // namespace dagrad
