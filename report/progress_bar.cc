#include "report/progress_bar.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_format.h"

namespace dagrad {

ProgressBar::ProgressBar(std::FILE* out, int64_t total)
    : out_(out),
      total_(total),
      enabled_(out != nullptr && isatty(fileno(out)) == 1),
      start_(Clock::now()),
      last_draw_(start_ - std::chrono::seconds(1)) {}

std::string ProgressBar::Render(int64_t done, int64_t total, double elapsed_s,
                                double running_loss) {
  constexpr int kWidth = 30;
  const double fraction =
      total > 0 ? std::min(1.0, static_cast<double>(done) / total) : 1.0;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(filled, '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  const double eta = done > 0 ? elapsed_s * (total - done) / done : 0.0;
  return absl::StrFormat("%d/%d [%s] eta %.1fs loss %.4f", done, total, bar,
                         eta, running_loss);
}

void ProgressBar::Update(int64_t done, double running_loss) {
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  if (done < total_ && now - last_draw_ < std::chrono::milliseconds(100)) {
    return;
  }
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::fprintf(out_, "\r%s\033[K",
               Render(done, total_, elapsed, running_loss).c_str());
  std::fflush(out_);
}

void ProgressBar::Finish() {
  if (!enabled_) return;
  std::fprintf(out_, "\r\033[K");
  std::fflush(out_);
}

}  // namespace dagrad
