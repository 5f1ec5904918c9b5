// End-to-end gradients of whole graphs, built with the low-level API: a
// 2-layer MLP and a small conv + max-pool + dense net. Every parameter's
// gradient from the reverse pass (VJP nodes) is compared with central
// differences of the whole loss (tests/testing/graph_gradient_checker.h).
// Also the builder's errors for a wrong-width dense input and a conv on a
// 3-D input.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "graph/autodiff.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"
#include "ops/bias_add.h"
#include "ops/conv2d.h"
#include "ops/flatten.h"
#include "ops/mat_mul.h"
#include "ops/max_pool2d.h"
#include "ops/softmax_cross_entropy.h"
#include "ops/tanh.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/graph_gradient_checker.h"

namespace dagrad {
namespace {

// A net under test: its graph, the loss, the inputs to feed and the
// parameters to check.
struct Net {
  GraphBuilder b;
  NodeId x, labels, loss;
  std::vector<NodeId> params;
  std::vector<std::string> names;
};

// CheckAllGradients() compares the reverse pass with central differences
// for every parameter of `net`, fed with `x` and `labels`.
void CheckAllGradients(Net* net, const Tensor& x, const Tensor& labels,
                       uint64_t seed, double epsilon) {
  std::vector<NodeId> grads = *AddGradients(&net->b, net->loss, net->params);
  Graph graph = *net->b.Finalize();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(graph, seed).ok());
  ExecutorOptions opts;
  opts.batch_size = x.shape().dim(0);
  opts.fetches = grads;
  auto exec = *Executor::Create(graph, opts);
  ASSERT_TRUE(exec->BindParameters(&store).ok());
  ASSERT_TRUE(exec->Feed(net->x, x).ok());
  ASSERT_TRUE(exec->Feed(net->labels, labels).ok());
  ASSERT_TRUE(exec->Run().ok());

  ExecutorOptions lopts;
  lopts.batch_size = opts.batch_size;
  lopts.fetches = {net->loss};
  auto loss_exec = *Executor::Create(graph, lopts);
  ASSERT_TRUE(loss_exec->BindParameters(&store).ok());
  ASSERT_TRUE(loss_exec->Feed(net->x, x).ok());
  ASSERT_TRUE(loss_exec->Feed(net->labels, labels).ok());
  for (size_t k = 0; k < grads.size(); ++k) {
    SCOPED_TRACE(net->names[k]);
    const Tensor* g = *exec->Fetch(grads[k]);
    GradientCheckOptions check;
    check.epsilon = epsilon;
    check.atol = 2e-3;
    check.rtol = 1e-2;
    auto result = CheckParameterGradient(loss_exec.get(), net->loss, &store,
                                         net->names[k], *g, check);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_GT(result->max_abs_numeric, 1e-3);  // Not vacuous.
  }
}

TEST(WholeNetGradientTest, TwoLayerMlp) {
  Net net;
  net.x = *net.b.AddInput("x", Shape({Shape::kUnknownDim, 5}));
  net.labels = *net.b.AddInput("labels", Shape({Shape::kUnknownDim}));
  net.names = {"l1/W", "l1/b", "l2/W", "l2/b"};
  const std::vector<Shape> shapes = {Shape({5, 7}), Shape({7}), Shape({7, 3}),
                                     Shape({3})};
  for (size_t k = 0; k < shapes.size(); ++k) {
    net.params.push_back(
        *net.b.AddParameter(net.names[k], shapes[k], UniformInit(-0.7f, 0.7f)));
  }
  NodeId h = *net.b.AddOp(MatMulAttrs{}, {net.x, net.params[0]}, {"", "l1"});
  h = *net.b.AddOp(BiasAddAttrs{}, {h, net.params[1]}, {"", "l1"});
  h = *net.b.AddOp(TanhAttrs{}, {h}, {"", "l1"});
  NodeId z = *net.b.AddOp(MatMulAttrs{}, {h, net.params[2]}, {"", "l2"});
  z = *net.b.AddOp(BiasAddAttrs{}, {z, net.params[3]}, {"", "l2"});
  net.loss = *net.b.AddOp(SoftmaxCrossEntropyAttrs{}, {z, net.labels});
  CheckAllGradients(&net, RandomTensor(Shape({6, 5}), 1, -1, 1),
                    Tensor::FromValues(Shape({6}), {0, 2, 1, 1, 0, 2}),
                    /*seed=*/4, /*epsilon=*/1e-2);
}

// MinPoolGap() is the smallest gap between the largest and the second
// largest value of any 2x2 window of `y` [N, C, H, W] (H, W even): the
// distance of max pooling from a kink.
double MinPoolGap(const Tensor& y) {
  const int64_t planes = y.shape().dim(0) * y.shape().dim(1);
  const int64_t h = y.shape().dim(2), w = y.shape().dim(3);
  double gap = 1e9;
  for (int64_t p = 0; p < planes; ++p) {
    for (int64_t i = 0; i < h; i += 2) {
      for (int64_t j = 0; j < w; j += 2) {
        const float* r0 = y.data() + (p * h + i) * w + j;
        float v[4] = {r0[0], r0[1], r0[w], r0[w + 1]};
        std::sort(v, v + 4);
        gap = std::min<double>(gap, v[3] - v[2]);
      }
    }
  }
  return gap;
}

TEST(WholeNetGradientTest, ConvMaxPoolDense) {
  // x [2,2,8,8] -> conv 3x3x3 (same) + bias -> tanh -> maxpool 2 ->
  // flatten [2,48] -> dense 48->4 -> softmax cross-entropy.
  Net net;
  net.x = *net.b.AddInput("x", Shape({Shape::kUnknownDim, 2, 8, 8}));
  net.labels = *net.b.AddInput("labels", Shape({Shape::kUnknownDim}));
  net.names = {"conv/W", "conv/b", "dense/W"};
  net.params = {
      *net.b.AddParameter("conv/W", Shape({3, 2, 3, 3}),
                          UniformInit(-0.5f, 0.5f)),
      *net.b.AddParameter("conv/b", Shape({3}), UniformInit(-0.2f, 0.2f)),
      *net.b.AddParameter("dense/W", Shape({48, 4}), UniformInit(-0.5f, 0.5f))};
  Conv2DAttrs conv;
  conv.padding = Padding::kSame;
  NodeId c = *net.b.AddOp(conv, {net.x, net.params[0]}, {"", "conv"});
  c = *net.b.AddOp(BiasAddAttrs{}, {c, net.params[1]}, {"", "conv"});
  NodeId a = *net.b.AddOp(TanhAttrs{}, {c}, {"", "conv"});
  NodeId p = *net.b.AddOp(MaxPool2DAttrs{}, {a}, {"", "pool"});
  NodeId f = *net.b.AddOp(FlattenAttrs{}, {p}, {"", "flatten"});
  NodeId z = *net.b.AddOp(MatMulAttrs{}, {f, net.params[2]}, {"", "dense"});
  net.loss = *net.b.AddOp(SoftmaxCrossEntropyAttrs{}, {z, net.labels});
  const Tensor labels = Tensor::FromValues(Shape({2}), {3, 1});

  // Keep away from max-pool kinks: pick the first input seed whose pooled
  // windows all have a clear winner. Perturbing one conv weight or bias by
  // epsilon = 1e-3 moves each tanh output by at most 1e-3 (|x| <= 1,
  // |tanh'| <= 1), so a gap above 2e-3 cannot change a window's argmax;
  // 5e-3 leaves a margin.
  Graph probe_graph = *net.b.Finalize();
  ParameterStore probe_store;
  ASSERT_TRUE(probe_store.Initialize(probe_graph, /*seed=*/5).ok());
  ExecutorOptions probe;
  probe.batch_size = 2;
  probe.fetches = {a};
  auto probe_exec = *Executor::Create(probe_graph, probe);
  ASSERT_TRUE(probe_exec->BindParameters(&probe_store).ok());
  Tensor x;
  bool found = false;
  for (uint64_t seed = 1; seed < 50 && !found; ++seed) {
    x = RandomTensor(Shape({2, 2, 8, 8}), seed, -1, 1);
    ASSERT_TRUE(probe_exec->Feed(net.x, x).ok());
    ASSERT_TRUE(probe_exec->Run().ok());
    found = MinPoolGap(**probe_exec->Fetch(a)) > 5e-3;
  }
  ASSERT_TRUE(found) << "no input seed keeps every window away from a tie";
  CheckAllGradients(&net, x, labels, /*seed=*/5, /*epsilon=*/1e-3);
}

TEST(WholeNetGradientTest, BuilderErrorsNameNodeOpAndShapes) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 784}));
  NodeId w = *b.AddParameter("dense1/W", Shape({400, 120}), ConstantInit(0));
  absl::StatusOr<NodeId> dense = b.AddOp(MatMulAttrs{}, {x, w}, {"", "dense1"});
  ASSERT_FALSE(dense.ok());
  EXPECT_EQ(dense.status().code(), absl::StatusCode::kInvalidArgument);
  for (const char* m : {"dense1/MatMul", "[?,784]", "[400,120]"}) {
    EXPECT_TRUE(absl::StrContains(dense.status().message(), m))
        << dense.status();
  }
  NodeId img = *b.AddInput("img", Shape({Shape::kUnknownDim, 28, 28}));
  NodeId k = *b.AddParameter("conv1/W", Shape({6, 1, 5, 5}), ConstantInit(0));
  absl::StatusOr<NodeId> conv = b.AddOp(Conv2DAttrs{}, {img, k}, {"", "conv1"});
  ASSERT_FALSE(conv.ok());
  EXPECT_EQ(conv.status().code(), absl::StatusCode::kInvalidArgument);
  for (const char* m : {"conv1/Conv2D", "rank 4", "[?,28,28]", "[6,1,5,5]"}) {
    EXPECT_TRUE(absl::StrContains(conv.status().message(), m)) << conv.status();
  }
  // The builder is unchanged by the failed adds.
  EXPECT_EQ(b.num_nodes(), 4);
}

}  // namespace
}  // namespace dagrad
