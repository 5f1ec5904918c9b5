// tests/io/onnx/onnx_export_test.cc: ONNX export of every supported op,
// checked by ONNX's checker and run in ONNX Runtime against dagrad's own
// inference outputs.
#include "io/onnx/onnx_export.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "core/random.h"
#include "graph/autodiff.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"
#include "ops/abs.h"
#include "ops/add.h"
#include "ops/avg_pool2d.h"
#include "ops/batch_norm.h"
#include "ops/bias_add.h"
#include "ops/concat.h"
#include "ops/conv2d.h"
#include "ops/div.h"
#include "ops/dropout.h"
#include "ops/elu.h"
#include "ops/exp.h"
#include "ops/flatten.h"
#include "ops/gelu.h"
#include "ops/identity.h"
#include "ops/leaky_relu.h"
#include "ops/log.h"
#include "ops/log_softmax.h"
#include "ops/mat_mul.h"
#include "ops/max_pool2d.h"
#include "ops/maximum.h"
#include "ops/mean.h"
#include "ops/minimum.h"
#include "ops/mul.h"
#include "ops/neg.h"
#include "ops/pow.h"
#include "ops/reduce_max.h"
#include "ops/relu.h"
#include "ops/reshape.h"
#include "ops/scale.h"
#include "ops/sigmoid.h"
#include "ops/softmax.h"
#include "ops/softmax_cross_entropy.h"
#include "ops/softplus.h"
#include "ops/sqrt.h"
#include "ops/sub.h"
#include "ops/sum.h"
#include "ops/tanh.h"
#include "ops/transpose.h"
#include "tests/io/onnx/ort_runner.h"

namespace dagrad {
namespace {

constexpr int64_t kUnknown = Shape::kUnknownDim;

// Net is a graph that uses every op the exporter writes, with several
// outputs, and its trained-looking parameters.
struct Net {
  Graph graph;
  ParameterStore store;
  NodeId x;
  NodeId labels;
  std::vector<NodeId> outputs;
  NodeId loss;
  NodeId grad;
};

std::unique_ptr<Net> BuildNet() {
  auto net = std::make_unique<Net>();
  GraphBuilder b;
  auto param = [&](const std::string& name, Shape shape, float scale) {
    return *b.AddParameter(name, std::move(shape), UniformInit(-scale, scale));
  };
  net->x = *b.AddInput("x", Shape({kUnknown, 2, 12, 12}));
  net->labels = *b.AddInput("labels", Shape({kUnknown}));
  Conv2DAttrs same;
  same.padding = Padding::kSame;
  NodeId h = *b.AddOp(same,
                      {net->x, param("conv1/W", Shape({6, 2, 3, 3}), 0.5f),
                       param("conv1/b", Shape({6}), 0.1f)},
                      {"", "conv1"});
  h = *b.AddOp(ReluAttrs{}, {h}, {"", "conv1"});
  h = *b.AddOp(MaxPool2DAttrs{}, {h}, {"", "pool1"});  // [?,6,6,6]
  Conv2DAttrs odd;
  odd.padding = Padding::kExplicit;
  odd.pad_top = 1;
  odd.pad_bottom = 2;
  odd.pad_left = 0;
  odd.pad_right = 1;
  odd.dilation_h = 2;
  odd.groups = 2;
  h = *b.AddOp(odd, {h, param("conv2/W", Shape({4, 3, 2, 3}), 0.5f)},
               {"", "conv2"});
  h = *b.AddOp(BiasAddAttrs{}, {h, param("conv2/b", Shape({4}), 0.1f)},
               {"", "conv2"});
  AvgPool2DAttrs avg;
  avg.window_h = 3;
  avg.window_w = 3;
  avg.stride_h = 1;
  avg.stride_w = 2;
  avg.padding = Padding::kSame;
  h = *b.AddOp(avg, {h}, {"", "pool2"});
  h = *b.AddOp(BatchNormAttrs{},
               {h, param("bn/gamma", Shape({4}), 1.0f),
                param("bn/beta", Shape({4}), 0.5f),
                *b.AddParameter("bn/mean", Shape({4}), UniformInit(-0.2f, 0.2f),
                                /*trainable=*/false),
                *b.AddParameter("bn/var", Shape({4}), UniformInit(0.5f, 2.0f),
                                /*trainable=*/false)},
               {"", "bn"});
  h = *b.AddOp(TanhAttrs{}, {h}, {"", "bn"});
  const NodeId flat = *b.AddOp(FlattenAttrs{}, {h}, {"", "flatten"});
  const int64_t features = (*b.shape(flat)).dim(1);
  ReshapeAttrs reshape;
  reshape.shape = {-1, 2, features / 2};
  const NodeId folded = *b.AddOp(reshape, {flat}, {"", "fold"});
  h = *b.AddOp(MatMulAttrs{},
               {flat, param("fc1/W", Shape({features, 10}), 0.3f)},
               {"", "fc1"});
  h = *b.AddOp(BiasAddAttrs{}, {h, param("fc1/b", Shape({10}), 0.1f)},
               {"", "fc1"});
  h = *b.AddOp(SigmoidAttrs{}, {h}, {"", "fc1"});
  h = *b.AddOp(DropoutAttrs{}, {h}, {"", "drop"});
  MatMulAttrs transposed;
  transposed.transpose_b = true;
  h = *b.AddOp(transposed, {h, param("fc2/W", Shape({7, 10}), 0.5f)},
               {"", "fc2"});
  ScaleAttrs half;
  half.alpha = 0.5f;
  const NodeId logits = *b.AddOp(half, {h}, {"", "fc2"});
  const NodeId twice = *b.AddOp(AddAttrs{}, {logits, logits}, {"", "twice"});
  const NodeId square = *b.AddOp(MulAttrs{}, {twice, logits}, {"", "square"});
  const NodeId probs = *b.AddOp(SoftmaxAttrs{}, {square}, {"", "probs"});
  const NodeId log_probs =
      *b.AddOp(LogSoftmaxAttrs{}, {logits}, {"", "log_probs"});
  MeanAttrs row_mean;
  row_mean.axes = {1};
  row_mean.keep_dims = true;
  const NodeId mean = *b.AddOp(row_mean, {log_probs}, {"", "row_mean"});
  const NodeId total = *b.AddOp(SumAttrs{}, {folded}, {"", "total"});
  const NodeId same_id = *b.AddOp(IdentityAttrs{}, {total}, {"", "copy"});
  SumAttrs outer_sum;  // Two separate reduced axes, kept as 1.
  outer_sum.axes = {0, 2};
  outer_sum.keep_dims = true;
  const NodeId sums = *b.AddOp(outer_sum, {folded}, {"", "outer_sum"});
  MeanAttrs inner_mean;  // Negative and unordered axes.
  inner_mean.axes = {-1, 1};
  const NodeId means = *b.AddOp(inner_mean, {folded}, {"", "inner_mean"});
  net->outputs = {probs, log_probs, mean, same_id, sums, means};
  net->loss =
      *b.AddOp(SoftmaxCrossEntropyAttrs{}, {logits, net->labels}, {"", "loss"});
  net->grad = (*AddGradients(&b, net->loss, b.trainable_parameters()))[0];
  net->graph = *b.Finalize();
  EXPECT_TRUE(net->store.Initialize(net->graph, /*seed=*/7).ok());
  return net;
}

Tensor RandomImages(int64_t n, uint64_t seed) {
  Tensor t = Tensor::Zeros(Shape({n, 2, 12, 12}));
  Rng rng(seed, 0);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = rng.Uniform() * 2.0f - 1.0f;
  return t;
}

TEST(OnnxExportTest, EveryOpMatchesOnnxRuntime) {
  std::unique_ptr<Net> net = BuildNet();
  const int64_t batch = 5;
  ExecutorOptions options;
  options.fetches = net->outputs;
  options.batch_size = batch;
  options.training = false;
  auto exec = Executor::Create(net->graph, options);
  ASSERT_TRUE(exec.ok()) << exec.status();
  ASSERT_TRUE((*exec)->BindParameters(&net->store).ok());
  const Tensor images = RandomImages(batch, 3);
  ASSERT_TRUE((*exec)->Feed(net->x, images).ok());
  ASSERT_TRUE((*exec)->Run().ok());

  absl::StatusOr<std::string> bytes =
      OnnxModelBytes(net->graph, net->store, {net->x}, net->outputs);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::Status checked = CheckOnnxModel(*bytes);
  ASSERT_TRUE(checked.ok()) << checked;
  absl::StatusOr<std::vector<Tensor>> ort = RunOnnxRuntime(*bytes, {&images});
  ASSERT_TRUE(ort.ok()) << ort.status();
  ASSERT_EQ(ort->size(), net->outputs.size());
  for (size_t k = 0; k < net->outputs.size(); ++k) {
    const Tensor& ours = **(*exec)->Fetch(net->outputs[k]);
    const Tensor& theirs = (*ort)[k];
    ASSERT_EQ(theirs.size(), ours.size()) << "output " << k;
    for (int64_t i = 0; i < ours.size(); ++i) {
      EXPECT_NEAR(theirs[i], ours[i], 1e-5 * std::fabs(ours[i]) + 1e-6)
          << "output " << k << " (" << net->graph.node(net->outputs[k]).name
          << ") element " << i;
    }
  }
}

// The elementwise, broadcasting and layout ops of issue 14 in one graph
// (x [?, 2, 6] with a [6] parameter broadcast against it), each against
// ONNX Runtime.
TEST(OnnxExportTest, BroadcastMathAndLayoutOpsMatchOnnxRuntime) {
  GraphBuilder b;
  const NodeId x = *b.AddInput("x", Shape({kUnknown, 2, 6}));
  const NodeId p = *b.AddParameter("p", Shape({6}), UniformInit(-1.0f, 1.0f));
  const NodeId a = *b.AddOp(SubAttrs{}, {x, p}, {"", "sub"});
  const NodeId q = *b.AddOp(ExpAttrs{}, {p}, {"", "exp_p"});
  const NodeId d = *b.AddOp(DivAttrs{}, {a, q}, {"", "div"});
  const NodeId mx = *b.AddOp(MaximumAttrs{}, {d, x}, {"", "max"});
  const NodeId mn = *b.AddOp(MinimumAttrs{}, {mx, p}, {"", "min"});
  const NodeId ng = *b.AddOp(
      NegAttrs{}, {*b.AddOp(AbsAttrs{}, {mn}, {"", "abs"})}, {"", "neg"});
  const NodeId s = *b.AddOp(
      SqrtAttrs{}, {*b.AddOp(ExpAttrs{}, {ng}, {"", "exp"})}, {"", "sqrt"});
  const NodeId l = *b.AddOp(LogAttrs{}, {s}, {"", "log"});
  PowAttrs pow;
  pow.exponent = 1.5f;
  const NodeId pw = *b.AddOp(pow, {s}, {"", "pow"});
  LeakyReluAttrs leaky;
  leaky.alpha = 0.2f;
  const NodeId lr = *b.AddOp(leaky, {x}, {"", "leaky"});
  EluAttrs elu;
  elu.alpha = 0.7f;
  const NodeId el = *b.AddOp(elu, {x}, {"", "elu"});
  const NodeId sp = *b.AddOp(SoftplusAttrs{}, {x}, {"", "softplus"});
  ConcatAttrs concat;
  concat.axis = 1;
  const NodeId cat =
      *b.AddOp(concat, {lr, el, sp, pw, l}, {"", "concat"});  // [?,10,6]
  TransposeAttrs transpose;
  transpose.perm = {0, 2, 1};
  const NodeId t = *b.AddOp(transpose, {cat}, {"", "transpose"});  // [?,6,10]
  ReduceMaxAttrs row_max;
  row_max.axis = -1;
  const NodeId r = *b.AddOp(row_max, {t}, {"", "row_max"});  // [?,6]
  ReduceMaxAttrs all_max;
  all_max.keep_dims = true;
  const NodeId m = *b.AddOp(all_max, {cat}, {"", "all_max"});  // [1,1,1]
  const std::vector<NodeId> outputs = {t, r, m};
  Graph graph = *b.Finalize();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(graph, /*seed=*/5).ok());

  const int64_t batch = 3;
  ExecutorOptions options;
  options.fetches = outputs;
  options.batch_size = batch;
  options.training = false;
  auto exec = Executor::Create(graph, options);
  ASSERT_TRUE(exec.ok()) << exec.status();
  ASSERT_TRUE((*exec)->BindParameters(&store).ok());
  Tensor images = Tensor::Zeros(Shape({batch, 2, 6}));
  Rng rng(11, 0);
  for (int64_t i = 0; i < images.size(); ++i) {
    images[i] = rng.Uniform() * 4.0f - 2.0f;
  }
  ASSERT_TRUE((*exec)->Feed(x, images).ok());
  ASSERT_TRUE((*exec)->Run().ok());

  absl::StatusOr<std::string> bytes =
      OnnxModelBytes(graph, store, {x}, outputs);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  absl::Status checked = CheckOnnxModel(*bytes);
  ASSERT_TRUE(checked.ok()) << checked;
  absl::StatusOr<std::vector<Tensor>> ort = RunOnnxRuntime(*bytes, {&images});
  ASSERT_TRUE(ort.ok()) << ort.status();
  ASSERT_EQ(ort->size(), outputs.size());
  for (size_t k = 0; k < outputs.size(); ++k) {
    const Tensor& ours = **(*exec)->Fetch(outputs[k]);
    const Tensor& theirs = (*ort)[k];
    ASSERT_EQ(theirs.size(), ours.size()) << "output " << k;
    for (int64_t i = 0; i < ours.size(); ++i) {
      EXPECT_NEAR(theirs[i], ours[i], 1e-5 * std::fabs(ours[i]) + 1e-6)
          << "output " << k << " element " << i;
    }
  }
}

// Gelu has no opset-13 operator: the export names the node and refuses.
TEST(OnnxExportTest, GeluHasNoOnnxEquivalent) {
  GraphBuilder b;
  const NodeId x = *b.AddInput("x", Shape({kUnknown, 4}));
  const NodeId y = *b.AddOp(GeluAttrs{}, {x}, {"", "gelu"});
  Graph graph = *b.Finalize();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(graph, /*seed=*/1).ok());
  absl::StatusOr<std::string> bytes = OnnxModelBytes(graph, store, {x}, {y});
  ASSERT_FALSE(bytes.ok());
  EXPECT_TRUE(absl::StrContains(bytes.status().message(), "'gelu/Gelu' (Gelu)"))
      << bytes.status();
  EXPECT_TRUE(absl::StrContains(bytes.status().message(), "no ONNX equivalent"))
      << bytes.status();
}

TEST(OnnxExportTest, LossAndReverseNodesAreRefusedByName) {
  std::unique_ptr<Net> net = BuildNet();
  absl::StatusOr<std::string> loss = OnnxModelBytes(
      net->graph, net->store, {net->x, net->labels}, {net->loss});
  ASSERT_FALSE(loss.ok());
  EXPECT_EQ(loss.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StrContains(loss.status().message(), "(SoftmaxCrossEntropy)"))
      << loss.status();
  EXPECT_TRUE(absl::StrContains(loss.status().message(),
                                net->graph.node(net->loss).name));
  absl::StatusOr<std::string> grad = OnnxModelBytes(
      net->graph, net->store, {net->x, net->labels}, {net->grad});
  ASSERT_FALSE(grad.ok());
  EXPECT_TRUE(absl::StrContains(grad.status().message(), "reverse pass"));
  // An output that needs an input the caller did not list.
  absl::StatusOr<std::string> missing =
      OnnxModelBytes(net->graph, net->store, {}, net->outputs);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "input 'x'"));
}

TEST(OnnxExportTest, CheckerRejectsWhatIsNotAModel) {
  EXPECT_EQ(CheckOnnxModel("not a model").code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dagrad
