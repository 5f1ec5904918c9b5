// tests/io/onnx/onnx_import_test.cc: ONNX import. A LeNet-5 exported by
// PyTorch 1.13 (tools/pytorch_reference/export_onnx.py) predicts what
// PyTorch predicted and fine-tunes with PyTorch's losses; dagrad's own
// export imports back to bitwise the same outputs; malformed and
// unsupported files are errors that name the culprit.
#include "io/onnx/onnx_import.h"

#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "core/random.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"
#include "io/onnx/onnx_export.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "layers/pooling.h"
#include "onnx/onnx_pb.h"
#include "ops/mean.h"
#include "ops/sum.h"
#include "tests/io/onnx/ort_runner.h"
#include "tests/testing/subprocess.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

std::string Testdata(const std::string& name) {
  return RunfilePath("tests/io/onnx/testdata/" + name);
}

Tensor LoadNpy(const std::string& name) {
  std::ifstream in(Testdata(name), std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  absl::StatusOr<Tensor> t = ParseNpyFloat32(s.str(), name);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *std::move(t) : Tensor();
}

TEST(OnnxImportTest, PyTorchLeNetPredictsAndFineTunesLikePyTorch) {
  absl::StatusOr<OnnxLayer> net =
      OnnxLayer::Load(Testdata("lenet_pytorch.onnx"));
  ASSERT_TRUE(net.ok()) << net.status();
  EXPECT_EQ(net->input_shape(), Shape({1, 28, 28}));
  Sequential model(net->input_shape(), /*seed=*/0);
  model.Add(*std::move(net), "lenet");
  ASSERT_TRUE(model.status().ok()) << model.status();
  EXPECT_EQ(model.parameter_count(), 61684);

  const Tensor images = LoadNpy("lenet_images.npy");
  const Tensor labels = LoadNpy("lenet_labels.npy");
  const Tensor logits = LoadNpy("lenet_logits.npy");
  const Tensor losses = LoadNpy("lenet_losses.npy");
  absl::StatusOr<Tensor> predicted = model.Predict(images);
  ASSERT_TRUE(predicted.ok()) << predicted.status();
  ASSERT_EQ(predicted->size(), logits.size());
  for (int64_t i = 0; i < logits.size(); ++i) {
    EXPECT_NEAR((*predicted)[i], logits[i], 1e-5 * std::fabs(logits[i]) + 1e-6)
        << "logit " << i;
  }
  // PyTorch's plain SGD at lr 0.01: the loss before each of two steps and
  // after the second.
  FitOptions fit;
  fit.optimizer = OptimizerKind::kSgd;
  for (int step = 0; step < 3; ++step) {
    absl::StatusOr<StepResult> r = model.TrainStep(images, labels, fit, 0.01f);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_NEAR(r->loss, losses[step], 1e-5 * losses[step]) << "step " << step;
  }
}

// PyTorch's Conv2d + ReLU + MaxPool2d + Linear + BatchNorm1d + ReLU + Linear
// (the ONNX fuzzer's PyTorch seed) imports and trains: BatchNormalization's
// running statistics become non-trainable parameters.
TEST(OnnxImportTest, PyTorchBatchNormModelImportsAndTrains) {
  absl::StatusOr<OnnxLayer> net = OnnxLayer::Load(
      RunfilePath("tests/fuzz/corpus/onnx_import/pytorch_tiny.onnx"));
  ASSERT_TRUE(net.ok()) << net.status();
  EXPECT_EQ(net->input_shape(), Shape({1, 8, 8}));
  Sequential model(net->input_shape());
  model.Add(*std::move(net), "tiny");
  ASSERT_TRUE(model.status().ok()) << model.status();
  // Trainable: conv 2*9+2, linear 32*6+6, batch norm gamma and beta 2*6,
  // linear 6*3+3 (the running mean and variance are not counted).
  EXPECT_EQ(model.parameter_count(), 20 + 198 + 12 + 21);
  Tensor x = Tensor::Zeros(Shape({4, 1, 8, 8}));
  Rng rng(3, 0);
  for (int64_t i = 0; i < x.size(); ++i) x[i] = rng.Uniform();
  Tensor labels = Tensor::FromValues(Shape({4}), {0, 1, 2, 1});
  FitOptions fit;
  absl::StatusOr<StepResult> first = model.TrainStep(x, labels, fit, 0.1f);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<StepResult> second = model.TrainStep(x, labels, fit, 0.1f);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_LT(second->loss, first->loss);
}

// A small LeNet-style model built from dagrad's layers.
std::unique_ptr<Sequential> SmallConvNet() {
  auto model = std::make_unique<Sequential>(Shape({1, 12, 12}), /*seed=*/3);
  Conv2DOptions conv;
  conv.attrs.padding = Padding::kSame;
  conv.activation = Activation::kRelu;
  model->Add(Conv2D(4, 3, conv));
  model->Add(MaxPool2D(2));
  model->Add(Flatten());
  model->Add(Dense(16, Activation::kTanh));
  model->Add(Dense(5, Activation::kSoftmax));
  return model;
}

// Sum and Mean over several axes (separate, negative, with and without
// keep_dims) export as ReduceSum/ReduceMean and import back to the same
// attrs: bitwise the same outputs.
TEST(OnnxImportTest, ReductionsOverSeveralAxesRoundTrip) {
  GraphBuilder b;
  const NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 2, 3, 4}));
  SumAttrs sum;
  sum.axes = {1, 3};
  sum.keep_dims = true;
  const NodeId s = *b.AddOp(sum, {x}, {"", "sum"});  // [?,1,3,1]
  MeanAttrs mean;
  mean.axes = {-1, 2};
  const NodeId m = *b.AddOp(mean, {s}, {"", "mean"});  // [?,1]
  const Graph graph = *b.Finalize();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(graph, /*seed=*/1).ok());
  absl::StatusOr<std::string> bytes = OnnxModelBytes(graph, store, {x}, {m});
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_TRUE(CheckOnnxModel(*bytes).ok());

  Tensor images = Tensor::Zeros(Shape({5, 2, 3, 4}));
  Rng rng(7, 0);
  for (int64_t i = 0; i < images.size(); ++i) images[i] = rng.Uniform();
  ExecutorOptions options;
  options.fetches = {m};
  options.batch_size = 5;
  std::unique_ptr<Executor> exec = *Executor::Create(graph, options);
  ASSERT_TRUE(exec->BindParameters(&store).ok());
  ASSERT_TRUE(exec->Feed(x, images).ok());
  ASSERT_TRUE(exec->Run().ok());
  const Tensor& want = **exec->Fetch(m);

  absl::StatusOr<OnnxLayer> layer = OnnxLayer::FromBytes(*bytes, "reduce");
  ASSERT_TRUE(layer.ok()) << layer.status();
  Sequential imported(layer->input_shape(), /*seed=*/3);
  imported.Add(*std::move(layer), "imported");
  ASSERT_TRUE(imported.status().ok()) << imported.status();
  absl::StatusOr<Tensor> got = imported.Predict(images);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->shape(), want.shape());
  for (int64_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ((*got)[i], want[i]) << "element " << i;
  }
}

TEST(OnnxImportTest, DagradExportImportsBackToBitwiseEqualOutputs) {
  std::unique_ptr<Sequential> model = SmallConvNet();
  ASSERT_TRUE(model->status().ok()) << model->status();
  Tensor images = Tensor::Zeros(Shape({6, 1, 12, 12}));
  Rng rng(5, 0);
  for (int64_t i = 0; i < images.size(); ++i) images[i] = rng.Uniform();
  absl::StatusOr<Tensor> before = model->Predict(images);
  ASSERT_TRUE(before.ok()) << before.status();
  absl::StatusOr<Sequential::Endpoints> ends = model->InferenceEndpoints();
  ASSERT_TRUE(ends.ok()) << ends.status();
  absl::StatusOr<std::string> bytes =
      OnnxModelBytes(*ends->graph, *ends->store, {ends->input}, {ends->output});
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_TRUE(CheckOnnxModel(*bytes).ok());

  absl::StatusOr<OnnxLayer> layer = OnnxLayer::FromBytes(*bytes, "round");
  ASSERT_TRUE(layer.ok()) << layer.status();
  Sequential imported(layer->input_shape(), /*seed=*/99);
  imported.Add(*std::move(layer), "imported");
  ASSERT_TRUE(imported.status().ok()) << imported.status();
  EXPECT_EQ(imported.parameter_count(), model->parameter_count());
  absl::StatusOr<Tensor> after = imported.Predict(images);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->size(), before->size());
  for (int64_t i = 0; i < before->size(); ++i) {
    ASSERT_EQ((*after)[i], (*before)[i]) << "element " << i;
  }
  // And ONNX Runtime agrees with both.
  absl::StatusOr<std::vector<Tensor>> ort = RunOnnxRuntime(*bytes, {&images});
  ASSERT_TRUE(ort.ok()) << ort.status();
  for (int64_t i = 0; i < before->size(); ++i) {
    EXPECT_NEAR((*ort)[0][i], (*before)[i],
                1e-5 * std::fabs((*before)[i]) + 1e-6);
  }
}

void ExpectRejected(const std::string& bytes, const std::string& text) {
  absl::StatusOr<OnnxLayer> layer = OnnxLayer::FromBytes(bytes, "bad.onnx");
  ASSERT_FALSE(layer.ok()) << "accepted; expected: " << text;
  EXPECT_EQ(layer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(layer.status().message(), "bad.onnx"))
      << layer.status();
  EXPECT_TRUE(absl::StrContains(layer.status().message(), text))
      << layer.status();
}

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(Testdata(name), std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(OnnxImportTest, MalformedFilesAreErrorsNotCrashes) {
  ExpectRejected("", "not a valid ONNX model");
  ExpectRejected("definitely not protobuf \xff\xff\xff", "not a valid ONNX");
  const std::string good = ReadTestdata("lenet_pytorch.onnx");
  ASSERT_TRUE(OnnxLayer::FromBytes(good, "good").ok());
  // Every truncation is rejected (or, rarely, parses as a smaller valid
  // message that is then rejected for what it lacks); none crashes.
  for (size_t cut = 0; cut < good.size(); cut += good.size() / 97 + 1) {
    absl::StatusOr<OnnxLayer> layer =
        OnnxLayer::FromBytes(good.substr(0, cut), "cut.onnx");
    if (layer.ok()) continue;
    EXPECT_EQ(layer.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(OnnxLayer::Load("/nonexistent/m.onnx").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(OnnxImportTest, UnsupportedThingsAreNamed) {
  onnx::ModelProto model;
  ASSERT_TRUE(model.ParseFromString(ReadTestdata("lenet_pytorch.onnx")));
  {
    onnx::ModelProto m = model;
    m.mutable_graph()->mutable_node(0)->set_op_type("Gather");
    const std::string name = m.graph().node(0).name();
    ExpectRejected(m.SerializeAsString(), "has op type Gather");
    ExpectRejected(m.SerializeAsString(), name);
  }
  {
    onnx::ModelProto m = model;
    m.mutable_opset_import(0)->set_version(7);
    ExpectRejected(m.SerializeAsString(), "opset 7");
  }
  {
    onnx::ModelProto m = model;
    m.mutable_graph()->mutable_initializer(0)->mutable_raw_data()->resize(3);
    ExpectRejected(m.SerializeAsString(), "bytes of data for");
  }
  {
    onnx::ModelProto m = model;
    for (auto& node : *m.mutable_graph()->mutable_node()) {
      if (node.op_type() != "MaxPool") continue;
      onnx::AttributeProto* a = node.add_attribute();
      a->set_name("ceil_mode");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(1);
      break;
    }
    absl::StatusOr<OnnxLayer> layer =
        OnnxLayer::FromBytes(m.SerializeAsString(), "bad.onnx");
    ASSERT_TRUE(layer.ok()) << layer.status();  // Attributes are read...
    Sequential s(layer->input_shape());
    s.Add(*std::move(layer), "net");  // ... and judged when built.
    EXPECT_TRUE(absl::StrContains(s.status().message(), "ceil_mode 1"))
        << s.status();
    EXPECT_TRUE(absl::StrContains(s.status().message(), "(MaxPool)"))
        << s.status();
  }
}

}  // namespace
}  // namespace dagrad
