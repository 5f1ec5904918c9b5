// benchmarks/remat_bench.cc: the training step under a memory budget
// (rematerialization, graph/passes/rematerialize.h):
//   BM_RematStep/<model>/budget_pct:P/threads:1
// runs one training step with FitOptions::memory_budget_bytes set to P% of
// the model's unbudgeted plan (100: no rematerialization). Counters:
// arena_bytes (planned), extra_mflop (recomputed per step). A budget below
// the smallest feasible one is skipped with the planner's error, which
// states it. Models (random images, benchmarks/bench_util.h):
//   lenet5_b256  LeNet-5 (models/model_zoo.h), batch 256, SGD
//   mlp10x256_b1024  Flatten, 10 x Dense(256, ReLU), Dense(10), batch 1024
//
//   bazel run -c opt //benchmarks:remat
// With --remat_svg=PATH it instead times each (model, budget) itself
// (median of --remat_steps steps after a warm-up, one thread) and writes
// planned arena bytes against step time as an SVG line chart to PATH, plus
// a table on stdout (docs/rematerialization.svg is made so).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "core/tensor.h"
#include "io/file_system.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "models/model_zoo.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

struct RematModel {
  const char* name;
  int64_t batch;
  std::function<void(Sequential*)> build;
};

const std::vector<RematModel>& Models() {
  static const std::vector<RematModel> models = {
      {"lenet5_b256", 256, [](Sequential* m) { AddLeNet5(m); }},
      {"mlp10x256_b1024", 1024,
       [](Sequential* m) {
         m->Add(Flatten());
         for (int i = 0; i < 10; ++i) m->Add(Dense(256, Activation::kRelu));
         m->Add(Dense(10));
       }},
  };
  return models;
}

constexpr int kBudgets[] = {100, 90, 80, 75, 70, 65, 62, 50, 40};

// Trainer is one model ready to step at P% of its unbudgeted plan.
struct Trainer {
  Trainer(const RematModel& m, int percent)
      : model(Shape({1, 28, 28}), /*seed=*/0), data(m.batch) {
    m.build(&model);
    fit.lr = 0.01f;
    status = model.Compile(fit.loss);
    if (!status.ok()) return;
    absl::StatusOr<Executor*> full =
        model.GetExecutor(ExecutorMode::kTrain, m.batch, 1);
    if (!full.ok()) {
      status = full.status();
      return;
    }
    unbudgeted = (*full)->plan().peak_bytes;
    if (percent < 100) fit.memory_budget_bytes = unbudgeted * percent / 100;
    absl::StatusOr<Executor*> e = model.GetExecutor(
        ExecutorMode::kTrain, m.batch, 1, fit.memory_budget_bytes);
    if (!e.ok()) {
      status = e.status();
      return;
    }
    arena = (*e)->plan().peak_bytes;
    extra_flops = (*e)->rematerialization().extra_flops;
    status = Step();  // Warm-up.
  }
  absl::Status Step() {
    return model.TrainStep(data.images, data.labels, fit, fit.lr).status();
  }

  Sequential model;
  RandomBatch data;
  FitOptions fit;
  absl::Status status;
  int64_t unbudgeted = 0, arena = 0, extra_flops = 0;
};

void BM_RematStep(benchmark::State& state, const RematModel& m, int percent) {
  Trainer t(m, percent);
  if (!t.status.ok()) {
    state.SkipWithError(std::string(t.status.message()).c_str());
    return;
  }
  for (auto _ : state) {
    absl::Status s = t.Step();
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * m.batch);
  state.counters["arena_bytes"] = static_cast<double>(t.arena);
  state.counters["extra_mflop"] = t.extra_flops / 1e6;
}

const bool kRegistered = [] {
  for (const RematModel& m : Models()) {
    for (int p : kBudgets) {
      benchmark::RegisterBenchmark(
          absl::StrCat("BM_RematStep/", m.name, "/budget_pct:", p, "/threads:1")
              .c_str(),
          [&m, p](benchmark::State& state) { BM_RematStep(state, m, p); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  return true;
}();

// Point: one measured (model, budget).
struct Point {
  std::string model;
  int percent;
  int64_t arena;
  int64_t extra_flops;
  double ms;
};

double MedianStepMs(Trainer* t, int steps) {
  std::vector<double> ms;
  for (int i = 0; i < steps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (!t->Step().ok()) return -1;
    ms.push_back(std::chrono::duration<double, std::milli>(
                     std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// RenderSvg() draws one line per model: planned MB (x) against median
// step ms (y), each point labelled with its budget.
std::string RenderSvg(const std::vector<Point>& points) {
  const double w = 820, h = 300, left = 60, top = 40, pw = 280, ph = 200;
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
      "height=\"%.0f\" font-family=\"sans-serif\" font-size=\"11\">\n"
      "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
      w, h);
  int panel = 0;
  for (const RematModel& m : Models()) {
    std::vector<Point> mine;
    for (const Point& p : points) {
      if (p.model == m.name) mine.push_back(p);
    }
    if (mine.empty()) continue;
    double x_max = 0, y_max = 0;
    for (const Point& p : mine) {
      x_max = std::max(x_max, p.arena / 1e6);
      y_max = std::max(y_max, p.ms);
    }
    x_max *= 1.1;
    y_max *= 1.25;
    const double x0 = left + panel * (pw + 80);
    auto X = [&](double mb) { return x0 + pw * mb / x_max; };
    auto Y = [&](double ms) { return top + ph - ph * ms / y_max; };
    absl::StrAppendFormat(
        &svg,
        "<text x=\"%.1f\" y=\"20\" font-size=\"13\">%s: planned arena vs "
        "step time</text>\n"
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
        "stroke=\"black\"/>\n"
        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
        "stroke=\"black\"/>\n"
        "<text x=\"%.1f\" y=\"%.1f\">planned arena (MB)</text>\n"
        "<text x=\"%.1f\" y=\"%.1f\">0</text><text x=\"%.1f\" y=\"%.1f\">"
        "%.1f</text>\n"
        "<text x=\"%.1f\" y=\"%.1f\">%.1f ms</text>\n",
        x0, m.name, x0, top + ph, x0 + pw, top + ph, x0, top, x0, top + ph,
        x0 + pw / 2 - 50, top + ph + 30, x0, top + ph + 14, x0 + pw - 20,
        top + ph + 14, x_max, x0 - 55, top + 4, y_max);
    std::string path;
    for (const Point& p : mine) {
      absl::StrAppendFormat(&path, "%s%.1f,%.1f ", path.empty() ? "" : "",
                            X(p.arena / 1e6), Y(p.ms));
      absl::StrAppendFormat(
          &svg,
          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"steelblue\"/>"
          "<text x=\"%.1f\" y=\"%.1f\">%d%% %.1f ms</text>\n",
          X(p.arena / 1e6), Y(p.ms), X(p.arena / 1e6) + 4, Y(p.ms) - 6,
          p.percent, p.ms);
    }
    absl::StrAppendFormat(&svg,
                          "<polyline points=\"%s\" fill=\"none\" "
                          "stroke=\"steelblue\"/>\n",
                          path);
    ++panel;
  }
  svg += "</svg>\n";
  return svg;
}

// WriteCurve() is --remat_svg: measure every feasible (model, budget).
int WriteCurve(const std::string& path, int steps) {
  std::vector<Point> points;
  std::printf("%-18s %7s %12s %12s %10s\n", "model", "budget", "arena_B",
              "extra_MFLOP", "step_ms");
  for (const RematModel& m : Models()) {
    for (int p : kBudgets) {
      Trainer t(m, p);
      if (!t.status.ok()) {
        std::printf("%-18s %6d%% infeasible: %s\n", m.name, p,
                    std::string(t.status.message()).c_str());
        continue;
      }
      const double ms = MedianStepMs(&t, steps);
      points.push_back({m.name, p, t.arena, t.extra_flops, ms});
      std::printf("%-18s %6d%% %12lld %12.1f %10.2f\n", m.name, p,
                  static_cast<long long>(t.arena), t.extra_flops / 1e6, ms);
    }
  }
  absl::Status s = WriteFileAtomically(path, RenderSvg(points));
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("wrote %s\n", path.c_str());
  return 0;
}

}  // namespace
}  // namespace dagrad

int main(int argc, char** argv) {
  const char kSvg[] = "--remat_svg=";
  const char kSteps[] = "--remat_steps=";
  std::string svg;
  int steps = 15;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], kSvg, sizeof(kSvg) - 1) == 0) {
      svg = argv[i] + sizeof(kSvg) - 1;
    } else if (std::strncmp(argv[i], kSteps, sizeof(kSteps) - 1) == 0) {
      steps = std::max(1, std::atoi(argv[i] + sizeof(kSteps) - 1));
    }
  }
  if (!svg.empty()) return dagrad::WriteCurve(svg, steps);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
