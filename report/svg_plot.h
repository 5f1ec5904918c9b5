// report/svg_plot.h: training curves as a self-contained SVG file.
//
// Two panels side by side: loss and accuracy per epoch, train (solid) and
// validation (dashed). Our own ~150-line writer: Debian offers no C++
// plotting library worth a dependency for two line charts.
//
// Example:
//   RETURN_IF_ERROR(
//       WriteTrainingCurves("/tmp/lenet5.svg", history, "LeNet-5"));
#ifndef DAGRAD_REPORT_SVG_PLOT_H_
#define DAGRAD_REPORT_SVG_PLOT_H_

#include <string>

#include "absl/status/status.h"
#include "report/history.h"

namespace dagrad {

// RenderTrainingCurves() returns the SVG document for `history`.
std::string RenderTrainingCurves(const History& history,
                                 const std::string& title);

// WriteTrainingCurves() renders and writes it atomically to `path`.
absl::Status WriteTrainingCurves(const std::string& path,
                                 const History& history,
                                 const std::string& title);

}  // namespace dagrad

#endif  // DAGRAD_REPORT_SVG_PLOT_H_
