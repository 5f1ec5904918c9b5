// io/onnx/onnx_import.h: loads an ONNX model (https://onnx.ai) as a dagrad
// layer whose parameters are trainable.
//
// OnnxLayer::Load() parses and validates the file once: the model's single
// input (batch dimension free, the rest fixed), its single output, its
// initializers, and every node, which must be one of the supported ops with
// supported attributes. Build() then adds the graph's nodes to a model:
// float initializers become parameters named "<scope>/<onnx name>" and
// initialized with the file's values (BatchNormalization's running mean and
// variance are non-trainable, as in dagrad's BatchNorm); int64 initializers
// and Constant nodes give shapes and axes.
//
// Supported (default domain, opsets kMinOnnxImportOpset..kMaxOnnxImportOpset):
// Conv (2-D, explicit pads or auto_pad VALID/SAME_UPPER), Gemm (alpha 1 or a
// Scale; C a [N] bias with beta 1), MatMul (rank 2), Add/Mul (same shapes,
// or a per-channel bias / scale initializer), Relu, Sigmoid, Tanh, Softmax and
// LogSoftmax (last axis), MaxPool and AveragePool (2-D, ceil_mode 0, no
// dilation; AveragePool divides by the whole window, count_include_pad 1,
// unless it pads nothing), Flatten (axis 1), Reshape (constant shape),
// Identity, Dropout (inference: the identity), BatchNormalization,
// ReduceSum/ReduceMean, Constant. That is what ExportOnnx() writes and what
// torch.onnx.export writes for LeNet-style networks.
//
// Errors: a file that is not an ONNX model, truncated or malformed, is
// InvalidArgument naming the file; an unsupported op, attribute value or
// shape is InvalidArgument naming the node, its op type and the value.
// Nothing in a file can make Load() or Build() crash.
//
// Example (fine-tune a PyTorch model):
//   ASSIGN_OR_RETURN(OnnxLayer net, OnnxLayer::Load("/tmp/lenet.onnx"));
//   Sequential model(net.input_shape());
//   model.Add(std::move(net), "lenet");
//   ASSIGN_OR_RETURN(History h, model.Fit(data.train, &data.valid, fit));
#ifndef DAGRAD_IO_ONNX_ONNX_IMPORT_H_
#define DAGRAD_IO_ONNX_ONNX_IMPORT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/shape.h"
#include "graph/graph.h"
#include "layers/layer.h"

namespace dagrad {

inline constexpr int64_t kMinOnnxImportOpset = 11;
inline constexpr int64_t kMaxOnnxImportOpset = 17;

struct OnnxModelIr;  // The validated model (onnx_import.cc).

class OnnxLayer : public Layer {
 public:
  // Load() reads and validates the file at `path`.
  static absl::StatusOr<OnnxLayer> Load(const std::string& path);
  // FromBytes() validates serialized model bytes; `name` names them in
  // errors.
  static absl::StatusOr<OnnxLayer> FromBytes(const std::string& bytes,
                                             const std::string& name);

  absl::string_view type() const override { return "Onnx"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

  // input_shape() is the per-example input shape (the model's input without
  // its batch dimension), e.g. [1,28,28].
  const Shape& input_shape() const;

 private:
  explicit OnnxLayer(std::shared_ptr<const OnnxModelIr> ir);
  std::shared_ptr<const OnnxModelIr> ir_;
};

}  // namespace dagrad

#endif  // DAGRAD_IO_ONNX_ONNX_IMPORT_H_
