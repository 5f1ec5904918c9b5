#include "ops/conv2d.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/gemm.h"
#include "ops/conv16_util.h"

namespace dagrad {
namespace {

constexpr int64_t kAlignFloats = 16;  // 64 bytes.
// Blocks keep at most this many floats of patches per thread (16 MB).
constexpr int64_t kMaxPatchFloats = int64_t{1} << 22;
// Images per block are capped at batch / kMinBlocks so the pool can balance.
constexpr int64_t kMinBlocks = 8;
// Columns per chunk of the scatter-form dX: its [K, cols] patch gradient
// stays in L2. (Smaller chunks, or runs of fewer channels, that keep it in
// L1 measured slower at LeNet's shapes: shorter tiles and add chains.)
constexpr int64_t kScatterColumns = 512;

int64_t RoundUp(int64_t floats) {
  return (floats + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
}

// SamePadding() is TensorFlow's SAME split of the total padding of one
// spatial dimension: returns {before, after}.
void SamePadding(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                 int64_t* before, int64_t* after) {
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total =
      std::max<int64_t>((out - 1) * stride + (kernel - 1) * dilation + 1 - in,
                        0);
  *before = total / 2;
  *after = total - *before;
}

// DirectLayout: how one image group is laid out for the direct kernels
// (ops/conv_util.h): `channels` planes of the source [src_h, src_w], placed
// at (row_off, col_off) in a zero frame of plane_h x plane_w. The kernel
// output has out_rows rows of plane_w (the columns past the output width
// are garbage) on q < q_pad.
struct DirectLayout {
  int64_t channels = 0, src_h = 0, src_w = 0, row_off = 0, col_off = 0;
  int64_t plane_h = 0, plane_w = 0;
  int64_t out_rows = 0, q = 0, q_pad = 0;
  int64_t buf_floats = 0;  // Planes + slack for the last reads.
};

// ConvPlan: how the kernels split the batch, and their per-thread scratch
// for the forward (wrt -1) or the VJP of input `wrt`.
//
// Two paths: stride-1 convolutions (other than pointwise) run the direct
// AVX-512 kernels of ops/conv_util.h and ops/conv16_util.h (no im2col; see
// ops/conv2d.h for which runs when); the others run im2col + GEMM.
struct ConvPlan {
  ConvGeometry geo;
  int64_t block_images = 1;  // B, images per block.
  int64_t num_blocks = 0;
  bool direct = false;
  // Forward and dW vectorized over 16 output channels (ops/conv16_util.h).
  bool by16 = false;
  // by16 on an unpadded x: the kernels read x in place, no Place()d copy.
  bool x_in_place = false;
  int64_t x_copy_floats = 0;  // Per image: x_layout.buf_floats, or 0.
  // dX in scatter form (InputGradScatter()) on chunks of `chunk_images`
  // images, `chunk_cols` (a multiple of kDirectQ) columns wide.
  bool dx_scatter = false;
  int64_t chunk_images = 0;
  int64_t chunk_cols = 0;
  // im2col + GEMM path.
  int64_t patch_floats = 0;   // K x (B*P) patch matrix (0 if pointwise).
  int64_t gather_floats = 0;  // Mg x (B*P) output/dy block (0 if B == 1).
  // Direct path: x (forward, dW) and dy (dX) as the direct kernels read
  // them.
  DirectLayout x_layout, dy_layout;
  int64_t slot_floats = 0;  // Per-thread scratch.
};

int64_t RoundUpTo(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

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
      RoundUp(channels * l.plane_h * l.plane_w +
              (geo.kernel_w - 1) * geo.dilation_w + l.q_pad - l.q);
  return l;
}

// Place() writes one image group's source into buf per the layout.
void Place(const ConvGeometry& geo, const DirectLayout& l, const float* src,
           float* buf) {
  const int64_t plane = l.plane_h * l.plane_w;
  PlaceImage(src, l.channels, l.src_h, l.src_w, l.row_off, l.col_off,
             l.plane_h, l.plane_w, plane, l.buf_floats - l.channels * plane,
             buf);
}

// Unpadded(): the layout frames the source exactly (no padding), so the
// 16-channel kernels, which read only inside the frame, can read the
// tensor in place instead of a Place()d copy.
bool Unpadded(const DirectLayout& l) {
  return l.row_off == 0 && l.col_off == 0 && l.plane_h == l.src_h &&
         l.plane_w == l.src_w;
}

// ImageOf(): the DirectImage of a buffer written by Place().
DirectImage ImageOf(const ConvGeometry& geo, const DirectLayout& l,
                    const float* buf) {
  const int64_t plane = l.plane_h * l.plane_w;
  return DirectImage{buf,
                     l.channels,
                     plane,
                     geo.dilation_h * l.plane_w,
                     geo.dilation_w,
                     geo.kernel_h,
                     geo.kernel_w};
}

ConvPlan PlanOf(const ConvGeometry& geo, int wrt) {
  ConvPlan plan;
  plan.geo = geo;
  plan.block_images = Conv2DImagesPerBlock(geo);
  plan.num_blocks = (geo.batch + plan.block_images - 1) / plan.block_images;
  plan.direct = DirectConvAvailable() && geo.stride_h == 1 &&
                geo.stride_w == 1 && !geo.is_pointwise();
  const int64_t cg = geo.group_in_channels();
  const int64_t mg = geo.group_out_channels();
  if (!plan.direct) {
    const int64_t cols = plan.block_images * geo.out_pixels();
    plan.patch_floats =
        geo.is_pointwise() ? 0 : RoundUp(geo.col_rows() * cols);
    plan.gather_floats = plan.block_images > 1 ? RoundUp(mg * cols) : 0;
    plan.slot_floats = plan.patch_floats + plan.gather_floats;
    return plan;
  }
  const int64_t hp = geo.in_h + geo.pad_top + geo.pad_bottom;
  const int64_t wp = geo.in_w + geo.pad_left + geo.pad_right;
  plan.x_layout = MakeLayout(geo, cg, geo.in_h, geo.in_w, geo.pad_top,
                             geo.pad_left, hp, wp, geo.out_h);
  // dX correlates dY placed at ((KH-1)*dh - pad_top, (KW-1)*dw - pad_left)
  // in a frame of (H + (KH-1)*dh) x (W + (KW-1)*dw); see InputGradDirect().
  const int64_t kh_span = (geo.kernel_h - 1) * geo.dilation_h;
  const int64_t kw_span = (geo.kernel_w - 1) * geo.dilation_w;
  plan.dy_layout = MakeLayout(geo, mg, geo.out_h, geo.out_w,
                              kh_span - geo.pad_top, kw_span - geo.pad_left,
                              geo.in_h + kh_span, geo.in_w + kw_span,
                              geo.in_h);
  const DirectLayout& xl = plan.x_layout;
  const DirectLayout& dl = plan.dy_layout;
  plan.by16 = mg % 16 == 0 &&
              Correlate16Supported(geo.kernel_w, geo.dilation_w);
  plan.x_in_place = plan.by16 && Unpadded(xl);
  plan.x_copy_floats = plan.x_in_place ? 0 : xl.buf_floats;
  const int64_t p = geo.out_pixels();
  if (wrt == 0) {
    // Vector operations per patch row of one image: the correlation runs
    // Mg FMAs on each of the q_pad grid columns; the scatter form Mg FMAs
    // and a store per output position, then one masked add per
    // (row, 16-column run) of dX.
    const int64_t correlate_ops = dl.q_pad * mg;
    const int64_t scatter_ops =
        p * (mg + 1) + geo.in_h * RoundUpTo(geo.in_w, kDirectQ);
    plan.dx_scatter = scatter_ops < correlate_ops;
    if (plan.dx_scatter) {
      // Near-equal chunks of at most ~kScatterColumns columns.
      const int64_t chunks = std::max<int64_t>(
          (plan.block_images * p + kScatterColumns - 1) / kScatterColumns, 1);
      plan.chunk_images = (plan.block_images + chunks - 1) / chunks;
      plan.chunk_cols = RoundUpTo(plan.chunk_images * p, kDirectQ);
      plan.slot_floats = RoundUp(mg * plan.chunk_cols) +
                         RoundUp(geo.col_rows() * plan.chunk_cols);
    } else {
      plan.slot_floats = dl.buf_floats + RoundUp(cg * dl.q_pad);
    }
  } else if (wrt == 1) {
    // by16: x, dY transposed per image, and the [K, 16] accumulator.
    plan.slot_floats =
        plan.by16 ? plan.block_images * (plan.x_copy_floats + RoundUp(mg * p)) +
                        RoundUp(geo.col_rows() * 16)
                  : plan.block_images * (xl.buf_floats + RoundUp(mg * xl.q_pad));
  } else {
    plan.slot_floats =
        plan.x_copy_floats +
        RoundUp(plan.by16 ? RoundUpTo(geo.out_pixels(), 16) * 16
                                          : mg * xl.q_pad);
  }
  return plan;
}

// WeightCopyFloats(): the direct paths keep a repacked copy of w at the
// start of scratch: dX's w rotated by 180 degrees with in/out channels
// swapped, [C_in, Mg*KH*KW], or W_g^T [K, Mg] per group for the scatter
// form, or the forward's 16-row transposes (TransposeRows()) when by16.
int64_t WeightCopyFloats(const ConvPlan& plan, int wrt) {
  const bool copy = (wrt == 0 && plan.direct) || (wrt == -1 && plan.by16);
  return copy ? RoundUp(plan.geo.out_channels * plan.geo.col_rows()) : 0;
}

// WeightGradPartialFloats(): blocks 1..num_blocks-1 each reduce into their
// own [C_out, K] slice (block 0 writes dW itself).
int64_t WeightGradPartialFloats(const ConvPlan& plan) {
  const int64_t weights = plan.geo.out_channels * plan.geo.col_rows();
  return RoundUp(std::max<int64_t>(plan.num_blocks - 1, 0) * weights);
}

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

// BlockOf(): the images [n0, n0 + count) of block `blk`.
struct Block {
  int64_t n0;
  int64_t count;
  int64_t cols;  // count * OH * OW patch columns.
};
Block BlockOf(const ConvPlan& plan, int64_t blk) {
  Block b;
  b.n0 = blk * plan.block_images;
  b.count = std::min(plan.block_images, plan.geo.batch - b.n0);
  b.cols = b.count * plan.geo.out_pixels();
  return b;
}

// Patches() returns the [K, cols] patch matrix of group g of the block's
// images, and its row stride: x itself for a pointwise convolution (one
// image per block), else im2col into `buffer`.
const float* Patches(const ConvPlan& plan, const Block& b, int64_t g,
                     const float* x, float* buffer, int64_t* ld) {
  const ConvGeometry& geo = plan.geo;
  const int64_t cg = geo.group_in_channels();
  if (geo.is_pointwise()) {
    *ld = geo.in_pixels();
    return x + (b.n0 * geo.in_channels + g * cg) * geo.in_pixels();
  }
  for (int64_t i = 0; i < b.count; ++i) {
    Im2Col(geo,
           x + ((b.n0 + i) * geo.in_channels + g * cg) * geo.in_pixels(),
           buffer + i * geo.out_pixels(), b.cols);
  }
  *ld = b.cols;
  return buffer;
}

// GatherOutputGrad() writes dy of group g of images [n0, n0 + count) as one
// [Mg, ld] matrix into `buffer`: image i at columns [i*P, (i+1)*P), and
// zeros in the columns [count*P, ld).
void GatherOutputGrad(const ConvGeometry& geo, int64_t n0, int64_t count,
                      int64_t g, const float* dy, int64_t ld, float* buffer) {
  const int64_t mg = geo.group_out_channels();
  const int64_t p = geo.out_pixels();
  for (int64_t m = 0; m < mg; ++m) {
    float* row = buffer + m * ld;
    for (int64_t i = 0; i < count; ++i) {
      std::memcpy(row + i * p,
                  dy + ((n0 + i) * geo.out_channels + g * mg + m) * p,
                  sizeof(float) * p);
    }
    std::fill(row + count * p, row + ld, 0.0f);
  }
}

// OutputGradBlock() returns dy of group g of the block's images as one
// [Mg, cols] matrix and its row stride: dy itself for a single image, else
// gathered into `buffer` (GatherOutputGrad()).
const float* OutputGradBlock(const ConvPlan& plan, const Block& b, int64_t g,
                             const float* dy, float* buffer, int64_t* ld) {
  const ConvGeometry& geo = plan.geo;
  const int64_t p = geo.out_pixels();
  if (b.count == 1) {
    *ld = p;
    return dy + (b.n0 * geo.out_channels + g * geo.group_out_channels()) * p;
  }
  GatherOutputGrad(geo, b.n0, b.count, g, dy, b.cols, buffer);
  *ld = b.cols;
  return buffer;
}

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

std::string Dims2(int64_t a, int64_t b) {
  return absl::StrCat("(", a, ", ", b, ")");
}

}  // namespace

ConvGeometry Conv2DGeometryOf(absl::Span<const Shape> inputs,
                              const Conv2DAttrs& attrs) {
  const Shape& x = inputs[0];
  const Shape& w = inputs[1];
  ConvGeometry geo;
  geo.batch = x.dim(0);
  geo.in_channels = x.dim(1);
  geo.in_h = x.dim(2);
  geo.in_w = x.dim(3);
  geo.out_channels = w.dim(0);
  geo.kernel_h = w.dim(2);
  geo.kernel_w = w.dim(3);
  geo.stride_h = attrs.stride_h;
  geo.stride_w = attrs.stride_w;
  geo.dilation_h = attrs.dilation_h;
  geo.dilation_w = attrs.dilation_w;
  geo.groups = attrs.groups;
  switch (attrs.padding) {
    case Padding::kValid:
      break;
    case Padding::kSame:
      SamePadding(geo.in_h, geo.kernel_h, geo.stride_h, geo.dilation_h,
                  &geo.pad_top, &geo.pad_bottom);
      SamePadding(geo.in_w, geo.kernel_w, geo.stride_w, geo.dilation_w,
                  &geo.pad_left, &geo.pad_right);
      break;
    case Padding::kExplicit:
      geo.pad_top = attrs.pad_top;
      geo.pad_bottom = attrs.pad_bottom;
      geo.pad_left = attrs.pad_left;
      geo.pad_right = attrs.pad_right;
      break;
  }
  const int64_t ekh = (geo.kernel_h - 1) * geo.dilation_h + 1;
  const int64_t ekw = (geo.kernel_w - 1) * geo.dilation_w + 1;
  geo.out_h = (geo.in_h + geo.pad_top + geo.pad_bottom - ekh) / geo.stride_h + 1;
  geo.out_w =
      (geo.in_w + geo.pad_left + geo.pad_right - ekw) / geo.stride_w + 1;
  return geo;
}

int64_t Conv2DImagesPerBlock(const ConvGeometry& geo) {
  if (geo.batch <= 1 || geo.is_pointwise()) return 1;
  const int64_t p = std::max<int64_t>(geo.out_pixels(), 1);
  int64_t b = (kConv2DBlockColumns + p - 1) / p;
  b = std::min(b, std::max<int64_t>(geo.batch / kMinBlocks, 1));
  b = std::min(b, std::max<int64_t>(kMaxPatchFloats / (geo.col_rows() * p), 1));
  return std::max<int64_t>(b, 1);
}

absl::StatusOr<Shape> Conv2DShape(absl::Span<const Shape> inputs,
                                  const OpAttrs& attrs) {
  const auto& a = AttrsAs<Conv2DAttrs>(attrs);
  auto error = [&](const std::string& what) {
    return ShapeError(OpKind::kConv2D, inputs, what);
  };
  if (inputs.size() < 2 || inputs.size() > 3) {
    return error(absl::StrCat("takes 2 or 3 inputs (x, w[, bias]), got ",
                              inputs.size()));
  }
  const Shape& x = inputs[0];
  const Shape& w = inputs[1];
  if (x.rank() != 4) {
    return error(absl::StrCat("input x ", x.DebugString(),
                              " must be rank 4 (NCHW)"));
  }
  if (w.rank() != 4) {
    return error(absl::StrCat("weight w ", w.DebugString(),
                              " must be rank 4 [C_out, C_in/groups, KH, KW]"));
  }
  if ((x.dim(0) < 0 && x.dim(0) != Shape::kUnknownDim) || x.dim(1) < 1 ||
      x.dim(2) < 1 || x.dim(3) < 1) {
    return error(absl::StrCat("input x ", x.DebugString(),
                              " must have C, H, W >= 1"));
  }
  if (w.dim(0) < 1 || w.dim(1) < 1 || w.dim(2) < 1 || w.dim(3) < 1) {
    return error(absl::StrCat("weight w ", w.DebugString(),
                              " must have every dimension >= 1"));
  }
  if (a.stride_h < 1 || a.stride_w < 1) {
    return error(absl::StrCat("stride (h, w) = ", Dims2(a.stride_h, a.stride_w),
                              " must be >= 1"));
  }
  if (a.dilation_h < 1 || a.dilation_w < 1) {
    return error(absl::StrCat("dilation (h, w) = ",
                              Dims2(a.dilation_h, a.dilation_w),
                              " must be >= 1"));
  }
  if (a.groups < 1) {
    return error(absl::StrCat("groups = ", a.groups, " must be >= 1"));
  }
  if (a.padding != Padding::kValid && a.padding != Padding::kSame &&
      a.padding != Padding::kExplicit) {
    return error(absl::StrCat("unknown padding ", static_cast<int>(a.padding)));
  }
  const bool explicit_pad = a.padding == Padding::kExplicit;
  if (explicit_pad && (a.pad_top < 0 || a.pad_bottom < 0 || a.pad_left < 0 ||
                       a.pad_right < 0)) {
    return error(absl::StrCat(
        "explicit padding (top, bottom, left, right) = (", a.pad_top, ", ",
        a.pad_bottom, ", ", a.pad_left, ", ", a.pad_right,
        ") must be >= 0"));
  }
  const int64_t bounded[] = {
      a.stride_h, a.stride_w, a.dilation_h, a.dilation_w, w.dim(2), w.dim(3),
      x.dim(2),   x.dim(3),   explicit_pad ? a.pad_top : 0,
      explicit_pad ? a.pad_bottom : 0, explicit_pad ? a.pad_left : 0,
      explicit_pad ? a.pad_right : 0};
  for (int64_t v : bounded) {
    if (v > kConv2DMaxAttr) {
      return error(absl::StrCat("image/kernel sizes, strides, dilations and "
                                "pads must be at most ",
                                kConv2DMaxAttr, ", got ", v));
    }
  }
  const int64_t c_in = x.dim(1);
  const int64_t c_out = w.dim(0);
  if (c_in % a.groups != 0 || c_out % a.groups != 0) {
    return error(absl::StrCat("groups = ", a.groups,
                              " must divide C_in = ", c_in, " and C_out = ",
                              c_out));
  }
  if (w.dim(1) != c_in / a.groups) {
    return error(absl::StrCat("weight w ", w.DebugString(), " has ", w.dim(1),
                              " input channels per group, expected C_in/groups"
                              " = ", c_in, "/", a.groups, " = ",
                              c_in / a.groups));
  }
  if (inputs.size() == 3 &&
      (inputs[2].rank() != 1 || inputs[2].dim(0) != c_out)) {
    return error(absl::StrCat("bias ", inputs[2].DebugString(),
                              " must be [C_out] = [", c_out, "]"));
  }
  // Resolve the padding with a placeholder batch (it plays no part).
  Shape x1 = x;
  x1.set_dim(0, 1);
  const Shape resolved[] = {x1, w};
  const ConvGeometry geo = Conv2DGeometryOf(resolved, a);
  const int64_t hp = geo.in_h + geo.pad_top + geo.pad_bottom;
  const int64_t wp = geo.in_w + geo.pad_left + geo.pad_right;
  const int64_t ekh = (geo.kernel_h - 1) * geo.dilation_h + 1;
  const int64_t ekw = (geo.kernel_w - 1) * geo.dilation_w + 1;
  if (ekh > hp || ekw > wp) {
    return error(absl::StrCat(
        "effective kernel (KH-1)*dilation_h+1 x (KW-1)*dilation_w+1 = ", ekh,
        "x", ekw, " is larger than the padded input ", hp, "x", wp));
  }
  return Shape({x.dim(0), c_out, geo.out_h, geo.out_w});
}

int64_t Conv2DScratch(const ShapeQuery& query, int wrt) {
  if (wrt == 2) return 0;
  const ConvPlan plan = PlanOf(
      Conv2DGeometryOf(query.inputs, AttrsAs<Conv2DAttrs>(query.attrs)), wrt);
  const int64_t slots = std::min<int64_t>(
      query.num_threads, std::max<int64_t>(plan.num_blocks, 1));
  const int64_t per_thread = slots * plan.slot_floats;
  if (wrt == 1) return WeightGradPartialFloats(plan) + per_thread;
  return WeightCopyFloats(plan, wrt) + per_thread;
}

namespace {

// ExtractRows() copies rows x cols of each channel of a padded-width grid
// (row stride ld, channel stride ld_channel) into dense [channels, rows,
// cols], adding bias[channel] if bias is not null.
void ExtractRows(const float* src, int64_t ld_channel, int64_t ld,
                 int64_t channels, int64_t rows, int64_t cols,
                 const float* bias, float* dst) {
  for (int64_t c = 0; c < channels; ++c) {
    const float bv = bias != nullptr ? bias[c] : 0.0f;
    for (int64_t r = 0; r < rows; ++r) {
      CopyRow(src + c * ld_channel + r * ld, cols, bv,
              dst + (c * rows + r) * cols);
    }
  }
}

void ForwardGemm(const ForwardContext& ctx, const ConvPlan& plan) {
  const ConvGeometry& geo = plan.geo;
  const float* x = ctx.input(0).data();
  const float* w = ctx.input(1).data();
  const float* bias =
      ctx.inputs.size() == 3 ? ctx.input(2).data() : nullptr;
  float* y = ctx.output->data();
  const int64_t k = geo.col_rows();
  const int64_t mg = geo.group_out_channels();
  const int64_t p = geo.out_pixels();
  ForEachBlock(ctx.pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    float* patch_buf = ctx.scratch + slot * plan.slot_floats;
    float* gather_buf = patch_buf + plan.patch_floats;
    const Block b = BlockOf(plan, blk);
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
void ForwardDirect(const ForwardContext& ctx, const ConvPlan& plan) {
  const ConvGeometry& geo = plan.geo;
  const float* x = ctx.input(0).data();
  const float* w = ctx.input(1).data();
  const float* bias =
      ctx.inputs.size() == 3 ? ctx.input(2).data() : nullptr;
  float* y = ctx.output->data();
  const int64_t k = geo.col_rows();
  const int64_t mg = geo.group_out_channels();
  const int64_t cg = geo.group_in_channels();
  const int64_t p = geo.out_pixels();
  float* w16 = ctx.scratch;
  float* slots = ctx.scratch + WeightCopyFloats(plan, -1);
  if (plan.by16) {
    for (int64_t o = 0; o < geo.out_channels; o += 16) {
      TransposeRows(w + o * k, 16, k, k, w16 + o * k);
    }
  }
  const DirectLayout& xl = plan.x_layout;
  ForEachBlock(ctx.pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    float* xbuf = slots + slot * plan.slot_floats;
    float* obuf = xbuf + plan.x_copy_floats;
    const Block b = BlockOf(plan, blk);
    for (int64_t n = b.n0; n < b.n0 + b.count; ++n) {
      for (int64_t g = 0; g < geo.groups; ++g) {
        const float* x_g =
            x + (n * geo.in_channels + g * cg) * geo.in_pixels();
        if (!plan.x_in_place) Place(geo, xl, x_g, xbuf);
        const DirectImage in = ImageOf(geo, xl, plan.x_in_place ? x_g : xbuf);
        float* y_g = y + (n * geo.out_channels + g * mg) * p;
        if (plan.by16) {
          for (int64_t m = 0; m < mg; m += 16) {
            const int64_t o = g * mg + m;
            DirectCorrelate16(in, xl.plane_w, w16 + o * k, geo.out_h,
                              geo.out_w, bias != nullptr ? bias + o : nullptr,
                              obuf, y_g + m * p, p);
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

// y[n, g*Mg + m, :] [Mg, P] = W_g [Mg, K] · patches(x[n], g) [K, P] + bias,
// with K = Cg*KH*KW, P = OH*OW. Stride 1 runs it without materializing the
// patches (ForwardDirect); otherwise im2col + GEMM for a block of B images at
// once: Y_blk [Mg, B*P] = W_g · [patches(n0) | ... | patches(n0+B-1)].
absl::Status Conv2DForward(const ForwardContext& ctx) {
  const auto& attrs = AttrsAs<Conv2DAttrs>(ctx.attrs);
  const Shape shapes[] = {ctx.input(0).shape(), ctx.input(1).shape()};
  const ConvPlan plan = PlanOf(Conv2DGeometryOf(shapes, attrs), -1);
  if (plan.direct) {
    ForwardDirect(ctx, plan);
  } else {
    ForwardGemm(ctx, plan);
  }
  return absl::OkStatus();
}

namespace {

void InputGradGemm(const VjpContext& ctx, const ConvPlan& plan) {
  const ConvGeometry& geo = plan.geo;
  const float* dy = ctx.grad_output.data();
  const float* w = ctx.input(1).data();
  float* grad = ctx.grad_input->data();
  const int64_t k = geo.col_rows();
  const int64_t mg = geo.group_out_channels();
  const int64_t cg = geo.group_in_channels();
  const int64_t p = geo.out_pixels();
  ForEachBlock(ctx.pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    float* dcol = ctx.scratch + slot * plan.slot_floats;
    float* gather_buf = dcol + plan.patch_floats;
    const Block b = BlockOf(plan, blk);
    for (int64_t g = 0; g < geo.groups; ++g) {
      const float* w_g = w + g * mg * k;
      int64_t ld;
      const float* dy_g = OutputGradBlock(plan, b, g, dy, gather_buf, &ld);
      if (geo.is_pointwise()) {  // Col2Im is the identity.
        GemmRaw(true, false, cg, p, mg, 1.0f, w_g, k, dy_g, ld, 0.0f,
                grad + (b.n0 * geo.in_channels + g * cg) * geo.in_pixels(),
                p);
        continue;
      }
      GemmRaw(true, false, k, b.cols, mg, 1.0f, w_g, k, dy_g, ld, 0.0f, dcol,
              b.cols);
      for (int64_t i = 0; i < b.count; ++i) {
        Col2Im(geo, dcol + i * p, b.cols,
               grad + ((b.n0 + i) * geo.in_channels + g * cg) *
                          geo.in_pixels());
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
void InputGradDirect(const VjpContext& ctx, const ConvPlan& plan) {
  const ConvGeometry& geo = plan.geo;
  const float* dy = ctx.grad_output.data();
  const float* w = ctx.input(1).data();
  float* grad = ctx.grad_input->data();
  const int64_t mg = geo.group_out_channels();
  const int64_t cg = geo.group_in_channels();
  const int64_t kh = geo.kernel_h, kw = geo.kernel_w;
  const int64_t kd = mg * kh * kw;  // Row length of wrot.
  float* wrot = ctx.scratch;
  float* slots = ctx.scratch + WeightCopyFloats(plan, 0);
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
  ForEachBlock(ctx.pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    float* dbuf = slots + slot * plan.slot_floats;
    float* obuf = dbuf + dl.buf_floats;
    const Block b = BlockOf(plan, blk);
    for (int64_t n = b.n0; n < b.n0 + b.count; ++n) {
      for (int64_t g = 0; g < geo.groups; ++g) {
        Place(geo, dl, dy + (n * geo.out_channels + g * mg) * p, dbuf);
        DirectCorrelate(ImageOf(geo, dl, dbuf), wrot + g * cg * kd, kd, cg,
                        dl.q_pad, obuf, dl.q_pad);
        ExtractRows(obuf, dl.q_pad, dl.plane_w, cg, geo.in_h, geo.in_w,
                    nullptr,
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
void InputGradScatter(const VjpContext& ctx, const ConvPlan& plan) {
  const ConvGeometry& geo = plan.geo;
  const float* dy = ctx.grad_output.data();
  const float* w = ctx.input(1).data();
  float* grad = ctx.grad_input->data();
  const int64_t k = geo.col_rows();
  const int64_t mg = geo.group_out_channels();
  const int64_t cg = geo.group_in_channels();
  const int64_t p = geo.out_pixels();
  // wt[(g*K + r)*Mg + m] = w[g*Mg + m][r].
  float* wt = ctx.scratch;
  for (int64_t g = 0; g < geo.groups; ++g) {
    TransposeRows(w + g * mg * k, mg, k, k, wt + g * k * mg);
  }
  float* slots = ctx.scratch + WeightCopyFloats(plan, 0);
  ForEachBlock(ctx.pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    float* dc = slots + slot * plan.slot_floats;
    float* dcol = dc + RoundUp(mg * plan.chunk_cols);
    const Block b = BlockOf(plan, blk);
    for (int64_t n0 = b.n0; n0 < b.n0 + b.count; n0 += plan.chunk_images) {
      const int64_t count = std::min(plan.chunk_images, b.n0 + b.count - n0);
      const int64_t ld = RoundUpTo(count * p, kDirectQ);
      for (int64_t g = 0; g < geo.groups; ++g) {
        GatherOutputGrad(geo, n0, count, g, dy, ld, dc);
        const DirectImage dc_image{dc, mg, ld, 0, 0, 1, 1};
        DirectCorrelate(dc_image, wt + g * k * mg, mg, k, ld, dcol, ld);
        for (int64_t i = 0; i < count; ++i) {
          Col2ImStride1(geo, cg, dcol + i * p, ld,
                        grad + ((n0 + i) * geo.in_channels + g * cg) *
                                   geo.in_pixels());
        }
      }
    }
  });
}

// WeightGradBlock() writes block `blk`'s partial dW [C_out, K] to dst.
void WeightGradBlock(const VjpContext& ctx, const ConvPlan& plan,
                     float* slot_buf, int64_t blk, float* dst) {
  const ConvGeometry& geo = plan.geo;
  const float* dy = ctx.grad_output.data();
  const float* x = ctx.input(0).data();
  const int64_t k = geo.col_rows();
  const int64_t mg = geo.group_out_channels();
  const int64_t cg = geo.group_in_channels();
  const int64_t p = geo.out_pixels();
  const Block b = BlockOf(plan, blk);
  if (!plan.direct) {
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
  if (plan.by16) {
    // 16 output channels at a time (DirectWeightGrad16()) on x padded as
    // for the forward and dY transposed to position-major per image.
    const int64_t dyt_floats = RoundUp(mg * p);
    float* xbufs = slot_buf;
    float* dyts = xbufs + plan.block_images * plan.x_copy_floats;
    float* dw16 = dyts + plan.block_images * dyt_floats;
    for (int64_t g = 0; g < geo.groups; ++g) {
      const float* x_g = x + (b.n0 * geo.in_channels + g * cg) * geo.in_pixels();
      for (int64_t i = 0; i < b.count; ++i) {
        const int64_t n = b.n0 + i;
        if (!plan.x_in_place) {
          Place(geo, xl, x_g + i * geo.in_channels * geo.in_pixels(),
                xbufs + i * xl.buf_floats);
        }
        for (int64_t m = 0; m < mg; m += 16) {
          Transpose16(dy + (n * geo.out_channels + g * mg + m) * p, p, p,
                      dyts + i * dyt_floats + m * p);
        }
      }
      for (int64_t m = 0; m < mg; m += 16) {
        DirectWeightGrad16(ImageOf(geo, xl, plan.x_in_place ? x_g : xbufs),
                           plan.x_in_place ? geo.in_channels * geo.in_pixels()
                                           : xl.buf_floats,
                           xl.plane_w, dyts + m * p, dyt_floats, b.count,
                           geo.out_h, geo.out_w, dw16);
        TransposeRows(dw16, k, 16, 16, dst + (g * mg + m) * k);
      }
    }
    return;
  }
  const int64_t dyq_floats = RoundUp(mg * xl.q_pad);
  float* xbufs = slot_buf;
  float* dyqs = slot_buf + plan.block_images * xl.buf_floats;
  for (int64_t g = 0; g < geo.groups; ++g) {
    for (int64_t i = 0; i < b.count; ++i) {
      const int64_t n = b.n0 + i;
      Place(geo, xl, x + (n * geo.in_channels + g * cg) * geo.in_pixels(),
            xbufs + i * xl.buf_floats);
      PlaceImage(dy + (n * geo.out_channels + g * mg) * p, mg, geo.out_h,
                 geo.out_w, 0, 0, geo.out_h, xl.plane_w, xl.q_pad,
                 dyq_floats - mg * xl.q_pad, dyqs + i * dyq_floats);
    }
    DirectWeightGrad(ImageOf(geo, xl, xbufs), xl.buf_floats, dyqs, xl.q_pad,
                     dyq_floats, b.count, mg, xl.q_pad, dst + g * mg * k, k);
  }
}

void WeightGrad(const VjpContext& ctx, const ConvPlan& plan) {
  float* grad = ctx.grad_input->data();
  const int64_t weights = plan.geo.out_channels * plan.geo.col_rows();
  if (plan.num_blocks == 0) {
    std::fill(grad, grad + weights, 0.0f);
    return;
  }
  float* partials = ctx.scratch;
  float* slots = ctx.scratch + WeightGradPartialFloats(plan);
  ForEachBlock(ctx.pool, plan.num_blocks, [&](int64_t slot, int64_t blk) {
    WeightGradBlock(ctx, plan, slots + slot * plan.slot_floats, blk,
                    blk == 0 ? grad : partials + (blk - 1) * weights);
  });
  if (plan.num_blocks > 1) {
    ctx.pool->ParallelFor(
        weights,
        [&](int64_t i0, int64_t i1) {
          for (int64_t blk = 1; blk < plan.num_blocks; ++blk) {
            const float* part = partials + (blk - 1) * weights;
            for (int64_t i = i0; i < i1; ++i) grad[i] += part[i];
          }
        },
        /*min_block=*/4096);
  }
}

void BiasGrad(const VjpContext& ctx, const ConvGeometry& geo) {
  const float* dy = ctx.grad_output.data();
  float* grad = ctx.grad_input->data();
  const int64_t n = geo.batch, c_out = geo.out_channels;
  const int64_t p = geo.out_pixels();
  ctx.pool->ParallelFor(c_out, [&](int64_t o0, int64_t o1) {
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
      grad[o] = sum;
    }
  });
}

}  // namespace

// Shapes per group g (Cg = C_in/groups, Mg = C_out/groups, K = Cg*KH*KW,
// P = OH*OW); xpad is x zero-padded, dY = dL/dy.
//
// wrt 0, dX [N,C_in,H,W]: the correlation of the stride-dilated, padded dY
// with the kernel rotated by 180 degrees, in/out channels swapped per group:
//   dyd[n,o,a,b] = dY[n,o,i,j] if (a,b) == (i*sh, j*sw), else 0
//   dyp = dyd padded by ((KH-1)*dh, (KW-1)*dw) zeros above/left (and zeros
//         below/right up to the padded input size)
//   wrot[c,o,u,v] = w[o,c,KH-1-u,KW-1-v]   [Cg, Mg, KH, KW] per group
//   dxpad[n,c,a,b] = sum_{o in group, u, v} dyp[n,o,a+u*dh,b+v*dw] wrot[c,o,u,v]
//   dX = dxpad without its padding rows/columns.
// At stride 1 (dyd == dY) InputGradDirect() computes exactly this. In
// general, substituting u -> KH-1-u, it is
//   dxpad[n,c,a,b] = sum_{o,u,v,i,j: i*sh+u*dh == a, j*sw+v*dw == b}
//                      w[o,c,u,v] dY[n,o,i,j],
// i.e. each product w[o,c,u,v] dY[n,o,i,j] lands on the input pixel it read
// in the forward. Grouped by (c,u,v) x (i,j) that is
//   dcol [K, P] = W_g^T [K, Mg] · dY[n,g] [Mg, P],   dX[n,g] = Col2Im(dcol),
// one GEMM per block of images ([K, B*P]) followed by col2im per image
// (InputGradGemm(), which skips the zeros that dilation by the stride adds).
//
// wrt 1, dW [C_out, Cg, KH, KW]: the correlation of xpad with dyd, summed
// over the batch:
//   dW[o,c,u,v] = sum_n sum_{a,b} xpad[n,c,u*dh+a,v*dw+b] dyd[n,o,a,b]
//               = sum_n sum_{i,j} dY[n,o,i,j] xpad[n,c,i*sh+u*dh,j*sw+v*dw]
//   dW_g [Mg, K] = sum_n dY[n,g] [Mg, P] · patches(x[n], g)^T [P, K].
// Each fixed block of B images reduces into its own partial [C_out, K] (one
// GEMM over B*P columns, or DirectWeightGrad() at stride 1); the partials
// are then summed in block order, so the result never depends on threads.
//
// wrt 2, dBias [C_out]: dBias[o] = sum_{n,i,j} dY[n,o,i,j], per channel in
// the fixed order (n, i, j).
void Conv2DVjp(const VjpContext& ctx) {
  const auto& attrs = AttrsAs<Conv2DAttrs>(ctx.attrs);
  const Shape shapes[] = {ctx.input(0).shape(), ctx.input(1).shape()};
  const ConvPlan plan = PlanOf(Conv2DGeometryOf(shapes, attrs), ctx.wrt);
  switch (ctx.wrt) {
    case 0:
      if (plan.dx_scatter) {
        InputGradScatter(ctx, plan);
      } else if (plan.direct) {
        InputGradDirect(ctx, plan);
      } else {
        InputGradGemm(ctx, plan);
      }
      break;
    case 1:
      WeightGrad(ctx, plan);
      break;
    default:
      BiasGrad(ctx, plan.geo);
      break;
  }
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kConv2D)
                       .Attrs<Conv2DAttrs>()
                       .Shape(Conv2DShape)
                       .Scratch(Conv2DScratch)
                       .Forward(Conv2DForward)
                       .Vjp(Conv2DVjp, kVjpUsesInputs));

}  // namespace dagrad
