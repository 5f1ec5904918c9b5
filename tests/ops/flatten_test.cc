#include "ops/flatten.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "ops/eager.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;

// ExpectShapeError() requires InvalidArgument whose message names Flatten,
// the input shape and `part`.
void ExpectShapeError(const Shape& input, const std::string& part) {
  auto out = FlattenShape({input}, FlattenAttrs{});
  ASSERT_FALSE(out.ok()) << input.DebugString() << " -> " << out->DebugString();
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_EQ(message.rfind("Flatten: ", 0), 0u) << message;
  EXPECT_NE(message.find("inputs " + input.DebugString()), std::string::npos)
      << message;
  EXPECT_NE(message.find(part), std::string::npos) << message;
}

// Runs forward and VJP on a pool of `threads` threads.
void RunFlatten(int threads, Tensor& x, Tensor* y, Tensor* dx) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(OpKind::kFlatten, FlattenAttrs{}, {x.shape()},
                            &pool);
  ASSERT_TRUE(op.ok()) << op.status();
  ASSERT_TRUE((*op)->Forward({&x}).ok());
  *y = (*op)->output().Clone();
  // dy = 2 * y, so the VJP's result is recognizably not the forward's.
  Tensor dy = y->Clone();
  for (int64_t i = 0; i < dy.size(); ++i) dy[i] *= 2.0f;
  *dx = Tensor::Zeros(x.shape());
  dx->Fill(std::nanf(""));  // The VJP must overwrite every element.
  ASSERT_TRUE((*op)->Vjp(0, dy, dx).ok());
}

TEST(FlattenTest, InfersShapes) {
  EXPECT_EQ(*FlattenShape({Shape({2, 3, 4, 5})}, FlattenAttrs{}),
            Shape({2, 60}));
  EXPECT_EQ(*FlattenShape({Shape({64, 6, 28, 28})}, FlattenAttrs{}),
            Shape({64, 4704}));
  EXPECT_EQ(*FlattenShape({Shape({3, 7})}, FlattenAttrs{}), Shape({3, 7}));
  EXPECT_EQ(*FlattenShape({Shape({3, 0, 7})}, FlattenAttrs{}), Shape({3, 0}));
  // The unknown batch stays unknown.
  EXPECT_EQ(*FlattenShape({Shape({kUnknown, 6, 28, 28})}, FlattenAttrs{}),
            Shape({kUnknown, 4704}));
  EXPECT_EQ(*FlattenShape({Shape({kUnknown, 10})}, FlattenAttrs{}),
            Shape({kUnknown, 10}));
}

TEST(FlattenTest, RejectsRankBelowTwo) {
  ExpectShapeError(Shape({5}), "rank 1");
  ExpectShapeError(Shape(), "rank 0");
  ExpectShapeError(Shape({kUnknown}), "rank 1");
}

TEST(FlattenTest, RejectsUnknownNonBatchDimension) {
  ExpectShapeError(Shape({2, kUnknown, 3}), "dimension 1 is unknown");
}

TEST(FlattenTest, RejectsOverflow) {
  const int64_t big = int64_t{1} << 40;
  ExpectShapeError(Shape({2, big, big}), "overflows");
  ExpectShapeError(Shape({big, big, 1 << 24}), "overflows");
}

TEST(FlattenTest, EagerCreateReportsShapeErrors) {
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kFlatten, FlattenAttrs{}, {Shape({5})},
                            &pool);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(op.status().message());
  EXPECT_NE(message.find("Flatten"), std::string::npos) << message;
  EXPECT_NE(message.find("[5]"), std::string::npos) << message;
}

TEST(FlattenTest, ForwardAndVjpKeepRowMajorOrder) {
  Tensor x = RandomTensor(Shape({2, 3, 4, 5}), /*seed=*/1);
  Tensor y, dx;
  RunFlatten(1, x, &y, &dx);
  ASSERT_EQ(y.shape(), Shape({2, 60}));
  ASSERT_EQ(dx.shape(), x.shape());
  // Naive reference: y[n][(c*4 + h)*5 + w] = x[n][c][h][w].
  for (int n = 0; n < 2; ++n) {
    for (int c = 0; c < 3; ++c) {
      for (int h = 0; h < 4; ++h) {
        for (int w = 0; w < 5; ++w) {
          const int in = ((n * 3 + c) * 4 + h) * 5 + w;
          EXPECT_EQ(y[n * 60 + (c * 4 + h) * 5 + w], x[in]);
          EXPECT_EQ(dx[in], 2.0f * x[in]);
        }
      }
    }
  }
}

TEST(FlattenTest, GradientMatchesNumeric) {
  int seed = 1;
  for (const Shape& shape : {Shape({4, 9}), Shape({3, 5, 7}),
                             Shape({2, 3, 5, 5}), Shape({1, 1, 3, 1})}) {
    Tensor x = RandomTensor(shape, ++seed);
    auto result = CheckGradients(OpKind::kFlatten, FlattenAttrs{}, {&x});
    EXPECT_TRUE(result.ok()) << shape.DebugString() << ": " << result.status();
  }
}

TEST(FlattenTest, OneAndTwoThreadsAreBitwiseEqual) {
  // Large enough for two copy blocks, odd so they are uneven.
  Tensor x = RandomTensor(Shape({33, 7, 29, 23}), /*seed=*/21);
  Tensor y1, dx1, y2, dx2;
  RunFlatten(1, x, &y1, &dx1);
  RunFlatten(2, x, &y2, &dx2);
  ASSERT_EQ(y2.shape(), Shape({33, 7 * 29 * 23}));
  const size_t bytes = x.size() * sizeof(float);
  EXPECT_EQ(std::memcmp(y1.data(), y2.data(), bytes), 0);
  EXPECT_EQ(std::memcmp(dx1.data(), dx2.data(), bytes), 0);
  EXPECT_EQ(std::memcmp(y2.data(), x.data(), bytes), 0);
}

}  // namespace
}  // namespace dagrad
