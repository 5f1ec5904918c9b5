// Constant folding: a graph before and after, bitwise with the pass off.
#include "graph/passes/constant_folding.h"

#include <vector>

#include "graph/autodiff.h"
#include "gtest/gtest.h"
#include "ops/mul.h"
#include "ops/relu.h"
#include "ops/scale.h"
#include "ops/sum.h"
#include "tests/graph/passes/pass_testing.h"

namespace dagrad {
namespace {

TEST(ConstantFoldingTest, FoldsOpsOfConstantsExactly) {
  GraphBuilder b;
  NodeId c = *b.AddConstant(
      "c", Tensor::FromValues(Shape({2, 3}), {1, -2, 3, -4, 0.3f, -0.0f}));
  NodeId s = *b.AddOp(ScaleAttrs{0.7f}, {c});
  NodeId r = *b.AddOp(ReluAttrs{}, {s});
  NodeId p = *b.AddParameter("p", Shape({2, 3}), UniformInit(-1, 1));
  NodeId y = *b.AddOp(MulAttrs{}, {p, r});
  NodeId loss = *b.AddOp(SumAttrs{}, {y});
  std::vector<NodeId> grads = *AddGradients(&b, loss, {p});
  PassCase pc;
  pc.graph = *b.Finalize();
  pc.fetches = {loss, grads[0], r};
  PipelineResult out =
      ExpectPassesExact(pc, Only(&PassOptions::constant_folding));
  EXPECT_EQ(Count(out.graph, OpKind::kScale), 0);
  EXPECT_EQ(Count(out.graph, OpKind::kRelu), 0);
  EXPECT_EQ(out.log[1].rewrites, 2);
  const Node& folded = out.graph.node(out.remap[r.index]);
  EXPECT_EQ(folded.type, NodeType::kConstant);
  EXPECT_STREQ(folded.rewritten_by, kConstantFoldingPass);
  EXPECT_EQ(Count(out.graph, OpKind::kMul), 1);  // Reads a parameter.
}

}  // namespace
}  // namespace dagrad
