// Tests of the DAG layers (layers/merge.h, layers/global_pooling.h,
// layers/residual_block.h): output shapes, errors naming the layer and
// every shape, and every parameter's gradient through a small net built
// from them, against central differences of the whole loss
// (tests/testing/graph_gradient_checker.h).
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "graph/autodiff.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/global_pooling.h"
#include "layers/merge.h"
#include "layers/residual_block.h"
#include "ops/softmax_cross_entropy.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/graph_gradient_checker.h"

namespace dagrad {
namespace {

constexpr int64_t kBatch = 4;

Shape Batched(std::vector<int64_t> dims) {
  dims.insert(dims.begin(), Shape::kUnknownDim);
  return Shape(dims);
}

// CheckGradients() adds a softmax cross-entropy loss on `logits` and
// compares the reverse pass with central differences for every trainable
// parameter, in training mode; `kinks` is the fraction of points that may
// sit near a ReLU kink.
void CheckGradients(GraphBuilder* b, const std::vector<NodeId>& inputs,
                    const std::vector<Tensor>& values, NodeId logits,
                    double kinks = 0, double epsilon = 1e-2) {
  const NodeId labels = *b->AddInput("labels", Shape({Shape::kUnknownDim}));
  const NodeId loss = *b->AddOp(SoftmaxCrossEntropyAttrs{}, {logits, labels});
  const std::vector<NodeId> params = b->trainable_parameters();
  ASSERT_FALSE(params.empty());
  std::vector<NodeId> grads = *AddGradients(b, loss, params);
  Graph graph = *b->Finalize();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(graph, /*seed=*/3).ok());
  const Tensor label_values = Tensor::FromValues(Shape({kBatch}), {0, 2, 1, 2});
  auto make = [&](std::vector<NodeId> fetches) {
    ExecutorOptions opts;
    opts.batch_size = kBatch;
    opts.training = true;
    opts.fetches = std::move(fetches);
    std::unique_ptr<Executor> exec = *Executor::Create(graph, opts);
    EXPECT_TRUE(exec->BindParameters(&store).ok());
    for (size_t i = 0; i < inputs.size(); ++i) {
      EXPECT_TRUE(exec->Feed(inputs[i], values[i]).ok());
    }
    EXPECT_TRUE(exec->Feed(labels, label_values).ok());
    return exec;
  };
  std::unique_ptr<Executor> exec = make(grads);
  ASSERT_TRUE(exec->Run().ok());
  std::unique_ptr<Executor> loss_exec = make({loss});
  for (size_t k = 0; k < params.size(); ++k) {
    const std::string& name = b->name(params[k]);
    SCOPED_TRACE(name);
    GradientCheckOptions check;
    check.epsilon = epsilon;
    check.atol = 2e-3;
    check.rtol = 1e-2;
    check.max_points_per_input = 40;
    check.max_kink_fraction = kinks;
    absl::StatusOr<GradientCheckResult> result = CheckParameterGradient(
        loss_exec.get(), loss, &store, name, **exec->Fetch(grads[k]), check);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_GT(result->max_abs_numeric, 1e-4);  // Not vacuous.
  }
}

TEST(MergeLayersTest, ShapesOfConcatenateAddMultiply) {
  GraphBuilder b;
  const NodeId x = *b.AddInput("x", Batched({4, 3, 3}));
  const NodeId y = *b.AddInput("y", Batched({2, 3, 3}));
  const NodeId row = *b.AddInput("row", Batched({1, 3, 3}));
  const NodeId xy[] = {x, y};
  EXPECT_EQ(*b.shape(*Concatenate(1).BuildMulti(&b, "cat", xy)),
            Batched({6, 3, 3}));
  const NodeId xx[] = {x, x, x};
  EXPECT_EQ(*b.shape(*Add().BuildMulti(&b, "add", xx)), Batched({4, 3, 3}));
  const NodeId x_row[] = {x, row};  // Broadcast over the channels.
  EXPECT_EQ(*b.shape(*Multiply().BuildMulti(&b, "mul", x_row)),
            Batched({4, 3, 3}));
}

TEST(MergeLayersTest, MismatchNamesTheLayerAndEveryShape) {
  GraphBuilder b;
  const NodeId x = *b.AddInput("x", Batched({4, 3, 3}));
  const NodeId y = *b.AddInput("y", Batched({2, 5, 5}));
  const NodeId xy[] = {x, y};
  absl::StatusOr<NodeId> cat = Concatenate(1).BuildMulti(&b, "cat", xy);
  ASSERT_EQ(cat.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(cat.status().message(),
                                "layer 'cat' (Concatenate): inputs "
                                "[?,4,3,3] and [?,2,5,5] do not fit"))
      << cat.status();
  absl::StatusOr<NodeId> add = Add().BuildMulti(&b, "sum", xy);
  ASSERT_EQ(add.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(add.status().message(),
                                "layer 'sum' (Add): inputs [?,4,3,3] and "
                                "[?,2,5,5] do not fit"))
      << add.status();
  // One input is not a merge.
  absl::StatusOr<NodeId> one = Multiply().Build(&b, "mul", x);
  ASSERT_EQ(one.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(one.status().message(),
                                "layer 'mul' (Multiply) merges two or more "
                                "inputs, got 1: [?,4,3,3]"))
      << one.status();
}

TEST(MergeLayersTest, SingleInputLayersRejectSeveralInputs) {
  GraphBuilder b;
  const NodeId x = *b.AddInput("x", Batched({4}));
  const NodeId xx[] = {x, x};
  absl::StatusOr<NodeId> dense = Dense(3).BuildMulti(&b, "fc", xx);
  ASSERT_EQ(dense.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(dense.status().message(),
                                "layer 'fc' (Dense) takes one input, got 2"));
}

TEST(MergeLayersTest, GradientsThroughConcatenateAddMultiply) {
  // a = Dense(x), b = Dense(x), logits = Dense([a + b, a * b]).
  GraphBuilder b;
  const NodeId x = *b.AddInput("x", Batched({5}));
  const NodeId a = *Dense(4).Build(&b, "a", x);
  const NodeId c = *Dense(4).Build(&b, "b", x);
  const NodeId ac[] = {a, c};
  const NodeId sum = *Add().BuildMulti(&b, "add", ac);
  const NodeId prod = *Multiply().BuildMulti(&b, "mul", ac);
  const NodeId both[] = {sum, prod};
  const NodeId cat = *Concatenate(1).BuildMulti(&b, "cat", both);
  const NodeId logits = *Dense(3).Build(&b, "out", cat);
  std::vector<Tensor> values;
  values.push_back(RandomTensor(Shape({kBatch, 5}), 1, -1, 1));
  CheckGradients(&b, {x}, values, logits);
}

TEST(GlobalAveragePooling2DTest, ShapeErrorAndGradient) {
  GraphBuilder b;
  const NodeId x = *b.AddInput("x", Batched({3, 4, 4}));
  const NodeId flat = *b.AddInput("flat", Batched({12}));
  absl::StatusOr<NodeId> bad = GlobalAveragePooling2D().Build(&b, "gap", flat);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad.status().message(),
                                "layer 'gap' (GlobalAveragePooling2D): input "
                                "must be [N, C, H, W]; input [?,12]"))
      << bad.status();
  const NodeId pooled = *GlobalAveragePooling2D().Build(&b, "gap", x);
  EXPECT_EQ(*b.shape(pooled), Batched({3}));
  GraphBuilder g;
  const NodeId gx = *g.AddInput("x", Batched({2, 4, 4}));
  Conv2DOptions same;
  same.attrs.padding = Padding::kSame;
  const NodeId conv = *Conv2D(3, 3, same).Build(&g, "conv", gx);
  const NodeId gap = *GlobalAveragePooling2D().Build(&g, "gap", conv);
  const NodeId logits = *Dense(3).Build(&g, "out", gap);
  std::vector<Tensor> values;
  values.push_back(RandomTensor(Shape({kBatch, 2, 4, 4}), 2, -1, 1));
  CheckGradients(&g, {gx}, values, logits);
}

TEST(ResidualBlockTest, IdentityAndProjectionShortcuts) {
  GraphBuilder b;
  const NodeId x = *b.AddInput("x", Batched({4, 8, 8}));
  const NodeId same = *ResidualBlock(4).Build(&b, "res1", x);
  EXPECT_EQ(*b.shape(same), Batched({4, 8, 8}));
  const NodeId down = *ResidualBlock(6, 2).Build(&b, "res2", same);
  EXPECT_EQ(*b.shape(down), Batched({6, 4, 4}));
  std::vector<std::string> names;
  for (NodeId p : b.trainable_parameters()) names.push_back(b.name(p));
  const std::vector<std::string> want = {
      "res1/conv1/W", "res1/bn1/gamma",     "res1/bn1/beta",
      "res1/conv2/W", "res1/bn2/gamma",     "res1/bn2/beta",
      "res2/conv1/W", "res2/bn1/gamma",     "res2/bn1/beta",
      "res2/conv2/W", "res2/bn2/gamma",     "res2/bn2/beta",
      "res2/proj/W",  "res2/proj_bn/gamma", "res2/proj_bn/beta"};
  EXPECT_EQ(names, want);  // A projection only where the shapes change.
  const NodeId flat = *b.AddInput("flat", Batched({12}));
  absl::StatusOr<NodeId> bad = ResidualBlock(4).Build(&b, "res3", flat);
  ASSERT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(bad.status().message(),
                                "layer 'res3' (ResidualBlock): input must be "
                                "[N, C, H, W]; input [?,12]"));
}

TEST(ResidualBlockTest, GradientsThroughBothShortcuts) {
  GraphBuilder b;
  const NodeId x = *b.AddInput("x", Batched({2, 4, 4}));
  const NodeId r1 = *ResidualBlock(2).Build(&b, "res1", x);
  const NodeId r2 = *ResidualBlock(3, 2).Build(&b, "res2", r1);
  const NodeId gap = *GlobalAveragePooling2D().Build(&b, "gap", r2);
  const NodeId logits = *Dense(3).Build(&b, "out", gap);
  std::vector<Tensor> values;
  values.push_back(RandomTensor(Shape({kBatch, 2, 4, 4}), 5, -1, 1));
  // ReLU kinks: the checker skips points whose difference straddles one.
  // BatchNorm's batch statistics curve the loss: a smaller step.
  CheckGradients(&b, {x}, values, logits, /*kinks=*/0.1, /*epsilon=*/2e-3);
}

}  // namespace
}  // namespace dagrad
