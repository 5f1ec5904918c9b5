// tests/models/two_head_model.h: a small DAG model and data for the Model
// tests: two inputs (a quadrant image and a 4-vector hint), a residual
// convolution with a skip connection, a Concatenate, and two outputs (the
// 4-class quadrant label and a 2-class "left or right" label).
#ifndef DAGRAD_TESTS_MODELS_TWO_HEAD_MODEL_H_
#define DAGRAD_TESTS_MODELS_TWO_HEAD_MODEL_H_

#include <cstdint>
#include <memory>

#include "core/random.h"
#include "data/multi_dataset.h"
#include "layers/activation.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "layers/global_pooling.h"
#include "layers/merge.h"
#include "models/model.h"
#include "tests/train/synthetic_data.h"

namespace dagrad {

// TwoHeadModel() is image [1,8,8] -> conv 4 (relu) -> conv 4, + skip ->
// relu -> global average pool [4]; hint [4] -> dense 4; concatenate [8] ->
// "quadrant" (Dense 4) and "side" (Dense 2).
inline std::unique_ptr<Model> TwoHeadModel(uint64_t seed) {
  SymbolicTensor image = Input(Shape({1, 8, 8}), "image");
  SymbolicTensor hint = Input(Shape({4}), "hint");
  Conv2DOptions same;
  same.SetPadding(1);
  same.activation = Activation::kRelu;
  SymbolicTensor c = Apply(Conv2D(4, 3, same), image);
  same.activation = Activation::kNone;
  SymbolicTensor h = Apply(Conv2D(4, 3, same), c);
  h = Apply(Add(), {h, c});
  h = Apply(ActivationLayer(Activation::kRelu), h);
  h = Apply(GlobalAveragePooling2D(), h);
  SymbolicTensor g = Apply(Dense(4, Activation::kTanh), hint);
  SymbolicTensor both = Apply(Concatenate(1), {h, g});
  SymbolicTensor quadrant = Apply(Dense(4), both, "quadrant");
  SymbolicTensor side = Apply(Dense(2), both, "side");
  return std::make_unique<Model>(std::vector<SymbolicTensor>{image, hint},
                                 std::vector<SymbolicTensor>{quadrant, side},
                                 seed);
}

// TwoHeadData() is `n` quadrant images (tests/train/synthetic_data.h) with
// a noisy one-hot hint of the quadrant, labelled by quadrant and by side
// (quadrant % 2).
inline MultiDataset TwoHeadData(int64_t n, uint64_t seed) {
  Dataset quadrants = QuadrantData(n, 8, seed);
  MultiDataset data = *ToMultiDataset(quadrants);
  Tensor hint = Tensor::Zeros(Shape({n, 4}));
  Tensor side = Tensor::Zeros(Shape({n}));
  Rng rng(seed + 1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = static_cast<int64_t>(quadrants.labels.data()[i]);
    for (int64_t k = 0; k < 4; ++k) {
      hint.data()[i * 4 + k] =
          (k == label ? 0.5f : 0.0f) + 0.5f * (rng.Uniform() - 0.5f);
    }
    side.data()[i] = static_cast<float>(label % 2);
  }
  data.inputs.push_back(std::move(hint));
  data.labels.push_back(std::move(side));
  data.num_classes.push_back(2);
  return data;
}

}  // namespace dagrad

#endif  // DAGRAD_TESTS_MODELS_TWO_HEAD_MODEL_H_
