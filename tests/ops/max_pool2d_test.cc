// MaxPool2D's own checks: known values, gradients over its attribute sweep
// (MaxPoolCases(), also the pool family's), ties, signed zeros, NaN and
// padding that never wins, its argmax aux. The checks it shares with
// AvgPool2D (references, threads, shape function) are in pool2d_test.cc.
#include "ops/max_pool2d.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/random.h"
#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/ops/pool2d_testing.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {

// Covers valid / same / explicit (asymmetric) padding, non-overlapping
// (2x2 s2) and overlapping (3x3 s2, 3x3 s1) windows, non-square windows and
// images, odd sizes, a stride larger than the window, batch > 1 and C > 1,
// and both kernel paths: the 2x2 s2 fast path (including an odd last
// row/column that no window covers, and rows wider than one 16-lane step)
// and the general loop. The cases are also the pool family's
// (pool2d_test.cc).
std::vector<PoolCase> MaxPoolCases() {
  const Padding kSame = Padding::kSame;
  return {
      {"2x2_s2_valid", Shape({2, 3, 8, 8}), Window(2, 2, 2, 2), true},
      {"2x2_s2_valid_odd", Shape({2, 3, 7, 9}), Window(2, 2, 2, 2), true},
      {"2x2_s2_valid_wide", Shape({1, 2, 5, 37}), Window(2, 2, 2, 2), true},
      // 8 outputs a row (one full AVX2 step) and an uncovered column.
      {"2x2_s2_valid_eight", Shape({1, 2, 6, 17}), Window(2, 2, 2, 2), true},
      {"2x2_s2_same_even", Shape({2, 2, 6, 8}), Window(2, 2, 2, 2, kSame),
       true},
      {"2x2_s2_same_odd", Shape({2, 2, 7, 5}), Window(2, 2, 2, 2, kSame)},
      {"2x2_s2_explicit", Shape({1, 3, 6, 5}),
       WithPads(Window(2, 2, 2, 2), 1, 1, 1, 0)},
      {"3x3_s2_valid", Shape({2, 3, 9, 8}), Window(3, 3, 2, 2)},
      {"3x3_s2_same", Shape({2, 2, 7, 8}), Window(3, 3, 2, 2, kSame)},
      {"3x3_s1_valid", Shape({2, 2, 6, 7}), Window(3, 3, 1, 1)},
      {"3x3_s1_same", Shape({1, 3, 5, 6}), Window(3, 3, 1, 1, kSame)},
      {"3x2_explicit_asymmetric", Shape({2, 2, 6, 5}),
       WithPads(Window(3, 2, 2, 1), 2, 0, 1, 1)},
      {"2x3_s1x2_nonsquare", Shape({2, 3, 5, 9}), Window(2, 3, 1, 2)},
      {"window_is_image", Shape({3, 2, 3, 4}), Window(3, 4, 1, 1)},
      {"stride_beyond_window", Shape({1, 2, 8, 7}), Window(2, 2, 3, 3)},
      {"window_beyond_image_same", Shape({2, 1, 2, 3}),
       Window(4, 5, 1, 1, kSame)},
  };
}

namespace {

MaxPool2DAttrs Attrs(int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                     Padding padding = Padding::kValid) {
  return As<MaxPool2DAttrs>(Window(kh, kw, sh, sw, padding));
}

MaxPool2DAttrs Explicit(const MaxPool2DAttrs& a, int64_t top, int64_t bottom,
                        int64_t left, int64_t right) {
  return As<MaxPool2DAttrs>(WithPads(a, top, bottom, left, right));
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

TEST(MaxPool2DTest, KnownValues) {
  // One 4x4 plane, 2x2 stride 2.
  Tensor x = Tensor::FromValues(Shape({1, 1, 4, 4}), {1, 5, 2, 0,    //
                                                      3, 4, 8, 7,    //
                                                      -1, -2, 6, 9,  //
                                                      -4, -3, 9, 5});
  Tensor dy = Tensor::FromValues(Shape({1, 1, 2, 2}), {10, 20, 30, 40});
  const PoolRun run = RunPool(Attrs(2, 2, 2, 2), x, &dy, 1);
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

TEST(MaxPool2DTest, GradientMatchesNumeric) {
  for (const PoolCase& c : MaxPoolCases()) {
    const MaxPool2DAttrs attrs = As<MaxPool2DAttrs>(c.window);
    Tensor x = DistinctValues(c.x, /*seed=*/4);
    GradientCheckOptions options;
    // Neighbouring values are 1/64 apart, so x +/- epsilon never changes a
    // window's winner: y is locally a copy of x and central differences are
    // exact up to float rounding of x +/- h.
    options.epsilon = 1e-3;
    options.rtol = 1e-3;
    options.atol = 1e-4;
    auto result = CheckGradients(OpKind::kMaxPool2D, attrs, {&x}, options);
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
      {"3x3_s1_same", Shape({1, 1, 4, 5}), Attrs(3, 3, 1, 1, Padding::kSame)},
      {"3x3_s2_explicit", Shape({1, 1, 7, 7}),
       Explicit(Attrs(3, 3, 2, 2), 2, 1, 1, 2)},
  };
  for (const TieCase& c : cases) {
    Tensor x = Tensor::Zeros(c.x);
    x.Fill(0.5f);
    const RefPads r = ReferencePads(c.x, c.attrs);
    const Shape y_shape({c.x.dim(0), c.x.dim(1), r.oh, r.ow});
    Tensor dy = RandomTensor(y_shape, /*seed=*/5);
    const PoolRun run = RunPool(c.attrs, x, &dy, 2);
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
    const PoolRun run = RunPool(Attrs(2, 2, 2, 2), x, &dy, threads);
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
  for (const PoolCase& c : MaxPoolCases()) {
    Tensor x = RandomTensor(c.x, /*seed=*/6, -2.0f, -1.0f);
    auto y = RunForward(OpKind::kMaxPool2D, As<MaxPool2DAttrs>(c.window), {&x});
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
    const PoolRun run = RunPool(attrs, x, &dy, 1);
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

TEST(MaxPool2DTest, RegisteredWithArgmaxAuxAndNoForwardTensors) {
  const OpDef* def = FindOp(OpKind::kMaxPool2D);
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->vjp_uses, kVjpUsesNothing);
  ASSERT_NE(def->aux_floats, nullptr);
  const Shape in[] = {Shape({4, 3, 9, 8})};
  const Shape out({4, 3, 4, 4});
  const OpAttrs attrs = Attrs(3, 3, 2, 2, Padding::kSame);
  EXPECT_EQ(def->aux_floats(ShapeQuery{in, out, attrs, 2}), 4 * 3 * 4 * 4);
}

TEST(MaxPool2DTest, PlanesBeyondInt32ArgmaxAreRejected) {
  // The argmax is an int32 plane index; the family's other rejections are
  // in pool2d_test.cc.
  ThreadPool pool(1);
  const Shape x({1, 1, 65536, 65536});
  auto op = EagerOp::Create(OpKind::kMaxPool2D, MaxPool2DAttrs{}, {x}, &pool);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(op.status().message());
  EXPECT_EQ(msg.rfind("MaxPool2D: ", 0), 0u) << msg;
  EXPECT_NE(msg.find(x.DebugString()), std::string::npos) << msg;
  EXPECT_NE(msg.find("input plane H*W = 4294967296 must be at most "
                     "2147483647"),
            std::string::npos)
      << msg;
}

}  // namespace
}  // namespace dagrad
