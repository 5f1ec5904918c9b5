// ops/cpu/direct_conv.h: direct (im2col-free) kernels for stride-1 2-D
// convolutions, AVX-512 or AVX2 + FMA (written once over ops/cpu/simd.h's
// VecF, tiled for each ISA's registers), and the image layout helpers they
// read through.
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
//
// All are kernel helpers: they trust their arguments (assert only), allocate
// nothing and are single-threaded; callers parallelize over images.
//
// Example (one image group's forward; see ops/cpu/conv_forward.cc):
//   PlaceImage(x_g, cg, h, w, pad_top, pad_left, hp, wp, hp * wp, tail, buf);
//   DirectCorrelate(DirectImage{buf, cg, hp * wp, dh * wp, dw, kh, kw}, w_g,
//                   k, mg, q_pad, out, q_pad);
//   ExtractRows(out, q_pad, wp, mg, out_h, out_w, bias_g, y_g);
#ifndef DAGRAD_OPS_CPU_DIRECT_CONV_H_
#define DAGRAD_OPS_CPU_DIRECT_CONV_H_

#include <cstdint>

namespace dagrad {

// DirectConvAvailable() is true when this build has the kernels (AVX-512,
// or AVX2 with FMA); otherwise callers use im2col + GEMM and must not call
// the Direct*() functions.
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

// ExtractRows() copies rows x cols of each channel of a padded-width grid
// (row stride ld, channel stride ld_channel) into dense [channels, rows,
// cols], adding bias[channel] if bias is not null: the valid columns of
// DirectCorrelate()'s output.
void ExtractRows(const float* src, int64_t ld_channel, int64_t ld,
                 int64_t channels, int64_t rows, int64_t cols,
                 const float* bias, float* dst);

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

#endif  // DAGRAD_OPS_CPU_DIRECT_CONV_H_
