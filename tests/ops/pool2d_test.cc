// The pool family's shared checks, run for MaxPool2D and AvgPool2D alike
// over both ops' attribute sweeps (ggml test-backend-ops style): the
// forward and the VJP against literal references written from the
// definitions in ops/max_pool2d.h and ops/avg_pool2d.h (independently of
// the kernels), bitwise equality at 1 and 2 threads, overwritten gradients,
// the shape function (SAME, unknown and empty batches, rejections) and the
// 2x2 fast path pinned per case. Each op's own checks (gradients, known
// values, ties and NaN for max, padded zeros for average) are in
// max_pool2d_test.cc and avg_pool2d_test.cc.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/avg_pool2d.h"
#include "ops/cpu/pool2x2.h"
#include "ops/eager.h"
#include "ops/max_pool2d.h"
#include "tests/ops/pool2d_testing.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

// ---------------------------------------------------------------------------
// Literal references.

// Plane(): plane p of x padded per ReferencePads() to [hp, wp], with each
// padded cell's index into the unpadded plane (-1 in the padding).
struct PaddedPlane {
  int64_t hp = 0, wp = 0;
  std::vector<double> value;  // 0 in the padding.
  std::vector<int64_t> index;
};

PaddedPlane Plane(const Tensor& x, const RefPads& r, int64_t p) {
  const int64_t h = x.shape().dim(2), w = x.shape().dim(3);
  PaddedPlane out;
  out.hp = h + r.top + r.bottom;
  out.wp = w + r.left + r.right;
  out.value.assign(out.hp * out.wp, 0.0);
  out.index.assign(out.hp * out.wp, -1);
  for (int64_t a = 0; a < h; ++a) {
    for (int64_t b = 0; b < w; ++b) {
      const int64_t cell = (a + r.top) * out.wp + b + r.left;
      out.value[cell] = x[(p * h + a) * w + b];
      out.index[cell] = a * w + b;
    }
  }
  return out;
}

// MaxReference(): y and the flat index of each output's first maximum,
// scanning every full window in row-major order over the real cells
// (padding is -inf: it never wins).
struct MaxReference {
  Tensor y;
  std::vector<int64_t> argmax;
};

MaxReference NaiveMaxPool(const Tensor& x, const PoolWindow& a) {
  const RefPads r = ReferencePads(x.shape(), a);
  const int64_t planes = x.shape().dim(0) * x.shape().dim(1);
  MaxReference out;
  out.y = Tensor::Zeros(RefOutputShape(x.shape(), a));
  for (int64_t p = 0; p < planes; ++p) {
    const PaddedPlane pl = Plane(x, r, p);
    for (int64_t i = 0; i < r.oh; ++i) {
      for (int64_t j = 0; j < r.ow; ++j) {
        double best = -std::numeric_limits<double>::infinity();
        int64_t best_at = -1;
        for (int64_t u = 0; u < a.window_h; ++u) {
          for (int64_t v = 0; v < a.window_w; ++v) {
            const int64_t cell =
                (i * a.stride_h + u) * pl.wp + j * a.stride_w + v;
            if (pl.index[cell] >= 0 && (best_at < 0 || pl.value[cell] > best)) {
              best = pl.value[cell];
              best_at = pl.index[cell];
            }
          }
        }
        out.y[(p * r.oh + i) * r.ow + j] = static_cast<float>(best);
        out.argmax.push_back(best_at);
      }
    }
  }
  return out;
}

// NaiveAvgPool(): the mean of every full window of the zero-padded x.
Tensor NaiveAvgPool(const Tensor& x, const PoolWindow& a) {
  const RefPads r = ReferencePads(x.shape(), a);
  const int64_t planes = x.shape().dim(0) * x.shape().dim(1);
  Tensor y = Tensor::Zeros(RefOutputShape(x.shape(), a));
  for (int64_t p = 0; p < planes; ++p) {
    const PaddedPlane pl = Plane(x, r, p);
    for (int64_t i = 0; i < r.oh; ++i) {
      for (int64_t j = 0; j < r.ow; ++j) {
        double sum = 0;
        for (int64_t u = 0; u < a.window_h; ++u) {
          for (int64_t v = 0; v < a.window_w; ++v) {
            sum += pl.value[(i * a.stride_h + u) * pl.wp + j * a.stride_w + v];
          }
        }
        y[(p * r.oh + i) * r.ow + j] =
            static_cast<float>(sum / (a.window_h * a.window_w));
      }
    }
  }
  return y;
}

// MaxLiteralDx(): dx[argmax] += dy, in double.
Tensor MaxLiteralDx(const Tensor& x, const Tensor& dy, const PoolWindow& a) {
  const MaxReference ref = NaiveMaxPool(x, a);
  const Shape& s = x.shape();
  const int64_t plane = s.dim(2) * s.dim(3);
  const int64_t out_plane = dy.size() / (s.dim(0) * s.dim(1));
  std::vector<double> acc(s.num_elements(), 0.0);
  for (int64_t o = 0; o < dy.size(); ++o) {
    acc[(o / out_plane) * plane + ref.argmax[o]] += dy[o];
  }
  Tensor dx = Tensor::Zeros(s);
  for (int64_t i = 0; i < dx.size(); ++i) dx[i] = static_cast<float>(acc[i]);
  return dx;
}

// AvgLiteralDx(): per plane, upsample dY by the stride onto the padded
// grid, pad it by KH-1 / KW-1 zeros above / left, correlate with the
// flipped uniform kernel, and drop the input padding (the math above
// AvgPool2DVjp()).
Tensor AvgLiteralDx(const Tensor& x, const Tensor& dy, const PoolWindow& a) {
  const Shape& s = x.shape();
  const RefPads r = ReferencePads(s, a);
  const int64_t kh = a.window_h, kw = a.window_w;
  const int64_t planes = s.dim(0) * s.dim(1);
  const int64_t h = s.dim(2), w = s.dim(3);
  const int64_t hp = h + r.top + r.bottom, wp = w + r.left + r.right;
  // dyu [hp + kh - 1, wp + kw - 1]: dY[i, j] at (kh-1 + i*sh, kw-1 + j*sw).
  const int64_t uh = hp + kh - 1, uw = wp + kw - 1;
  // The flipped kernel kf[u][v] = k[kh-1-u][kw-1-v]; k is uniform, but
  // build it literally.
  std::vector<double> k(kh * kw, 1.0 / (kh * kw)), kf(kh * kw);
  for (int64_t u = 0; u < kh; ++u) {
    for (int64_t v = 0; v < kw; ++v) {
      kf[u * kw + v] = k[(kh - 1 - u) * kw + (kw - 1 - v)];
    }
  }
  Tensor dx = Tensor::Zeros(s);
  for (int64_t q = 0; q < planes; ++q) {
    std::vector<double> dyu(uh * uw, 0.0);
    for (int64_t i = 0; i < r.oh; ++i) {
      for (int64_t j = 0; j < r.ow; ++j) {
        dyu[(kh - 1 + i * a.stride_h) * uw + kw - 1 + j * a.stride_w] =
            dy[(q * r.oh + i) * r.ow + j];
      }
    }
    for (int64_t row = 0; row < h; ++row) {
      for (int64_t col = 0; col < w; ++col) {
        const int64_t pa = row + r.top, pb = col + r.left;
        double acc = 0;
        for (int64_t u = 0; u < kh; ++u) {
          for (int64_t v = 0; v < kw; ++v) {
            acc += dyu[(pa + u) * uw + pb + v] * kf[u * kw + v];
          }
        }
        dx[(q * h + row) * w + col] = static_cast<float>(acc);
      }
    }
  }
  return dx;
}

// ---------------------------------------------------------------------------
// The family: one traits struct per op.

template <typename Attrs>
struct PoolOp;

template <>
struct PoolOp<MaxPool2DAttrs> {
  static constexpr OpKind kKind = OpKind::kMaxPool2D;
  static constexpr const char* kName = "MaxPool2D";
  // The maximum is one of the inputs: the forward is exact.
  static constexpr double kForwardTol = 0.0;
  static Tensor Forward(const Tensor& x, const PoolWindow& a) {
    return NaiveMaxPool(x, a).y;
  }
  static Tensor LiteralDx(const Tensor& x, const Tensor& dy,
                          const PoolWindow& a) {
    return MaxLiteralDx(x, dy, a);
  }
  static absl::StatusOr<Shape> ShapeFn(absl::Span<const Shape> in,
                                       const PoolWindow& a) {
    return MaxPool2DShape(in, As<MaxPool2DAttrs>(a));
  }
};

template <>
struct PoolOp<AvgPool2DAttrs> {
  static constexpr OpKind kKind = OpKind::kAvgPool2D;
  static constexpr const char* kName = "AvgPool2D";
  static constexpr double kForwardTol = 1e-6;
  static Tensor Forward(const Tensor& x, const PoolWindow& a) {
    return NaiveAvgPool(x, a);
  }
  static Tensor LiteralDx(const Tensor& x, const Tensor& dy,
                          const PoolWindow& a) {
    return AvgLiteralDx(x, dy, a);
  }
  static absl::StatusOr<Shape> ShapeFn(absl::Span<const Shape> in,
                                       const PoolWindow& a) {
    return AvgPool2DShape(in, As<AvgPool2DAttrs>(a));
  }
};

// AllCases(): both ops' sweeps; the family runs every check on each.
std::vector<PoolCase> AllCases() {
  std::vector<PoolCase> cases = MaxPoolCases();
  for (PoolCase& c : AvgPoolCases()) cases.push_back(c);
  return cases;
}

template <typename Attrs>
class PoolFamilyTest : public testing::Test {
 protected:
  using Op = PoolOp<Attrs>;
  static PoolRun Run(const PoolCase& c, const Tensor& x, const Tensor* dy,
                     int threads) {
    return RunPool(As<Attrs>(c.window), x, dy, threads);
  }
};

using PoolOps = testing::Types<MaxPool2DAttrs, AvgPool2DAttrs>;
TYPED_TEST_SUITE(PoolFamilyTest, PoolOps);

TEST(PoolSweepsTest, CasesPinTheTwoByTwoFastPath) {
  // Each sweep has cases on both kernel paths, and each case runs the path
  // it pins (on AVX-512 and AVX2 builds; elsewhere always the general
  // loops).
  for (const std::vector<PoolCase>& sweep : {MaxPoolCases(), AvgPoolCases()}) {
    int fast = 0;
    for (const PoolCase& c : sweep) {
      fast += c.fast_2x2;
#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
      const bool want = c.fast_2x2;
#else
      const bool want = false;
#endif
      EXPECT_EQ(UsePool2x2(PoolGeometryOf(c.x, c.window)), want) << c.name;
    }
    EXPECT_GT(fast, 0);
    EXPECT_LT(fast, static_cast<int>(sweep.size()));
  }
}

TYPED_TEST(PoolFamilyTest, ForwardMatchesNaiveReference) {
  using Op = typename TestFixture::Op;
  for (const PoolCase& c : AllCases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/1);
    const PoolRun run = this->Run(c, x, nullptr, 1);
    ExpectNearTensors(run.y, Op::Forward(x, c.window), Op::kForwardTol, c.name);
  }
}

TYPED_TEST(PoolFamilyTest, VjpMatchesLiteralDefinition) {
  using Op = typename TestFixture::Op;
  for (const PoolCase& c : AllCases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/2);
    Tensor dy = RandomTensor(RefOutputShape(c.x, c.window), /*seed=*/3);
    const PoolRun run = this->Run(c, x, &dy, 1);
    // Overlapping windows sum several dy in float.
    ExpectNearTensors(run.dx, Op::LiteralDx(x, dy, c.window), 1e-6, c.name);
  }
}

TYPED_TEST(PoolFamilyTest, OneAndTwoThreadsAreBitwiseEqual) {
  const std::vector<PoolCase> cases = {
      {"lenet", Shape({64, 6, 28, 28}), Window(2, 2, 2, 2), true},
      {"lenet2_odd_batch", Shape({33, 16, 10, 10}), Window(2, 2, 2, 2), true},
      {"3x3_s2_same", Shape({19, 5, 13, 11}),
       Window(3, 3, 2, 2, Padding::kSame)},
      {"3x3_s1", Shape({7, 8, 12, 12}), Window(3, 3, 1, 1)},
  };
  for (const PoolCase& c : cases) {
    Tensor x = RandomTensor(c.x, /*seed=*/7);
    Tensor dy = RandomTensor(RefOutputShape(c.x, c.window), /*seed=*/8);
    const PoolRun one = this->Run(c, x, &dy, 1);
    const PoolRun two = this->Run(c, x, &dy, 2);
    ExpectEqualTensors(one.y, two.y, c.name + " y");
    ExpectEqualTensors(one.dx, two.dx, c.name + " dx");
  }
}

TYPED_TEST(PoolFamilyTest, VjpOverwritesPoisonedGradient) {
  // RunPool() poisons dx with NaN; every cell, covered by a window or not,
  // must be overwritten.
  for (const PoolCase& c : AllCases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/9);
    Tensor dy = RandomTensor(RefOutputShape(c.x, c.window), /*seed=*/10);
    const PoolRun run = this->Run(c, x, &dy, 2);
    for (int64_t i = 0; i < run.dx.size(); ++i) {
      ASSERT_FALSE(std::isnan(run.dx[i])) << c.name << " element " << i;
    }
  }
}

TYPED_TEST(PoolFamilyTest, EmptyBatchRuns) {
  // N = 0: no planes (and no aux); forward and VJP are no-ops that succeed.
  using Op = typename TestFixture::Op;
  const Shape x_shape({0, 2, 4, 4});
  Tensor x = Tensor::Zeros(x_shape);
  ThreadPool pool(2);
  auto op = EagerOp::Create(Op::kKind, TypeParam{}, {x_shape}, &pool);
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ((*op)->output_shape(), Shape({0, 2, 2, 2}));
  ASSERT_TRUE((*op)->Forward({&x}).ok());
  Tensor dy = Tensor::Zeros((*op)->output_shape());
  Tensor dx = Tensor::Zeros(x_shape);
  EXPECT_TRUE((*op)->Vjp(0, dy, &dx).ok());
}

TYPED_TEST(PoolFamilyTest, SamePaddingFollowsTensorFlow) {
  using Op = typename TestFixture::Op;
  struct SameCase {
    int64_t h, k, stride, oh, top, bottom;
  };
  // Hand-computed: OH = ceil(H/s), total = max((OH-1)*s + K - H, 0),
  // top = total/2.
  const SameCase cases[] = {
      {28, 2, 2, 14, 0, 0}, {7, 2, 2, 4, 0, 1}, {8, 3, 2, 4, 0, 1},
      {7, 3, 2, 4, 1, 1},   {5, 3, 1, 5, 1, 1}, {6, 4, 1, 6, 1, 2},
      {2, 5, 1, 2, 2, 2},   {5, 1, 2, 3, 0, 0},
  };
  for (const SameCase& s : cases) {
    const PoolWindow a = Window(s.k, s.k, s.stride, s.stride, Padding::kSame);
    const Shape in[] = {Shape({2, 3, s.h, s.h})};
    auto out = Op::ShapeFn(in, a);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, Shape({2, 3, s.oh, s.oh})) << "H=" << s.h << " K=" << s.k;
    const PoolGeometry geo = PoolGeometryOf(in[0], a);
    EXPECT_EQ(geo.pad_top, s.top) << "H=" << s.h << " K=" << s.k;
    EXPECT_EQ(geo.pad_bottom, s.bottom) << "H=" << s.h << " K=" << s.k;
    EXPECT_EQ(geo.pad_left, s.top);
    EXPECT_EQ(geo.pad_right, s.bottom);
    EXPECT_EQ(geo.planes, 6);
  }
}

TYPED_TEST(PoolFamilyTest, UnknownBatchPropagates) {
  using Op = typename TestFixture::Op;
  struct Case {
    Shape x;
    PoolWindow window;
    Shape y;
  };
  const int64_t kU = Shape::kUnknownDim;
  const Case cases[] = {
      {Shape({kU, 6, 28, 28}), PoolWindow{}, Shape({kU, 6, 14, 14})},
      {Shape({kU, 16, 10, 10}), PoolWindow{}, Shape({kU, 16, 5, 5})},
      {Shape({kU, 3, 7, 9}), Window(3, 3, 2, 2, Padding::kSame),
       Shape({kU, 3, 4, 5})},
      {Shape({kU, 2, 7, 8}), WithPads(Window(3, 3, 2, 1), 1, 2, 0, 2),
       Shape({kU, 2, 4, 8})},
  };
  for (const Case& c : cases) {
    const Shape in[] = {c.x};
    auto out = Op::ShapeFn(in, c.window);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, c.y);
  }
}

TYPED_TEST(PoolFamilyTest, PadsOfOtherPaddingModesAreIgnored) {
  // pad_* are read with kExplicit only: with kValid they neither pad nor
  // fail validation.
  using Op = typename TestFixture::Op;
  PoolWindow a = Window(2, 2, 2, 2);
  a.pad_top = -5;
  a.pad_left = 9;
  const Shape in[] = {Shape({2, 3, 5, 5})};
  auto out = Op::ShapeFn(in, a);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Shape({2, 3, 2, 2}));
}

TYPED_TEST(PoolFamilyTest, ShapeErrors) {
  // Creating the op fails with InvalidArgument, the message starting with
  // the op's name and naming the input shape and `what`.
  using Op = typename TestFixture::Op;
  struct Rejection {
    Shape x;
    PoolWindow window;
    std::string what;
  };
  const Shape x({2, 3, 5, 5});
  const PoolWindow pool2 = Window(2, 2, 2, 2);
  PoolWindow unknown_padding = pool2;
  unknown_padding.padding = static_cast<Padding>(7);
  const Rejection rejections[] = {
      {Shape({2, 3, 5}), pool2, "input x [2,3,5] must be rank 4 (NCHW)"},
      {Shape({1, 2, 3, 5, 5}), pool2, "must be rank 4"},
      {Shape({2, 0, 5, 5}), pool2, "must have C, H, W >= 1"},
      {Shape({2, 3, 0, 5}), pool2, "must have C, H, W >= 1"},
      {Shape({-2, 3, 5, 5}), pool2, "must have C, H, W >= 1"},
      {x, Window(0, 2, 2, 2), "window (h, w) = (0, 2) must be >= 1"},
      {x, Window(2, -1, 2, 2), "window (h, w) = (2, -1)"},
      {x, Window(-3, 2, 1, 1), "window (h, w) = (-3, 2) must be >= 1"},
      {x, Window(2, 2, 0, 2), "stride (h, w) = (0, 2) must be >= 1"},
      {x, Window(2, 2, 2, -3), "stride (h, w) = (2, -3)"},
      {x, Window(2, 2, -1, 1), "stride (h, w) = (-1, 1) must be >= 1"},
      {x, WithPads(pool2, 0, -1, 0, 0),
       "explicit padding (top, bottom, left, right) = (0, -1, 0, 0) must be "
       ">= 0"},
      {x, Window(6, 2, 1, 1),
       "window (h, w) = (6, 2) is larger than the padded input 5x5"},
      {x, Window(3, 6, 1, 1),
       "window (h, w) = (3, 6) is larger than the padded input 5x5"},
      {x, WithPads(Window(7, 3, 1, 1), 1, 0, 0, 0),
       "is larger than the padded input 6x5"},
      {x, WithPads(Window(2, 8, 1, 1), 0, 0, 1, 1),
       "is larger than the padded input 5x7"},
      // A pad as large as the window: the first (or last) window would
      // read only padding.
      {x, WithPads(pool2, 2, 0, 0, 0),
       "must be smaller than the window (h, w) = (2, 2)"},
      {x, WithPads(pool2, 0, 0, 2, 0),
       "explicit padding (top, bottom, left, right) = (0, 0, 2, 0) must be "
       "smaller than the window (h, w) = (2, 2)"},
      {x, WithPads(Window(3, 2, 1, 1), 0, 0, 0, 2),
       "explicit padding (top, bottom, left, right) = (0, 0, 0, 2) must be "
       "smaller than the window"},
      {x, WithPads(Window(3, 3, 1, 1), 0, 4, 0, 0),
       "must be smaller than the window"},
      {x, WithPads(Window(3, 3, 2, 2), 0, 3, 0, 0),
       "must be smaller than the window (h, w) = (3, 3)"},
      {x, Window(2, 2, kPool2DMaxAttr + 1, 2),
       "must be at most 1073741824, got 1073741825"},
      {x, Window(2, 2, 1, kPool2DMaxAttr + 1),
       "must be at most 1073741824, got 1073741825"},
      {x, Window(int64_t{1} << 40, 2, 1, 1), "must be at most 1073741824"},
      {x, WithPads(pool2, 0, 0, int64_t{1} << 31, 0),
       "must be at most 1073741824"},
      {x, WithPads(pool2, int64_t{1} << 35, 0, 0, 0),
       "must be at most 1073741824, got 34359738368"},
      {Shape({1, 1, 5, (int64_t{1} << 30) + 1}), pool2,
       "must be at most 1073741824, got 1073741825"},
      {x, unknown_padding, "unknown padding 7"},
  };
  for (const Rejection& r : rejections) {
    ThreadPool pool(1);
    auto op = EagerOp::Create(Op::kKind, As<TypeParam>(r.window), {r.x}, &pool);
    ASSERT_FALSE(op.ok()) << r.what;
    EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument) << r.what;
    const std::string msg(op.status().message());
    EXPECT_EQ(msg.rfind(std::string(Op::kName) + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find(r.x.DebugString()), std::string::npos) << msg;
    EXPECT_NE(msg.find(r.what), std::string::npos)
        << "want '" << r.what << "' in: " << msg;
  }
}

}  // namespace
}  // namespace dagrad
