// LSTM's step (layers/recurrent.h), gates in PyTorch's order i, f, g, o:
//   z = p_t + h_{t-1} W_hh,  p_t = x_t W_ih + b_ih + b_hh  [N, 4H]
//   i, f, o = sig(z_i), sig(z_f), sig(z_o);  g = tanh(z_g)
//   c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t).
// h_0 = c_0 = 0, so the first step is z = p_0 and c_1 = i * g.
#include <cstdint>
#include <string>
#include <vector>

#include "core/status_macros.h"
#include "layers/recurrent.h"
#include "layers/recurrent_graph.h"
#include "ops/add.h"
#include "ops/mul.h"
#include "ops/sigmoid.h"
#include "ops/tanh.h"

namespace dagrad {
namespace {

enum Gate { kInput = 0, kForget = 1, kCell = 2, kOutput = 3 };

}  // namespace

absl::StatusOr<NodeId> LSTM::Build(GraphBuilder* graph,
                                   const std::string& scope,
                                   NodeId input) const {
  ASSIGN_OR_RETURN(RecurrentGraph rnn,
                   RecurrentGraph::Create(graph, scope, type(), input, units_,
                                          /*gates=*/4, options_,
                                          /*fold_hidden_bias=*/true));
  std::vector<NodeId> states;
  NodeId h, c;
  for (int64_t t = 0; t < rnn.steps(); ++t) {
    ASSIGN_OR_RETURN(NodeId z, rnn.Projection(t));
    if (t > 0) {
      ASSIGN_OR_RETURN(NodeId r, rnn.Recurrent(h, t));
      ASSIGN_OR_RETURN(z, rnn.Op(AddAttrs{}, {z, r}, t));
    }
    NodeId gate[4];
    for (int k : {kInput, kForget, kCell, kOutput}) {
      ASSIGN_OR_RETURN(NodeId zk, rnn.Gates(z, k, 1, t));
      if (k == kCell) {
        ASSIGN_OR_RETURN(gate[k], rnn.Op(TanhAttrs{}, {zk}, t));
      } else {
        ASSIGN_OR_RETURN(gate[k], rnn.Op(SigmoidAttrs{}, {zk}, t));
      }
    }
    ASSIGN_OR_RETURN(NodeId ig,
                     rnn.Op(MulAttrs{}, {gate[kInput], gate[kCell]}, t));
    if (t == 0) {
      c = ig;
    } else {
      ASSIGN_OR_RETURN(NodeId fc, rnn.Op(MulAttrs{}, {gate[kForget], c}, t));
      ASSIGN_OR_RETURN(c, rnn.Op(AddAttrs{}, {fc, ig}, t));
    }
    ASSIGN_OR_RETURN(NodeId tc, rnn.Op(TanhAttrs{}, {c}, t));
    ASSIGN_OR_RETURN(h, rnn.Op(MulAttrs{}, {gate[kOutput], tc}, t));
    states.push_back(h);
  }
  return rnn.Output(states);
}

}  // namespace dagrad
