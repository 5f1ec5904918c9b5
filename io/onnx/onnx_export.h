// io/onnx/onnx_export.h: writes a dagrad graph's inference path as an ONNX
// model (https://onnx.ai), for ONNX Runtime and every other ONNX consumer.
//
// What is written: the forward nodes that `outputs` depend on, as they run
// in inference mode: BatchNorm as BatchNormalization on the running
// statistics, Dropout removed (an Identity), every parameter and constant
// as an initializer under its dagrad name, and every value named after the
// dagrad node that makes it. Inputs and outputs keep the batch dimension
// symbolic (dim_param "N"). The opset is kOnnxOpset.
//
// Op by op: Conv2D -> Conv (SAME padding resolved to explicit pads),
// MatMul -> Gemm, BiasAdd -> Add (bias reshaped to [C,1,1] for images),
// Add/Mul -> Add/Mul, Scale -> Mul by a scalar, Relu/Sigmoid/Tanh,
// Softmax/LogSoftmax (last axis), MaxPool2D -> MaxPool, AvgPool2D ->
// AveragePool (count_include_pad = 1, dagrad's divisor), Flatten, Reshape,
// Identity, Dropout -> Identity, BatchNorm -> BatchNormalization,
// Sum/Mean/ReduceMax -> ReduceSum/ReduceMean/ReduceMax, Sub/Div/Maximum/
// Minimum -> Sub/Div/Max/Min (all broadcasting as NumPy does),
// Exp/Log/Sqrt/Abs/Neg/Softplus, Pow -> Pow by a scalar exponent,
// LeakyRelu/Elu (alpha), Concat (axis), Transpose (perm). A node of any
// other op (a loss, a VJP; Gelu, which opset 13 lacks) on the path is
// InvalidArgument naming the node and its op: nothing is ever written
// wrongly.
//
// Example:
//   ASSIGN_OR_RETURN(std::string bytes,
//                    OnnxModelBytes(graph, store, {input}, {output}));
//   RETURN_IF_ERROR(WriteOnnxFile(bytes, "/tmp/model.onnx"));
#ifndef DAGRAD_IO_ONNX_ONNX_EXPORT_H_
#define DAGRAD_IO_ONNX_ONNX_EXPORT_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"

namespace dagrad {

// kOnnxOpset is the ONNX operator set the exporter writes (the default
// domain). 13 is what PyTorch 1.13 and ONNX Runtime both read.
inline constexpr int64_t kOnnxOpset = 13;

struct OnnxExportOptions {
  std::string graph_name = "dagrad";
  // producer_version is written as the model's producer_version.
  std::string producer_version = "round-2";
};

// OnnxModelBytes() returns the serialized ModelProto computing `outputs`
// from `inputs` (input nodes of `graph`), with parameter values from
// `store`. Errors name the node.
absl::StatusOr<std::string> OnnxModelBytes(
    const Graph& graph, const ParameterStore& store,
    absl::Span<const NodeId> inputs, absl::Span<const NodeId> outputs,
    const OnnxExportOptions& options = {});

// CheckOnnxModel() runs ONNX's own checker (onnx::checker::check_model,
// with full shape checks) on serialized model bytes; InvalidArgument with
// the checker's message if it objects.
absl::Status CheckOnnxModel(const std::string& bytes);

// WriteOnnxFile() writes `bytes` to `path` with WriteFileAtomically()
// (io/file_system.h): `path` is either the old file or the whole new one,
// and errors carry that file's codes.
absl::Status WriteOnnxFile(const std::string& bytes, const std::string& path);

}  // namespace dagrad

#endif  // DAGRAD_IO_ONNX_ONNX_EXPORT_H_
