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
#include "ops/avg_pool2d.h"
#include "ops/batch_norm.h"
#include "ops/bias_add.h"
#include "ops/conv2d.h"
#include "ops/dropout.h"
#include "ops/flatten.h"
#include "ops/identity.h"
#include "ops/log_softmax.h"
#include "ops/mat_mul.h"
#include "ops/max_pool2d.h"
#include "ops/mean.h"
#include "ops/relu.h"
#include "ops/reshape.h"
#include "ops/scale.h"
#include "ops/sigmoid.h"
#include "ops/softmax.h"
#include "ops/softmax_cross_entropy.h"
#include "ops/sum.h"
#include "ops/tanh.h"
#include "ops/add.h"
#include "ops/mul.h"
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
    return *b.AddParameter(name, std::move(shape),
                           UniformInit(-scale, scale));
  };
  net->x = *b.AddInput("x", Shape({kUnknown, 2, 12, 12}));
  net->labels = *b.AddInput("labels", Shape({kUnknown}));
  Conv2DAttrs same;
  same.padding = Padding::kSame;
  NodeId h = *b.AddOp(same, {net->x, param("conv1/W", Shape({6, 2, 3, 3}), 0.5f),
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
  h = *b.AddOp(MatMulAttrs{}, {flat, param("fc1/W", Shape({features, 10}), 0.3f)},
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
  row_mean.axis = 1;
  row_mean.keep_dims = true;
  const NodeId mean = *b.AddOp(row_mean, {log_probs}, {"", "row_mean"});
  const NodeId total = *b.AddOp(SumAttrs{}, {folded}, {"", "total"});
  const NodeId same_id = *b.AddOp(IdentityAttrs{}, {total}, {"", "copy"});
  net->outputs = {probs, log_probs, mean, same_id};
  net->loss = *b.AddOp(SoftmaxCrossEntropyAttrs{}, {logits, net->labels},
                       {"", "loss"});
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

TEST(OnnxExportTest, LossAndReverseNodesAreRefusedByName) {
  std::unique_ptr<Net> net = BuildNet();
  absl::StatusOr<std::string> loss =
      OnnxModelBytes(net->graph, net->store, {net->x, net->labels},
                     {net->loss});
  ASSERT_FALSE(loss.ok());
  EXPECT_EQ(loss.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(loss.status().message(), "(SoftmaxCrossEntropy)"))
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
