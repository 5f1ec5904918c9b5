// tests/fuzz/onnx_import_fuzzer.cc: libFuzzer target for io/onnx's importer.
//
// Feeds arbitrary bytes to OnnxLayer::FromBytes() and, when they validate,
// builds the layer into a graph on an input of its declared shape. Neither
// may crash, and every failure must be InvalidArgument (a file's fault).
// Built as a fuzzer with `bazel build --config=fuzz` (docs/fuzzing.md) and as
// a gtest regression test over tests/fuzz/corpus/onnx_import and
// tests/fuzz/regressions/onnx_import by tests/fuzz/BUILD.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/graph.h"
#include "io/onnx/onnx_import.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<dagrad::OnnxLayer> layer =
      dagrad::OnnxLayer::FromBytes(bytes, "fuzz");
  if (!layer.ok()) {
    FUZZ_CHECK(layer.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  std::vector<int64_t> dims = {dagrad::Shape::kUnknownDim};
  for (int64_t d : layer->input_shape().dims()) dims.push_back(d);
  dagrad::GraphBuilder graph;
  absl::StatusOr<dagrad::NodeId> x = graph.AddInput("x", dagrad::Shape(dims));
  FUZZ_CHECK(x.ok());
  absl::StatusOr<dagrad::NodeId> y = layer->Build(&graph, "net", *x);
  if (!y.ok()) {
    FUZZ_CHECK(y.status().code() == absl::StatusCode::kInvalidArgument);
  }
  return 0;
}
