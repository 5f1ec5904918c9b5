// tests/train/synthetic_data.h: small separable classification data sets.
#ifndef DAGRAD_TESTS_TRAIN_SYNTHETIC_DATA_H_
#define DAGRAD_TESTS_TRAIN_SYNTHETIC_DATA_H_

#include <cstdint>

#include "core/random.h"
#include "data/dataset.h"

namespace dagrad {

// QuadrantData() makes `n` images [1, size, size] of 4 classes: class k has
// its k-th quadrant bright (0.8) and the rest dark (0.1), plus uniform noise
// of +-0.1; any of our models separates them perfectly.
inline Dataset QuadrantData(int64_t n, int64_t size, uint64_t seed) {
  Dataset data;
  data.images = Tensor::Zeros(Shape({n, 1, size, size}));
  data.labels = Tensor::Zeros(Shape({n}));
  data.num_classes = 4;
  Rng rng(seed);
  const int64_t half = size / 2;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = static_cast<int64_t>(rng.UniformInt(4));
    data.labels.data()[i] = static_cast<float>(label);
    float* image = data.images.data() + i * size * size;
    for (int64_t y = 0; y < size; ++y) {
      for (int64_t x = 0; x < size; ++x) {
        const int64_t quadrant = (y >= half ? 2 : 0) + (x >= half ? 1 : 0);
        const float base = quadrant == label ? 0.8f : 0.1f;
        image[y * size + x] = base + 0.2f * (rng.Uniform() - 0.5f);
      }
    }
  }
  return data;
}

}  // namespace dagrad

#endif  // DAGRAD_TESTS_TRAIN_SYNTHETIC_DATA_H_
