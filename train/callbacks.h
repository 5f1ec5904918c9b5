// train/callbacks.h: hooks Fit() calls after each recorded epoch.
//
// EarlyStopping stops training when the monitored statistic has not
// improved by min_delta for `patience` recorded epochs. BestCheckpoint saves
// the model whenever the monitored statistic improves, so the file always
// holds the best model so far (written atomically).
//
// Example:
//   EarlyStopping stop(Monitor::kValidLoss, /*patience=*/3);
//   BestCheckpoint best("/tmp/best.ckpt", Monitor::kValidAcc);
//   fit.callbacks = {&stop, &best};
#ifndef DAGRAD_TRAIN_CALLBACKS_H_
#define DAGRAD_TRAIN_CALLBACKS_H_

#include <string>

#include "absl/status/statusor.h"
#include "report/history.h"

namespace dagrad {

class Sequential;

enum class CallbackAction { kContinue, kStop };

class Callback {
 public:
  virtual ~Callback() = default;
  // OnEpochEnd() sees the epoch's stats; an error ends Fit() with it.
  virtual absl::StatusOr<CallbackAction> OnEpochEnd(const EpochStats& stats,
                                                    Sequential* model) = 0;
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

  absl::StatusOr<CallbackAction> OnEpochEnd(const EpochStats& stats,
                                            Sequential* model) override;

  int best_epoch() const { return best_epoch_; }
  double best_value() const { return best_; }

 private:
  std::string path_;
  Monitor monitor_;
  bool has_best_ = false;
  double best_ = 0;
  int best_epoch_ = 0;
};

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_CALLBACKS_H_
