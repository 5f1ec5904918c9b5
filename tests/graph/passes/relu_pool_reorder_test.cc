// relu(maxpool(x)) for maxpool(relu(x)): a graph before and after, and
// bitwise equal outputs and gradients at ties, zeros, -0 and padding.
#include "graph/passes/relu_pool_reorder.h"

#include <cstdint>
#include <vector>

#include "graph/autodiff.h"
#include "gtest/gtest.h"
#include "ops/max_pool2d.h"
#include "ops/mul.h"
#include "ops/relu.h"
#include "ops/sum.h"
#include "tests/graph/passes/pass_testing.h"

namespace dagrad {
namespace {

// TieInit() fills values from {-1, -0, 0, 0.5, 1, 2, 2}: many ties (also
// between -0 and +0), whole windows without a positive value, and repeated
// maxima.
ParameterInit TieInit(uint32_t salt) {
  return [salt](Tensor* t, Rng*) {
    static const float kValues[] = {-1.0f, -0.0f, 0.0f, 0.5f, 1.0f, 2.0f, 2.0f};
    uint32_t s = 12345u + salt;
    for (int64_t i = 0; i < t->size(); ++i) {
      s = s * 1103515245u + 12345u;
      (*t)[i] = kValues[(s >> 16) % 7];
    }
    return absl::OkStatus();
  };
}

PassCase PoolCase(const MaxPool2DAttrs& attrs, int64_t h, int64_t w) {
  GraphBuilder b;
  NodeId x = *b.AddParameter("x", Shape({2, 3, h, w}), TieInit(1));
  NodeId r = *b.AddOp(ReluAttrs{}, {x});
  NodeId p = *b.AddOp(attrs, {r});
  const Shape ps = *b.shape(p);
  NodeId q = *b.AddParameter("q", ps, TieInit(2));  // dL/dp, with zeros.
  NodeId y = *b.AddOp(MulAttrs{}, {p, q});
  NodeId loss = *b.AddOp(SumAttrs{}, {y});
  std::vector<NodeId> grads = *AddGradients(&b, loss, {x, q});
  PassCase c;
  c.graph = *b.Finalize();
  c.fetches = {loss, p, grads[0], grads[1]};
  return c;
}

MaxPool2DAttrs Window(int64_t k, int64_t stride, Padding padding) {
  MaxPool2DAttrs a;
  a.window_h = a.window_w = k;
  a.stride_h = a.stride_w = stride;
  a.padding = padding;
  return a;
}

TEST(ReluPoolReorderTest, RewritesAndIsBitwiseExact) {
  struct Geometry {
    MaxPool2DAttrs attrs;
    int64_t h, w;
  };
  MaxPool2DAttrs explicit_pad = Window(3, 2, Padding::kExplicit);
  explicit_pad.pad_top = explicit_pad.pad_left = 1;
  explicit_pad.pad_bottom = explicit_pad.pad_right = 1;
  const Geometry cases[] = {
      {Window(2, 2, Padding::kValid), 8, 8},  // The 2x2 fast path.
      {Window(2, 2, Padding::kSame), 7, 7},   // Padding on the edge.
      {Window(3, 1, Padding::kSame), 6, 6},   // Overlapping windows.
      {explicit_pad, 7, 6},
  };
  for (const Geometry& g : cases) {
    SCOPED_TRACE(g.h);
    PassCase c = PoolCase(g.attrs, g.h, g.w);
    PipelineResult r =
        ExpectPassesExact(c, Only(&PassOptions::relu_pool_reorder));
    EXPECT_EQ(r.log[2].rewrites, 1);
    // After: the pool reads x, the relu reads the pool.
    const Node& relu = r.graph.node(r.remap[c.fetches[1].index]);
    ASSERT_EQ(relu.def->kind, OpKind::kRelu);
    const Node& pool = r.graph.node(relu.inputs[0]);
    EXPECT_EQ(pool.def->kind, OpKind::kMaxPool2D);
    EXPECT_EQ(r.graph.node(pool.inputs[0]).type, NodeType::kParameter);
    EXPECT_STREQ(relu.rewritten_by, kReluPoolReorderPass);
  }
}

TEST(ReluPoolReorderTest, KeepsAReluThatIsFetched) {
  GraphBuilder b;
  NodeId x = *b.AddParameter("x", Shape({1, 1, 4, 4}), TieInit(3));
  NodeId r = *b.AddOp(ReluAttrs{}, {x});
  NodeId p = *b.AddOp(Window(2, 2, Padding::kValid), {r});
  PassCase c;
  c.graph = *b.Finalize();
  c.fetches = {p, r};
  PipelineResult out =
      ExpectPassesExact(c, Only(&PassOptions::relu_pool_reorder));
  EXPECT_EQ(out.log[2].rewrites, 0);
}

}  // namespace
}  // namespace dagrad
