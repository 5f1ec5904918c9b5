// End-to-end gradient through a tensor with three consumers (fan-out summed
// by reverse-pass Add nodes), vs whole-graph central differences.
#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "graph/autodiff.h"
#include "graph/dot.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"
#include "ops/add.h"
#include "ops/identity.h"
#include "ops/op.h"
#include "ops/sigmoid.h"
#include "ops/softmax_cross_entropy.h"
#include "ops/tanh.h"
#include "tests/testing/graph_gradient_checker.h"

namespace dagrad {
namespace {

TEST(FanOutTest, ThreeConsumersGradientMatchesCentralDifferences) {
  GraphBuilder b;
  NodeId labels = *b.AddInput("labels", Shape({Shape::kUnknownDim}));
  NodeId p = *b.AddParameter("p", Shape({3, 4}), UniformInit(-1.5f, 1.5f));
  NodeId t = *b.AddOp(TanhAttrs{}, {p}, {"t", ""});
  NodeId a = *b.AddOp(SigmoidAttrs{}, {t});
  NodeId i = *b.AddOp(IdentityAttrs{}, {t});
  NodeId c = *b.AddOp(TanhAttrs{}, {t});
  NodeId s1 = *b.AddOp(AddAttrs{}, {a, i});
  NodeId s2 = *b.AddOp(AddAttrs{}, {s1, c});
  NodeId loss = *b.AddOp(SoftmaxCrossEntropyAttrs{}, {s2, labels});
  std::vector<NodeId> grads = *AddGradients(&b, loss, {p, t});
  Graph g = *b.Finalize();
  int sums = 0;
  for (const Node& n : g.nodes()) {
    sums += n.type == NodeType::kOp && n.reverse && n.def->kind == OpKind::kAdd;
  }
  EXPECT_EQ(sums, 2);  // Three contributions to dL/dt: Add nodes.
  EXPECT_THAT(ToDot(g), ::testing::HasSubstr("grad/t/sum"));

  ParameterStore store;
  ASSERT_TRUE(store.Initialize(g, 5).ok());
  Tensor lab = Tensor::FromValues(Shape({3}), {2, 0, 3});
  ExecutorOptions opts;
  opts.fetches = {loss, grads[0], grads[1]};
  opts.batch_size = 3;
  auto exec = *Executor::Create(g, opts);
  ASSERT_TRUE(exec->BindParameters(&store).ok());
  ASSERT_TRUE(exec->Feed(labels, lab).ok());
  ASSERT_TRUE(exec->Run().ok());
  const Tensor gp = (*exec->Fetch(grads[0]))->Clone();
  EXPECT_EQ((*exec->Fetch(grads[1]))->shape(), Shape({3, 4}));

  ExecutorOptions lopts;
  lopts.fetches = {loss};
  lopts.batch_size = 3;
  auto loss_exec = *Executor::Create(g, lopts);
  ASSERT_TRUE(loss_exec->BindParameters(&store).ok());
  ASSERT_TRUE(loss_exec->Feed(labels, lab).ok());
  GradientCheckOptions check;
  check.epsilon = 1e-2;
  check.atol = 1e-3;
  check.rtol = 1e-2;
  auto result =
      CheckParameterGradient(loss_exec.get(), loss, &store, "p", gp, check);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(result->max_abs_numeric, 1e-3);
}

}  // namespace
}  // namespace dagrad
