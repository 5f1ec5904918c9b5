#include "tests/io/onnx/ort_runner.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "core/status_macros.h"
#include "io/npy.h"
#include "tests/testing/subprocess.h"

namespace dagrad {
namespace {

absl::Status WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

absl::StatusOr<Tensor> ParseNpyFloat32(const std::string& bytes,
                                       const std::string& name) {
  auto error = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": ", what));
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) {
    return error("not a .npy file");
  }
  if (bytes[6] != 1) return error("only .npy version 1.0 is read");
  const size_t header_len = static_cast<unsigned char>(bytes[8]) |
                            static_cast<unsigned char>(bytes[9]) << 8;
  if (bytes.size() < 10 + header_len) return error("truncated header");
  const std::string header = bytes.substr(10, header_len);
  if (header.find("'descr': '<f4'") == std::string::npos ||
      header.find("'fortran_order': False") == std::string::npos) {
    return error(absl::StrCat("not C-order float32: ", header));
  }
  const size_t open = header.find("'shape': (");
  const size_t close = header.find(')', open);
  if (open == std::string::npos || close == std::string::npos) {
    return error("no shape");
  }
  std::vector<int64_t> dims;
  const std::string dims_text = header.substr(open + 10, close - open - 10);
  for (absl::string_view part : absl::StrSplit(dims_text, ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) continue;
    int64_t d = 0;
    if (!absl::SimpleAtoi(part, &d)) return error("bad shape");
    dims.push_back(d);
  }
  Tensor t = Tensor::Zeros(Shape(dims));
  const size_t data_bytes = sizeof(float) * static_cast<size_t>(t.size());
  if (bytes.size() != 10 + header_len + data_bytes) {
    return error("data size does not match the shape");
  }
  std::memcpy(t.data(), bytes.data() + 10 + header_len, data_bytes);
  return t;
}

absl::StatusOr<std::vector<Tensor>> RunOnnxRuntime(
    const std::string& model_bytes, const std::vector<const Tensor*>& inputs) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  char dir_template[4096];
  std::snprintf(dir_template, sizeof(dir_template), "%s/ort_XXXXXX",
                tmp != nullptr ? tmp : "/tmp");
  if (mkdtemp(dir_template) == nullptr) {
    return absl::InternalError("mkdtemp failed");
  }
  const std::string dir = dir_template;
  const std::string model_path = dir + "/model.onnx";
  RETURN_IF_ERROR(WriteBytes(model_path, model_bytes));
  std::vector<std::string> argv = {"node", RunfilePath("tools/onnx/run_ort.js"),
                                   model_path, dir};
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string path = absl::StrCat(dir, "/input_", i, ".npy");
    RETURN_IF_ERROR(WriteBytes(path, EncodeNpy(*inputs[i])));
    argv.push_back(path);
  }
  const Subprocess run = RunSubprocess(argv, /*timeout_seconds=*/120);
  if (run.timed_out || run.exit_code != 0) {
    return absl::InternalError(
        absl::StrCat("ONNX Runtime run failed (exit ", run.exit_code,
                     run.timed_out ? ", timed out" : "", "):\n", run.output));
  }
  std::vector<Tensor> outputs;
  for (int k = 0;; ++k) {
    const std::string path = absl::StrCat(dir, "/output_", k, ".npy");
    if (access(path.c_str(), F_OK) != 0) break;
    ASSIGN_OR_RETURN(std::string bytes, ReadBytes(path));
    ASSIGN_OR_RETURN(Tensor t, ParseNpyFloat32(bytes, path));
    outputs.push_back(std::move(t));
  }
  return outputs;
}

}  // namespace dagrad
