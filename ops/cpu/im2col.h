// ops/cpu/im2col.h: patch (im2col) and adjoint (col2im) kernels for 2-D
// convolutions over NCHW images.
//
// Im2Col() lays the receptive fields of one image out as columns, so a
// convolution is one GEMM; Col2Im() is its adjoint (transpose), used by the
// input gradient; Col2ImStride1() is Col2Im() vectorized for stride 1.
//
// All are kernel helpers: they trust their arguments (assert only), allocate
// nothing and are single-threaded; callers parallelize over images.
//
// Example (forward of one image, one group, y_g [Mg, OH*OW]):
//   Im2Col(geo, x_image_group, col, /*ld_col=*/geo.out_pixels());
//   GemmRaw(false, false, Mg, geo.out_pixels(), geo.col_rows(), 1.0f, w_g,
//           geo.col_rows(), col, geo.out_pixels(), 0.0f, y_g,
//           geo.out_pixels());
#ifndef DAGRAD_OPS_CPU_IM2COL_H_
#define DAGRAD_OPS_CPU_IM2COL_H_

#include <cstdint>

#include "ops/cpu/conv_geometry.h"

namespace dagrad {

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
// image rows (AVX-512 or AVX2; elsewhere it calls Col2Im()). Each dx element is
// the same sum in the same order as Col2Im()'s, so the two are bitwise equal.
void Col2ImStride1(const ConvGeometry& geo, int64_t channels, const float* col,
                   int64_t ld_col, float* dx);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_IM2COL_H_
