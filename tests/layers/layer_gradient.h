// tests/layers/layer_gradient.h: checks a whole layer's gradients (every
// trainable parameter and the input) against central differences, with
// tests/testing/graph_gradient_checker.h.
//
// The layer is built on an input x that is itself a parameter named "x"
// (so dL/dx is checked the same way as the weights), or, for integer ids,
// on a fed input that gets no gradient. The scalar loss projects the output
// on a fixed random direction, L = sum(y * R), so dL/dy = R.
//
// Example:
//   LayerGradientCase c;
//   c.input = RandomTensor(Shape({2, 3, 4}), /*seed=*/1);
//   EXPECT_NO_FATAL_FAILURE(CheckLayerGradients(LSTM(5), c));
#ifndef DAGRAD_TESTS_LAYERS_LAYER_GRADIENT_H_
#define DAGRAD_TESTS_LAYERS_LAYER_GRADIENT_H_

#include <cstdint>

#include "core/tensor.h"
#include "layers/layer.h"
#include "tests/testing/gradient_checker.h"

namespace dagrad {

struct LayerGradientCase {
  // input is the layer's input value, batch included.
  Tensor input;
  // input_is_ids: feed `input` as a non-differentiable input (Embedding's
  // ids) instead of making it the parameter "x".
  bool input_is_ids = false;
  // seed initializes the layer's parameters and the direction R.
  uint64_t seed = 1;
  GradientCheckOptions options;
};

// CheckLayerGradients() builds `layer` under scope "layer", checks each
// trainable parameter's gradient (gtest failures name it) and requires each
// to be non-vacuous (max |numeric| > 10 * atol).
void CheckLayerGradients(const Layer& layer, const LayerGradientCase& c);

}  // namespace dagrad

#endif  // DAGRAD_TESTS_LAYERS_LAYER_GRADIENT_H_
