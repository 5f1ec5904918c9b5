// layers/initializers.h: how a layer fills its parameters before training.
//
// An Initializer is a small value type (kind + numbers) that fills a tensor
// from a seeded Rng. The graph's ParameterStore hands each parameter its own
// Rng derived from the model seed and the parameter name, so a model is
// initialized identically on every run with the same seed.
//
// Fan-in and fan-out follow Keras and PyTorch: for a Dense weight [in, out]
// they are in and out; for a convolution kernel [C_out, C_in/groups, KH, KW]
// they are C_in/groups*KH*KW and C_out*KH*KW; a vector [n] has fan-in and
// fan-out n.
//
//   GlorotUniform   U(-a, a), a = sqrt(6 / (fan_in + fan_out))  (the default)
//   HeNormal        N(0, 2 / fan_in)
//   Uniform(lo, hi) U(lo, hi)  (the Edinburgh framework's UniformInit)
//   Normal(m, s)    N(m, s^2)
//   Zeros, Constant(v)
//
// Example:
//   DenseOptions options;
//   options.weight_init = Initializer::Uniform(-0.1f, 0.1f);
//   options.bias_init = Initializer::Zeros();
#ifndef DAGRAD_LAYERS_INITIALIZERS_H_
#define DAGRAD_LAYERS_INITIALIZERS_H_

#include <string>

#include "absl/status/status.h"
#include "core/random.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace dagrad {

class Initializer {
 public:
  enum class Kind { kGlorotUniform, kHeNormal, kUniform, kNormal, kConstant };

  static Initializer GlorotUniform() {
    return Initializer(Kind::kGlorotUniform, 0, 0);
  }
  static Initializer HeNormal() { return Initializer(Kind::kHeNormal, 0, 0); }
  static Initializer Uniform(float lo, float hi) {
    return Initializer(Kind::kUniform, lo, hi);
  }
  static Initializer Normal(float mean, float stddev) {
    return Initializer(Kind::kNormal, mean, stddev);
  }
  static Initializer Zeros() { return Initializer(Kind::kConstant, 0, 0); }
  static Initializer Constant(float value) {
    return Initializer(Kind::kConstant, value, 0);
  }

  Kind kind() const { return kind_; }

  // Fill() overwrites every element of *value, drawing from *rng in element
  // order. InvalidArgument (naming the initializer and the shape) for
  // Uniform with lo > hi or non-finite bounds, Normal with stddev < 0, and
  // Glorot/He on an empty or rank-0 tensor; *value is unchanged then.
  absl::Status Fill(Tensor* value, Rng* rng) const;

  // DebugString() is e.g. "Uniform(-0.1, 0.1)".
  std::string DebugString() const;

 private:
  Initializer(Kind kind, float a, float b) : kind_(kind), a_(a), b_(b) {}

  Kind kind_;
  float a_;
  float b_;
};

// FanIn() / FanOut() of a parameter shape, as described above.
int64_t FanIn(const Shape& shape);
int64_t FanOut(const Shape& shape);

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_INITIALIZERS_H_
