#include "ops/scale.h"

#include <limits>
#include <memory>

#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

TEST(ScaleTest, ForwardMatchesNaiveReference) {
  Tensor x = RandomTensor(Shape({3, 5, 7}), /*seed=*/1);
  ScaleAttrs attrs;
  attrs.alpha = -2.5f;
  auto y = RunForward(OpKind::kScale, attrs, {&x});
  ASSERT_TRUE(y.ok()) << y.status();
  for (int64_t i = 0; i < x.size(); ++i) EXPECT_EQ((*y)[i], -2.5f * x[i]);
}

TEST(ScaleTest, GradientMatchesNumeric) {
  for (float alpha : {0.5f, -3.0f}) {
    for (const Shape& shape : {Shape({7}), Shape({4, 9}), Shape({2, 3, 5})}) {
      Tensor x = RandomTensor(shape, /*seed=*/11);
      ScaleAttrs attrs;
      attrs.alpha = alpha;
      auto result = CheckGradients(OpKind::kScale, attrs, {&x});
      EXPECT_TRUE(result.ok()) << shape.DebugString() << ": " << result.status();
    }
  }
}

TEST(ScaleTest, NonFiniteAlphaIsRejected) {
  Shape x({2, 3});
  ScaleAttrs attrs;
  attrs.alpha = std::numeric_limits<float>::infinity();
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kScale, attrs, {x}, &pool);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(op.status().message());
  EXPECT_NE(msg.find("Scale"), std::string::npos) << msg;
  EXPECT_NE(msg.find(x.DebugString()), std::string::npos) << msg;
}

TEST(ScaleTest, OneAndTwoThreadsAreBitwiseEqual) {
  Tensor x = RandomTensor(Shape({100003}), /*seed=*/5);
  ScaleAttrs attrs;
  attrs.alpha = 0.3f;
  ThreadPool pool1(1), pool2(2);
  auto op1 = EagerOp::Create(OpKind::kScale, attrs, {x.shape()}, &pool1);
  auto op2 = EagerOp::Create(OpKind::kScale, attrs, {x.shape()}, &pool2);
  ASSERT_TRUE(op1.ok() && op2.ok());
  ASSERT_TRUE((*op1)->Forward({&x}).ok());
  ASSERT_TRUE((*op2)->Forward({&x}).ok());
  for (int64_t i = 0; i < x.size(); ++i) {
    ASSERT_EQ((*op1)->output()[i], 0.3f * x[i]);
    ASSERT_EQ((*op2)->output()[i], 0.3f * x[i]);
  }
}

}  // namespace
}  // namespace dagrad
