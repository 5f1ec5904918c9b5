// CSE: a graph before and after, and bitwise equality with the pass off.
#include "graph/passes/cse.h"

#include <vector>

#include "graph/autodiff.h"
#include "gtest/gtest.h"
#include "ops/add.h"
#include "ops/conv2d.h"
#include "ops/dropout.h"
#include "ops/mat_mul.h"
#include "ops/scale.h"
#include "ops/softmax_cross_entropy.h"
#include "ops/tanh.h"
#include "tests/graph/passes/pass_testing.h"

namespace dagrad {
namespace {

TEST(CseTest, MergesEqualNodesAndKeepsGradientsBitwise) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 4}));
  NodeId labels = *b.AddInput("labels", Shape({Shape::kUnknownDim}));
  NodeId w = *b.AddParameter("w", Shape({4, 3}), UniformInit(-1, 1));
  NodeId m1 = *b.AddOp(MatMulAttrs{}, {x, w});
  NodeId m2 = *b.AddOp(MatMulAttrs{}, {x, w});
  NodeId t1 = *b.AddOp(TanhAttrs{}, {m1});
  NodeId t2 = *b.AddOp(TanhAttrs{}, {m2});
  NodeId s1 = *b.AddOp(ScaleAttrs{0.5f}, {t1});
  NodeId s2 = *b.AddOp(ScaleAttrs{-0.5f}, {t2});  // Other attrs: kept.
  NodeId sum = *b.AddOp(AddAttrs{}, {s1, s2});
  NodeId loss = *b.AddOp(SoftmaxCrossEntropyAttrs{}, {sum, labels});
  std::vector<NodeId> grads = *AddGradients(&b, loss, {w});
  PassCase c;
  c.graph = *b.Finalize();
  c.fetches = {loss, grads[0], sum};
  c.batch = 3;
  c.feeds.emplace_back(
      x, Tensor::FromValues(Shape({3, 4}),
                            {1, -2, 3, 0.5, 0, 1, -1, 2, 3, 3, -3, 1}));
  c.feeds.emplace_back(labels, Tensor::FromValues(Shape({3}), {2, 0, 1}));
  ASSERT_EQ(Count(c.graph, OpKind::kMatMul), 2);
  PipelineResult r = ExpectPassesExact(c, Only(&PassOptions::cse));
  EXPECT_EQ(Count(r.graph, OpKind::kMatMul), 1);
  EXPECT_EQ(Count(r.graph, OpKind::kTanh), 1);
  EXPECT_EQ(Count(r.graph, OpKind::kScale), 2);
  EXPECT_EQ(r.log[0].rewrites, 2);
  EXPECT_EQ(r.remap[m1.index], r.remap[m2.index]);
}

TEST(CseTest, NeverMergesRandomOps) {
  GraphBuilder b;
  NodeId w = *b.AddParameter("w", Shape({8, 8}), UniformInit(-1, 1));
  DropoutAttrs d;
  d.p = 0.5f;
  NodeId d1 = *b.AddOp(d, {w});
  NodeId d2 = *b.AddOp(d, {w});
  NodeId sum = *b.AddOp(AddAttrs{}, {d1, d2});
  PassCase c;
  c.graph = *b.Finalize();
  c.fetches = {sum};
  PipelineResult r = ExpectPassesExact(c, Only(&PassOptions::cse));
  EXPECT_EQ(Count(r.graph, OpKind::kDropout), 2);
  EXPECT_EQ(r.log[0].rewrites, 0);
}

TEST(CseTest, AttrsEqualityComesFromTheRegistry) {
  const OpDef& conv = **GetOp(OpKind::kConv2D);
  Conv2DAttrs a, b;
  EXPECT_TRUE(OpAttrsEqual(conv, OpAttrs(a), OpAttrs(b)));
  EXPECT_EQ(OpAttrsHash(conv, OpAttrs(a)), OpAttrsHash(conv, OpAttrs(b)));
  b.padding = Padding::kSame;
  EXPECT_FALSE(OpAttrsEqual(conv, OpAttrs(a), OpAttrs(b)));
  const OpDef& scale = **GetOp(OpKind::kScale);
  // 0.0f == -0.0f, but x * 0 and x * -0 differ in sign: not equal.
  EXPECT_FALSE(OpAttrsEqual(scale, OpAttrs(ScaleAttrs{0.0f}),
                            OpAttrs(ScaleAttrs{-0.0f})));
  const OpDef& tanh = **GetOp(OpKind::kTanh);
  EXPECT_TRUE(OpAttrsEqual(tanh, OpAttrs(TanhAttrs{}), OpAttrs(TanhAttrs{})));
  EXPECT_TRUE((**GetOp(OpKind::kDropout)).random);
}

}  // namespace
}  // namespace dagrad
