#include "ops/max_pool2d.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"

namespace dagrad {
namespace {

// kMaxPlanePixels: the argmax is an int32 index within the plane.
constexpr int64_t kMaxPlanePixels = std::numeric_limits<int32_t>::max();

// Beats() is true when v replaces the running maximum `best`: v is larger,
// or v is NaN and best is not. Equal values keep the earlier cell.
inline bool Beats(float v, float best) {
  return v > best || (v != v && best == best);
}

// The aux buffer holds int32 argmaxes (see max_pool2d.h).
int32_t* Argmax(float* aux) { return reinterpret_cast<int32_t*>(aux); }
const int32_t* Argmax(const float* aux) {
  return reinterpret_cast<const int32_t*>(aux);
}

// WindowArgmax() is the plane index of the first maximum (by Beats()) of
// the clipped window rows x cols.
int64_t WindowArgmax(const PoolGeometry& geo, const float* x, PoolSpan rows,
                     PoolSpan cols) {
  int64_t best_at = rows.begin * geo.in_w + cols.begin;
  for (int64_t h = rows.begin; h < rows.end; ++h) {
    for (int64_t w = cols.begin; w < cols.end; ++w) {
      if (Beats(x[h * geo.in_w + w], x[best_at])) best_at = h * geo.in_w + w;
    }
  }
  return best_at;
}

// ForwardPlane(): any geometry. Each output scans its clipped window in
// row-major order with a plain `>` (which compiles to conditional moves,
// not branches) while noting any NaN; the rare window holding a NaN is
// rescanned by WindowArgmax(), so the result is Beats()'s in every case.
void ForwardPlane(const PoolGeometry& geo, const float* x, float* y,
                  int32_t* arg) {
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const PoolSpan rows = geo.WindowRows(i);
    for (int64_t j = 0; j < geo.out_w; ++j) {
      const PoolSpan cols = geo.WindowCols(j);
      int64_t best_at = rows.begin * geo.in_w + cols.begin;
      float best = x[best_at];
      bool nan = false;
      for (int64_t h = rows.begin; h < rows.end; ++h) {
        const float* row = x + h * geo.in_w;
        for (int64_t w = cols.begin; w < cols.end; ++w) {
          const float v = row[w];
          const bool take = v > best;
          best = take ? v : best;
          best_at = take ? h * geo.in_w + w : best_at;
          nan |= v != v;
        }
      }
      if (nan) {
        best_at = WindowArgmax(geo, x, rows, cols);
        best = x[best_at];
      }
      y[i * geo.out_w + j] = best;
      arg[i * geo.out_w + j] = static_cast<int32_t>(best_at);
    }
  }
}

// VjpPlane(): any geometry. dx = 0, then dx[arg[o]] += dy[o] in output
// order o.
void VjpPlane(const PoolGeometry& geo, const float* dy, const int32_t* arg,
              float* dx) {
  std::fill(dx, dx + geo.in_pixels(), 0.0f);
  for (int64_t o = 0; o < geo.out_pixels(); ++o) dx[arg[o]] += dy[o];
}

#if defined(__AVX512F__)
// BeatsMask(): the lanes where v Beats() best: best is not NaN, and v is
// larger or NaN ("not less or equal, unordered true").
inline __mmask16 BeatsMask(__m512 v, __m512 best) {
  return _mm512_mask_cmp_ps_mask(_mm512_cmp_ps_mask(best, best, _CMP_ORD_Q), v,
                                 best, _CMP_NLE_UQ);
}

// CellIndex(): the plane index of the top-left cell of outputs (i, j + l),
// l < 16, of an IsDense2x2() geometry: 2i*W + 2(j + l).
inline __m512i CellIndex(const PoolGeometry& geo, int64_t i, int64_t j) {
  const __m512i lanes = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20,
                                          22, 24, 26, 28, 30);
  return _mm512_add_epi32(
      _mm512_set1_epi32(static_cast<int32_t>(2 * i * geo.in_w + 2 * j)), lanes);
}

// ForwardPlane2x2(): IsDense2x2(), 16 outputs per step. The window cells
// a = (2i, 2j), b = (2i, 2j+1), c = (2i+1, 2j), d = (2i+1, 2j+1) reduce as
// max(max(a, b), max(c, d)) with Beats(), each later operand winning only
// if it Beats() the earlier: the first maximum in row-major order, exactly
// as ForwardPlane().
void ForwardPlane2x2(const PoolGeometry& geo, const float* x, float* y,
                     int32_t* arg) {
  const int64_t w = geo.in_w;
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i down = _mm512_set1_epi32(static_cast<int32_t>(w));
  const float* end = x + geo.in_pixels();
  for (int64_t i = 0; i < geo.out_h; ++i) {
    const float* r0 = x + 2 * i * w;
    const float* r1 = r0 + w;
    for (int64_t j = 0; j < geo.out_w; j += kPoolLanes) {
      const int64_t count = std::min(kPoolLanes, geo.out_w - j);
      __m512 a, b, c, d;
      LoadPairs(r0 + 2 * j, count, end - (r0 + 2 * j), &a, &b);
      LoadPairs(r1 + 2 * j, count, end - (r1 + 2 * j), &c, &d);
      const __m512i ia = CellIndex(geo, i, j);
      const __m512i ic = _mm512_add_epi32(ia, down);
      const __mmask16 take_b = BeatsMask(b, a);
      const __m512 top = _mm512_mask_blend_ps(take_b, a, b);
      const __m512i top_at =
          _mm512_mask_blend_epi32(take_b, ia, _mm512_add_epi32(ia, one));
      const __mmask16 take_d = BeatsMask(d, c);
      const __m512 bottom = _mm512_mask_blend_ps(take_d, c, d);
      const __m512i bottom_at =
          _mm512_mask_blend_epi32(take_d, ic, _mm512_add_epi32(ic, one));
      const __mmask16 take_bottom = BeatsMask(bottom, top);
      const __mmask16 valid = PoolLaneMask(count);
      _mm512_mask_storeu_ps(y + i * geo.out_w + j, valid,
                            _mm512_mask_blend_ps(take_bottom, top, bottom));
      _mm512_mask_storeu_epi32(
          arg + i * geo.out_w + j, valid,
          _mm512_mask_blend_epi32(take_bottom, top_at, bottom_at));
    }
  }
}

// VjpPlane2x2(): IsDense2x2(). The windows do not overlap, so each covered
// cell gets dy of its window if it is the window's argmax, else 0; the
// uncovered cells get 0.
void VjpPlane2x2(const PoolGeometry& geo, const float* dy, const int32_t* arg,
                 float* dx) {
  const int64_t w = geo.in_w;
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i down = _mm512_set1_epi32(static_cast<int32_t>(w));
  const __m512i down_one = _mm512_set1_epi32(static_cast<int32_t>(w + 1));
  for (int64_t i = 0; i < geo.out_h; ++i) {
    float* r0 = dx + 2 * i * w;
    float* r1 = r0 + w;
    for (int64_t j = 0; j < geo.out_w; j += kPoolLanes) {
      const int64_t count = std::min(kPoolLanes, geo.out_w - j);
      const int64_t o = i * geo.out_w + j;
      const bool full = geo.out_pixels() - o >= kPoolLanes;
      const __mmask16 valid = PoolLaneMask(count);
      const __m512 g = LoadLanes(dy + o, count, geo.out_pixels() - o);
      const __m512i won = full ? _mm512_loadu_si512(arg + o)
                               : _mm512_maskz_loadu_epi32(valid, arg + o);
      // rel: the argmax relative to the window's top-left cell, one of
      // 0, 1, W, W+1 (lanes past count: garbage, never stored).
      const __m512i rel = _mm512_sub_epi32(won, CellIndex(geo, i, j));
      auto routed = [&](__m512i offset) {
        return _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(rel, offset), g);
      };
      StorePairs(r0 + 2 * j, count, routed(_mm512_setzero_si512()),
                 routed(one));
      StorePairs(r1 + 2 * j, count, routed(down), routed(down_one));
    }
  }
  ZeroUncovered2x2(geo, dx);
}
#endif  // __AVX512F__

PoolGeometry GeometryOf(const Shape& x, const OpAttrs& attrs) {
  return PoolGeometryOf(x, AttrsAs<MaxPool2DAttrs>(attrs));
}

}  // namespace

absl::StatusOr<Shape> MaxPool2DShape(absl::Span<const Shape> inputs,
                                     const OpAttrs& attrs) {
  ASSIGN_OR_RETURN(Shape y,
                   PoolShape(OpKind::kMaxPool2D, inputs,
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
#if defined(__AVX512F__)
    if (geo.IsDense2x2()) {
      ForwardPlane2x2(geo, xp, yp, ap);
      return;
    }
#endif
    ForwardPlane(geo, xp, yp, ap);
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
#if defined(__AVX512F__)
    if (geo.IsDense2x2()) {
      VjpPlane2x2(geo, dyp, ap, dxp);
      return;
    }
#endif
    VjpPlane(geo, dyp, ap, dxp);
  });
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kMaxPool2D)
                       .Attrs<MaxPool2DAttrs>()
                       .Shape(MaxPool2DShape)
                       .Aux(MaxPool2DAux)
                       .Forward(MaxPool2DForward)
                       .Vjp(MaxPool2DVjp, kVjpUsesNothing));

}  // namespace dagrad
