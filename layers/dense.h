// layers/dense.h: a fully connected (affine) layer, y = act(x·W + b).
//
// Input [N, F], output [N, units]. W is [F, units] (so the forward is one
// GEMM without transposes), b is [units]. F comes from the previous layer;
// a rank-4 input needs a Flatten first (the error says so).
//
// Example:
//   model.Add(Dense(200, Activation::kRelu));
//   model.Add(Dense(10, DenseOptions{.activation = Activation::kSoftmax}));
#ifndef DAGRAD_LAYERS_DENSE_H_
#define DAGRAD_LAYERS_DENSE_H_

#include <cstdint>
#include <string>

#include "layers/activation.h"
#include "layers/initializers.h"
#include "layers/layer.h"

namespace dagrad {

struct DenseOptions {
  Activation activation = Activation::kNone;
  Initializer weight_init = Initializer::GlorotUniform();
  Initializer bias_init = Initializer::Zeros();
  bool use_bias = true;
};

class Dense : public Layer {
 public:
  explicit Dense(int64_t units, Activation activation = Activation::kNone);
  Dense(int64_t units, DenseOptions options);

  absl::string_view type() const override { return "Dense"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  int64_t units_;
  DenseOptions options_;
};

// AffineLayer is the Edinburgh framework's name: no activation, explicit
// initializers.
Dense AffineLayer(int64_t output_dim, Initializer weights_init,
                  Initializer biases_init);

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_DENSE_H_
