// ops/cpu/conv_plan.h: how the 2-D convolution kernels run one pass
// (forward, dX, dW or dBias) of a convolution: which kernel path, how the
// batch is split into image blocks, and the per-thread scratch layout.
//
// PlanOf() is a pure function of the geometry and the pass (never of the
// thread count), so the kernels' summation order, and so every result, is
// the same at any thread count. The block drivers (conv_forward.h,
// conv_input_grad.h, conv_weight_grad.h) take the plan and follow it; the
// op sizes its scratch with ConvScratchFloats().
//
// The paths (ConvPath), by pass:
//   forward, dW:  kPointwiseGemm, kIm2ColGemm, kDirect, kDirect16,
//                 kDirect16XInPlace
//   dX:           kPointwiseGemm, kIm2ColGemm, kDirect, kScatterInputGrad
//   dBias:        kChannelSums
// Stride-1 convolutions other than pointwise run the direct kernels (where
// built: AVX-512 or AVX2, DirectConvAvailable()), the 16-channel ones when
// the output channels per group are a multiple of 16 and
// Correlate16Supported(); other strides run im2col + GEMM.
//
// Example:
//   const ConvPlan plan = PlanOf(geo, ConvPass::kForward);
//   std::vector<float> scratch(ConvScratchFloats(plan, pool->num_threads()));
//   ConvForward(plan, x, w, bias, y, scratch.data(), pool);
#ifndef DAGRAD_OPS_CPU_CONV_PLAN_H_
#define DAGRAD_OPS_CPU_CONV_PLAN_H_

#include <cstdint>

#include "ops/cpu/conv_geometry.h"

namespace dagrad {

// ConvPass: which result a plan computes.
enum class ConvPass { kForward, kInputGrad, kWeightGrad, kBiasGrad };

// ConvPath: the kernels a pass runs.
enum class ConvPath {
  // A 1x1, stride-1, unpadded convolution: one GEMM on x (or dY) itself,
  // no patch matrix.
  kPointwiseGemm,
  // im2col + GEMM per block of images (dX: GEMM + col2im).
  kIm2ColGemm,
  // Stride 1: the q-grid direct kernels (ops/cpu/direct_conv.h) on a
  // zero-padded copy of each image group; dX is the literal correlation of
  // the padded dY with the rotated kernel.
  kDirect,
  // Stride 1, forward and dW: the 16-output-channel kernels
  // (ops/cpu/direct_conv16.h) on a zero-padded copy of x.
  kDirect16,
  // kDirect16 on an unpadded x: the kernels read x in place, no copy.
  kDirect16XInPlace,
  // Stride 1, dX: the scatter form, W^T · dY by the direct GEMM then a
  // vectorized col2im (when the correlation would multiply mostly zeros).
  kScatterInputGrad,
  // dBias: per-channel sums of dY.
  kChannelSums,
};

// ConvPathName() is the path's enumerator name without the k, e.g.
// "Direct16XInPlace", for test and benchmark labels.
const char* ConvPathName(ConvPath path);

// kConvAlignFloats: scratch regions start at multiples of 64 bytes.
inline constexpr int64_t kConvAlignFloats = 16;

// AlignFloats() rounds a scratch region's size up to kConvAlignFloats.
inline int64_t AlignFloats(int64_t floats) {
  return (floats + kConvAlignFloats - 1) / kConvAlignFloats * kConvAlignFloats;
}

// RoundUpTo() rounds v up to a multiple of m.
inline int64_t RoundUpTo(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

// ConvImagesPerBlock() is how many images one GEMM covers: enough for about
// kConvBlockColumns patch columns, at most N/8 (so the pool has blocks to
// balance), at least 1. It depends on the geometry only.
inline constexpr int64_t kConvBlockColumns = 1024;
int64_t ConvImagesPerBlock(const ConvGeometry& geo);

// DirectLayout: how one image group is laid out for the direct kernels
// (ops/cpu/direct_conv.h): `channels` planes of the source [src_h, src_w],
// placed at (row_off, col_off) in a zero frame of plane_h x plane_w. The
// kernel output has out_rows rows of plane_w (the columns past the output
// width are garbage) on q < q_pad.
struct DirectLayout {
  int64_t channels = 0, src_h = 0, src_w = 0, row_off = 0, col_off = 0;
  int64_t plane_h = 0, plane_w = 0;
  int64_t out_rows = 0, q = 0, q_pad = 0;
  int64_t buf_floats = 0;  // Planes + slack for the last reads.
};

// ConvPlan: how the kernels run one pass: the path, the image blocks, and
// the scratch, laid out as
//   [weight copy | dW partials | slot 0 | slot 1 | ...]
// with one slot of slot_floats per concurrently running block.
struct ConvPlan {
  ConvGeometry geo;
  ConvPass pass = ConvPass::kForward;
  ConvPath path = ConvPath::kIm2ColGemm;
  int64_t block_images = 1;  // B, images per block.
  int64_t num_blocks = 0;
  int64_t x_copy_floats = 0;  // Per image: x_layout.buf_floats, or 0.
  // kScatterInputGrad: chunks of `chunk_images` images, `chunk_cols` (a
  // multiple of kDirectQ) columns wide.
  int64_t chunk_images = 0;
  int64_t chunk_cols = 0;
  // kIm2ColGemm, kPointwiseGemm.
  int64_t patch_floats = 0;   // K x (B*P) patch matrix (0 if pointwise).
  int64_t gather_floats = 0;  // Mg x (B*P) output/dy block (0 if B == 1).
  // Direct paths: x (forward, dW) and dy (dX) as the direct kernels read
  // them.
  DirectLayout x_layout, dy_layout;
  // weight_copy_floats: the direct paths keep a repacked copy of w at the
  // start of scratch: dX's w rotated by 180 degrees with in/out channels
  // swapped, [C_in, Mg*KH*KW], or W_g^T [K, Mg] per group for the scatter
  // form, or the forward's 16-row transposes (TransposeRows()) when by16().
  int64_t weight_copy_floats = 0;
  // partial_floats: dW's blocks 1..num_blocks-1 each reduce into their own
  // [C_out, K] slice (block 0 writes dW itself).
  int64_t partial_floats = 0;
  int64_t slot_floats = 0;  // Per-thread scratch.

  // direct() is true for the stride-1 direct kernels (any of them).
  bool direct() const {
    return path == ConvPath::kDirect || by16() ||
           path == ConvPath::kScatterInputGrad;
  }
  // by16() is true for the 16-output-channel kernels.
  bool by16() const {
    return path == ConvPath::kDirect16 || path == ConvPath::kDirect16XInPlace;
  }
  bool x_in_place() const { return path == ConvPath::kDirect16XInPlace; }
};

// PlanOf() plans `pass` for a geometry the op's shape function accepted.
ConvPlan PlanOf(const ConvGeometry& geo, ConvPass pass);

// ConvScratchFloats() is the scratch the pass needs with a pool of
// num_threads threads: the weight copy, the partials and one slot per
// thread that has a block to run.
int64_t ConvScratchFloats(const ConvPlan& plan, int num_threads);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_CONV_PLAN_H_
