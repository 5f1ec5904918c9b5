#include "ops/cpu/im2col.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "ops/cpu/simd.h"

namespace dagrad {
namespace {

// ValidColumns() returns [lo, hi): the output columns j whose input column
// j*stride + offset lies inside [0, width). Outside it they read padding.
void ValidColumns(int64_t offset, int64_t stride, int64_t width, int64_t out_w,
                  int64_t* lo, int64_t* hi) {
  int64_t first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int64_t last = width - 1 - offset < 0 ? 0 : (width - 1 - offset) / stride + 1;
  first = std::min(first, out_w);
  last = std::min(last, out_w);
  *lo = first;
  *hi = std::max(first, last);
}

}  // namespace

void Im2Col(const ConvGeometry& geo, const float* __restrict x,
            float* __restrict col, int64_t ld_col) {
  const int64_t cg = geo.group_in_channels();
  const int64_t h = geo.in_h, w = geo.in_w;
  const int64_t oh = geo.out_h, ow = geo.out_w;
  const int64_t sh = geo.stride_h, sw = geo.stride_w;
  assert(ld_col >= oh * ow);
  for (int64_t c = 0; c < cg; ++c) {
    const float* xc = x + c * h * w;
    for (int64_t u = 0; u < geo.kernel_h; ++u) {
      for (int64_t v = 0; v < geo.kernel_w; ++v) {
        float* row = col + ((c * geo.kernel_h + u) * geo.kernel_w + v) * ld_col;
        const int64_t iw0 = v * geo.dilation_w - geo.pad_left;
        int64_t lo, hi;
        ValidColumns(iw0, sw, w, ow, &lo, &hi);
        for (int64_t i = 0; i < oh; ++i) {
          float* dst = row + i * ow;
          const int64_t ih = i * sh + u * geo.dilation_h - geo.pad_top;
          if (ih < 0 || ih >= h || lo == hi) {
            std::memset(dst, 0, sizeof(float) * ow);
            continue;
          }
          const float* src = xc + ih * w;
          for (int64_t j = 0; j < lo; ++j) dst[j] = 0.0f;
          if (sw == 1) {
            std::memcpy(dst + lo, src + lo + iw0, sizeof(float) * (hi - lo));
          } else {
            for (int64_t j = lo; j < hi; ++j) dst[j] = src[j * sw + iw0];
          }
          for (int64_t j = hi; j < ow; ++j) dst[j] = 0.0f;
        }
      }
    }
  }
}

void Col2Im(const ConvGeometry& geo, const float* __restrict col,
            int64_t ld_col, float* __restrict dx) {
  const int64_t cg = geo.group_in_channels();
  const int64_t h = geo.in_h, w = geo.in_w;
  const int64_t oh = geo.out_h, ow = geo.out_w;
  const int64_t sh = geo.stride_h, sw = geo.stride_w;
  assert(ld_col >= oh * ow);
  std::memset(dx, 0, sizeof(float) * cg * h * w);
  for (int64_t c = 0; c < cg; ++c) {
    float* dxc = dx + c * h * w;
    for (int64_t u = 0; u < geo.kernel_h; ++u) {
      for (int64_t v = 0; v < geo.kernel_w; ++v) {
        const float* row =
            col + ((c * geo.kernel_h + u) * geo.kernel_w + v) * ld_col;
        const int64_t iw0 = v * geo.dilation_w - geo.pad_left;
        int64_t lo, hi;
        ValidColumns(iw0, sw, w, ow, &lo, &hi);
        if (lo == hi) continue;
        for (int64_t i = 0; i < oh; ++i) {
          const int64_t ih = i * sh + u * geo.dilation_h - geo.pad_top;
          if (ih < 0 || ih >= h) continue;
          const float* src = row + i * ow;
          float* dst = dxc + ih * w;
          if (sw == 1) {
            float* d = dst + lo + iw0;
            const float* s = src + lo;
            for (int64_t j = 0; j < hi - lo; ++j) d[j] += s[j];
          } else {
            for (int64_t j = lo; j < hi; ++j) dst[j * sw + iw0] += src[j];
          }
        }
      }
    }
  }
}

#if defined(DAGRAD_HAVE_VECF)
namespace {

// Col2ImRows<NC>() writes the kVecLanes-wide run of columns
// [w0, w0 + kVecLanes) of row h of NC consecutive channels of dx from c0 on
// (the NC rows interleave: independent add chains), adding for each (u, v)
// that meets row h one masked load of col, in (u, v) order: dx column
// w0 + l takes col column w0 + l + pad_left - v*dw of row
// i = h + pad_top - u*dh.
template <int NC>
void Col2ImRows(const ConvGeometry& geo, const float* col, int64_t ld_col,
                int64_t c0, int64_t h, int64_t w0, float* dx) {
  const int64_t khw = geo.kernel_h * geo.kernel_w;
  const int64_t lanes = std::min<int64_t>(kVecLanes, geo.in_w - w0);
  VecF acc[NC];
#pragma GCC unroll 8
  for (int e = 0; e < NC; ++e) acc[e] = VecZero();
  for (int64_t u = 0; u < geo.kernel_h; ++u) {
    const int64_t i = h + geo.pad_top - u * geo.dilation_h;
    if (i < 0 || i >= geo.out_h) continue;
    const float* row =
        col + (c0 * geo.kernel_h + u) * geo.kernel_w * ld_col + i * geo.out_w;
    for (int64_t v = 0; v < geo.kernel_w; ++v, row += ld_col) {
      const int64_t jb = w0 + geo.pad_left - v * geo.dilation_w;
      const VecMask m = VecRunMask(jb, lanes, geo.out_w);
      if (VecMaskEmpty(m)) continue;
      // Masked-off lanes are not read, so `p + l` may leave the row there.
      const float* p = row + jb;
#pragma GCC unroll 8
      for (int e = 0; e < NC; ++e) {
        acc[e] = VecAdd(acc[e], VecMaskedLoad(m, p + e * khw * ld_col));
      }
    }
  }
#pragma GCC unroll 8
  for (int e = 0; e < NC; ++e) {
    VecStoreLanes(dx + ((c0 + e) * geo.in_h + h) * geo.in_w + w0, lanes,
                  acc[e]);
  }
}

using Col2ImRowsFn = void (*)(const ConvGeometry&, const float*, int64_t,
                              int64_t, int64_t, int64_t, float*);
constexpr Col2ImRowsFn kCol2ImRows[8] = {
    Col2ImRows<1>, Col2ImRows<2>, Col2ImRows<3>, Col2ImRows<4>,
    Col2ImRows<5>, Col2ImRows<6>, Col2ImRows<7>, Col2ImRows<8>};

}  // namespace
#endif  // DAGRAD_HAVE_VECF

void Col2ImStride1(const ConvGeometry& geo, int64_t channels, const float* col,
                   int64_t ld_col, float* dx) {
  assert(geo.stride_h == 1 && geo.stride_w == 1);
#if defined(DAGRAD_HAVE_VECF)
  constexpr int64_t kChannels = 8;  // Rows interleaved per call.
  for (int64_t c = 0; c < channels; c += kChannels) {
    const int64_t nc = std::min(kChannels, channels - c);
    for (int64_t h = 0; h < geo.in_h; ++h) {
      for (int64_t w0 = 0; w0 < geo.in_w; w0 += kVecLanes) {
        kCol2ImRows[nc - 1](geo, col, ld_col, c, h, w0, dx);
      }
    }
  }
#else
  ConvGeometry sub = geo;
  sub.in_channels = channels * geo.groups;
  Col2Im(sub, col, ld_col, dx);
#endif
}

}  // namespace dagrad
