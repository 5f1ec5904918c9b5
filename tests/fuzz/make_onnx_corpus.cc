// tests/fuzz/make_onnx_corpus.cc: writes the seed corpus of the ONNX import
// fuzzer: small models from dagrad's exporter that use every op it writes.
//   bazel run //tests/fuzz:make_onnx_corpus --
//   $PWD/tests/fuzz/corpus/onnx_import
// (the corpus also holds tests/io/onnx/testdata/lenet_pytorch.onnx, PyTorch's
// export, copied by hand).
#include <cstdio>
#include <string>

#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "io/onnx/onnx_export.h"
#include "ops/avg_pool2d.h"
#include "ops/batch_norm.h"
#include "ops/bias_add.h"
#include "ops/conv2d.h"
#include "ops/flatten.h"
#include "ops/mat_mul.h"
#include "ops/max_pool2d.h"
#include "ops/relu.h"
#include "ops/scale.h"
#include "ops/softmax.h"

namespace dagrad {
namespace {

int Write(const std::string& path, const std::string& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 1;
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  return std::fclose(f) == 0 ? 0 : 1;
}

int Main(const std::string& dir) {
  GraphBuilder b;
  auto p = [&](const char* name, Shape s) {
    return *b.AddParameter(name, std::move(s), UniformInit(-0.5f, 0.5f));
  };
  const NodeId x = *b.AddInput("x", Shape({Shape::kUnknownDim, 1, 6, 6}));
  Conv2DAttrs same;
  same.padding = Padding::kSame;
  NodeId h =
      *b.AddOp(same, {x, p("w", Shape({2, 1, 3, 3})), p("b", Shape({2}))});
  h = *b.AddOp(ReluAttrs{}, {h});
  h = *b.AddOp(MaxPool2DAttrs{}, {h});
  AvgPool2DAttrs avg;
  avg.window_h = avg.window_w = 1;
  avg.stride_h = avg.stride_w = 1;
  h = *b.AddOp(avg, {h});
  h = *b.AddOp(BatchNormAttrs{},
               {h, p("g", Shape({2})), p("be", Shape({2})),
                *b.AddParameter("m", Shape({2}), UniformInit(0, 0.1f), false),
                *b.AddParameter("v", Shape({2}), UniformInit(1, 2), false)});
  h = *b.AddOp(FlattenAttrs{}, {h});
  h = *b.AddOp(MatMulAttrs{}, {h, p("fc", Shape({18, 3}))});
  h = *b.AddOp(BiasAddAttrs{}, {h, p("fcb", Shape({3}))});
  ScaleAttrs half;
  half.alpha = 0.5f;
  h = *b.AddOp(half, {h});
  h = *b.AddOp(SoftmaxAttrs{}, {h});
  Graph graph = *b.Finalize();
  ParameterStore store;
  if (!store.Initialize(graph, 1).ok()) return 1;
  absl::StatusOr<std::string> bytes = OnnxModelBytes(graph, store, {x}, {h});
  if (!bytes.ok()) return 1;
  return Write(dir + "/small_convnet.onnx", *bytes);
}

}  // namespace
}  // namespace dagrad

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_onnx_corpus DIR\n");
    return 2;
  }
  return dagrad::Main(argv[1]);
}
