#include "ops/mul.h"

#include <memory>

#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

TEST(MulTest, ForwardMatchesNaiveReference) {
  Tensor a = RandomTensor(Shape({3, 5, 7}), /*seed=*/1);
  Tensor b = RandomTensor(Shape({3, 5, 7}), /*seed=*/2);
  auto y = RunForward(OpKind::kMul, MulAttrs{}, {&a, &b});
  ASSERT_TRUE(y.ok()) << y.status();
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_EQ((*y)[i], a[i] * b[i]);
}

TEST(MulTest, GradientMatchesNumeric) {
  for (const Shape& shape : {Shape({7}), Shape({4, 9}), Shape({2, 3, 5, 5})}) {
    Tensor a = RandomTensor(shape, /*seed=*/11);
    Tensor b = RandomTensor(shape, /*seed=*/12);
    auto result = CheckGradients(OpKind::kMul, MulAttrs{}, {&a, &b});
    EXPECT_TRUE(result.ok()) << shape.DebugString() << ": " << result.status();
  }
}

TEST(MulTest, UnequalShapesAreRejected) {
  Shape a({2, 3}), b({3, 2});
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kMul, MulAttrs{}, {a, b}, &pool);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(op.status().message());
  EXPECT_NE(msg.find("Mul"), std::string::npos) << msg;
  EXPECT_NE(msg.find(a.DebugString()), std::string::npos) << msg;
  EXPECT_NE(msg.find(b.DebugString()), std::string::npos) << msg;
}

TEST(MulTest, OneAndTwoThreadsAreBitwiseEqual) {
  Tensor a = RandomTensor(Shape({100003}), /*seed=*/5);
  Tensor b = RandomTensor(Shape({100003}), /*seed=*/6);
  ThreadPool pool1(1), pool2(2);
  auto op1 = EagerOp::Create(OpKind::kMul, MulAttrs{}, {a.shape(), b.shape()},
                             &pool1);
  auto op2 = EagerOp::Create(OpKind::kMul, MulAttrs{}, {a.shape(), b.shape()},
                             &pool2);
  ASSERT_TRUE(op1.ok() && op2.ok());
  ASSERT_TRUE((*op1)->Forward({&a, &b}).ok());
  ASSERT_TRUE((*op2)->Forward({&a, &b}).ok());
  for (int64_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ((*op1)->output()[i], a[i] * b[i]);
    ASSERT_EQ((*op2)->output()[i], a[i] * b[i]);
  }
  Tensor dx = Tensor::Zeros(a.shape());
  ASSERT_TRUE((*op2)->Vjp(1, a, &dx).ok());
  for (int64_t i = 0; i < a.size(); ++i) ASSERT_EQ(dx[i], a[i] * a[i]);
}

}  // namespace
}  // namespace dagrad
