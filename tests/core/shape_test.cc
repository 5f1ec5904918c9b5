#include "core/shape.h"

#include <cstdint>
#include <limits>

#include "gtest/gtest.h"

namespace dagrad {
namespace {

TEST(ShapeTest, DimsRankAndCount) {
  Shape s({64, 1, 28, 28});
  EXPECT_EQ(s.rank(), 4);
  EXPECT_EQ(s.dim(0), 64);
  EXPECT_EQ(s.dim(-1), 28);
  EXPECT_EQ(s.num_elements(), 64 * 28 * 28);
  EXPECT_EQ(s.DebugString(), "[64,1,28,28]");
}

TEST(ShapeTest, ScalarHasOneElement) {
  Shape s;
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.num_elements(), 1);
  EXPECT_EQ(s.DebugString(), "[]");
}

TEST(ShapeTest, ZeroDimHasNoElements) {
  EXPECT_EQ(Shape({3, 0, 2}).num_elements(), 0);
}

TEST(ShapeTest, UnknownBatchDim) {
  Shape s({Shape::kUnknownDim, 784});
  EXPECT_FALSE(s.is_fully_defined());
  EXPECT_EQ(s.num_elements(), -1);
  EXPECT_EQ(s.DebugString(), "[?,784]");
  s.set_dim(0, 32);
  EXPECT_TRUE(s.is_fully_defined());
  EXPECT_EQ(s, Shape({32, 784}));
  EXPECT_NE(s, Shape({784, 32}));
}

TEST(ShapeTest, MakeRejectsNegativeAndOverflow) {
  EXPECT_TRUE(Shape::Make({2, 3}).ok());
  absl::StatusOr<Shape> negative = Shape::Make({2, -5});
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(negative.status().message().find("-5"), std::string::npos);
  const int64_t big = int64_t{1} << 40;
  absl::StatusOr<Shape> overflow = Shape::Make({big, big});
  ASSERT_FALSE(overflow.ok());
  EXPECT_NE(overflow.status().message().find("overflow"), std::string::npos);
}

TEST(ShapeTest, ShapesDebugString) {
  EXPECT_EQ(ShapesDebugString({Shape({2, 3}), Shape({3})}), "[2,3], [3]");
}

}  // namespace
}  // namespace dagrad
