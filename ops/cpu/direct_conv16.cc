#include "ops/cpu/direct_conv16.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "ops/cpu/fma_probe.h"
#include "ops/cpu/simd.h"

namespace dagrad {

#if defined(DAGRAD_HAVE_VECF)
namespace {

// WgradTile16<KW, NP, NCU>() adds, for the NCU kernel rows (c, u) whose
// first patch rows start at xr[0..NCU), the products of NP consecutive
// positions of one output row into acc (KW taps x 16 channels per row,
// NCU rows back to back), for the kVecLanes channels of one vector (all 16
// on AVX-512, one half of 8 on AVX2; d and acc point at them):
//   acc[(r*KW + v)*16 + l] += sum_{t < NP} d[t*16 + l] * xr[r][t + v].
// The NP dY vectors stay in registers; each x value is broadcast once and
// feeds every tap v it meets (t = s - v). Two or more kernel rows
// (Wgrad16Blocking) interleave so that back-to-back FMAs are independent.
template <int KW, int NP, int NCU>
void WgradTile16(const float* const* xr, const float* __restrict d,
                 float* __restrict acc) {
  static_assert(NCU * KW + NP + 1 <= kVecRegisters, "tile spills");
  VecF dv[NP];
#pragma GCC unroll 16
  for (int t = 0; t < NP; ++t) {
    dv[t] = VecLoad(d + t * 16);
    KeepInRegister(dv[t]);
  }
  VecF a[NCU][KW];
#pragma GCC unroll 4
  for (int r = 0; r < NCU; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < KW; ++v) a[r][v] = VecLoad(acc + (r * KW + v) * 16);
  }
#pragma GCC unroll 24
  for (int s = 0; s < NP + KW - 1; ++s) {
#pragma GCC unroll 4
    for (int r = 0; r < NCU; ++r) {
      const VecF bx = VecSet1(xr[r][s]);
#pragma GCC unroll 8
      for (int v = 0; v < KW; ++v) {
        const int t = s - v;
        if (t >= 0 && t < NP) a[r][v] = VecFma(dv[t], bx, a[r][v]);
      }
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < NCU; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < KW; ++v) VecStore(acc + (r * KW + v) * 16, a[r][v]);
  }
}

// kMaxSweepRows: the most kernel rows one weight-gradient tile sweeps, on
// either ISA.
constexpr int kMaxSweepRows = 4;

// SweepWgrad16() zeroes dw16 and runs DirectWeightGrad16With()'s tiling:
// each row (image b, output row i) in near-equal tiles of at most max_np
// positions; every tile sweeps all kernel rows (c, u), max_ncu at a time,
// as tile(ncu, np, xr, d, acc): xr the ncu rows' patch origins, d the
// tile's dY (position-major), acc its rows' part of dw16 (L1-resident).
// Each dw16 element gets the same FMAs in the same order (b, i, j) whatever
// max_ncu and max_np are.
template <typename TileFn>
void SweepWgrad16(const DirectImage& in, int64_t image_stride, int64_t ld,
                  const float* dyt, int64_t dyt_stride, int64_t images,
                  int64_t out_h, int64_t out_w, int64_t max_ncu, int64_t max_np,
                  float* dw16, TileFn tile) {
  assert(max_ncu <= kMaxSweepRows);
  const int64_t kw = in.kernel_w;
  const int64_t rows = in.channels * in.kernel_h;  // Kernel rows (c, u).
  std::memset(dw16, 0, sizeof(float) * rows * kw * 16);
  const int64_t tiles = (out_w + max_np - 1) / max_np;
  for (int64_t b = 0; b < images; ++b) {
    const float* xb = in.data + b * image_stride;
    const float* db = dyt + b * dyt_stride;
    for (int64_t i = 0; i < out_h; ++i) {
      for (int64_t t = 0; t < tiles; ++t) {
        const int64_t j0 = t * out_w / tiles;
        const int64_t np = (t + 1) * out_w / tiles - j0;
        const float* d = db + (i * out_w + j0) * 16;
        const float* x0 = xb + i * ld + j0;
        for (int64_t r = 0; r < rows; r += max_ncu) {
          const int64_t ncu = std::min<int64_t>(max_ncu, rows - r);
          const float* xr[kMaxSweepRows];
          for (int64_t e = 0; e < ncu; ++e) {
            const int64_t c = (r + e) / in.kernel_h;
            const int64_t u = (r + e) % in.kernel_h;
            xr[e] = x0 + c * in.channel_stride + u * in.row_step;
          }
          tile(ncu, np, xr, d, dw16 + r * kw * 16);
        }
      }
    }
  }
}

}  // namespace
#endif  // DAGRAD_HAVE_VECF

#if defined(__AVX512F__)

namespace {

constexpr int kMaxRowTile = 12;  // Output positions per Corr16Tile.

// Transpose16x16() loads the 16 x 16 block at src (row stride ld, lanes
// outside `lanes` read as 0) and returns its columns: r[j][i] = src[i*ld + j].
// (GCC 12's unpack/shuffle intrinsics pass _mm512_undefined_ps() internally
// and trip -Wmaybe-uninitialized in its own headers.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
inline void Transpose16x16(const float* src, int64_t ld, __mmask16 lanes,
                           __m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 16; ++i) {
    r[i] = _mm512_maskz_loadu_ps(lanes, src + i * ld);
  }
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
#define DAGRAD_CORR16_ROW_(kw, nr)                                             \
  {                                                                            \
    Corr16Tile<kw, 1, nr>, Corr16Tile<kw, 2, nr>, Corr16Tile<kw, 3, nr>,       \
        Corr16Tile<kw, 4, nr>, Corr16Tile<kw, 5, nr>, Corr16Tile<kw, 6, nr>,   \
        Corr16Tile<kw, 7, nr>, Corr16Tile<kw, 8, nr>, Corr16Tile<kw, 9, nr>,   \
        Corr16Tile<kw, 10, nr>, Corr16Tile<kw, 11, nr>, Corr16Tile<kw, 12, nr> \
  }
// [kernel_w == 5][rows - 1][positions - 1]
constexpr Corr16TileFn kCorr16Tiles[2][2][kMaxRowTile] = {
    {DAGRAD_CORR16_ROW_(3, 1), DAGRAD_CORR16_ROW_(3, 2)},
    {DAGRAD_CORR16_ROW_(5, 1), DAGRAD_CORR16_ROW_(5, 2)}};
#undef DAGRAD_CORR16_ROW_

using Wgrad16TileFn = void (*)(const float* const*, const float*, float*);
#define DAGRAD_WGRAD16_ROW_(kw, ncu)                                           \
  {                                                                            \
    WgradTile16<kw, 1, ncu>, WgradTile16<kw, 2, ncu>, WgradTile16<kw, 3, ncu>, \
        WgradTile16<kw, 4, ncu>, WgradTile16<kw, 5, ncu>,                      \
        WgradTile16<kw, 6, ncu>, WgradTile16<kw, 7, ncu>,                      \
        WgradTile16<kw, 8, ncu>, WgradTile16<kw, 9, ncu>,                      \
        WgradTile16<kw, 10, ncu>, WgradTile16<kw, 11, ncu>,                    \
        WgradTile16<kw, 12, ncu>                                               \
  }
// Kernel rows per tile: kTwoRows sweeps 2 (2*KW accumulators: 6 or 10);
// kWide sweeps 4 for KW 3 and 3 for KW 5 (12 or 15 accumulators, with the
// at most 12 dY vectors and one broadcast still within 32 registers).
constexpr int kMaxWgrad16Rows = kMaxSweepRows;
constexpr int MaxWgrad16Rows(Wgrad16Blocking blocking, int64_t kernel_w) {
  return blocking == Wgrad16Blocking::kTwoRows ? 2 : kernel_w == 5 ? 3 : 4;
}
// [kernel_w == 5][kernel rows - 1][positions - 1]; 4 rows of KW 5 would
// spill and are never run.
constexpr Wgrad16TileFn kWgrad16Tiles[2][kMaxWgrad16Rows][kMaxRowTile] = {
    {DAGRAD_WGRAD16_ROW_(3, 1), DAGRAD_WGRAD16_ROW_(3, 2),
     DAGRAD_WGRAD16_ROW_(3, 3), DAGRAD_WGRAD16_ROW_(3, 4)},
    {DAGRAD_WGRAD16_ROW_(5, 1),
     DAGRAD_WGRAD16_ROW_(5, 2),
     DAGRAD_WGRAD16_ROW_(5, 3),
     {}}};
#undef DAGRAD_WGRAD16_ROW_

}  // namespace

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
    Transpose16x16(tbuf + q * 16, 16, LowMask(16), r);
    const __mmask16 m = LowMask(std::min<int64_t>(16, p - q));
    for (int l = 0; l < 16; ++l) {
      const __m512 v =
          bias != nullptr ? _mm512_add_ps(r[l], _mm512_set1_ps(bias[l])) : r[l];
      _mm512_mask_storeu_ps(out + l * ld_out + q, m, v);
    }
  }
}
void Transpose16(const float* src, int64_t ld, int64_t n, float* dst) {
  for (int64_t q = 0; q < n; q += 16) {
    const int64_t m = std::min<int64_t>(16, n - q);
    __m512 r[16];
    Transpose16x16(src + q, ld, LowMask(m), r);
    for (int64_t j = 0; j < m; ++j) _mm512_storeu_ps(dst + (q + j) * 16, r[j]);
  }
}

void DirectWeightGrad16With(Wgrad16Blocking blocking, const DirectImage& in,
                            int64_t image_stride, int64_t ld, const float* dyt,
                            int64_t dyt_stride, int64_t images, int64_t out_h,
                            int64_t out_w, float* dw16) {
  assert(Correlate16Supported(in.kernel_w, 1));
  const int kw = static_cast<int>(in.kernel_w);
  const auto& tiles_fn = kWgrad16Tiles[kw == 5 ? 1 : 0];
  SweepWgrad16(
      in, image_stride, ld, dyt, dyt_stride, images, out_h, out_w,
      MaxWgrad16Rows(blocking, kw), kMaxRowTile, dw16,
      [&](int64_t ncu, int64_t np, const float* const* xr, const float* d,
          float* acc) { tiles_fn[ncu - 1][np - 1](xr, d, acc); });
}

#elif defined(DAGRAD_HAVE_VECF)  // AVX2 + FMA: 16 registers of 8 floats.

namespace {

// On AVX2 the 16 channels are two halves of 8, one vector each, computed
// one after the other: a half's KW weight vectors stay in registers beside
// up to MaxCorr8Positions() accumulators and one broadcast (5 + 10 + 1 of
// the 16 registers). Every element gets the same FMAs in the same order as
// on AVX-512.
constexpr int kMaxPositions8 = 12;
constexpr int64_t MaxCorr8Positions(int64_t kernel_w) {
  return kVecRegisters - 1 - kernel_w;
}

// Transpose8x8() returns the columns of the 8 x 8 block in rows r[0..8):
// r[j][i] = old r[i][j].
inline void Transpose8x8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
    r[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
  }
}

// Corr8Tile<KW, NP>() computes the 8 channels of one half (w8: that half's
// weights, 16 floats apart per tap) at NP consecutive positions of one
// output row into tile[t*16 + l] (the half's 8 of each position's 16
// floats). xrow is the first position's patch origin.
template <int KW, int NP>
void Corr8Tile(const DirectImage& in, const float* __restrict w8,
               const float* xrow, float* __restrict tile) {
  static_assert(KW + NP + 1 <= kVecRegisters, "tile spills");
  __m256 acc[NP];
#pragma GCC unroll 16
  for (int t = 0; t < NP; ++t) acc[t] = _mm256_setzero_ps();
  const float* wk = w8;
  for (int64_t c = 0; c < in.channels; ++c) {
    const float* xc = xrow + c * in.channel_stride;
    for (int64_t u = 0; u < in.kernel_h; ++u, wk += KW * 16) {
      const float* xr = xc + u * in.row_step;
      __m256 wv[KW];
#pragma GCC unroll 8
      for (int v = 0; v < KW; ++v) {
        wv[v] = _mm256_load_ps(wk + v * 16);
        KeepInRegister(wv[v]);
      }
#pragma GCC unroll 24
      for (int s = 0; s < NP + KW - 1; ++s) {
        const __m256 bx = _mm256_set1_ps(xr[s]);
#pragma GCC unroll 8
        for (int v = 0; v < KW; ++v) {
          const int t = s - v;
          if (t >= 0 && t < NP) acc[t] = _mm256_fmadd_ps(wv[v], bx, acc[t]);
        }
      }
    }
  }
#pragma GCC unroll 16
  for (int t = 0; t < NP; ++t) _mm256_storeu_ps(tile + t * 16, acc[t]);
}

using Corr8TileFn = void (*)(const DirectImage&, const float*, const float*,
                             float*);
// Corr8TileIfFits() is Corr8Tile<KW, NP> where its registers fit, else
// null (never instantiated).
template <int KW, int NP>
constexpr Corr8TileFn Corr8TileIfFits() {
  if constexpr (NP <= MaxCorr8Positions(KW)) {
    return Corr8Tile<KW, NP>;
  } else {
    return nullptr;
  }
}
#define DAGRAD_CORR8_ROW_(kw)                                \
  {                                                          \
    Corr8TileIfFits<kw, 1>(), Corr8TileIfFits<kw, 2>(),      \
        Corr8TileIfFits<kw, 3>(), Corr8TileIfFits<kw, 4>(),  \
        Corr8TileIfFits<kw, 5>(), Corr8TileIfFits<kw, 6>(),  \
        Corr8TileIfFits<kw, 7>(), Corr8TileIfFits<kw, 8>(),  \
        Corr8TileIfFits<kw, 9>(), Corr8TileIfFits<kw, 10>(), \
        Corr8TileIfFits<kw, 11>(), Corr8TileIfFits<kw, 12>() \
  }
// [kernel_w == 5][positions - 1]
constexpr Corr8TileFn kCorr8Tiles[2][kMaxPositions8] = {DAGRAD_CORR8_ROW_(3),
                                                        DAGRAD_CORR8_ROW_(5)};
#undef DAGRAD_CORR8_ROW_

using Wgrad8TileFn = void (*)(const float* const*, const float*, float*);
// Kernel rows per tile: kTwoRows sweeps 2, kWide 3 for KW 3 (9
// accumulators) and 2 for KW 5 (10); the positions per tile are what the
// 16 registers leave (MaxWgrad8Positions()).
constexpr int kMaxWgrad8Rows = 3;
constexpr int kMaxWgrad8Positions = 8;
constexpr int MaxWgrad8Rows(Wgrad16Blocking blocking, int64_t kernel_w) {
  return blocking == Wgrad16Blocking::kWide && kernel_w == 3 ? 3 : 2;
}
constexpr int64_t MaxWgrad8Positions(int64_t rows, int64_t kernel_w) {
  return std::min<int64_t>(kMaxWgrad8Positions,
                           kVecRegisters - 1 - rows * kernel_w);
}
// Wgrad8TileIfFits() is WgradTile16<KW, NP, NCU> where its registers fit,
// else null (never instantiated).
template <int KW, int NP, int NCU>
constexpr Wgrad8TileFn Wgrad8TileIfFits() {
  if constexpr (NP <= MaxWgrad8Positions(NCU, KW)) {
    return WgradTile16<KW, NP, NCU>;
  } else {
    return nullptr;
  }
}
#define DAGRAD_WGRAD8_ROW_(kw, ncu)                                     \
  {                                                                     \
    Wgrad8TileIfFits<kw, 1, ncu>(), Wgrad8TileIfFits<kw, 2, ncu>(),     \
        Wgrad8TileIfFits<kw, 3, ncu>(), Wgrad8TileIfFits<kw, 4, ncu>(), \
        Wgrad8TileIfFits<kw, 5, ncu>(), Wgrad8TileIfFits<kw, 6, ncu>(), \
        Wgrad8TileIfFits<kw, 7, ncu>(), Wgrad8TileIfFits<kw, 8, ncu>()  \
  }
// [kernel_w == 5][kernel rows - 1][positions - 1]; 3 rows of KW 5 are never
// run.
constexpr Wgrad8TileFn kWgrad8Tiles[2][kMaxWgrad8Rows][kMaxWgrad8Positions] = {
    {DAGRAD_WGRAD8_ROW_(3, 1), DAGRAD_WGRAD8_ROW_(3, 2),
     DAGRAD_WGRAD8_ROW_(3, 3)},
    {DAGRAD_WGRAD8_ROW_(5, 1), DAGRAD_WGRAD8_ROW_(5, 2), {}}};
#undef DAGRAD_WGRAD8_ROW_

}  // namespace

void DirectCorrelate16(const DirectImage& in, int64_t ld, const float* w16,
                       int64_t out_h, int64_t out_w, const float* bias,
                       float* tbuf, float* out, int64_t ld_out) {
  assert(Correlate16Supported(in.kernel_w, 1));
  // Each row in near-equal tiles of at most MaxCorr8Positions() positions,
  // each tile once per half; tbuf[(i*out_w + j)*16 + l] collects
  // position-major results.
  const auto& tiles_fn = kCorr8Tiles[in.kernel_w == 5 ? 1 : 0];
  const int64_t max_np = MaxCorr8Positions(in.kernel_w);
  const int64_t tiles = (out_w + max_np - 1) / max_np;
  for (int64_t i = 0; i < out_h; ++i) {
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t j0 = t * out_w / tiles;
      const int64_t j1 = (t + 1) * out_w / tiles;
      for (int64_t h = 0; h < 2; ++h) {
        tiles_fn[j1 - j0 - 1](in, w16 + 8 * h, in.data + i * ld + j0,
                              tbuf + (i * out_w + j0) * 16 + 8 * h);
      }
    }
  }
  // Transpose to channel-major, 8 positions x 8 channels at a time (the
  // rows of tbuf past p are read, never stored).
  const int64_t p = out_h * out_w;
  for (int64_t q = 0; q < p; q += 8) {
    const int64_t lanes = std::min<int64_t>(8, p - q);
    for (int64_t h = 0; h < 2; ++h) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i)
        r[i] = _mm256_loadu_ps(tbuf + (q + i) * 16 + 8 * h);
      Transpose8x8(r);
      for (int l = 0; l < 8; ++l) {
        const int64_t ch = 8 * h + l;
        const __m256 v = bias != nullptr
                             ? _mm256_add_ps(r[l], _mm256_set1_ps(bias[ch]))
                             : r[l];
        VecStoreLanes(out + ch * ld_out + q, lanes, v);
      }
    }
  }
}

void Transpose16(const float* src, int64_t ld, int64_t n, float* dst) {
  for (int64_t q = 0; q < n; q += 8) {
    const int64_t m = std::min<int64_t>(8, n - q);
    const VecMask lanes = VecRunMask(0, m, 8);
    for (int64_t h = 0; h < 2; ++h) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i) {
        r[i] = VecMaskedLoad(lanes, src + (8 * h + i) * ld + q);
      }
      Transpose8x8(r);
      for (int64_t j = 0; j < m; ++j)
        _mm256_storeu_ps(dst + (q + j) * 16 + 8 * h, r[j]);
    }
  }
}

void DirectWeightGrad16With(Wgrad16Blocking blocking, const DirectImage& in,
                            int64_t image_stride, int64_t ld, const float* dyt,
                            int64_t dyt_stride, int64_t images, int64_t out_h,
                            int64_t out_w, float* dw16) {
  assert(Correlate16Supported(in.kernel_w, 1));
  const int kw = static_cast<int>(in.kernel_w);
  const int64_t max_ncu = MaxWgrad8Rows(blocking, kw);
  const auto& tiles_fn = kWgrad8Tiles[kw == 5 ? 1 : 0];
  // As on AVX-512, each tile run once per half.
  SweepWgrad16(in, image_stride, ld, dyt, dyt_stride, images, out_h, out_w,
               max_ncu, MaxWgrad8Positions(max_ncu, kw), dw16,
               [&](int64_t ncu, int64_t np, const float* const* xr,
                   const float* d, float* acc) {
                 for (int64_t h = 0; h < 2; ++h) {
                   tiles_fn[ncu - 1][np - 1](xr, d + 8 * h, acc + 8 * h);
                 }
               });
}

#else  // !DAGRAD_HAVE_VECF

void DirectWeightGrad16With(Wgrad16Blocking, const DirectImage&, int64_t,
                            int64_t, const float*, int64_t, int64_t, int64_t,
                            int64_t, float*) {
  assert(false && "DirectWeightGrad16 needs AVX-512 or AVX2");
}

void DirectCorrelate16(const DirectImage&, int64_t, const float*, int64_t,
                       int64_t, const float*, float*, float*, int64_t) {
  assert(false && "DirectCorrelate16 needs AVX-512 or AVX2");
}

void Transpose16(const float*, int64_t, int64_t, float*) {
  assert(false && "Transpose16 needs AVX-512 or AVX2");
}

#endif  // __AVX512F__, DAGRAD_HAVE_VECF

bool Correlate16Supported(int64_t kernel_w, int64_t dilation_w) {
#if defined(DAGRAD_HAVE_VECF)
  return dilation_w == 1 && (kernel_w == 3 || kernel_w == 5);
#else
  (void)kernel_w;
  (void)dilation_w;
  return false;
#endif
}

const char* Wgrad16BlockingName(Wgrad16Blocking blocking) {
  return blocking == Wgrad16Blocking::kTwoRows ? "TwoRows" : "Wide";
}

Wgrad16Blocking ChosenWgrad16Blocking() {
  static const Wgrad16Blocking kChosen =
      FmaPipes() >= 2 ? Wgrad16Blocking::kWide : Wgrad16Blocking::kTwoRows;
  return kChosen;
}

void DirectWeightGrad16(const DirectImage& in, int64_t image_stride, int64_t ld,
                        const float* dyt, int64_t dyt_stride, int64_t images,
                        int64_t out_h, int64_t out_w, float* dw16) {
  DirectWeightGrad16With(ChosenWgrad16Blocking(), in, image_stride, ld, dyt,
                         dyt_stride, images, out_h, out_w, dw16);
}

}  // namespace dagrad
