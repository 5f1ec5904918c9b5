// layers/recurrent_graph.h: the nodes SimpleRNN, LSTM and GRU share
// (layers/recurrent.h): the input check, the parameters, each step's input
// projection, column slices of the gates and the output (last state or the
// stacked sequence). Each layer's .cc adds only its step's gate math with
// Op().
//
// Example (SimpleRNN's step, h = tanh(x_t W_ih + b + h W_hh)):
//   ASSIGN_OR_RETURN(RecurrentGraph rnn,
//                    RecurrentGraph::Create(graph, scope, "SimpleRNN", input,
//                                           units, /*gates=*/1, options,
//                                           /*fold_hidden_bias=*/true));
//   for (int64_t t = 0; t < rnn.steps(); ++t) {
//     ASSIGN_OR_RETURN(NodeId z, rnn.Projection(t));
//     if (t > 0) { ASSIGN_OR_RETURN(NodeId r, rnn.Recurrent(h, t)); ... }
//   }
#ifndef DAGRAD_LAYERS_RECURRENT_GRAPH_H_
#define DAGRAD_LAYERS_RECURRENT_GRAPH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "layers/recurrent.h"

namespace dagrad {

class RecurrentGraph {
 public:
  // Create() checks `input` ([N, T, F], T and F known) and `units`, adds the
  // parameters scope/W_ih [F, G*H], scope/W_hh [H, G*H] and, with
  // options.use_bias, scope/b_ih and scope/b_hh [G*H] (and b_ih + b_hh
  // when `fold_hidden_bias`).
  // InvalidArgument via LayerError() for a bad input or units.
  static absl::StatusOr<RecurrentGraph> Create(
      GraphBuilder* graph, const std::string& scope, absl::string_view type,
      NodeId input, int64_t units, int gates, const RecurrentOptions& options,
      bool fold_hidden_bias);

  int64_t steps() const { return steps_; }
  int64_t units() const { return units_; }

  // Op() adds op `attrs` on `inputs` under scope/t<step>.
  template <typename Attrs>
  absl::StatusOr<NodeId> Op(const Attrs& attrs, std::vector<NodeId> inputs,
                            int64_t step) {
    return graph_->AddOp(attrs, std::move(inputs), StepNode(step));
  }

  // Projection() is step t's input projection x_t W_ih + b_ih (+ b_hh when
  // folded): [N, G*H]. Call it once per step.
  absl::StatusOr<NodeId> Projection(int64_t t);
  // Recurrent() is h W_hh (+ b_hh unless folded into the projection) for
  // step t: [N, G*H].
  absl::StatusOr<NodeId> Recurrent(NodeId h, int64_t t);
  // HiddenBias() is gates [first, first + count) of b_hh, [count*H], for a
  // step without a previous state; invalid when b_hh is folded or absent.
  absl::StatusOr<NodeId> HiddenBias(int first, int count);
  // Gates() is gates [first, first + count) of a [N, G'*H] node of step t.
  absl::StatusOr<NodeId> Gates(NodeId z, int first, int count, int64_t t);
  // Output() is the layer's output from the states h_1 .. h_T: the last, or
  // with return_sequences all of them as [N, T, H].
  absl::StatusOr<NodeId> Output(const std::vector<NodeId>& states);

 private:
  RecurrentGraph(GraphBuilder* graph, std::string scope, bool sequences)
      : graph_(graph), scope_(std::move(scope)), sequences_(sequences) {}

  NodeOptions StepNode(int64_t step) const;
  absl::StatusOr<NodeId> Columns(NodeId x, int64_t begin, int64_t size,
                                 const NodeOptions& node);

  GraphBuilder* graph_;
  std::string scope_;
  bool sequences_;
  int64_t steps_ = 0;
  int64_t units_ = 0;
  int gates_ = 0;
  int64_t features_ = 0;
  NodeId inputs_;  // [N, T*F]: row n holds x[n, 0], ..., x[n, T-1].
  NodeId w_ih_;
  NodeId w_hh_;
  NodeId input_bias_;  // b_ih, or b_ih + b_hh when folded; may be invalid.
  NodeId b_hh_;        // Valid when kept in the step (not folded, with bias).
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_RECURRENT_GRAPH_H_
