#include "benchmarks/train_workloads.h"

#include <cstring>

#include "models/model_zoo.h"

namespace dagrad {
namespace {

void BuildLeNet5(Sequential* model) { AddLeNet5(model); }
void BuildMlp100(Sequential* model) { AddMlp(model, 100, Activation::kRelu); }
void BuildMlp200(Sequential* model) { AddMlp(model, 200, Activation::kRelu); }

constexpr TrainWorkload kWorkloads[] = {
    {"lenet5", BuildLeNet5, 64, OptimizerKind::kMomentum, 0.01f},
    {"mlp100", BuildMlp100, 100, OptimizerKind::kSgd, 0.1f},
    {"mlp200_rmsprop", BuildMlp200, 64, OptimizerKind::kRmsProp, 0.01f},
};

}  // namespace

FitOptions TrainWorkload::Options(int threads) const {
  FitOptions options;
  options.batch_size = batch;
  options.optimizer = optimizer;
  options.optimizer_options.momentum = 0.9f;
  options.num_threads = threads;
  return options;
}

absl::Span<const TrainWorkload> TrainWorkloads() { return kWorkloads; }

const TrainWorkload* FindTrainWorkload(const char* name) {
  for (const TrainWorkload& w : kWorkloads) {
    if (std::strcmp(w.name, name) == 0) return &w;
  }
  return nullptr;
}

}  // namespace dagrad
