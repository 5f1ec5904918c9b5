// End-to-end gradient through a tensor with three consumers (fan-out summed
// by accumulation nodes), vs whole-graph central differences.
//
// ops/add.cc does not exist yet, so this binary registers a minimal test
// Add (y = a + b, shapes equal) under OpKind::kAdd. It does not link
// //ops:add, so there is no double registration.
#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "graph/autodiff.h"
#include "graph/dot.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "ops/identity.h"
#include "ops/op.h"
#include "ops/sigmoid.h"
#include "ops/softmax_cross_entropy.h"
#include "ops/tanh.h"
#include "tests/graph/numeric_gradient.h"

namespace dagrad {
namespace {

struct TestAddAttrs {
  static constexpr OpKind kKind = OpKind::kAdd;
};

absl::StatusOr<Shape> TestAddShape(absl::Span<const Shape> in,
                                   const OpAttrs&) {
  if (in[0] != in[1]) return ShapeError(OpKind::kAdd, in, "shapes differ");
  return in[0];
}

absl::Status TestAddForward(const ForwardContext& ctx) {
  for (int64_t i = 0; i < ctx.output->size(); ++i) {
    (*ctx.output)[i] = ctx.input(0)[i] + ctx.input(1)[i];
  }
  return absl::OkStatus();
}

// dL/da = dL/db = dL/dy
void TestAddVjp(const VjpContext& ctx) {
  ctx.grad_input->CopyFrom(ctx.grad_output);
}

DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kAdd)
                       .Attrs<TestAddAttrs>()
                       .Shape(TestAddShape)
                       .Forward(TestAddForward)
                       .Vjp(TestAddVjp, kVjpUsesNothing));

TEST(FanOutTest, ThreeConsumersGradientMatchesCentralDifferences) {
  GraphBuilder b;
  NodeId labels = *b.AddInput("labels", Shape({Shape::kUnknownDim}));
  NodeId p = *b.AddParameter("p", Shape({3, 4}), UniformInit(-1.5f, 1.5f));
  NodeId t = *b.AddOp(TanhAttrs{}, {p}, {"t", ""});
  NodeId a = *b.AddOp(SigmoidAttrs{}, {t});
  NodeId i = *b.AddOp(IdentityAttrs{}, {t});
  NodeId c = *b.AddOp(TanhAttrs{}, {t});
  NodeId s1 = *b.AddOp(TestAddAttrs{}, {a, i});
  NodeId s2 = *b.AddOp(TestAddAttrs{}, {s1, c});
  NodeId loss = *b.AddOp(SoftmaxCrossEntropyAttrs{}, {s2, labels});
  std::vector<NodeId> grads = *AddGradients(&b, loss, {p, t});
  Graph g = *b.Finalize();
  int accumulations = 0;
  for (const Node& n : g.nodes()) {
    accumulations += n.type == NodeType::kAccumulate;
  }
  EXPECT_EQ(accumulations, 2);  // Three contributions to dL/dt.
  EXPECT_THAT(ToDot(g), ::testing::HasSubstr("Accumulate"));

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
  const Tensor* gp = *exec->Fetch(grads[0]);
  std::vector<float> analytic(gp->data(), gp->data() + gp->size());
  EXPECT_EQ((*exec->Fetch(grads[1]))->shape(), Shape({3, 4}));

  ExecutorOptions lopts;
  lopts.fetches = {loss};
  lopts.batch_size = 3;
  auto loss_exec = *Executor::Create(g, lopts);
  ASSERT_TRUE(loss_exec->BindParameters(&store).ok());
  ASSERT_TRUE(loss_exec->Feed(labels, lab).ok());
  std::vector<double> num =
      *NumericGradient(loss_exec.get(), loss, &store, "p", 1e-2);
  double max_abs = 0;
  for (size_t k = 0; k < num.size(); ++k) {
    EXPECT_NEAR(analytic[k], num[k], 1e-3 + 1e-2 * std::fabs(num[k])) << k;
    max_abs = std::max(max_abs, std::fabs(num[k]));
  }
  EXPECT_GT(max_abs, 1e-3);
}

}  // namespace
}  // namespace dagrad
