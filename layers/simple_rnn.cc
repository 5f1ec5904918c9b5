// SimpleRNN's step (layers/recurrent.h):
//   h_t = act(p_t + h_{t-1} W_hh),  p_t = x_t W_ih + b_ih + b_hh;
// h_0 = 0, so the first step is act(p_0).
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "layers/recurrent.h"
#include "layers/recurrent_graph.h"
#include "ops/add.h"
#include "ops/relu.h"
#include "ops/tanh.h"

namespace dagrad {

absl::StatusOr<NodeId> SimpleRNN::Build(GraphBuilder* graph,
                                        const std::string& scope,
                                        NodeId input) const {
  if (activation_ != Activation::kTanh && activation_ != Activation::kRelu) {
    ASSIGN_OR_RETURN(Shape in, graph->shape(input));
    return LayerError(scope, type(), in,
                      absl::StrFormat("activation must be tanh or relu, got "
                                      "%s",
                                      ActivationName(activation_)));
  }
  ASSIGN_OR_RETURN(RecurrentGraph rnn,
                   RecurrentGraph::Create(graph, scope, type(), input, units_,
                                          /*gates=*/1, options_,
                                          /*fold_hidden_bias=*/true));
  std::vector<NodeId> states;
  NodeId h;
  for (int64_t t = 0; t < rnn.steps(); ++t) {
    ASSIGN_OR_RETURN(NodeId z, rnn.Projection(t));
    if (t > 0) {
      ASSIGN_OR_RETURN(NodeId r, rnn.Recurrent(h, t));
      ASSIGN_OR_RETURN(z, rnn.Op(AddAttrs{}, {z, r}, t));
    }
    if (activation_ == Activation::kTanh) {
      ASSIGN_OR_RETURN(h, rnn.Op(TanhAttrs{}, {z}, t));
    } else {
      ASSIGN_OR_RETURN(h, rnn.Op(ReluAttrs{}, {z}, t));
    }
    states.push_back(h);
  }
  return rnn.Output(states);
}

}  // namespace dagrad
