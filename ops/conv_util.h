// ops/conv_util.h: geometry, patch (im2col / col2im) and direct-convolution
// kernels for 2-D convolutions over NCHW images.
//
// ConvGeometry is a convolution with its padding already resolved (ops fill
// it from their typed attrs after the shape function accepted them). Im2Col()
// lays the receptive fields of one image out as columns, so a convolution is
// one GEMM; Col2Im() is its adjoint (transpose), used by the input gradient.
// The Direct*() kernels (AVX-512) do stride-1 correlations without im2col.
//
// All are kernel helpers: they trust their arguments (assert only), allocate
// nothing and are single-threaded; callers parallelize over images.
//
// Example (forward of one image, one group, y_g [Mg, OH*OW]):
//   Im2Col(geo, x_image_group, col, /*ld_col=*/geo.out_pixels());
//   GemmRaw(false, false, Mg, geo.out_pixels(), geo.col_rows(), 1.0f, w_g,
//           geo.col_rows(), col, geo.out_pixels(), 0.0f, y_g,
//           geo.out_pixels());
#ifndef DAGRAD_OPS_CONV_UTIL_H_
#define DAGRAD_OPS_CONV_UTIL_H_

#include <cstdint>

#include "ops/simd_util.h"

namespace dagrad {

// ConvGeometry: x [batch, in_channels, in_h, in_w] convolved with
// w [out_channels, in_channels/groups, kernel_h, kernel_w] gives
// y [batch, out_channels, out_h, out_w], where x is zero-padded by pad_top /
// pad_bottom rows and pad_left / pad_right columns and
//   out_h = (in_h + pad_top + pad_bottom - ((kernel_h-1)*dilation_h + 1))
//           / stride_h + 1   (likewise out_w).
struct ConvGeometry {
  int64_t batch = 0;
  int64_t in_channels = 0;
  int64_t in_h = 0;
  int64_t in_w = 0;
  int64_t out_channels = 0;
  int64_t kernel_h = 0;
  int64_t kernel_w = 0;
  int64_t out_h = 0;
  int64_t out_w = 0;
  int64_t stride_h = 1;
  int64_t stride_w = 1;
  int64_t dilation_h = 1;
  int64_t dilation_w = 1;
  int64_t pad_top = 0;
  int64_t pad_bottom = 0;
  int64_t pad_left = 0;
  int64_t pad_right = 0;
  int64_t groups = 1;

  // group_in_channels() is Cg = in_channels / groups.
  int64_t group_in_channels() const { return in_channels / groups; }
  // group_out_channels() is Mg = out_channels / groups.
  int64_t group_out_channels() const { return out_channels / groups; }
  // col_rows() is K = Cg * kernel_h * kernel_w, the length of one patch.
  int64_t col_rows() const {
    return group_in_channels() * kernel_h * kernel_w;
  }
  int64_t in_pixels() const { return in_h * in_w; }
  int64_t out_pixels() const { return out_h * out_w; }
  // is_pointwise() is true for a 1x1 kernel with stride 1 and no padding:
  // then the patch matrix of an image group IS its [Cg, H*W] slice of x.
  bool is_pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 &&
           pad_top == 0 && pad_bottom == 0 && pad_left == 0 &&
           pad_right == 0;
  }
};

// Im2Col() writes the patch matrix of one image's channel group,
//   col[(c*KH + u)*KW + v][i*OW + j] = xpad[c][i*sh + u*dh][j*sw + v*dw]
// for c < Cg, u < KH, v < KW, i < OH, j < OW, where xpad is x zero-padded
// (pad_top rows above, pad_left columns to the left). x points at the
// group's first channel, [Cg, in_h, in_w] contiguous. Row r of col starts at
// col + r * ld_col (ld_col >= out_pixels(), so several images can share one
// wide matrix); the OH*OW entries of each row are overwritten, nothing else.
void Im2Col(const ConvGeometry& geo, const float* x, float* col,
            int64_t ld_col);

// Col2Im() is the adjoint of Im2Col(): it OVERWRITES dx [Cg, in_h, in_w] with
//   dx[c][h][w] = sum over (u, v, i, j) with i*sh + u*dh - pad_top == h and
//                 j*sw + v*dw - pad_left == w of col[(c*KH + u)*KW + v][i*OW+j]
// (entries that fall in the padding are dropped). The sum for each element is
// taken in the fixed order (u, v, i, j), so results never depend on threads.
void Col2Im(const ConvGeometry& geo, const float* col, int64_t ld_col,
            float* dx);

// Col2ImStride1() is Col2Im() for stride_h == stride_w == 1 restricted to
// the first `channels` (<= Cg) channels: it OVERWRITES dx [channels, in_h,
// in_w] from the col rows of those channels. It is vectorized along the
// image rows (AVX-512; elsewhere it calls Col2Im()). Each dx element is the
// same sum in the same order as Col2Im()'s, so the two are bitwise equal.
void Col2ImStride1(const ConvGeometry& geo, int64_t channels,
                   const float* col, int64_t ld_col, float* dx);


// ---------------------------------------------------------------------------
// Direct kernels for stride-1 convolutions, AVX-512.
//
// At stride 1 a correlation is a GEMM whose patch-matrix rows are shifted
// slices of the zero-padded image, so no im2col is needed. With the image
// stored with row stride wp (the padded width) and q = i*wp + j,
//   patches[(c*KH + u)*KW + v][q] = in[off(c,u,v) + q],
//   off(c,u,v) = c*channel_stride + u*row_step + v*col_step
// (channel_stride = hp*wp, row_step = dilation_h*wp, col_step = dilation_w),
// and the kernels compute
//   out[m][q] = sum_{c,u,v} w[m][(c*KH + u)*KW + v] * in[off(c,u,v) + q].
// The columns j >= OW of the grid are garbage: callers drop them from out,
// and give DirectWeightGrad() a dy that is zero there. Each output element
// is one fixed sequence of FMAs in (c, u, v) order, whatever the caller's
// blocking. (Keeping KW pre-shifted copies of each channel instead, to skip
// the garbage columns, measured slower at LeNet's shapes.)

// DirectConvAvailable() is true when this build has the AVX-512 kernels;
// otherwise callers use im2col + GEMM and must not call the Direct*()
// functions.
bool DirectConvAvailable();

// kDirectQ is the q granularity of the direct kernels: `q_pad` arguments
// are multiples of it, and the q in [q, q_pad) are computed but unused.
inline constexpr int64_t kDirectQ = 16;

// DirectImage: one padded image as the direct kernels read it (offsets in
// floats).
struct DirectImage {
  const float* data;
  int64_t channels;        // C: the kernel's input channels.
  int64_t channel_stride;  // Between channels, e.g. hp * wp.
  int64_t row_step;        // Per kernel row u, e.g. dilation_h * wp.
  int64_t col_step;        // Per kernel column v, e.g. dilation_w.
  int64_t kernel_h;
  int64_t kernel_w;
};

// DirectCorrelate() OVERWRITES out[m * ld_out + q] for m < rows,
// q < q_pad (a multiple of kDirectQ) with the sum above; w is
// [rows, C*KH*KW] with row stride ld_w. Every in[] element it reads, up to
// max off(c,u,v) + q_pad - 1, must be readable (zero-filled slack).
void DirectCorrelate(const DirectImage& in, const float* w, int64_t ld_w,
                     int64_t rows, int64_t q_pad, float* out, int64_t ld_out);

// DirectWeightGrad() OVERWRITES dw [rows, C*KH*KW] (row stride ld_dw) with
//   dw[m][(c*KH+u)*KW+v] = sum_{b < images} sum_{q < q_pad}
//       dy_b[m * ld_dy + q] * in_b[off(c,u,v) + q]
// where in_b = in.data + b * image_stride and dy_b = dy + b * dy_stride.
// dy must be zero at the garbage columns and past the last row. The sum
// over b and q is in a fixed order.
void DirectWeightGrad(const DirectImage& in, int64_t image_stride,
                      const float* dy, int64_t ld_dy, int64_t dy_stride,
                      int64_t images, int64_t rows, int64_t q_pad, float* dw,
                      int64_t ld_dw);

// TransposeRows() writes out[k*rows + l] = w[l*ld_w + k] for l < rows,
// k < k_len: `rows` rows of w (row stride ld_w) transposed, e.g. the weight
// copies the direct kernels read.
void TransposeRows(const float* w, int64_t rows, int64_t ld_w, int64_t k_len,
                   float* out);

// CopyRow() sets dst[j] = src[j] + bias for j < n (vectorized; GCC's -O2
// cost model leaves such short, variable-length loops scalar). Inline: it
// runs once per image row.
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
  for (int64_t j = 0; j < n; ++j) dst[j] = src[j] + bias;
#endif
}

// PlaceImage() writes src [channels, h, w] into zero frames of
// dst_h x dst_w, one per channel, plane_stride floats apart:
//   dst[c*plane_stride + r*dst_w + j] = src[c][r - row_off][j - col_off]
// when that source pixel exists, else 0, for r < dst_h, j < dst_w. The rest
// of each plane_stride (>= dst_h*dst_w) and the dst_tail floats after the
// last plane are zeroed. Offsets may be negative (the source is cropped).
void PlaceImage(const float* src, int64_t channels, int64_t h, int64_t w,
                int64_t row_off, int64_t col_off, int64_t dst_h, int64_t dst_w,
                int64_t plane_stride, int64_t dst_tail, float* dst);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CONV_UTIL_H_
