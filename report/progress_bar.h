// report/progress_bar.h: a one-line progress bar with ETA and running loss.
//
// It draws on `out` only when `out` is a terminal (isatty), redrawing at
// most every 100 ms, so logs and pipes never see it.
//
// Example:
//   ProgressBar bar(stderr, num_batches);
//   for (int64_t i = 0; i < num_batches; ++i) { ...; bar.Update(i + 1, loss); }
//   bar.Finish();
#ifndef DAGRAD_REPORT_PROGRESS_BAR_H_
#define DAGRAD_REPORT_PROGRESS_BAR_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace dagrad {

class ProgressBar {
 public:
  // ProgressBar() draws on `out` if it is a TTY; `out` must outlive it.
  ProgressBar(std::FILE* out, int64_t total);
  // Update() records `done` of `total` steps and the running loss.
  void Update(int64_t done, double running_loss);
  // Finish() clears the bar's line.
  void Finish();

  bool enabled() const { return enabled_; }

  // Render() is the bar's text for `done`/`total` after `elapsed_s` seconds.
  static std::string Render(int64_t done, int64_t total, double elapsed_s,
                            double running_loss);

 private:
  using Clock = std::chrono::steady_clock;
  std::FILE* out_;
  int64_t total_;
  bool enabled_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
};

}  // namespace dagrad

#endif  // DAGRAD_REPORT_PROGRESS_BAR_H_
