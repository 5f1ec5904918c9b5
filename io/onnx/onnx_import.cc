#include "io/onnx/onnx_import.h"

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "onnx/onnx_pb.h"
#include "ops/add.h"
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
#include "ops/mul.h"
#include "ops/relu.h"
#include "ops/reshape.h"
#include "ops/scale.h"
#include "ops/sigmoid.h"
#include "ops/softmax.h"
#include "ops/sum.h"
#include "ops/tanh.h"

namespace dagrad {

// ConstTensor: an initializer or a Constant node's value.
struct ConstTensor {
  std::vector<int64_t> dims;
  bool is_float = true;
  std::vector<float> floats;
  std::vector<int64_t> ints;
};

// Attr: one node attribute, as read from the file.
struct Attr {
  onnx::AttributeProto::AttributeType type = onnx::AttributeProto::UNDEFINED;
  int64_t i = 0;
  float f = 0;
  std::string s;
  std::vector<int64_t> ints;
  ConstTensor t;
};

struct NodeIr {
  std::string op;
  std::string name;
  std::vector<std::string> inputs;  // "" marks an omitted optional input.
  std::vector<std::string> outputs;
  std::map<std::string, Attr> attrs;
};

struct OnnxModelIr {
  std::string source;
  int64_t opset = 0;
  std::string input_name;
  Shape input_shape;  // Without the batch dimension.
  std::string output_name;
  std::map<std::string, ConstTensor> initializers;
  std::vector<NodeIr> nodes;
};

namespace {

using onnx::AttributeProto;
using onnx::TensorProto;

constexpr int64_t kMaxElements = int64_t{1} << 31;

const absl::flat_hash_set<std::string>& SupportedOps() {
  static const auto* ops = new absl::flat_hash_set<std::string>{
      "Add",        "AveragePool", "BatchNormalization",
      "Constant",   "Conv",        "Dropout",
      "Flatten",    "Gemm",        "Identity",
      "LogSoftmax", "MatMul",      "MaxPool",
      "Mul",        "ReduceMean",  "ReduceSum",
      "Relu",       "Reshape",     "Sigmoid",
      "Softmax",    "Tanh"};
  return *ops;
}

absl::Status FileError(const std::string& source, const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("ONNX model '", source, "': ", what));
}

absl::StatusOr<ConstTensor> ReadTensor(const TensorProto& t,
                                       const std::string& source) {
  auto error = [&](const std::string& what) {
    return FileError(source, absl::StrCat("tensor '", t.name(), "' ", what));
  };
  ConstTensor c;
  int64_t count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && count > kMaxElements / d)) {
      return error(absl::StrCat("has a bad or too large dimension ", d));
    }
    count *= d;
    c.dims.push_back(d);
  }
  if (t.data_location() == TensorProto::EXTERNAL) {
    return error("keeps its data in an external file (not supported)");
  }
  const size_t n = static_cast<size_t>(count);
  if (t.data_type() == TensorProto::FLOAT) {
    if (t.has_raw_data()) {
      if (t.raw_data().size() != n * sizeof(float)) {
        return error(absl::StrCat("has ", t.raw_data().size(),
                                  " bytes of data for ", count, " floats"));
      }
      c.floats.resize(n);
      if (n > 0) std::memcpy(c.floats.data(), t.raw_data().data(), n * 4);
    } else {
      if (static_cast<size_t>(t.float_data_size()) != n) {
        return error(absl::StrCat("has ", t.float_data_size(), " floats for ",
                                  count, " elements"));
      }
      c.floats.assign(t.float_data().begin(), t.float_data().end());
    }
    return c;
  }
  if (t.data_type() == TensorProto::INT64) {
    c.is_float = false;
    if (t.has_raw_data()) {
      if (t.raw_data().size() != n * sizeof(int64_t)) {
        return error(absl::StrCat("has ", t.raw_data().size(),
                                  " bytes of data for ", count, " int64s"));
      }
      c.ints.resize(n);
      if (n > 0) std::memcpy(c.ints.data(), t.raw_data().data(), n * 8);
    } else {
      if (static_cast<size_t>(t.int64_data_size()) != n) {
        return error(absl::StrCat("has ", t.int64_data_size(), " int64s for ",
                                  count, " elements"));
      }
      c.ints.assign(t.int64_data().begin(), t.int64_data().end());
    }
    return c;
  }
  return error(absl::StrCat("has data type ", t.data_type(),
                            " (only float and int64 are supported)"));
}

absl::StatusOr<std::shared_ptr<const OnnxModelIr>> Parse(
    const std::string& bytes, const std::string& source) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes)) {
    return FileError(source,
                     "is not a valid ONNX model (protobuf parse failed)");
  }
  auto ir = std::make_shared<OnnxModelIr>();
  ir->source = source;
  for (const auto& opset : model.opset_import()) {
    if (opset.domain().empty() || opset.domain() == "ai.onnx") {
      ir->opset = opset.version();
    }
  }
  if (ir->opset < kMinOnnxImportOpset || ir->opset > kMaxOnnxImportOpset) {
    return FileError(
        source, absl::StrCat("opset ", ir->opset, " is outside the supported ",
                             kMinOnnxImportOpset, "..", kMaxOnnxImportOpset));
  }
  const onnx::GraphProto& g = model.graph();
  for (const TensorProto& t : g.initializer()) {
    ASSIGN_OR_RETURN(ConstTensor c, ReadTensor(t, source));
    if (!ir->initializers.emplace(t.name(), std::move(c)).second) {
      return FileError(source,
                       absl::StrCat("initializer '", t.name(), "' repeats"));
    }
  }
  std::vector<const onnx::ValueInfoProto*> inputs;
  for (const auto& in : g.input()) {
    if (ir->initializers.count(in.name()) == 0) inputs.push_back(&in);
  }
  if (inputs.size() != 1 || g.output_size() != 1) {
    return FileError(
        source,
        absl::StrCat("has ", inputs.size(), " inputs and ", g.output_size(),
                     " outputs; a layer takes one of each"));
  }
  const onnx::ValueInfoProto& in = *inputs[0];
  ir->input_name = in.name();
  ir->output_name = g.output(0).name();
  if (!in.type().has_tensor_type() ||
      in.type().tensor_type().elem_type() != TensorProto::FLOAT ||
      !in.type().tensor_type().has_shape() ||
      in.type().tensor_type().shape().dim_size() < 2) {
    return FileError(source,
                     absl::StrCat("input '", in.name(),
                                  "' must be a float tensor [batch, ...]"));
  }
  std::vector<int64_t> dims;
  const auto& shape = in.type().tensor_type().shape();
  int64_t per_example = 1;
  for (int i = 1; i < shape.dim_size(); ++i) {
    const auto& d = shape.dim(i);
    if (!d.has_dim_value() || d.dim_value() < 1 ||
        d.dim_value() > kMaxElements / per_example) {
      return FileError(
          source,
          absl::StrCat(
              "input '", in.name(), "' dimension ", i,
              " must be a fixed size (only the batch may vary) and the example "
              "at most ",
              kMaxElements, " values"));
    }
    per_example *= d.dim_value();
    dims.push_back(d.dim_value());
  }
  ir->input_shape = Shape(dims);
  for (const onnx::NodeProto& n : g.node()) {
    NodeIr node;
    node.op = n.op_type();
    node.name = n.name().empty()
                    ? absl::StrCat(n.op_type(), "_", ir->nodes.size())
                    : n.name();
    if (!n.domain().empty() && n.domain() != "ai.onnx") {
      return FileError(source, absl::StrCat("node '", node.name, "' (", node.op,
                                            ") is in domain '", n.domain(),
                                            "' (not supported)"));
    }
    if (!SupportedOps().contains(node.op)) {
      return FileError(
          source, absl::StrCat("node '", node.name, "' has op type ", node.op,
                               ", which dagrad does not import"));
    }
    node.inputs.assign(n.input().begin(), n.input().end());
    node.outputs.assign(n.output().begin(), n.output().end());
    if (node.outputs.empty()) {
      return FileError(source,
                       absl::StrCat("node '", node.name, "' has no output"));
    }
    for (const AttributeProto& a : n.attribute()) {
      Attr attr;
      attr.type = a.type();
      attr.i = a.i();
      attr.f = a.f();
      attr.s = a.s();
      attr.ints.assign(a.ints().begin(), a.ints().end());
      if (a.type() == AttributeProto::TENSOR) {
        ASSIGN_OR_RETURN(attr.t, ReadTensor(a.t(), source));
      }
      node.attrs[a.name()] = std::move(attr);
    }
    ir->nodes.push_back(std::move(node));
  }
  return std::shared_ptr<const OnnxModelIr>(std::move(ir));
}

// Translator adds one model's nodes to a GraphBuilder.
class Translator {
 public:
  Translator(const OnnxModelIr& ir, GraphBuilder* graph, std::string scope)
      : ir_(ir), graph_(graph), scope_(std::move(scope)) {
    for (const auto& [name, c] : ir.initializers) consts_[name] = &c;
  }

  absl::StatusOr<NodeId> Run(NodeId input) {
    values_[ir_.input_name] = input;
    for (const NodeIr& node : ir_.nodes) {
      node_ = &node;
      RETURN_IF_ERROR(Translate(node));
    }
    auto it = values_.find(ir_.output_name);
    if (it == values_.end()) {
      return FileError(ir_.source,
                       absl::StrCat("output '", ir_.output_name,
                                    "' is not computed from the input"));
    }
    return it->second;
  }

 private:
  absl::Status Error(const std::string& what) const {
    return FileError(ir_.source, absl::StrCat("node '", node_->name, "' (",
                                              node_->op, "): ", what));
  }

  // Input(k) is the k-th input's name, or an error if it is missing.
  absl::StatusOr<std::string> InputName(size_t k) const {
    if (k >= node_->inputs.size() || node_->inputs[k].empty()) {
      return Error(absl::StrCat("input ", k, " is missing"));
    }
    return node_->inputs[k];
  }
  bool HasInput(size_t k) const {
    return k < node_->inputs.size() && !node_->inputs[k].empty();
  }

  const ConstTensor* Const(const std::string& name) const {
    auto it = consts_.find(name);
    return it == consts_.end() ? nullptr : it->second;
  }

  // Value() is the node for a named tensor: a computed value, or a float
  // constant made a parameter at its first use.
  absl::StatusOr<NodeId> Value(size_t k, bool trainable = true) {
    ASSIGN_OR_RETURN(std::string name, InputName(k));
    auto it = values_.find(name);
    if (it != values_.end()) return it->second;
    const ConstTensor* c = Const(name);
    if (c == nullptr) {
      return Error(absl::StrCat("input '", name, "' is not defined before"));
    }
    if (!c->is_float) {
      return Error(absl::StrCat("input '", name, "' is int64, not float"));
    }
    return Parameter(name, *c, c->dims, trainable);
  }

  absl::StatusOr<NodeId> Parameter(const std::string& name,
                                   const ConstTensor& c,
                                   std::vector<int64_t> dims, bool trainable) {
    std::vector<float> values = c.floats;
    ParameterInit init = [values](Tensor* value, Rng*) -> absl::Status {
      if (value->size() != static_cast<int64_t>(values.size())) {
        return absl::InvalidArgumentError("ONNX parameter size changed");
      }
      if (!values.empty()) {
        std::memcpy(value->data(), values.data(),
                    values.size() * sizeof(float));
      }
      return absl::OkStatus();
    };
    ASSIGN_OR_RETURN(NodeId id,
                     graph_->AddParameter(scope_ + "/" + name, Shape(dims),
                                          std::move(init), trainable));
    values_[name] = id;
    return id;
  }

  absl::StatusOr<std::vector<int64_t>> ConstInts(size_t k) {
    ASSIGN_OR_RETURN(std::string name, InputName(k));
    const ConstTensor* c = Const(name);
    if (c == nullptr || c->is_float) {
      return Error(
          absl::StrCat("input '", name, "' must be a constant int64 tensor"));
    }
    return c->ints;
  }

  const Attr* Find(const char* name) const {
    auto it = node_->attrs.find(name);
    return it == node_->attrs.end() ? nullptr : &it->second;
  }
  absl::StatusOr<int64_t> Int(const char* name, int64_t fallback) const {
    const Attr* a = Find(name);
    if (a == nullptr) return fallback;
    if (a->type != AttributeProto::INT) {
      return Error(absl::StrCat("attribute ", name, " must be an int"));
    }
    return a->i;
  }
  absl::StatusOr<float> Float(const char* name, float fallback) const {
    const Attr* a = Find(name);
    if (a == nullptr) return fallback;
    if (a->type != AttributeProto::FLOAT) {
      return Error(absl::StrCat("attribute ", name, " must be a float"));
    }
    return a->f;
  }
  absl::StatusOr<std::vector<int64_t>> Ints(const char* name,
                                            std::vector<int64_t> fallback,
                                            size_t size) const {
    const Attr* a = Find(name);
    std::vector<int64_t> v = a == nullptr ? fallback : a->ints;
    if (a != nullptr && a->type != AttributeProto::INTS) {
      return Error(absl::StrCat("attribute ", name, " must be ints"));
    }
    if (size > 0 && v.size() != size) {
      return Error(absl::StrCat("attribute ", name, " [", absl::StrJoin(v, ","),
                                "] must have ", size, " values (2-D only)"));
    }
    return v;
  }
  absl::StatusOr<std::string> String(const char* name,
                                     const std::string& fallback) const {
    const Attr* a = Find(name);
    if (a == nullptr) return fallback;
    if (a->type != AttributeProto::STRING) {
      return Error(absl::StrCat("attribute ", name, " must be a string"));
    }
    return a->s;
  }

  // Emit() adds an op node for the current ONNX node's first output.
  template <typename Attrs>
  absl::Status Emit(const Attrs& attrs, std::vector<NodeId> inputs) {
    NodeOptions options;
    options.scope = scope_;
    options.name = node_->outputs[0];
    absl::StatusOr<NodeId> id =
        graph_->AddOp(attrs, std::move(inputs), options);
    if (!id.ok()) return Error(std::string(id.status().message()));
    values_[node_->outputs[0]] = *id;
    return absl::OkStatus();
  }

  absl::StatusOr<Shape> ShapeOf(NodeId id) const { return graph_->shape(id); }

  // Padding() reads auto_pad and pads into explicit (top, left, bottom,
  // right) pads or SAME.
  absl::Status Padding2D(Padding* padding, int64_t pads[4]) const {
    ASSIGN_OR_RETURN(std::string auto_pad, String("auto_pad", "NOTSET"));
    ASSIGN_OR_RETURN(std::vector<int64_t> p, Ints("pads", {0, 0, 0, 0}, 4));
    for (int i = 0; i < 4; ++i) {
      if (p[i] < 0) return Error("negative pads are not supported");
      pads[i] = p[i];
    }
    if (auto_pad == "NOTSET") {
      *padding = Padding::kExplicit;
    } else if (auto_pad == "VALID") {
      *padding = Padding::kValid;
    } else if (auto_pad == "SAME_UPPER") {
      *padding = Padding::kSame;
    } else {
      return Error(absl::StrCat("auto_pad ", auto_pad, " is not supported"));
    }
    return absl::OkStatus();
  }

  absl::Status Translate(const NodeIr& node) {
    const std::string& op = node.op;
    if (op == "Constant") {
      const Attr* value = Find("value");
      if (value == nullptr || value->type != AttributeProto::TENSOR) {
        return Error("only the 'value' form of Constant is supported");
      }
      owned_.push_back(std::make_unique<ConstTensor>(value->t));
      consts_[node.outputs[0]] = owned_.back().get();
      return absl::OkStatus();
    }
    if (op == "Relu") return Unary(ReluAttrs{});
    if (op == "Sigmoid") return Unary(SigmoidAttrs{});
    if (op == "Tanh") return Unary(TanhAttrs{});
    if (op == "Identity" || op == "Dropout") {
      if (op == "Dropout" && node.outputs.size() > 1 &&
          !node.outputs[1].empty()) {
        return Error("a Dropout whose mask is used is not supported");
      }
      return Unary(IdentityAttrs{});
    }
    if (op == "Softmax" || op == "LogSoftmax") return Softmax(op);
    if (op == "Conv") return Conv();
    if (op == "Gemm") return Gemm();
    if (op == "MatMul") {
      ASSIGN_OR_RETURN(NodeId a, Value(0));
      ASSIGN_OR_RETURN(NodeId b, Value(1));
      return Emit(MatMulAttrs{}, {a, b});
    }
    if (op == "Add" || op == "Mul") return Elementwise(op == "Add");
    if (op == "MaxPool" || op == "AveragePool") return Pool(op == "MaxPool");
    if (op == "Flatten") {
      ASSIGN_OR_RETURN(int64_t axis, Int("axis", 1));
      if (axis != 1) return Error(absl::StrCat("axis ", axis, " (only 1)"));
      return Unary(FlattenAttrs{});
    }
    if (op == "Reshape") return Reshape();
    if (op == "BatchNormalization") return BatchNorm();
    if (op == "ReduceSum" || op == "ReduceMean") return Reduce(op);
    return Error("is not supported");
  }

  template <typename Attrs>
  absl::Status Unary(const Attrs& attrs) {
    ASSIGN_OR_RETURN(NodeId x, Value(0));
    return Emit(attrs, {x});
  }

  absl::Status Softmax(const std::string& op) {
    ASSIGN_OR_RETURN(NodeId x, Value(0));
    ASSIGN_OR_RETURN(Shape shape, ShapeOf(x));
    ASSIGN_OR_RETURN(int64_t axis, Int("axis", ir_.opset >= 13 ? -1 : 1));
    if (axis < 0) axis += shape.rank();
    // Before opset 13 the input is coerced to 2-D at `axis`, which is the
    // last-axis softmax exactly when axis is the last axis.
    if (axis != shape.rank() - 1) {
      return Error(absl::StrCat("axis ", axis, " of a rank-", shape.rank(),
                                " input (only the last axis)"));
    }
    if (op == "Softmax") return Emit(SoftmaxAttrs{}, {x});
    return Emit(LogSoftmaxAttrs{}, {x});
  }

  absl::Status Conv() {
    ASSIGN_OR_RETURN(NodeId x, Value(0));
    ASSIGN_OR_RETURN(NodeId w, Value(1));
    Conv2DAttrs a;
    int64_t pads[4];
    RETURN_IF_ERROR(Padding2D(&a.padding, pads));
    a.pad_top = pads[0];
    a.pad_left = pads[1];
    a.pad_bottom = pads[2];
    a.pad_right = pads[3];
    ASSIGN_OR_RETURN(std::vector<int64_t> strides, Ints("strides", {1, 1}, 2));
    ASSIGN_OR_RETURN(std::vector<int64_t> dil, Ints("dilations", {1, 1}, 2));
    ASSIGN_OR_RETURN(a.groups, Int("group", 1));
    a.stride_h = strides[0];
    a.stride_w = strides[1];
    a.dilation_h = dil[0];
    a.dilation_w = dil[1];
    ASSIGN_OR_RETURN(Shape ws, ShapeOf(w));
    if (Find("kernel_shape") != nullptr) {
      ASSIGN_OR_RETURN(std::vector<int64_t> k, Ints("kernel_shape", {}, 2));
      if (ws.rank() != 4 || k[0] != ws.dim(2) || k[1] != ws.dim(3)) {
        return Error(absl::StrCat("kernel_shape [", absl::StrJoin(k, ","),
                                  "] does not match the weight ",
                                  ws.DebugString()));
      }
    }
    std::vector<NodeId> inputs = {x, w};
    if (HasInput(2)) {
      ASSIGN_OR_RETURN(NodeId b, Value(2));
      inputs.push_back(b);
    }
    return Emit(a, inputs);
  }

  absl::Status Gemm() {
    ASSIGN_OR_RETURN(NodeId a, Value(0));
    ASSIGN_OR_RETURN(NodeId b, Value(1));
    ASSIGN_OR_RETURN(float alpha, Float("alpha", 1.0f));
    ASSIGN_OR_RETURN(float beta, Float("beta", 1.0f));
    MatMulAttrs m;
    ASSIGN_OR_RETURN(int64_t trans_a, Int("transA", 0));
    ASSIGN_OR_RETURN(int64_t trans_b, Int("transB", 0));
    m.transpose_a = trans_a != 0;
    m.transpose_b = trans_b != 0;
    const std::string out = node_->outputs[0];
    const bool more = alpha != 1.0f || HasInput(2);
    RETURN_IF_ERROR(EmitNamed(m, {a, b}, more ? out + "/matmul" : out));
    NodeId y = values_[more ? out + "/matmul" : out];
    if (alpha != 1.0f) {
      ScaleAttrs s;
      s.alpha = alpha;
      const bool bias = HasInput(2);
      RETURN_IF_ERROR(EmitNamed(s, {y}, bias ? out + "/alpha" : out));
      y = values_[bias ? out + "/alpha" : out];
    }
    if (HasInput(2)) {
      if (beta != 1.0f) {
        return Error(absl::StrCat("beta ", beta, " with a C input (only 1)"));
      }
      ASSIGN_OR_RETURN(NodeId c, BiasVector(2));
      RETURN_IF_ERROR(EmitNamed(BiasAddAttrs{}, {y, c}, out));
    }
    return absl::OkStatus();
  }

  template <typename Attrs>
  absl::Status EmitNamed(const Attrs& attrs, std::vector<NodeId> inputs,
                         const std::string& name) {
    NodeOptions options;
    options.scope = scope_;
    options.name = name;
    absl::StatusOr<NodeId> id =
        graph_->AddOp(attrs, std::move(inputs), options);
    if (!id.ok()) return Error(std::string(id.status().message()));
    values_[name] = *id;
    return absl::OkStatus();
  }

  // BiasVector(k): input k as a [C] bias: a computed [C] value, or a float
  // constant of C elements whose other dimensions are 1 ([C], [1,C],
  // [C,1,1], [1,C,1,1]), made a [C] parameter.
  absl::StatusOr<NodeId> BiasVector(size_t k) {
    ASSIGN_OR_RETURN(std::string name, InputName(k));
    if (values_.contains(name)) return values_[name];
    const ConstTensor* c = Const(name);
    if (c == nullptr || !c->is_float) {
      return Error(absl::StrCat("input '", name, "' is not a float tensor"));
    }
    int64_t channels = 1;
    int non_unit = 0;
    for (int64_t d : c->dims) {
      if (d != 1) {
        channels = d;
        ++non_unit;
      }
    }
    if (non_unit > 1) {
      return Error(absl::StrCat("broadcasting '", name, "' [",
                                absl::StrJoin(c->dims, ","),
                                "] is not supported (only a per-channel "
                                "vector)"));
    }
    return Parameter(name, *c, {channels}, /*trainable=*/true);
  }

  absl::Status Elementwise(bool add) {
    ASSIGN_OR_RETURN(std::string a_name, InputName(0));
    ASSIGN_OR_RETURN(std::string b_name, InputName(1));
    const ConstTensor* b_const =
        values_.contains(b_name) ? nullptr : Const(b_name);
    if (b_const != nullptr && b_const->is_float) {
      ASSIGN_OR_RETURN(NodeId a, Value(0));
      ASSIGN_OR_RETURN(Shape as, ShapeOf(a));
      if (!add && b_const->floats.size() == 1) {
        ScaleAttrs s;
        s.alpha = b_const->floats[0];
        return Emit(s, {a});
      }
      if (add && as.rank() >= 2 && !b_const->dims.empty()) {
        // A per-channel bias: [C] on [N,C], or [C,1,..] on [N,C,...].
        std::vector<int64_t> want(as.rank() - 1, 1);
        want[0] = as.dim(1);
        std::vector<int64_t> dims = b_const->dims;
        while (dims.size() > want.size() && dims[0] == 1) {
          dims.erase(dims.begin());
        }
        if (dims == want ||
            (as.rank() == 2 && dims.size() == 1 && dims[0] == as.dim(1))) {
          ASSIGN_OR_RETURN(NodeId bias, BiasVector(1));
          return Emit(BiasAddAttrs{}, {a, bias});
        }
      }
    }
    ASSIGN_OR_RETURN(NodeId a, Value(0));
    ASSIGN_OR_RETURN(NodeId b, Value(1));
    ASSIGN_OR_RETURN(Shape as, ShapeOf(a));
    ASSIGN_OR_RETURN(Shape bs, ShapeOf(b));
    if (!(as == bs)) {
      return Error(absl::StrCat("broadcasting ", as.DebugString(), " with ",
                                bs.DebugString(), " is not supported"));
    }
    if (add) return Emit(AddAttrs{}, {a, b});
    return Emit(MulAttrs{}, {a, b});
  }

  absl::Status Pool(bool max) {
    ASSIGN_OR_RETURN(NodeId x, Value(0));
    if (node_->outputs.size() > 1 && !node_->outputs[1].empty()) {
      return Error("MaxPool's Indices output is not supported");
    }
    ASSIGN_OR_RETURN(std::vector<int64_t> k, Ints("kernel_shape", {}, 2));
    ASSIGN_OR_RETURN(std::vector<int64_t> strides, Ints("strides", {1, 1}, 2));
    ASSIGN_OR_RETURN(int64_t ceil_mode, Int("ceil_mode", 0));
    ASSIGN_OR_RETURN(std::vector<int64_t> dil, Ints("dilations", {1, 1}, 2));
    ASSIGN_OR_RETURN(int64_t storage, Int("storage_order", 0));
    if (ceil_mode != 0) return Error("ceil_mode 1 is not supported");
    if (dil[0] != 1 || dil[1] != 1) return Error("dilated pooling");
    if (storage != 0) return Error("storage_order 1 is not supported");
    Padding padding;
    int64_t pads[4];
    RETURN_IF_ERROR(Padding2D(&padding, pads));
    PoolWindow w;
    w.window_h = k[0];
    w.window_w = k[1];
    w.stride_h = strides[0];
    w.stride_w = strides[1];
    w.padding = padding;
    w.pad_top = pads[0];
    w.pad_left = pads[1];
    w.pad_bottom = pads[2];
    w.pad_right = pads[3];
    if (max) {
      MaxPool2DAttrs a;
      static_cast<PoolWindow&>(a) = w;
      return Emit(a, {x});
    }
    ASSIGN_OR_RETURN(int64_t include_pad, Int("count_include_pad", 0));
    const bool pads_any = padding == Padding::kSame || pads[0] > 0 ||
                          pads[1] > 0 || pads[2] > 0 || pads[3] > 0;
    if (pads_any && include_pad == 0) {
      return Error(
          "count_include_pad 0 with padding (dagrad divides by the whole "
          "window)");
    }
    AvgPool2DAttrs a;
    static_cast<PoolWindow&>(a) = w;
    return Emit(a, {x});
  }

  absl::Status Reshape() {
    ASSIGN_OR_RETURN(std::vector<int64_t> target, ConstInts(1));
    ASSIGN_OR_RETURN(int64_t allow_zero, Int("allowzero", 0));
    if (allow_zero != 0) return Error("allowzero 1 is not supported");
    ASSIGN_OR_RETURN(std::string data_name, InputName(0));
    const ConstTensor* c =
        values_.contains(data_name) ? nullptr : Const(data_name);
    if (c != nullptr) {  // A constant reshaped: fold it.
      auto folded = std::make_unique<ConstTensor>(*c);
      int64_t known = 1;
      int unknown = -1;
      for (size_t i = 0; i < target.size(); ++i) {
        if (target[i] == 0 && i < c->dims.size()) target[i] = c->dims[i];
        if (target[i] == -1) {
          unknown = static_cast<int>(i);
        } else if (target[i] < 0) {
          return Error("a negative target dimension");
        } else {
          known *= target[i];
        }
      }
      const int64_t count =
          static_cast<int64_t>(c->is_float ? c->floats.size() : c->ints.size());
      if (unknown >= 0 && known > 0) target[unknown] = count / known;
      int64_t product = 1;
      for (int64_t d : target) product *= d;
      if (product != count) return Error("the target shape does not fit");
      folded->dims = target;
      owned_.push_back(std::move(folded));
      consts_[node_->outputs[0]] = owned_.back().get();
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(NodeId x, Value(0));
    ASSIGN_OR_RETURN(Shape xs, ShapeOf(x));
    ReshapeAttrs a;
    for (size_t i = 0; i < target.size(); ++i) {
      int64_t d = target[i];
      if (d == 0) {  // ONNX: copy the input's dimension.
        if (i >= static_cast<size_t>(xs.rank())) {
          return Error("a 0 past the input's rank");
        }
        d = xs.dim(i);
      }
      a.shape.push_back(d < 0 ? -1 : d);
    }
    return Emit(a, {x});
  }

  absl::Status BatchNorm() {
    ASSIGN_OR_RETURN(int64_t training, Int("training_mode", 0));
    if (training != 0) return Error("training_mode 1 is not supported");
    if (node_->outputs.size() > 1) {
      return Error("the running-statistics outputs are not supported");
    }
    BatchNormAttrs a;
    ASSIGN_OR_RETURN(a.epsilon, Float("epsilon", 1e-5f));
    ASSIGN_OR_RETURN(float momentum, Float("momentum", 0.9f));
    // ONNX: running = running * momentum + batch * (1 - momentum); dagrad
    // weighs the batch by its momentum (PyTorch's convention).
    a.momentum = 1.0f - momentum;
    ASSIGN_OR_RETURN(NodeId x, Value(0));
    ASSIGN_OR_RETURN(NodeId gamma, Value(1));
    ASSIGN_OR_RETURN(NodeId beta, Value(2));
    ASSIGN_OR_RETURN(NodeId mean, Value(3, /*trainable=*/false));
    ASSIGN_OR_RETURN(NodeId var, Value(4, /*trainable=*/false));
    return Emit(a, {x, gamma, beta, mean, var});
  }

  absl::Status Reduce(const std::string& op) {
    ASSIGN_OR_RETURN(NodeId x, Value(0));
    ASSIGN_OR_RETURN(Shape xs, ShapeOf(x));
    ASSIGN_OR_RETURN(int64_t keep, Int("keepdims", 1));
    std::vector<int64_t> axes;
    if (op == "ReduceSum" && ir_.opset >= 13) {
      if (HasInput(1)) {
        ASSIGN_OR_RETURN(axes, ConstInts(1));
      }
      ASSIGN_OR_RETURN(int64_t noop, Int("noop_with_empty_axes", 0));
      if (noop != 0) return Error("noop_with_empty_axes 1 is not supported");
    } else {
      ASSIGN_OR_RETURN(axes, Ints("axes", {}, 0));
    }
    for (int64_t& axis : axes) {
      if (axis < 0) axis += xs.rank();
      if (axis < 0 || axis >= xs.rank()) return Error("an axis out of range");
    }
    // No axes reduces every axis, as an empty ReduceAxesAttrs::axes does.
    ReduceAxesAttrs r;
    r.keep_dims = keep != 0;
    r.axes.assign(axes.begin(), axes.end());
    if (op == "ReduceSum") {
      SumAttrs a;
      static_cast<ReduceAxesAttrs&>(a) = r;
      return Emit(a, {x});
    }
    MeanAttrs a;
    static_cast<ReduceAxesAttrs&>(a) = r;
    return Emit(a, {x});
  }

  const OnnxModelIr& ir_;
  GraphBuilder* graph_;
  std::string scope_;
  const NodeIr* node_ = nullptr;
  absl::flat_hash_map<std::string, NodeId> values_;
  absl::flat_hash_map<std::string, const ConstTensor*> consts_;
  std::vector<std::unique_ptr<ConstTensor>> owned_;
};

}  // namespace

OnnxLayer::OnnxLayer(std::shared_ptr<const OnnxModelIr> ir)
    : ir_(std::move(ir)) {}

absl::StatusOr<OnnxLayer> OnnxLayer::FromBytes(const std::string& bytes,
                                               const std::string& name) {
  ASSIGN_OR_RETURN(std::shared_ptr<const OnnxModelIr> ir, Parse(bytes, name));
  return OnnxLayer(std::move(ir));
}

absl::StatusOr<OnnxLayer> OnnxLayer::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ONNX model '", path, "'"));
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  return FromBytes(bytes.str(), path);
}

const Shape& OnnxLayer::input_shape() const { return ir_->input_shape; }

absl::StatusOr<NodeId> OnnxLayer::Build(GraphBuilder* graph,
                                        const std::string& scope,
                                        NodeId input) const {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  bool fits = in.rank() == ir_->input_shape.rank() + 1;
  for (int i = 0; fits && i < ir_->input_shape.rank(); ++i) {
    fits = in.dim(i + 1) == ir_->input_shape.dim(i);
  }
  if (!fits) {
    return LayerError(
        scope, type(), in,
        absl::StrCat("the ONNX model '", ir_->source, "' takes [batch, ",
                     absl::StrJoin(ir_->input_shape.dims(), ","), "]"));
  }
  Translator translator(*ir_, graph, scope);
  return translator.Run(input);
}

}  // namespace dagrad
