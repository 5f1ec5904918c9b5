#include "report/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/file_system.h"

namespace dagrad {
namespace {

constexpr double kPanelWidth = 420;
constexpr double kPanelHeight = 300;
constexpr double kMarginLeft = 60;
constexpr double kMarginTop = 40;
constexpr double kMarginBottom = 45;
constexpr double kMarginRight = 20;

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

struct Series {
  std::vector<double> x;
  std::vector<double> y;
  std::string color;
  bool dashed;
  std::string label;
};

// Panel() draws one chart with its axes, ticks, title and legend at x offset
// `left`. The legend goes top right, or bottom right with `legend_bottom`
// (for curves that rise, like accuracy, so it does not cover them).
std::string Panel(double left, const std::string& title,
                  const std::vector<Series>& series, bool legend_bottom) {
  double x_max = 1, y_min = 0, y_max = 0;
  bool first = true;
  for (const Series& s : series) {
    for (size_t i = 0; i < s.x.size(); ++i) {
      x_max = std::max(x_max, s.x[i]);
      if (first || s.y[i] < y_min) y_min = s.y[i];
      if (first || s.y[i] > y_max) y_max = s.y[i];
      first = false;
    }
  }
  if (first) y_max = 1;
  if (y_max - y_min < 1e-6) y_max = y_min + 1e-3, y_min -= 1e-3;
  const double pad = 0.05 * (y_max - y_min);
  y_min -= pad;
  y_max += pad;
  const double plot_w = kPanelWidth - kMarginLeft - kMarginRight;
  const double plot_h = kPanelHeight - kMarginTop - kMarginBottom;
  const double x0 = left + kMarginLeft, y0 = kMarginTop;
  auto px = [&](double x) {
    return x0 + (x_max > 1 ? (x - 1) / (x_max - 1) : 0.5) * plot_w;
  };
  auto py = [&](double y) {
    return y0 + (1 - (y - y_min) / (y_max - y_min)) * plot_h;
  };
  std::string svg;
  absl::StrAppendFormat(&svg,
                        "<text x=\"%.1f\" y=\"24\" font-size=\"15\" "
                        "text-anchor=\"middle\">%s</text>\n",
                        x0 + plot_w / 2, Escape(title));
  absl::StrAppendFormat(&svg,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        "height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>\n",
                        x0, y0, plot_w, plot_h);
  for (int i = 0; i <= 4; ++i) {
    const double y = y_min + (y_max - y_min) * i / 4;
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
        "stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
        "text-anchor=\"end\">%.3g</text>\n",
        x0, py(y), x0 + plot_w, py(y), x0 - 5, py(y) + 4, y);
  }
  const int x_ticks = static_cast<int>(std::min(x_max, 10.0));
  for (int i = 0; i < x_ticks; ++i) {
    const double x =
        x_ticks > 1 ? 1 + std::round((x_max - 1) * i / (x_ticks - 1)) : 1;
    absl::StrAppendFormat(&svg,
                          "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
                          "text-anchor=\"middle\">%g</text>\n",
                          px(x), y0 + plot_h + 16, x);
  }
  absl::StrAppendFormat(&svg,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" "
                        "text-anchor=\"middle\">epoch</text>\n",
                        x0 + plot_w / 2, y0 + plot_h + 36);
  double legend_y = y0 + 14;
  if (legend_bottom) {
    int shown = 0;
    for (const Series& s : series) shown += !s.x.empty();
    legend_y = y0 + plot_h - 12 - 16.0 * (shown > 0 ? shown - 1 : 0);
  }
  for (const Series& s : series) {
    if (s.x.empty()) continue;
    std::string points;
    for (size_t i = 0; i < s.x.size(); ++i) {
      absl::StrAppendFormat(&points, "%s%.1f,%.1f", i ? " " : "", px(s.x[i]),
                            py(s.y[i]));
    }
    const char* dash = s.dashed ? " stroke-dasharray=\"6,4\"" : "";
    absl::StrAppendFormat(&svg,
                          "<polyline points=\"%s\" fill=\"none\" "
                          "stroke=\"%s\" stroke-width=\"2\"%s/>\n",
                          points, s.color, dash);
    for (size_t i = 0; i < s.x.size(); ++i) {
      absl::StrAppendFormat(&svg,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
                            "fill=\"%s\"/>\n",
                            px(s.x[i]), py(s.y[i]), s.color);
    }
    absl::StrAppendFormat(
        &svg,
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
        "stroke-width=\"2\"%s/><text x=\"%.1f\" y=\"%.1f\" "
        "font-size=\"11\">%s</text>\n",
        x0 + plot_w - 110, legend_y, x0 + plot_w - 85, legend_y, s.color, dash,
        x0 + plot_w - 80, legend_y + 4, Escape(s.label));
    legend_y += 16;
  }
  return svg;
}

}  // namespace

std::string RenderTrainingCurves(const History& history,
                                 const std::string& title) {
  Series train_loss{{}, {}, "#1f77b4", false, "train"};
  Series valid_loss{{}, {}, "#d62728", true, "valid"};
  Series train_acc{{}, {}, "#1f77b4", false, "train"};
  Series valid_acc{{}, {}, "#d62728", true, "valid"};
  for (const EpochStats& s : history.epochs) {
    train_loss.x.push_back(s.epoch);
    train_loss.y.push_back(s.train_loss);
    train_acc.x.push_back(s.epoch);
    train_acc.y.push_back(s.train_acc);
    if (s.has_valid) {
      valid_loss.x.push_back(s.epoch);
      valid_loss.y.push_back(s.valid_loss);
      valid_acc.x.push_back(s.epoch);
      valid_acc.y.push_back(s.valid_acc);
    }
  }
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
      "height=\"%.0f\" font-family=\"sans-serif\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
      2 * kPanelWidth, kPanelHeight);
  svg += Panel(0, absl::StrCat(title, ": loss"), {train_loss, valid_loss},
               /*legend_bottom=*/false);
  svg += Panel(kPanelWidth, absl::StrCat(title, ": accuracy"),
               {train_acc, valid_acc}, /*legend_bottom=*/true);
  svg += "</svg>\n";
  return svg;
}

absl::Status WriteTrainingCurves(const std::string& path,
                                 const History& history,
                                 const std::string& title) {
  return WriteFileAtomically(path, RenderTrainingCurves(history, title));
}

}  // namespace dagrad
