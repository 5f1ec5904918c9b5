#include "train/lr_schedule.h"

#include <cmath>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace dagrad {
namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

absl::StatusOr<LrSchedule> LrSchedule::Parse(absl::string_view text) {
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  auto bad = [&](const char* what) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "learning-rate schedule '%s': %s (expected constant, step:EVERY:GAMMA, "
        "exponential:GAMMA or cosine:TOTAL[:MIN_LR])",
        text, what));
  };
  int every = 0;
  float gamma = 0, min_lr = 0;
  LrSchedule schedule = Constant();
  if (parts[0] == "constant" && parts.size() == 1) {
    schedule = Constant();
  } else if (parts[0] == "step" && parts.size() == 3) {
    if (!absl::SimpleAtoi(parts[1], &every) ||
        !absl::SimpleAtof(parts[2], &gamma)) {
      return bad("EVERY must be an integer and GAMMA a number");
    }
    schedule = Step(every, gamma);
  } else if (parts[0] == "exponential" && parts.size() == 2) {
    if (!absl::SimpleAtof(parts[1], &gamma))
      return bad("GAMMA must be a number");
    schedule = Exponential(gamma);
  } else if (parts[0] == "cosine" && (parts.size() == 2 || parts.size() == 3)) {
    if (!absl::SimpleAtoi(parts[1], &every) ||
        (parts.size() == 3 && !absl::SimpleAtof(parts[2], &min_lr))) {
      return bad("TOTAL must be an integer and MIN_LR a number");
    }
    schedule = Cosine(every, min_lr);
  } else {
    return bad("unknown form");
  }
  absl::Status valid = schedule.Validate();
  if (!valid.ok()) return bad(std::string(valid.message()).c_str());
  return schedule;
}

absl::Status LrSchedule::Validate() const {
  if (period_ < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: the period must be >= 1 epoch", DebugString()));
  }
  if (!std::isfinite(gamma_) || gamma_ <= 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: gamma must be finite and > 0", DebugString()));
  }
  if (!std::isfinite(min_lr_) || min_lr_ < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: min_lr must be finite and >= 0", DebugString()));
  }
  return absl::OkStatus();
}

float LrSchedule::LearningRate(float base_lr, int epochs_done) const {
  const int e = epochs_done < 0 ? 0 : epochs_done;
  switch (kind_) {
    case Kind::kConstant:
      return base_lr;
    case Kind::kStep:
      return static_cast<float>(
          base_lr * std::pow(static_cast<double>(gamma_), e / period_));
    case Kind::kExponential:
      return static_cast<float>(base_lr *
                                std::pow(static_cast<double>(gamma_), e));
    case Kind::kCosine: {
      if (e >= period_) return min_lr_;
      const double c = 0.5 * (1.0 + std::cos(kPi * e / period_));
      return static_cast<float>(min_lr_ + (base_lr - min_lr_) * c);
    }
  }
  return base_lr;
}

std::string LrSchedule::DebugString() const {
  switch (kind_) {
    case Kind::kConstant:
      return "constant";
    case Kind::kStep:
      return absl::StrFormat("step:%d:%g", period_, gamma_);
    case Kind::kExponential:
      return absl::StrFormat("exponential:%g", gamma_);
    case Kind::kCosine:
      return absl::StrFormat("cosine:%d:%g", period_, min_lr_);
  }
  return "?";
}

}  // namespace dagrad
