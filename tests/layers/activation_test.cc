// The activation layers with a parameter (layers/activation.h): LeakyReLU's
// and GELU's input gradients (away from LeakyReLU's kink at 0), the op each
// adds with its attribute, and a non-finite alpha as InvalidArgument.
#include "layers/activation.h"

#include <limits>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "ops/gelu.h"
#include "ops/leaky_relu.h"
#include "tests/layers/layer_gradient.h"

namespace dagrad {
namespace {

LayerGradientCase AwayFromZero(uint64_t seed) {
  LayerGradientCase c;
  c.input = RandomTensorAwayFromZero(Shape({3, 7}), seed, /*margin=*/0.05f);
  c.options.epsilon = 1e-2;  // Below the margin: no point crosses the kink.
  c.options.atol = 1e-3;
  return c;
}

TEST(ActivationLayerTest, LeakyReluGradient) {
  for (float alpha : {0.01f, 0.2f}) {
    SCOPED_TRACE(alpha);
    CheckLayerGradients(LeakyReLU(alpha), AwayFromZero(1));
  }
}

TEST(ActivationLayerTest, GeluGradientBothForms) {
  for (GeluApproximation a :
       {GeluApproximation::kNone, GeluApproximation::kTanh}) {
    CheckLayerGradients(GELU(a), AwayFromZero(2));
  }
}

TEST(ActivationLayerTest, AddsTheOpWithItsAttribute) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 4}));
  NodeId l = *LeakyReLU(0.3f).Build(&b, "leaky", x);
  EXPECT_EQ(b.op_kind(l), OpKind::kLeakyRelu);
  EXPECT_EQ(AttrsAs<LeakyReluAttrs>(b.node(l).attrs).alpha, 0.3f);
  NodeId g = *GELU(GeluApproximation::kTanh).Build(&b, "gelu", x);
  EXPECT_EQ(b.op_kind(g), OpKind::kGelu);
  EXPECT_EQ(AttrsAs<GeluAttrs>(b.node(g).attrs).approximation,
            GeluApproximation::kTanh);
  EXPECT_EQ(b.name(g), "gelu/Gelu");
}

TEST(ActivationLayerTest, NonFiniteAlphaNamesTheLayer) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 4}));
  absl::StatusOr<NodeId> y =
      LeakyReLU(std::numeric_limits<float>::infinity()).Build(&b, "lr_1", x);
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
  for (const char* m :
       {"'lr_1' (LeakyReLU)", "alpha must be finite", "[?,4]"}) {
    EXPECT_TRUE(absl::StrContains(y.status().message(), m)) << y.status();
  }
}

}  // namespace
}  // namespace dagrad
