// Every user mistake listed in the "bad input and faults" issue, through the
// public API: each returns an absl::Status with the right code and a
// message naming the culprit (layer, node, op, shape, parameter or file).
// None aborts.
#include <sys/stat.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "graph/autodiff.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"
#include "io/file_system.h"
#include "layers/batch_norm.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "ops/mat_mul.h"
#include "tests/train/synthetic_data.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// ExpectError() checks the code and that every `mentions` is in the message.
void ExpectError(const absl::Status& s, absl::StatusCode code,
                 std::vector<std::string> mentions) {
  EXPECT_EQ(s.code(), code) << s;
  for (const std::string& m : mentions) {
    EXPECT_TRUE(absl::StrContains(s.message(), m))
        << "'" << m << "' not in: " << s.message();
  }
}

TEST(UserErrorsTest, DenseInputWidthThatDoesNotMatch) {
  // Through the builder: x [?,784] times W [100,10].
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 784}));
  NodeId w = *b.AddParameter("dense/W", Shape({100, 10}), ConstantInit(0));
  absl::StatusOr<NodeId> y = b.AddOp(MatMulAttrs{}, {x, w}, {"", "dense"});
  ExpectError(y.status(), absl::StatusCode::kInvalidArgument,
              {"dense/MatMul", "MatMul", "[?,784]", "[100,10]"});
  // Through a model: images of another size than the model's input.
  Sequential model(Shape({784}), 0);
  model.Add(Dense(10));
  Dataset data = QuadrantData(8, 8, 1);  // [8,1,8,8]: 64 features, not 784.
  FitOptions fit;
  fit.verbose = false;
  ExpectError(model.Fit(data, nullptr, fit).status(),
              absl::StatusCode::kInvalidArgument, {"[8,1,8,8]", "[8,784]"});
}

TEST(UserErrorsTest, ConvOnARank3Tensor) {
  Sequential model(Shape({28, 28}), 0);  // Forgot the channel dimension.
  model.Add(Conv2D(6, 5));
  ExpectError(model.status(), absl::StatusCode::kInvalidArgument,
              {"conv2d_1", "Conv2D", "[?,28,28]"});
}

TEST(UserErrorsTest, KernelLargerThanThePaddedInput) {
  Sequential model(Shape({1, 4, 4}), 0);
  model.Add(Conv2D(2, 5));
  ExpectError(model.status(), absl::StatusCode::kInvalidArgument,
              {"conv2d_1", "Conv2D", "[?,1,4,4]", "[2,1,5,5]"});
}

TEST(UserErrorsTest, StrideZero) {
  Sequential model(Shape({1, 8, 8}), 0);
  Conv2DOptions options;
  options.SetStride(0);
  model.Add(Conv2D(2, 3, options));
  ExpectError(model.status(), absl::StatusCode::kInvalidArgument,
              {"conv2d_1", "Conv2D", "stride", "[?,1,8,8]"});
}

TEST(UserErrorsTest, GroupsNotDividingTheChannels) {
  Sequential model(Shape({6, 8, 8}), 0);
  Conv2DOptions options;
  options.attrs.groups = 4;
  model.Add(Conv2D(8, 3, options));
  ExpectError(model.status(), absl::StatusCode::kInvalidArgument,
              {"conv2d_1", "Conv2D", "groups", "[?,6,8,8]"});
}

TEST(UserErrorsTest, DropoutPOutsideZeroOne) {
  for (float p : {-0.1f, 1.0f, 1.5f}) {
    Sequential model(Shape({16}), 0);
    model.Add(Dropout(p));
    ExpectError(model.status(), absl::StatusCode::kInvalidArgument,
                {"dropout_1", "Dropout", "[?,16]"});
  }
}

TEST(UserErrorsTest, LabelsOutOfRangeOrMiscounted) {
  IdxArray images{{3, 2, 2}, std::vector<uint8_t>(12, 7)};
  IdxArray labels{{3}, {1, 12, 0}};
  ExpectError(MakeDataset(images, labels, "train").status(),
              absl::StatusCode::kInvalidArgument, {"train", "12"});
  IdxArray two_labels{{2}, {1, 0}};
  ExpectError(MakeDataset(images, two_labels, "train").status(),
              absl::StatusCode::kInvalidArgument, {"train", "3", "2"});
  // A hand-made Dataset with a label the model has no class for.
  Sequential model(Shape({1, 8, 8}), 0);
  model.Add(Flatten());
  model.Add(Dense(4));
  Dataset data = QuadrantData(8, 8, 2);
  data.labels[5] = 7;
  FitOptions fit;
  fit.verbose = false;
  ExpectError(model.Fit(data, nullptr, fit).status(),
              absl::StatusCode::kInvalidArgument, {"7"});
}

TEST(UserErrorsTest, BatchSizeOfZero) {
  Dataset data = QuadrantData(8, 8, 3);
  ExpectError(DataProvider::Create(&data, 0, true, 1).status(),
              absl::StatusCode::kInvalidArgument, {"batch"});
  Sequential model(Shape({1, 8, 8}), 0);
  model.Add(Flatten());
  model.Add(Dense(4));
  FitOptions fit;
  fit.batch_size = 0;
  ExpectError(model.Fit(data, nullptr, fit).status(),
              absl::StatusCode::kInvalidArgument, {"batch_size", "0"});
}

// A finalized graph y = x W with a gradient, for the executor cases.
struct SmallGraph {
  NodeId x, w, y;
  Graph graph;
};

SmallGraph MakeSmallGraph() {
  SmallGraph g;
  GraphBuilder b;
  g.x = *b.AddInput("x", Shape({Shape::kUnknownDim, 3}));
  g.w = *b.AddParameter("w", Shape({3, 2}), ConstantInit(1));
  g.y = *b.AddOp(MatMulAttrs{}, {g.x, g.w});
  g.graph = *b.Finalize();
  return g;
}

TEST(UserErrorsTest, FeedingTheWrongShapeOrNodeNamesIt) {
  SmallGraph g = MakeSmallGraph();
  ExecutorOptions options;
  options.fetches = {g.y};
  options.batch_size = 4;
  auto exec = Executor::Create(g.graph, options);
  ASSERT_TRUE(exec.ok()) << exec.status();
  ExpectError((*exec)->Feed(g.x, Tensor::Zeros(Shape({4, 5}))),
              absl::StatusCode::kInvalidArgument, {"x", "[4,5]", "[4,3]"});
  // A node that is not an input is named, not numbered.
  ExpectError((*exec)->Feed(g.w, Tensor::Zeros(Shape({3, 2}))),
              absl::StatusCode::kInvalidArgument, {"'w'", "not an input"});
  ExpectError((*exec)->Feed(NodeId{999}, Tensor::Zeros(Shape({3, 2}))),
              absl::StatusCode::kInvalidArgument, {"999", "not in the graph"});
}

TEST(UserErrorsTest, RunningBeforeFinalize) {
  Graph not_finalized;
  ExecutorOptions options;
  ExpectError(Executor::Create(not_finalized, options).status(),
              absl::StatusCode::kFailedPrecondition, {"finalize"});
  // And running before the inputs are fed / parameters bound.
  SmallGraph g = MakeSmallGraph();
  options.fetches = {g.y};
  auto exec = Executor::Create(g.graph, options);
  ASSERT_TRUE(exec.ok());
  ExpectError((*exec)->Run(), absl::StatusCode::kFailedPrecondition,
              {"BindParameters"});
}

TEST(UserErrorsTest, GradientOfAParameterThatIsNotInTheGraph) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({2, 3}));
  NodeId w = *b.AddParameter("w", Shape({3, 1}), ConstantInit(1));
  NodeId unused = *b.AddParameter("unused", Shape({4}), ConstantInit(1));
  NodeId y = *b.AddOp(MatMulAttrs{}, {x, w});
  NodeId loss = *b.AddOp(
      MatMulAttrs{},
      {*b.AddConstant("ones", Tensor::FromValues(Shape({1, 2}), {1, 1})), y});
  ExpectError(AddGradients(&b, loss, {NodeId{999}}).status(),
              absl::StatusCode::kInvalidArgument, {"999"});
  ExpectError(AddGradients(&b, loss, {unused}).status(),
              absl::StatusCode::kInvalidArgument, {"unused"});
}

// TrainedModelFile() trains a tiny model for one epoch and saves it.
std::string TrainedModelFile(const std::string& name, int64_t hidden) {
  Sequential model(Shape({1, 8, 8}), 0);
  model.Add(Flatten());
  model.Add(Dense(hidden));
  model.Add(Dense(4));
  FitOptions fit;
  fit.verbose = false;
  Dataset data = QuadrantData(32, 8, 4);
  EXPECT_TRUE(model.Fit(data, nullptr, fit).ok());
  const std::string path = TempPath(name);
  EXPECT_TRUE(model.Save(path).ok());
  return path;
}

TEST(UserErrorsTest, CheckpointFromAnotherModel) {
  const std::string path = TrainedModelFile("other_model.ckpt", 16);
  Sequential model(Shape({1, 8, 8}), 0);
  model.Add(Flatten());
  model.Add(Dense(12));
  model.Add(Dense(4));
  ExpectError(model.Load(path), absl::StatusCode::kInvalidArgument,
              {path, "dense_1/W", "[64,16]", "[64,12]"});
}

TEST(UserErrorsTest, CheckpointWithACorruptedByteOrTruncated) {
  const std::string path = TrainedModelFile("good.ckpt", 8);
  const std::string bytes = ReadBytes(path);
  ASSERT_GT(bytes.size(), 100u);
  std::string corrupted = bytes;
  corrupted[bytes.size() / 2] ^= 0x10;
  const std::string bad_path = TempPath("corrupted.ckpt");
  WriteBytes(bad_path, corrupted);
  Sequential model(Shape({1, 8, 8}), 0);
  model.Add(Flatten());
  model.Add(Dense(8));
  model.Add(Dense(4));
  ExpectError(model.Load(bad_path), absl::StatusCode::kDataLoss,
              {bad_path, "CRC"});
  const std::string cut_path = TempPath("truncated.ckpt");
  WriteBytes(cut_path, bytes.substr(0, bytes.size() - 7));
  absl::Status cut = model.Load(cut_path);
  EXPECT_FALSE(cut.ok());
  EXPECT_TRUE(absl::StrContains(cut.message(), cut_path)) << cut;
  // The model is unchanged by the failed loads and still loads a good file.
  EXPECT_TRUE(model.Load(path).ok());
}

TEST(UserErrorsTest, MissingOrUnreadableDataFile) {
  ExpectError(LoadMnistSplits("/nonexistent/fashion").status(),
              absl::StatusCode::kNotFound, {"/nonexistent/fashion"});
  ExpectError(ReadIdxFile("/nonexistent/x.idx").status(),
              absl::StatusCode::kNotFound, {"/nonexistent/x.idx"});
  // A directory is not a readable data file.
  const char* dir = std::getenv("TEST_TMPDIR");
  ASSERT_NE(dir, nullptr);
  EXPECT_FALSE(ReadIdxFile(dir).ok());
}

TEST(UserErrorsTest, TruncatedGzip) {
  const std::string real =
      ReadBytes("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
  ASSERT_GT(real.size(), 1000u) << "tools/setup.sh installs the data set";
  const std::string path = TempPath("truncated-labels.gz");
  WriteBytes(path, real.substr(0, real.size() / 2));
  ExpectError(ReadIdxFile(path).status(), absl::StatusCode::kInvalidArgument,
              {path});
}

std::string IdxHeader(uint8_t type, std::vector<uint32_t> dims) {
  std::string h = {0, 0, static_cast<char>(type),
                   static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      h.push_back(static_cast<char>((d >> shift) & 0xFF));
    }
  }
  return h;
}

TEST(UserErrorsTest, IdxBadMagicOverflowingOrOversizedDims) {
  std::string bad_magic = IdxHeader(0x08, {2, 2}) + std::string(4, 1);
  bad_magic[0] = 1;
  ExpectError(ParseIdx(bad_magic, "magic.idx").status(),
              absl::StatusCode::kInvalidArgument, {"magic.idx", "magic"});
  // 4 dims of 2^32-1: the product overflows int64.
  const std::string overflow =
      IdxHeader(0x08, {0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF});
  ExpectError(ParseIdx(overflow, "overflow.idx").status(),
              absl::StatusCode::kInvalidArgument, {"overflow.idx"});
  // Dims that promise more bytes than the file has.
  const std::string short_file = IdxHeader(0x08, {10, 28, 28}) + "abc";
  ExpectError(ParseIdx(short_file, "short.idx").status(),
              absl::StatusCode::kInvalidArgument, {"short.idx"});
}

TEST(UserErrorsTest, NumericalFaultNamesTheFirstBadNode) {
  // Finite inputs and weights (3e37) whose products overflow float: the
  // first non-finite tensor is dense_1's MatMul output.
  Sequential model(Shape({1, 8, 8}), 0);
  model.Add(Flatten());
  DenseOptions huge;
  huge.weight_init = Initializer::Constant(3e37f);
  huge.activation = Activation::kTanh;
  model.Add(Dense(8, huge));
  model.Add(Dense(4));
  Dataset data = QuadrantData(16, 8, 5);
  FitOptions fit;
  fit.verbose = false;
  fit.check_numerics = true;
  ExpectError(model.Fit(data, nullptr, fit).status(),
              absl::StatusCode::kInvalidArgument,
              {"check_numerics", "dense_1/MatMul", "inf", "forward pass"});
  // Without the check, training on garbage is not reported.
  fit.check_numerics = false;
  EXPECT_TRUE(model.Fit(data, nullptr, fit).ok());
}

// SmallMlp() is Flatten, Dense(8) ReLU, Dense(4) on [1,8,8] images.
void SmallMlp(Sequential* model) {
  model->Add(Flatten());
  model->Add(Dense(8, Activation::kRelu));
  model->Add(Dense(4));
}

FitOptions Quiet() {
  FitOptions fit;
  fit.verbose = false;
  fit.batch_size = 8;
  return fit;
}

// Snapshot() copies every parameter value.
std::vector<std::vector<float>> Snapshot(Sequential* model) {
  std::vector<std::vector<float>> out;
  for (const auto& [name, value] : model->parameters()->Items()) {
    out.emplace_back(value->data(), value->data() + value->size());
  }
  return out;
}

TEST(UserErrorsTest, AParameterNoBufferCanHoldIsReportedAtItsLayer) {
  Sequential model(Shape({784}), 0);
  model.Add(Dense(int64_t{1} << 40));
  ExpectError(
      model.status(), absl::StatusCode::kResourceExhausted,
      {"dense_1", "Dense", "dense_1/W", "[784,1099511627776]", "bytes"});
  ExpectError(model.Summary().status(), absl::StatusCode::kResourceExhausted,
              {"dense_1/W"});
  ExpectError(model.Compile(Loss::kSoftmaxCrossEntropy),
              absl::StatusCode::kResourceExhausted, {"dense_1/W"});
  // The store refuses it too, naming the parameter.
  GraphBuilder b;
  ASSERT_TRUE(
      b.AddParameter("huge/W", Shape({int64_t{1} << 39, 4}), ConstantInit(0))
          .ok());
  absl::StatusOr<Graph> graph = b.Finalize();
  ASSERT_TRUE(graph.ok()) << graph.status();
  ParameterStore store;
  ExpectError(store.Initialize(*graph, 0), absl::StatusCode::kResourceExhausted,
              {"huge/W", "[549755813888,4]", "bytes"});
}

TEST(UserErrorsTest, AnArenaTooLargeIsResourceExhaustedNamingTheNode) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, int64_t{1} << 36}));
  NodeId w =
      *b.AddParameter("w", Shape({int64_t{1} << 36, 1}), ConstantInit(0));
  NodeId y = *b.AddOp(MatMulAttrs{}, {x, w});
  Graph graph = *b.Finalize();
  ExecutorOptions options;
  options.fetches = {y};
  options.batch_size = 64;  // x: 64 * 2^36 floats, 16 TiB.
  ExpectError(Executor::Create(graph, options).status(),
              absl::StatusCode::kResourceExhausted, {"'x'", "batch 64"});
}

TEST(UserErrorsTest, DivergenceStopsFitBeforeTheBadUpdate) {
  const Dataset data = QuadrantData(64, 8, 6);
  Sequential model(Shape({1, 8, 8}), 0);
  SmallMlp(&model);
  FitOptions fit = Quiet();
  fit.lr = 1e30f;
  fit.epochs = 5;
  const absl::Status s = model.Fit(data, nullptr, fit).status();
  ExpectError(
      s, absl::StatusCode::kInvalidArgument,
      {"epoch ", "batch ", "training step", "diverged", "allow_non_finite"});
  // Step by step: the failing step leaves the parameters as they were.
  Sequential stepped(Shape({1, 8, 8}), 0);
  SmallMlp(&stepped);
  Tensor images = Slice(data, 0, 8).images.Clone();
  Tensor labels = Slice(data, 0, 8).labels.Clone();
  absl::Status step_status;
  for (int i = 0; i < 20 && step_status.ok(); ++i) {
    const std::vector<std::vector<float>> before = Snapshot(&stepped);
    const int64_t steps = stepped.steps_done();
    step_status = stepped.TrainStep(images, labels, fit, 1e30f).status();
    if (!step_status.ok()) {
      EXPECT_EQ(stepped.steps_done(), steps);
      EXPECT_EQ(Snapshot(&stepped), before);
    }
  }
  ExpectError(step_status, absl::StatusCode::kInvalidArgument,
              {"training step", "diverged"});
  // allow_non_finite trains on.
  Sequential lenient(Shape({1, 8, 8}), 0);
  SmallMlp(&lenient);
  fit.allow_non_finite = true;
  EXPECT_TRUE(lenient.Fit(data, nullptr, fit).ok());
}

TEST(UserErrorsTest, NanInABatchGivenDirectlyIsRejected) {
  Sequential model(Shape({1, 8, 8}), 0);
  SmallMlp(&model);
  Tensor images = QuadrantData(4, 8, 7).images.Clone();
  Tensor labels = Tensor::FromValues(Shape({4}), {0, 1, 2, 3});
  images[64 * 2 + 5] = std::numeric_limits<float>::quiet_NaN();
  ExpectError(model.TrainStep(images, labels, Quiet(), 0.1f).status(),
              absl::StatusCode::kInvalidArgument,
              {"TrainStep: images", "nan", "element 133", "example 2"});
  ExpectError(model.Predict(images).status(),
              absl::StatusCode::kInvalidArgument,
              {"Predict: images", "nan", "example 2"});
  images[133] = 0.5f;
  labels[1] = std::numeric_limits<float>::infinity();
  ExpectError(model.TrainStep(images, labels, Quiet(), 0.1f).status(),
              absl::StatusCode::kInvalidArgument,
              {"TrainStep: labels", "inf", "example 1"});
  // A NaN in a Dataset is caught by DataProvider, naming the set.
  Dataset test = QuadrantData(16, 8, 8);
  test.images[70] = std::numeric_limits<float>::quiet_NaN();
  ExpectError(model.Evaluate(test, 4, std::nullopt, 1, "test").status(),
              absl::StatusCode::kInvalidArgument, {"test", "1"});
}

TEST(UserErrorsTest, PredictAndEvaluateCheckTheWholeShape) {
  Sequential model(Shape({1, 8, 8}), 0);
  SmallMlp(&model);
  // NHWC data for an NCHW model: the same element count, another shape.
  Tensor nhwc = Tensor::Zeros(Shape({3, 8, 8, 1}));
  ExpectError(model.Predict(nhwc).status(), absl::StatusCode::kInvalidArgument,
              {"Predict: images", "[3,8,8,1]", "[3,1,8,8]"});
  Dataset data = QuadrantData(6, 8, 9);
  data.images = Tensor::Zeros(Shape({6, 8, 8, 1}));
  ExpectError(model.Evaluate(data, 4, std::nullopt, 1, "test").status(),
              absl::StatusCode::kInvalidArgument,
              {"Evaluate: test images", "[6,8,8,1]", "[6,1,8,8]"});
  // A rank-1 input flattens any example of as many elements.
  Sequential flat(Shape({64}), 0);
  flat.Add(Dense(4));
  EXPECT_TRUE(flat.Predict(Tensor::Zeros(Shape({2, 1, 8, 8}))).ok());
  ExpectError(flat.Predict(Tensor::Zeros(Shape({2, 1, 8, 7}))).status(),
              absl::StatusCode::kInvalidArgument, {"[2,1,8,7]", "[2,64]"});
}

TEST(UserErrorsTest, ReFitWithOtherOptimizerOptionsRebuildsTheOptimizer) {
  const Dataset data = QuadrantData(48, 8, 10);
  FitOptions fit = Quiet();
  fit.optimizer = OptimizerKind::kMomentum;
  // Momentum 0 is plain SGD, bit for bit: a re-Fit that switched to it must
  // train exactly like one that switched to SGD.
  Sequential with_momentum_0(Shape({1, 8, 8}), 3);
  SmallMlp(&with_momentum_0);
  Sequential with_sgd(Shape({1, 8, 8}), 3);
  SmallMlp(&with_sgd);
  ASSERT_TRUE(with_momentum_0.Fit(data, nullptr, fit).ok());
  ASSERT_TRUE(with_sgd.Fit(data, nullptr, fit).ok());
  FitOptions zero = fit;
  zero.optimizer_options.momentum = 0.0f;
  FitOptions sgd = fit;
  sgd.optimizer = OptimizerKind::kSgd;
  ASSERT_TRUE(with_momentum_0.Fit(data, nullptr, zero).ok());
  ASSERT_TRUE(with_sgd.Fit(data, nullptr, sgd).ok());
  EXPECT_EQ(Snapshot(&with_momentum_0), Snapshot(&with_sgd));
  // Options out of range are refused, naming the option; the model trains
  // on with its optimizer.
  FitOptions bad = fit;
  bad.optimizer_options.momentum = 5.0f;
  ExpectError(with_sgd.Fit(data, nullptr, bad).status(),
              absl::StatusCode::kInvalidArgument, {"momentum", "5"});
  EXPECT_TRUE(with_sgd.Fit(data, nullptr, sgd).ok());
}

TEST(UserErrorsTest, AddAfterFitIsRefusedAndTheModelStaysUsable) {
  const Dataset data = QuadrantData(32, 8, 11);
  Sequential model(Shape({1, 8, 8}), 0);
  SmallMlp(&model);
  ASSERT_TRUE(model.Fit(data, nullptr, Quiet()).ok());
  absl::StatusOr<Tensor> before = model.Predict(data.images);
  ASSERT_TRUE(before.ok()) << before.status();
  model.Add(Dense(3));
  ExpectError(model.status(), absl::StatusCode::kFailedPrecondition,
              {"dense_3", "Dense", "compiled"});
  absl::StatusOr<Tensor> after = model.Predict(data.images);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->shape(), Shape({32, 4}));
  EXPECT_EQ(std::memcmp(after->data(), before->data(), 32 * 4 * 4), 0);
  EXPECT_TRUE(model.Fit(data, nullptr, Quiet()).ok());
  EXPECT_TRUE(model.Evaluate(data).ok());
}

TEST(UserErrorsTest, BatchNormWithALastBatchOfOneIsRejectedUpFront) {
  const Dataset data = QuadrantData(17, 8, 12);  // 2 batches of 8, then 1.
  Sequential model(Shape({1, 8, 8}), 0);
  model.Add(Flatten());
  model.Add(Dense(8));
  model.Add(BatchNorm());
  model.Add(Dense(4));
  FitOptions fit = Quiet();
  ExpectError(model.Fit(data, nullptr, fit).status(),
              absl::StatusCode::kInvalidArgument,
              {"batchnorm_1", "BatchNorm", "1 example", "17", "drop_last"});
  EXPECT_EQ(model.steps_done(), 0);
  fit.drop_last = true;
  fit.epochs = 2;
  ASSERT_TRUE(model.Fit(data, nullptr, fit).ok());
  EXPECT_EQ(model.steps_done(), 4);  // 2 full batches per epoch.
  fit.batch_size = 32;               // drop_last would leave nothing.
  ExpectError(model.Fit(data, nullptr, fit).status(),
              absl::StatusCode::kInvalidArgument, {"drop_last", "17", "32"});
}

TEST(UserErrorsTest, SavingWhereNoFileCanBeIsAUserErrorLeavingNoTemp) {
  Sequential model(Shape({1, 8, 8}), 0);
  SmallMlp(&model);
  ExpectError(model.Save("/nonexistent_dir/model.ckpt"),
              absl::StatusCode::kNotFound,
              {"/nonexistent_dir", "does not exist"});
  const std::string dir = TempPath("save_dir");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  ExpectError(model.Save(dir), absl::StatusCode::kInvalidArgument,
              {dir, "is a directory"});
  struct stat st;
  EXPECT_NE(stat((dir + ".tmp").c_str(), &st), 0) << "temp file left";
  ExpectError(CheckWritableFile(dir + "/"), absl::StatusCode::kInvalidArgument,
              {"is a directory"});
  EXPECT_TRUE(CheckWritableFile(dir + "/model.ckpt").ok());
  EXPECT_TRUE(CheckWritableDirectory(dir).ok());
  ExpectError(CheckWritableDirectory(dir + "/missing"),
              absl::StatusCode::kNotFound, {"missing"});
}

TEST(UserErrorsTest, BadLabelsAreNamedByDataSetBeforeTraining) {
  Sequential model(Shape({1, 8, 8}), 0);
  SmallMlp(&model);
  const Dataset train = QuadrantData(16, 8, 13);
  Dataset valid = QuadrantData(8, 8, 14);
  valid.labels[6] = 9;
  FitOptions fit = Quiet();
  ExpectError(model.Fit(train, &valid, fit).status(),
              absl::StatusCode::kInvalidArgument, {"valid", "6", "9"});
  EXPECT_EQ(model.steps_done(), 0);
  Dataset bad_train = QuadrantData(16, 8, 15);
  bad_train.labels[11] = -1;
  ExpectError(model.Fit(bad_train, nullptr, fit).status(),
              absl::StatusCode::kInvalidArgument, {"train", "11"});
}

}  // namespace
}  // namespace dagrad
