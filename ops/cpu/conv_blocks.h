// ops/cpu/conv_blocks.h: what the convolution block drivers
// (conv_forward.cc, conv_input_grad.cc, conv_weight_grad.cc) share: the
// loop over image blocks, a block's images, and the gathers and layouts
// that turn a block of NCHW tensors into the matrices the kernels read.
//
// Example (a driver's loop; slot picks the thread's scratch slice):
//   ForEachBlock(pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
//     const ConvBlock b = BlockOf(plan, blk);
//     float* buf = scratch + slot * plan.slot_floats;
//     ... images [b.n0, b.n0 + b.count) ...
//   });
#ifndef DAGRAD_OPS_CPU_CONV_BLOCKS_H_
#define DAGRAD_OPS_CPU_CONV_BLOCKS_H_

#include <algorithm>
#include <cstdint>

#include "core/thread_pool.h"
#include "ops/cpu/conv_geometry.h"
#include "ops/cpu/conv_plan.h"
#include "ops/cpu/direct_conv.h"

namespace dagrad {

// ForEachBlock() calls fn(slot, block) for every block of images, the blocks
// split into contiguous runs over the pool; `slot` < pool->num_threads() is
// unique among concurrent calls and picks the thread's scratch slice.
template <typename Fn>
void ForEachBlock(ThreadPool* pool, int64_t num_blocks, const Fn& fn) {
  const int64_t parts = std::min<int64_t>(pool->num_threads(), num_blocks);
  if (parts <= 0) return;
  pool->ParallelFor(parts, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      const int64_t b0 = s * num_blocks / parts;
      const int64_t b1 = (s + 1) * num_blocks / parts;
      for (int64_t blk = b0; blk < b1; ++blk) fn(s, blk);
    }
  });
}

// ConvBlock: the images [n0, n0 + count) of one block.
struct ConvBlock {
  int64_t n0;
  int64_t count;
  int64_t cols;  // count * OH * OW patch columns.
};

// BlockOf() is block `blk` of the plan.
ConvBlock BlockOf(const ConvPlan& plan, int64_t blk);

// Patches() returns the [K, cols] patch matrix of group g of the block's
// images, and its row stride: x itself for a pointwise convolution (one
// image per block), else im2col into `buffer`.
const float* Patches(const ConvPlan& plan, const ConvBlock& b, int64_t g,
                     const float* x, float* buffer, int64_t* ld);

// GatherOutputGrad() writes dy of group g of images [n0, n0 + count) as one
// [Mg, ld] matrix into `buffer`: image i at columns [i*P, (i+1)*P), and
// zeros in the columns [count*P, ld).
void GatherOutputGrad(const ConvGeometry& geo, int64_t n0, int64_t count,
                      int64_t g, const float* dy, int64_t ld, float* buffer);

// OutputGradBlock() returns dy of group g of the block's images as one
// [Mg, cols] matrix and its row stride: dy itself for a single image, else
// gathered into `buffer` (GatherOutputGrad()).
const float* OutputGradBlock(const ConvPlan& plan, const ConvBlock& b,
                             int64_t g, const float* dy, float* buffer,
                             int64_t* ld);

// PlaceLayout() writes one image group's source into buf per the layout
// (PlaceImage(), with the layout's slack zeroed).
void PlaceLayout(const DirectLayout& l, const float* src, float* buf);

// ImageOf() is the DirectImage of a buffer written by PlaceLayout() (or of
// a tensor the layout frames exactly).
DirectImage ImageOf(const ConvGeometry& geo, const DirectLayout& l,
                    const float* buf);

}  // namespace dagrad

#endif  // DAGRAD_OPS_CPU_CONV_BLOCKS_H_
