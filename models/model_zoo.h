// models/model_zoo.h: the reference models, defined once.
//
// The examples, the training-step benchmarks and the tests build these
// models from here, so that what is benchmarked is what the examples train.
//
// Example:
//   Sequential model(Shape({1, 28, 28}), /*seed=*/0);
//   AddLeNet5(&model);            // 61,684 parameters
#ifndef DAGRAD_MODELS_MODEL_ZOO_H_
#define DAGRAD_MODELS_MODEL_ZOO_H_

#include <cstdint>

#include "layers/activation.h"
#include "models/sequential.h"

namespace dagrad {

// AddLeNet5() adds LeNet-5 as the reference article counts it (61,684
// parameters) to a model of input [1, 28, 28]: conv 6x5x5 same (pad 2, no
// bias) + ReLU, maxpool 2, conv 16x5x5 valid (no bias) + ReLU, maxpool 2,
// flatten, 400->120 ReLU ->84 ReLU ->10 (logits).
void AddLeNet5(Sequential* model);

// AddMlp() adds Flatten, Dense(hidden, activation) and Dense(10) logits:
// slugnet's MNIST MLP with hidden 200 and ReLU.
void AddMlp(Sequential* model, int64_t hidden, Activation activation);

}  // namespace dagrad

#endif  // DAGRAD_MODELS_MODEL_ZOO_H_
