// train/trainer.h: the one training engine: a built forward graph of any
// number of inputs and outputs, a loss per output, the fit loop, executors,
// the optimizer and checkpoints.
//
// Where things live: a model a user builds is recorded in models/ (the
// functional Model of models/model.h and Sequential, its one-input chain,
// of models/sequential.h). Both are Trainers: models/ records the layers'
// DAG into the Trainer's GraphBuilder (builder()) and names its inputs and
// outputs (SetInputs(), SetOutputs()); everything after that -- losses,
// the reverse pass, graph passes, executors, Fit/Evaluate/Predict/
// TrainStep, Save/Load -- is here, in train/. The arrows run one way:
// train/ never includes models/.
//
// The first Fit()/Evaluate()/Predict() appends, for each output i, its
// labels input and its loss L_i, then the total loss sum_i w_i L_i (w_i
// from FitOptions::loss_weights; a single output of weight 1 is its loss
// itself), the reverse pass (VJP nodes) of the total, finalizes the graph,
// runs the graph passes and compiles executors with planned memory, cached
// per (mode, batch, threads). Parameters live in the ParameterStore,
// initialized from the seed (by name, so the order layers are built in
// does not change them).
//
// Example (what Sequential and Model do, in short; see models/model.h for
// a model of two inputs and two outputs):
//   Sequential model(Shape({1, 28, 28}), /*seed=*/0);   // a Trainer
//   model.Add(Flatten());
//   model.Add(Dense(10));
//   FitOptions fit;
//   fit.epochs = 3;
//   ASSIGN_OR_RETURN(History history, model.Fit(data.train, &data.valid, fit));
//   ASSIGN_OR_RETURN(EvalResult test, model.Evaluate(data.test));
//
// Training loop: Fit() runs epochs of RunStep(), the one training step
// (feed every input and label, forward, reverse pass, finite checks, the
// optimizer update). Data-parallel training hooks in there: a gradient
// sync goes between the reverse pass and the update, and sharded batches
// come from the BatchSource each epoch reads.
//
// Data parallelism: with FitOptions::communicator of size N > 1 (a job
// started by `mpirun -np N`, dist/communicator.h) every rank holds the
// whole model and data set and runs the same calls. batch_size is the
// global batch and must divide evenly over the N ranks; every rank draws
// the same shuffle and each RunStep() trains on the rank's rows
// (ShardOf(), train/data_parallel.h) of the global batch, then averages the
// gradients over the ranks (train/gradient_sync.h, weighted by the rows
// each rank holds), so the update is the one of the global batch, the same
// bits on every rank. A step's loss and correct count are the global
// batch's. Fit() first checks that every rank runs the same graph and
// options (a fingerprint compared by allgather) and then copies rank 0's
// state (parameters, optimizer state, counters) to every rank, so replicas
// start identical also after Load(). Evaluate() with a communicator splits
// the batches over the ranks (batch b on rank b % N) and sums the
// statistics, so every rank reports the same numbers. Only rank 0 prints
// the epoch lines and the progress bar, and Save() writes only on rank 0
// of the last Fit()'s communicator (a no-op returning OK elsewhere).
// Per-example randomness (dropout) is drawn per shard, and BatchNorm uses
// the shard's batch statistics (as PyTorch DDP without SyncBatchNorm), so
// models with those layers train close to, but not exactly as, one
// process.
//
// Errors: the first error of building the model (naming the layer, op and
// shapes) is status(), and every method returns it. A failed Fit() leaves
// the parameters as they were after the last completed step (except a step
// stopped midway under FitOptions::update_in_backward, which says so).
//
// Bad numbers: a training step whose loss or gradient is NaN or Inf is an
// error (InvalidArgument naming the epoch, the step and the value) and its
// update is not applied, unless FitOptions::allow_non_finite. Batches given
// directly (TrainStep, Predict) are checked for NaN/Inf first; data sets
// (Fit, Evaluate) are checked whole before the first step.
//
// Input shapes: input i takes [N] + its per-example shape exactly; an
// input of rank 1 ([784]) also takes any per-example shape of that many
// elements ([N,1,28,28]), flattened. Anything else (NHWC data for an NCHW
// model) is InvalidArgument naming both shapes.
//
// Loss and output: each output must be [batch, classes], and its labels
// class ids [batch]. With Loss::kSoftmaxCrossEntropy (the default) an
// output may be logits or end in a Softmax; a final Softmax is fused into
// the loss (the loss reads its input), the numerically stable form.
// Loss::kCrossEntropy expects probabilities. kMeanSquaredError and
// kSigmoidBinaryCrossEntropy compare the output with one-hot targets made
// from the labels. Accuracy is reported per output (EvalResult::outputs);
// the single accuracy of EvalResult, StepResult and the epoch line is
// output 0's, and their loss is the weighted total.
//
// Graph passes: Compile() runs the pipeline of graph/passes/pipeline.h on
// the finalized graph before any executor is made; every pass is exact
// and on by default. SetPassOptions() switches them before Compile().
//
// Thread safety: none; one thread drives a model.
#ifndef DAGRAD_TRAIN_TRAINER_H_
#define DAGRAD_TRAIN_TRAINER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/shape.h"
#include "core/tensor.h"
#include "data/dataset.h"
#include "data/multi_dataset.h"
#include "dist/communicator.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "graph/passes/pipeline.h"
#include "report/history.h"
#include "train/batch_source.h"
#include "train/callbacks.h"
#include "train/data_parallel.h"
#include "train/gradient_shards.h"
#include "train/gradient_sync.h"
#include "train/lr_schedule.h"
#include "train/model_io.h"
#include "train/one_hot.h"
#include "train/optimizer.h"

namespace dagrad {

enum class Loss {
  kSoftmaxCrossEntropy,
  kCrossEntropy,
  kMeanSquaredError,
  kSigmoidBinaryCrossEntropy,
};

// ParseLoss() reads "softmax_cross_entropy", "cross_entropy", "mse" or
// "sigmoid_bce".
absl::StatusOr<Loss> ParseLoss(absl::string_view name);

// OutputLoss is the loss of one output and its weight in the total.
struct OutputLoss {
  Loss loss = Loss::kSoftmaxCrossEntropy;
  float weight = 1.0f;
  friend bool operator==(const OutputLoss& a, const OutputLoss& b) {
    return a.loss == b.loss && a.weight == b.weight;
  }
};

struct FitOptions {
  int epochs = 1;
  int64_t batch_size = 32;
  // loss: every output's loss, unless `losses` gives one per output.
  Loss loss = Loss::kSoftmaxCrossEntropy;
  std::vector<Loss> losses;
  // loss_weights: one weight (finite, >= 0) per output; empty: all 1.
  std::vector<float> loss_weights;
  // The update rule, configured by optimizer_options (lr is taken from
  // `lr`).
  OptimizerKind optimizer = OptimizerKind::kSgd;
  OptimizerOptions optimizer_options;
  float lr = 0.01f;
  LrSchedule schedule = LrSchedule::Constant();
  // Validation statistics are computed and a line printed every
  // stats_interval epochs, and after the last one.
  int stats_interval = 1;
  int num_threads = 1;
  bool shuffle = true;
  // Print the per-epoch line to stdout (and a progress bar to stderr on a
  // TTY).
  bool verbose = true;
  // Report the first node whose output holds NaN/Inf as an error.
  bool check_numerics = false;
  // allow_non_finite: by default a step whose loss or gradient holds NaN or
  // Inf stops training with InvalidArgument naming the epoch and the step,
  // and its update is not applied (the trainable parameters are those
  // before the step; BatchNorm's running statistics, which the forward pass
  // updates, may not be). True applies such updates and trains on.
  bool allow_non_finite = false;
  // drop_last: skip the last batch of each training epoch when it holds
  // fewer than batch_size examples. Without it, a model with BatchNorm
  // whose last batch would give BatchNorm a single value per feature is
  // rejected before the first step, naming the layer.
  bool drop_last = false;
  // interrupt: not owned; when it becomes true (a signal handler may set
  // it), Fit() finishes the current step and returns Cancelled. The model
  // keeps its state, the partial epoch included (Save() records it), so a
  // later Fit() with the same options continues the run exactly.
  const std::atomic<bool>* interrupt = nullptr;
  // Not owned; each must outlive the call.
  std::vector<Callback*> callbacks;
  // reduction_shards: the global batch's gradient is the tree sum of this
  // many shards' (train/gradient_shards.h), each one forward and reverse
  // pass. A data-parallel job with the same value trains bitwise as one
  // process does (when the ranks divide it into subtrees; else one shard
  // per rank, and Fit() says so). 1 is one pass over the batch. 0 (the
  // default) is 2, or 1 for a model with BatchNorm, whose batch statistics
  // would otherwise cover half the batch. Negative: InvalidArgument.
  int reduction_shards = 0;
  // overlap_gradient_sync: in data-parallel training with one shard per
  // rank, start each gradient's sum over the ranks as soon as the reverse
  // pass has computed it (in buckets of a quarter of the model, at most
  // 1 MiB, as PyTorch DDP buckets), instead of after the pass. The same
  // bits either way.
  bool overlap_gradient_sync = true;
  // memory_budget_bytes: when > 0, the training executor recomputes forward
  // values in the reverse pass so that its arena fits this budget
  // (ExecutorOptions::memory_budget_bytes; bitwise the same losses).
  int64_t memory_budget_bytes = 0;
  // update_in_backward: apply each parameter's update in the reverse pass,
  // as soon as its gradient is final and nothing else reads the parameter
  // (as PyTorch's optimizer-in-backward hooks), so no gradient outlives its
  // update: the training arena no longer holds every gradient at the end of
  // the pass (ExecutorOptions::consumed_fetches). The same bits as without.
  // It needs one gradient shard in one process: reduction_shards 0 then
  // means 1, and another value, or a communicator of N > 1 ranks, is
  // InvalidArgument. The finite checks still stop a step at its first
  // non-finite gradient, but the updates of the parameters whose gradients
  // came before it are applied by then: the error says how many, and the
  // model refuses to Save() or train until Load() restores a checkpoint.
  bool update_in_backward = false;
  // communicator: not owned; nullptr or a size-1 communicator trains in one
  // process. Of size N > 1: data-parallel training over N ranks (see the
  // class comment); every rank calls Fit() with the same options.
  Communicator* communicator = nullptr;
};

// ExecutorMode is what a compiled executor computes: kTrain the outputs,
// the losses and the gradients (training-mode layers: dropout on, batch
// statistics), kEvaluate the outputs and the losses, kPredict the outputs
// only (both in evaluation mode).
enum class ExecutorMode { kTrain, kEvaluate, kPredict };

// OutputResult is one output's mean loss (unweighted) and accuracy.
struct OutputResult {
  double loss = 0;
  double accuracy = 0;
};

struct EvalResult {
  double loss = 0;      // The weighted total.
  double accuracy = 0;  // Output 0's.
  int64_t examples = 0;
  std::vector<OutputResult> outputs;  // One per output.
};

// StepResult is what one training step reports.
struct StepResult {
  float loss = 0;       // Mean total loss over the batch, before the update.
  int64_t correct = 0;  // Examples whose output 0's first maximum is the
                        // label.
};

class Trainer {
 public:
  virtual ~Trainer();

  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // status() is the first error of building the model, or a note that does
  // not stop it (see Sequential::Add), or OK.
  const absl::Status& status() const {
    return status_.ok() ? note_status_ : status_;
  }

  // AsSequential() is this model if it is a Sequential (models/
  // sequential.h), else nullptr: what Sequential-style callbacks see.
  virtual Sequential* AsSequential() { return nullptr; }

  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  // parameter_count() counts every parameter element, trainable or not.
  int64_t parameter_count() const;

  // Fit() trains on `train` for options.epochs, evaluating on `valid`
  // (nullable) and printing one line per epoch (report/history.h). It
  // continues from the model's current state (parameters, optimizer state,
  // epoch and step counters, and an epoch left partial by an interrupt), so
  // a model loaded from a checkpoint resumes where it stopped, with
  // identical losses; a partial epoch counts as one of options.epochs.
  // `train` must outlive the call. Everything that can be checked is
  // checked before the first step: the options, both data sets (names
  // "train" and "valid" in errors), their shapes and BatchNorm's batch
  // sizes. The Dataset form needs a model of one input and one output
  // (FailedPrecondition otherwise); a MultiDataset gives one tensor per
  // input and one label tensor per output, in order.
  //
  // Optimizer: the first Fit()/TrainStep() creates options.optimizer with
  // options.optimizer_options. A later call asking for other options of
  // the same kind rebuilds it with them and keeps its state (velocities,
  // moments, step count), as changing a PyTorch param_group does; another
  // kind starts a fresh optimizer (zero state). Options out of range are
  // InvalidArgument naming the option, and the optimizer is kept.
  absl::StatusOr<History> Fit(const Dataset& train, const Dataset* valid,
                              const FitOptions& options);
  absl::StatusOr<History> Fit(const MultiDataset& train,
                              const MultiDataset* valid,
                              const FitOptions& options);

  // TrainStep() runs one training step on one batch (`inputs` [B, ...] one
  // per model input, `labels` [B] one per output; the two-tensor form for a
  // model of one input and one output): forward, reverse pass, and an
  // update by options.optimizer with learning rate `lr` (options.lr and the
  // schedule are not read). The first call compiles the model with the
  // options' losses and creates the optimizer; once the executor for batch
  // size B exists a step allocates nothing
  // (tests/train/train_step_allocations_test.cc). Fit() is a loop of
  // these. Inputs or labels holding NaN/Inf, and a non-finite loss or
  // gradient (unless options.allow_non_finite), are InvalidArgument. On
  // error the parameters are unchanged.
  absl::StatusOr<StepResult> TrainStep(const Tensor& images,
                                       const Tensor& labels,
                                       const FitOptions& options, float lr);
  absl::StatusOr<StepResult> TrainStep(absl::Span<const Tensor> inputs,
                                       absl::Span<const Tensor> labels,
                                       const FitOptions& options, float lr);

  // Evaluate() computes the mean loss and accuracy over every example of
  // `data`, the last partial batch included, in evaluation mode, with the
  // losses the model was compiled with (softmax cross-entropy, weight 1,
  // for a model never compiled). For the Dataset form, `loss` chooses the
  // loss of a model never compiled; another loss than the compiled one is
  // FailedPrecondition. `name` names the data in errors ("test"); the data
  // is validated first. With a `communicator` of N > 1 ranks (every rank
  // calling with the same data), rank r evaluates batches r, r + N, ...
  // and every rank returns the sums over all of them.
  absl::StatusOr<EvalResult> Evaluate(const Dataset& data,
                                      int64_t batch_size = 256,
                                      std::optional<Loss> loss = std::nullopt,
                                      int num_threads = 1,
                                      const std::string& name = "data",
                                      Communicator* communicator = nullptr);
  absl::StatusOr<EvalResult> Evaluate(const MultiDataset& data,
                                      int64_t batch_size = 256,
                                      int num_threads = 1,
                                      const std::string& name = "data",
                                      Communicator* communicator = nullptr);

  // Predict() returns the output for `images` [N, ...input_shape] of a
  // model of one input and one output; PredictOutputs() every output (in
  // order) for `inputs`, one [N, ...] tensor per model input. Evaluation
  // mode. Another shape (see the class comment) or a NaN/Inf in an input is
  // InvalidArgument; an output too large to allocate ResourceExhausted.
  absl::StatusOr<Tensor> Predict(const Tensor& images, int64_t batch_size = 256,
                                 int num_threads = 1);
  absl::StatusOr<std::vector<Tensor>> PredictOutputs(
      absl::Span<const Tensor> inputs, int64_t batch_size = 256,
      int num_threads = 1);

  // Save() writes every parameter, the optimizer state and the counters to
  // a checkpoint (train/model_io.h), atomically. Load() reads one written
  // by a model of the same architecture; a missing, extra or mis-shaped
  // parameter is InvalidArgument naming it, and leaves the model unchanged.
  // Optimizer state loaded before the first training step is imported when
  // Fit() or TrainStep() creates the optimizer.
  absl::Status Save(const std::string& path);
  absl::Status Load(const std::string& path);

  // Counters: completed epochs and training steps since initialization.
  int64_t epochs_done() const { return epochs_done_; }
  int64_t steps_done() const { return steps_done_; }

  // SetPassOptions() chooses the graph passes Compile() runs (default: all
  // on). FailedPrecondition once the model is compiled.
  absl::Status SetPassOptions(const PassOptions& options);
  // pass_log() is what each pass did at Compile() (empty before).
  const std::vector<PassLog>& pass_log() const { return pass_log_; }

  // Compile() appends the losses (one per output, in order; the Loss form
  // gives every output that loss with weight 1) and the reverse pass,
  // finalizes and runs the graph passes (idempotent for the same losses;
  // other losses are FailedPrecondition). graph() is the graph after the
  // passes, the one the executors run.
  absl::Status Compile(Loss loss);
  absl::Status Compile(const std::vector<OutputLoss>& losses);
  const Graph* graph() const { return graph_.get(); }
  // output_node() (output 0), output_nodes(), loss_node() (the total) and
  // gradient_nodes() (one per trainable parameter, in creation order) are
  // nodes of graph() after Compile(); a kTrain executor fetches them all.
  NodeId output_node() const {
    return outputs_.empty() ? NodeId{} : outputs_[0];
  }
  const std::vector<NodeId>& output_nodes() const { return outputs_; }
  NodeId loss_node() const { return loss_; }
  const std::vector<NodeId>& gradient_nodes() const { return gradients_; }
  // trainable_parameter_names() names gradient_nodes()'s parameters, in
  // order (empty before Compile()).
  std::vector<std::string> trainable_parameter_names() const;
  // Endpoints is what an exporter needs: the compiled graph, the parameter
  // values, and the input and output nodes (the output is the last layer's,
  // before the loss) of a model of one input and one output.
  struct Endpoints {
    const Graph* graph;
    const ParameterStore* store;
    NodeId input;
    NodeId output;
  };
  // InferenceEndpoints() compiles the model if needed and returns its
  // Endpoints, valid while the model lives and is not re-compiled. The graph
  // is the one as built (before the graph passes), made of the layers' ops.
  // FailedPrecondition for a model of several inputs or outputs.
  absl::StatusOr<Endpoints> InferenceEndpoints();
  ParameterStore* parameters() { return &store_; }
  // GetExecutor() is the compiled executor of `mode` for `batch` examples
  // on `num_threads` threads (within `memory_budget_bytes` if > 0, and with
  // the gradients consumed by the update in the reverse pass if
  // `update_in_backward`, see FitOptions), made on first use and cached.
  // FailedPrecondition before Compile().
  absl::StatusOr<Executor*> GetExecutor(ExecutorMode mode, int64_t batch,
                                        int num_threads,
                                        int64_t memory_budget_bytes = 0,
                                        bool update_in_backward = false);
  // PassRows() is the batch of the training executor that one pass of a
  // full batch of options.batch_size runs (a shard of it: batch_size over
  // the reduction shards, rounded up). InvalidArgument for a bad
  // reduction_shards.
  absl::StatusOr<int64_t> PassRows(const FitOptions& options);
  // sync_finish_seconds() is the time data-parallel steps waited for the
  // gradient sums after the reverse pass (the communication it did not
  // hide), over sync_steps() steps.
  double sync_finish_seconds() const {
    return sync_ != nullptr ? sync_->finish_seconds() : 0;
  }
  int64_t sync_steps() const { return sync_ != nullptr ? sync_->steps() : 0; }

 protected:
  explicit Trainer(uint64_t seed);

  // For models/: the graph the layers are built into, and its endpoints.
  // SetInputs() names the input nodes and their per-example shapes;
  // SetOutputs() the output nodes and, for messages, the layer that made
  // each. Both only before Compile().
  GraphBuilder* builder() { return builder_.get(); }
  const GraphBuilder* builder() const { return builder_.get(); }
  void SetInputs(std::vector<NodeId> nodes, std::vector<Shape> shapes);
  void SetOutputs(std::vector<NodeId> nodes, std::vector<std::string> layers);
  // SetError() keeps the first build error; SetNote() a later one that
  // does not stop the model.
  void SetError(absl::Status status) {
    if (status_.ok()) status_ = std::move(status);
  }
  void SetNote(absl::Status status) {
    if (note_status_.ok()) note_status_ = std::move(status);
  }
  bool compiled() const { return compiled_; }
  absl::Status build_status() const { return status_; }

 private:
  struct ExecutorKey {
    ExecutorMode mode;
    int64_t batch;
    int threads;
    int64_t budget;
    bool consume;  // update_in_backward.
    bool operator<(const ExecutorKey& o) const {
      return std::tie(mode, batch, threads, budget, consume) <
             std::tie(o.mode, o.batch, o.threads, o.budget, o.consume);
    }
  };
  // ResolveLosses() is the options' loss per output; LossesMatch() says,
  // without allocating, whether they are the compiled ones.
  absl::StatusOr<std::vector<OutputLoss>> ResolveLosses(
      const FitOptions& options) const;
  bool LossesMatch(const FitOptions& options) const;
  absl::Status EnsureCompiled(const FitOptions& options);
  // CheckInputShape() accepts `shape` for input `i` (see the class
  // comment); `what` starts the message ("images", "input 1").
  absl::Status CheckInputShape(int i, const Shape& shape,
                               absl::string_view what) const;
  // CheckData() checks a data set's tensor counts and input shapes for the
  // model, and its class counts against the outputs.
  absl::Status CheckData(const MultiDataset& data,
                         const std::string& name) const;
  // CheckBatchNormBatches() rejects training batches (of `examples` in
  // batches of options.batch_size) that leave a BatchNorm node a single
  // value per feature.
  absl::Status CheckBatchNormBatches(int64_t examples,
                                     const FitOptions& options) const;
  // FeedBatch() feeds every input and label (one-hot when the loss wants
  // it).
  absl::Status FeedBatch(Executor* executor, absl::Span<const Tensor> inputs,
                         absl::Span<const Tensor> labels);
  // RunStep() is TrainStep() without the finite checks (Fit's data sets
  // are validated whole): the one training step.
  absl::StatusOr<StepResult> RunStep(absl::Span<const Tensor> inputs,
                                     absl::Span<const Tensor> labels,
                                     const FitOptions& options, float lr);
  // RunEpoch() trains one epoch of `batches` batches (continuing
  // partial_epoch_) and returns its train loss/accuracy; sets *interrupted
  // and returns early when options.interrupt is raised.
  absl::StatusOr<EvalResult> RunEpoch(BatchSource* source,
                                      const FitOptions& options, float lr,
                                      int64_t batches, bool* interrupted);
  // FitLoop() is Fit() after the data checks; `validate` evaluates the
  // validation data (nullptr without).
  using Validator = std::function<absl::StatusOr<EvalResult>()>;
  absl::StatusOr<History> FitLoop(BatchSource* source, int64_t examples,
                                  const FitOptions& options,
                                  const Validator& validate);
  // EvaluateLoop() evaluates every batch of `source` (with `comm` of size
  // N > 1, batch b on rank b % N, the sums over the ranks).
  absl::StatusOr<EvalResult> EvaluateLoop(BatchSource* source, int num_threads,
                                          Communicator* comm);
  // StartDataParallel() is Fit()'s start on N > 1 ranks: the global batch
  // checks, the fingerprint check, rank 0's state to every rank.
  absl::Status StartDataParallel(const FitOptions& options, int64_t examples);
  // SyncStep() sums the step's gradients (slots_) and statistics over the
  // ranks, this rank's scaled by `weight` (its share of the batch, or 1
  // when its shards were weighted already). `begun`: the pass began the
  // gradient sums already (RunShardPass() with overlap).
  absl::Status SyncStep(Communicator* comm, float weight, bool begun,
                        StepResult* result);
  // EnsureSync() makes sync_ for `comm` and the model's gradients.
  absl::Status EnsureSync(Communicator* comm);
  // BeginSync() begins sync_'s step over the gradients slots_ point to.
  absl::Status BeginSync(Communicator* comm, float weight);
  // PlanShards() is options.reduction_shards over options.communicator's
  // ranks (train/gradient_shards.h), kept (and valid) until either
  // changes.
  absl::StatusOr<const ShardPlan*> PlanShards(const FitOptions& options);
  // HasBatchNorm() is true when the model holds a BatchNorm node.
  bool HasBatchNorm() const;
  // RunShardPass() feeds rows `rows` of the global batch to the training
  // executor of that many rows and runs its forward and reverse pass. With
  // `overlap` (a communicator), each gradient's sum over the ranks (scaled
  // by `weight`) is started as soon as the reverse pass has computed it;
  // SyncStep(begun = true) finishes them.
  // With options.update_in_backward, each parameter is updated (learning
  // rate `lr`) by UpdateInBackward() as the pass finishes its gradient.
  absl::StatusOr<Executor*> RunShardPass(absl::Span<const Tensor> inputs,
                                         absl::Span<const Tensor> labels,
                                         const Shard& rows,
                                         const FitOptions& options,
                                         Communicator* overlap, float weight,
                                         float lr);
  // UpdateInBackward() is the update of parameter k of slots_ from its
  // final gradient in `executor` (during its Run()): the finite checks of
  // the loss and the gradient (unless options.allow_non_finite), then the
  // optimizer's StepParameter(). `updated` counts the parameters updated
  // so far this step; an error after the first sets partial_step_.
  // PartialStepError() is `what`'s refusal after a partial step.
  static absl::Status PartialStepError(absl::string_view what);
  absl::Status UpdateInBackward(Executor* executor, int k,
                                const FitOptions& options, float lr,
                                int* updated);

  // ApplyCheckpoint() sets the model's state from `ckpt` (read from
  // `what`), checking everything before changing anything.
  absl::Status ApplyCheckpoint(Checkpoint ckpt, const std::string& what);
  absl::Status NeedOneInputOneOutput(absl::string_view what) const;

  uint64_t seed_;
  absl::Status status_;
  absl::Status note_status_;
  std::unique_ptr<GraphBuilder> builder_;
  std::vector<NodeId> inputs_;
  std::vector<Shape> input_shapes_;          // Per example.
  std::vector<Shape> batched_input_shapes_;  // [kUnknownDim, ...]
  std::vector<NodeId> outputs_;
  std::vector<std::string> output_layers_;

  PassOptions pass_options_;
  std::vector<PassLog> pass_log_;

  // Set by Compile(). inputs_, labels_, outputs_, output_losses_, loss_
  // and gradients_ are then ids of graph_ (after the passes); built_graph_
  // is the graph before them, with its ids built_inputs_ and
  // built_outputs_.
  bool compiled_ = false;
  std::unique_ptr<Graph> built_graph_;
  std::vector<NodeId> built_inputs_;
  std::vector<NodeId> built_outputs_;
  std::vector<OutputLoss> losses_;
  std::vector<NodeId> labels_;
  std::vector<NodeId> output_losses_;
  NodeId loss_;
  std::vector<NodeId> params_;     // Trainable, in creation order.
  std::vector<NodeId> gradients_;  // Same order.
  std::unique_ptr<Graph> graph_;
  ParameterStore store_;
  bool store_ready_ = false;
  std::map<ExecutorKey, std::unique_ptr<Executor>> executors_;
  std::vector<OneHotEncoder> one_hot_;  // Targets for MSE/BCE, per output.

  ResumableOptimizer optimizer_;
  std::vector<ParamSlot> slots_;

  // Per-output statistics of the last step, sized at Compile().
  std::vector<double> step_losses_;
  std::vector<int64_t> step_correct_;

  int64_t epochs_done_ = 0;
  int64_t steps_done_ = 0;
  // partial_step_: a step under update_in_backward stopped after updating
  // some parameters; Save() and training refuse until Load().
  bool partial_step_ = false;
  EpochProgress partial_epoch_;  // All zero between epochs.

  // Data parallelism: the last Fit()'s communicator (Save() writes only on
  // its rank 0), the gradient sync of sync_comm_, and per-step buffers.
  Communicator* communicator_ = nullptr;
  Communicator* sync_comm_ = nullptr;
  std::unique_ptr<GradientSync> sync_;
  std::vector<Tensor*> sync_gradients_;
  std::vector<float> step_stats_;
  std::vector<Tensor> shard_inputs_;
  std::vector<Tensor> shard_labels_;

  // Gradient shards (train/gradient_shards.h): the plan for the last
  // options, the sum of this rank's shards, and per-step buffers.
  std::optional<ShardPlan> plan_;
  // {reduction_shards, ranks, rank, update_in_backward}.
  std::tuple<int, int, int, bool> plan_key_;
  ShardSum shard_sum_;
  std::vector<float> leaf_stats_;  // Per shard: {loss, per output loss}.
  std::vector<Tensor> zero_gradients_;  // An empty shard's gradients.
  std::vector<Tensor*> one_shard_;      // The gradients of a single shard.
};

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_TRAINER_H_
