#include "ops/cpu/conv_forward.h"

#include <cstdint>
#include <cstring>

#include "core/gemm.h"
#include "ops/cpu/conv_blocks.h"
#include "ops/cpu/direct_conv.h"
#include "ops/cpu/direct_conv16.h"

namespace dagrad {
namespace {

// StoreRows() writes rows x p values of src (row stride ld_src) plus
// bias[row] (if any) to dst (row stride p). src and dst do not overlap.
void StoreRows(const float* __restrict src, int64_t ld_src, int64_t rows,
               int64_t p, const float* bias, float* __restrict dst) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = src + r * ld_src;
    float* d = dst + r * p;
    if (bias != nullptr) {
      const float bv = bias[r];
      for (int64_t j = 0; j < p; ++j) d[j] = s[j] + bv;
    } else {
      std::memcpy(d, s, sizeof(float) * p);
    }
  }
}

// AddBias() adds bias[row] to each of the rows x p values of y.
void AddBias(const float* bias, int64_t rows, int64_t p, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float bv = bias[r];
    float* d = y + r * p;
    for (int64_t j = 0; j < p; ++j) d[j] += bv;
  }
}

// Im2col + GEMM for a block of B images at once:
//   Y_blk [Mg, B*P] = W_g · [patches(n0) | ... | patches(n0+B-1)],
// or straight into y for a single image.
void ForwardGemm(const ConvPlan& plan, const float* x, const float* w,
                 const float* bias, float* y, float* scratch,
                 ThreadPool* pool) {
  const ConvGeometry& geo = plan.geo;
  const int64_t k = geo.col_rows();
  const int64_t mg = geo.group_out_channels();
  const int64_t p = geo.out_pixels();
  ForEachBlock(pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    float* patch_buf = scratch + slot * plan.slot_floats;
    float* gather_buf = patch_buf + plan.patch_floats;
    const ConvBlock b = BlockOf(plan, blk);
    for (int64_t g = 0; g < geo.groups; ++g) {
      const float* w_g = w + g * mg * k;
      const float* bias_g = bias != nullptr ? bias + g * mg : nullptr;
      int64_t ld;
      const float* patches = Patches(plan, b, g, x, patch_buf, &ld);
      if (b.count == 1) {
        float* y_g = y + (b.n0 * geo.out_channels + g * mg) * p;
        GemmRaw(false, false, mg, p, k, 1.0f, w_g, k, patches, ld, 0.0f, y_g,
                p);
        if (bias_g != nullptr) AddBias(bias_g, mg, p, y_g);
      } else {
        GemmRaw(false, false, mg, b.cols, k, 1.0f, w_g, k, patches, ld, 0.0f,
                gather_buf, b.cols);
        for (int64_t i = 0; i < b.count; ++i) {
          StoreRows(gather_buf + i * p, b.cols, mg, p, bias_g,
                    y + ((b.n0 + i) * geo.out_channels + g * mg) * p);
        }
      }
    }
  });
}

// Stride 1: y[n,g] = W_g · patches, the patch rows read in place as
// shifted slices of xpad[n,g] (DirectCorrelate()) on the padded-width grid
// q = i*wp + j; the columns j >= OW are dropped when the rows are extracted
// (with the bias added). With Mg a multiple of 16 (and KW 3 or 5),
// DirectCorrelate16() instead vectorizes over 16 output channels at the
// valid positions only.
void ForwardDirect(const ConvPlan& plan, const float* x, const float* w,
                   const float* bias, float* y, float* scratch,
                   ThreadPool* pool) {
  const ConvGeometry& geo = plan.geo;
  const int64_t k = geo.col_rows();
  const int64_t mg = geo.group_out_channels();
  const int64_t cg = geo.group_in_channels();
  const int64_t p = geo.out_pixels();
  float* w16 = scratch;
  float* slots = scratch + plan.weight_copy_floats;
  if (plan.by16()) {
    for (int64_t o = 0; o < geo.out_channels; o += 16) {
      TransposeRows(w + o * k, 16, k, k, w16 + o * k);
    }
  }
  const DirectLayout& xl = plan.x_layout;
  ForEachBlock(pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    float* xbuf = slots + slot * plan.slot_floats;
    float* obuf = xbuf + plan.x_copy_floats;
    const ConvBlock b = BlockOf(plan, blk);
    for (int64_t n = b.n0; n < b.n0 + b.count; ++n) {
      for (int64_t g = 0; g < geo.groups; ++g) {
        const float* x_g = x + (n * geo.in_channels + g * cg) * geo.in_pixels();
        if (!plan.x_in_place()) PlaceLayout(xl, x_g, xbuf);
        const DirectImage in = ImageOf(geo, xl, plan.x_in_place() ? x_g : xbuf);
        float* y_g = y + (n * geo.out_channels + g * mg) * p;
        if (plan.by16()) {
          for (int64_t m = 0; m < mg; m += 16) {
            const int64_t o = g * mg + m;
            DirectCorrelate16(in, xl.plane_w, w16 + o * k, geo.out_h, geo.out_w,
                              bias != nullptr ? bias + o : nullptr, obuf,
                              y_g + m * p, p);
          }
          continue;
        }
        DirectCorrelate(in, w + g * mg * k, k, mg, xl.q_pad, obuf, xl.q_pad);
        ExtractRows(obuf, xl.q_pad, xl.plane_w, mg, geo.out_h, geo.out_w,
                    bias != nullptr ? bias + g * mg : nullptr, y_g);
      }
    }
  });
}

}  // namespace

void ConvForward(const ConvPlan& plan, const float* x, const float* w,
                 const float* bias, float* y, float* scratch,
                 ThreadPool* pool) {
  if (plan.direct()) {
    ForwardDirect(plan, x, w, bias, y, scratch, pool);
  } else {
    ForwardGemm(plan, x, w, bias, y, scratch, pool);
  }
}

}  // namespace dagrad
