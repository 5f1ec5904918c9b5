// tests/ops/shared_helpers_test.cc: the definitions several ops share,
// tested directly: ops/loss_checks.h (the classification losses' label
// checks) and ops/pool_window.h (the pools' shape function and geometry).
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "ops/loss_checks.h"
#include "ops/pool_window.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;

TEST(LossChecksTest, ClassLabelShapesReadIdsAndTargets) {
  const OpKind kind = OpKind::kSoftmaxCrossEntropy;
  absl::StatusOr<LabelFormat> ids =
      CheckClassLabelShapes(kind, {Shape({4, 3}), Shape({4})}, "logits");
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, LabelFormat::kClassIds);
  absl::StatusOr<LabelFormat> targets = CheckClassLabelShapes(
      kind, {Shape({kUnknown, 3}), Shape({kUnknown, 3})}, "logits");
  ASSERT_TRUE(targets.ok()) << targets.status();
  EXPECT_EQ(*targets, LabelFormat::kTargets);
  absl::StatusOr<LabelFormat> bad =
      CheckClassLabelShapes(kind, {Shape({4, 3}), Shape({5})}, "logits");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "SoftmaxCrossEntropy"))
      << bad.status();
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "[4,3], [5]"))
      << bad.status();
}

TEST(LossChecksTest, ClassIdsMustBeWholeNumbersInRange) {
  const float good[] = {0, 2, 1};
  EXPECT_TRUE(CheckClassIds(OpKind::kCrossEntropy, good, 3, 3).ok());
  for (float bad_value : {3.0f, -1.0f, 1.5f}) {
    const float bad[] = {0, bad_value, 1};
    const absl::Status s = CheckClassIds(OpKind::kCrossEntropy, bad, 3, 3);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad_value;
    EXPECT_TRUE(absl::StrContains(s.message(), "CrossEntropy")) << s;
  }
}

TEST(LossChecksTest, SameShapeLossesNeedEqualShapes) {
  EXPECT_TRUE(CheckSameShapeLoss(OpKind::kMeanSquaredError,
                                 {Shape({2, 3}), Shape({kUnknown, 3})}, "y",
                                 "t")
                  .ok());
  const absl::Status s = CheckSameShapeLoss(
      OpKind::kMeanSquaredError, {Shape({2, 3}), Shape({2, 4})}, "y", "t");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(s.message(), "[2,3], [2,4]")) << s;
}

TEST(PoolWindowTest, ShapeAndGeometryFollowThePadding) {
  PoolWindow w;  // 2x2, stride 2, VALID.
  absl::StatusOr<Shape> valid =
      PoolShape(OpKind::kMaxPool2D, {Shape({kUnknown, 3, 7, 7})}, w);
  ASSERT_TRUE(valid.ok()) << valid.status();
  EXPECT_EQ(*valid, Shape({kUnknown, 3, 3, 3}));
  w.padding = Padding::kSame;
  absl::StatusOr<Shape> same =
      PoolShape(OpKind::kMaxPool2D, {Shape({2, 3, 7, 7})}, w);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(*same, Shape({2, 3, 4, 4}));
  // TensorFlow's SAME split: total padding 1, none before, one after.
  const PoolGeometry geo = PoolGeometryOf(Shape({2, 3, 7, 7}), w);
  EXPECT_EQ(geo.planes, 6);
  EXPECT_EQ(geo.out_h, 4);
  EXPECT_EQ(geo.pad_top, 0);
  EXPECT_EQ(geo.pad_bottom, 1);
  EXPECT_EQ(geo.pad_left, 0);
  EXPECT_EQ(geo.pad_right, 1);
  w.padding = Padding::kValid;
  w.window_h = 9;
  absl::StatusOr<Shape> too_big =
      PoolShape(OpKind::kAvgPool2D, {Shape({2, 3, 7, 7})}, w);
  ASSERT_FALSE(too_big.ok());
  EXPECT_TRUE(absl::StrContains(too_big.status().message(), "AvgPool2D"))
      << too_big.status();
}

TEST(PoolWindowTest, GlobalPoolsTakeNchw) {
  absl::StatusOr<Shape> y =
      GlobalPoolShape(OpKind::kGlobalAvgPool, {Shape({kUnknown, 5, 4, 4})});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(*y, Shape({kUnknown, 5}));
  EXPECT_FALSE(GlobalPoolShape(OpKind::kGlobalAvgPool, {Shape({5, 4})}).ok());
  const GlobalPoolPlanes p = GlobalPoolPlanesOf(Shape({2, 5, 4, 3}));
  EXPECT_EQ(p.planes, 10);
  EXPECT_EQ(p.size, 12);
}

}  // namespace
}  // namespace dagrad
