#include "ops/cpu/conv_weight_grad.h"

#include <algorithm>
#include <cstdint>

#include "core/gemm.h"
#include "ops/cpu/conv_blocks.h"
#include "ops/cpu/direct_conv.h"
#include "ops/cpu/direct_conv16.h"

namespace dagrad {
namespace {

// WeightGradBlock() writes block `blk`'s partial dW [C_out, K] to dst.
void WeightGradBlock(const ConvPlan& plan, const float* dy, const float* x,
                     float* slot_buf, int64_t blk, float* dst) {
  const ConvGeometry& geo = plan.geo;
  const int64_t k = geo.col_rows();
  const int64_t mg = geo.group_out_channels();
  const int64_t cg = geo.group_in_channels();
  const int64_t p = geo.out_pixels();
  const ConvBlock b = BlockOf(plan, blk);
  if (!plan.direct()) {
    float* patch_buf = slot_buf;
    float* gather_buf = patch_buf + plan.patch_floats;
    for (int64_t g = 0; g < geo.groups; ++g) {
      int64_t ld_dy, ld_x;
      const float* dy_g = OutputGradBlock(plan, b, g, dy, gather_buf, &ld_dy);
      const float* patches = Patches(plan, b, g, x, patch_buf, &ld_x);
      GemmRaw(false, true, mg, k, b.cols, 1.0f, dy_g, ld_dy, patches, ld_x,
              0.0f, dst + g * mg * k, k);
    }
    return;
  }
  // Direct: per image, x zero-padded ([Cg, hp, wp] + slack) and dY on the
  // same padded-width grid with zeros at the garbage columns j >= OW and
  // beyond q, so that
  //   dW_g[m, (c,u,v)] = sum_{images} sum_q dyq[m, q] xbuf[c*hp*wp +
  //                                                     u*dh*wp + v*dw + q].
  const DirectLayout& xl = plan.x_layout;
  if (plan.by16()) {
    // 16 output channels at a time (DirectWeightGrad16()) on x padded as
    // for the forward and dY transposed to position-major per image.
    const int64_t dyt_floats = AlignFloats(mg * p);
    float* xbufs = slot_buf;
    float* dyts = xbufs + plan.block_images * plan.x_copy_floats;
    float* dw16 = dyts + plan.block_images * dyt_floats;
    for (int64_t g = 0; g < geo.groups; ++g) {
      const float* x_g =
          x + (b.n0 * geo.in_channels + g * cg) * geo.in_pixels();
      for (int64_t i = 0; i < b.count; ++i) {
        const int64_t n = b.n0 + i;
        if (!plan.x_in_place()) {
          PlaceLayout(xl, x_g + i * geo.in_channels * geo.in_pixels(),
                      xbufs + i * xl.buf_floats);
        }
        for (int64_t m = 0; m < mg; m += 16) {
          Transpose16(dy + (n * geo.out_channels + g * mg + m) * p, p, p,
                      dyts + i * dyt_floats + m * p);
        }
      }
      for (int64_t m = 0; m < mg; m += 16) {
        DirectWeightGrad16(ImageOf(geo, xl, plan.x_in_place() ? x_g : xbufs),
                           plan.x_in_place() ? geo.in_channels * geo.in_pixels()
                                             : xl.buf_floats,
                           xl.plane_w, dyts + m * p, dyt_floats, b.count,
                           geo.out_h, geo.out_w, dw16);
        TransposeRows(dw16, k, 16, 16, dst + (g * mg + m) * k);
      }
    }
    return;
  }
  const int64_t dyq_floats = AlignFloats(mg * xl.q_pad);
  float* xbufs = slot_buf;
  float* dyqs = slot_buf + plan.block_images * xl.buf_floats;
  for (int64_t g = 0; g < geo.groups; ++g) {
    for (int64_t i = 0; i < b.count; ++i) {
      const int64_t n = b.n0 + i;
      PlaceLayout(xl, x + (n * geo.in_channels + g * cg) * geo.in_pixels(),
                  xbufs + i * xl.buf_floats);
      PlaceImage(dy + (n * geo.out_channels + g * mg) * p, mg, geo.out_h,
                 geo.out_w, 0, 0, geo.out_h, xl.plane_w, xl.q_pad,
                 dyq_floats - mg * xl.q_pad, dyqs + i * dyq_floats);
    }
    DirectWeightGrad(ImageOf(geo, xl, xbufs), xl.buf_floats, dyqs, xl.q_pad,
                     dyq_floats, b.count, mg, xl.q_pad, dst + g * mg * k, k);
  }
}

}  // namespace

void ConvWeightGrad(const ConvPlan& plan, const float* dy, const float* x,
                    float* dw, float* scratch, ThreadPool* pool) {
  const int64_t weights = plan.geo.out_channels * plan.geo.col_rows();
  if (plan.num_blocks == 0) {
    std::fill(dw, dw + weights, 0.0f);
    return;
  }
  float* partials = scratch;
  float* slots = scratch + plan.partial_floats;
  ForEachBlock(pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    WeightGradBlock(plan, dy, x, slots + slot * plan.slot_floats, blk,
                    blk == 0 ? dw : partials + (blk - 1) * weights);
  });
  if (plan.num_blocks > 1) {
    pool->ParallelFor(
        weights,
        [&](int64_t i0, int64_t i1) {
          for (int64_t blk = 1; blk < plan.num_blocks; ++blk) {
            const float* part = partials + (blk - 1) * weights;
            for (int64_t i = i0; i < i1; ++i) dw[i] += part[i];
          }
        },
        /*min_block=*/4096);
  }
}

void ConvBiasGrad(const ConvGeometry& geo, const float* dy, float* db,
                  ThreadPool* pool) {
  const int64_t n = geo.batch, c_out = geo.out_channels;
  const int64_t p = geo.out_pixels();
  pool->ParallelFor(c_out, [&](int64_t o0, int64_t o1) {
    constexpr int kLanes = 16;
    for (int64_t o = o0; o < o1; ++o) {
      float lanes[kLanes] = {};
      for (int64_t i = 0; i < n; ++i) {
        const float* row = dy + (i * c_out + o) * p;
        int64_t j = 0;
        for (; j + kLanes <= p; j += kLanes) {
          for (int l = 0; l < kLanes; ++l) lanes[l] += row[j + l];
        }
        for (int l = 0; j < p; ++j, ++l) lanes[l] += row[j];
      }
      float sum = 0.0f;
      for (int l = 0; l < kLanes; ++l) sum += lanes[l];
      db[o] = sum;
    }
  });
}

}  // namespace dagrad
