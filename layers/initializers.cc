#include "layers/initializers.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace dagrad {

int64_t FanIn(const Shape& shape) {
  if (shape.rank() == 0) return 1;
  if (shape.rank() == 1) return shape.dim(0);
  if (shape.rank() == 2) return shape.dim(0);
  // [C_out, C_in/groups, KH, KW, ...]: everything but the output channels.
  return shape.num_elements() / shape.dim(0);
}

int64_t FanOut(const Shape& shape) {
  if (shape.rank() == 0) return 1;
  if (shape.rank() == 1) return shape.dim(0);
  if (shape.rank() == 2) return shape.dim(1);
  // C_out times the receptive field.
  return shape.num_elements() / shape.dim(1);
}

std::string Initializer::DebugString() const {
  switch (kind_) {
    case Kind::kGlorotUniform:
      return "GlorotUniform";
    case Kind::kHeNormal:
      return "HeNormal";
    case Kind::kUniform:
      return absl::StrFormat("Uniform(%g, %g)", a_, b_);
    case Kind::kNormal:
      return absl::StrFormat("Normal(%g, %g)", a_, b_);
    case Kind::kConstant:
      return absl::StrFormat("Constant(%g)", a_);
  }
  return "?";
}

absl::Status Initializer::Fill(Tensor* value, Rng* rng) const {
  const Shape& shape = value->shape();
  auto error = [&](const char* what) {
    return absl::InvalidArgumentError(
        absl::StrFormat("initializer %s for a parameter of shape %s: %s",
                        DebugString(), shape.DebugString(), what));
  };
  float* data = value->data();
  const int64_t n = value->size();
  switch (kind_) {
    case Kind::kGlorotUniform: {
      if (shape.rank() == 0 || n == 0) return error("needs a non-empty tensor");
      const double limit =
          std::sqrt(6.0 / static_cast<double>(FanIn(shape) + FanOut(shape)));
      for (int64_t i = 0; i < n; ++i) {
        data[i] =
            rng->Uniform(-static_cast<float>(limit), static_cast<float>(limit));
      }
      return absl::OkStatus();
    }
    case Kind::kHeNormal: {
      if (shape.rank() == 0 || n == 0) return error("needs a non-empty tensor");
      const float stddev = static_cast<float>(
          std::sqrt(2.0 / static_cast<double>(FanIn(shape))));
      for (int64_t i = 0; i < n; ++i) data[i] = rng->Normal(0.0f, stddev);
      return absl::OkStatus();
    }
    case Kind::kUniform:
      if (!std::isfinite(a_) || !std::isfinite(b_) || a_ > b_) {
        return error("needs finite bounds with lo <= hi");
      }
      for (int64_t i = 0; i < n; ++i) data[i] = rng->Uniform(a_, b_);
      return absl::OkStatus();
    case Kind::kNormal:
      if (!std::isfinite(a_) || !std::isfinite(b_) || b_ < 0) {
        return error("needs a finite mean and a finite stddev >= 0");
      }
      for (int64_t i = 0; i < n; ++i) data[i] = rng->Normal(a_, b_);
      return absl::OkStatus();
    case Kind::kConstant:
      for (int64_t i = 0; i < n; ++i) data[i] = a_;
      return absl::OkStatus();
  }
  return absl::InternalError("unknown initializer kind");
}

}  // namespace dagrad
