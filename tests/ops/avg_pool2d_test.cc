// AvgPool2D's own checks: known values, padded cells counted as zeros,
// gradients over its attribute sweep (AvgPoolCases(), also the pool
// family's), cells no window covers, its registration. The checks it shares
// with MaxPool2D (references, threads, shape function) are in
// pool2d_test.cc.
#include "ops/avg_pool2d.h"

#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/ops/pool2d_testing.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {

// Valid / same / explicit asymmetric padding; non-overlapping 2x2 s2 (the
// fast path: even, odd and wider-than-16-outputs rows) and overlapping
// 3x3 s2 / 3x3 s1 windows (the general loops); non-square windows and
// images, a stride larger than the window (cells no window covers), a
// window larger than the image, batch > 1, C > 1. The cases are also the
// pool family's (pool2d_test.cc).
std::vector<PoolCase> AvgPoolCases() {
  const Padding same = Padding::kSame;
  return {
      {"2x2_s2_valid", Shape({2, 3, 6, 8}), Window(2, 2, 2, 2), true},
      {"2x2_s2_valid_odd", Shape({3, 2, 9, 7}), Window(2, 2, 2, 2), true},
      {"2x2_s2_valid_wide", Shape({1, 2, 4, 41}), Window(2, 2, 2, 2), true},
      // 8 outputs a row (one full AVX2 step) and an uncovered column.
      {"2x2_s2_valid_eight", Shape({1, 2, 6, 17}), Window(2, 2, 2, 2), true},
      {"2x2_s2_same_even", Shape({2, 2, 8, 6}), Window(2, 2, 2, 2, same), true},
      {"2x2_s2_same_odd", Shape({2, 2, 5, 7}), Window(2, 2, 2, 2, same)},
      {"2x2_s2_explicit", Shape({1, 2, 5, 6}),
       WithPads(Window(2, 2, 2, 2), 0, 1, 1, 1)},
      {"3x3_s2_valid", Shape({2, 3, 9, 10}), Window(3, 3, 2, 2)},
      {"3x3_s2_same", Shape({2, 2, 8, 7}), Window(3, 3, 2, 2, same)},
      {"3x3_s1_valid", Shape({2, 2, 7, 6}), Window(3, 3, 1, 1)},
      {"3x3_s1_same", Shape({1, 3, 6, 5}), Window(3, 3, 1, 1, same)},
      {"2x3_explicit_asymmetric", Shape({2, 2, 5, 7}),
       WithPads(Window(2, 3, 1, 2), 1, 0, 2, 1)},
      {"3x2_s2x1_nonsquare", Shape({2, 3, 9, 5}), Window(3, 2, 2, 1)},
      {"stride_beyond_window", Shape({1, 2, 7, 8}), Window(2, 2, 3, 3)},
      {"window_beyond_image_same", Shape({2, 1, 3, 2}),
       Window(5, 4, 1, 1, same)},
  };
}

namespace {

AvgPool2DAttrs Pool(int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                    Padding padding = Padding::kValid) {
  return As<AvgPool2DAttrs>(Window(kh, kw, sh, sw, padding));
}

TEST(AvgPool2DTest, KnownValues) {
  // One 4x4 plane, 2x2 stride 2 (the fast path).
  Tensor x = Tensor::FromValues(Shape({1, 1, 4, 4}), {1, 2, 3, 4,   //
                                                      5, 6, 7, 8,   //
                                                      0, 0, -4, 4,  //
                                                      2, 2, 8, 0});
  Tensor dy = Tensor::FromValues(Shape({1, 1, 2, 2}), {4, 8, -4, 2});
  const PoolRun run = RunPool(Pool(2, 2, 2, 2), x, &dy, 1);
  const Tensor& y = run.y;
  const Tensor& dx = run.dx;
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
  auto y =
      RunForward(OpKind::kAvgPool2D, Pool(3, 3, 1, 1, Padding::kSame), {&x});
  ASSERT_TRUE(y.ok()) << y.status();
  const float want[] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
  for (int i = 0; i < 9; ++i) EXPECT_FLOAT_EQ((*y)[i], want[i] / 9.0f) << i;
  // Explicit 2x2 stride 2, pad 1 on every side of 2x2: each output holds
  // one real cell of four.
  Tensor x2 = Tensor::FromValues(Shape({1, 1, 2, 2}), {4, 8, 12, 16});
  const AvgPool2DAttrs padded =
      As<AvgPool2DAttrs>(WithPads(Window(2, 2, 2, 2), 1, 1, 1, 1));
  auto y2 = RunForward(OpKind::kAvgPool2D, padded, {&x2});
  ASSERT_TRUE(y2.ok()) << y2.status();
  ASSERT_EQ(y2->shape(), Shape({1, 1, 2, 2}));
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*y2)[i], x2[i] / 4) << i;
}

TEST(AvgPool2DTest, GradientMatchesNumeric) {
  for (const PoolCase& c : AvgPoolCases()) {
    const AvgPool2DAttrs attrs = As<AvgPool2DAttrs>(c.window);
    Tensor x = RandomTensor(c.x, /*seed=*/4);
    GradientCheckOptions options;
    // AvgPool2D is linear (no kinks): the central difference is exact up to
    // the float rounding of y, ~1e-7 per output over 2*epsilon.
    options.epsilon = 1e-2;
    options.rtol = 1e-3;
    options.atol = 1e-4;
    auto result = CheckGradients(OpKind::kAvgPool2D, attrs, {&x}, options);
    ASSERT_TRUE(result.ok()) << c.name << ": " << result.status();
    EXPECT_EQ(result->points_near_kink, 0) << c.name;
    EXPECT_EQ(result->points_checked, c.x.num_elements()) << c.name;
  }
}

TEST(AvgPool2DTest, CellsNoWindowCoversGetZeroGradient) {
  // 2x2 windows at stride 3 on 7x8 (2x3 outputs): rows 2, 5, 6 and
  // columns 2, 5 lie between or after the windows.
  const AvgPool2DAttrs attrs = Pool(2, 2, 3, 3);
  const Shape x_shape({1, 1, 7, 8});
  Tensor x = RandomTensor(x_shape, 5);
  Tensor dy = RandomTensor(RefOutputShape(x_shape, attrs), 6);
  const Tensor dx = RunPool(attrs, x, &dy, 1).dx;
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

TEST(AvgPool2DTest, RegisteredWithoutAuxOrForwardTensors) {
  const OpDef* def = FindOp(OpKind::kAvgPool2D);
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->vjp_uses, kVjpUsesNothing);
  EXPECT_EQ(def->aux_floats, nullptr);
  EXPECT_EQ(def->scratch_floats, nullptr);
}

}  // namespace
}  // namespace dagrad
