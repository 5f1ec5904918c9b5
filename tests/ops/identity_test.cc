#include "ops/identity.h"

#include <cstdint>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

// Runs forward and VJP on a pool of `threads` threads.
void RunIdentity(int threads, Tensor& x, const Tensor& dy, Tensor* y,
                 Tensor* dx) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(OpKind::kIdentity, IdentityAttrs{}, {x.shape()},
                            &pool);
  ASSERT_TRUE(op.ok()) << op.status();
  ASSERT_TRUE((*op)->Forward({&x}).ok());
  *y = (*op)->output().Clone();
  *dx = Tensor::Zeros(x.shape());
  dx->Fill(std::nanf(""));  // The VJP must overwrite every element.
  ASSERT_TRUE((*op)->Vjp(0, dy, dx).ok());
}

TEST(IdentityTest, ForwardCopiesAndVjpPassesGradientThrough) {
  for (const Shape& shape : {Shape(), Shape({1}), Shape({17}), Shape({3, 5}),
                             Shape({2, 3, 4, 5})}) {
    Tensor x = RandomTensor(shape, /*seed=*/4);
    Tensor dy = RandomTensor(shape, /*seed=*/5);
    Tensor y, dx;
    RunIdentity(1, x, dy, &y, &dx);
    ASSERT_EQ(y.shape(), shape);
    for (int64_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(y[i], x[i]) << shape.DebugString() << " " << i;
      EXPECT_EQ(dx[i], dy[i]) << shape.DebugString() << " " << i;
    }
  }
}

TEST(IdentityTest, GradientMatchesNumeric) {
  int seed = 1;
  for (const Shape& shape : {Shape({7}), Shape({4, 9}), Shape({3, 5, 7}),
                             Shape({2, 3, 5, 5})}) {
    Tensor x = RandomTensor(shape, ++seed);
    auto result = CheckGradients(OpKind::kIdentity, IdentityAttrs{}, {&x});
    EXPECT_TRUE(result.ok()) << shape.DebugString() << ": " << result.status();
  }
}

TEST(IdentityTest, ShapePassesThroughIncludingUnknownBatch) {
  for (const Shape& shape : {Shape(), Shape({5}),
                             Shape({Shape::kUnknownDim, 10}),
                             Shape({2, 3, 4, 5})}) {
    auto out = IdentityShape({shape}, IdentityAttrs{});
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(*out, shape);
  }
}

TEST(IdentityTest, RejectsTwoInputs) {
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kIdentity, IdentityAttrs{},
                            {Shape({2, 3}), Shape({4})}, &pool);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(op.status().message());
  EXPECT_NE(message.find("Identity"), std::string::npos) << message;
  EXPECT_NE(message.find("[2,3], [4]"), std::string::npos) << message;
}

TEST(IdentityTest, OneAndTwoThreadsAreBitwiseEqual) {
  // Large enough for two copy blocks, odd so they are uneven.
  const Shape shape({(1 << 20) + 13});
  Tensor x = RandomTensor(shape, /*seed=*/21);
  Tensor dy = RandomTensor(shape, /*seed=*/22);
  Tensor y1, dx1, y2, dx2;
  RunIdentity(1, x, dy, &y1, &dx1);
  RunIdentity(2, x, dy, &y2, &dx2);
  const size_t bytes = x.size() * sizeof(float);
  EXPECT_EQ(std::memcmp(y1.data(), y2.data(), bytes), 0);
  EXPECT_EQ(std::memcmp(dx1.data(), dx2.data(), bytes), 0);
  EXPECT_EQ(std::memcmp(y2.data(), x.data(), bytes), 0);
  EXPECT_EQ(std::memcmp(dx2.data(), dy.data(), bytes), 0);
}

}  // namespace
}  // namespace dagrad
