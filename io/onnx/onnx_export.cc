#include "io/onnx/onnx_export.h"

#include <exception>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "io/file_system.h"
#include "onnx/checker.h"
#include "onnx/onnx_pb.h"
#include "onnx/shape_inference/implementation.h"
#include "ops/avg_pool2d.h"
#include "ops/batch_norm.h"
#include "ops/concat.h"
#include "ops/conv2d.h"
#include "ops/elu.h"
#include "ops/leaky_relu.h"
#include "ops/log_softmax.h"
#include "ops/mat_mul.h"
#include "ops/max_pool2d.h"
#include "ops/mean.h"
#include "ops/pow.h"
#include "ops/reduce_max.h"
#include "ops/reshape.h"
#include "ops/scale.h"
#include "ops/sum.h"
#include "ops/transpose.h"

namespace dagrad {
namespace {

constexpr char kBatchParam[] = "N";

using onnx::AttributeProto;
using onnx::NodeProto;
using onnx::TensorProto;

void SetInts(NodeProto* n, const char* name, std::vector<int64_t> values) {
  AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

void SetInt(NodeProto* n, const char* name, int64_t value) {
  AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::INT);
  a->set_i(value);
}

void SetFloat(NodeProto* n, const char* name, float value) {
  AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::FLOAT);
  a->set_f(value);
}

// Writer builds the GraphProto: initializers, value infos and nodes.
class Writer {
 public:
  Writer(const Graph& graph, const ParameterStore& store, onnx::GraphProto* out)
      : graph_(graph), store_(store), out_(out) {}

  void AddFloatInitializer(const std::string& name, const Shape& shape,
                           const float* values) {
    TensorProto* t = out_->add_initializer();
    t->set_name(name);
    t->set_data_type(TensorProto::FLOAT);
    for (int64_t d : shape.dims()) t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char*>(values),
                                sizeof(float) * shape.num_elements()));
  }

  void AddInt64Initializer(const std::string& name,
                           const std::vector<int64_t>& values) {
    TensorProto* t = out_->add_initializer();
    t->set_name(name);
    t->set_data_type(TensorProto::INT64);
    t->add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values) t->add_int64_data(v);
  }

  void AddValueInfo(onnx::ValueInfoProto* vi, const Node& node) {
    vi->set_name(node.name);
    auto* tensor = vi->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(TensorProto::FLOAT);
    auto* shape = tensor->mutable_shape();
    for (int i = 0; i < node.shape.rank(); ++i) {
      auto* dim = shape->add_dim();
      if (i == 0) {
        dim->set_dim_param(kBatchParam);
      } else {
        dim->set_dim_value(node.shape.dim(i));
      }
    }
  }

  NodeProto* AddNode(const std::string& op_type, const Node& node,
                     std::vector<std::string> inputs) {
    NodeProto* n = out_->add_node();
    n->set_op_type(op_type);
    n->set_name(node.name);
    for (const std::string& in : inputs) n->add_input(in);
    n->add_output(node.name);
    return n;
  }

  // Emit() writes the ONNX form of op node `node`.
  absl::Status Emit(const Node& node) {
    std::vector<std::string> in;
    std::vector<Shape> shapes;
    for (NodeId id : node.inputs) {
      in.push_back(graph_.node(id).name);
      shapes.push_back(BatchOne(graph_.node(id).shape));
    }
    switch (node.def->kind) {
      case OpKind::kConv2D: {
        const auto& a = AttrsAs<Conv2DAttrs>(node.attrs);
        const ConvGeometry geo = Conv2DGeometryOf(shapes, a);
        NodeProto* n = AddNode("Conv", node, in);
        SetInts(n, "kernel_shape", {geo.kernel_h, geo.kernel_w});
        SetInts(n, "strides", {geo.stride_h, geo.stride_w});
        SetInts(n, "dilations", {geo.dilation_h, geo.dilation_w});
        SetInts(n, "pads",
                {geo.pad_top, geo.pad_left, geo.pad_bottom, geo.pad_right});
        SetInt(n, "group", geo.groups);
        return absl::OkStatus();
      }
      case OpKind::kMaxPool2D:
      case OpKind::kAvgPool2D: {
        const bool max = node.def->kind == OpKind::kMaxPool2D;
        const PoolWindow& w = max ? static_cast<const PoolWindow&>(
                                        AttrsAs<MaxPool2DAttrs>(node.attrs))
                                  : static_cast<const PoolWindow&>(
                                        AttrsAs<AvgPool2DAttrs>(node.attrs));
        const PoolGeometry geo = PoolGeometryOf(shapes[0], w);
        NodeProto* n = AddNode(max ? "MaxPool" : "AveragePool", node, in);
        SetInts(n, "kernel_shape", {geo.window_h, geo.window_w});
        SetInts(n, "strides", {geo.stride_h, geo.stride_w});
        SetInts(n, "pads",
                {geo.pad_top, geo.pad_left, geo.pad_bottom, geo.pad_right});
        if (!max) SetInt(n, "count_include_pad", 1);
        return absl::OkStatus();
      }
      case OpKind::kMatMul: {
        const auto& a = AttrsAs<MatMulAttrs>(node.attrs);
        NodeProto* n = AddNode("Gemm", node, in);
        SetInt(n, "transA", a.transpose_a ? 1 : 0);
        SetInt(n, "transB", a.transpose_b ? 1 : 0);
        return absl::OkStatus();
      }
      case OpKind::kBiasAdd: {
        std::string bias = in[1];
        if (shapes[0].rank() > 2) {
          // [C] -> [C,1,...,1] so that it broadcasts over axis 1 only.
          std::vector<int64_t> dims = {shapes[1].dim(0)};
          dims.resize(shapes[0].rank() - 1, 1);
          const std::string shape_name = node.name + "/onnx_bias_shape";
          AddInt64Initializer(shape_name, dims);
          NodeProto* r = out_->add_node();
          r->set_op_type("Reshape");
          r->set_name(node.name + "/onnx_bias_reshape");
          r->add_input(in[1]);
          r->add_input(shape_name);
          bias = node.name + "/onnx_bias";
          r->add_output(bias);
        }
        AddNode("Add", node, {in[0], bias});
        return absl::OkStatus();
      }
      case OpKind::kAdd:
        AddNode("Add", node, in);
        return absl::OkStatus();
      case OpKind::kMul:
        AddNode("Mul", node, in);
        return absl::OkStatus();
      // ONNX's binary ops broadcast as NumPy does, as dagrad's do.
      case OpKind::kSub:
        AddNode("Sub", node, in);
        return absl::OkStatus();
      case OpKind::kDiv:
        AddNode("Div", node, in);
        return absl::OkStatus();
      case OpKind::kMaximum:
        AddNode("Max", node, in);
        return absl::OkStatus();
      case OpKind::kMinimum:
        AddNode("Min", node, in);
        return absl::OkStatus();
      case OpKind::kExp:
        AddNode("Exp", node, in);
        return absl::OkStatus();
      case OpKind::kLog:
        AddNode("Log", node, in);
        return absl::OkStatus();
      case OpKind::kSqrt:
        AddNode("Sqrt", node, in);
        return absl::OkStatus();
      case OpKind::kAbs:
        AddNode("Abs", node, in);
        return absl::OkStatus();
      case OpKind::kNeg:
        AddNode("Neg", node, in);
        return absl::OkStatus();
      case OpKind::kSoftplus:
        AddNode("Softplus", node, in);
        return absl::OkStatus();
      case OpKind::kPow: {
        const float p = AttrsAs<PowAttrs>(node.attrs).exponent;
        const std::string p_name = node.name + "/onnx_exponent";
        AddFloatInitializer(p_name, Shape({}), &p);
        AddNode("Pow", node, {in[0], p_name});
        return absl::OkStatus();
      }
      case OpKind::kLeakyRelu:
        SetFloat(AddNode("LeakyRelu", node, in), "alpha",
                 AttrsAs<LeakyReluAttrs>(node.attrs).alpha);
        return absl::OkStatus();
      case OpKind::kElu:
        SetFloat(AddNode("Elu", node, in), "alpha",
                 AttrsAs<EluAttrs>(node.attrs).alpha);
        return absl::OkStatus();
      case OpKind::kConcat:
        SetInt(AddNode("Concat", node, in), "axis",
               AttrsAs<ConcatAttrs>(node.attrs).axis);
        return absl::OkStatus();
      case OpKind::kTranspose: {
        // An empty perm reverses the axes, ONNX's default too.
        const std::vector<int>& perm = AttrsAs<TransposeAttrs>(node.attrs).perm;
        NodeProto* n = AddNode("Transpose", node, in);
        if (!perm.empty()) {
          SetInts(n, "perm", std::vector<int64_t>(perm.begin(), perm.end()));
        }
        return absl::OkStatus();
      }
      case OpKind::kReduceMax: {
        const auto& r = AttrsAs<ReduceMaxAttrs>(node.attrs);
        std::vector<int64_t> axes;
        if (r.all_axes()) {
          for (int i = 0; i < shapes[0].rank(); ++i) axes.push_back(i);
        } else {
          axes.push_back(r.axis);
        }
        NodeProto* n = AddNode("ReduceMax", node, in);  // Opset 13: attr.
        SetInts(n, "axes", axes);
        SetInt(n, "keepdims", r.keep_dims ? 1 : 0);
        return absl::OkStatus();
      }
      case OpKind::kScale: {
        const float alpha = AttrsAs<ScaleAttrs>(node.attrs).alpha;
        const std::string alpha_name = node.name + "/onnx_alpha";
        AddFloatInitializer(alpha_name, Shape({}), &alpha);
        AddNode("Mul", node, {in[0], alpha_name});
        return absl::OkStatus();
      }
      case OpKind::kRelu:
        AddNode("Relu", node, in);
        return absl::OkStatus();
      case OpKind::kSigmoid:
        AddNode("Sigmoid", node, in);
        return absl::OkStatus();
      case OpKind::kTanh:
        AddNode("Tanh", node, in);
        return absl::OkStatus();
      case OpKind::kSoftmax:
        SetInt(AddNode("Softmax", node, in), "axis", -1);
        return absl::OkStatus();
      case OpKind::kLogSoftmax:
        SetInt(AddNode("LogSoftmax", node, in), "axis", -1);
        return absl::OkStatus();
      case OpKind::kIdentity:
      case OpKind::kDropout:  // Inference: the identity.
        AddNode("Identity", node, in);
        return absl::OkStatus();
      case OpKind::kFlatten:
        SetInt(AddNode("Flatten", node, in), "axis", 1);
        return absl::OkStatus();
      case OpKind::kReshape: {
        std::vector<int64_t> target = {-1};
        for (int i = 1; i < node.shape.rank(); ++i) {
          if (node.shape.dim(i) == 0) {
            return Unsupported(node, "a reshape to a zero-sized dimension");
          }
          target.push_back(node.shape.dim(i));
        }
        const std::string shape_name = node.name + "/onnx_shape";
        AddInt64Initializer(shape_name, target);
        AddNode("Reshape", node, {in[0], shape_name});
        return absl::OkStatus();
      }
      case OpKind::kBatchNorm: {
        const auto& a = AttrsAs<BatchNormAttrs>(node.attrs);
        NodeProto* n = AddNode("BatchNormalization", node, in);
        SetFloat(n, "epsilon", a.epsilon);
        return absl::OkStatus();
      }
      case OpKind::kSum:
      case OpKind::kMean: {
        const bool sum = node.def->kind == OpKind::kSum;
        const ReduceAxesAttrs& r = sum ? static_cast<const ReduceAxesAttrs&>(
                                             AttrsAs<SumAttrs>(node.attrs))
                                       : static_cast<const ReduceAxesAttrs&>(
                                             AttrsAs<MeanAttrs>(node.attrs));
        std::vector<int64_t> axes(r.axes.begin(), r.axes.end());
        if (r.all_axes()) {
          for (int i = 0; i < shapes[0].rank(); ++i) axes.push_back(i);
        }
        NodeProto* n;
        if (sum) {  // Opset 13: ReduceSum takes its axes as an input.
          const std::string axes_name = node.name + "/onnx_axes";
          AddInt64Initializer(axes_name, axes);
          n = AddNode("ReduceSum", node, {in[0], axes_name});
        } else {
          n = AddNode("ReduceMean", node, in);
          SetInts(n, "axes", axes);
        }
        SetInt(n, "keepdims", r.keep_dims ? 1 : 0);
        return absl::OkStatus();
      }
      default:
        return Unsupported(node, "an op with no ONNX equivalent");
    }
  }

  absl::Status Unsupported(const Node& node, const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat("ONNX export: node '", node.name, "' (", node.def->name(),
                     ") is ", what, "; it cannot be exported"));
  }

  // BatchOne() is `shape` with an unknown batch dimension set to 1, for the
  // geometry helpers (padding never depends on the batch).
  static Shape BatchOne(const Shape& shape) {
    if (shape.rank() == 0 || shape.dim(0) >= 0) return shape;
    std::vector<int64_t> dims(shape.dims().begin(), shape.dims().end());
    dims[0] = 1;
    return Shape(dims);
  }

 private:
  const Graph& graph_;
  const ParameterStore& store_;
  onnx::GraphProto* out_;
};

}  // namespace

absl::StatusOr<std::string> OnnxModelBytes(const Graph& graph,
                                           const ParameterStore& store,
                                           absl::Span<const NodeId> inputs,
                                           absl::Span<const NodeId> outputs,
                                           const OnnxExportOptions& options) {
  for (NodeId id : inputs) {
    if (!graph.Contains(id) || graph.node(id).type != NodeType::kInput) {
      return absl::InvalidArgumentError(
          "ONNX export: every model input must be an input node");
    }
  }
  // The nodes the outputs depend on, stopping at inputs, parameters and
  // constants. Node order is a topological order (graph/graph.h).
  std::vector<bool> needed(graph.num_nodes(), false);
  std::vector<NodeId> stack(outputs.begin(), outputs.end());
  while (!stack.empty()) {
    const NodeId id = stack.back();
    stack.pop_back();
    if (!graph.Contains(id)) {
      return absl::InvalidArgumentError("ONNX export: unknown output node");
    }
    if (needed[id.index]) continue;
    needed[id.index] = true;
    for (NodeId in : graph.node(id).inputs) stack.push_back(in);
  }
  absl::flat_hash_set<int32_t> input_set;
  for (NodeId id : inputs) input_set.insert(id.index);

  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION);
  model.set_producer_name("dagrad");
  model.set_producer_version(options.producer_version);
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  onnx::GraphProto* g = model.mutable_graph();
  g->set_name(options.graph_name);
  Writer writer(graph, store, g);
  for (NodeId id : inputs) writer.AddValueInfo(g->add_input(), graph.node(id));
  for (int i = 0; i < graph.num_nodes(); ++i) {
    if (!needed[i]) continue;
    const Node& node = graph.nodes()[i];
    switch (node.type) {
      case NodeType::kInput:
        if (!input_set.contains(i)) {
          return absl::InvalidArgumentError(
              absl::StrCat("ONNX export: the outputs need input '", node.name,
                           "', which is not among the model's inputs"));
        }
        break;
      case NodeType::kParameter: {
        const Tensor* value = store.Find(node.name);
        if (value == nullptr) {
          return absl::FailedPreconditionError(absl::StrCat(
              "ONNX export: parameter '", node.name, "' has no value"));
        }
        writer.AddFloatInitializer(node.name, value->shape(), value->data());
        break;
      }
      case NodeType::kConstant:
        writer.AddFloatInitializer(node.name, node.constant->shape(),
                                   node.constant->data());
        break;
      case NodeType::kOp:
      case NodeType::kVjp:
        if (node.is_reverse()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "ONNX export: node '", node.name,
              "' is part of the reverse pass; export inference outputs only"));
        }
        RETURN_IF_ERROR(writer.Emit(node));
        break;
    }
  }
  for (NodeId id : outputs)
    writer.AddValueInfo(g->add_output(), graph.node(id));
  std::string bytes;
  if (!model.SerializeToString(&bytes)) {
    return absl::InternalError("ONNX export: serializing the model failed");
  }
  return bytes;
}

absl::Status CheckOnnxModel(const std::string& bytes) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) {
    return absl::InvalidArgumentError("ONNX check: not a ModelProto");
  }
  // ONNX's checker reports by throwing; this is the one place dagrad
  // catches an exception, at the boundary of the library that throws it.
  try {
    onnx::checker::check_model(model);
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(),
        onnx::ShapeInferenceOptions(/*check_type_val=*/true,
                                    /*strict_mode_val=*/1));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("ONNX check failed: ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status WriteOnnxFile(const std::string& bytes, const std::string& path) {
  return WriteFileAtomically(path, bytes);
}

}  // namespace dagrad
