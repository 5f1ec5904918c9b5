// report/history.h: per-epoch training statistics and their one-line form.
//
// Fit() prints one line per recorded epoch, in exactly this form (tests and
// tools parse it; the PyTorch reference prints the same):
//   epoch 3/10 train_loss=0.4123 train_acc=0.8512 valid_loss=0.4410
//   valid_acc=0.8431 time_s=1.87
// Without a validation set the valid_* fields are omitted.
#ifndef DAGRAD_REPORT_HISTORY_H_
#define DAGRAD_REPORT_HISTORY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace dagrad {

struct EpochStats {
  int epoch = 0;          // 1-based.
  int num_epochs = 0;     // The Fit() call's total.
  double train_loss = 0;  // Mean over the epoch's examples, as trained.
  double train_acc = 0;
  bool has_valid = false;
  double valid_loss = 0;  // After the epoch, in evaluation mode.
  double valid_acc = 0;
  double time_s = 0;  // Training time of the epoch (not evaluation).
  double learning_rate = 0;
};

// History is what Fit() returns: one entry per recorded epoch.
struct History {
  std::vector<EpochStats> epochs;
  int best_epoch = 0;  // 1-based epoch with the lowest valid (or train) loss.
};

// FormatEpochLine() renders `stats` as the line above (no newline).
std::string FormatEpochLine(const EpochStats& stats);

// ParseEpochLine() reads a line made by FormatEpochLine() back, or returns
// InvalidArgument saying which field is missing or malformed.
absl::StatusOr<EpochStats> ParseEpochLine(absl::string_view line);

// HistoryCsv() renders the stats as CSV with a header line.
std::string HistoryCsv(const History& history);

}  // namespace dagrad

#endif  // DAGRAD_REPORT_HISTORY_H_
