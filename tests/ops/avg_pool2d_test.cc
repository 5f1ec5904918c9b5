#include "ops/avg_pool2d.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

// ---------------------------------------------------------------------------
// Literal references, written from the definitions in ops/avg_pool2d.h and
// the math above AvgPool2DVjp, independently of the kernels.

// Padded: one zero-padded [N*C, hp, wp] copy of x and the output size.
struct Padded {
  int64_t top = 0, left = 0, hp = 0, wp = 0, oh = 0, ow = 0;
  std::vector<double> planes;
};

// PadZeros(): TensorFlow's SAME is OH = ceil(H/s) with the total
// max((OH-1)*s + K - H, 0) split top = total/2, bottom = the rest.
Padded PadZeros(const Tensor& x, const AvgPool2DAttrs& a) {
  const int64_t h = x.shape().dim(2), w = x.shape().dim(3);
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  if (a.padding == PoolPadding::kSame) {
    const int64_t th = std::max<int64_t>(
        ((h + a.stride_h - 1) / a.stride_h - 1) * a.stride_h + a.window_h - h,
        0);
    const int64_t tw = std::max<int64_t>(
        ((w + a.stride_w - 1) / a.stride_w - 1) * a.stride_w + a.window_w - w,
        0);
    top = th / 2;
    bottom = th - top;
    left = tw / 2;
    right = tw - left;
  } else if (a.padding == PoolPadding::kExplicit) {
    top = a.pad_top;
    bottom = a.pad_bottom;
    left = a.pad_left;
    right = a.pad_right;
  }
  Padded p;
  p.top = top;
  p.left = left;
  p.hp = h + top + bottom;
  p.wp = w + left + right;
  p.oh = (p.hp - a.window_h) / a.stride_h + 1;
  p.ow = (p.wp - a.window_w) / a.stride_w + 1;
  const int64_t planes = x.shape().dim(0) * x.shape().dim(1);
  p.planes.assign(planes * p.hp * p.wp, 0.0);
  for (int64_t q = 0; q < planes; ++q) {
    for (int64_t r = 0; r < h; ++r) {
      for (int64_t c = 0; c < w; ++c) {
        p.planes[(q * p.hp + r + top) * p.wp + c + left] =
            x[(q * h + r) * w + c];
      }
    }
  }
  return p;
}

// NaiveAvgPool(): the mean of every full window of the zero-padded x.
Tensor NaiveAvgPool(const Tensor& x, const AvgPool2DAttrs& a) {
  const Padded p = PadZeros(x, a);
  const int64_t planes = x.shape().dim(0) * x.shape().dim(1);
  Tensor y =
      Tensor::Zeros(Shape({x.shape().dim(0), x.shape().dim(1), p.oh, p.ow}));
  for (int64_t q = 0; q < planes; ++q) {
    for (int64_t i = 0; i < p.oh; ++i) {
      for (int64_t j = 0; j < p.ow; ++j) {
        double sum = 0;
        for (int64_t u = 0; u < a.window_h; ++u) {
          for (int64_t v = 0; v < a.window_w; ++v) {
            sum += p.planes[(q * p.hp + i * a.stride_h + u) * p.wp +
                            j * a.stride_w + v];
          }
        }
        y[(q * p.oh + i) * p.ow + j] =
            static_cast<float>(sum / (a.window_h * a.window_w));
      }
    }
  }
  return y;
}

// LiteralDx(): per plane, upsample dY by the stride onto the padded grid,
// pad it by KH-1 / KW-1 zeros above / left, correlate with the flipped
// uniform kernel, and drop the input padding.
Tensor LiteralDx(const Tensor& dy, const Shape& x_shape,
                 const AvgPool2DAttrs& a) {
  const Padded p = PadZeros(Tensor::Zeros(x_shape), a);
  const int64_t kh = a.window_h, kw = a.window_w;
  const int64_t planes = x_shape.dim(0) * x_shape.dim(1);
  const int64_t h = x_shape.dim(2), w = x_shape.dim(3);
  // dyu [hp + kh - 1, wp + kw - 1]: dY[i, j] at (kh-1 + i*sh, kw-1 + j*sw).
  const int64_t uh = p.hp + kh - 1, uw = p.wp + kw - 1;
  // The flipped kernel kf[u][v] = k[kh-1-u][kw-1-v]; k is uniform, but
  // build it literally.
  std::vector<double> k(kh * kw, 1.0 / (kh * kw)), kf(kh * kw);
  for (int64_t u = 0; u < kh; ++u) {
    for (int64_t v = 0; v < kw; ++v) {
      kf[u * kw + v] = k[(kh - 1 - u) * kw + (kw - 1 - v)];
    }
  }
  Tensor dx = Tensor::Zeros(x_shape);
  for (int64_t q = 0; q < planes; ++q) {
    std::vector<double> dyu(uh * uw, 0.0);
    for (int64_t i = 0; i < p.oh; ++i) {
      for (int64_t j = 0; j < p.ow; ++j) {
        dyu[(kh - 1 + i * a.stride_h) * uw + kw - 1 + j * a.stride_w] =
            dy[(q * p.oh + i) * p.ow + j];
      }
    }
    for (int64_t r = 0; r < h; ++r) {
      for (int64_t c = 0; c < w; ++c) {
        const int64_t pa = r + p.top, pb = c + p.left;
        double acc = 0;
        for (int64_t u = 0; u < kh; ++u) {
          for (int64_t v = 0; v < kw; ++v) {
            acc += dyu[(pa + u) * uw + pb + v] * kf[u * kw + v];
          }
        }
        dx[(q * h + r) * w + c] = static_cast<float>(acc);
      }
    }
  }
  return dx;
}

// ---------------------------------------------------------------------------

AvgPool2DAttrs Pool(int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                    PoolPadding padding = PoolPadding::kValid) {
  AvgPool2DAttrs a;
  a.window_h = kh;
  a.window_w = kw;
  a.stride_h = sh;
  a.stride_w = sw;
  a.padding = padding;
  return a;
}

AvgPool2DAttrs WithPads(AvgPool2DAttrs a, int64_t top, int64_t bottom,
                        int64_t left, int64_t right) {
  a.padding = PoolPadding::kExplicit;
  a.pad_top = top;
  a.pad_bottom = bottom;
  a.pad_left = left;
  a.pad_right = right;
  return a;
}

struct AvgCase {
  std::string name;
  Shape x;
  AvgPool2DAttrs attrs;
};

// Valid / same / explicit asymmetric padding; non-overlapping 2x2 s2 (the
// fast path: even, odd and wider-than-16-outputs rows) and overlapping
// 3x3 s2 / 3x3 s1 windows (the general loops); non-square windows and
// images, a stride larger than the window (cells no window covers), a
// window larger than the image, batch > 1, C > 1.
std::vector<AvgCase> Cases() {
  const PoolPadding same = PoolPadding::kSame;
  return {
      {"2x2_s2_valid", Shape({2, 3, 6, 8}), Pool(2, 2, 2, 2)},
      {"2x2_s2_valid_odd", Shape({3, 2, 9, 7}), Pool(2, 2, 2, 2)},
      {"2x2_s2_valid_wide", Shape({1, 2, 4, 41}), Pool(2, 2, 2, 2)},
      {"2x2_s2_same_even", Shape({2, 2, 8, 6}), Pool(2, 2, 2, 2, same)},
      {"2x2_s2_same_odd", Shape({2, 2, 5, 7}), Pool(2, 2, 2, 2, same)},
      {"2x2_s2_explicit", Shape({1, 2, 5, 6}),
       WithPads(Pool(2, 2, 2, 2), 0, 1, 1, 1)},
      {"3x3_s2_valid", Shape({2, 3, 9, 10}), Pool(3, 3, 2, 2)},
      {"3x3_s2_same", Shape({2, 2, 8, 7}), Pool(3, 3, 2, 2, same)},
      {"3x3_s1_valid", Shape({2, 2, 7, 6}), Pool(3, 3, 1, 1)},
      {"3x3_s1_same", Shape({1, 3, 6, 5}), Pool(3, 3, 1, 1, same)},
      {"2x3_explicit_asymmetric", Shape({2, 2, 5, 7}),
       WithPads(Pool(2, 3, 1, 2), 1, 0, 2, 1)},
      {"3x2_s2x1_nonsquare", Shape({2, 3, 9, 5}), Pool(3, 2, 2, 1)},
      {"stride_beyond_window", Shape({1, 2, 7, 8}), Pool(2, 2, 3, 3)},
      {"window_beyond_image_same", Shape({2, 1, 3, 2}), Pool(5, 4, 1, 1, same)},
  };
}

Shape OutputShape(const AvgCase& c) {
  const Shape in[] = {c.x};
  auto out = AvgPool2DShape(in, c.attrs);
  EXPECT_TRUE(out.ok()) << c.name << ": " << out.status();
  return out.ok() ? *out : Shape();
}

// Forward (returned) and VJP of dy into *dx, which is poisoned with NaN
// first, on a pool of `threads`.
Tensor ForwardAndVjp(const AvgCase& c, Tensor* x, const Tensor& dy, int threads,
                     Tensor* dx) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(OpKind::kAvgPool2D, c.attrs, {c.x}, &pool);
  EXPECT_TRUE(op.ok()) << c.name << ": " << op.status();
  if (!op.ok()) return Tensor();
  EXPECT_TRUE((*op)->Forward({x}).ok()) << c.name;
  *dx = Tensor::Zeros(c.x);
  dx->Fill(std::nanf(""));
  EXPECT_TRUE((*op)->Vjp(0, dy, dx).ok()) << c.name;
  return (*op)->output().Clone();
}

void ExpectNear(const Tensor& got, const Tensor& want, double tol,
                const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::fabs(want[i])))
        << what << " element " << i;
  }
}

TEST(AvgPool2DTest, KnownValues) {
  // One 4x4 plane, 2x2 stride 2 (the fast path).
  Tensor x = Tensor::FromValues(Shape({1, 1, 4, 4}), {1, 2, 3, 4,   //
                                                      5, 6, 7, 8,   //
                                                      0, 0, -4, 4,  //
                                                      2, 2, 8, 0});
  Tensor dy = Tensor::FromValues(Shape({1, 1, 2, 2}), {4, 8, -4, 2});
  AvgCase c{"known", x.shape(), Pool(2, 2, 2, 2)};
  Tensor dx;
  const Tensor y = ForwardAndVjp(c, &x, dy, 1, &dx);
  const float want_y[] = {3.5f, 5.5f, 1.0f, 2.0f};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(y[i], want_y[i]) << i;
  const float want_dx[] = {1,  1,  2,    2,    1,  1,  2,    2,
                           -1, -1, 0.5f, 0.5f, -1, -1, 0.5f, 0.5f};
  for (int i = 0; i < 16; ++i) EXPECT_EQ(dx[i], want_dx[i]) << i;
}

TEST(AvgPool2DTest, PaddedCellsCountAsZeros) {
  // count_include_pad: all ones, SAME 3x3 stride 1 on 3x3 -> the corners
  // average 4 real cells over 9, the edges 6, the centre 9.
  Tensor x = Tensor::Zeros(Shape({1, 1, 3, 3}));
  x.Fill(1.0f);
  auto y = RunForward(OpKind::kAvgPool2D, Pool(3, 3, 1, 1, PoolPadding::kSame),
                      {&x});
  ASSERT_TRUE(y.ok()) << y.status();
  const float want[] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
  for (int i = 0; i < 9; ++i) EXPECT_FLOAT_EQ((*y)[i], want[i] / 9.0f) << i;
  // Explicit 2x2 stride 2, pad 1 on every side of 2x2: each output holds
  // one real cell of four.
  Tensor x2 = Tensor::FromValues(Shape({1, 1, 2, 2}), {4, 8, 12, 16});
  auto y2 = RunForward(OpKind::kAvgPool2D,
                       WithPads(Pool(2, 2, 2, 2), 1, 1, 1, 1), {&x2});
  ASSERT_TRUE(y2.ok()) << y2.status();
  ASSERT_EQ(y2->shape(), Shape({1, 1, 2, 2}));
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*y2)[i], x2[i] / 4) << i;
}

TEST(AvgPool2DTest, ForwardMatchesNaiveReference) {
  for (const AvgCase& c : Cases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/1);
    auto y = RunForward(OpKind::kAvgPool2D, c.attrs, {&x});
    ASSERT_TRUE(y.ok()) << c.name << ": " << y.status();
    ExpectNear(*y, NaiveAvgPool(x, c.attrs), 1e-6, c.name);
  }
}

TEST(AvgPool2DTest, VjpMatchesLiteralCorrelation) {
  for (const AvgCase& c : Cases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/2);
    Tensor dy = RandomTensor(OutputShape(c), /*seed=*/3);
    Tensor dx;
    ForwardAndVjp(c, &x, dy, 1, &dx);
    ExpectNear(dx, LiteralDx(dy, c.x, c.attrs), 1e-6, c.name);
  }
}

TEST(AvgPool2DTest, GradientMatchesNumeric) {
  for (const AvgCase& c : Cases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/4);
    GradientCheckOptions options;
    // AvgPool2D is linear (no kinks): the central difference is exact up to
    // the float rounding of y, ~1e-7 per output over 2*epsilon.
    options.epsilon = 1e-2;
    options.rtol = 1e-3;
    options.atol = 1e-4;
    auto result = CheckGradients(OpKind::kAvgPool2D, c.attrs, {&x}, options);
    ASSERT_TRUE(result.ok()) << c.name << ": " << result.status();
    EXPECT_EQ(result->points_near_kink, 0) << c.name;
    EXPECT_EQ(result->points_checked, c.x.num_elements()) << c.name;
  }
}

TEST(AvgPool2DTest, CellsNoWindowCoversGetZeroGradient) {
  // 2x2 windows at stride 3 on 7x8 (2x3 outputs): rows 2, 5, 6 and
  // columns 2, 5 lie between or after the windows.
  const AvgCase c{"gaps", Shape({1, 1, 7, 8}), Pool(2, 2, 3, 3)};
  Tensor x = RandomTensor(c.x, 5);
  Tensor dy = RandomTensor(OutputShape(c), 6);
  Tensor dx;
  ForwardAndVjp(c, &x, dy, 1, &dx);
  for (int64_t h = 0; h < 7; ++h) {
    for (int64_t w = 0; w < 8; ++w) {
      const bool gap = h % 3 == 2 || h == 6 || w % 3 == 2;
      const float g = dx[h * 8 + w];
      if (gap) {
        EXPECT_EQ(g, 0.0f) << h << "," << w;
      } else {
        EXPECT_EQ(g, dy[(h / 3) * 3 + w / 3] * 0.25f) << h << "," << w;
      }
    }
  }
}

TEST(AvgPool2DTest, OneAndTwoThreadsAreBitwiseEqual) {
  const std::vector<AvgCase> cases = {
      {"lenet", Shape({64, 6, 28, 28}), Pool(2, 2, 2, 2)},
      {"lenet2_odd_batch", Shape({33, 16, 10, 10}), Pool(2, 2, 2, 2)},
      {"3x3_s2_same", Shape({19, 5, 13, 11}),
       Pool(3, 3, 2, 2, PoolPadding::kSame)},
      {"3x3_s1", Shape({7, 8, 12, 12}), Pool(3, 3, 1, 1)},
  };
  for (const AvgCase& c : cases) {
    Tensor x = RandomTensor(c.x, /*seed=*/7);
    Tensor dy = RandomTensor(OutputShape(c), /*seed=*/8);
    Tensor dx1, dx2;
    const Tensor y1 = ForwardAndVjp(c, &x, dy, 1, &dx1);
    const Tensor y2 = ForwardAndVjp(c, &x, dy, 2, &dx2);
    ASSERT_EQ(y1.shape(), y2.shape());
    for (int64_t i = 0; i < y1.size(); ++i) {
      ASSERT_EQ(y1[i], y2[i]) << c.name << " y " << i;
    }
    for (int64_t i = 0; i < dx1.size(); ++i) {
      ASSERT_EQ(dx1[i], dx2[i]) << c.name << " dx " << i;
    }
  }
}

TEST(AvgPool2DTest, VjpOverwritesPoisonedGradient) {
  for (const AvgCase& c : Cases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/9);
    Tensor dy = RandomTensor(OutputShape(c), /*seed=*/10);
    Tensor dx;
    ForwardAndVjp(c, &x, dy, 2, &dx);
    for (int64_t i = 0; i < dx.size(); ++i) {
      ASSERT_FALSE(std::isnan(dx[i])) << c.name << " element " << i;
    }
  }
}

TEST(AvgPool2DTest, UnknownBatchPropagates) {
  const Shape in[] = {Shape({Shape::kUnknownDim, 16, 10, 10})};
  auto out = AvgPool2DShape(in, AvgPool2DAttrs{});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Shape({Shape::kUnknownDim, 16, 5, 5}));
  const Shape odd[] = {Shape({Shape::kUnknownDim, 3, 7, 9})};
  out = AvgPool2DShape(odd, Pool(3, 3, 2, 2, PoolPadding::kSame));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Shape({Shape::kUnknownDim, 3, 4, 5}));
}

TEST(AvgPool2DTest, RegisteredWithoutAuxOrForwardTensors) {
  const OpDef* def = FindOp(OpKind::kAvgPool2D);
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->vjp_uses, kVjpUsesNothing);
  EXPECT_EQ(def->aux_floats, nullptr);
  EXPECT_EQ(def->scratch_floats, nullptr);
}

// ExpectRejected(): EagerOp::Create fails with InvalidArgument, the message
// starting "AvgPool2D: " and naming the input shape and `what`.
void ExpectRejected(const Shape& x, const AvgPool2DAttrs& attrs,
                    const std::string& what) {
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kAvgPool2D, attrs, {x}, &pool);
  ASSERT_FALSE(op.ok()) << what;
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument) << what;
  const std::string msg(op.status().message());
  EXPECT_EQ(msg.rfind("AvgPool2D: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(x.DebugString()), std::string::npos) << msg;
  EXPECT_NE(msg.find(what), std::string::npos)
      << "want '" << what << "' in: " << msg;
}

TEST(AvgPool2DTest, ShapeErrors) {
  const Shape x({2, 3, 5, 5});
  struct Rejection {
    Shape x;
    AvgPool2DAttrs attrs;
    std::string what;
  };
  AvgPool2DAttrs unknown_padding;
  unknown_padding.padding = static_cast<PoolPadding>(3);
  const Rejection rejections[] = {
      {Shape({3, 5, 5}), Pool(2, 2, 2, 2),
       "input x [3,5,5] must be rank 4 (NCHW)"},
      {Shape({2, 3, 0, 5}), Pool(2, 2, 2, 2), "must have C, H, W >= 1"},
      {x, Pool(2, 0, 2, 2), "window (h, w) = (2, 0) must be >= 1"},
      {x, Pool(-3, 2, 1, 1), "window (h, w) = (-3, 2) must be >= 1"},
      {x, Pool(2, 2, -1, 1), "stride (h, w) = (-1, 1) must be >= 1"},
      {x, WithPads(Pool(3, 3, 1, 1), -1, 0, 0, 0),
       "explicit padding (top, bottom, left, right) = (-1, 0, 0, 0) must be "
       ">= 0"},
      {x, Pool(3, 6, 1, 1),
       "window (h, w) = (3, 6) is larger than the padded "
       "input 5x5"},
      {x, WithPads(Pool(2, 8, 1, 1), 0, 0, 1, 1),
       "is larger than the padded input 5x7"},
      {x, WithPads(Pool(2, 2, 2, 2), 0, 0, 2, 0),
       "explicit padding (top, bottom, left, right) = (0, 0, 2, 0) must be "
       "smaller than the window (h, w) = (2, 2)"},
      {x, WithPads(Pool(3, 3, 2, 2), 0, 3, 0, 0),
       "must be smaller than the window (h, w) = (3, 3)"},
      {x, Pool(2, 2, 1, kPool2DMaxAttr + 1),
       "must be at most 1073741824, got 1073741825"},
      {x, WithPads(Pool(2, 2, 2, 2), int64_t{1} << 35, 0, 0, 0),
       "must be at most 1073741824, got 34359738368"},
      {Shape({1, 1, 5, (int64_t{1} << 30) + 1}), Pool(2, 2, 2, 2),
       "must be at most 1073741824, got 1073741825"},
      {x, unknown_padding, "unknown padding 3"},
  };
  for (const Rejection& r : rejections) ExpectRejected(r.x, r.attrs, r.what);
}

}  // namespace
}  // namespace dagrad
