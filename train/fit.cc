// train/fit.cc: Sequential's training and evaluation loops.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/finite.h"
#include "core/status_macros.h"
#include "report/progress_bar.h"
#include "train/sequential.h"

namespace dagrad {
namespace {

// Stream offset for the shuffling order, so it differs from the
// initialization and dropout streams drawn from the same model seed.
constexpr uint64_t kShuffleSeedSalt = 0x5348554646ULL;  // "SHUFF"

// CountCorrect() counts rows of `output` [B, C] whose first maximum is at
// the label.
int64_t CountCorrect(const Tensor& output, const Tensor& labels) {
  const int64_t batch = output.shape().dim(0);
  const int64_t classes = output.shape().dim(1);
  const float* y = output.data();
  int64_t correct = 0;
  for (int64_t i = 0; i < batch; ++i) {
    const float* row = y + i * classes;
    int64_t best = 0;
    for (int64_t c = 1; c < classes; ++c) {
      if (row[c] > row[best]) best = c;
    }
    correct += best == static_cast<int64_t>(labels.data()[i]);
  }
  return correct;
}

absl::Status CheckFitOptions(const FitOptions& o) {
  if (o.epochs < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("Fit: epochs must be >= 0, got %d", o.epochs));
  }
  if (o.batch_size < 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("Fit: batch_size must be >= 1, got %d", o.batch_size));
  }
  if (!(o.lr >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("Fit: lr must be >= 0, got %g", o.lr));
  }
  if (o.stats_interval < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Fit: stats_interval must be >= 1, got %d", o.stats_interval));
  }
  if (o.num_threads < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Fit: num_threads must be >= 1, got %d", o.num_threads));
  }
  return absl::OkStatus();
}

// CheckFinite() is the data-boundary check of a batch tensor given
// directly: InvalidArgument naming `what`, the value, the element and its
// example.
absl::Status CheckFinite(const Tensor& t, absl::string_view what) {
  const int64_t i = FirstNonFinite(t.flat());
  if (i < 0) return absl::OkStatus();
  const int64_t per_example = t.shape().rank() > 0 && t.shape().dim(0) > 0
                                  ? t.size() / t.shape().dim(0)
                                  : 1;
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s %s hold %g at element %d (example %d); the data must be finite", what,
      t.shape().DebugString(), t.data()[i], i, i / per_example));
}

// NonFinite() is the error for a training step whose loss or gradient is
// not finite; the update was not applied.
absl::Status NonFinite(int64_t step, const std::string& what, float value) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "training step %d: %s is %g, so training diverged (learning rate too "
      "high?); the update is not applied and the parameters are those "
      "before this step (FitOptions::allow_non_finite trains on)",
      step, what, value));
}

}  // namespace

absl::StatusOr<StepResult> Sequential::TrainStep(const Tensor& images,
                                                 const Tensor& labels,
                                                 const FitOptions& options,
                                                 float lr) {
  RETURN_IF_ERROR(CheckFinite(images, "TrainStep: images"));
  RETURN_IF_ERROR(CheckFinite(labels, "TrainStep: labels"));
  return RunStep(images, labels, options, lr);
}

absl::StatusOr<StepResult> Sequential::RunStep(const Tensor& images,
                                               const Tensor& labels,
                                               const FitOptions& options,
                                               float lr) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(Compile(options.loss));
  RETURN_IF_ERROR(
      optimizer_.Ensure(options.optimizer, options.optimizer_options, slots_));
  const int64_t size = labels.size();
  ASSIGN_OR_RETURN(Executor * executor,
                   GetExecutor(ExecutorMode::kTrain, size, options.num_threads,
                               options.memory_budget_bytes));
  RETURN_IF_ERROR(FeedBatch(executor, images, labels));
  executor->set_step(steps_done_);
  executor->set_check_numerics(options.check_numerics);
  RETURN_IF_ERROR(executor->Run());
  ASSIGN_OR_RETURN(const Tensor* loss, executor->Fetch(loss_));
  ASSIGN_OR_RETURN(const Tensor* output, executor->Fetch(output_));
  for (size_t i = 0; i < slots_.size(); ++i) {
    ASSIGN_OR_RETURN(slots_[i].grad, executor->Fetch(gradients_[i]));
  }
  StepResult result;
  result.loss = loss->data()[0];
  if (!options.allow_non_finite) {
    if (!std::isfinite(result.loss)) {
      return NonFinite(steps_done_ + 1, "the loss", result.loss);
    }
    for (const ParamSlot& slot : slots_) {
      if (const int64_t i = FirstNonFinite(slot.grad->flat()); i >= 0) {
        return NonFinite(
            steps_done_ + 1,
            absl::StrCat("the gradient of '", slot.name, "' at element ", i),
            slot.grad->data()[i]);
      }
    }
  }
  result.correct = CountCorrect(*output, labels);
  RETURN_IF_ERROR(optimizer_.get()->Step(slots_, lr, executor->pool()));
  ++steps_done_;
  return result;
}

absl::StatusOr<EvalResult> Sequential::RunEpoch(DataProvider* provider,
                                                const FitOptions& options,
                                                float lr, int64_t batches,
                                                bool* interrupted) {
  provider->Reset();
  ProgressBar bar(options.verbose ? stderr : nullptr, batches);
  EpochProgress& p = partial_epoch_;  // Continued after an interrupt.
  for (int64_t index = 0; index < batches; ++index) {
    std::optional<Batch> batch = provider->Next();
    if (!batch.has_value()) break;
    if (index < p.batches) continue;  // Trained before the interrupt.
    if (options.interrupt != nullptr && options.interrupt->load()) {
      *interrupted = true;
      return EvalResult{};
    }
    const int64_t size = batch->labels.size();
    absl::StatusOr<StepResult> step =
        RunStep(batch->images, batch->labels, options, lr);
    if (!step.ok()) {
      return absl::Status(
          step.status().code(),
          absl::StrFormat("epoch %d, batch %d of %d: %s", epochs_done_ + 1,
                          index + 1, batches, step.status().message()));
    }
    p.loss_sum += static_cast<double>(step->loss) * size;
    p.correct += step->correct;
    p.examples += size;
    ++p.batches;
    bar.Update(p.batches, p.loss_sum / p.examples);
  }
  bar.Finish();
  EvalResult result;
  result.examples = p.examples;
  result.loss = p.examples > 0 ? p.loss_sum / p.examples : 0;
  result.accuracy =
      p.examples > 0 ? static_cast<double>(p.correct) / p.examples : 0;
  p = EpochProgress{};
  return result;
}

absl::StatusOr<History> Sequential::Fit(const Dataset& train,
                                        const Dataset* valid,
                                        const FitOptions& options) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(CheckFitOptions(options));
  // Everything checkable is checked before the first step.
  ASSIGN_OR_RETURN(
      DataProvider provider,
      DataProvider::Create(&train, options.batch_size, options.shuffle,
                           seed_ ^ kShuffleSeedSalt, "train"));
  RETURN_IF_ERROR(CheckImageShape(train.image_shape(), "Fit: train images"));
  if (valid != nullptr && valid->size() > 0) {
    RETURN_IF_ERROR(ValidateDataset(*valid, "valid"));
    RETURN_IF_ERROR(
        CheckImageShape(valid->image_shape(), "Fit: valid images"));
  }
  const int64_t batches = options.drop_last ? train.size() / options.batch_size
                                            : provider.num_batches();
  if (batches == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Fit: drop_last with %d training examples and batch_size %d leaves "
        "no batch to train on",
        train.size(), options.batch_size));
  }
  RETURN_IF_ERROR(CheckBatchNormBatches(train.size(), options));
  RETURN_IF_ERROR(Compile(options.loss));
  RETURN_IF_ERROR(
      optimizer_.Ensure(options.optimizer, options.optimizer_options, slots_));
  provider.SetEpoch(epochs_done_);
  History history;
  double best = 0;
  for (int e = 0; e < options.epochs; ++e) {
    const float lr = options.schedule.LearningRate(
        options.lr, static_cast<int>(epochs_done_));
    const auto start = std::chrono::steady_clock::now();
    bool interrupted = false;
    ASSIGN_OR_RETURN(EvalResult epoch,
                     RunEpoch(&provider, options, lr, batches, &interrupted));
    if (interrupted) {
      return absl::CancelledError(absl::StrFormat(
          "training interrupted after step %d (epoch %d, %d of %d batches "
          "done)",
          steps_done_, epochs_done_ + 1, partial_epoch_.batches, batches));
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    ++epochs_done_;
    if ((e + 1) % options.stats_interval != 0 && e + 1 != options.epochs) {
      continue;
    }
    EpochStats stats;
    stats.epoch = e + 1;
    stats.num_epochs = options.epochs;
    stats.train_loss = epoch.loss;
    stats.train_acc = epoch.accuracy;
    stats.time_s = seconds;
    stats.learning_rate = lr;
    if (valid != nullptr && valid->size() > 0) {
      ASSIGN_OR_RETURN(
          EvalResult v,
          Evaluate(*valid, std::max<int64_t>(options.batch_size, 256),
                   options.loss, options.num_threads, "valid"));
      stats.has_valid = true;
      stats.valid_loss = v.loss;
      stats.valid_acc = v.accuracy;
    }
    const double monitored =
        stats.has_valid ? stats.valid_loss : stats.train_loss;
    if (history.epochs.empty() || monitored < best) {
      best = monitored;
      history.best_epoch = stats.epoch;
    }
    history.epochs.push_back(stats);
    if (options.verbose) {
      std::printf("%s\n", FormatEpochLine(stats).c_str());
      std::fflush(stdout);
    }
    bool stop = false;
    for (Callback* callback : options.callbacks) {
      ASSIGN_OR_RETURN(CallbackAction action,
                       callback->OnEpochEnd(stats, this));
      stop |= action == CallbackAction::kStop;
    }
    if (stop) break;
  }
  return history;
}

absl::StatusOr<EvalResult> Sequential::Evaluate(const Dataset& data,
                                                int64_t batch_size,
                                                std::optional<Loss> loss,
                                                int num_threads,
                                                const std::string& name) {
  RETURN_IF_ERROR(status_);
  if (batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Evaluate: batch_size must be >= 1, got %d", batch_size));
  }
  RETURN_IF_ERROR(Compile(
      loss.value_or(compiled_ ? loss_kind_ : Loss::kSoftmaxCrossEntropy)));
  ASSIGN_OR_RETURN(DataProvider provider,
                   DataProvider::Create(&data, batch_size, /*shuffle=*/false,
                                        /*seed=*/0, name));
  RETURN_IF_ERROR(CheckImageShape(data.image_shape(),
                                  absl::StrCat("Evaluate: ", name, " images")));
  provider.Reset();
  double loss_sum = 0;
  int64_t correct = 0, seen = 0;
  while (std::optional<Batch> batch = provider.Next()) {
    const int64_t size = batch->labels.size();
    ASSIGN_OR_RETURN(Executor * executor,
                     GetExecutor(ExecutorMode::kEvaluate, size, num_threads));
    RETURN_IF_ERROR(FeedBatch(executor, batch->images, batch->labels));
    RETURN_IF_ERROR(executor->Run());
    ASSIGN_OR_RETURN(const Tensor* l, executor->Fetch(loss_));
    ASSIGN_OR_RETURN(const Tensor* output, executor->Fetch(output_));
    loss_sum += static_cast<double>(l->data()[0]) * size;
    correct += CountCorrect(*output, batch->labels);
    seen += size;
  }
  EvalResult result;
  result.examples = seen;
  result.loss = seen > 0 ? loss_sum / seen : 0;
  result.accuracy = seen > 0 ? static_cast<double>(correct) / seen : 0;
  return result;
}

absl::StatusOr<Sequential::Endpoints> Sequential::InferenceEndpoints() {
  RETURN_IF_ERROR(status_);
  if (!compiled_) RETURN_IF_ERROR(Compile(loss_kind_));
  return Endpoints{built_graph_.get(), &store_, built_input_, built_output_};
}

absl::StatusOr<Tensor> Sequential::Predict(const Tensor& images,
                                           int64_t batch_size,
                                           int num_threads) {
  RETURN_IF_ERROR(status_);
  if (batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Predict: batch_size must be >= 1, got %d", batch_size));
  }
  if (!compiled_) RETURN_IF_ERROR(Compile(loss_kind_));
  RETURN_IF_ERROR(CheckImageShape(images.shape(), "Predict: images"));
  RETURN_IF_ERROR(CheckFinite(images, "Predict: images"));
  const int64_t per_example = input_shape_.num_elements();
  const int64_t n = images.shape().dim(0);
  const Shape out = graph_->node(output_).shape;
  ASSIGN_OR_RETURN(Tensor result, Tensor::TryZeros(Shape({n, out.dim(1)}),
                                                   "Predict: the output"));
  std::vector<int64_t> dims = {0};
  for (int64_t d : input_shape_.dims()) dims.push_back(d);
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    const int64_t size = std::min(batch_size, n - begin);
    dims[0] = size;
    ASSIGN_OR_RETURN(Executor * executor,
                     GetExecutor(ExecutorMode::kPredict, size, num_threads));
    // Feed() copies, so the const_cast never writes.
    Tensor view = Tensor::View(
        Shape(dims), const_cast<float*>(images.data()) + begin * per_example);
    RETURN_IF_ERROR(executor->Feed(input_, view));
    RETURN_IF_ERROR(executor->Run());
    ASSIGN_OR_RETURN(const Tensor* y, executor->Fetch(output_));
    std::copy(y->data(), y->data() + y->size(),
              result.data() + begin * out.dim(1));
  }
  return result;
}

}  // namespace dagrad
