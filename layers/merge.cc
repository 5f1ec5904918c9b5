#include "layers/merge.h"

#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "ops/add.h"
#include "ops/concat.h"
#include "ops/mul.h"

namespace dagrad {
namespace {

// ShapesOf() lists the inputs' shapes for a message: "[?,8] and [?,4]".
std::string ShapesOf(const GraphBuilder& graph,
                     absl::Span<const NodeId> inputs) {
  std::vector<std::string> shapes;
  for (NodeId in : inputs) {
    absl::StatusOr<Shape> s = graph.shape(in);
    shapes.push_back(s.ok() ? s->DebugString() : "(unknown node)");
  }
  return absl::StrJoin(shapes, " and ");
}

// MergeError() rewraps an op's error as the layer's, with every input.
absl::Status MergeError(const absl::Status& op_error, const std::string& scope,
                        absl::string_view type, const GraphBuilder& graph,
                        absl::Span<const NodeId> inputs) {
  return absl::InvalidArgumentError(
      absl::StrFormat("layer '%s' (%s): inputs %s do not fit: %s", scope, type,
                      ShapesOf(graph, inputs), op_error.message()));
}

// Fold() adds op(op(x0, x1), x2)... with the binary op of `Attrs`.
template <typename Attrs>
absl::StatusOr<NodeId> Fold(GraphBuilder* graph, const std::string& scope,
                            absl::string_view type,
                            absl::Span<const NodeId> inputs) {
  NodeOptions node;
  node.scope = scope;
  NodeId y = inputs[0];
  for (size_t i = 1; i < inputs.size(); ++i) {
    absl::StatusOr<NodeId> next = graph->AddOp(Attrs{}, {y, inputs[i]}, node);
    if (!next.ok()) {
      return MergeError(next.status(), scope, type, *graph, inputs);
    }
    y = *next;
  }
  return y;
}

}  // namespace

absl::StatusOr<NodeId> MergeLayer::Build(GraphBuilder* graph,
                                         const std::string& scope,
                                         NodeId input) const {
  return BuildMulti(graph, scope, absl::MakeConstSpan(&input, 1));
}

absl::StatusOr<NodeId> MergeLayer::BuildMulti(
    GraphBuilder* graph, const std::string& scope,
    absl::Span<const NodeId> inputs) const {
  if (inputs.size() < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "layer '%s' (%s) merges two or more inputs, got %d%s%s", scope, type(),
        inputs.size(), inputs.empty() ? "" : ": ", ShapesOf(*graph, inputs)));
  }
  return Merge(graph, scope, inputs);
}

absl::StatusOr<NodeId> Concatenate::Merge(
    GraphBuilder* graph, const std::string& scope,
    absl::Span<const NodeId> inputs) const {
  ConcatAttrs attrs;
  attrs.axis = axis_;
  NodeOptions node;
  node.scope = scope;
  absl::StatusOr<NodeId> y = graph->AddOp(
      attrs, std::vector<NodeId>(inputs.begin(), inputs.end()), node);
  if (!y.ok()) return MergeError(y.status(), scope, type(), *graph, inputs);
  return y;
}

absl::StatusOr<NodeId> Add::Merge(GraphBuilder* graph, const std::string& scope,
                                  absl::Span<const NodeId> inputs) const {
  return Fold<AddAttrs>(graph, scope, type(), inputs);
}

absl::StatusOr<NodeId> Multiply::Merge(GraphBuilder* graph,
                                       const std::string& scope,
                                       absl::Span<const NodeId> inputs) const {
  return Fold<MulAttrs>(graph, scope, type(), inputs);
}

}  // namespace dagrad
