#include "report/history.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace dagrad {

std::string FormatEpochLine(const EpochStats& s) {
  std::string line =
      absl::StrFormat("epoch %d/%d train_loss=%.4f train_acc=%.4f", s.epoch,
                      s.num_epochs, s.train_loss, s.train_acc);
  if (s.has_valid) {
    absl::StrAppendFormat(&line, " valid_loss=%.4f valid_acc=%.4f",
                          s.valid_loss, s.valid_acc);
  }
  absl::StrAppendFormat(&line, " time_s=%.2f", s.time_s);
  return line;
}

absl::StatusOr<EpochStats> ParseEpochLine(absl::string_view line) {
  std::vector<absl::string_view> fields =
      absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (fields.size() < 2 || fields[0] != "epoch") {
    return absl::InvalidArgumentError(
        absl::StrCat("not an epoch line: '", line, "'"));
  }
  EpochStats s;
  std::vector<absl::string_view> counts = absl::StrSplit(fields[1], '/');
  if (counts.size() != 2 || !absl::SimpleAtoi(counts[0], &s.epoch) ||
      !absl::SimpleAtoi(counts[1], &s.num_epochs)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad epoch count '", fields[1], "' in '", line, "'"));
  }
  bool seen_train_loss = false, seen_train_acc = false, seen_time = false;
  bool seen_valid_loss = false, seen_valid_acc = false;
  for (size_t i = 2; i < fields.size(); ++i) {
    std::vector<absl::string_view> kv = absl::StrSplit(fields[i], '=');
    double value = 0;
    if (kv.size() != 2 || !absl::SimpleAtod(kv[1], &value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad field '", fields[i], "' in '", line, "'"));
    }
    if (kv[0] == "train_loss") {
      s.train_loss = value, seen_train_loss = true;
    } else if (kv[0] == "train_acc") {
      s.train_acc = value, seen_train_acc = true;
    } else if (kv[0] == "valid_loss") {
      s.valid_loss = value, seen_valid_loss = true;
    } else if (kv[0] == "valid_acc") {
      s.valid_acc = value, seen_valid_acc = true;
    } else if (kv[0] == "time_s") {
      s.time_s = value, seen_time = true;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown field '", kv[0], "' in '", line, "'"));
    }
  }
  if (!seen_train_loss || !seen_train_acc || !seen_time ||
      seen_valid_loss != seen_valid_acc) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing fields in '", line, "'"));
  }
  s.has_valid = seen_valid_loss;
  return s;
}

std::string HistoryCsv(const History& history) {
  std::string csv =
      "epoch,train_loss,train_acc,valid_loss,valid_acc,time_s,learning_rate\n";
  for (const EpochStats& s : history.epochs) {
    absl::StrAppendFormat(&csv, "%d,%.6f,%.6f,", s.epoch, s.train_loss,
                          s.train_acc);
    if (s.has_valid) {
      absl::StrAppendFormat(&csv, "%.6f,%.6f,", s.valid_loss, s.valid_acc);
    } else {
      csv += ",,";
    }
    absl::StrAppendFormat(&csv, "%.3f,%.6g\n", s.time_s, s.learning_rate);
  }
  return csv;
}

}  // namespace dagrad
