#include "ops/conv_util.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "ops/simd_util.h"

namespace dagrad {
namespace {

// ValidColumns() returns [lo, hi): the output columns j whose input column
// j*stride + offset lies inside [0, width). Outside it they read padding.
void ValidColumns(int64_t offset, int64_t stride, int64_t width,
                  int64_t out_w, int64_t* lo, int64_t* hi) {
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


#if defined(__AVX512F__)
namespace {

// RunMask() is the mask of the lanes l < lanes with 0 <= jb + l < width:
// for a 16-lane run whose lane l reads column jb + l of a row `width` long.
inline __mmask16 RunMask(int64_t jb, int64_t lanes, int64_t width) {
  const int64_t lo = std::min<int64_t>(std::max<int64_t>(0, -jb), 16);
  const int64_t hi = std::max<int64_t>(lo, std::min<int64_t>(lanes, width - jb));
  return static_cast<__mmask16>(LowMask(hi) & ~LowMask(lo));
}

// Col2ImRows<NC>() writes the 16-wide run of columns [w0, w0 + 16) of row h
// of NC consecutive channels of dx from c0 on (the NC rows interleave:
// independent add chains), adding for each (u, v) that meets row h one
// masked load of col, in (u, v) order: dx column w0 + l takes col column
// w0 + l + pad_left - v*dw of row i = h + pad_top - u*dh.
template <int NC>
void Col2ImRows(const ConvGeometry& geo, const float* col, int64_t ld_col,
                int64_t c0, int64_t h, int64_t w0, float* dx) {
  const int64_t khw = geo.kernel_h * geo.kernel_w;
  const int64_t lanes = std::min<int64_t>(16, geo.in_w - w0);
  __m512 acc[NC];
#pragma GCC unroll 8
  for (int e = 0; e < NC; ++e) acc[e] = _mm512_setzero_ps();
  for (int64_t u = 0; u < geo.kernel_h; ++u) {
    const int64_t i = h + geo.pad_top - u * geo.dilation_h;
    if (i < 0 || i >= geo.out_h) continue;
    const float* row =
        col + (c0 * geo.kernel_h + u) * geo.kernel_w * ld_col + i * geo.out_w;
    for (int64_t v = 0; v < geo.kernel_w; ++v, row += ld_col) {
      const int64_t jb = w0 + geo.pad_left - v * geo.dilation_w;
      const __mmask16 m = RunMask(jb, lanes, geo.out_w);
      if (m == 0) continue;
      // Masked-off lanes are not read, so `p + l` may leave the row there.
      const float* p = row + jb;
#pragma GCC unroll 8
      for (int e = 0; e < NC; ++e) {
        acc[e] = _mm512_add_ps(acc[e],
                               _mm512_maskz_loadu_ps(m, p + e * khw * ld_col));
      }
    }
  }
#pragma GCC unroll 8
  for (int e = 0; e < NC; ++e) {
    _mm512_mask_storeu_ps(dx + ((c0 + e) * geo.in_h + h) * geo.in_w + w0,
                          LowMask(lanes), acc[e]);
  }
}

using Col2ImRowsFn = void (*)(const ConvGeometry&, const float*, int64_t,
                             int64_t, int64_t, int64_t, float*);
constexpr Col2ImRowsFn kCol2ImRows[8] = {
    Col2ImRows<1>, Col2ImRows<2>, Col2ImRows<3>, Col2ImRows<4>,
    Col2ImRows<5>, Col2ImRows<6>, Col2ImRows<7>, Col2ImRows<8>};

}  // namespace
#endif  // __AVX512F__

void Col2ImStride1(const ConvGeometry& geo, int64_t channels,
                   const float* col, int64_t ld_col, float* dx) {
  assert(geo.stride_h == 1 && geo.stride_w == 1);
#if defined(__AVX512F__)
  constexpr int64_t kChannels = 8;  // Rows interleaved per call.
  for (int64_t c = 0; c < channels; c += kChannels) {
    const int64_t nc = std::min(kChannels, channels - c);
    for (int64_t h = 0; h < geo.in_h; ++h) {
      for (int64_t w0 = 0; w0 < geo.in_w; w0 += 16) {
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

void TransposeRows(const float* w, int64_t rows, int64_t ld_w, int64_t k_len,
                   float* out) {
  for (int64_t k = 0; k < k_len; ++k) {
    for (int64_t l = 0; l < rows; ++l) out[k * rows + l] = w[l * ld_w + k];
  }
}

void PlaceImage(const float* __restrict src, int64_t channels, int64_t h,
                int64_t w, int64_t row_off, int64_t col_off, int64_t dst_h,
                int64_t dst_w, int64_t plane_stride, int64_t dst_tail,
                float* __restrict dst) {
  assert(plane_stride >= dst_h * dst_w);
  // Destination columns [lo, hi) read source column j - col_off in [0, w).
  const int64_t lo = std::min(std::max<int64_t>(col_off, 0), dst_w);
  const int64_t hi = std::max(lo, std::min(w + col_off, dst_w));
  // Destination rows [r_lo, r_hi) read source row r - row_off in [0, h).
  const int64_t r_lo = std::min(std::max<int64_t>(row_off, 0), dst_h);
  const int64_t r_hi = lo == hi ? r_lo
                                : std::max(r_lo, std::min(h + row_off, dst_h));
  for (int64_t c = 0; c < channels; ++c) {
    const float* sc = src + c * h * w;
    float* d = dst + c * plane_stride;
    std::memset(d, 0, sizeof(float) * r_lo * dst_w);
#if defined(__AVX512F__)
    // Per 16-column block k, one masked load per row: lanes l with
    // lo <= k + l < hi read the source, the others are zero (masked-off
    // lanes are not read, so the address may leave the source row).
    for (int64_t k = 0; k < dst_w; k += 16) {
      const int64_t lanes = std::min<int64_t>(16, dst_w - k);
      const __mmask16 read = RunMask(k - lo, lanes, hi - lo);
      const __mmask16 store = LowMask(lanes);
      const float* s = sc + (r_lo - row_off) * w - col_off + k;
      for (int64_t r = r_lo; r < r_hi; ++r, s += w) {
        _mm512_mask_storeu_ps(d + r * dst_w + k, store,
                              _mm512_maskz_loadu_ps(read, s));
      }
    }
#else
    for (int64_t r = r_lo; r < r_hi; ++r) {
      float* dr = d + r * dst_w;
      for (int64_t j = 0; j < lo; ++j) dr[j] = 0.0f;
      CopyRow(sc + (r - row_off) * w + lo - col_off, hi - lo, 0.0f, dr + lo);
      for (int64_t j = hi; j < dst_w; ++j) dr[j] = 0.0f;
    }
#endif
    std::memset(d + r_hi * dst_w, 0,
                sizeof(float) * (plane_stride - r_hi * dst_w));
  }
  std::memset(dst + channels * plane_stride, 0, sizeof(float) * dst_tail);
}

#if defined(__AVX512F__)

bool DirectConvAvailable() { return true; }

namespace {

constexpr int kQVecs = 3;  // Vectors of q per CorrTile.

// HorizontalSum() adds the 16 lanes in a fixed (pairwise) order. (GCC 12's
// _mm512_reduce_add_ps trips -Wuninitialized in its own header.)
inline float HorizontalSum(__m512 v) {
  alignas(64) float t[16];
  _mm512_store_ps(t, v);
  for (int width = 8; width >= 1; width /= 2) {
    for (int i = 0; i < width; ++i) t[i] += t[i + width];
  }
  return t[0];
}

// CorrTile<MR, NV>() computes out rows [0, MR) x columns [q0, q0 + 16*NV).
template <int MR, int NV>
void CorrTile(const DirectImage& in, const float* __restrict w, int64_t ld_w,
              int64_t q0, float* __restrict out, int64_t ld_out) {
  __m512 acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[r][j] = _mm512_setzero_ps();
  }
  int64_t k = 0;
  for (int64_t c = 0; c < in.channels; ++c) {
    const float* base_c = in.data + c * in.channel_stride + q0;
    for (int64_t u = 0; u < in.kernel_h; ++u) {
      const float* base_u = base_c + u * in.row_step;
      for (int64_t v = 0; v < in.kernel_w; ++v, ++k) {
        const float* p = base_u + v * in.col_step;
        __m512 x[NV];
#pragma GCC unroll 4
        for (int j = 0; j < NV; ++j) {
          x[j] = _mm512_loadu_ps(p + 16 * j);
          KeepInRegister(x[j]);
        }
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
          const __m512 wb = _mm512_set1_ps(w[r * ld_w + k]);
#pragma GCC unroll 4
          for (int j = 0; j < NV; ++j) {
            acc[r][j] = _mm512_fmadd_ps(wb, x[j], acc[r][j]);
          }
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      _mm512_storeu_ps(out + r * ld_out + q0 + 16 * j, acc[r][j]);
    }
  }
}

using CorrTileFn = void (*)(const DirectImage&, const float*, int64_t, int64_t,
                            float*, int64_t);
constexpr int kCorrRows = 8;
#define DAGRAD_CORR_ROW_(nv)                                          \
  {CorrTile<1, nv>, CorrTile<2, nv>, CorrTile<3, nv>, CorrTile<4, nv>, \
   CorrTile<5, nv>, CorrTile<6, nv>, CorrTile<7, nv>, CorrTile<8, nv>}
constexpr CorrTileFn kCorrTiles[kQVecs][kCorrRows] = {
    DAGRAD_CORR_ROW_(1), DAGRAD_CORR_ROW_(2), DAGRAD_CORR_ROW_(3)};
#undef DAGRAD_CORR_ROW_
// A last run of 4 vectors (which 3-wide tiles would leave a 1-wide tile of
// mostly broadcasts) goes in one 4-wide tile of at most 6 rows.
constexpr int kCorrRows4 = 6;
constexpr CorrTileFn kCorrTiles4[kCorrRows4] = {
    CorrTile<1, 4>, CorrTile<2, 4>, CorrTile<3, 4>,
    CorrTile<4, 4>, CorrTile<5, 4>, CorrTile<6, 4>};

// WgradTile<MR, NK>() reduces dy rows [0, MR) against the NK patch rows at
// offsets offs[0..NK) over all images and q, then stores the horizontal sums.
template <int MR, int NK>
void WgradTile(const DirectImage& in, int64_t image_stride,
               const float* __restrict dy, int64_t ld_dy, int64_t dy_stride,
               int64_t images, int64_t q_pad, const int64_t* offs,
               float* __restrict dw, int64_t ld_dw) {
  __m512 acc[MR][NK];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 8
    for (int t = 0; t < NK; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < images; ++b) {
    const float* xp[NK];
#pragma GCC unroll 8
    for (int t = 0; t < NK; ++t) xp[t] = in.data + b * image_stride + offs[t];
    const float* db = dy + b * dy_stride;
    for (int64_t q = 0; q < q_pad; q += 16) {
      // The dy rows are aligned loads held in registers; each (unaligned,
      // shifted) patch row is loaded once and used MR times.
      __m512 d[MR];
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        d[r] = _mm512_loadu_ps(db + r * ld_dy + q);
        KeepInRegister(d[r]);
      }
#pragma GCC unroll 8
      for (int t = 0; t < NK; ++t) {
        __m512 x = _mm512_loadu_ps(xp[t] + q);
        KeepInRegister(x);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
          acc[r][t] = _mm512_fmadd_ps(d[r], x, acc[r][t]);
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 8
    for (int t = 0; t < NK; ++t) {
      dw[r * ld_dw + t] = HorizontalSum(acc[r][t]);
    }
  }
}

using WgradTileFn = void (*)(const DirectImage&, int64_t, const float*,
                             int64_t, int64_t, int64_t, int64_t,
                             const int64_t*, float*, int64_t);
// Tiles of up to 6 dy rows by up to 5 patch rows, within the 32 vector
// registers: MR*NK accumulators + MR dy rows + 1 patch row (6 x 5 would
// spill, so 6-row tiles take at most 4 patch rows).
constexpr int kWgradRows = 6;
constexpr int kWgradCols = 5;
constexpr int64_t MaxWgradCols(int64_t rows) { return rows >= 6 ? 4 : 5; }
#define DAGRAD_WGRAD_ROW_(mr)                                               \
  {WgradTile<mr, 1>, WgradTile<mr, 2>, WgradTile<mr, 3>, WgradTile<mr, 4>, \
   mr >= 6 ? nullptr : WgradTile<mr, 5>}
constexpr WgradTileFn kWgradTiles[kWgradRows][kWgradCols] = {
    DAGRAD_WGRAD_ROW_(1), DAGRAD_WGRAD_ROW_(2), DAGRAD_WGRAD_ROW_(3),
    DAGRAD_WGRAD_ROW_(4), DAGRAD_WGRAD_ROW_(5), DAGRAD_WGRAD_ROW_(6)};
#undef DAGRAD_WGRAD_ROW_

}  // namespace

void DirectCorrelate(const DirectImage& in, const float* w, int64_t ld_w,
                     int64_t rows, int64_t q_pad, float* out,
                     int64_t ld_out) {
  assert(q_pad % kDirectQ == 0);
  for (int64_t q0 = 0; q0 < q_pad;) {
    const int64_t left = (q_pad - q0) / 16;
    // Rows in near-equal tiles (25 rows: 7, 6, 6, 6 rather than 8, 8, 8, 1).
    const int64_t nv = left == 4 ? 4 : std::min<int64_t>(kQVecs, left);
    const int64_t max_rows = nv == 4 ? kCorrRows4 : kCorrRows;
    const int64_t tiles = (rows + max_rows - 1) / max_rows;
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t m0 = t * rows / tiles;
      const int64_t mr = (t + 1) * rows / tiles - m0;
      const CorrTileFn fn =
          nv == 4 ? kCorrTiles4[mr - 1] : kCorrTiles[nv - 1][mr - 1];
      fn(in, w + m0 * ld_w, ld_w, q0, out + m0 * ld_out, ld_out);
    }
    q0 += 16 * nv;
  }
}

void DirectWeightGrad(const DirectImage& in, int64_t image_stride,
                      const float* dy, int64_t ld_dy, int64_t dy_stride,
                      int64_t images, int64_t rows, int64_t q_pad, float* dw,
                      int64_t ld_dw) {
  assert(q_pad % 16 == 0);
  const int64_t khw = in.kernel_h * in.kernel_w;
  const int64_t k_total = in.channels * khw;
  // Near-equal tiles both ways (6 rows x 25 patch rows: one row tile, patch
  // tiles of 3 and 4). Each dw element is the same sum whatever its tile.
  const int64_t row_tiles = (rows + kWgradRows - 1) / kWgradRows;
  for (int64_t rt = 0; rt < row_tiles; ++rt) {
    const int64_t m0 = rt * rows / row_tiles;
    const int64_t mr = (rt + 1) * rows / row_tiles - m0;
    const int64_t max_nk = MaxWgradCols(mr);
    const int64_t k_tiles = (k_total + max_nk - 1) / max_nk;
    for (int64_t kt = 0; kt < k_tiles; ++kt) {
      const int64_t k0 = kt * k_total / k_tiles;
      const int64_t nk = (kt + 1) * k_total / k_tiles - k0;
      int64_t offs[kWgradCols];
      for (int64_t t = 0; t < nk; ++t) {
        const int64_t k = k0 + t;
        const int64_t c = k / khw;
        const int64_t u = (k / in.kernel_w) % in.kernel_h;
        const int64_t v = k % in.kernel_w;
        offs[t] = c * in.channel_stride + u * in.row_step + v * in.col_step;
      }
      kWgradTiles[mr - 1][nk - 1](in, image_stride, dy + m0 * ld_dy, ld_dy,
                                  dy_stride, images, q_pad, offs,
                                  dw + m0 * ld_dw + k0, ld_dw);
    }
  }
}

#else  // !__AVX512F__

bool DirectConvAvailable() { return false; }

void DirectCorrelate(const DirectImage&, const float*, int64_t, int64_t,
                     int64_t, float*, int64_t) {
  assert(false && "DirectCorrelate needs AVX-512");
}

void DirectWeightGrad(const DirectImage&, int64_t, const float*, int64_t,
                      int64_t, int64_t, int64_t, int64_t, float*, int64_t) {
  assert(false && "DirectWeightGrad needs AVX-512");
}

#endif  // __AVX512F__

}  // namespace dagrad
