// LayerNorm (layers/layer_norm.h): gradients of gamma, beta and the input
// over one and two trailing axes; the parameters' shapes and start values;
// bad settings as InvalidArgument naming the layer and the input shape.
#include "layers/layer_norm.h"

#include <cstdint>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/layers/layer_gradient.h"

namespace dagrad {
namespace {

TEST(LayerNormLayerTest, GradientsOverTrailingAxes) {
  for (int axes : {1, 2}) {
    SCOPED_TRACE(axes);
    LayerGradientCase c;
    c.input = RandomTensor(Shape({3, 4, 5}), 1 + axes, -2.0f, 2.0f);
    c.options.epsilon = 1e-2;
    c.options.atol = 1e-3;
    LayerNormOptions options;
    options.axes = axes;
    CheckLayerGradients(LayerNorm(options), c);
  }
}

TEST(LayerNormLayerTest, ParametersHaveTheTrailingShape) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 4, 5}));
  LayerNormOptions options;
  options.axes = 2;
  NodeId y = *LayerNorm(options).Build(&b, "ln", x);
  EXPECT_EQ(*b.shape(y), Shape({Shape::kUnknownDim, 4, 5}));
  std::vector<NodeId> params = b.trainable_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(b.name(params[0]), "ln/gamma");
  EXPECT_EQ(b.name(params[1]), "ln/beta");
  EXPECT_EQ(*b.shape(params[0]), Shape({4, 5}));
  EXPECT_EQ(*b.shape(params[1]), Shape({4, 5}));
}

TEST(LayerNormLayerTest, BadSettingsNameTheLayer) {
  struct Case {
    int axes;
    float epsilon;
    const char* mentions;
  };
  for (const Case& c :
       {Case{0, 1e-5f, "axes must be in [1, 2]"}, Case{3, 1e-5f, "got 3"},
        Case{1, 0.0f, "epsilon must be positive"}, Case{1, -1.0f, "epsilon"}}) {
    GraphBuilder b;
    NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 4, 5}));
    LayerNormOptions options;
    options.axes = c.axes;
    options.epsilon = c.epsilon;
    absl::StatusOr<NodeId> y = LayerNorm(options).Build(&b, "ln_1", x);
    ASSERT_FALSE(y.ok());
    EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
    for (const char* m : {"'ln_1' (LayerNorm)", "[?,4,5]", c.mentions}) {
      EXPECT_TRUE(absl::StrContains(y.status().message(), m)) << y.status();
    }
  }
}

}  // namespace
}  // namespace dagrad
