#include "ops/cpu/conv_plan.h"

#include <algorithm>

#include "ops/cpu/direct_conv.h"
#include "ops/cpu/direct_conv16.h"

namespace dagrad {
namespace {

// Blocks keep at most this many floats of patches per thread (16 MB).
constexpr int64_t kMaxPatchFloats = int64_t{1} << 22;
// Images per block are capped at batch / kMinBlocks so the pool can balance.
constexpr int64_t kMinBlocks = 8;
// Columns per chunk of the scatter-form dX: its [K, cols] patch gradient
// stays in L2. (Smaller chunks, or runs of fewer channels, that keep it in
// L1 measured slower at LeNet's shapes: shorter tiles and add chains.)
constexpr int64_t kScatterColumns = 512;

// MakeLayout(): a stride-1 correlation of `channels` source planes
// [src_h, src_w], placed at (row_off, col_off) in a zero frame of
// padded_h x padded_w, giving out_rows output rows.
DirectLayout MakeLayout(const ConvGeometry& geo, int64_t channels,
                        int64_t src_h, int64_t src_w, int64_t row_off,
                        int64_t col_off, int64_t padded_h, int64_t padded_w,
                        int64_t out_rows) {
  DirectLayout l;
  l.channels = channels;
  l.src_h = src_h;
  l.src_w = src_w;
  l.row_off = row_off;
  l.col_off = col_off;
  l.plane_h = padded_h;
  l.plane_w = padded_w;
  l.out_rows = out_rows;
  l.q = out_rows * l.plane_w;
  l.q_pad = RoundUpTo(l.q, kDirectQ);
  // The last patch row read starts (KW-1)*dw past the last plane.
  l.buf_floats =
      AlignFloats(channels * l.plane_h * l.plane_w +
                  (geo.kernel_w - 1) * geo.dilation_w + l.q_pad - l.q);
  return l;
}

// Unpadded(): the layout frames the source exactly (no padding), so the
// 16-channel kernels, which read only inside the frame, can read the
// tensor in place instead of a placed copy.
bool Unpadded(const DirectLayout& l) {
  return l.row_off == 0 && l.col_off == 0 && l.plane_h == l.src_h &&
         l.plane_w == l.src_w;
}

// PlanGemm(): kIm2ColGemm and kPointwiseGemm keep a patch matrix (unless
// pointwise) and a gathered output block (unless one image per block).
void PlanGemm(ConvPlan* plan) {
  const ConvGeometry& geo = plan->geo;
  plan->path =
      geo.is_pointwise() ? ConvPath::kPointwiseGemm : ConvPath::kIm2ColGemm;
  const int64_t cols = plan->block_images * geo.out_pixels();
  plan->patch_floats =
      geo.is_pointwise() ? 0 : AlignFloats(geo.col_rows() * cols);
  plan->gather_floats =
      plan->block_images > 1 ? AlignFloats(geo.group_out_channels() * cols) : 0;
  plan->slot_floats = plan->patch_floats + plan->gather_floats;
}

// PlanInputGradDirect(): the correlation of the padded dY, or the scatter
// form when PlanOf() counts fewer vector operations for it.
void PlanInputGradDirect(ConvPlan* plan) {
  const ConvGeometry& geo = plan->geo;
  const DirectLayout& dl = plan->dy_layout;
  const int64_t mg = geo.group_out_channels();
  const int64_t p = geo.out_pixels();
  // Vector operations per patch row of one image: the correlation runs
  // Mg FMAs on each of the q_pad grid columns; the scatter form Mg FMAs
  // and a store per output position, then one masked add per
  // (row, 16-column run) of dX.
  const int64_t correlate_ops = dl.q_pad * mg;
  const int64_t scatter_ops =
      p * (mg + 1) + geo.in_h * RoundUpTo(geo.in_w, kDirectQ);
  if (scatter_ops < correlate_ops) {
    plan->path = ConvPath::kScatterInputGrad;
    // Near-equal chunks of at most ~kScatterColumns columns.
    const int64_t chunks = std::max<int64_t>(
        (plan->block_images * p + kScatterColumns - 1) / kScatterColumns, 1);
    plan->chunk_images = (plan->block_images + chunks - 1) / chunks;
    plan->chunk_cols = RoundUpTo(plan->chunk_images * p, kDirectQ);
    plan->slot_floats = AlignFloats(mg * plan->chunk_cols) +
                        AlignFloats(geo.col_rows() * plan->chunk_cols);
  } else {
    plan->path = ConvPath::kDirect;
    plan->slot_floats =
        dl.buf_floats + AlignFloats(geo.group_in_channels() * dl.q_pad);
  }
  plan->weight_copy_floats = AlignFloats(geo.out_channels * geo.col_rows());
}

}  // namespace

const char* ConvPathName(ConvPath path) {
  switch (path) {
    case ConvPath::kPointwiseGemm:
      return "PointwiseGemm";
    case ConvPath::kIm2ColGemm:
      return "Im2ColGemm";
    case ConvPath::kDirect:
      return "Direct";
    case ConvPath::kDirect16:
      return "Direct16";
    case ConvPath::kDirect16XInPlace:
      return "Direct16XInPlace";
    case ConvPath::kScatterInputGrad:
      return "ScatterInputGrad";
    case ConvPath::kChannelSums:
      return "ChannelSums";
  }
  return "?";
}

int64_t ConvImagesPerBlock(const ConvGeometry& geo) {
  if (geo.batch <= 1 || geo.is_pointwise()) return 1;
  const int64_t p = std::max<int64_t>(geo.out_pixels(), 1);
  int64_t b = (kConvBlockColumns + p - 1) / p;
  b = std::min(b, std::max<int64_t>(geo.batch / kMinBlocks, 1));
  b = std::min(b, std::max<int64_t>(kMaxPatchFloats / (geo.col_rows() * p), 1));
  return std::max<int64_t>(b, 1);
}

ConvPlan PlanOf(const ConvGeometry& geo, ConvPass pass) {
  ConvPlan plan;
  plan.geo = geo;
  plan.pass = pass;
  plan.block_images = ConvImagesPerBlock(geo);
  plan.num_blocks = (geo.batch + plan.block_images - 1) / plan.block_images;
  const int64_t weights = geo.out_channels * geo.col_rows();
  if (pass == ConvPass::kWeightGrad) {
    plan.partial_floats =
        AlignFloats(std::max<int64_t>(plan.num_blocks - 1, 0) * weights);
  }
  if (pass == ConvPass::kBiasGrad) {
    plan.path = ConvPath::kChannelSums;
    return plan;
  }
  const bool direct = DirectConvAvailable() && geo.stride_h == 1 &&
                      geo.stride_w == 1 && !geo.is_pointwise();
  if (!direct) {
    PlanGemm(&plan);
    return plan;
  }
  const int64_t cg = geo.group_in_channels();
  const int64_t mg = geo.group_out_channels();
  const int64_t hp = geo.in_h + geo.pad_top + geo.pad_bottom;
  const int64_t wp = geo.in_w + geo.pad_left + geo.pad_right;
  plan.x_layout = MakeLayout(geo, cg, geo.in_h, geo.in_w, geo.pad_top,
                             geo.pad_left, hp, wp, geo.out_h);
  // dX correlates dY placed at ((KH-1)*dh - pad_top, (KW-1)*dw - pad_left)
  // in a frame of (H + (KH-1)*dh) x (W + (KW-1)*dw); see ConvInputGrad().
  const int64_t kh_span = (geo.kernel_h - 1) * geo.dilation_h;
  const int64_t kw_span = (geo.kernel_w - 1) * geo.dilation_w;
  plan.dy_layout = MakeLayout(geo, mg, geo.out_h, geo.out_w,
                              kh_span - geo.pad_top, kw_span - geo.pad_left,
                              geo.in_h + kh_span, geo.in_w + kw_span, geo.in_h);
  const DirectLayout& xl = plan.x_layout;
  const bool by16 =
      mg % 16 == 0 && Correlate16Supported(geo.kernel_w, geo.dilation_w);
  const bool x_in_place = by16 && Unpadded(xl);
  plan.x_copy_floats = x_in_place ? 0 : xl.buf_floats;
  if (pass == ConvPass::kInputGrad) {
    PlanInputGradDirect(&plan);
    return plan;
  }
  plan.path = !by16        ? ConvPath::kDirect
              : x_in_place ? ConvPath::kDirect16XInPlace
                           : ConvPath::kDirect16;
  const int64_t p = geo.out_pixels();
  if (pass == ConvPass::kWeightGrad) {
    // by16: x, dY transposed per image, and the [K, 16] accumulator.
    plan.slot_floats =
        by16 ? plan.block_images * (plan.x_copy_floats + AlignFloats(mg * p)) +
                   AlignFloats(geo.col_rows() * 16)
             : plan.block_images * (xl.buf_floats + AlignFloats(mg * xl.q_pad));
  } else {
    plan.slot_floats =
        plan.x_copy_floats +
        AlignFloats(by16 ? RoundUpTo(p, 16) * 16 : mg * xl.q_pad);
    plan.weight_copy_floats = by16 ? AlignFloats(weights) : 0;
  }
  return plan;
}

int64_t ConvScratchFloats(const ConvPlan& plan, int num_threads) {
  const int64_t slots =
      std::min<int64_t>(num_threads, std::max<int64_t>(plan.num_blocks, 1));
  return plan.weight_copy_floats + plan.partial_floats +
         slots * plan.slot_floats;
}

}  // namespace dagrad
