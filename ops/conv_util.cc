#include "ops/conv_util.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

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


void CopyRow(const float* __restrict src, int64_t n, float bias,
             float* __restrict dst) {
#if defined(__AVX512F__)
  const __m512 b = _mm512_set1_ps(bias);
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    _mm512_storeu_ps(dst + j, _mm512_add_ps(_mm512_loadu_ps(src + j), b));
  }
  if (j < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - j)) - 1);
    _mm512_mask_storeu_ps(dst + j, m,
                          _mm512_add_ps(_mm512_maskz_loadu_ps(m, src + j), b));
  }
#else
  for (int64_t j = 0; j < n; ++j) dst[j] = src[j] + bias;
#endif
}

void PlaceImage(const float* __restrict src, int64_t channels, int64_t h,
                int64_t w, int64_t row_off, int64_t col_off, int64_t dst_h,
                int64_t dst_w, int64_t plane_stride, int64_t dst_tail,
                float* __restrict dst) {
  assert(plane_stride >= dst_h * dst_w);
  // Destination columns [lo, hi) read source column j - col_off in [0, w).
  const int64_t lo = std::min(std::max<int64_t>(col_off, 0), dst_w);
  const int64_t hi = std::max(lo, std::min(w + col_off, dst_w));
  for (int64_t c = 0; c < channels; ++c) {
    const float* sc = src + c * h * w;
    float* d = dst + c * plane_stride;
    for (int64_t r = 0; r < dst_h; ++r, d += dst_w) {
      const int64_t i = r - row_off;
      if (i < 0 || i >= h || lo == hi) {
        std::memset(d, 0, sizeof(float) * dst_w);
        continue;
      }
      for (int64_t j = 0; j < lo; ++j) d[j] = 0.0f;
      CopyRow(sc + i * w + lo - col_off, hi - lo, 0.0f, d + lo);
      for (int64_t j = hi; j < dst_w; ++j) d[j] = 0.0f;
    }
    std::memset(d, 0, sizeof(float) * (plane_stride - dst_h * dst_w));
  }
  std::memset(dst + channels * plane_stride, 0, sizeof(float) * dst_tail);
}

void PackWeights16(const float* w, int64_t ld_w, int64_t k_len, float* w16) {
  for (int64_t k = 0; k < k_len; ++k) {
    for (int l = 0; l < 16; ++l) w16[k * 16 + l] = w[l * ld_w + k];
  }
}

#if defined(__AVX512F__)

bool DirectConvAvailable() { return true; }

namespace {

constexpr int kQVecs = 3;  // Vectors of q per CorrTile.

// KeepInRegister() makes the compiler materialize v in a register. Without
// it GCC folds a vector load into every FMA that uses it, re-loading the
// same (unaligned, cache-line-splitting) data MR times.
inline void KeepInRegister(__m512& v) { __asm__("" : "+v"(v)); }

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

// WgradTile<MR, NK>() reduces dy rows [0, MR) against the NK patch rows at
// offsets offs[0..NK) over all images and q, then stores the horizontal sums.
template <int MR, int NK>
void WgradTile(const DirectImage& in, int64_t image_stride,
               const float* __restrict dy, int64_t ld_dy, int64_t dy_stride,
               int64_t images, int64_t q_pad, const int64_t* offs,
               float* __restrict dw, int64_t ld_dw) {
  __m512 acc[MR][NK];
#pragma GCC unroll 4
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
#pragma GCC unroll 4
      for (int r = 0; r < MR; ++r) d[r] = _mm512_loadu_ps(db + r * ld_dy + q);
#pragma GCC unroll 8
      for (int t = 0; t < NK; ++t) {
        __m512 x = _mm512_loadu_ps(xp[t] + q);
        KeepInRegister(x);
#pragma GCC unroll 4
        for (int r = 0; r < MR; ++r) {
          acc[r][t] = _mm512_fmadd_ps(d[r], x, acc[r][t]);
        }
      }
    }
  }
#pragma GCC unroll 4
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
constexpr int kWgradRows = 4;
constexpr int kWgradCols = 5;
constexpr WgradTileFn kWgradTiles[kWgradRows][kWgradCols] = {
    {WgradTile<1, 1>, WgradTile<1, 2>, WgradTile<1, 3>, WgradTile<1, 4>,
     WgradTile<1, 5>},
    {WgradTile<2, 1>, WgradTile<2, 2>, WgradTile<2, 3>, WgradTile<2, 4>,
     WgradTile<2, 5>},
    {WgradTile<3, 1>, WgradTile<3, 2>, WgradTile<3, 3>, WgradTile<3, 4>,
     WgradTile<3, 5>},
    {WgradTile<4, 1>, WgradTile<4, 2>, WgradTile<4, 3>, WgradTile<4, 4>,
     WgradTile<4, 5>}};

}  // namespace

namespace {

constexpr int kMaxRowTile = 12;  // Output positions per Corr16Tile.

// Transpose16x16() loads the 16 x 16 row-major block at src (row stride 16)
// and returns its columns: r[j][i] = src[i*16 + j].
// (GCC 12's unpack/shuffle intrinsics pass _mm512_undefined_ps() internally
// and trip -Wmaybe-uninitialized in its own headers.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
inline void Transpose16x16(const float* src, __m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * 16);
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    u[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 16; i += 8) {
    for (int j = 0; j < 4; ++j) {
      t[i + j] = _mm512_shuffle_f32x4(u[i + j], u[i + 4 + j], 0x88);
      t[i + 4 + j] = _mm512_shuffle_f32x4(u[i + j], u[i + 4 + j], 0xDD);
    }
  }
  for (int j = 0; j < 8; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0x88);
    r[8 + j] = _mm512_shuffle_f32x4(t[j], t[8 + j], 0xDD);
  }
}
#pragma GCC diagnostic pop

// Corr16Tile<KW, NP, NR>() computes 16 channels x NR output rows x NP
// consecutive positions into tile[(r*out_w + t)*16 + l]. xrow is the first
// position's patch origin, ld the image row stride. For each (c, u), the KW
// weight vectors stay in registers and each input value x[s] is broadcast
// once and used for every position t = s - v. Two rows interleave so that
// back-to-back FMAs never wait on each other's accumulator.
template <int KW, int NP, int NR>
void Corr16Tile(const DirectImage& in, int64_t ld, const float* __restrict w16,
                const float* xrow, int64_t out_w, float* __restrict tile) {
  __m512 acc[NR][NP];
#pragma GCC unroll 2
  for (int r = 0; r < NR; ++r) {
#pragma GCC unroll 16
    for (int t = 0; t < NP; ++t) acc[r][t] = _mm512_setzero_ps();
  }
  const float* wk = w16;
  for (int64_t c = 0; c < in.channels; ++c) {
    const float* xc = xrow + c * in.channel_stride;
    for (int64_t u = 0; u < in.kernel_h; ++u, wk += KW * 16) {
      const float* xr = xc + u * in.row_step;
      __m512 wv[KW];
#pragma GCC unroll 8
      for (int v = 0; v < KW; ++v) wv[v] = _mm512_load_ps(wk + v * 16);
#pragma GCC unroll 24
      for (int s = 0; s < NP + KW - 1; ++s) {
#pragma GCC unroll 2
        for (int r = 0; r < NR; ++r) {
          const __m512 bx = _mm512_set1_ps(xr[r * ld + s]);
#pragma GCC unroll 8
          for (int v = 0; v < KW; ++v) {
            const int t = s - v;
            if (t >= 0 && t < NP) {
              acc[r][t] = _mm512_fmadd_ps(wv[v], bx, acc[r][t]);
            }
          }
        }
      }
    }
  }
#pragma GCC unroll 2
  for (int r = 0; r < NR; ++r) {
#pragma GCC unroll 16
    for (int t = 0; t < NP; ++t) {
      _mm512_store_ps(tile + (r * out_w + t) * 16, acc[r][t]);
    }
  }
}

using Corr16TileFn = void (*)(const DirectImage&, int64_t, const float*,
                              const float*, int64_t, float*);
#define DAGRAD_CORR16_ROW_(kw, nr)                                          \
  {Corr16Tile<kw, 1, nr>,  Corr16Tile<kw, 2, nr>,  Corr16Tile<kw, 3, nr>,   \
   Corr16Tile<kw, 4, nr>,  Corr16Tile<kw, 5, nr>,  Corr16Tile<kw, 6, nr>,   \
   Corr16Tile<kw, 7, nr>,  Corr16Tile<kw, 8, nr>,  Corr16Tile<kw, 9, nr>,   \
   Corr16Tile<kw, 10, nr>, Corr16Tile<kw, 11, nr>, Corr16Tile<kw, 12, nr>}
// [kernel_w == 5][rows - 1][positions - 1]
constexpr Corr16TileFn kCorr16Tiles[2][2][kMaxRowTile] = {
    {DAGRAD_CORR16_ROW_(3, 1), DAGRAD_CORR16_ROW_(3, 2)},
    {DAGRAD_CORR16_ROW_(5, 1), DAGRAD_CORR16_ROW_(5, 2)}};
#undef DAGRAD_CORR16_ROW_

}  // namespace

bool Correlate16Supported(int64_t kernel_w, int64_t dilation_w) {
  return dilation_w == 1 && (kernel_w == 3 || kernel_w == 5);
}

void DirectCorrelate16(const DirectImage& in, int64_t ld, const float* w16,
                       int64_t out_h, int64_t out_w, const float* bias,
                       float* tbuf, float* out, int64_t ld_out) {
  assert(Correlate16Supported(in.kernel_w, 1));
  // Rows in pairs (the last alone if out_h is odd), each split into
  // near-equal tiles of at most kMaxRowTile positions; tbuf[(i*out_w + j)*16
  // + l] collects position-major results.
  const auto& tiles_fn = kCorr16Tiles[in.kernel_w == 5 ? 1 : 0];
  const int64_t tiles = (out_w + kMaxRowTile - 1) / kMaxRowTile;
  for (int64_t i = 0; i < out_h; i += 2) {
    const int64_t nr = std::min<int64_t>(2, out_h - i);
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t j0 = t * out_w / tiles;
      const int64_t j1 = (t + 1) * out_w / tiles;
      tiles_fn[nr - 1][j1 - j0 - 1](in, ld, w16, in.data + i * ld + j0, out_w,
                                    tbuf + (i * out_w + j0) * 16);
    }
  }
  // Transpose to channel-major, 16 positions at a time (the rows of tbuf
  // past p are never stored).
  const int64_t p = out_h * out_w;
  for (int64_t q = 0; q < p; q += 16) {
    __m512 r[16];
    Transpose16x16(tbuf + q * 16, r);
    const int64_t n = std::min<int64_t>(16, p - q);
    const __mmask16 m = static_cast<__mmask16>((1u << n) - 1);
    for (int l = 0; l < 16; ++l) {
      const __m512 v =
          bias != nullptr ? _mm512_add_ps(r[l], _mm512_set1_ps(bias[l]))
                          : r[l];
      _mm512_mask_storeu_ps(out + l * ld_out + q, m, v);
    }
  }
}

void DirectCorrelate(const DirectImage& in, const float* w, int64_t ld_w,
                     int64_t rows, int64_t q_pad, float* out,
                     int64_t ld_out) {
  assert(q_pad % kDirectQ == 0);
  for (int64_t q0 = 0; q0 < q_pad; q0 += 16 * kQVecs) {
    const int64_t nv = std::min<int64_t>(kQVecs, (q_pad - q0) / 16);
    for (int64_t m0 = 0; m0 < rows; m0 += kCorrRows) {
      const int64_t mr = std::min<int64_t>(kCorrRows, rows - m0);
      kCorrTiles[nv - 1][mr - 1](in, w + m0 * ld_w, ld_w, q0,
                                 out + m0 * ld_out, ld_out);
    }
  }
}

void DirectWeightGrad(const DirectImage& in, int64_t image_stride,
                      const float* dy, int64_t ld_dy, int64_t dy_stride,
                      int64_t images, int64_t rows, int64_t q_pad, float* dw,
                      int64_t ld_dw) {
  assert(q_pad % 16 == 0);
  const int64_t khw = in.kernel_h * in.kernel_w;
  const int64_t k_total = in.channels * khw;
  for (int64_t k0 = 0; k0 < k_total; k0 += kWgradCols) {
    const int64_t nk = std::min<int64_t>(kWgradCols, k_total - k0);
    int64_t offs[kWgradCols];
    for (int64_t t = 0; t < nk; ++t) {
      const int64_t k = k0 + t;
      const int64_t c = k / khw;
      const int64_t u = (k / in.kernel_w) % in.kernel_h;
      const int64_t v = k % in.kernel_w;
      offs[t] = c * in.channel_stride + u * in.row_step + v * in.col_step;
    }
    for (int64_t m0 = 0; m0 < rows; m0 += kWgradRows) {
      const int64_t mr = std::min<int64_t>(kWgradRows, rows - m0);
      kWgradTiles[mr - 1][nk - 1](in, image_stride, dy + m0 * ld_dy, ld_dy,
                                  dy_stride, images, q_pad, offs,
                                  dw + m0 * ld_dw + k0, ld_dw);
    }
  }
}

#else  // !__AVX512F__

bool DirectConvAvailable() { return false; }

bool Correlate16Supported(int64_t, int64_t) { return false; }

void DirectCorrelate16(const DirectImage&, int64_t, const float*, int64_t,
                       int64_t, const float*, float*, float*, int64_t) {
  assert(false && "DirectCorrelate16 needs AVX-512");
}

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
