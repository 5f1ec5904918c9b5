#include "layers/recurrent_graph.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "ops/add.h"
#include "ops/bias_add.h"
#include "ops/concat.h"
#include "ops/mat_mul.h"
#include "ops/reshape.h"
#include "ops/slice.h"

namespace dagrad {

absl::StatusOr<RecurrentGraph> RecurrentGraph::Create(
    GraphBuilder* graph, const std::string& scope, absl::string_view type,
    NodeId input, int64_t units, int gates, const RecurrentOptions& options,
    bool fold_hidden_bias) {
  ASSIGN_OR_RETURN(Shape in, graph->shape(input));
  if (units < 1) {
    return LayerError(scope, type, in,
                      absl::StrFormat("units must be >= 1, got %d", units));
  }
  if (in.rank() != 3 || in.dim(1) < 1 || in.dim(2) < 1) {
    return LayerError(scope, type, in,
                      "input must be [batch, steps, features] (rank 3, steps "
                      "and features >= 1); add Reshape({steps, features}) "
                      "before it on images");
  }
  RecurrentGraph rnn(graph, scope, options.return_sequences);
  rnn.steps_ = in.dim(1);
  rnn.units_ = units;
  rnn.gates_ = gates;
  rnn.features_ = in.dim(2);
  const int64_t width = gates * units;
  const float k = 1.0f / std::sqrt(static_cast<float>(units));
  const ParameterInit init =
      ParameterInitFrom(options.init.value_or(Initializer::Uniform(-k, k)));
  ASSIGN_OR_RETURN(rnn.w_ih_,
                   graph->AddParameter(scope + "/W_ih",
                                       Shape({rnn.features_, width}), init));
  ASSIGN_OR_RETURN(rnn.w_hh_, graph->AddParameter(scope + "/W_hh",
                                                  Shape({units, width}), init));
  NodeOptions node;
  node.scope = scope;
  if (options.use_bias) {
    ASSIGN_OR_RETURN(NodeId b_ih, graph->AddParameter(scope + "/b_ih",
                                                      Shape({width}), init));
    ASSIGN_OR_RETURN(NodeId b_hh, graph->AddParameter(scope + "/b_hh",
                                                      Shape({width}), init));
    rnn.input_bias_ = b_ih;
    if (fold_hidden_bias) {
      ASSIGN_OR_RETURN(rnn.input_bias_,
                       graph->AddOp(AddAttrs{}, {b_ih, b_hh}, node));
    } else {
      rnn.b_hh_ = b_hh;
    }
  }
  ReshapeAttrs rows;
  rows.shape = {-1, rnn.steps_ * rnn.features_};
  ASSIGN_OR_RETURN(rnn.inputs_, graph->AddOp(rows, {input}, node));
  return rnn;
}

NodeOptions RecurrentGraph::StepNode(int64_t step) const {
  NodeOptions node;
  node.scope = absl::StrCat(scope_, "/t", step);
  return node;
}

absl::StatusOr<NodeId> RecurrentGraph::Columns(NodeId x, int64_t begin,
                                               int64_t size,
                                               const NodeOptions& node) {
  SliceAttrs slice;
  slice.begin = {0, begin};
  slice.size = {-1, size};
  return graph_->AddOp(slice, {x}, node);
}

// One MatMul per step, not one [N*T, F] x [F, G*H] for all steps sliced
// per step: a Slice's VJP writes a zero gradient of its whole input, so
// slicing a projection of every step would cost O(T^2 N G H) in the reverse
// pass (examples/lstm.cc's training step, one thread: 18.8 ms CPU and a
// 55 MB arena that way, 5.5 ms and 4 MB this way; //benchmarks:lstm_step).
// Slicing the input x instead costs nothing when x needs no gradient (data).
absl::StatusOr<NodeId> RecurrentGraph::Projection(int64_t t) {
  const NodeOptions node = StepNode(t);
  ASSIGN_OR_RETURN(NodeId x, Columns(inputs_, t * features_, features_, node));
  ASSIGN_OR_RETURN(NodeId p, graph_->AddOp(MatMulAttrs{}, {x, w_ih_}, node));
  if (!input_bias_.valid()) return p;
  return graph_->AddOp(BiasAddAttrs{}, {p, input_bias_}, node);
}

absl::StatusOr<NodeId> RecurrentGraph::Recurrent(NodeId h, int64_t t) {
  ASSIGN_OR_RETURN(NodeId z, Op(MatMulAttrs{}, {h, w_hh_}, t));
  if (!b_hh_.valid()) return z;
  return Op(BiasAddAttrs{}, {z, b_hh_}, t);
}

absl::StatusOr<NodeId> RecurrentGraph::HiddenBias(int first, int count) {
  if (!b_hh_.valid()) return NodeId{};
  SliceAttrs slice;
  slice.begin = {first * units_};
  slice.size = {count * units_};
  return graph_->AddOp(slice, {b_hh_}, StepNode(0));
}

absl::StatusOr<NodeId> RecurrentGraph::Gates(NodeId z, int first, int count,
                                             int64_t t) {
  return Columns(z, first * units_, count * units_, StepNode(t));
}

absl::StatusOr<NodeId> RecurrentGraph::Output(
    const std::vector<NodeId>& states) {
  if (!sequences_) return states.back();
  NodeOptions node;
  node.scope = scope_;
  // Concat takes at most 31 inputs: join in chunks, then join the chunks.
  constexpr size_t kMaxConcat = 31;
  std::vector<NodeId> parts = states;
  ConcatAttrs concat;
  concat.axis = 1;
  while (parts.size() > 1) {
    std::vector<NodeId> joined;
    for (size_t i = 0; i < parts.size(); i += kMaxConcat) {
      const size_t end = std::min(parts.size(), i + kMaxConcat);
      std::vector<NodeId> chunk(parts.begin() + i, parts.begin() + end);
      if (chunk.size() == 1) {
        joined.push_back(chunk[0]);
        continue;
      }
      ASSIGN_OR_RETURN(NodeId j, graph_->AddOp(concat, std::move(chunk), node));
      joined.push_back(j);
    }
    parts = std::move(joined);
  }
  ReshapeAttrs sequence;
  sequence.shape = {-1, steps_, units_};
  return graph_->AddOp(sequence, {parts[0]}, node);
}

}  // namespace dagrad
