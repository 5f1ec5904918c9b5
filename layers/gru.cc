// GRU's step (layers/recurrent.h), gates in PyTorch's order r, z, n (z is
// called u here, the update gate):
//   p_t = x_t W_ih + b_ih [N, 3H],  q = h_{t-1} W_hh + b_hh [N, 3H]
//   r, u = sig(p_r + q_r), sig(p_z + q_z)  (one Sigmoid over 2H columns)
//   n = tanh(p_n + r * q_n),  h_t = n + u * (h_{t-1} - n).
// h_0 = 0, so the first step has q = b_hh and h_1 = n - u * n.
#include <cstdint>
#include <string>
#include <vector>

#include "core/status_macros.h"
#include "layers/recurrent.h"
#include "layers/recurrent_graph.h"
#include "ops/add.h"
#include "ops/mul.h"
#include "ops/sigmoid.h"
#include "ops/sub.h"
#include "ops/tanh.h"

namespace dagrad {

absl::StatusOr<NodeId> GRU::Build(GraphBuilder* graph, const std::string& scope,
                                  NodeId input) const {
  ASSIGN_OR_RETURN(RecurrentGraph rnn,
                   RecurrentGraph::Create(graph, scope, type(), input, units_,
                                          /*gates=*/3, options_,
                                          /*fold_hidden_bias=*/false));
  std::vector<NodeId> states;
  NodeId h;
  for (int64_t t = 0; t < rnn.steps(); ++t) {
    // q_rz, q_n: the recurrent terms (just b_hh at the first step, or
    // nothing without biases).
    NodeId q_rz, q_n;
    if (t > 0) {
      ASSIGN_OR_RETURN(NodeId q, rnn.Recurrent(h, t));
      ASSIGN_OR_RETURN(q_rz, rnn.Gates(q, 0, 2, t));
      ASSIGN_OR_RETURN(q_n, rnn.Gates(q, 2, 1, t));
    } else {
      ASSIGN_OR_RETURN(q_rz, rnn.HiddenBias(0, 2));
      ASSIGN_OR_RETURN(q_n, rnn.HiddenBias(2, 1));
    }
    ASSIGN_OR_RETURN(NodeId p, rnn.Projection(t));
    ASSIGN_OR_RETURN(NodeId rz, rnn.Gates(p, 0, 2, t));
    if (q_rz.valid()) {
      ASSIGN_OR_RETURN(rz, rnn.Op(AddAttrs{}, {rz, q_rz}, t));
    }
    ASSIGN_OR_RETURN(rz, rnn.Op(SigmoidAttrs{}, {rz}, t));
    ASSIGN_OR_RETURN(NodeId r, rnn.Gates(rz, 0, 1, t));
    ASSIGN_OR_RETURN(NodeId u, rnn.Gates(rz, 1, 1, t));
    ASSIGN_OR_RETURN(NodeId n, rnn.Gates(p, 2, 1, t));
    if (q_n.valid()) {
      ASSIGN_OR_RETURN(NodeId rq, rnn.Op(MulAttrs{}, {r, q_n}, t));
      ASSIGN_OR_RETURN(n, rnn.Op(AddAttrs{}, {n, rq}, t));
    }
    ASSIGN_OR_RETURN(n, rnn.Op(TanhAttrs{}, {n}, t));
    if (t == 0) {  // h_1 = n - u * n.
      ASSIGN_OR_RETURN(NodeId un, rnn.Op(MulAttrs{}, {u, n}, t));
      ASSIGN_OR_RETURN(h, rnn.Op(SubAttrs{}, {n, un}, t));
    } else {  // h_t = n + u * (h_{t-1} - n).
      ASSIGN_OR_RETURN(NodeId d, rnn.Op(SubAttrs{}, {h, n}, t));
      ASSIGN_OR_RETURN(NodeId ud, rnn.Op(MulAttrs{}, {u, d}, t));
      ASSIGN_OR_RETURN(h, rnn.Op(AddAttrs{}, {n, ud}, t));
    }
    states.push_back(h);
  }
  return rnn.Output(states);
}

}  // namespace dagrad
