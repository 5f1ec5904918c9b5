#include "ops/sum.h"

#include <cmath>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

SumAttrs Attrs(int axis, bool keep_dims) {
  SumAttrs attrs;
  attrs.axis = axis;
  attrs.keep_dims = keep_dims;
  return attrs;
}

absl::StatusOr<Shape> OutputShape(const Shape& x, const SumAttrs& attrs) {
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kSum, attrs, {x}, &pool);
  if (!op.ok()) return op.status();
  return (*op)->output().shape();
}

TEST(SumTest, OutputShapes) {
  const Shape x({2, 3, 4});
  const SumAttrs all = Attrs(SumAttrs::kAllAxes, false);
  EXPECT_EQ(*OutputShape(x, all), Shape());
  EXPECT_EQ(*OutputShape(x, Attrs(SumAttrs::kAllAxes, true)),
            Shape({1, 1, 1}));
  EXPECT_EQ(*OutputShape(x, Attrs(0, false)), Shape({3, 4}));
  EXPECT_EQ(*OutputShape(x, Attrs(1, false)), Shape({2, 4}));
  EXPECT_EQ(*OutputShape(x, Attrs(2, false)), Shape({2, 3}));
  EXPECT_EQ(*OutputShape(x, Attrs(-1, false)), Shape({2, 3}));
  EXPECT_EQ(*OutputShape(x, Attrs(-3, true)), Shape({1, 3, 4}));
  EXPECT_EQ(*OutputShape(x, Attrs(1, true)), Shape({2, 1, 4}));
}

TEST(SumTest, AxisOutOfRangeIsRejected) {
  const Shape x({2, 3, 4});
  for (int axis : {3, -4, 100}) {
    auto s = OutputShape(x, Attrs(axis, false));
    ASSERT_FALSE(s.ok()) << axis;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string msg(s.status().message());
    EXPECT_NE(msg.find("Sum"), std::string::npos) << msg;
    EXPECT_NE(msg.find(x.DebugString()), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::to_string(axis)), std::string::npos) << msg;
  }
}

TEST(SumTest, AllElementsMatchesNaiveReference) {
  for (int64_t n : {1, 17, 4096, 10007}) {
    Tensor x = RandomTensor(Shape({n}), /*seed=*/static_cast<uint64_t>(n));
    auto y = RunForward(OpKind::kSum, Attrs(SumAttrs::kAllAxes, false), {&x});
    ASSERT_TRUE(y.ok()) << y.status();
    double acc = 0;
    for (int64_t i = 0; i < n; ++i) acc += x[i];
    const double expected = acc;
    EXPECT_NEAR((*y)[0], expected, 1e-5 * (1 + std::abs(expected))) << n;
  }
}

TEST(SumTest, AxisMatchesNaiveReference) {
  const int64_t dims[3] = {3, 5, 7};
  Tensor x = RandomTensor(Shape({3, 5, 7}), /*seed=*/2);
  for (int axis = 0; axis < 3; ++axis) {
    auto y = RunForward(OpKind::kSum, Attrs(axis, false), {&x});
    ASSERT_TRUE(y.ok()) << y.status();
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= dims[d];
    for (int d = axis + 1; d < 3; ++d) inner *= dims[d];
    const int64_t d = dims[axis];
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        double acc = 0;
        for (int64_t j = 0; j < d; ++j) acc += x[(o * d + j) * inner + i];
        const double expected = acc;
        EXPECT_NEAR((*y)[o * inner + i], expected, 1e-5)
            << "axis " << axis << " o " << o << " i " << i;
      }
    }
  }
}

TEST(SumTest, GradientMatchesNumeric) {
  const Shape shape({3, 4, 5});
  for (int axis : {SumAttrs::kAllAxes, 0, 1, 2, -1, -3}) {
    for (bool keep_dims : {false, true}) {
      Tensor x = RandomTensor(shape, /*seed=*/11);
      auto result = CheckGradients(OpKind::kSum, Attrs(axis, keep_dims), {&x});
      EXPECT_TRUE(result.ok()) << "axis " << axis << " keep_dims " << keep_dims
                               << ": " << result.status();
    }
  }
}

TEST(SumTest, OneAndTwoThreadsAreBitwiseEqual) {
  Tensor x = RandomTensor(Shape({61, 1001}), /*seed=*/5);
  for (int axis : {SumAttrs::kAllAxes, 0, 1}) {
    ThreadPool pool1(1), pool2(2);
    auto op1 = EagerOp::Create(OpKind::kSum, Attrs(axis, false), {x.shape()},
                               &pool1);
    auto op2 = EagerOp::Create(OpKind::kSum, Attrs(axis, false), {x.shape()},
                               &pool2);
    ASSERT_TRUE(op1.ok() && op2.ok());
    ASSERT_TRUE((*op1)->Forward({&x}).ok());
    ASSERT_TRUE((*op2)->Forward({&x}).ok());
    const Tensor& y1 = (*op1)->output();
    const Tensor& y2 = (*op2)->output();
    for (int64_t i = 0; i < y1.size(); ++i) ASSERT_EQ(y1[i], y2[i]) << axis;
    Tensor dy = RandomTensor(y1.shape(), /*seed=*/6);
    Tensor d1 = Tensor::Zeros(x.shape()), d2 = Tensor::Zeros(x.shape());
    ASSERT_TRUE((*op1)->Vjp(0, dy, &d1).ok());
    ASSERT_TRUE((*op2)->Vjp(0, dy, &d2).ok());
    for (int64_t i = 0; i < x.size(); ++i) ASSERT_EQ(d1[i], d2[i]) << axis;
  }
}

}  // namespace
}  // namespace dagrad
