// tests/train/data_parallel_fit_worker.cc: one rank of a data-parallel
// training job (or the whole of it, run without mpirun), for
// tests/train/data_parallel_fit_test.cc. A small MLP on synthetic data:
//   steps [S [O]]  TrainStep() on 6 global batches of 16, then Fit() for
//              2 epochs and Evaluate(), with FitOptions::reduction_shards
//              S (default 0, the default) and overlap_gradient_sync O (0
//              or 1, default 1); rank 0 prints every loss as
//              "step I loss %a" (and "fit ...", "eval ..."), hex floats so
//              the test can compare bits and relative errors.
//   bad_batch  Fit() with a global batch of 30; prints the error.
// Exits 0 when every call succeeded (bad_batch: when it failed as it must).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "core/tensor.h"
#include "dist/communicator.h"
#include "layers/dense.h"
#include "layers/flatten.h"
#include "tests/train/synthetic_data.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

void Build(Sequential* model) {
  model->Add(Flatten());
  model->Add(Dense(16, Activation::kTanh));
  model->Add(Dense(4, Activation::kSoftmax));
}

// Rows [begin, begin + count) of `t` [N, ...], copied.
Tensor Rows(const Tensor& t, int64_t begin, int64_t count) {
  Shape shape = t.shape();
  const int64_t per_row = t.size() / shape.dim(0);
  shape.set_dim(0, count);
  Tensor out = Tensor::Zeros(shape);
  std::memcpy(out.data(), t.data() + begin * per_row,
              sizeof(float) * count * per_row);
  return out;
}

int Steps(Communicator* comm, int shards, bool overlap) {
  const bool speaker = comm->rank() == 0;
  Sequential model(Shape({1, 8, 8}), /*seed=*/3);
  Build(&model);
  const Dataset data = QuadrantData(100, 8, /*seed=*/11);
  FitOptions fit;
  fit.batch_size = 16;
  fit.optimizer = OptimizerKind::kAdam;
  fit.verbose = false;
  fit.communicator = comm;
  fit.reduction_shards = shards;
  fit.overlap_gradient_sync = overlap;
  for (int step = 0; step < 6; ++step) {
    const Tensor images = Rows(data.images, step * 16, 16);
    const Tensor labels = Rows(data.labels, step * 16, 16);
    absl::StatusOr<StepResult> r = model.TrainStep(images, labels, fit, 0.01f);
    if (!r.ok()) {
      std::printf("rank %d: TrainStep: %s\n", comm->rank(),
                  r.status().ToString().c_str());
      return 1;
    }
    if (speaker) {
      std::printf("step %d loss %a correct %lld\n", step, r->loss,
                  static_cast<long long>(r->correct));
    }
  }
  fit.epochs = 2;
  absl::StatusOr<History> h = model.Fit(data, &data, fit);
  if (!h.ok()) {
    std::printf("rank %d: Fit: %s\n", comm->rank(),
                h.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<EvalResult> e =
      model.Evaluate(data, /*batch_size=*/7, std::nullopt, 1, "data", comm);
  if (!e.ok()) {
    std::printf("rank %d: Evaluate: %s\n", comm->rank(),
                e.status().ToString().c_str());
    return 1;
  }
  if (speaker) {
    for (const EpochStats& s : h->epochs) {
      std::printf("fit %d train_loss %a valid_loss %a valid_acc %a\n", s.epoch,
                  s.train_loss, s.valid_loss, s.valid_acc);
    }
    std::printf("eval loss %a acc %a examples %lld\n", e->loss, e->accuracy,
                static_cast<long long>(e->examples));
  }
  return 0;
}

int BadBatch(Communicator* comm) {
  Sequential model(Shape({1, 8, 8}), /*seed=*/3);
  Build(&model);
  const Dataset data = QuadrantData(64, 8, /*seed=*/11);
  FitOptions fit;
  fit.batch_size = 30;
  fit.verbose = false;
  fit.communicator = comm;
  absl::StatusOr<History> h = model.Fit(data, nullptr, fit);
  std::printf("rank %d: %s\n", comm->rank(), h.status().ToString().c_str());
  return absl::IsInvalidArgument(h.status()) ? 0 : 1;
}

int Main(int argc, char** argv) {
  auto created = CreateCommunicator();
  if (!created.ok()) {
    std::printf("CreateCommunicator: %s\n",
                created.status().ToString().c_str());
    return 1;
  }
  const std::string mode = argc > 1 ? argv[1] : "steps";
  if (mode == "bad_batch") return BadBatch(created->get());
  return Steps(created->get(), argc > 2 ? std::atoi(argv[2]) : 0,
               argc > 3 ? std::atoi(argv[3]) != 0 : true);
}

}  // namespace
}  // namespace dagrad

int main(int argc, char** argv) { return dagrad::Main(argc, argv); }
