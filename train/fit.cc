// train/fit.cc: Sequential's training and evaluation loops.
#include <chrono>
#include <cstdio>
#include <utility>

#include "absl/strings/str_format.h"
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
    return absl::InvalidArgumentError(absl::StrFormat(
        "Fit: batch_size must be >= 1, got %d", o.batch_size));
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

}  // namespace

absl::StatusOr<StepResult> Sequential::TrainStep(const Tensor& images,
                                                 const Tensor& labels,
                                                 const FitOptions& options,
                                                 float lr) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(Compile(options.loss));
  RETURN_IF_ERROR(optimizer_.Ensure(options.optimizer,
                                    options.optimizer_options, slots_));
  const int64_t size = labels.size();
  ASSIGN_OR_RETURN(
      Executor * executor,
      GetExecutor(ExecutorMode::kTrain, size, options.num_threads));
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
  result.correct = CountCorrect(*output, labels);
  RETURN_IF_ERROR(optimizer_.get()->Step(slots_, lr, executor->pool()));
  ++steps_done_;
  return result;
}

absl::StatusOr<EvalResult> Sequential::RunEpoch(DataProvider* provider,
                                                const FitOptions& options,
                                                float lr) {
  provider->Reset();
  ProgressBar bar(options.verbose ? stderr : nullptr,
                  provider->num_batches());
  double loss_sum = 0;
  int64_t correct = 0, seen = 0, done = 0;
  while (std::optional<Batch> batch = provider->Next()) {
    const int64_t size = batch->labels.size();
    ASSIGN_OR_RETURN(StepResult step,
                     TrainStep(batch->images, batch->labels, options, lr));
    loss_sum += static_cast<double>(step.loss) * size;
    correct += step.correct;
    seen += size;
    bar.Update(++done, loss_sum / seen);
  }
  bar.Finish();
  EvalResult result;
  result.examples = seen;
  result.loss = seen > 0 ? loss_sum / seen : 0;
  result.accuracy = seen > 0 ? static_cast<double>(correct) / seen : 0;
  return result;
}

absl::StatusOr<History> Sequential::Fit(const Dataset& train,
                                        const Dataset* valid,
                                        const FitOptions& options) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(CheckFitOptions(options));
  RETURN_IF_ERROR(Compile(options.loss));
  RETURN_IF_ERROR(optimizer_.Ensure(options.optimizer,
                                    options.optimizer_options, slots_));
  ASSIGN_OR_RETURN(DataProvider provider,
                   DataProvider::Create(&train, options.batch_size,
                                        options.shuffle,
                                        seed_ ^ kShuffleSeedSalt));
  provider.SetEpoch(epochs_done_);
  History history;
  double best = 0;
  for (int e = 0; e < options.epochs; ++e) {
    const float lr = options.schedule.LearningRate(
        options.lr, static_cast<int>(epochs_done_));
    const auto start = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(EvalResult epoch, RunEpoch(&provider, options, lr));
    const double seconds = std::chrono::duration<double>(
                               std::chrono::steady_clock::now() - start)
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
                   options.loss, options.num_threads));
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
                                                int num_threads) {
  RETURN_IF_ERROR(status_);
  if (batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Evaluate: batch_size must be >= 1, got %d", batch_size));
  }
  RETURN_IF_ERROR(Compile(
      loss.value_or(compiled_ ? loss_kind_ : Loss::kSoftmaxCrossEntropy)));
  ASSIGN_OR_RETURN(DataProvider provider,
                   DataProvider::Create(&data, batch_size, /*shuffle=*/false,
                                        /*seed=*/0));
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
  const int64_t per_example = input_shape_.num_elements();
  if (images.shape().rank() < 1 || images.shape().dim(0) < 1 ||
      images.size() != images.shape().dim(0) * per_example) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Predict: images %s do not fit the model input [N]+%s",
        images.shape().DebugString(), input_shape_.DebugString()));
  }
  const int64_t n = images.shape().dim(0);
  const Shape out = graph_->node(output_).shape;
  Tensor result = Tensor::Zeros(Shape({n, out.dim(1)}));
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
