// train/fit.cc: the training and evaluation loops of a Trainer: one
// RunStep(), the epoch loop over a BatchSource, Evaluate and Predict.
#include <chrono>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/finite.h"
#include "core/status_macros.h"
#include "report/progress_bar.h"
#include "dist/communicator.h"
#include "train/data_parallel.h"
#include "train/gradient_shards.h"
#include "train/trainer.h"

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

// CheckAllFinite() checks every tensor of a batch given directly, named
// `single` when there is one and "<many> <i>" otherwise (formatted only on
// an error: a training step allocates nothing).
absl::Status CheckAllFinite(absl::Span<const Tensor> tensors,
                            absl::string_view single, absl::string_view many) {
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (FirstNonFinite(tensors[i].flat()) < 0) continue;
    return CheckFinite(tensors[i], tensors.size() == 1
                                       ? std::string(single)
                                       : absl::StrFormat("%s %d", many, i));
  }
  return absl::OkStatus();
}

// RowsOf() is a view of rows [shard.begin, shard.begin + shard.count) of
// `t` [B, ...]. Feeding copies it, so the const_cast never writes.
Tensor RowsOf(const Tensor& t, const Shard& shard) {
  Shape shape = t.shape();
  const int64_t per_row = shape.dim(0) > 0 ? t.size() / shape.dim(0) : 0;
  shape.set_dim(0, shard.count);
  return Tensor::View(shape,
                      const_cast<float*>(t.data()) + shard.begin * per_row);
}

}  // namespace

absl::StatusOr<StepResult> Trainer::TrainStep(const Tensor& images,
                                              const Tensor& labels,
                                              const FitOptions& options,
                                              float lr) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(NeedOneInputOneOutput("TrainStep(images, labels)"));
  return TrainStep(absl::MakeConstSpan(&images, 1),
                   absl::MakeConstSpan(&labels, 1), options, lr);
}

absl::StatusOr<StepResult> Trainer::TrainStep(absl::Span<const Tensor> inputs,
                                              absl::Span<const Tensor> labels,
                                              const FitOptions& options,
                                              float lr) {
  RETURN_IF_ERROR(
      CheckAllFinite(inputs, "TrainStep: images", "TrainStep: input"));
  RETURN_IF_ERROR(
      CheckAllFinite(labels, "TrainStep: labels", "TrainStep: labels"));
  return RunStep(inputs, labels, options, lr);
}

absl::StatusOr<const ShardPlan*> Trainer::PlanShards(
    const FitOptions& options) {
  const Communicator* comm = options.communicator;
  const int ranks = comm != nullptr ? comm->size() : 1;
  const int rank = comm != nullptr ? comm->rank() : 0;
  const bool in_backward = options.update_in_backward;
  const std::tuple<int, int, int, bool> key{options.reduction_shards, ranks,
                                            rank, in_backward};
  if (!plan_.has_value() || plan_key_ != key) {
    const int requested = options.reduction_shards != 0
                              ? options.reduction_shards
                              : (HasBatchNorm() || in_backward ? 1 : 2);
    if (in_backward && (requested != 1 || ranks > 1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "FitOptions::update_in_backward needs one gradient shard in one "
          "process; got reduction_shards ",
          options.reduction_shards, " over ", ranks, " ranks"));
    }
    ASSIGN_OR_RETURN(ShardPlan plan, ShardPlan::Of(requested, ranks, rank));
    plan_ = std::move(plan);
    plan_key_ = key;
  }
  return &*plan_;
}

absl::StatusOr<int64_t> Trainer::PassRows(const FitOptions& options) {
  ASSIGN_OR_RETURN(const ShardPlan* plan, PlanShards(options));
  return plan->Rows(options.batch_size, plan->first).count;
}

absl::StatusOr<Executor*> Trainer::RunShardPass(absl::Span<const Tensor> inputs,
                                                absl::Span<const Tensor> labels,
                                                const Shard& rows,
                                                const FitOptions& options,
                                                Communicator* overlap,
                                                float weight, float lr) {
  // The shard's rows of the global batch, as views.
  shard_inputs_.resize(inputs.size());
  shard_labels_.resize(labels.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    shard_inputs_[i] = RowsOf(inputs[i], rows);
  }
  for (size_t j = 0; j < labels.size(); ++j) {
    shard_labels_[j] = RowsOf(labels[j], rows);
  }
  ASSIGN_OR_RETURN(Executor * executor,
                   GetExecutor(ExecutorMode::kTrain, rows.count,
                               options.num_threads,
                               options.memory_budget_bytes,
                               options.update_in_backward));
  RETURN_IF_ERROR(FeedBatch(executor, shard_inputs_, shard_labels_));
  executor->set_step(steps_done_);
  // Dropout draws by global row: a shard gets the whole batch's masks.
  executor->set_example_offset(rows.begin);
  executor->set_check_numerics(options.check_numerics);
  if (options.update_in_backward) {
    RETURN_IF_ERROR(executor->Watch(gradients_));
    int updated = 0;
    const absl::Status run = executor->Run([&](int k) {
      return UpdateInBackward(executor, k, options, lr, &updated);
    });
    // A kernel or check_numerics error after some updates leaves half a
    // step too.
    if (!run.ok() && updated > 0) partial_step_ = true;
    RETURN_IF_ERROR(run);
    optimizer_.get()->EndStep();
    return executor;
  }
  if (overlap == nullptr) {
    RETURN_IF_ERROR(executor->Run());
    return executor;
  }
  // Gradient k of gradients_ is sync_'s gradient last - k (it orders them
  // the last layer's first).
  RETURN_IF_ERROR(executor->Watch(gradients_));
  for (size_t i = 0; i < slots_.size(); ++i) {
    ASSIGN_OR_RETURN(Tensor * target, executor->FetchTarget(gradients_[i]));
    slots_[i].grad = target;
  }
  RETURN_IF_ERROR(BeginSync(overlap, weight));
  const int last = static_cast<int>(slots_.size()) - 1;
  RETURN_IF_ERROR(
      executor->Run([&](int k) { return sync_->Ready(last - k); }));
  return executor;
}

absl::Status Trainer::UpdateInBackward(Executor* executor, int k,
                                       const FitOptions& options, float lr,
                                       int* updated) {
  ParamSlot& slot = slots_[k];
  ASSIGN_OR_RETURN(Tensor * grad, executor->FetchTarget(gradients_[k]));
  slot.grad = grad;
  absl::Status status;
  if (!options.allow_non_finite) {
    ASSIGN_OR_RETURN(const Tensor* loss, executor->FetchTarget(loss_));
    if (!std::isfinite(loss->data()[0])) {
      status = NonFinite(steps_done_ + 1, "the loss", loss->data()[0]);
    } else if (const int64_t i = FirstNonFinite(grad->flat()); i >= 0) {
      status = NonFinite(
          steps_done_ + 1,
          absl::StrCat("the gradient of '", slot.name, "' at element ", i),
          grad->data()[i]);
    }
  }
  if (status.ok()) {
    status = optimizer_.get()->StepParameter(slot, k, lr, executor->pool());
  }
  if (status.ok()) {
    ++*updated;
    return status;
  }
  if (*updated == 0) return status;
  partial_step_ = true;
  return absl::Status(
      status.code(),
      absl::StrCat(status.message(), " -- but with update_in_backward the ",
                   *updated, " parameters whose gradients came first hold ",
                   "this step's update: Load() a checkpoint to go on"));
}

absl::StatusOr<StepResult> Trainer::RunStep(absl::Span<const Tensor> inputs,
                                            absl::Span<const Tensor> labels,
                                            const FitOptions& options,
                                            float lr) {
  RETURN_IF_ERROR(status_);
  if (partial_step_) return PartialStepError("training");
  RETURN_IF_ERROR(EnsureCompiled(options));
  RETURN_IF_ERROR(
      optimizer_.Ensure(options.optimizer, options.optimizer_options, slots_));
  if (labels.empty()) {
    return absl::InvalidArgumentError("TrainStep: no label tensor given");
  }
  const int64_t global = labels[0].size();
  Communicator* comm = options.communicator;
  const bool parallel = comm != nullptr && comm->size() > 1;
  ASSIGN_OR_RETURN(const ShardPlan* plan_of_step, PlanShards(options));
  const ShardPlan& plan = *plan_of_step;
  const Shard first = plan.Rows(global, plan.first);
  const Shard last = plan.Rows(global, plan.first + plan.count - 1);
  const int64_t rows = last.begin + last.count - first.begin;
  if (parallel && rows == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "a batch of %d examples leaves rank %d of %d ranks no example",
        global, comm->rank(), comm->size()));
  }
  // One pass per shard of this rank (train/gradient_shards.h). Each leaves
  // its weighted statistics in row s - plan.first of leaf_stats_:
  // {loss, per output loss}, and adds its correct counts.
  const size_t n = outputs_.size();
  leaf_stats_.assign(static_cast<size_t>(plan.count) * (1 + n), 0.0f);
  std::fill(step_correct_.begin(), step_correct_.end(), 0);
  // One shard per rank: its gradient sums can start during its pass.
  const bool overlap =
      parallel && plan.count == 1 && options.overlap_gradient_sync;
  Executor* executor = nullptr;
  auto run_shard = [&](int s,
                       std::vector<Tensor*>* gradients) -> absl::StatusOr<float> {
    const Shard shard = plan.Rows(global, s);
    const float weight =
        static_cast<float>(static_cast<double>(shard.count) / global);
    if (shard.count == 0) {  // A batch smaller than the shard count.
      if (zero_gradients_.size() != slots_.size()) {
        zero_gradients_.clear();
        for (const ParamSlot& slot : slots_) {
          zero_gradients_.push_back(Tensor::Zeros(slot.value->shape()));
        }
      }
      for (Tensor& z : zero_gradients_) gradients->push_back(&z);
      return weight;
    }
    ASSIGN_OR_RETURN(executor,
                     RunShardPass(inputs, labels, shard, options,
                                  overlap ? comm : nullptr, weight, lr));
    float* stats = leaf_stats_.data() + (s - plan.first) * (1 + n);
    ASSIGN_OR_RETURN(const Tensor* loss, executor->Fetch(loss_));
    stats[0] = loss->data()[0];
    for (size_t j = 0; j < n; ++j) {
      ASSIGN_OR_RETURN(const Tensor* output, executor->Fetch(outputs_[j]));
      ASSIGN_OR_RETURN(const Tensor* l, executor->Fetch(output_losses_[j]));
      stats[1 + j] = l->data()[0];
      step_correct_[j] += CountCorrect(*output, shard_labels_[j]);
    }
    if (options.update_in_backward) return weight;  // Updated already.
    // The fetched gradients are the executor's buffers, which only its
    // next Run() writes again: they are scaled and summed in place.
    for (size_t i = 0; i < slots_.size(); ++i) {
      ASSIGN_OR_RETURN(const Tensor* g, executor->Fetch(gradients_[i]));
      gradients->push_back(const_cast<Tensor*>(g));
    }
    if (plan.count > 1) {  // Weighted here; one shard is weighted by the sync.
      for (size_t k = 0; k <= n; ++k) stats[k] *= weight;
    }
    return weight;
  };
  float weight;  // What SyncStep() scales this rank's sums by.
  if (plan.count == 1) {
    one_shard_.clear();
    ASSIGN_OR_RETURN(weight, run_shard(plan.first, &one_shard_));
    for (size_t i = 0; i < one_shard_.size(); ++i) {
      slots_[i].grad = one_shard_[i];
    }
  } else {
    RETURN_IF_ERROR(shard_sum_.Sum(plan.first, plan.count, run_shard));
    for (size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].grad = &shard_sum_.sums()[i];
    }
    SumInTreeOrder(leaf_stats_.data(), plan.count, 1 + n, 1 + n);
    weight = 1;
  }
  StepResult result;
  result.loss = leaf_stats_[0];
  for (size_t j = 0; j < n; ++j) step_losses_[j] = leaf_stats_[1 + j];
  result.correct = step_correct_[0];
  // Data parallelism: the global mean gradient and the global batch's
  // statistics, the same bits on every rank, before the checks and the
  // update.
  if (parallel) RETURN_IF_ERROR(SyncStep(comm, weight, overlap, &result));
  if (!options.allow_non_finite) {
    if (!std::isfinite(result.loss)) {
      return NonFinite(steps_done_ + 1, "the loss", result.loss);
    }
    for (const ParamSlot& slot : slots_) {
      if (options.update_in_backward) break;  // Checked before each update.
      if (const int64_t i = FirstNonFinite(slot.grad->flat()); i >= 0) {
        return NonFinite(
            steps_done_ + 1,
            absl::StrCat("the gradient of '", slot.name, "' at element ", i),
            slot.grad->data()[i]);
      }
    }
  }
  if (!options.update_in_backward) {
    ThreadPool* pool = executor != nullptr ? executor->pool() : nullptr;
    RETURN_IF_ERROR(optimizer_.get()->Step(slots_, lr, pool));
  }
  ++steps_done_;
  return result;
}

absl::StatusOr<EvalResult> Trainer::RunEpoch(BatchSource* source,
                                             const FitOptions& options,
                                             float lr, int64_t batches,
                                             bool* interrupted) {
  source->Reset();
  const bool speaker =
      options.communicator == nullptr || options.communicator->rank() == 0;
  ProgressBar bar(options.verbose && speaker ? stderr : nullptr, batches);
  EpochProgress& p = partial_epoch_;  // Continued after an interrupt.
  absl::Span<const Tensor> inputs, labels;
  for (int64_t index = 0; index < batches; ++index) {
    if (!source->Next(&inputs, &labels)) break;
    if (index < p.batches) continue;  // Trained before the interrupt.
    if (options.interrupt != nullptr && options.interrupt->load()) {
      *interrupted = true;
      return EvalResult{};
    }
    const int64_t size = labels[0].size();
    absl::StatusOr<StepResult> step = RunStep(inputs, labels, options, lr);
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

absl::StatusOr<History> Trainer::Fit(const Dataset& train, const Dataset* valid,
                                     const FitOptions& options) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(NeedOneInputOneOutput("Fit(Dataset)"));
  RETURN_IF_ERROR(CheckFitOptions(options));
  // Everything checkable is checked before the first step.
  ASSIGN_OR_RETURN(
      DataProvider provider,
      DataProvider::Create(&train, options.batch_size, options.shuffle,
                           seed_ ^ kShuffleSeedSalt, "train"));
  RETURN_IF_ERROR(CheckInputShape(0, train.image_shape(), "Fit: train images"));
  const bool has_valid = valid != nullptr && valid->size() > 0;
  if (has_valid) {
    RETURN_IF_ERROR(ValidateDataset(*valid, "valid"));
    RETURN_IF_ERROR(
        CheckInputShape(0, valid->image_shape(), "Fit: valid images"));
  }
  DatasetSource source(&provider);
  Validator validate;
  if (has_valid) {
    validate = [&]() {
      return Evaluate(*valid, std::max<int64_t>(options.batch_size, 256),
                      std::nullopt, options.num_threads, "valid",
                      options.communicator);
    };
  }
  return FitLoop(&source, train.size(), options, validate);
}

absl::StatusOr<History> Trainer::Fit(const MultiDataset& train,
                                     const MultiDataset* valid,
                                     const FitOptions& options) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(CheckFitOptions(options));
  ASSIGN_OR_RETURN(
      MultiProvider provider,
      MultiProvider::Create(&train, options.batch_size, options.shuffle,
                            seed_ ^ kShuffleSeedSalt, "train"));
  RETURN_IF_ERROR(CheckData(train, "train"));
  const bool has_valid = valid != nullptr && valid->size() > 0;
  if (has_valid) {
    RETURN_IF_ERROR(ValidateMultiDataset(*valid, "valid"));
    RETURN_IF_ERROR(CheckData(*valid, "valid"));
  }
  MultiSource source(&provider);
  Validator validate;
  if (has_valid) {
    validate = [&]() {
      return Evaluate(*valid, std::max<int64_t>(options.batch_size, 256),
                      options.num_threads, "valid", options.communicator);
    };
  }
  return FitLoop(&source, train.size(), options, validate);
}

absl::StatusOr<History> Trainer::FitLoop(BatchSource* source, int64_t examples,
                                         const FitOptions& options,
                                         const Validator& validate) {
  const int64_t batches =
      options.drop_last ? examples / options.batch_size : source->num_batches();
  if (batches == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Fit: drop_last with %d training examples and batch_size %d leaves "
        "no batch to train on",
        examples, options.batch_size));
  }
  RETURN_IF_ERROR(CheckBatchNormBatches(examples, options));
  RETURN_IF_ERROR(EnsureCompiled(options));
  RETURN_IF_ERROR(
      optimizer_.Ensure(options.optimizer, options.optimizer_options, slots_));
  communicator_ = options.communicator;
  if (options.communicator != nullptr && options.communicator->size() > 1) {
    RETURN_IF_ERROR(StartDataParallel(options, examples));
  }
  ASSIGN_OR_RETURN(const ShardPlan* plan, PlanShards(options));
  if (!plan->note.empty() && options.verbose &&
      (communicator_ == nullptr || communicator_->rank() == 0)) {
    std::printf("note: %s\n", plan->note.c_str());
  }
  source->SetEpoch(epochs_done_);
  History history;
  double best = 0;
  for (int e = 0; e < options.epochs; ++e) {
    const float lr = options.schedule.LearningRate(
        options.lr, static_cast<int>(epochs_done_));
    const auto start = std::chrono::steady_clock::now();
    bool interrupted = false;
    ASSIGN_OR_RETURN(EvalResult epoch,
                     RunEpoch(source, options, lr, batches, &interrupted));
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
    if (validate) {
      ASSIGN_OR_RETURN(EvalResult v, validate());
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
    if (options.verbose && (options.communicator == nullptr ||
                            options.communicator->rank() == 0)) {
      std::printf("%s\n", FormatEpochLine(stats).c_str());
      std::fflush(stdout);
    }
    bool stop = false;
    for (Callback* callback : options.callbacks) {
      ASSIGN_OR_RETURN(CallbackAction action,
                       callback->OnModelEpochEnd(stats, this));
      stop |= action == CallbackAction::kStop;
    }
    if (stop) break;
  }
  return history;
}

absl::StatusOr<EvalResult> Trainer::EvaluateLoop(BatchSource* source,
                                                 int num_threads,
                                                 Communicator* comm) {
  const int ranks = comm == nullptr ? 1 : comm->size();
  const int rank = comm == nullptr ? 0 : comm->rank();
  source->Reset();
  const size_t n = outputs_.size();
  double loss_sum = 0;
  std::vector<double> output_loss_sum(n, 0);
  std::vector<int64_t> correct(n, 0);
  int64_t seen = 0;
  absl::Span<const Tensor> inputs, labels;
  for (int64_t b = 0; source->Next(&inputs, &labels); ++b) {
    if (b % ranks != rank) continue;  // Another rank's batch.
    const int64_t size = labels[0].size();
    ASSIGN_OR_RETURN(Executor * executor,
                     GetExecutor(ExecutorMode::kEvaluate, size, num_threads));
    RETURN_IF_ERROR(FeedBatch(executor, inputs, labels));
    RETURN_IF_ERROR(executor->Run());
    ASSIGN_OR_RETURN(const Tensor* l, executor->Fetch(loss_));
    loss_sum += static_cast<double>(l->data()[0]) * size;
    for (size_t j = 0; j < n; ++j) {
      ASSIGN_OR_RETURN(const Tensor* output, executor->Fetch(outputs_[j]));
      ASSIGN_OR_RETURN(const Tensor* lj, executor->Fetch(output_losses_[j]));
      output_loss_sum[j] += static_cast<double>(lj->data()[0]) * size;
      correct[j] += CountCorrect(*output, labels[j]);
    }
    seen += size;
  }
  if (ranks > 1) {
    // Sums over the ranks: {loss, examples, per output loss and correct}.
    std::vector<double> mine = {loss_sum, static_cast<double>(seen)};
    for (size_t j = 0; j < n; ++j) mine.push_back(output_loss_sum[j]);
    for (size_t j = 0; j < n; ++j) mine.push_back(correct[j]);
    ASSIGN_OR_RETURN(std::vector<double> sums, SumOverRanks(comm, mine));
    loss_sum = sums[0];
    seen = static_cast<int64_t>(sums[1]);
    for (size_t j = 0; j < n; ++j) {
      output_loss_sum[j] = sums[2 + j];
      correct[j] = static_cast<int64_t>(sums[2 + n + j]);
    }
  }
  EvalResult result;
  result.examples = seen;
  result.loss = seen > 0 ? loss_sum / seen : 0;
  for (size_t j = 0; j < n; ++j) {
    OutputResult r;
    r.loss = seen > 0 ? output_loss_sum[j] / seen : 0;
    r.accuracy = seen > 0 ? static_cast<double>(correct[j]) / seen : 0;
    result.outputs.push_back(r);
  }
  result.accuracy = result.outputs.empty() ? 0 : result.outputs[0].accuracy;
  return result;
}

absl::StatusOr<EvalResult> Trainer::Evaluate(
    const Dataset& data, int64_t batch_size, std::optional<Loss> loss,
    int num_threads, const std::string& name, Communicator* communicator) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(NeedOneInputOneOutput("Evaluate(Dataset)"));
  if (batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Evaluate: batch_size must be >= 1, got %d", batch_size));
  }
  if (!compiled_ || loss.has_value()) {
    RETURN_IF_ERROR(Compile(loss.value_or(Loss::kSoftmaxCrossEntropy)));
  }
  ASSIGN_OR_RETURN(DataProvider provider,
                   DataProvider::Create(&data, batch_size, /*shuffle=*/false,
                                        /*seed=*/0, name));
  RETURN_IF_ERROR(CheckInputShape(0, data.image_shape(),
                                  absl::StrCat("Evaluate: ", name, " images")));
  DatasetSource source(&provider);
  return EvaluateLoop(&source, num_threads, communicator);
}

absl::StatusOr<EvalResult> Trainer::Evaluate(const MultiDataset& data,
                                             int64_t batch_size,
                                             int num_threads,
                                             const std::string& name,
                                             Communicator* communicator) {
  RETURN_IF_ERROR(status_);
  if (batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Evaluate: batch_size must be >= 1, got %d", batch_size));
  }
  if (!compiled_) RETURN_IF_ERROR(Compile(Loss::kSoftmaxCrossEntropy));
  ASSIGN_OR_RETURN(MultiProvider provider,
                   MultiProvider::Create(&data, batch_size, /*shuffle=*/false,
                                         /*seed=*/0, name));
  RETURN_IF_ERROR(CheckData(data, name));
  MultiSource source(&provider);
  return EvaluateLoop(&source, num_threads, communicator);
}

absl::StatusOr<Trainer::Endpoints> Trainer::InferenceEndpoints() {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(NeedOneInputOneOutput("InferenceEndpoints"));
  if (!compiled_) RETURN_IF_ERROR(Compile(Loss::kSoftmaxCrossEntropy));
  return Endpoints{built_graph_.get(), &store_, built_inputs_[0],
                   built_outputs_[0]};
}

absl::StatusOr<Tensor> Trainer::Predict(const Tensor& images,
                                        int64_t batch_size, int num_threads) {
  RETURN_IF_ERROR(status_);
  RETURN_IF_ERROR(NeedOneInputOneOutput("Predict(images)"));
  ASSIGN_OR_RETURN(
      std::vector<Tensor> outputs,
      PredictOutputs(absl::MakeConstSpan(&images, 1), batch_size, num_threads));
  return std::move(outputs[0]);
}

absl::StatusOr<std::vector<Tensor>> Trainer::PredictOutputs(
    absl::Span<const Tensor> inputs, int64_t batch_size, int num_threads) {
  RETURN_IF_ERROR(status_);
  if (batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Predict: batch_size must be >= 1, got %d", batch_size));
  }
  if (!compiled_) RETURN_IF_ERROR(Compile(Loss::kSoftmaxCrossEntropy));
  if (inputs.size() != inputs_.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("Predict: %d inputs given; the model has %d",
                        inputs.size(), inputs_.size()));
  }
  const bool single = inputs.size() == 1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string what = single ? std::string("Predict: images")
                                    : absl::StrFormat("Predict: input %d", i);
    RETURN_IF_ERROR(
        CheckInputShape(static_cast<int>(i), inputs[i].shape(), what));
    RETURN_IF_ERROR(CheckFinite(inputs[i], what));
    if (inputs[i].shape().dim(0) != inputs[0].shape().dim(0)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "Predict: input %d %s and input 0 %s hold different numbers of "
          "examples",
          i, inputs[i].shape().DebugString(), inputs[0].shape().DebugString()));
    }
  }
  const int64_t n = inputs[0].shape().dim(0);
  std::vector<Tensor> results;
  for (size_t j = 0; j < outputs_.size(); ++j) {
    const Shape out = graph_->node(outputs_[j]).shape;
    ASSIGN_OR_RETURN(Tensor result, Tensor::TryZeros(Shape({n, out.dim(1)}),
                                                     "Predict: the output"));
    results.push_back(std::move(result));
  }
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    const int64_t size = std::min(batch_size, n - begin);
    ASSIGN_OR_RETURN(Executor * executor,
                     GetExecutor(ExecutorMode::kPredict, size, num_threads));
    for (size_t i = 0; i < inputs.size(); ++i) {
      const int64_t per_example = input_shapes_[i].num_elements();
      Shape shape = batched_input_shapes_[i];
      shape.set_dim(0, size);
      // Feed() copies, so the const_cast never writes.
      Tensor view = Tensor::View(
          shape, const_cast<float*>(inputs[i].data()) + begin * per_example);
      RETURN_IF_ERROR(executor->Feed(inputs_[i], view));
    }
    RETURN_IF_ERROR(executor->Run());
    for (size_t j = 0; j < outputs_.size(); ++j) {
      ASSIGN_OR_RETURN(const Tensor* y, executor->Fetch(outputs_[j]));
      const int64_t width = results[j].shape().dim(1);
      std::copy(y->data(), y->data() + y->size(),
                results[j].data() + begin * width);
    }
  }
  return results;
}

}  // namespace dagrad
