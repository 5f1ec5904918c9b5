#include "ops/max_pool2d.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/random.h"
#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

// ---------------------------------------------------------------------------
// Literal reference, written from the definition in ops/max_pool2d.h
// independently of the kernels: pad x with -inf per TensorFlow's rules, then
// scan every full window in row-major order keeping the first maximum.

struct RefGeometry {
  int64_t top = 0, bottom = 0, left = 0, right = 0, oh = 0, ow = 0;
};

// ReferencePads(): TF SAME is OH = ceil(H/s), total = max((OH-1)*s + K - H,
// 0), top = total / 2.
RefGeometry ReferencePads(const Shape& x, const MaxPool2DAttrs& a) {
  RefGeometry r;
  const int64_t h = x.dim(2), w = x.dim(3);
  if (a.padding == PoolPadding::kExplicit) {
    r.top = a.pad_top;
    r.bottom = a.pad_bottom;
    r.left = a.pad_left;
    r.right = a.pad_right;
  } else if (a.padding == PoolPadding::kSame) {
    const int64_t oh = (h + a.stride_h - 1) / a.stride_h;
    const int64_t ow = (w + a.stride_w - 1) / a.stride_w;
    const int64_t th =
        std::max<int64_t>((oh - 1) * a.stride_h + a.window_h - h, 0);
    const int64_t tw =
        std::max<int64_t>((ow - 1) * a.stride_w + a.window_w - w, 0);
    r.top = th / 2;
    r.bottom = th - r.top;
    r.left = tw / 2;
    r.right = tw - r.left;
  }
  r.oh = (h + r.top + r.bottom - a.window_h) / a.stride_h + 1;
  r.ow = (w + r.left + r.right - a.window_w) / a.stride_w + 1;
  return r;
}

// NaiveMaxPool(): y and, per output, the flat index h*W + w of its first
// maximum within the plane.
struct NaiveResult {
  Tensor y;
  std::vector<int64_t> argmax;
};

NaiveResult NaiveMaxPool(const Tensor& x, const MaxPool2DAttrs& a) {
  const RefGeometry r = ReferencePads(x.shape(), a);
  const int64_t planes = x.shape().dim(0) * x.shape().dim(1);
  const int64_t h = x.shape().dim(2), w = x.shape().dim(3);
  const int64_t hp = h + r.top + r.bottom, wp = w + r.left + r.right;
  // xp: the plane padded with -inf; index: the unpadded index or -1.
  std::vector<float> xp(hp * wp);
  std::vector<int64_t> index(hp * wp);
  NaiveResult out;
  out.y =
      Tensor::Zeros(Shape({x.shape().dim(0), x.shape().dim(1), r.oh, r.ow}));
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t a_ = 0; a_ < hp; ++a_) {
      for (int64_t b = 0; b < wp; ++b) {
        const int64_t hh = a_ - r.top, ww = b - r.left;
        const bool inside = hh >= 0 && hh < h && ww >= 0 && ww < w;
        xp[a_ * wp + b] = inside ? x[(p * h + hh) * w + ww]
                                 : -std::numeric_limits<float>::infinity();
        index[a_ * wp + b] = inside ? hh * w + ww : -1;
      }
    }
    for (int64_t i = 0; i < r.oh; ++i) {
      for (int64_t j = 0; j < r.ow; ++j) {
        float best = -std::numeric_limits<float>::infinity();
        int64_t best_at = -1;
        for (int64_t u = 0; u < a.window_h; ++u) {
          for (int64_t v = 0; v < a.window_w; ++v) {
            const int64_t cell = (i * a.stride_h + u) * wp + j * a.stride_w + v;
            if (index[cell] >= 0 && (best_at < 0 || xp[cell] > best)) {
              best = xp[cell];
              best_at = index[cell];
            }
          }
        }
        out.y[(p * r.oh + i) * r.ow + j] = best;
        out.argmax.push_back(best_at);
      }
    }
  }
  return out;
}

// NaiveVjp(): dx[argmax] += dy, in double.
Tensor NaiveVjp(const Shape& x_shape, const NaiveResult& ref,
                const Tensor& dy) {
  const int64_t plane = x_shape.dim(2) * x_shape.dim(3);
  const int64_t out_plane = dy.size() / (x_shape.dim(0) * x_shape.dim(1));
  std::vector<double> acc(x_shape.num_elements(), 0.0);
  for (int64_t o = 0; o < dy.size(); ++o) {
    acc[(o / out_plane) * plane + ref.argmax[o]] += dy[o];
  }
  Tensor dx = Tensor::Zeros(x_shape);
  for (int64_t i = 0; i < dx.size(); ++i) dx[i] = static_cast<float>(acc[i]);
  return dx;
}

// ---------------------------------------------------------------------------

MaxPool2DAttrs Attrs(int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                     PoolPadding padding = PoolPadding::kValid) {
  MaxPool2DAttrs a;
  a.window_h = kh;
  a.window_w = kw;
  a.stride_h = sh;
  a.stride_w = sw;
  a.padding = padding;
  return a;
}

MaxPool2DAttrs Explicit(MaxPool2DAttrs a, int64_t top, int64_t bottom,
                        int64_t left, int64_t right) {
  a.padding = PoolPadding::kExplicit;
  a.pad_top = top;
  a.pad_bottom = bottom;
  a.pad_left = left;
  a.pad_right = right;
  return a;
}

struct PoolCase {
  std::string name;
  Shape x;
  MaxPool2DAttrs attrs;
};

// Covers valid / same / explicit (asymmetric) padding, non-overlapping
// (2x2 s2) and overlapping (3x3 s2, 3x3 s1) windows, non-square windows and
// images, odd sizes, a stride larger than the window, batch > 1 and C > 1,
// and both kernel paths: the 2x2 s2 fast path (including an odd last
// row/column that no window covers, and rows wider than one 16-lane step)
// and the general loop.
std::vector<PoolCase> Cases() {
  const PoolPadding kSame = PoolPadding::kSame;
  return {
      {"2x2_s2_valid", Shape({2, 3, 8, 8}), Attrs(2, 2, 2, 2)},
      {"2x2_s2_valid_odd", Shape({2, 3, 7, 9}), Attrs(2, 2, 2, 2)},
      {"2x2_s2_valid_wide", Shape({1, 2, 5, 37}), Attrs(2, 2, 2, 2)},
      {"2x2_s2_same_even", Shape({2, 2, 6, 8}), Attrs(2, 2, 2, 2, kSame)},
      {"2x2_s2_same_odd", Shape({2, 2, 7, 5}), Attrs(2, 2, 2, 2, kSame)},
      {"2x2_s2_explicit", Shape({1, 3, 6, 5}),
       Explicit(Attrs(2, 2, 2, 2), 1, 1, 1, 0)},
      {"3x3_s2_valid", Shape({2, 3, 9, 8}), Attrs(3, 3, 2, 2)},
      {"3x3_s2_same", Shape({2, 2, 7, 8}), Attrs(3, 3, 2, 2, kSame)},
      {"3x3_s1_valid", Shape({2, 2, 6, 7}), Attrs(3, 3, 1, 1)},
      {"3x3_s1_same", Shape({1, 3, 5, 6}), Attrs(3, 3, 1, 1, kSame)},
      {"3x2_explicit_asymmetric", Shape({2, 2, 6, 5}),
       Explicit(Attrs(3, 2, 2, 1), 2, 0, 1, 1)},
      {"2x3_s1x2_nonsquare", Shape({2, 3, 5, 9}), Attrs(2, 3, 1, 2)},
      {"window_is_image", Shape({3, 2, 3, 4}), Attrs(3, 4, 1, 1)},
      {"stride_beyond_window", Shape({1, 2, 8, 7}), Attrs(2, 2, 3, 3)},
      {"window_beyond_image_same", Shape({2, 1, 2, 3}),
       Attrs(4, 5, 1, 1, kSame)},
  };
}

// DistinctValues(): a random permutation of (k - n/2) / 64, k < n: distinct
// values 1/64 apart, so that no two window entries are within a gradient
// check's epsilon of each other (max pooling has a kink at every tie).
Tensor DistinctValues(const Shape& shape, uint64_t seed) {
  const int64_t n = shape.num_elements();
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  Rng rng(seed);
  for (int64_t i = n - 1; i > 0; --i) {
    std::swap(order[i], order[rng.UniformInt(i + 1)]);
  }
  Tensor t = Tensor::Zeros(shape);
  for (int64_t i = 0; i < n; ++i) {
    t[i] = static_cast<float>(order[i] - n / 2) / 64.0f;
  }
  return t;
}

struct PoolRun {
  Tensor y;
  Tensor dx;
};

// RunOp(): forward, then the VJP of dy into a NaN-poisoned gradient.
PoolRun RunOp(const Tensor& x_in, const MaxPool2DAttrs& attrs, const Tensor* dy,
              int threads) {
  Tensor x = x_in.Clone();
  ThreadPool pool(threads);
  auto op = EagerOp::Create(OpKind::kMaxPool2D, attrs, {x.shape()}, &pool);
  EXPECT_TRUE(op.ok()) << op.status();
  PoolRun run;
  if (!op.ok()) return run;
  EXPECT_TRUE((*op)->Forward({&x}).ok());
  run.y = (*op)->output().Clone();
  if (dy != nullptr) {
    run.dx = Tensor::Zeros(x.shape());
    run.dx.Fill(std::nanf(""));
    EXPECT_TRUE((*op)->Vjp(0, *dy, &run.dx).ok());
  }
  return run;
}

void ExpectEqualTensors(const Tensor& got, const Tensor& want,
                        const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  for (int64_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], want[i]) << what << " element " << i;
  }
}

TEST(MaxPool2DTest, FastPathIsBuiltWithAvx512) {
  // The 2x2 cases exercise the fast path only where it exists; dagrad
  // builds with -march=native, so on AVX-512 hosts it must.
#if defined(__AVX512F__)
  EXPECT_TRUE(kPool2x2Vectorized);
#else
  EXPECT_FALSE(kPool2x2Vectorized);
#endif
}

TEST(MaxPool2DTest, KnownValues) {
  // One 4x4 plane, 2x2 stride 2.
  Tensor x = Tensor::FromValues(Shape({1, 1, 4, 4}), {1, 5, 2, 0,    //
                                                      3, 4, 8, 7,    //
                                                      -1, -2, 6, 9,  //
                                                      -4, -3, 9, 5});
  Tensor dy = Tensor::FromValues(Shape({1, 1, 2, 2}), {10, 20, 30, 40});
  const PoolRun run = RunOp(x, Attrs(2, 2, 2, 2), &dy, 1);
  ExpectEqualTensors(
      run.y, Tensor::FromValues(Shape({1, 1, 2, 2}), {5, 8, -1, 9}), "y");
  // The 9s tie in the last window: the first one (row 2) wins.
  ExpectEqualTensors(run.dx,
                     Tensor::FromValues(Shape({1, 1, 4, 4}), {0, 10, 0, 0,   //
                                                              0, 0, 20, 0,   //
                                                              30, 0, 0, 40,  //
                                                              0, 0, 0, 0}),
                     "dx");
}

TEST(MaxPool2DTest, ForwardMatchesNaiveReference) {
  for (const PoolCase& c : Cases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/1);
    auto y = RunForward(OpKind::kMaxPool2D, c.attrs, {&x});
    ASSERT_TRUE(y.ok()) << c.name << ": " << y.status();
    ExpectEqualTensors(*y, NaiveMaxPool(x, c.attrs).y, c.name);
  }
}

TEST(MaxPool2DTest, VjpRoutesToTheReferenceArgmax) {
  for (const PoolCase& c : Cases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/2);
    const NaiveResult ref = NaiveMaxPool(x, c.attrs);
    Tensor dy = RandomTensor(ref.y.shape(), /*seed=*/3);
    const PoolRun run = RunOp(x, c.attrs, &dy, 1);
    const Tensor want = NaiveVjp(c.x, ref, dy);
    ASSERT_EQ(run.dx.shape(), want.shape()) << c.name;
    for (int64_t i = 0; i < want.size(); ++i) {
      // Overlapping windows sum several dy in float.
      ASSERT_NEAR(run.dx[i], want[i], 1e-6 * (1 + std::fabs(want[i])))
          << c.name << " element " << i;
    }
  }
}

TEST(MaxPool2DTest, GradientMatchesNumeric) {
  for (const PoolCase& c : Cases()) {
    Tensor x = DistinctValues(c.x, /*seed=*/4);
    GradientCheckOptions options;
    // Neighbouring values are 1/64 apart, so x +/- epsilon never changes a
    // window's winner: y is locally a copy of x and central differences are
    // exact up to float rounding of x +/- h.
    options.epsilon = 1e-3;
    options.rtol = 1e-3;
    options.atol = 1e-4;
    auto result = CheckGradients(OpKind::kMaxPool2D, c.attrs, {&x}, options);
    ASSERT_TRUE(result.ok()) << c.name << ": " << result.status();
    EXPECT_EQ(result->points_near_kink, 0) << c.name;
    EXPECT_EQ(result->points_checked, c.x.num_elements()) << c.name;
  }
}

TEST(MaxPool2DTest, TiesGoToTheFirstMaximum) {
  // Every value equal: each window's gradient goes to its first real cell
  // in row-major order, on the fast path (2x2 s2), the general path with
  // overlapping windows (3x3 s1) and with padding (SAME, explicit), where
  // the first real cell is not the window's corner and several windows
  // share it (their dy are summed in output order).
  struct TieCase {
    std::string name;
    Shape x;
    MaxPool2DAttrs attrs;
  };
  const TieCase cases[] = {
      {"2x2_s2", Shape({2, 2, 6, 7}), Attrs(2, 2, 2, 2)},
      {"3x3_s1", Shape({1, 2, 5, 6}), Attrs(3, 3, 1, 1)},
      {"3x3_s1_same", Shape({1, 1, 4, 5}),
       Attrs(3, 3, 1, 1, PoolPadding::kSame)},
      {"3x3_s2_explicit", Shape({1, 1, 7, 7}),
       Explicit(Attrs(3, 3, 2, 2), 2, 1, 1, 2)},
  };
  for (const TieCase& c : cases) {
    Tensor x = Tensor::Zeros(c.x);
    x.Fill(0.5f);
    const RefGeometry r = ReferencePads(c.x, c.attrs);
    const Shape y_shape({c.x.dim(0), c.x.dim(1), r.oh, r.ow});
    Tensor dy = RandomTensor(y_shape, /*seed=*/5);
    const PoolRun run = RunOp(x, c.attrs, &dy, 2);
    const int64_t h = c.x.dim(2), w = c.x.dim(3);
    Tensor want = Tensor::Zeros(c.x);
    for (int64_t p = 0; p < c.x.dim(0) * c.x.dim(1); ++p) {
      for (int64_t i = 0; i < r.oh; ++i) {
        for (int64_t j = 0; j < r.ow; ++j) {
          const int64_t hh = std::max<int64_t>(i * c.attrs.stride_h - r.top, 0);
          const int64_t ww =
              std::max<int64_t>(j * c.attrs.stride_w - r.left, 0);
          want[(p * h + hh) * w + ww] += dy[(p * r.oh + i) * r.ow + j];
        }
      }
    }
    for (int64_t i = 0; i < run.y.size(); ++i) {
      ASSERT_EQ(run.y[i], 0.5f) << c.name;
    }
    ExpectEqualTensors(run.dx, want, c.name);
  }
}

TEST(MaxPool2DTest, PartialTiesAndSignedZeros) {
  // Ties between non-first cells keep the earlier one; -0 == +0 is a tie.
  // Windows (2x2 s2): [1 5; 5 2], [3 3; 1 3], [0 -0; -0 0], [-1 -1; -1 -1].
  Tensor x = Tensor::FromValues(Shape({1, 1, 4, 4}), {1, 5, 3, 3,        //
                                                      5, 2, 1, 3,        //
                                                      0, -0.0f, -1, -1,  //
                                                      -0.0f, 0, -1, -1});
  Tensor dy = Tensor::FromValues(Shape({1, 1, 2, 2}), {1, 2, 3, 4});
  for (int threads : {1, 2}) {
    const PoolRun run = RunOp(x, Attrs(2, 2, 2, 2), &dy, threads);
    ExpectEqualTensors(run.dx,
                       Tensor::FromValues(Shape({1, 1, 4, 4}), {0, 1, 2, 0,  //
                                                                0, 0, 0, 0,  //
                                                                3, 0, 4, 0,  //
                                                                0, 0, 0, 0}),
                       "dx");
    EXPECT_FALSE(std::signbit(run.y[2]));  // The first cell, +0, won.
  }
}

TEST(MaxPool2DTest, PaddingNeverWins) {
  // All-negative inputs: a padded cell (which would be 0 if padding were
  // zeros) must never be the maximum, on any padded geometry.
  for (const PoolCase& c : Cases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/6, -2.0f, -1.0f);
    auto y = RunForward(OpKind::kMaxPool2D, c.attrs, {&x});
    ASSERT_TRUE(y.ok()) << c.name;
    for (int64_t i = 0; i < y->size(); ++i) {
      ASSERT_LT((*y)[i], -0.5f) << c.name << " element " << i;
    }
  }
}

TEST(MaxPool2DTest, NanPropagatesAndReceivesTheGradient) {
  const float nan = std::nanf("");
  for (const MaxPool2DAttrs& attrs :
       {Attrs(2, 2, 2, 2), Attrs(2, 2, 1, 2)}) {  // Fast, general path.
    // Window 2: a NaN after a larger number still wins. Window 3: the first
    // of two NaNs wins, though the first cell is already NaN.
    Tensor x = Tensor::FromValues(Shape({1, 1, 2, 6}), {1, 2, 7, 3, nan, 5,  //
                                                        4, 3, nan, 9, nan, 8});
    Tensor dy = Tensor::FromValues(Shape({1, 1, 1, 3}), {10, 20, 30});
    const PoolRun run = RunOp(x, attrs, &dy, 1);
    EXPECT_EQ(run.y[0], 4.0f);
    EXPECT_TRUE(std::isnan(run.y[1]));
    EXPECT_TRUE(std::isnan(run.y[2]));
    ExpectEqualTensors(
        run.dx,
        Tensor::FromValues(Shape({1, 1, 2, 6}), {0, 0, 0, 0, 30, 0,  //
                                                 10, 0, 20, 0, 0, 0}),
        "dx");
  }
}

TEST(MaxPool2DTest, OneAndTwoThreadsAreBitwiseEqual) {
  const std::vector<PoolCase> cases = {
      {"lenet", Shape({64, 6, 28, 28}), Attrs(2, 2, 2, 2)},
      {"lenet2_odd_batch", Shape({33, 16, 10, 10}), Attrs(2, 2, 2, 2)},
      {"3x3_s2_same", Shape({19, 5, 13, 11}),
       Attrs(3, 3, 2, 2, PoolPadding::kSame)},
      {"3x3_s1", Shape({7, 8, 12, 12}), Attrs(3, 3, 1, 1)},
  };
  for (const PoolCase& c : cases) {
    Tensor x = RandomTensor(c.x, /*seed=*/7);
    const RefGeometry r = ReferencePads(c.x, c.attrs);
    Tensor dy = RandomTensor(Shape({c.x.dim(0), c.x.dim(1), r.oh, r.ow}), 8);
    const PoolRun one = RunOp(x, c.attrs, &dy, 1);
    const PoolRun two = RunOp(x, c.attrs, &dy, 2);
    ExpectEqualTensors(one.y, two.y, c.name + " y");
    ExpectEqualTensors(one.dx, two.dx, c.name + " dx");
  }
}

TEST(MaxPool2DTest, VjpOverwritesPoisonedGradient) {
  // RunOp() poisons dx with NaN; every cell, covered by a window or not,
  // must be overwritten.
  for (const PoolCase& c : Cases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/9);
    const RefGeometry r = ReferencePads(c.x, c.attrs);
    Tensor dy = RandomTensor(Shape({c.x.dim(0), c.x.dim(1), r.oh, r.ow}), 10);
    const PoolRun run = RunOp(x, c.attrs, &dy, 2);
    for (int64_t i = 0; i < run.dx.size(); ++i) {
      ASSERT_FALSE(std::isnan(run.dx[i])) << c.name << " element " << i;
    }
  }
}

TEST(MaxPool2DTest, EmptyBatchRuns) {
  // N = 0: no planes, no aux; forward and VJP are no-ops that succeed.
  const Shape x_shape({0, 2, 4, 4});
  Tensor x = Tensor::Zeros(x_shape);
  ThreadPool pool(2);
  auto op =
      EagerOp::Create(OpKind::kMaxPool2D, MaxPool2DAttrs{}, {x_shape}, &pool);
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ((*op)->output_shape(), Shape({0, 2, 2, 2}));
  ASSERT_TRUE((*op)->Forward({&x}).ok());
  Tensor dy = Tensor::Zeros((*op)->output_shape());
  Tensor dx = Tensor::Zeros(x_shape);
  EXPECT_TRUE((*op)->Vjp(0, dy, &dx).ok());
}

TEST(MaxPool2DTest, SamePaddingFollowsTensorFlow) {
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
    const MaxPool2DAttrs a =
        Attrs(s.k, s.k, s.stride, s.stride, PoolPadding::kSame);
    const Shape in[] = {Shape({2, 3, s.h, s.h})};
    auto out = MaxPool2DShape(in, a);
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

TEST(MaxPool2DTest, UnknownBatchPropagates) {
  const Shape in[] = {Shape({Shape::kUnknownDim, 6, 28, 28})};
  auto out = MaxPool2DShape(in, MaxPool2DAttrs{});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Shape({Shape::kUnknownDim, 6, 14, 14}));
  const Shape in3[] = {Shape({Shape::kUnknownDim, 2, 7, 8})};
  out = MaxPool2DShape(in3, Explicit(Attrs(3, 3, 2, 1), 1, 2, 0, 2));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Shape({Shape::kUnknownDim, 2, 4, 8}));
}

TEST(MaxPool2DTest, RegisteredWithArgmaxAuxAndNoForwardTensors) {
  const OpDef* def = FindOp(OpKind::kMaxPool2D);
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->vjp_uses, kVjpUsesNothing);
  ASSERT_NE(def->aux_floats, nullptr);
  const Shape in[] = {Shape({4, 3, 9, 8})};
  const Shape out({4, 3, 4, 4});
  const OpAttrs attrs = Attrs(3, 3, 2, 2, PoolPadding::kSame);
  EXPECT_EQ(def->aux_floats(ShapeQuery{in, out, attrs, 2}), 4 * 3 * 4 * 4);
}

// ExpectShapeError(): creating the op fails with InvalidArgument naming
// MaxPool2D, the input shape, and `what`.
void ExpectShapeError(const Shape& x, const MaxPool2DAttrs& attrs,
                      const std::string& what) {
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kMaxPool2D, attrs, {x}, &pool);
  ASSERT_FALSE(op.ok()) << what;
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(op.status().message());
  EXPECT_EQ(msg.rfind("MaxPool2D: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(x.DebugString()), std::string::npos)
      << x.DebugString() << " missing in: " << msg;
  EXPECT_NE(msg.find(what), std::string::npos)
      << "want '" << what << "' in: " << msg;
}

TEST(MaxPool2DTest, ShapeErrors) {
  const Shape x({2, 3, 5, 5});
  const MaxPool2DAttrs pool2 = Attrs(2, 2, 2, 2);
  ExpectShapeError(Shape({2, 3, 5}), pool2,
                   "input x [2,3,5] must be rank 4 (NCHW)");
  ExpectShapeError(Shape({1, 2, 3, 5, 5}), pool2, "must be rank 4");
  ExpectShapeError(Shape({2, 0, 5, 5}), pool2, "must have C, H, W >= 1");
  ExpectShapeError(Shape({-2, 3, 5, 5}), pool2, "must have C, H, W >= 1");
  ExpectShapeError(x, Attrs(0, 2, 2, 2), "window (h, w) = (0, 2) must be >= 1");
  ExpectShapeError(x, Attrs(2, -1, 2, 2), "window (h, w) = (2, -1)");
  ExpectShapeError(x, Attrs(2, 2, 0, 2), "stride (h, w) = (0, 2) must be >= 1");
  ExpectShapeError(x, Attrs(2, 2, 2, -3), "stride (h, w) = (2, -3)");
  ExpectShapeError(x, Explicit(pool2, 0, -1, 0, 0),
                   "explicit padding (top, bottom, left, right) = (0, -1, 0, "
                   "0) must be >= 0");
  ExpectShapeError(x, Attrs(6, 2, 1, 1),
                   "window (h, w) = (6, 2) is larger than the padded input "
                   "5x5");
  ExpectShapeError(x, Explicit(Attrs(7, 3, 1, 1), 1, 0, 0, 0),
                   "is larger than the padded input 6x5");
  // A pad as large as the window: the first (or last) window would read
  // only padding.
  ExpectShapeError(x, Explicit(pool2, 2, 0, 0, 0),
                   "must be smaller than the window (h, w) = (2, 2)");
  ExpectShapeError(x, Explicit(Attrs(3, 2, 1, 1), 0, 0, 0, 2),
                   "explicit padding (top, bottom, left, right) = (0, 0, 0, 2)"
                   " must be smaller than the window");
  ExpectShapeError(x, Explicit(Attrs(3, 3, 1, 1), 0, 4, 0, 0),
                   "must be smaller than the window");
  ExpectShapeError(x, Attrs(2, 2, kPool2DMaxAttr + 1, 2),
                   "must be at most 1073741824, got 1073741825");
  ExpectShapeError(x, Attrs(int64_t{1} << 40, 2, 1, 1),
                   "must be at most 1073741824");
  ExpectShapeError(x, Explicit(pool2, 0, 0, int64_t{1} << 31, 0),
                   "must be at most 1073741824");
  ExpectShapeError(Shape({1, 1, 65536, 65536}), pool2,
                   "input plane H*W = 4294967296 must be at most 2147483647");
  MaxPool2DAttrs bad = pool2;
  bad.padding = static_cast<PoolPadding>(7);
  ExpectShapeError(x, bad, "unknown padding 7");
}

TEST(MaxPool2DTest, PadsOfOtherPaddingModesAreIgnored) {
  // pad_* are read with kExplicit only: with kValid they neither pad nor
  // fail validation.
  MaxPool2DAttrs a = Attrs(2, 2, 2, 2);
  a.pad_top = -5;
  a.pad_left = 9;
  const Shape in[] = {Shape({2, 3, 5, 5})};
  auto out = MaxPool2DShape(in, a);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(*out, Shape({2, 3, 2, 2}));
}

}  // namespace
}  // namespace dagrad
