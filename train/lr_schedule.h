// train/lr_schedule.h: learning-rate schedules over epochs.
//
// A schedule maps (base learning rate, completed epochs e) to the rate used
// for the next epoch:
//   Constant()                 lr
//   Step(every, gamma)         lr * gamma^floor(e / every)
//   Exponential(gamma)         lr * gamma^e
//   Cosine(total, min_lr)      min_lr + (lr - min_lr) * (1 + cos(pi * e /
//                              total)) / 2 for e < total, min_lr after
// LrSchedule is a small value type; Fit() asks it once per epoch, with the
// model's epoch counter, so a resumed training continues the schedule.
//
// Example:
//   FitOptions fit;
//   fit.lr = 0.1f;
//   fit.schedule = LrSchedule::Step(/*every=*/5, /*gamma=*/0.5f);
#ifndef DAGRAD_TRAIN_LR_SCHEDULE_H_
#define DAGRAD_TRAIN_LR_SCHEDULE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dagrad {

class LrSchedule {
 public:
  enum class Kind { kConstant, kStep, kExponential, kCosine };

  static LrSchedule Constant() { return LrSchedule(Kind::kConstant, 1, 1, 0); }
  static LrSchedule Step(int every, float gamma) {
    return LrSchedule(Kind::kStep, every, gamma, 0);
  }
  static LrSchedule Exponential(float gamma) {
    return LrSchedule(Kind::kExponential, 1, gamma, 0);
  }
  static LrSchedule Cosine(int total_epochs, float min_lr = 0.0f) {
    return LrSchedule(Kind::kCosine, total_epochs, 1, min_lr);
  }

  // Parse() reads "constant", "step:EVERY:GAMMA", "exponential:GAMMA" or
  // "cosine:TOTAL[:MIN_LR]" (the examples' --lr_schedule flag).
  static absl::StatusOr<LrSchedule> Parse(absl::string_view text);

  // Validate() is InvalidArgument for every < 1, total < 1, gamma <= 0 or
  // non-finite, min_lr < 0.
  absl::Status Validate() const;

  // LearningRate() is the rate for the epoch after `epochs_done` epochs.
  float LearningRate(float base_lr, int epochs_done) const;

  Kind kind() const { return kind_; }
  std::string DebugString() const;

 private:
  LrSchedule(Kind kind, int period, float gamma, float min_lr)
      : kind_(kind), period_(period), gamma_(gamma), min_lr_(min_lr) {}

  Kind kind_;
  int period_;  // Step: every; Cosine: total epochs.
  float gamma_;
  float min_lr_;
};

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_LR_SCHEDULE_H_
