#include "ops/cpu/conv_input_grad.h"

#include <algorithm>
#include <cstdint>

#include "core/gemm.h"
#include "ops/cpu/conv_blocks.h"
#include "ops/cpu/direct_conv.h"
#include "ops/cpu/im2col.h"

namespace dagrad {
namespace {

// dcol [K, B*P] = W_g^T [K, Mg] · dY_blk [Mg, B*P], one GEMM per block of
// images, then dX[n,g] = Col2Im(dcol) per image (col2im skips the zeros
// that dilation by the stride adds). Pointwise: Col2Im is the identity.
void InputGradGemm(const ConvPlan& plan, const float* dy, const float* w,
                   float* grad, float* scratch, ThreadPool* pool) {
  const ConvGeometry& geo = plan.geo;
  const int64_t k = geo.col_rows();
  const int64_t mg = geo.group_out_channels();
  const int64_t cg = geo.group_in_channels();
  const int64_t p = geo.out_pixels();
  ForEachBlock(pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    float* dcol = scratch + slot * plan.slot_floats;
    float* gather_buf = dcol + plan.patch_floats;
    const ConvBlock b = BlockOf(plan, blk);
    for (int64_t g = 0; g < geo.groups; ++g) {
      const float* w_g = w + g * mg * k;
      int64_t ld;
      const float* dy_g = OutputGradBlock(plan, b, g, dy, gather_buf, &ld);
      if (geo.is_pointwise()) {  // Col2Im is the identity.
        GemmRaw(true, false, cg, p, mg, 1.0f, w_g, k, dy_g, ld, 0.0f,
                grad + (b.n0 * geo.in_channels + g * cg) * geo.in_pixels(), p);
        continue;
      }
      GemmRaw(true, false, k, b.cols, mg, 1.0f, w_g, k, dy_g, ld, 0.0f, dcol,
              b.cols);
      for (int64_t i = 0; i < b.count; ++i) {
        Col2Im(
            geo, dcol + i * p, b.cols,
            grad + ((b.n0 + i) * geo.in_channels + g * cg) * geo.in_pixels());
      }
    }
  });
}

// Stride 1: dX[n,g] is the literal correlation of the padded dY with wrot,
// run by DirectCorrelate(). dyp (dY with (KH-1)*dh rows / (KW-1)*dw columns
// of zeros above / left) cropped to start at (pad_top, pad_left) is the
// buffer B [Mg, hd, wd] with dY[n,o,i,j] at row i + (KH-1)*dh - pad_top,
// column j + (KW-1)*dw - pad_left; then
//   dX[n,c,h,w] = sum_{o,u,v} wrot[c,o,u,v] * B[o, h + u*dh, w + v*dw],
// computed on the grid q = h*wd + w (columns w >= W dropped).
void InputGradDirect(const ConvPlan& plan, const float* dy, const float* w,
                     float* grad, float* scratch, ThreadPool* pool) {
  const ConvGeometry& geo = plan.geo;
  const int64_t mg = geo.group_out_channels();
  const int64_t cg = geo.group_in_channels();
  const int64_t kh = geo.kernel_h, kw = geo.kernel_w;
  const int64_t kd = mg * kh * kw;  // Row length of wrot.
  float* wrot = scratch;
  float* slots = scratch + plan.weight_copy_floats;
  // wrot[g*Cg + c][(m*KH + u)*KW + v] = w[g*Mg + m][c][KH-1-u][KW-1-v].
  for (int64_t g = 0; g < geo.groups; ++g) {
    for (int64_t c = 0; c < cg; ++c) {
      float* row = wrot + (g * cg + c) * kd;
      for (int64_t m = 0; m < mg; ++m) {
        const float* src = w + ((g * mg + m) * cg + c) * kh * kw;
        for (int64_t u = 0; u < kh; ++u) {
          for (int64_t v = 0; v < kw; ++v) {
            row[(m * kh + u) * kw + v] = src[(kh - 1 - u) * kw + (kw - 1 - v)];
          }
        }
      }
    }
  }
  const int64_t p = geo.out_pixels();
  const DirectLayout& dl = plan.dy_layout;
  ForEachBlock(pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    float* dbuf = slots + slot * plan.slot_floats;
    float* obuf = dbuf + dl.buf_floats;
    const ConvBlock b = BlockOf(plan, blk);
    for (int64_t n = b.n0; n < b.n0 + b.count; ++n) {
      for (int64_t g = 0; g < geo.groups; ++g) {
        PlaceLayout(dl, dy + (n * geo.out_channels + g * mg) * p, dbuf);
        DirectCorrelate(ImageOf(geo, dl, dbuf), wrot + g * cg * kd, kd, cg,
                        dl.q_pad, obuf, dl.q_pad);
        ExtractRows(obuf, dl.q_pad, dl.plane_w, cg, geo.in_h, geo.in_w, nullptr,
                    grad + (n * geo.in_channels + g * cg) * geo.in_pixels());
      }
    }
  });
}

// Stride 1, scatter form (when PlanOf() counts fewer operations than for
// the correlation, e.g. a valid convolution, whose padded dY is mostly
// zeros): the products of InputGradGemm() without the GEMM library. For a
// chunk of images, dY of group g gathered into Dc [Mg, cols],
//   dcol [K, cols] = W_g^T [K, Mg] · Dc,
// run by DirectCorrelate() as a 1x1 correlation of Dc whose "weights" are
// W_g^T; then dX[n,g] = Col2ImStride1() of image n's columns. Each dX
// element is the same sum, in the same order, as InputGradGemm()'s col2im.
void InputGradScatter(const ConvPlan& plan, const float* dy, const float* w,
                      float* grad, float* scratch, ThreadPool* pool) {
  const ConvGeometry& geo = plan.geo;
  const int64_t k = geo.col_rows();
  const int64_t mg = geo.group_out_channels();
  const int64_t cg = geo.group_in_channels();
  const int64_t p = geo.out_pixels();
  // wt[(g*K + r)*Mg + m] = w[g*Mg + m][r].
  float* wt = scratch;
  for (int64_t g = 0; g < geo.groups; ++g) {
    TransposeRows(w + g * mg * k, mg, k, k, wt + g * k * mg);
  }
  float* slots = scratch + plan.weight_copy_floats;
  ForEachBlock(pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    float* dc = slots + slot * plan.slot_floats;
    float* dcol = dc + AlignFloats(mg * plan.chunk_cols);
    const ConvBlock b = BlockOf(plan, blk);
    for (int64_t n0 = b.n0; n0 < b.n0 + b.count; n0 += plan.chunk_images) {
      const int64_t count = std::min(plan.chunk_images, b.n0 + b.count - n0);
      const int64_t ld = RoundUpTo(count * p, kDirectQ);
      for (int64_t g = 0; g < geo.groups; ++g) {
        GatherOutputGrad(geo, n0, count, g, dy, ld, dc);
        const DirectImage dc_image{dc, mg, ld, 0, 0, 1, 1};
        DirectCorrelate(dc_image, wt + g * k * mg, mg, k, ld, dcol, ld);
        for (int64_t i = 0; i < count; ++i) {
          Col2ImStride1(
              geo, cg, dcol + i * p, ld,
              grad + ((n0 + i) * geo.in_channels + g * cg) * geo.in_pixels());
        }
      }
    }
  });
}

}  // namespace

void ConvInputGrad(const ConvPlan& plan, const float* dy, const float* w,
                   float* dx, float* scratch, ThreadPool* pool) {
  switch (plan.path) {
    case ConvPath::kScatterInputGrad:
      InputGradScatter(plan, dy, w, dx, scratch, pool);
      break;
    case ConvPath::kDirect:
      InputGradDirect(plan, dy, w, dx, scratch, pool);
      break;
    default:
      InputGradGemm(plan, dy, w, dx, scratch, pool);
      break;
  }
}

}  // namespace dagrad
