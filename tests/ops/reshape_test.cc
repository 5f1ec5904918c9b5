#include "ops/reshape.h"

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

ReshapeAttrs Target(std::vector<int64_t> shape) {
  ReshapeAttrs attrs;
  attrs.shape = std::move(shape);
  return attrs;
}

// ExpectShapeError() requires InvalidArgument whose message names Reshape,
// the input shape and every string in `parts` (e.g. the target shape).
void ExpectShapeError(const Shape& input, std::vector<int64_t> target,
                      std::vector<std::string> parts) {
  auto out = ReshapeShape({input}, Target(target));
  ASSERT_FALSE(out.ok()) << input.DebugString() << " -> " << out->DebugString();
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(out.status().message());
  EXPECT_EQ(message.rfind("Reshape: ", 0), 0u) << message;
  EXPECT_NE(message.find("inputs " + input.DebugString()), std::string::npos)
      << message;
  for (const std::string& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos)
        << "missing '" << part << "' in: " << message;
  }
}

// Runs forward and VJP on a pool of `threads` threads.
void RunReshape(int threads, const ReshapeAttrs& attrs, Tensor& x,
                Tensor* y, Tensor* dx) {
  ThreadPool pool(threads);
  auto op = EagerOp::Create(OpKind::kReshape, attrs, {x.shape()}, &pool);
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

TEST(ReshapeTest, InfersShapes) {
  struct Case {
    Shape input;
    std::vector<int64_t> target;
    Shape want;
  };
  const Case cases[] = {
      {Shape({2, 3, 4}), {24}, Shape({24})},
      {Shape({2, 3, 4}), {-1}, Shape({24})},
      {Shape({2, 3, 4}), {4, -1}, Shape({4, 6})},
      {Shape({2, 3, 4}), {2, -1, 3}, Shape({2, 4, 3})},
      {Shape({2, 3, 4}), {1, 2, 1, 12, 1}, Shape({1, 2, 1, 12, 1})},
      {Shape({1}), {}, Shape()},
      {Shape(), {1, -1}, Shape({1, 1})},
      {Shape({0, 5}), {-1, 5}, Shape({0, 5})},
      {Shape({0, 5}), {5, 0}, Shape({5, 0})},
      // Unknown batch: the -1 stays unknown.
      {Shape({kUnknown, 28, 28}), {-1, 784}, Shape({kUnknown, 784})},
      {Shape({kUnknown, 784}), {-1, 28, 28}, Shape({kUnknown, 28, 28})},
      {Shape({kUnknown, 6}), {3, -1}, Shape({3, kUnknown})},
      {Shape({kUnknown, 0}), {-1, 3}, Shape({0, 3})},
  };
  for (const Case& c : cases) {
    auto out = ReshapeShape({c.input}, Target(c.target));
    ASSERT_TRUE(out.ok()) << c.input.DebugString() << ": " << out.status();
    EXPECT_EQ(*out, c.want) << c.input.DebugString() << " -> "
                            << out->DebugString();
  }
}

TEST(ReshapeTest, RejectsTwoInferredDimensions) {
  ExpectShapeError(Shape({2, 3, 4}), {-1, 2, -1}, {"[-1,2,-1]", "one -1"});
  ExpectShapeError(Shape({kUnknown, 4}), {-1, -1}, {"[-1,-1]"});
}

TEST(ReshapeTest, RejectsElementCountMismatch) {
  ExpectShapeError(Shape({2, 3}), {4, 2}, {"[4,2]", "8", "6"});
  ExpectShapeError(Shape({2, 3, 4}), {5, -1}, {"[5,-1]", "24"});
  ExpectShapeError(Shape({6}), {}, {"[]", "1 elements", "6"});
}

TEST(ReshapeTest, RejectsNegativeDimensionsOtherThanMinusOne) {
  ExpectShapeError(Shape({2, 3}), {-2, 3}, {"[-2,3]", "-2"});
  ExpectShapeError(Shape({2, 3}), {6, -7}, {"[6,-7]", "-7"});
}

TEST(ReshapeTest, RejectsUninferableAndOverflowingTargets) {
  ExpectShapeError(Shape({0, 3}), {-1, 0}, {"[-1,0]", "multiply to 0"});
  const int64_t big = std::numeric_limits<int64_t>::max() / 2;
  ExpectShapeError(Shape({2, 3}), {big, 4},
                   {"[" + std::to_string(big) + ",4]", "overflows"});
}

TEST(ReshapeTest, RejectsFixedTargetForUnknownBatch) {
  ExpectShapeError(Shape({kUnknown, 784}), {64, 784},
                   {"[?,784]", "[64,784]", "unknown"});
}

TEST(ReshapeTest, EagerCreateReportsShapeErrors) {
  ThreadPool pool(1);
  auto op = EagerOp::Create(OpKind::kReshape, Target({4, 2}),
                            {Shape({2, 3})}, &pool);
  ASSERT_FALSE(op.ok());
  EXPECT_EQ(op.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(op.status().message());
  EXPECT_NE(message.find("Reshape"), std::string::npos) << message;
  EXPECT_NE(message.find("[2,3]"), std::string::npos) << message;
  EXPECT_NE(message.find("[4,2]"), std::string::npos) << message;
}

TEST(ReshapeTest, ForwardAndVjpKeepRowMajorOrder) {
  Tensor x = RandomTensor(Shape({2, 3, 4}), /*seed=*/1);
  Tensor y, dx;
  RunReshape(1, Target({4, -1}), x, &y, &dx);
  ASSERT_EQ(y.shape(), Shape({4, 6}));
  // Naive reference: y[r][c] = x[n][h][w] with r*6 + c = (n*3 + h)*4 + w.
  for (int n = 0; n < 2; ++n) {
    for (int h = 0; h < 3; ++h) {
      for (int w = 0; w < 4; ++w) {
        const int flat = (n * 3 + h) * 4 + w;
        EXPECT_EQ(y[(flat / 6) * 6 + flat % 6], x[flat]);
        EXPECT_EQ(dx[flat], 2.0f * x[flat]);
      }
    }
  }
  EXPECT_EQ(dx.shape(), x.shape());
}

TEST(ReshapeTest, GradientMatchesNumeric) {
  struct Case {
    Shape input;
    std::vector<int64_t> target;
  };
  const Case cases[] = {
      {Shape({7}), {7, 1}},
      {Shape({4, 9}), {-1}},
      {Shape({3, 5, 7}), {5, -1, 3}},
      {Shape({2, 3, 5, 5}), {2, 75}},
      {Shape({2, 3, 5, 5}), {1, 5, -1, 3}},
  };
  int seed = 1;
  for (const Case& c : cases) {
    Tensor x = RandomTensor(c.input, ++seed);
    auto result = CheckGradients(OpKind::kReshape, Target(c.target), {&x});
    EXPECT_TRUE(result.ok()) << c.input.DebugString() << ": "
                             << result.status();
  }
}

TEST(ReshapeTest, OneAndTwoThreadsAreBitwiseEqual) {
  // Large enough for two copy blocks, odd so they are uneven.
  Tensor x = RandomTensor(Shape({7, 149797}), /*seed=*/21);
  Tensor y1, dx1, y2, dx2;
  RunReshape(1, Target({-1, 7}), x, &y1, &dx1);
  RunReshape(2, Target({-1, 7}), x, &y2, &dx2);
  ASSERT_EQ(y2.shape(), Shape({149797, 7}));
  const size_t bytes = x.size() * sizeof(float);
  EXPECT_EQ(std::memcmp(y1.data(), y2.data(), bytes), 0);
  EXPECT_EQ(std::memcmp(dx1.data(), dx2.data(), bytes), 0);
  EXPECT_EQ(std::memcmp(y2.data(), x.data(), bytes), 0);
}

}  // namespace
}  // namespace dagrad
