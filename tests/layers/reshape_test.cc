// Reshape (layers/reshape.h): per-example targets with and without -1, the
// input gradient (a copy back), and bad targets naming the layer.
#include "layers/reshape.h"

#include <cstdint>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/layers/layer_gradient.h"

namespace dagrad {
namespace {

TEST(ReshapeLayerTest, ImagesBecomeSequences) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 1, 28, 28}));
  EXPECT_EQ(*b.shape(*Reshape({28, 28}).Build(&b, "r1", x)),
            Shape({Shape::kUnknownDim, 28, 28}));
  EXPECT_EQ(*b.shape(*Reshape({-1, 14}).Build(&b, "r2", x)),
            Shape({Shape::kUnknownDim, 56, 14}));
  EXPECT_EQ(*b.shape(*Reshape({-1}).Build(&b, "r3", x)),
            Shape({Shape::kUnknownDim, 784}));
}

TEST(ReshapeLayerTest, InputGradient) {
  LayerGradientCase c;
  c.input = RandomTensor(Shape({2, 1, 4, 3}), 1);
  c.options.atol = 1e-3;
  CheckLayerGradients(Reshape({-1, 6}), c);
}

TEST(ReshapeLayerTest, BadTargetsNameTheLayerAndShape) {
  struct Case {
    std::vector<int64_t> target;
    const char* mentions;
  };
  for (const Case& c : {Case{{28, 27}, "has 756 elements per example"},
                        Case{{-1, -1}, "-1 once"}, Case{{0, 784}, ">= 1"},
                        Case{{-1, 5}, "not a multiple of 5"}}) {
    GraphBuilder b;
    NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 1, 28, 28}));
    absl::StatusOr<NodeId> y = Reshape(c.target).Build(&b, "reshape_1", x);
    ASSERT_FALSE(y.ok());
    EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
    for (const char* m : {"'reshape_1' (Reshape)", "[?,1,28,28]", c.mentions}) {
      EXPECT_TRUE(absl::StrContains(y.status().message(), m)) << y.status();
    }
  }
}

}  // namespace
}  // namespace dagrad
