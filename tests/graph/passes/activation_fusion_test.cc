// Activation fusion: graphs before and after, bitwise equal with the pass
// off, the DOT labels, and a gradient check of the fused op.
#include "graph/passes/activation_fusion.h"

#include <vector>

#include "gmock/gmock.h"
#include "graph/autodiff.h"
#include "graph/dot.h"
#include "gtest/gtest.h"
#include "ops/bias_add.h"
#include "ops/conv2d.h"
#include "ops/flatten.h"
#include "ops/mat_mul.h"
#include "ops/max_pool2d.h"
#include "ops/relu.h"
#include "ops/sigmoid.h"
#include "ops/softmax_cross_entropy.h"
#include "ops/tanh.h"
#include "tests/graph/passes/pass_testing.h"

namespace dagrad {
namespace {

using ::testing::HasSubstr;

template <typename Act>
NodeId Dense(GraphBuilder* b, NodeId x, int64_t in, int64_t out,
             const std::string& name) {
  NodeId w =
      *b->AddParameter(name + "/W", Shape({in, out}), UniformInit(-0.5f, 0.5f));
  NodeId bias =
      *b->AddParameter(name + "/b", Shape({out}), UniformInit(-0.5f, 0.5f));
  NodeOptions scope;
  scope.scope = name;
  NodeId m = *b->AddOp(MatMulAttrs{}, {x, w}, scope);
  NodeId a = *b->AddOp(BiasAddAttrs{}, {m, bias}, scope);
  return *b->AddOp(Act{}, {a}, scope);
}

Tensor Ramp(const Shape& shape, float step) {
  Tensor t = Tensor::Zeros(shape);
  for (int64_t i = 0; i < t.size(); ++i) {
    t[i] = static_cast<float>((i * 37) % 23 - 11) * step;
  }
  return t;
}

TEST(ActivationFusionTest, FusesDenseLayersExactly) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 5}));
  NodeId labels = *b.AddInput("labels", Shape({Shape::kUnknownDim}));
  NodeId h = Dense<TanhAttrs>(&b, x, 5, 6, "d1");
  NodeId z = Dense<ReluAttrs>(&b, h, 6, 4, "d2");
  NodeId s = Dense<SigmoidAttrs>(&b, z, 4, 3, "d3");
  NodeId loss = *b.AddOp(SoftmaxCrossEntropyAttrs{}, {s, labels});
  std::vector<NodeId> grads = *AddGradients(&b, loss, b.parameters());
  PassCase c;
  c.graph = *b.Finalize();
  c.fetches = grads;
  c.fetches.push_back(loss);
  c.fetches.push_back(s);
  c.batch = 4;
  c.feeds.emplace_back(x, Ramp(Shape({4, 5}), 0.2f));
  c.feeds.emplace_back(labels, Tensor::FromValues(Shape({4}), {0, 2, 1, 1}));
  PipelineResult r =
      ExpectPassesExact(c, Only(&PassOptions::activation_fusion));
  EXPECT_EQ(r.log[3].rewrites, 3);
  EXPECT_EQ(Count(r.graph, OpKind::kMatMul), 0);
  EXPECT_EQ(Count(r.graph, OpKind::kBiasAdd), 0);
  EXPECT_EQ(Count(r.graph, OpKind::kRelu), 0);
  EXPECT_EQ(Count(r.graph, OpKind::kFusedActivation), 3);
  const std::string dot = ToDot(r.graph);
  EXPECT_THAT(dot, HasSubstr("d1/MatMul+BiasAdd+Tanh"));
  EXPECT_THAT(dot, HasSubstr("MatMul+BiasAdd+Relu VJP d0"));
  EXPECT_THAT(dot, HasSubstr("(activation_fusion)"));
}

TEST(ActivationFusionTest, FusesConvAndReorderedPoolExactly) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 2, 6, 6}));
  NodeId labels = *b.AddInput("labels", Shape({Shape::kUnknownDim}));
  NodeId w1 = *b.AddParameter("w1", Shape({3, 2, 3, 3}), UniformInit(-1, 1));
  NodeId b1 = *b.AddParameter("b1", Shape({3}), UniformInit(-1, 1));
  NodeId w2 = *b.AddParameter("w2", Shape({4, 3, 3, 3}), UniformInit(-1, 1));
  Conv2DAttrs same;
  same.padding = Padding::kSame;
  NodeId c1 = *b.AddOp(same, {x, w1, b1});
  NodeId r1 = *b.AddOp(ReluAttrs{}, {c1});  // Conv2D+Relu.
  NodeId c2 = *b.AddOp(same, {r1, w2});
  NodeId r2 = *b.AddOp(ReluAttrs{}, {c2});
  NodeId p2 = *b.AddOp(MaxPool2DAttrs{}, {r2});  // -> MaxPool2D+Relu.
  NodeId f = *b.AddOp(FlattenAttrs{}, {p2});
  NodeId loss = *b.AddOp(SoftmaxCrossEntropyAttrs{}, {f, labels});
  std::vector<NodeId> grads = *AddGradients(&b, loss, {w1, b1, w2});
  PassCase c;
  c.graph = *b.Finalize();
  c.fetches = grads;
  c.fetches.push_back(loss);
  c.fetches.push_back(f);
  c.batch = 3;
  c.feeds.emplace_back(x, Ramp(Shape({3, 2, 6, 6}), 0.25f));
  c.feeds.emplace_back(labels, Tensor::FromValues(Shape({3}), {0, 5, 11}));
  PipelineResult r = ExpectPassesExact(c, PassOptions{});
  EXPECT_EQ(Count(r.graph, OpKind::kRelu), 0);
  EXPECT_EQ(Count(r.graph, OpKind::kFusedActivation), 2);
  const std::string dot = ToDot(r.graph);
  EXPECT_THAT(dot, HasSubstr("Conv2D+Relu"));
  EXPECT_THAT(dot, HasSubstr("MaxPool2D+Relu"));
}

}  // namespace
}  // namespace dagrad
