// ops/cpu/direct_conv16.h: stride-1 convolution kernels vectorized over 16
// output channels (AVX-512: one vector; AVX2: two halves of 8, one after
// the other), for layers whose output channels per group are a multiple of
// 16.
//
// They compute only the out_h x out_w valid positions (none of the garbage
// columns of the q-grid kernels in ops/cpu/direct_conv.h) and keep the 16
// channels of one position in one vector: each broadcast input value feeds
// up to KW positions (forward) or KW weight taps (weight gradient) held in
// registers.
// Data that is channel-major in the tensors ([16, positions]) is transposed
// to position-major ([positions, 16]) at the edges (Transpose16()).
//
// All are kernel helpers: they trust their arguments (assert only), allocate
// nothing, are single-threaded and sum in a fixed order; callers parallelize
// over images. Without AVX-512 or AVX2, Correlate16Supported() is false and
// the other functions must not be called. Both ISAs give the same bits.
//
// Example (dW of a 16-channel chunk over a block of images, see
// ops/cpu/conv_weight_grad.cc):
//   for each image b: Transpose16(dy_b, /*ld=*/p, p, dyt + b * dyt_stride);
//   DirectWeightGrad16(in, image_stride, ld, dyt, dyt_stride, images,
//                      out_h, out_w, dw16);   // dw16 [K, 16]
#ifndef DAGRAD_OPS_CPU_DIRECT_CONV16_H_
#define DAGRAD_OPS_CPU_DIRECT_CONV16_H_

#include <cstdint>

#include "ops/cpu/direct_conv.h"

namespace dagrad {

// Correlate16Supported() says whether the kernels here handle a kernel of
// this width and column dilation (KW 3 or 5, dilation_w 1).
bool Correlate16Supported(int64_t kernel_w, int64_t dilation_w);

// DirectCorrelate16() computes the forward correlation for 16 output
// channels at once: it OVERWRITES
//   out[l*ld_out + i*out_w + j] = bias[l] (if bias) +
//       sum_{c,u,v} w16[((c*KH + u)*KW + v)*16 + l] * in[off(c,u,v) + i*ld + j]
// for l < 16, i < out_h, j < out_w, where off() is that of
// ops/cpu/direct_conv.h and ld is the image's row stride. w16 is 64-byte
// aligned (TransposeRows(w, 16, ...), ops/cpu/direct_conv.h); tbuf holds
// out_h*out_w (rounded up to 16) * 16 floats of per-call scratch.
void DirectCorrelate16(const DirectImage& in, int64_t ld, const float* w16,
                       int64_t out_h, int64_t out_w, const float* bias,
                       float* tbuf, float* out, int64_t ld_out);

// Transpose16() writes dst[q*16 + l] = src[l*ld + q] for l < 16, q < n:
// 16 rows of n values (row stride ld) to position-major. It reads nothing
// past src[15*ld + n - 1].
void Transpose16(const float* src, int64_t ld, int64_t n, float* dst);

// DirectWeightGrad16() (with ChosenWgrad16Blocking()) OVERWRITES dw16 [C*KH*KW,
// 16] with the weight gradient of 16 output channels over `images` images:
//   dw16[((c*KH + u)*KW + v)*16 + l] =
//       sum_{b < images} sum_{i < out_h} sum_{j < out_w}
//           dyt_b[(i*out_w + j)*16 + l] * in_b[off(c,u,v) + i*ld + j]
// where in_b = in.data + b * image_stride and dyt_b = dyt + b * dyt_stride
// is dY of the 16 channels, position-major (Transpose16()). Each element
// sums in the order (b, i, j).
void DirectWeightGrad16(const DirectImage& in, int64_t image_stride, int64_t ld,
                        const float* dyt, int64_t dyt_stride, int64_t images,
                        int64_t out_h, int64_t out_w, float* dw16);

// Wgrad16Blocking: how many kernel rows (c, u) one DirectWeightGrad16()
// tile sweeps while its dY vectors sit in registers. Both compute every
// element with the same FMAs in the same order (bitwise the same results);
// they differ in how many independent accumulators keep the FMA pipes busy
// (4-cycle latency: one pipe needs 4 in flight, two need 8 or more).
// (AVX2 counts per half of 8 channels, in 16 registers.)
enum class Wgrad16Blocking {
  kTwoRows,  // 2 rows: 2*KW accumulators (6 for KW 3, 10 for KW 5).
  kWide,     // AVX-512: 4 rows for KW 3, 3 for KW 5: 12 or 15 accumulators.
             // AVX2: 3 rows for KW 3 (9), 2 for KW 5 (10).
};

// Wgrad16BlockingName() is "TwoRows" or "Wide", for benchmark labels.
const char* Wgrad16BlockingName(Wgrad16Blocking blocking);

// ChosenWgrad16Blocking() is the blocking DirectWeightGrad16() runs: kWide
// on a core with two FMA pipes (FmaPipes(), ops/cpu/fma_probe.h, probed
// once), else kTwoRows.
Wgrad16Blocking ChosenWgrad16Blocking();

// DirectWeightGrad16With() is DirectWeightGrad16() with a given blocking
// (tests pin both; benchmarks compare them).
void DirectWeightGrad16With(Wgrad16Blocking blocking, const DirectImage& in,
                            int64_t image_stride, int64_t ld, const float* dyt,
                            int64_t dyt_stride, int64_t images, int64_t out_h,
                            int64_t out_w, float* dw16);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_DIRECT_CONV16_H_
