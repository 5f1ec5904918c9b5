// layers/recurrent.h: recurrent layers, SimpleRNN, LSTM and GRU, over a
// sequence of fixed length, unrolled into the static graph.
//
// Input [N, T, F] (T steps of F features; T and F known when the layer is
// built), output the last hidden state h_T [N, H], or with
// return_sequences every state [N, T, H] (h_1 .. h_T). The initial state is
// zero. The graph holds one copy of the step per time step, all reading the
// same parameter nodes: the weights are shared across time, and the reverse
// pass sums their gradient contributions (fan-out accumulation), which is
// back-propagation through time.
//
// Layout and initialization follow PyTorch's nn.RNN / nn.LSTM / nn.GRU
// (one layer, batch_first=True), so a PyTorch model trains the same
// function from the same distribution:
//   W_ih [F, G*H], W_hh [H, G*H]  (PyTorch's weight_ih_l0 / weight_hh_l0
//                                  transposed, so each step is x·W with no
//                                  transpose), b_ih [G*H], b_hh [G*H];
//   every parameter ~ U(-1/sqrt(H), 1/sqrt(H)) unless options.init is set;
//   no forget-gate bias offset (PyTorch's convention; Keras'
//   unit_forget_bias is not applied).
// The G gate blocks of width H are, in column order:
//   SimpleRNN (G=1): h' = act(x W_ih + b_ih + h W_hh + b_hh), act tanh or
//                    ReLU (PyTorch's nonlinearity).
//   LSTM (G=4, i f g o):
//     i = sig(z_i), f = sig(z_f), g = tanh(z_g), o = sig(z_o),
//     z = x W_ih + b_ih + h W_hh + b_hh;
//     c' = f * c + i * g,  h' = o * tanh(c').
//   GRU (G=3, r z n):
//     r = sig(x W_ir + b_ir + h W_hr + b_hr),
//     u = sig(x W_iz + b_iz + h W_hz + b_hz)   (PyTorch's z),
//     n = tanh(x W_in + b_in + r * (h W_hn + b_hn)),
//     h' = (1 - u) * n + u * h                 (computed n + u * (h - n)).
// Each step projects its input with its own MatMul ([N, F] x [F, G*H]),
// not one MatMul over all T steps sliced per step (see
// layers/recurrent_graph.cc: a Slice's VJP is as large as its input).
// SimpleRNN and LSTM fold b_hh into the input projection (b_ih + b_hh is
// summed once, and each step adds it in one BiasAdd); GRU keeps b_hh in the
// step, where r multiplies it.
//
// Errors: Build() returns InvalidArgument naming the layer and the input
// shape for units < 1 or an input that is not [N, T, F] with T, F >= 1
// known (e.g. an image [N,1,28,28]: add Reshape({28, 28}) first).
//
// Example:
//   Sequential model(Shape({1, 28, 28}));
//   model.Add(Reshape({28, 28}));        // 28 steps of 28 features
//   model.Add(LSTM(64));                  // [?,28,28] -> [?,64]
//   model.Add(Dense(10));
//   RecurrentOptions seq;
//   seq.return_sequences = true;
//   GRU gru(32, seq);                     // [?,T,F] -> [?,T,32]
#ifndef DAGRAD_LAYERS_RECURRENT_H_
#define DAGRAD_LAYERS_RECURRENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "layers/activation.h"
#include "layers/initializers.h"
#include "layers/layer.h"

namespace dagrad {

struct RecurrentOptions {
  // return_sequences: output every state [N, T, H], not only the last.
  bool return_sequences = false;
  // use_bias: add b_ih and b_hh (PyTorch's bias=True).
  bool use_bias = true;
  // init fills every parameter; unset is U(-1/sqrt(H), 1/sqrt(H)).
  std::optional<Initializer> init;
};

class SimpleRNN : public Layer {
 public:
  // `activation` is kTanh (the default) or kRelu.
  explicit SimpleRNN(int64_t units, Activation activation = Activation::kTanh,
                     RecurrentOptions options = {})
      : units_(units), activation_(activation), options_(options) {}
  SimpleRNN(int64_t units, RecurrentOptions options)
      : SimpleRNN(units, Activation::kTanh, options) {}

  absl::string_view type() const override { return "SimpleRNN"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  int64_t units_;
  Activation activation_;
  RecurrentOptions options_;
};

class LSTM : public Layer {
 public:
  explicit LSTM(int64_t units, RecurrentOptions options = {})
      : units_(units), options_(options) {}

  absl::string_view type() const override { return "LSTM"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  int64_t units_;
  RecurrentOptions options_;
};

class GRU : public Layer {
 public:
  explicit GRU(int64_t units, RecurrentOptions options = {})
      : units_(units), options_(options) {}

  absl::string_view type() const override { return "GRU"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  int64_t units_;
  RecurrentOptions options_;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_RECURRENT_H_
