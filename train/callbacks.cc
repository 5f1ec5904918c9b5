#include "train/callbacks.h"

#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "train/trainer.h"

namespace dagrad {

double MonitorValue(Monitor monitor, const EpochStats& stats) {
  switch (monitor) {
    case Monitor::kValidLoss:
      return stats.has_valid ? stats.valid_loss : stats.train_loss;
    case Monitor::kValidAcc:
      return stats.has_valid ? stats.valid_acc : stats.train_acc;
    case Monitor::kTrainLoss:
      return stats.train_loss;
    case Monitor::kTrainAcc:
      return stats.train_acc;
  }
  return 0;
}

bool MonitorImproved(Monitor monitor, double value, double best,
                     double min_delta) {
  const bool higher_is_better =
      monitor == Monitor::kValidAcc || monitor == Monitor::kTrainAcc;
  return higher_is_better ? value > best + min_delta : value < best - min_delta;
}

absl::StatusOr<CallbackAction> Callback::OnModelEpochEnd(
    const EpochStats& stats, Trainer* model) {
  return OnEpochEnd(stats, model->AsSequential());
}

absl::StatusOr<CallbackAction> Callback::OnEpochEnd(const EpochStats&,
                                                    Sequential*) {
  return CallbackAction::kContinue;
}

absl::StatusOr<CallbackAction> EarlyStopping::OnEpochEnd(
    const EpochStats& stats, Sequential*) {
  const double value = MonitorValue(monitor_, stats);
  if (!has_best_ || MonitorImproved(monitor_, value, best_, min_delta_)) {
    has_best_ = true;
    best_ = value;
    waited_ = 0;
    return CallbackAction::kContinue;
  }
  if (++waited_ >= patience_) {
    stopped_epoch_ = stats.epoch;
    return CallbackAction::kStop;
  }
  return CallbackAction::kContinue;
}

absl::StatusOr<CallbackAction> BestCheckpoint::OnModelEpochEnd(
    const EpochStats& stats, Trainer* model) {
  const double value = MonitorValue(monitor_, stats);
  if (!has_best_ || MonitorImproved(monitor_, value, best_, 0.0)) {
    has_best_ = true;
    best_ = value;
    best_epoch_ = stats.epoch;
    RETURN_IF_ERROR(model->Save(path_));
  }
  return CallbackAction::kContinue;
}

absl::StatusOr<CallbackAction> PeriodicCheckpoint::OnModelEpochEnd(
    const EpochStats&, Trainer* model) {
  if (every_epochs_ < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PeriodicCheckpoint: every_epochs must be >= 1, got ", every_epochs_));
  }
  if (model->epochs_done() % every_epochs_ == 0) {
    RETURN_IF_ERROR(model->Save(path_));
    ++saves_;
  }
  return CallbackAction::kContinue;
}

}  // namespace dagrad
