// train/callbacks.h: hooks Fit() calls after each recorded epoch.
//
// EarlyStopping stops training when the monitored statistic has not
// improved by min_delta for `patience` recorded epochs. BestCheckpoint saves
// the model whenever the monitored statistic improves, so the file always
// holds the best model so far (written atomically). PeriodicCheckpoint
// saves it every N epochs, so a run that is killed loses at most N epochs
// (Load() and Fit() continue it with the same losses).
//
// Callbacks run after each recorded epoch (FitOptions::stats_interval).
//
// Example:
//   EarlyStopping stop(Monitor::kValidLoss, /*patience=*/3);
//   BestCheckpoint best("/tmp/best.ckpt", Monitor::kValidAcc);
//   PeriodicCheckpoint every("/tmp/last.ckpt", /*every_epochs=*/1);
//   fit.callbacks = {&stop, &best, &every};
#ifndef DAGRAD_TRAIN_CALLBACKS_H_
#define DAGRAD_TRAIN_CALLBACKS_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "report/history.h"

namespace dagrad {

class Trainer;     // train/trainer.h: every model is a Trainer.
class Sequential;  // models/sequential.h, one of them.

enum class CallbackAction { kContinue, kStop };

// A callback overrides one of two hooks; an error from either ends Fit()
// with it.
class Callback {
 public:
  virtual ~Callback() = default;
  // OnModelEpochEnd() is what Fit() calls after each recorded epoch, with
  // the model being trained (any Model or Sequential). The default calls
  // OnEpochEnd() with the model if it is a Sequential, else nullptr.
  virtual absl::StatusOr<CallbackAction> OnModelEpochEnd(
      const EpochStats& stats, Trainer* model);
  // OnEpochEnd() is the hook of callbacks written for Sequential (the
  // model is nullptr for other models). The default continues.
  virtual absl::StatusOr<CallbackAction> OnEpochEnd(const EpochStats& stats,
                                                    Sequential* model);
};

enum class Monitor { kValidLoss, kValidAcc, kTrainLoss, kTrainAcc };

// MonitorValue() reads the monitored statistic; MonitorImproved() says
// whether `value` beats `best` by more than `min_delta` (lower loss, higher
// accuracy).
double MonitorValue(Monitor monitor, const EpochStats& stats);
bool MonitorImproved(Monitor monitor, double value, double best,
                     double min_delta);

class EarlyStopping : public Callback {
 public:
  EarlyStopping(Monitor monitor, int patience, double min_delta = 0.0)
      : monitor_(monitor), patience_(patience), min_delta_(min_delta) {}

  // The model is not read: any model, or nullptr.
  absl::StatusOr<CallbackAction> OnEpochEnd(const EpochStats& stats,
                                            Sequential* model) override;

  int stopped_epoch() const { return stopped_epoch_; }

 private:
  Monitor monitor_;
  int patience_;
  double min_delta_;
  bool has_best_ = false;
  double best_ = 0;
  int waited_ = 0;
  int stopped_epoch_ = 0;
};

class BestCheckpoint : public Callback {
 public:
  BestCheckpoint(std::string path, Monitor monitor)
      : path_(std::move(path)), monitor_(monitor) {}

  absl::StatusOr<CallbackAction> OnModelEpochEnd(const EpochStats& stats,
                                                 Trainer* model) override;

  int best_epoch() const { return best_epoch_; }
  double best_value() const { return best_; }

 private:
  std::string path_;
  Monitor monitor_;
  bool has_best_ = false;
  double best_ = 0;
  int best_epoch_ = 0;
};

// PeriodicCheckpoint saves the model to `path` (Trainer::Save(),
// atomic) at the end of every recorded epoch whose count of completed
// epochs (Trainer::epochs_done()) is a multiple of every_epochs (>= 1).
// A failed save ends Fit() with its error.
class PeriodicCheckpoint : public Callback {
 public:
  PeriodicCheckpoint(std::string path, int every_epochs)
      : path_(std::move(path)), every_epochs_(every_epochs) {}

  absl::StatusOr<CallbackAction> OnModelEpochEnd(const EpochStats& stats,
                                                 Trainer* model) override;

  int saves() const { return saves_; }

 private:
  std::string path_;
  int every_epochs_;
  int saves_ = 0;
};

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_CALLBACKS_H_
