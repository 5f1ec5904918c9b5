// Tests of the convolution plan (ops/cpu/conv_plan.h): which kernel path
// PlanOf() picks for representative geometries, how it blocks the batch,
// and that the scratch it sizes holds what the drivers put there.
#include "ops/cpu/conv_plan.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/cpu/conv_geometry.h"
#include "ops/cpu/direct_conv.h"
#include "ops/cpu/direct_conv16.h"

namespace dagrad {
namespace {

// Geo(): x [n, c, h, w] and w [m, c/groups, kh, kw] at stride s, dilation d,
// padded by pad on every side, with the output size derived.
ConvGeometry Geo(int64_t n, int64_t c, int64_t h, int64_t w, int64_t m,
                 int64_t kh, int64_t kw, int64_t s = 1, int64_t pad = 0,
                 int64_t d = 1, int64_t groups = 1) {
  ConvGeometry g;
  g.batch = n;
  g.in_channels = c;
  g.in_h = h;
  g.in_w = w;
  g.out_channels = m;
  g.kernel_h = kh;
  g.kernel_w = kw;
  g.stride_h = g.stride_w = s;
  g.dilation_h = g.dilation_w = d;
  g.pad_top = g.pad_bottom = g.pad_left = g.pad_right = pad;
  g.groups = groups;
  g.out_h = (h + 2 * pad - ((kh - 1) * d + 1)) / s + 1;
  g.out_w = (w + 2 * pad - ((kw - 1) * d + 1)) / s + 1;
  return g;
}

// Built() is the path this build runs for one expected on AVX-512: with
// AVX2 the 16-channel kernels are the q-grid ones, and without either the
// stride-1 direct paths are im2col + GEMM.
ConvPath Built(ConvPath avx512) {
  using P = ConvPath;
  if (avx512 == P::kPointwiseGemm || avx512 == P::kChannelSums) return avx512;
  if (!DirectConvAvailable()) return P::kIm2ColGemm;
  const bool by16 = avx512 == P::kDirect16 || avx512 == P::kDirect16XInPlace;
  return by16 && !Correlate16Supported(3, 1) ? P::kDirect : avx512;
}

struct PathCase {
  std::string name;
  ConvGeometry geo;
  ConvPath forward, input_grad, weight_grad;
};

std::vector<PathCase> PathCases() {
  using P = ConvPath;
  return {
      // LeNet-5's conv1 (SAME 5x5, 6 filters) and conv2 (VALID, 16).
      {"lenet_conv1", Geo(64, 1, 28, 28, 6, 5, 5, 1, 2), P::kDirect, P::kDirect,
       P::kDirect},
      {"lenet_conv2", Geo(64, 6, 14, 14, 16, 5, 5), P::kDirect16XInPlace,
       P::kScatterInputGrad, P::kDirect16XInPlace},
      // 16 filters on a padded x: the 16-channel kernels on a copy. dX:
      // with 16 filters and 3 input channels the scatter form counts fewer
      // vector operations than the correlation.
      {"sixteen_same_3x3", Geo(8, 3, 12, 12, 16, 3, 3, 1, 1), P::kDirect16,
       P::kScatterInputGrad, P::kDirect16},
      // 16 filters the 16-channel kernels do not handle: KW 2, or a
      // column dilation.
      {"sixteen_kw2", Geo(4, 2, 9, 9, 16, 3, 2, 1, 1), P::kDirect, P::kDirect,
       P::kDirect},
      {"sixteen_dilated", Geo(4, 2, 11, 11, 16, 3, 3, 1, 2, 2), P::kDirect,
       P::kScatterInputGrad, P::kDirect},
      // 32 filters in 2 groups: 16 per group.
      {"groups2_sixteen_each", Geo(4, 4, 9, 9, 32, 5, 5, 1, 0, 1, 2),
       P::kDirect16XInPlace, P::kScatterInputGrad, P::kDirect16XInPlace},
      // Stride 2: im2col + GEMM whatever the channels.
      {"stride2", Geo(16, 3, 13, 13, 16, 3, 3, 2, 1), P::kIm2ColGemm,
       P::kIm2ColGemm, P::kIm2ColGemm},
      // 1x1 stride 1 unpadded: one GEMM on x; padded, it is direct (and
      // its dX the correlation: a 1x1 kernel adds no zeros to dY).
      {"pointwise", Geo(16, 8, 7, 7, 4, 1, 1), P::kPointwiseGemm,
       P::kPointwiseGemm, P::kPointwiseGemm},
      {"one_by_one_padded", Geo(16, 8, 7, 7, 4, 1, 1, 1, 1), P::kDirect,
       P::kDirect, P::kDirect},
      {"one_by_one_stride2", Geo(16, 8, 7, 7, 4, 1, 1, 2), P::kIm2ColGemm,
       P::kIm2ColGemm, P::kIm2ColGemm},
  };
}

TEST(ConvPlanTest, PathsForRepresentativeGeometries) {
  for (const PathCase& c : PathCases()) {
    SCOPED_TRACE(c.name);
    const ConvPath want[] = {c.forward, c.input_grad, c.weight_grad};
    const ConvPass passes[] = {ConvPass::kForward, ConvPass::kInputGrad,
                               ConvPass::kWeightGrad};
    for (int i = 0; i < 3; ++i) {
      const ConvPlan plan = PlanOf(c.geo, passes[i]);
      EXPECT_EQ(plan.pass, passes[i]);
      EXPECT_EQ(plan.path, Built(want[i]))
          << "pass " << i << ": " << ConvPathName(plan.path) << ", want "
          << ConvPathName(Built(want[i]));
    }
    EXPECT_EQ(PlanOf(c.geo, ConvPass::kBiasGrad).path, ConvPath::kChannelSums);
  }
}

TEST(ConvPlanTest, PathPredicatesFollowThePath) {
  for (const PathCase& c : PathCases()) {
    for (ConvPass pass :
         {ConvPass::kForward, ConvPass::kInputGrad, ConvPass::kWeightGrad}) {
      const ConvPlan plan = PlanOf(c.geo, pass);
      const bool gemm = plan.path == ConvPath::kIm2ColGemm ||
                        plan.path == ConvPath::kPointwiseGemm;
      EXPECT_EQ(plan.direct(), !gemm) << c.name;
      EXPECT_EQ(plan.by16(), plan.path == ConvPath::kDirect16 ||
                                 plan.path == ConvPath::kDirect16XInPlace)
          << c.name;
      EXPECT_EQ(plan.x_in_place(), plan.path == ConvPath::kDirect16XInPlace)
          << c.name;
    }
  }
}

TEST(ConvPlanTest, ImagesPerBlockDependOnTheGeometryOnly) {
  // One image, or a pointwise convolution: one image per block.
  EXPECT_EQ(ConvImagesPerBlock(Geo(1, 3, 6, 6, 4, 3, 3, 1, 1)), 1);
  EXPECT_EQ(ConvImagesPerBlock(Geo(64, 8, 7, 7, 4, 1, 1)), 1);
  // 17 images of 6x6 outputs: about kConvBlockColumns / 36 images, capped
  // at 17 / 8 = 2, so 9 blocks with a 1-image tail.
  const ConvPlan p17 =
      PlanOf(Geo(17, 3, 6, 6, 4, 3, 3, 1, 1), ConvPass::kForward);
  EXPECT_EQ(p17.block_images, 2);
  EXPECT_EQ(p17.num_blocks, 9);
  // LeNet's conv2 (10x10 outputs): 64 / 8 = 8 images per block at most.
  const ConvGeometry lenet2 = Geo(64, 6, 14, 14, 16, 5, 5);
  const int64_t b = ConvImagesPerBlock(lenet2);
  EXPECT_GT(b, 1);
  EXPECT_LE(b, 64 / 8);
  EXPECT_LE(b * lenet2.out_pixels(), kConvBlockColumns + lenet2.out_pixels());
  for (ConvPass pass : {ConvPass::kForward, ConvPass::kInputGrad,
                        ConvPass::kWeightGrad, ConvPass::kBiasGrad}) {
    const ConvPlan plan = PlanOf(lenet2, pass);
    EXPECT_EQ(plan.block_images, b);
    EXPECT_EQ(plan.num_blocks, (64 + b - 1) / b);
  }
}

// The direct kernels read up to max off(c,u,v) + q_pad - 1 past a layout's
// start (ops/cpu/direct_conv.h): the layout's buffer must hold it.
void ExpectLayoutHoldsItsReads(const ConvGeometry& geo, const DirectLayout& l,
                               const std::string& what) {
  EXPECT_EQ(l.q, l.out_rows * l.plane_w) << what;
  EXPECT_EQ(l.q_pad % kDirectQ, 0) << what;
  EXPECT_GE(l.q_pad, l.q) << what;
  const int64_t plane = l.plane_h * l.plane_w;
  const int64_t last_read = (l.channels - 1) * plane +
                            (geo.kernel_h - 1) * geo.dilation_h * l.plane_w +
                            (geo.kernel_w - 1) * geo.dilation_w + l.q_pad - 1;
  EXPECT_LT(last_read, l.buf_floats) << what;
  EXPECT_GE(l.buf_floats, l.channels * plane) << what;
  EXPECT_EQ(l.buf_floats % kConvAlignFloats, 0) << what;
}

TEST(ConvPlanTest, ScratchHoldsWhatTheDriversPutThere) {
  std::vector<ConvGeometry> geos;
  for (const PathCase& c : PathCases()) geos.push_back(c.geo);
  geos.push_back(Geo(0, 3, 8, 8, 4, 3, 3, 1, 1));  // Empty batch.
  for (const ConvGeometry& geo : geos) {
    const int64_t k = geo.col_rows();
    const int64_t mg = geo.group_out_channels();
    const int64_t p = geo.out_pixels();
    const int64_t weights = geo.out_channels * k;
    for (ConvPass pass : {ConvPass::kForward, ConvPass::kInputGrad,
                          ConvPass::kWeightGrad, ConvPass::kBiasGrad}) {
      const ConvPlan plan = PlanOf(geo, pass);
      const std::string what = std::string(ConvPathName(plan.path)) +
                               " batch " + std::to_string(geo.batch) +
                               " pass " +
                               std::to_string(static_cast<int>(pass));
      SCOPED_TRACE(what);
      // Every region starts 64-byte aligned.
      EXPECT_EQ(plan.weight_copy_floats % kConvAlignFloats, 0);
      EXPECT_EQ(plan.partial_floats % kConvAlignFloats, 0);
      EXPECT_EQ(plan.slot_floats % kConvAlignFloats, 0);
      // The total: the copies, the partials, one slot per busy thread.
      for (int threads : {1, 2, 3, 64}) {
        const int64_t slots =
            std::min<int64_t>(threads, std::max<int64_t>(plan.num_blocks, 1));
        EXPECT_EQ(ConvScratchFloats(plan, threads),
                  plan.weight_copy_floats + plan.partial_floats +
                      slots * plan.slot_floats);
      }
      // dW's blocks after the first reduce into partials of their own.
      EXPECT_EQ(
          plan.partial_floats,
          pass == ConvPass::kWeightGrad
              ? AlignFloats(std::max<int64_t>(plan.num_blocks - 1, 0) * weights)
              : 0);
      // The repacked weights: dX's rotated (or transposed) w on the direct
      // paths, the forward's 16-row transposes.
      const bool copy = (pass == ConvPass::kInputGrad && plan.direct()) ||
                        (pass == ConvPass::kForward && plan.by16());
      EXPECT_EQ(plan.weight_copy_floats, copy ? AlignFloats(weights) : 0);
      const int64_t b = plan.block_images;
      switch (plan.path) {
        case ConvPath::kChannelSums:
          EXPECT_EQ(ConvScratchFloats(plan, 4), 0);
          break;
        case ConvPath::kPointwiseGemm:
        case ConvPath::kIm2ColGemm: {
          const bool pointwise = plan.path == ConvPath::kPointwiseGemm;
          EXPECT_EQ(pointwise, geo.is_pointwise());
          EXPECT_EQ(plan.patch_floats, pointwise ? 0 : AlignFloats(k * b * p));
          EXPECT_EQ(plan.gather_floats, b > 1 ? AlignFloats(mg * b * p) : 0);
          EXPECT_EQ(plan.slot_floats, plan.patch_floats + plan.gather_floats);
          break;
        }
        case ConvPath::kScatterInputGrad:
          EXPECT_EQ(plan.chunk_cols % kDirectQ, 0);
          EXPECT_GE(plan.chunk_cols, plan.chunk_images * p);
          EXPECT_GE(plan.chunk_images, 1);
          EXPECT_LE(plan.chunk_images, b);
          EXPECT_EQ(plan.slot_floats, AlignFloats(mg * plan.chunk_cols) +
                                          AlignFloats(k * plan.chunk_cols));
          ExpectLayoutHoldsItsReads(geo, plan.dy_layout, what + " dy");
          break;
        case ConvPath::kDirect:
        case ConvPath::kDirect16:
        case ConvPath::kDirect16XInPlace: {
          const DirectLayout& xl = plan.x_layout;
          ExpectLayoutHoldsItsReads(geo, xl, what + " x");
          ExpectLayoutHoldsItsReads(geo, plan.dy_layout, what + " dy");
          EXPECT_EQ(plan.x_copy_floats, plan.x_in_place() ? 0 : xl.buf_floats);
          if (pass == ConvPass::kInputGrad) {
            EXPECT_EQ(plan.slot_floats,
                      plan.dy_layout.buf_floats +
                          AlignFloats(geo.group_in_channels() *
                                      plan.dy_layout.q_pad));
          } else if (pass == ConvPass::kWeightGrad) {
            EXPECT_EQ(plan.slot_floats,
                      plan.by16()
                          ? b * (plan.x_copy_floats + AlignFloats(mg * p)) +
                                AlignFloats(k * 16)
                          : b * (xl.buf_floats + AlignFloats(mg * xl.q_pad)));
          } else {
            EXPECT_EQ(plan.slot_floats,
                      plan.x_copy_floats +
                          AlignFloats(plan.by16() ? RoundUpTo(p, 16) * 16
                                                  : mg * xl.q_pad));
          }
          break;
        }
      }
    }
  }
}

TEST(ConvPlanTest, PathNamesAreDistinct) {
  const ConvPath paths[] = {
      ConvPath::kPointwiseGemm,    ConvPath::kIm2ColGemm,
      ConvPath::kDirect,           ConvPath::kDirect16,
      ConvPath::kDirect16XInPlace, ConvPath::kScatterInputGrad,
      ConvPath::kChannelSums};
  std::vector<std::string> names;
  for (ConvPath p : paths) names.push_back(ConvPathName(p));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
  EXPECT_EQ(std::string(ConvPathName(ConvPath::kDirect16XInPlace)),
            "Direct16XInPlace");
}

}  // namespace
}  // namespace dagrad
