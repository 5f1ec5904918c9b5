#include "ops/relu.h"

#include <memory>

#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

TEST(ReluTest, KnownValues) {
  // Forward and VJP values from the op-library issue.
  Tensor x = Tensor::FromValues(Shape({2, 3}), {0.1f, -0.2f, 0.3f, -0.4f, 0.5f,
                                                -0.6f});
  Tensor dy = Tensor::FromValues(Shape({2, 3}), {5, 10, -10, -5, 0, 10});
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kRelu, ReluAttrs{}, {x.shape()}, &pool);
  ASSERT_TRUE(op.ok()) << op.status();
  ASSERT_TRUE((*op)->Forward({&x}).ok());
  const float expected_y[] = {0.1f, 0, 0.3f, 0, 0.5f, 0};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ((*op)->output()[i], expected_y[i]);
  Tensor dx = Tensor::Zeros(x.shape());
  ASSERT_TRUE((*op)->Vjp(0, dy, &dx).ok());
  const float expected_dx[] = {5, 0, -10, 0, 0, 0};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(dx[i], expected_dx[i]);
}

TEST(ReluTest, SubgradientAtZeroIsZero) {
  Tensor x = Tensor::FromValues(Shape({2}), {0.0f, -0.0f});
  Tensor dy = Tensor::FromValues(Shape({2}), {1, 1});
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kRelu, ReluAttrs{}, {x.shape()}, &pool);
  ASSERT_TRUE(op.ok());
  ASSERT_TRUE((*op)->Forward({&x}).ok());
  Tensor dx = Tensor::Zeros(x.shape());
  ASSERT_TRUE((*op)->Vjp(0, dy, &dx).ok());
  EXPECT_EQ(dx[0], 0.0f);
  EXPECT_EQ(dx[1], 0.0f);
}

TEST(ReluTest, ForwardMatchesNaiveReference) {
  Tensor x = RandomTensor(Shape({3, 5, 7}), /*seed=*/3);
  auto y = RunForward(OpKind::kRelu, ReluAttrs{}, {&x});
  ASSERT_TRUE(y.ok());
  for (int64_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ((*y)[i], x[i] > 0 ? x[i] : 0.0f);
  }
}

TEST(ReluTest, GradientMatchesNumeric) {
  for (const Shape& shape : {Shape({7}), Shape({4, 9}), Shape({2, 3, 5, 5})}) {
    Tensor x = RandomTensorAwayFromZero(shape, /*seed=*/11, /*margin=*/0.05f);
    auto result = CheckGradients(OpKind::kRelu, ReluAttrs{}, {&x});
    EXPECT_TRUE(result.ok()) << shape.DebugString() << ": " << result.status();
  }
}

TEST(ReluTest, CheckerRefusesPointsAtTheKink) {
  // Inputs within epsilon of 0 straddle the kink: the checker must refuse
  // them rather than report a pass.
  Tensor x = Tensor::FromValues(Shape({4}), {0.001f, -0.001f, 0.002f, -0.002f});
  auto result = CheckGradients(OpKind::kRelu, ReluAttrs{}, {&x});
  EXPECT_FALSE(result.ok());
}

TEST(ReluTest, RunsInParallel) {
  Tensor x = RandomTensor(Shape({100000}), /*seed=*/5);
  ThreadPool pool(2);
  auto op = EagerOp::Create(OpKind::kRelu, ReluAttrs{}, {x.shape()}, &pool);
  ASSERT_TRUE(op.ok());
  ASSERT_TRUE((*op)->Forward({&x}).ok());
  for (int64_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ((*op)->output()[i], x[i] > 0 ? x[i] : 0.0f);
  }
}

}  // namespace
}  // namespace dagrad
