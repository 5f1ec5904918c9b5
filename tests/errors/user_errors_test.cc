// Every user mistake listed in the "bad input and faults" issue, through the
// public API: each returns an absl::Status with the right code and a
// message naming the culprit (layer, node, op, shape, parameter or file).
// None aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
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
#include "gtest/gtest.h"
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

TEST(UserErrorsTest, FeedingATensorOfTheWrongShape) {
  SmallGraph g = MakeSmallGraph();
  ExecutorOptions options;
  options.fetches = {g.y};
  options.batch_size = 4;
  auto exec = Executor::Create(g.graph, options);
  ASSERT_TRUE(exec.ok()) << exec.status();
  ExpectError((*exec)->Feed(g.x, Tensor::Zeros(Shape({4, 5}))),
              absl::StatusCode::kInvalidArgument, {"x", "[4,5]", "[4,3]"});
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
  NodeId loss = *b.AddOp(MatMulAttrs{}, {*b.AddConstant("ones", Tensor::FromValues(Shape({1, 2}), {1, 1})), y});
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

}  // namespace
}  // namespace dagrad
