// Runs the worked example at the top of graph/graph.h, as written there:
// build a 2-layer MLP, add gradients, finalize, run one SGD step. Keep the
// two in sync.
#include <vector>

#include "absl/status/status.h"
#include "core/status_macros.h"
#include "graph/autodiff.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"
#include "ops/mat_mul.h"
#include "ops/relu.h"
#include "ops/softmax_cross_entropy.h"

namespace dagrad {
namespace {

// HeaderExample() is the header's example; it returns the loss before and
// after the SGD step.
absl::Status HeaderExample(float* loss_before, float* loss_after) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 4}));
  NodeId y = *b.AddInput("labels", Shape({Shape::kUnknownDim}));
  NodeId w1 = *b.AddParameter("w1", Shape({4, 8}), UniformInit(-0.5f, 0.5f));
  NodeId w2 = *b.AddParameter("w2", Shape({8, 3}), UniformInit(-0.5f, 0.5f));
  NodeId h = *b.AddOp(MatMulAttrs{}, {x, w1}, {"", "l1"});
  NodeId a = *b.AddOp(ReluAttrs{}, {h}, {"", "l1"});
  NodeId z = *b.AddOp(MatMulAttrs{}, {a, w2}, {"", "l2"});
  NodeId loss = *b.AddOp(SoftmaxCrossEntropyAttrs{}, {z, y});
  std::vector<NodeId> grads = *AddGradients(&b, loss, {w1, w2});
  Graph graph = *b.Finalize();
  ParameterStore store;
  RETURN_IF_ERROR(store.Initialize(graph, /*seed=*/1));
  ExecutorOptions opts;
  opts.fetches = {loss, grads[0], grads[1]};
  opts.batch_size = 2;
  auto exec = *Executor::Create(graph, opts);
  RETURN_IF_ERROR(exec->BindParameters(&store));
  const Tensor x_value = Tensor::FromValues(
      Shape({2, 4}), {0.5f, -1.0f, 0.25f, 2.0f, -0.75f, 1.5f, 1.0f, -0.5f});
  const Tensor label_value = Tensor::FromValues(Shape({2}), {0, 2});
  RETURN_IF_ERROR(exec->Feed(x, x_value));      // [2,4]
  RETURN_IF_ERROR(exec->Feed(y, label_value));  // [2]
  RETURN_IF_ERROR(exec->Run());
  *loss_before = (*exec->Fetch(loss))->data()[0];
  for (int k = 0; k < 2; ++k) {  // one SGD step
    Tensor* w = store.Find(k == 0 ? "w1" : "w2");
    const Tensor* g = *exec->Fetch(grads[k]);
    for (int64_t i = 0; i < w->size(); ++i) (*w)[i] -= 0.1f * (*g)[i];
  }
  RETURN_IF_ERROR(exec->Run());
  *loss_after = (*exec->Fetch(loss))->data()[0];
  return absl::OkStatus();
}

TEST(GraphHeaderExampleTest, OneSgdStepLowersTheLoss) {
  float before = 0, after = 0;
  absl::Status s = HeaderExample(&before, &after);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_GT(before, 0.0f);
  EXPECT_LT(after, before);
}

}  // namespace
}  // namespace dagrad
