#include "tests/layers/layer_gradient.h"

#include <memory>
#include <string>
#include <vector>

#include "graph/autodiff.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"
#include "ops/mul.h"
#include "ops/sum.h"
#include "tests/testing/graph_gradient_checker.h"

namespace dagrad {

void CheckLayerGradients(const Layer& layer, const LayerGradientCase& c) {
  GraphBuilder b;
  NodeId x;
  if (c.input_is_ids) {
    absl::StatusOr<NodeId> in = b.AddInput("x", c.input.shape());
    ASSERT_TRUE(in.ok()) << in.status();
    x = *in;
  } else {
    auto value = std::make_shared<Tensor>(c.input.Clone());
    absl::StatusOr<NodeId> in =
        b.AddParameter("x", value->shape(), [value](Tensor* t, Rng*) {
          t->CopyFrom(*value);
          return absl::OkStatus();
        });
    ASSERT_TRUE(in.ok()) << in.status();
    x = *in;
  }
  absl::StatusOr<NodeId> y = layer.Build(&b, "layer", x);
  ASSERT_TRUE(y.ok()) << y.status();
  const Shape y_shape = *b.shape(*y);
  NodeId r = *b.AddConstant("R", RandomTensor(y_shape, c.seed + 100));
  NodeId yr = *b.AddOp(MulAttrs{}, {*y, r});
  absl::StatusOr<NodeId> loss = b.AddOp(SumAttrs{}, {yr});
  ASSERT_TRUE(loss.ok()) << loss.status();
  const std::vector<NodeId> params = b.trainable_parameters();
  absl::StatusOr<std::vector<NodeId>> grads = AddGradients(&b, *loss, params);
  ASSERT_TRUE(grads.ok()) << grads.status();
  absl::StatusOr<Graph> graph = b.Finalize();
  ASSERT_TRUE(graph.ok()) << graph.status();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(*graph, c.seed).ok());

  auto make = [&](std::vector<NodeId> fetches) {
    ExecutorOptions opts;
    opts.batch_size = c.input.shape().dim(0);
    opts.fetches = std::move(fetches);
    absl::StatusOr<std::unique_ptr<Executor>> exec =
        Executor::Create(*graph, opts);
    EXPECT_TRUE(exec.ok()) << exec.status();
    if (!exec.ok()) return std::unique_ptr<Executor>();
    EXPECT_TRUE((*exec)->BindParameters(&store).ok());
    if (c.input_is_ids) {
      EXPECT_TRUE((*exec)->Feed(x, c.input).ok());
    }
    return std::move(*exec);
  };
  std::unique_ptr<Executor> exec = make(*grads);
  std::unique_ptr<Executor> loss_exec = make({*loss});
  ASSERT_TRUE(exec != nullptr && loss_exec != nullptr);
  ASSERT_TRUE(exec->Run().ok());
  for (size_t k = 0; k < params.size(); ++k) {
    const std::string& name = b.name(params[k]);
    SCOPED_TRACE(name);
    const Tensor& analytic = **exec->Fetch((*grads)[k]);
    absl::StatusOr<GradientCheckResult> result = CheckParameterGradient(
        loss_exec.get(), *loss, &store, name, analytic, c.options);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_GT(result->max_abs_numeric, 10 * c.options.atol);  // Not vacuous.
  }
}

}  // namespace dagrad
