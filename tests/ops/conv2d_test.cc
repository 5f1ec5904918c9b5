#include "ops/conv2d.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/cpu/direct_conv.h"
#include "ops/cpu/direct_conv16.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

// ---------------------------------------------------------------------------
// Literal references, written from the definitions in ops/conv2d.h and the
// math above Conv2DVjp, independently of the kernels' im2col/GEMM code.

// RefPads: padding and output size, TensorFlow's rules re-derived here.
struct RefPads {
  int64_t top = 0, bottom = 0, left = 0, right = 0, oh = 0, ow = 0;
};

RefPads ReferencePads(const Shape& x, const Shape& w, const Conv2DAttrs& a) {
  RefPads r;
  const int64_t h = x.dim(2), wd = x.dim(3);
  const int64_t ekh = (w.dim(2) - 1) * a.dilation_h + 1;
  const int64_t ekw = (w.dim(3) - 1) * a.dilation_w + 1;
  if (a.padding == Padding::kExplicit) {
    r.top = a.pad_top;
    r.bottom = a.pad_bottom;
    r.left = a.pad_left;
    r.right = a.pad_right;
  } else if (a.padding == Padding::kSame) {
    const int64_t oh = (h + a.stride_h - 1) / a.stride_h;
    const int64_t ow = (wd + a.stride_w - 1) / a.stride_w;
    const int64_t th = std::max<int64_t>((oh - 1) * a.stride_h + ekh - h, 0);
    const int64_t tw = std::max<int64_t>((ow - 1) * a.stride_w + ekw - wd, 0);
    r.top = th / 2;
    r.bottom = th - r.top;
    r.left = tw / 2;
    r.right = tw - r.left;
  }
  r.oh = (h + r.top + r.bottom - ekh) / a.stride_h + 1;
  r.ow = (wd + r.left + r.right - ekw) / a.stride_w + 1;
  return r;
}

// PadInput() returns x zero-padded to [N, C, H+top+bottom, W+left+right].
Tensor PadInput(const Tensor& x, const RefPads& r) {
  const int64_t n = x.shape().dim(0), c = x.shape().dim(1);
  const int64_t h = x.shape().dim(2), w = x.shape().dim(3);
  const int64_t hp = h + r.top + r.bottom, wp = w + r.left + r.right;
  Tensor out = Tensor::Zeros(Shape({n, c, hp, wp}));
  for (int64_t i = 0; i < n * c; ++i) {
    for (int64_t a = 0; a < h; ++a) {
      for (int64_t b = 0; b < w; ++b) {
        out[(i * hp + a + r.top) * wp + b + r.left] = x[(i * h + a) * w + b];
      }
    }
  }
  return out;
}

// NaiveConv(): y[n,o,i,j] = bias[o] + sum_{c,u,v} w[o,c,u,v] *
//   xpad[n, g*Cg + c, i*sh + u*dh, j*sw + v*dw], in double.
Tensor NaiveConv(const Tensor& x, const Tensor& w, const Tensor* bias,
                 const Conv2DAttrs& a) {
  const RefPads r = ReferencePads(x.shape(), w.shape(), a);
  const Tensor xp = PadInput(x, r);
  const int64_t n = x.shape().dim(0), cin = x.shape().dim(1);
  const int64_t hp = xp.shape().dim(2), wp = xp.shape().dim(3);
  const int64_t cout = w.shape().dim(0), cg = w.shape().dim(1);
  const int64_t kh = w.shape().dim(2), kw = w.shape().dim(3);
  const int64_t mg = cout / a.groups;
  Tensor y = Tensor::Zeros(Shape({n, cout, r.oh, r.ow}));
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t o = 0; o < cout; ++o) {
      const int64_t g = o / mg;
      for (int64_t i = 0; i < r.oh; ++i) {
        for (int64_t j = 0; j < r.ow; ++j) {
          double acc = bias != nullptr ? (*bias)[o] : 0.0;
          for (int64_t c = 0; c < cg; ++c) {
            for (int64_t u = 0; u < kh; ++u) {
              for (int64_t v = 0; v < kw; ++v) {
                const int64_t ci = g * cg + c;
                const int64_t ih = i * a.stride_h + u * a.dilation_h;
                const int64_t iw = j * a.stride_w + v * a.dilation_w;
                acc +=
                    static_cast<double>(w[((o * cg + c) * kh + u) * kw + v]) *
                    xp[((b * cin + ci) * hp + ih) * wp + iw];
              }
            }
          }
          y[((b * cout + o) * r.oh + i) * r.ow + j] = static_cast<float>(acc);
        }
      }
    }
  }
  return y;
}

// LiteralDx(): dX as ops/conv2d.cc states it. Build the stride-dilated dY,
// pad it by (KH-1)*dh / (KW-1)*dw zeros above and to the left (and zeros to
// the padded input size below and right), rotate the kernel by 180 degrees
// and swap its in/out channels per group, correlate (with the dilation), and
// cut off the input padding.
Tensor LiteralDx(const Tensor& dy, const Tensor& w, const Shape& x_shape,
                 const Conv2DAttrs& a) {
  const RefPads r = ReferencePads(x_shape, w.shape(), a);
  const int64_t n = x_shape.dim(0), cin = x_shape.dim(1);
  const int64_t h = x_shape.dim(2), wd = x_shape.dim(3);
  const int64_t cout = w.shape().dim(0), cg = w.shape().dim(1);
  const int64_t kh = w.shape().dim(2), kw = w.shape().dim(3);
  const int64_t mg = cout / a.groups;
  const int64_t hp = h + r.top + r.bottom, wp = wd + r.left + r.right;
  const int64_t ph = (kh - 1) * a.dilation_h, pw = (kw - 1) * a.dilation_w;
  // dyp [N, C_out, Hp + ph, Wp + pw]: the dilated dY placed at (ph, pw).
  const int64_t dh = hp + ph, dw = wp + pw;
  Tensor dyp = Tensor::Zeros(Shape({n, cout, dh, dw}));
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t o = 0; o < cout; ++o) {
      for (int64_t i = 0; i < r.oh; ++i) {
        for (int64_t j = 0; j < r.ow; ++j) {
          dyp[((b * cout + o) * dh + ph + i * a.stride_h) * dw + pw +
              j * a.stride_w] = dy[((b * cout + o) * r.oh + i) * r.ow + j];
        }
      }
    }
  }
  // wrot [C_in, Mg, KH, KW]: wrot[g*Cg+c, m, u, v] = w[g*Mg+m, c, KH-1-u,
  // KW-1-v].
  Tensor wrot = Tensor::Zeros(Shape({cin, mg, kh, kw}));
  for (int64_t g = 0; g < a.groups; ++g) {
    for (int64_t c = 0; c < cg; ++c) {
      for (int64_t m = 0; m < mg; ++m) {
        for (int64_t u = 0; u < kh; ++u) {
          for (int64_t v = 0; v < kw; ++v) {
            wrot[(((g * cg + c) * mg + m) * kh + u) * kw + v] =
                w[(((g * mg + m) * cg + c) * kh + (kh - 1 - u)) * kw +
                  (kw - 1 - v)];
          }
        }
      }
    }
  }
  Tensor dx = Tensor::Zeros(x_shape);
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t ci = 0; ci < cin; ++ci) {
      const int64_t g = ci / cg;
      for (int64_t hh = 0; hh < h; ++hh) {
        for (int64_t ww = 0; ww < wd; ++ww) {
          // dxpad at (hh + top, ww + left).
          const int64_t pa = hh + r.top, pb = ww + r.left;
          double acc = 0;
          for (int64_t m = 0; m < mg; ++m) {
            const int64_t o = g * mg + m;
            for (int64_t u = 0; u < kh; ++u) {
              for (int64_t v = 0; v < kw; ++v) {
                acc +=
                    static_cast<double>(
                        dyp[((b * cout + o) * dh + pa + u * a.dilation_h) * dw +
                            pb + v * a.dilation_w]) *
                    wrot[((ci * mg + m) * kh + u) * kw + v];
              }
            }
          }
          dx[((b * cin + ci) * h + hh) * wd + ww] = static_cast<float>(acc);
        }
      }
    }
  }
  return dx;
}

// LiteralDw(): dW[o,c,u,v] = sum_n sum_{a,b} xpad[n, g*Cg+c, u*dh+a, v*dw+b]
// * dyd[n,o,a,b], the correlation of the padded x with the stride-dilated dY.
Tensor LiteralDw(const Tensor& x, const Tensor& dy, const Shape& w_shape,
                 const Conv2DAttrs& a) {
  const RefPads r = ReferencePads(x.shape(), w_shape, a);
  const Tensor xp = PadInput(x, r);
  const int64_t n = x.shape().dim(0), cin = x.shape().dim(1);
  const int64_t hp = xp.shape().dim(2), wp = xp.shape().dim(3);
  const int64_t cout = w_shape.dim(0), cg = w_shape.dim(1);
  const int64_t kh = w_shape.dim(2), kw = w_shape.dim(3);
  const int64_t mg = cout / a.groups;
  const int64_t hd = (r.oh - 1) * a.stride_h + 1;
  const int64_t wd = (r.ow - 1) * a.stride_w + 1;
  Tensor dyd = Tensor::Zeros(Shape({n, cout, hd, wd}));
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t o = 0; o < cout; ++o) {
      for (int64_t i = 0; i < r.oh; ++i) {
        for (int64_t j = 0; j < r.ow; ++j) {
          dyd[((b * cout + o) * hd + i * a.stride_h) * wd + j * a.stride_w] =
              dy[((b * cout + o) * r.oh + i) * r.ow + j];
        }
      }
    }
  }
  Tensor dw = Tensor::Zeros(w_shape);
  for (int64_t o = 0; o < cout; ++o) {
    const int64_t g = o / mg;
    for (int64_t c = 0; c < cg; ++c) {
      for (int64_t u = 0; u < kh; ++u) {
        for (int64_t v = 0; v < kw; ++v) {
          double acc = 0;
          for (int64_t b = 0; b < n; ++b) {
            for (int64_t pa = 0; pa < hd; ++pa) {
              for (int64_t pb = 0; pb < wd; ++pb) {
                acc += static_cast<double>(xp[((b * cin + g * cg + c) * hp +
                                               u * a.dilation_h + pa) *
                                                  wp +
                                              v * a.dilation_w + pb]) *
                       dyd[((b * cout + o) * hd + pa) * wd + pb];
              }
            }
          }
          dw[((o * cg + c) * kh + u) * kw + v] = static_cast<float>(acc);
        }
      }
    }
  }
  return dw;
}

// ---------------------------------------------------------------------------

// ConvPaths: the kernel path (ops/cpu/conv_plan.h) each pass of a case
// runs on an AVX-512 build; a case pins them so that a change of PlanOf()'s
// heuristics cannot silently drop a path from the tests.
struct ConvPaths {
  ConvPath forward, input_grad, weight_grad;
};

struct ConvCase {
  std::string name;
  Shape x, w;
  bool bias;
  Conv2DAttrs attrs;
  ConvPaths paths;
};

Conv2DAttrs MakeAttrs(Padding padding, int64_t sh = 1, int64_t sw = 1,
                      int64_t dh = 1, int64_t dw = 1, int64_t groups = 1) {
  Conv2DAttrs a;
  a.padding = padding;
  a.stride_h = sh;
  a.stride_w = sw;
  a.dilation_h = dh;
  a.dilation_w = dw;
  a.groups = groups;
  return a;
}

Conv2DAttrs Explicit(int64_t top, int64_t bottom, int64_t left, int64_t right,
                     Conv2DAttrs a = MakeAttrs(Padding::kExplicit)) {
  a.padding = Padding::kExplicit;
  a.pad_top = top;
  a.pad_bottom = bottom;
  a.pad_left = left;
  a.pad_right = right;
  return a;
}

// Short names for the pinned paths.
constexpr ConvPath kIm2Col = ConvPath::kIm2ColGemm;
constexpr ConvPath kPointwise = ConvPath::kPointwiseGemm;
constexpr ConvPath kDirect = ConvPath::kDirect;
constexpr ConvPath kDirect16 = ConvPath::kDirect16;
constexpr ConvPath kInPlace16 = ConvPath::kDirect16XInPlace;
constexpr ConvPath kScatter = ConvPath::kScatterInputGrad;

// Covers: odd sizes, stride 2, same/valid/explicit asymmetric padding,
// dilation 2, groups 1/2/C_in (depthwise), batch > 1 with several and uneven
// image blocks, non-square kernels and images, with and without bias, and
// every kernel path of every pass (each case pins its own; see
// CasesCoverEveryKernelPath): stride 1 (the direct AVX-512 kernels where
// built: q-grid, 16-channel on a copy or in place, and dX as a correlation
// or in scatter form), other strides (im2col + GEMM), and pointwise 1x1
// (GEMM on x itself).
std::vector<ConvCase> Cases() {
  return {
      {"valid_odd_nonsquare",
       Shape({2, 3, 7, 6}),
       Shape({4, 3, 3, 2}),
       true,
       MakeAttrs(Padding::kValid),
       {kDirect, kScatter, kDirect}},
      {"same_stride2",
       Shape({2, 3, 9, 8}),
       Shape({4, 3, 3, 3}),
       true,
       MakeAttrs(Padding::kSame, 2, 2),
       {kIm2Col, kIm2Col, kIm2Col}},
      {"same_stride2_even_input",
       Shape({1, 2, 8, 10}),
       Shape({3, 2, 4, 3}),
       false,
       MakeAttrs(Padding::kSame, 2, 3),
       {kIm2Col, kIm2Col, kIm2Col}},
      {"explicit_asymmetric",
       Shape({1, 2, 6, 7}),
       Shape({3, 2, 3, 4}),
       false,
       Explicit(1, 2, 0, 3),
       {kDirect, kDirect, kDirect}},
      {"explicit_asymmetric_stride2",
       Shape({2, 2, 7, 5}),
       Shape({2, 2, 2, 3}),
       true,
       Explicit(0, 1, 2, 1, MakeAttrs(Padding::kExplicit, 2, 2)),
       {kIm2Col, kIm2Col, kIm2Col}},
      {"dilation2_same",
       Shape({2, 2, 9, 9}),
       Shape({2, 2, 3, 2}),
       true,
       MakeAttrs(Padding::kSame, 1, 1, 2, 3),
       {kDirect, kDirect, kDirect}},
      {"dilation2_valid_stride2",
       Shape({1, 2, 11, 10}),
       Shape({3, 2, 3, 3}),
       false,
       MakeAttrs(Padding::kValid, 2, 2, 2, 2),
       {kIm2Col, kIm2Col, kIm2Col}},
      {"groups2",
       Shape({2, 4, 7, 7}),
       Shape({6, 2, 3, 3}),
       true,
       MakeAttrs(Padding::kValid, 1, 2, 1, 1, 2),
       {kIm2Col, kIm2Col, kIm2Col}},
      {"depthwise",
       Shape({3, 3, 8, 7}),
       Shape({6, 1, 3, 3}),
       true,
       Explicit(1, 1, 1, 1, MakeAttrs(Padding::kExplicit, 1, 1, 1, 1, 3)),
       {kDirect, kDirect, kDirect}},
      {"depthwise_stride2_same",
       Shape({2, 4, 7, 6}),
       Shape({4, 1, 3, 3}),
       false,
       MakeAttrs(Padding::kSame, 2, 2, 1, 1, 4),
       {kIm2Col, kIm2Col, kIm2Col}},
      {"pointwise",
       Shape({3, 4, 5, 6}),
       Shape({5, 4, 1, 1}),
       true,
       MakeAttrs(Padding::kValid),
       {kPointwise, kPointwise, kPointwise}},
      {"pointwise_groups2",
       Shape({2, 4, 3, 5}),
       Shape({6, 2, 1, 1}),
       false,
       MakeAttrs(Padding::kValid, 1, 1, 1, 1, 2),
       {kPointwise, kPointwise, kPointwise}},
      {"one_by_one_stride2",
       Shape({2, 3, 7, 7}),
       Shape({2, 3, 1, 1}),
       true,
       MakeAttrs(Padding::kValid, 2, 2),
       {kIm2Col, kIm2Col, kIm2Col}},
      {"groups2_stride1_same",
       Shape({2, 4, 7, 7}),
       Shape({6, 2, 3, 3}),
       true,
       MakeAttrs(Padding::kSame, 1, 1, 1, 1, 2),
       {kDirect, kDirect, kDirect}},
      // Padding wider than the kernel: some outputs read only padding.
      {"explicit_pad_beyond_kernel",
       Shape({2, 2, 4, 5}),
       Shape({3, 2, 2, 2}),
       true,
       Explicit(3, 0, 1, 4),
       {kDirect, kDirect, kDirect}},
      // More output channels and patch rows than one register tile.
      {"many_channels",
       Shape({3, 3, 6, 6}),
       Shape({11, 3, 3, 3}),
       false,
       MakeAttrs(Padding::kSame),
       {kDirect, kDirect, kDirect}},
      // 16 output channels per group: the channel-vectorized forward.
      {"sixteen_filters_same",
       Shape({2, 3, 7, 9}),
       Shape({16, 3, 3, 3}),
       true,
       MakeAttrs(Padding::kSame),
       {kDirect16, kScatter, kDirect16}},
      {"sixteen_filters_groups2_dilated",
       Shape({2, 4, 8, 7}),
       Shape({32, 2, 3, 2}),
       false,
       Explicit(1, 0, 2, 1, MakeAttrs(Padding::kExplicit, 1, 1, 2, 1, 2)),
       {kDirect, kScatter, kDirect}},
      {"sixteen_filters_groups2_kw5_dilated_h",
       Shape({2, 4, 9, 8}),
       Shape({32, 2, 3, 5}),
       true,
       Explicit(1, 2, 2, 2, MakeAttrs(Padding::kExplicit, 1, 1, 2, 1, 2)),
       {kDirect16, kScatter, kDirect16}},
      {"sixteen_filters_wide_rows",
       Shape({1, 2, 5, 31}),
       Shape({16, 2, 3, 3}),
       true,
       MakeAttrs(Padding::kValid),
       {kInPlace16, kScatter, kInPlace16}},
      // 17 images of 6x6 outputs: blocks of 2 images, the last one alone,
      // on the direct kernels and (stride 2) on im2col + GEMM.
      {"batch17_blocks",
       Shape({17, 3, 6, 6}),
       Shape({4, 3, 3, 3}),
       true,
       MakeAttrs(Padding::kSame),
       {kDirect, kDirect, kDirect}},
      {"batch17_blocks_stride2",
       Shape({17, 3, 12, 11}),
       Shape({4, 3, 3, 3}),
       true,
       MakeAttrs(Padding::kSame, 2, 2),
       {kIm2Col, kIm2Col, kIm2Col}},
  };
}

Tensor BiasFor(const ConvCase& c, uint64_t seed) {
  return RandomTensor(Shape({c.w.dim(0)}), seed);
}

std::vector<Shape> InputShapes(const ConvCase& c) {
  std::vector<Shape> shapes = {c.x, c.w};
  if (c.bias) shapes.push_back(Shape({c.w.dim(0)}));
  return shapes;
}

void ExpectNearTensor(const Tensor& got, const Tensor& want, double tol,
                      const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::fabs(want[i])))
        << what << " element " << i;
  }
}

// Built() is the path this build runs for a pinned one (pinned as on
// AVX-512): with AVX2 the 16-channel kernels are the q-grid ones, and
// without either the stride-1 direct paths are im2col + GEMM.
ConvPath Built(ConvPath pinned) {
  if (pinned == kPointwise) return pinned;
  if (!DirectConvAvailable()) return kIm2Col;
  const bool by16 = pinned == kDirect16 || pinned == kInPlace16;
  return by16 && !Correlate16Supported(3, 1) ? kDirect : pinned;
}

// ExpectPinnedPaths(): the plan of each pass of the case runs the path the
// case pins.
void ExpectPinnedPaths(const ConvCase& c) {
  const Shape shapes[] = {c.x, c.w};
  const ConvPath pinned[] = {c.paths.forward, c.paths.input_grad,
                             c.paths.weight_grad};
  for (int wrt = -1; wrt <= 1; ++wrt) {
    const ConvPath got = Conv2DPlanOf(shapes, c.attrs, wrt).path;
    EXPECT_EQ(got, Built(pinned[wrt + 1]))
        << c.name << " wrt=" << wrt << ": runs " << ConvPathName(got)
        << ", pinned " << ConvPathName(pinned[wrt + 1]);
  }
  if (c.bias) {
    EXPECT_EQ(Conv2DPlanOf(shapes, c.attrs, 2).path, ConvPath::kChannelSums)
        << c.name;
  }
}

TEST(Conv2DTest, CasesCoverEveryKernelPath) {
  // Every path of every pass is pinned by at least one case of Cases(), so
  // the value tests below run each of them.
  const std::vector<ConvPath> forward = {kIm2Col, kPointwise, kDirect,
                                         kDirect16, kInPlace16};
  const std::vector<ConvPath> input_grad = {kIm2Col, kPointwise, kDirect,
                                            kScatter};
  auto covered = [](ConvPath path, ConvPath ConvPaths::*pass) {
    for (const ConvCase& c : Cases()) {
      if (c.paths.*pass == path) return true;
    }
    return false;
  };
  for (ConvPath p : forward) {
    EXPECT_TRUE(covered(p, &ConvPaths::forward)) << ConvPathName(p);
    EXPECT_TRUE(covered(p, &ConvPaths::weight_grad)) << ConvPathName(p);
  }
  for (ConvPath p : input_grad) {
    EXPECT_TRUE(covered(p, &ConvPaths::input_grad)) << ConvPathName(p);
  }
}

TEST(Conv2DTest, CasesPinTheirKernelPaths) {
  for (const ConvCase& c : Cases()) ExpectPinnedPaths(c);
}

TEST(Conv2DTest, BlocksCoverSeveralImagesAndUnevenTail) {
  // The batch17 cases must exercise multi-image blocks and a 1-image tail
  // (direct and im2col + GEMM), and LeNet's conv2 several blocks.
  for (const ConvCase& c : Cases()) {
    if (c.x.dim(0) != 17) continue;
    const Shape shapes[] = {c.x, c.w};
    for (int wrt = -1; wrt <= 1; ++wrt) {
      const ConvPlan plan = Conv2DPlanOf(shapes, c.attrs, wrt);
      EXPECT_GT(plan.block_images, 1) << c.name;
      EXPECT_EQ(17 % plan.block_images, 1) << c.name;
    }
  }
  const Shape s64[] = {Shape({64, 6, 14, 14}), Shape({16, 6, 5, 5})};
  EXPECT_GT(Conv2DPlanOf(s64, MakeAttrs(Padding::kValid), 1).block_images, 1);
}

TEST(Conv2DTest, ForwardMatchesNaiveReference) {
  for (const ConvCase& c : Cases()) {
    ExpectPinnedPaths(c);
    Tensor x = RandomTensor(c.x, /*seed=*/1);
    Tensor w = RandomTensor(c.w, /*seed=*/2);
    Tensor b = BiasFor(c, /*seed=*/3);
    std::vector<Tensor*> inputs = {&x, &w};
    if (c.bias) inputs.push_back(&b);
    auto y = RunForward(OpKind::kConv2D, c.attrs, inputs);
    ASSERT_TRUE(y.ok()) << c.name << ": " << y.status();
    const Tensor want = NaiveConv(x, w, c.bias ? &b : nullptr, c.attrs);
    ExpectNearTensor(*y, want, 1e-5, c.name);
  }
}

TEST(Conv2DTest, SamePaddingFollowsTensorFlow) {
  struct SameCase {
    int64_t h, k, stride, dilation, oh, top, bottom;
  };
  // Hand-computed with TF's rule: OH = ceil(H/s), total = max((OH-1)*s +
  // (K-1)*d + 1 - H, 0), top = total/2.
  const SameCase cases[] = {
      {28, 5, 1, 1, 28, 2, 2}, {7, 3, 2, 1, 4, 1, 1}, {8, 3, 2, 1, 4, 0, 1},
      {9, 3, 1, 2, 9, 2, 2},   {5, 1, 2, 1, 3, 0, 0}, {6, 4, 1, 1, 6, 1, 2},
  };
  for (const SameCase& s : cases) {
    Conv2DAttrs a =
        MakeAttrs(Padding::kSame, s.stride, s.stride, s.dilation, s.dilation);
    const Shape in[] = {Shape({2, 1, s.h, s.h}), Shape({1, 1, s.k, s.k})};
    auto out = Conv2DShape(in, a);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, Shape({2, 1, s.oh, s.oh})) << "H=" << s.h << " K=" << s.k;
    const ConvGeometry geo = Conv2DGeometryOf(in, a);
    EXPECT_EQ(geo.pad_top, s.top) << "H=" << s.h << " K=" << s.k;
    EXPECT_EQ(geo.pad_bottom, s.bottom) << "H=" << s.h << " K=" << s.k;
    EXPECT_EQ(geo.pad_left, s.top);
    EXPECT_EQ(geo.pad_right, s.bottom);
  }
}

TEST(Conv2DTest, UnknownBatchPropagates) {
  const Shape in[] = {Shape({Shape::kUnknownDim, 3, 8, 8}), Shape({4, 3, 3, 3}),
                      Shape({4})};
  auto out = Conv2DShape(in, MakeAttrs(Padding::kValid));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Shape({Shape::kUnknownDim, 4, 6, 6}));
}

// The fast VJPs (GEMM + col2im, per-block GEMMs) equal the literal
// definitions: dX = correlation of the dilated, padded dY with the rotated,
// channel-swapped kernel; dW = correlation of x with the dilated dY summed
// over the batch; dBias = sum of dY.
TEST(Conv2DTest, VjpsMatchLiteralDefinitions) {
  for (const ConvCase& c : Cases()) {
    ExpectPinnedPaths(c);
    Tensor x = RandomTensor(c.x, /*seed=*/4);
    Tensor w = RandomTensor(c.w, /*seed=*/5);
    Tensor b = BiasFor(c, /*seed=*/6);
    ThreadPool pool(1);
    auto op = EagerOp::Create(OpKind::kConv2D, c.attrs, InputShapes(c), &pool);
    ASSERT_TRUE(op.ok()) << c.name << ": " << op.status();
    std::vector<Tensor*> inputs = {&x, &w};
    if (c.bias) inputs.push_back(&b);
    ASSERT_TRUE((*op)->Forward(inputs).ok());
    Tensor dy = RandomTensor((*op)->output_shape(), /*seed=*/7);

    Tensor dx = Tensor::Zeros(c.x);
    ASSERT_TRUE((*op)->Vjp(0, dy, &dx).ok());
    ExpectNearTensor(dx, LiteralDx(dy, w, c.x, c.attrs), 1e-4, c.name + " dX");

    Tensor dw = Tensor::Zeros(c.w);
    ASSERT_TRUE((*op)->Vjp(1, dy, &dw).ok());
    ExpectNearTensor(dw, LiteralDw(x, dy, c.w, c.attrs), 1e-4, c.name + " dW");

    if (c.bias) {
      Tensor db = Tensor::Zeros(b.shape());
      ASSERT_TRUE((*op)->Vjp(2, dy, &db).ok());
      const int64_t n = c.x.dim(0), cout = c.w.dim(0);
      const int64_t p = dy.size() / (n * cout);
      Tensor want = Tensor::Zeros(b.shape());
      for (int64_t o = 0; o < cout; ++o) {
        double acc = 0;
        for (int64_t i = 0; i < n; ++i) {
          for (int64_t j = 0; j < p; ++j) acc += dy[(i * cout + o) * p + j];
        }
        want[o] = static_cast<float>(acc);
      }
      ExpectNearTensor(db, want, 1e-5, c.name + " dBias");
    }
  }
}

TEST(Conv2DTest, GradientMatchesNumeric) {
  for (const ConvCase& c : Cases()) {
    ExpectPinnedPaths(c);
    Tensor x = RandomTensor(c.x, /*seed=*/8);
    Tensor w = RandomTensor(c.w, /*seed=*/9);
    Tensor b = BiasFor(c, /*seed=*/10);
    std::vector<Tensor*> inputs = {&x, &w};
    if (c.bias) inputs.push_back(&b);
    GradientCheckOptions options;
    // Conv2D is linear in each input (no kinks), so central differences are
    // exact up to float rounding of the outputs.
    options.epsilon = 1e-2;
    options.rtol = 1e-2;
    options.atol = 1e-3;
    options.max_points_per_input = 24;
    auto result = CheckGradients(OpKind::kConv2D, c.attrs, inputs, options);
    ASSERT_TRUE(result.ok()) << c.name << ": " << result.status();
    EXPECT_EQ(result->points_near_kink, 0) << c.name;
    EXPECT_GT(result->points_checked, 0) << c.name;
  }
}

TEST(Conv2DTest, LiteralDxNeedsTheRotation) {
  // The literal reference is sensitive to what it claims: without the
  // 180-degree rotation of the kernel it no longer matches the op's dX.
  const ConvCase c = Cases()[1];  // same_stride2, 3x3 kernel
  Tensor x = RandomTensor(c.x, 11);
  Tensor w = RandomTensor(c.w, 12);
  Tensor b = BiasFor(c, 13);
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kConv2D, c.attrs, InputShapes(c), &pool);
  ASSERT_TRUE(op.ok());
  ASSERT_TRUE((*op)->Forward({&x, &w, &b}).ok());
  Tensor dy = RandomTensor((*op)->output_shape(), 14);
  Tensor dx = Tensor::Zeros(c.x);
  ASSERT_TRUE((*op)->Vjp(0, dy, &dx).ok());
  // Pre-rotating w cancels LiteralDx's rotation.
  Tensor w_rot = Tensor::Zeros(c.w);
  const int64_t kh = c.w.dim(2), kw = c.w.dim(3);
  for (int64_t i = 0; i < c.w.num_elements() / (kh * kw); ++i) {
    for (int64_t u = 0; u < kh; ++u) {
      for (int64_t v = 0; v < kw; ++v) {
        w_rot[(i * kh + u) * kw + v] =
            w[(i * kh + (kh - 1 - u)) * kw + (kw - 1 - v)];
      }
    }
  }
  const Tensor unrotated = LiteralDx(dy, w_rot, c.x, c.attrs);
  double max_diff = 0;
  for (int64_t i = 0; i < dx.size(); ++i) {
    max_diff = std::max<double>(max_diff, std::fabs(dx[i] - unrotated[i]));
  }
  EXPECT_GT(max_diff, 1e-2);
}

// Forward, dX, dW and dBias at 1 and 2 threads are bitwise equal, at shapes
// with several image blocks (the weight gradient is a cross-batch sum).
TEST(Conv2DTest, OneAndTwoThreadsAreBitwiseEqual) {
  std::vector<ConvCase> cases = {
      {"lenet_conv1",
       Shape({64, 1, 28, 28}),
       Shape({6, 1, 5, 5}),
       true,
       MakeAttrs(Padding::kSame),
       {kDirect, kDirect, kDirect}},
      {"lenet_conv2_odd_batch",
       Shape({33, 6, 14, 14}),
       Shape({16, 6, 5, 5}),
       true,
       MakeAttrs(Padding::kValid),
       {kInPlace16, kScatter, kInPlace16}},
      {"groups_stride2",
       Shape({19, 4, 9, 9}),
       Shape({8, 2, 3, 3}),
       true,
       MakeAttrs(Padding::kSame, 2, 2, 1, 1, 2),
       {kIm2Col, kIm2Col, kIm2Col}},
      {"pointwise",
       Shape({13, 8, 5, 5}),
       Shape({4, 8, 1, 1}),
       true,
       MakeAttrs(Padding::kValid),
       {kPointwise, kPointwise, kPointwise}},
  };
  for (const ConvCase& c : cases) {
    ExpectPinnedPaths(c);
    Tensor x = RandomTensor(c.x, 21);
    Tensor w = RandomTensor(c.w, 22);
    Tensor b = BiasFor(c, 23);
    ThreadPool pool1(1), pool2(2);
    auto op1 =
        EagerOp::Create(OpKind::kConv2D, c.attrs, InputShapes(c), &pool1);
    auto op2 =
        EagerOp::Create(OpKind::kConv2D, c.attrs, InputShapes(c), &pool2);
    ASSERT_TRUE(op1.ok() && op2.ok()) << c.name;
    ASSERT_TRUE((*op1)->Forward({&x, &w, &b}).ok());
    ASSERT_TRUE((*op2)->Forward({&x, &w, &b}).ok());
    const Tensor& y1 = (*op1)->output();
    const Tensor& y2 = (*op2)->output();
    for (int64_t i = 0; i < y1.size(); ++i) {
      ASSERT_EQ(y1[i], y2[i]) << c.name << " forward " << i;
    }
    Tensor dy = RandomTensor(y1.shape(), 24);
    const Shape grad_shapes[] = {c.x, c.w, b.shape()};
    for (int wrt = 0; wrt < 3; ++wrt) {
      Tensor d1 = Tensor::Zeros(grad_shapes[wrt]);
      Tensor d2 = Tensor::Zeros(grad_shapes[wrt]);
      ASSERT_TRUE((*op1)->Vjp(wrt, dy, &d1).ok());
      ASSERT_TRUE((*op2)->Vjp(wrt, dy, &d2).ok());
      for (int64_t i = 0; i < d1.size(); ++i) {
        ASSERT_EQ(d1[i], d2[i]) << c.name << " wrt=" << wrt << " i=" << i;
      }
    }
  }
}

TEST(Conv2DTest, VjpOverwritesPoisonedGradient) {
  for (const ConvCase& c : Cases()) {
    ExpectPinnedPaths(c);
    Tensor x = RandomTensor(c.x, 31);
    Tensor w = RandomTensor(c.w, 32);
    Tensor b = BiasFor(c, 33);
    ThreadPool pool(2);
    auto op = EagerOp::Create(OpKind::kConv2D, c.attrs, InputShapes(c), &pool);
    ASSERT_TRUE(op.ok()) << c.name;
    std::vector<Tensor*> inputs = {&x, &w};
    if (c.bias) inputs.push_back(&b);
    ASSERT_TRUE((*op)->Forward(inputs).ok());
    Tensor dy = RandomTensor((*op)->output_shape(), 34);
    const Shape shapes[] = {c.x, c.w, b.shape()};
    for (int wrt = 0; wrt < (c.bias ? 3 : 2); ++wrt) {
      Tensor g = Tensor::Zeros(shapes[wrt]);
      g.Fill(std::nanf(""));
      ASSERT_TRUE((*op)->Vjp(wrt, dy, &g).ok());
      for (int64_t i = 0; i < g.size(); ++i) {
        ASSERT_FALSE(std::isnan(g[i]))
            << c.name << " wrt=" << wrt << " i=" << i;
      }
    }
  }
}

// ExpectShapeError(): creating the op fails with InvalidArgument naming
// Conv2D, every input shape, and `what`.
void ExpectShapeError(std::vector<Shape> shapes, const Conv2DAttrs& attrs,
                      const std::string& what) {
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kConv2D, attrs, shapes, &pool);
  ASSERT_FALSE(op.ok()) << what;
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(op.status().message());
  EXPECT_EQ(msg.rfind("Conv2D: ", 0), 0u) << msg;
  for (const Shape& s : shapes) {
    EXPECT_NE(msg.find(s.DebugString()), std::string::npos)
        << s.DebugString() << " missing in: " << msg;
  }
  EXPECT_NE(msg.find(what), std::string::npos)
      << "want '" << what << "' in: " << msg;
}

TEST(Conv2DTest, ShapeErrors) {
  const Conv2DAttrs valid = MakeAttrs(Padding::kValid);
  const Shape x({2, 4, 8, 8});
  const Shape w({6, 4, 3, 3});
  ExpectShapeError({Shape({64, 28, 28}), Shape({6, 1, 5, 5})}, valid,
                   "input x [64,28,28] must be rank 4 (NCHW)");
  ExpectShapeError({x, Shape({6, 4, 3})}, valid,
                   "weight w [6,4,3] must be rank 4");
  ExpectShapeError({x, Shape({6, 4, 0, 3})}, valid, "dimension >= 1");
  Conv2DAttrs a = valid;
  a.stride_h = 0;
  ExpectShapeError({x, w}, a, "stride (h, w) = (0, 1) must be >= 1");
  a = valid;
  a.stride_w = -2;
  ExpectShapeError({x, w}, a, "stride (h, w) = (1, -2) must be >= 1");
  a = valid;
  a.dilation_w = 0;
  ExpectShapeError({x, w}, a, "dilation (h, w) = (1, 0) must be >= 1");
  a = valid;
  a.groups = 0;
  ExpectShapeError({x, w}, a, "groups = 0 must be >= 1");
  a = valid;
  a.groups = 3;  // 4 input channels.
  ExpectShapeError({x, Shape({6, 1, 3, 3})}, a,
                   "groups = 3 must divide C_in = 4 and C_out = 6");
  a.groups = 2;  // 5 output channels.
  ExpectShapeError({x, Shape({5, 2, 3, 3})}, a,
                   "groups = 2 must divide C_in = 4 and C_out = 5");
  ExpectShapeError({x, Shape({6, 4, 3, 3})}, a,
                   "has 4 input channels per group, expected C_in/groups = "
                   "4/2 = 2");
  ExpectShapeError({x, Shape({6, 3, 3, 3})}, valid,
                   "has 3 input channels per group");
  ExpectShapeError({x, w, Shape({5})}, valid, "bias [5] must be [C_out] = [6]");
  ExpectShapeError({x, w, Shape({6, 1})}, valid,
                   "bias [6,1] must be [C_out] = [6]");
  ExpectShapeError({x, w}, Explicit(1, -1, 0, 0),
                   "explicit padding (top, bottom, left, right) = (1, -1, 0, "
                   "0) must be >= 0");
  // Kernel larger than the (unpadded) input.
  ExpectShapeError({Shape({1, 1, 5, 5}), Shape({1, 1, 6, 3})}, valid,
                   "6x3 is larger than the padded input 5x5");
  // Dilation makes the 3x3 kernel 7x7.
  a = MakeAttrs(Padding::kValid, 1, 1, 3, 3);
  ExpectShapeError({Shape({1, 1, 5, 5}), Shape({1, 1, 3, 3})}, a,
                   "7x7 is larger than the padded input 5x5");
  // Explicit padding of 1 on one side is not enough; on both sides it is.
  ExpectShapeError({Shape({1, 1, 5, 5}), Shape({1, 1, 3, 3})},
                   Explicit(1, 0, 1, 1, a),
                   "7x7 is larger than the padded input 6x7");
  ThreadPool pool(1);
  EXPECT_TRUE(EagerOp::Create(OpKind::kConv2D, Explicit(1, 1, 1, 1, a),
                              {Shape({1, 1, 5, 5}), Shape({1, 1, 3, 3})}, &pool)
                  .ok());
  a = valid;
  a.stride_h = kConv2DMaxAttr + 1;
  ExpectShapeError({x, w}, a, "must be at most");
}

}  // namespace
}  // namespace dagrad
