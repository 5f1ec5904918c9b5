#include "ops/cpu/direct_conv.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "ops/cpu/simd.h"

namespace dagrad {
namespace {

// CopyRow() sets dst[j] = src[j] + bias for j < n (vectorized; GCC's -O2
// cost model leaves such short, variable-length loops scalar). It runs once
// per image row.
inline void CopyRow(const float* __restrict src, int64_t n, float bias,
                    float* __restrict dst) {
#if defined(__AVX512F__)
  const __m512 b = _mm512_set1_ps(bias);
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    _mm512_storeu_ps(dst + j, _mm512_add_ps(_mm512_loadu_ps(src + j), b));
  }
  if (j < n) {
    const __mmask16 m = LowMask(n - j);
    _mm512_mask_storeu_ps(dst + j, m,
                          _mm512_add_ps(_mm512_maskz_loadu_ps(m, src + j), b));
  }
#else
  int64_t j = 0;
#if defined(DAGRAD_HAVE_VECF)
  const VecF b = VecSet1(bias);
  for (; j + kVecLanes <= n; j += kVecLanes) {
    VecStore(dst + j, VecAdd(VecLoad(src + j), b));
  }
#endif
  for (; j < n; ++j) dst[j] = src[j] + bias;
#endif
}

}  // namespace

void TransposeRows(const float* w, int64_t rows, int64_t ld_w, int64_t k_len,
                   float* out) {
  for (int64_t k = 0; k < k_len; ++k) {
    for (int64_t l = 0; l < rows; ++l) out[k * rows + l] = w[l * ld_w + k];
  }
}

void ExtractRows(const float* src, int64_t ld_channel, int64_t ld,
                 int64_t channels, int64_t rows, int64_t cols,
                 const float* bias, float* dst) {
  for (int64_t c = 0; c < channels; ++c) {
    const float bv = bias != nullptr ? bias[c] : 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
      CopyRow(src + c * ld_channel + r * ld, cols, bv,
              dst + (c * rows + r) * cols);
    }
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
  const int64_t r_hi =
      lo == hi ? r_lo : std::max(r_lo, std::min(h + row_off, dst_h));
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

#if defined(DAGRAD_HAVE_VECF)

bool DirectConvAvailable() { return true; }

namespace {

// The kernels are written once over VecF (ops/cpu/simd.h): 16 lanes and 32
// registers on AVX-512, 8 lanes and 16 registers on AVX2. The tile tables
// below are sized for the registers of the build's ISA.

// CorrTile<MR, NV>() computes out rows [0, MR) x columns
// [q0, q0 + kVecLanes*NV): MR*NV accumulators, NV patch vectors and one
// broadcast weight in registers.
template <int MR, int NV>
void CorrTile(const DirectImage& in, const float* __restrict w, int64_t ld_w,
              int64_t q0, float* __restrict out, int64_t ld_out) {
  // A one-row tile's patch vectors fold into its FMAs (AVX2 only; the
  // AVX-512 tiles keep them as tuned).
  constexpr bool kKeepX = MR > 1 || kVecLanes == 16;
  static_assert(MR * NV + (kKeepX ? NV : 1) + 1 <= kVecRegisters,
                "tile spills");
  VecF acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) acc[r][j] = VecZero();
  }
  // One patch row p, weight column k.
  auto step = [&](const float* p, int64_t k) {
    VecF x[NV];
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) {
      x[j] = VecLoad(p + kVecLanes * j);
      if (kKeepX) KeepInRegister(x[j]);
    }
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const VecF wb = VecSet1(w[r * ld_w + k]);
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[r][j] = VecFma(wb, x[j], acc[r][j]);
    }
  };
  const float* base = in.data + q0;
  if (in.kernel_h == 1 && in.kernel_w == 1) {
    // A 1x1 kernel (the scatter-form dX's GEMM): one flat loop over the
    // channels; the nested loops' overhead dominated these short tiles.
    for (int64_t c = 0; c < in.channels; ++c) {
      step(base + c * in.channel_stride, c);
    }
  } else {
    int64_t k = 0;
    for (int64_t c = 0; c < in.channels; ++c) {
      const float* base_c = base + c * in.channel_stride;
      for (int64_t u = 0; u < in.kernel_h; ++u) {
        const float* base_u = base_c + u * in.row_step;
        for (int64_t v = 0; v < in.kernel_w; ++v, ++k) {
          step(base_u + v * in.col_step, k);
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) {
      VecStore(out + r * ld_out + q0 + kVecLanes * j, acc[r][j]);
    }
  }
}

using CorrTileFn = void (*)(const DirectImage&, const float*, int64_t, int64_t,
                            float*, int64_t);

// CorrShape: a tile's vectors of q and its most rows.
struct CorrShape {
  int64_t nv, max_rows;
};

#if defined(__AVX512F__)
constexpr int kQVecs = 3;  // Vectors of q per tile, but for CorrShapeFor()'s 4.
constexpr int kCorrRows = 8;
#define DAGRAD_CORR_ROW_(nv)                                               \
  {                                                                        \
    CorrTile<1, nv>, CorrTile<2, nv>, CorrTile<3, nv>, CorrTile<4, nv>,    \
        CorrTile<5, nv>, CorrTile<6, nv>, CorrTile<7, nv>, CorrTile<8, nv> \
  }
constexpr CorrTileFn kCorrTiles[kQVecs][kCorrRows] = {
    DAGRAD_CORR_ROW_(1), DAGRAD_CORR_ROW_(2), DAGRAD_CORR_ROW_(3)};
#undef DAGRAD_CORR_ROW_
// A last run of 4 vectors (which 3-wide tiles would leave a 1-wide tile of
// mostly broadcasts) goes in one 4-wide tile of at most 6 rows.
constexpr int kCorrRows4 = 6;
constexpr CorrTileFn kCorrTiles4[kCorrRows4] = {CorrTile<1, 4>, CorrTile<2, 4>,
                                                CorrTile<3, 4>, CorrTile<4, 4>,
                                                CorrTile<5, 4>, CorrTile<6, 4>};

CorrShape CorrShapeFor(int64_t /*rows*/, int64_t left) {
  const int64_t nv = left == 4 ? 4 : std::min<int64_t>(kQVecs, left);
  return {nv, nv == 4 ? kCorrRows4 : kCorrRows};
}

CorrTileFn CorrTileFor(int64_t nv, int64_t mr) {
  return nv == 4 ? kCorrTiles4[mr - 1] : kCorrTiles[nv - 1][mr - 1];
}
#else   // AVX2: q_pad is a multiple of 2 vectors.
// Tiles of 2 vectors by up to 6 rows (12 accumulators); one or two rows
// (e.g. dX of a one-channel input) run wider, so that at least 8
// accumulator chains hide the FMA latency on both pipes.
constexpr int kCorrRows = 6;
constexpr CorrTileFn kCorrTiles2[kCorrRows] = {CorrTile<1, 2>, CorrTile<2, 2>,
                                               CorrTile<3, 2>, CorrTile<4, 2>,
                                               CorrTile<5, 2>, CorrTile<6, 2>};

CorrShape CorrShapeFor(int64_t rows, int64_t left) {
  if (rows == 1) return {std::min<int64_t>(8, left), 1};
  if (rows == 2) return {std::min<int64_t>(4, left), 2};
  return {2, kCorrRows};
}

CorrTileFn CorrTileFor(int64_t nv, int64_t mr) {
  switch (nv) {
    case 8:
      return CorrTile<1, 8>;
    case 6:
      return CorrTile<1, 6>;
    case 4:
      return mr == 1 ? CorrTile<1, 4> : CorrTile<2, 4>;
    default:
      return kCorrTiles2[mr - 1];
  }
}
#endif  // __AVX512F__

// WgradTile<MR, NK>() reduces dy rows [0, MR) against the NK patch rows at
// offsets offs[0..NK) over all images and q, then stores the horizontal sums.
template <int MR, int NK>
void WgradTile(const DirectImage& in, int64_t image_stride,
               const float* __restrict dy, int64_t ld_dy, int64_t dy_stride,
               int64_t images, int64_t q_pad, const int64_t* offs,
               float* __restrict dw, int64_t ld_dw) {
  static_assert(MR * NK + MR + 1 <= kVecRegisters, "tile spills");
  VecF acc[MR][NK];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 8
    for (int t = 0; t < NK; ++t) acc[r][t] = VecZero();
  }
  for (int64_t b = 0; b < images; ++b) {
    const float* xp[NK];
#pragma GCC unroll 8
    for (int t = 0; t < NK; ++t) xp[t] = in.data + b * image_stride + offs[t];
    const float* db = dy + b * dy_stride;
    for (int64_t q = 0; q < q_pad; q += kVecLanes) {
      // The dy rows are aligned loads held in registers; each (unaligned,
      // shifted) patch row is loaded once and used MR times.
      VecF d[MR];
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        d[r] = VecLoad(db + r * ld_dy + q);
        KeepInRegister(d[r]);
      }
#pragma GCC unroll 8
      for (int t = 0; t < NK; ++t) {
        VecF x = VecLoad(xp[t] + q);
        KeepInRegister(x);
#pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
          acc[r][t] = VecFma(d[r], x, acc[r][t]);
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 8
    for (int t = 0; t < NK; ++t) {
      dw[r * ld_dw + t] = VecHorizontalSum(acc[r][t]);
    }
  }
}

using WgradTileFn = void (*)(const DirectImage&, int64_t, const float*, int64_t,
                             int64_t, int64_t, int64_t, const int64_t*, float*,
                             int64_t);
#if defined(__AVX512F__)
// Tiles of up to 6 dy rows by up to 5 patch rows, within the 32 vector
// registers: MR*NK accumulators + MR dy rows + 1 patch row (6 x 5 would
// spill, so 6-row tiles take at most 4 patch rows).
constexpr int kWgradRows = 6;
constexpr int kWgradCols = 5;
constexpr int64_t MaxWgradCols(int64_t rows) { return rows >= 6 ? 4 : 5; }
#define DAGRAD_WGRAD_ROW_(mr)                                               \
  {                                                                         \
    WgradTile<mr, 1>, WgradTile<mr, 2>, WgradTile<mr, 3>, WgradTile<mr, 4>, \
        mr >= 6 ? nullptr : WgradTile<mr, 5>                                \
  }
constexpr WgradTileFn kWgradTiles[kWgradRows][kWgradCols] = {
    DAGRAD_WGRAD_ROW_(1), DAGRAD_WGRAD_ROW_(2), DAGRAD_WGRAD_ROW_(3),
    DAGRAD_WGRAD_ROW_(4), DAGRAD_WGRAD_ROW_(5), DAGRAD_WGRAD_ROW_(6)};
#undef DAGRAD_WGRAD_ROW_
#else   // AVX2
// Tiles of up to 3 dy rows by 3 patch rows, or 2 by 5, within the 16
// vector registers (3 x 4 would leave no register to spare).
constexpr int kWgradRows = 3;
constexpr int kWgradCols = 5;
constexpr int64_t MaxWgradCols(int64_t rows) { return rows >= 3 ? 3 : 5; }
constexpr WgradTileFn kWgradTiles[kWgradRows][kWgradCols] = {
    {WgradTile<1, 1>, WgradTile<1, 2>, WgradTile<1, 3>, WgradTile<1, 4>,
     WgradTile<1, 5>},
    {WgradTile<2, 1>, WgradTile<2, 2>, WgradTile<2, 3>, WgradTile<2, 4>,
     WgradTile<2, 5>},
    {WgradTile<3, 1>, WgradTile<3, 2>, WgradTile<3, 3>, nullptr, nullptr}};
#endif  // __AVX512F__

}  // namespace

void DirectCorrelate(const DirectImage& in, const float* w, int64_t ld_w,
                     int64_t rows, int64_t q_pad, float* out, int64_t ld_out) {
  static_assert(kDirectQ % kVecLanes == 0, "q_pad must hold whole vectors");
  assert(q_pad % kDirectQ == 0);
  for (int64_t q0 = 0; q0 < q_pad;) {
    const CorrShape shape = CorrShapeFor(rows, (q_pad - q0) / kVecLanes);
    // Rows in near-equal tiles (25 rows: 7, 6, 6, 6 rather than 8, 8, 8, 1).
    const int64_t tiles = (rows + shape.max_rows - 1) / shape.max_rows;
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t m0 = t * rows / tiles;
      const int64_t mr = (t + 1) * rows / tiles - m0;
      CorrTileFor(shape.nv, mr)(in, w + m0 * ld_w, ld_w, q0, out + m0 * ld_out,
                                ld_out);
    }
    q0 += kVecLanes * shape.nv;
  }
}

void DirectWeightGrad(const DirectImage& in, int64_t image_stride,
                      const float* dy, int64_t ld_dy, int64_t dy_stride,
                      int64_t images, int64_t rows, int64_t q_pad, float* dw,
                      int64_t ld_dw) {
  assert(q_pad % kDirectQ == 0);
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

#else  // !DAGRAD_HAVE_VECF

bool DirectConvAvailable() { return false; }

void DirectCorrelate(const DirectImage&, const float*, int64_t, int64_t,
                     int64_t, float*, int64_t) {
  assert(false && "DirectCorrelate needs AVX-512 or AVX2");
}

void DirectWeightGrad(const DirectImage&, int64_t, const float*, int64_t,
                      int64_t, int64_t, int64_t, int64_t, float*, int64_t) {
  assert(false && "DirectWeightGrad needs AVX-512 or AVX2");
}

#endif  // DAGRAD_HAVE_VECF

}  // namespace dagrad
