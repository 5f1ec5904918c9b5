// tests/io/onnx/ort_runner.h: runs an ONNX model in ONNX Runtime (through
// node and tools/onnx/run_ort.js) on tensors, for tests that compare
// dagrad's outputs with ONNX Runtime's.
#ifndef DAGRAD_TESTS_IO_ONNX_ORT_RUNNER_H_
#define DAGRAD_TESTS_IO_ONNX_ORT_RUNNER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/tensor.h"

namespace dagrad {

// RunOnnxRuntime() writes `model_bytes` and `inputs` to a temporary
// directory, runs the model in ONNX Runtime, and returns its outputs in the
// model's output order. Errors carry the runner's output.
absl::StatusOr<std::vector<Tensor>> RunOnnxRuntime(
    const std::string& model_bytes, const std::vector<const Tensor*>& inputs);

// ParseNpyFloat32() decodes a C-order '<f4' .npy file.
absl::StatusOr<Tensor> ParseNpyFloat32(const std::string& bytes,
                                       const std::string& name);

}  // namespace dagrad

#endif  // DAGRAD_TESTS_IO_ONNX_ORT_RUNNER_H_
