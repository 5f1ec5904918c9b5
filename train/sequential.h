// train/sequential.h: a stack of layers that trains, evaluates and predicts.
//
// This is dagrad's counterpart of slugnet's Model and the Edinburgh
// framework's MultipleLayerModel + Optimiser. Add() builds each layer into a
// static graph at once (so a shape mistake is reported at the layer that
// made it); the first Fit()/Evaluate() appends the loss and the reverse pass
// (VJP nodes), finalizes the graph and compiles executors with planned
// memory. Parameters live in the model's ParameterStore, initialized from
// the model seed.
//
// Example (slugnet's MNIST MLP):
//   Sequential model(Shape({1, 28, 28}), /*seed=*/0);
//   model.Add(Flatten());
//   model.Add(Dense(200, Activation::kRelu));
//   model.Add(Dense(10, Activation::kSoftmax));
//   FitOptions fit;
//   fit.epochs = 3;
//   fit.batch_size = 64;
//   fit.optimizer = OptimizerKind::kRmsProp;
//   fit.lr = 0.01;
//   ASSIGN_OR_RETURN(History history, model.Fit(data.train, &data.valid, fit));
//   ASSIGN_OR_RETURN(EvalResult test, model.Evaluate(data.test));
//
// Errors: Add() never fails loudly; the first error (naming the layer, op
// and shapes, or a parameter too large to allocate: ResourceExhausted) is
// kept, later Add()s are ignored, and status(), Summary(), Fit(),
// Evaluate() and Predict() return it. Add() after the model is compiled
// (by Fit, Evaluate, Predict, Save, Load or Compile) changes nothing: the
// layer is refused, status() reports FailedPrecondition naming it, and the
// compiled model keeps training, evaluating and predicting. A failed Fit()
// leaves the parameters as they were after the last completed step.
//
// Bad numbers: a training step whose loss or gradient is NaN or Inf is an
// error (InvalidArgument naming the epoch, the step and the value) and its
// update is not applied, unless FitOptions::allow_non_finite. Batches given
// directly (TrainStep, Predict) are checked for NaN/Inf first; data sets
// (Fit, Evaluate) are checked whole by DataProvider (data/dataset.h).
//
// Input shapes: images must be [N] + the input shape exactly; a model whose
// input is rank 1 ([784]) also takes any per-example shape of that many
// elements ([N,1,28,28]), flattened. Anything else (NHWC data for an NCHW
// model) is InvalidArgument naming both shapes.
//
// Loss and output: with Loss::kSoftmaxCrossEntropy (the default) the model's
// output may be logits or end in a Softmax (Dense(10, kSoftmax), as in
// slugnet); a final Softmax is fused into the loss (the loss reads its
// input), which is the numerically stable form. Loss::kCrossEntropy expects
// probabilities (a final Softmax kept as is, the Edinburgh
// CrossEntropyError). kMeanSquaredError and kSigmoidBinaryCrossEntropy
// compare the output with one-hot targets made from the labels.
//
// Graph passes: Compile() runs the pipeline of graph/passes/pipeline.h
// (CSE, constant folding, the ReLU/max-pool reorder, activation fusion) on
// the finalized graph before any executor is made; every pass is exact
// (outputs and gradients bitwise equal with it off) and on by default.
// SetPassOptions() switches them before the first Compile().
//
// Thread safety: none; one thread drives a model.
#ifndef DAGRAD_TRAIN_SEQUENTIAL_H_
#define DAGRAD_TRAIN_SEQUENTIAL_H_

#include <atomic>
#include <cstdint>
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
#include "core/shape.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "data/dataset.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "graph/passes/pipeline.h"
#include "layers/layer.h"
#include "report/history.h"
#include "train/callbacks.h"
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

struct FitOptions {
  int epochs = 1;
  int64_t batch_size = 32;
  Loss loss = Loss::kSoftmaxCrossEntropy;
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
  // memory_budget_bytes: when > 0, the training executor recomputes forward
  // values in the reverse pass so that its arena fits this budget
  // (ExecutorOptions::memory_budget_bytes; bitwise the same losses).
  int64_t memory_budget_bytes = 0;
};

// ExecutorMode is what a compiled executor computes: kTrain the output,
// the loss and the gradients (training-mode layers: dropout on, batch
// statistics), kEvaluate the output and the loss, kPredict the output only
// (both in evaluation mode).
enum class ExecutorMode { kTrain, kEvaluate, kPredict };

struct EvalResult {
  double loss = 0;
  double accuracy = 0;
  int64_t examples = 0;
};

// StepResult is what one training step reports.
struct StepResult {
  float loss = 0;       // Mean loss over the batch, before the update.
  int64_t correct = 0;  // Examples whose first-maximum output is the label.
};

class Sequential {
 public:
  // Sequential() makes an empty model taking examples of `input_shape`
  // (without the batch dimension, e.g. {1, 28, 28} or {784}).
  explicit Sequential(Shape input_shape, uint64_t seed = 0);
  ~Sequential();

  Sequential(const Sequential&) = delete;
  Sequential& operator=(const Sequential&) = delete;

  // Add() appends `layer`, named `name` or "<type>_<k>" (dense_1, ...),
  // and builds it into the graph at once; see the class comment for errors.
  template <typename L>
  Sequential& Add(L layer, std::string name = "") {
    return AddLayer(std::make_unique<L>(std::move(layer)), std::move(name));
  }
  Sequential& AddLayer(std::unique_ptr<Layer> layer, std::string name = "");

  // status() is the first Add() error, or OK; a layer refused because the
  // model was compiled is reported here but does not stop the model.
  const absl::Status& status() const {
    return status_.ok() ? late_add_status_ : status_;
  }

  // Summary() is a Keras-style table: layer (type), output shape, parameter
  // count, and the total.
  absl::StatusOr<std::string> Summary() const;
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
  // "train" and "valid" in errors), their image shapes and BatchNorm's
  // batch sizes.
  //
  // Optimizer: the first Fit()/TrainStep() creates options.optimizer with
  // options.optimizer_options. A later call asking for other options of
  // the same kind rebuilds it with them and keeps its state (velocities,
  // moments, step count), as changing a PyTorch param_group does; another
  // kind starts a fresh optimizer (zero state). Options out of range are
  // InvalidArgument naming the option, and the optimizer is kept.
  absl::StatusOr<History> Fit(const Dataset& train, const Dataset* valid,
                              const FitOptions& options);

  // TrainStep() runs one training step on one batch (images [B, ...input],
  // labels [B]): forward, reverse pass, and an update by options.optimizer
  // with learning rate `lr` (options.lr and the schedule are not read).
  // The first call compiles the model with options.loss and creates the
  // optimizer; once the executor for batch size B exists a step allocates
  // nothing (tests/train/train_step_allocations_test.cc). Fit() is a loop
  // of these. Images or labels holding NaN/Inf, and a non-finite loss or
  // gradient (unless options.allow_non_finite), are InvalidArgument. On
  // error the parameters are unchanged.
  absl::StatusOr<StepResult> TrainStep(const Tensor& images,
                                       const Tensor& labels,
                                       const FitOptions& options, float lr);

  // Evaluate() computes the mean loss and accuracy over every example of
  // `data`, the last partial batch included, in evaluation mode. `loss`
  // defaults to the loss the model was compiled with (softmax
  // cross-entropy for a model that was never compiled); another loss than
  // the compiled one is FailedPrecondition. `name` names the data in
  // errors ("test"); the data is validated first (ValidateDataset()).
  absl::StatusOr<EvalResult> Evaluate(const Dataset& data,
                                      int64_t batch_size = 256,
                                      std::optional<Loss> loss = std::nullopt,
                                      int num_threads = 1,
                                      const std::string& name = "data");

  // Predict() returns the model's output for `images` [N, ...input_shape]
  // (probabilities if the model ends in a Softmax), in evaluation mode.
  // Another shape (see the class comment) or a NaN/Inf in `images` is
  // InvalidArgument; an output too large to allocate ResourceExhausted.
  absl::StatusOr<Tensor> Predict(const Tensor& images, int64_t batch_size = 256,
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

  // Graph access, for DOT export and inspection: Compile() appends the loss
  // and the reverse pass, finalizes and runs the graph passes (idempotent
  // for the same loss). graph() is the graph after the passes, the one the
  // executors run.
  absl::Status Compile(Loss loss);
  const Graph* graph() const { return graph_.get(); }
  // output_node(), loss_node() and gradient_nodes() (one per trainable
  // parameter, in creation order) are nodes of graph() after Compile(); a
  // kTrain executor fetches them all.
  NodeId output_node() const { return output_; }
  NodeId loss_node() const { return loss_; }
  const std::vector<NodeId>& gradient_nodes() const { return gradients_; }
  // Endpoints is what an exporter needs: the compiled graph, the parameter
  // values, and the input and output nodes (the output is the last layer's,
  // before the loss).
  struct Endpoints {
    const Graph* graph;
    const ParameterStore* store;
    NodeId input;
    NodeId output;
  };
  // InferenceEndpoints() compiles the model if needed and returns its
  // Endpoints, valid while the model lives and is not re-compiled. The graph
  // is the one as built (before the graph passes), made of the layers' ops.
  absl::StatusOr<Endpoints> InferenceEndpoints();
  ParameterStore* parameters() { return &store_; }
  // GetExecutor() is the compiled executor of `mode` for `batch` examples
  // on `num_threads` threads (within `memory_budget_bytes` if > 0, see
  // FitOptions), made on first use and cached.
  // FailedPrecondition before Compile().
  absl::StatusOr<Executor*> GetExecutor(ExecutorMode mode, int64_t batch,
                                        int num_threads,
                                        int64_t memory_budget_bytes = 0);

 private:
  struct LayerInfo {
    std::string name;
    std::string type;
    NodeId output;
    std::vector<NodeId> parameters;  // Created by this layer.
  };
  struct ExecutorKey {
    ExecutorMode mode;
    int64_t batch;
    int threads;
    int64_t budget;
    bool operator<(const ExecutorKey& o) const {
      return std::tie(mode, batch, threads, budget) <
             std::tie(o.mode, o.batch, o.threads, o.budget);
    }
  };

  // CheckImageShape() accepts images of shape `images` for the model (see
  // the class comment); `what` starts the message.
  absl::Status CheckImageShape(const Shape& images,
                               absl::string_view what) const;
  // CheckBatchNormBatches() rejects training batches (of `examples` in
  // batches of options.batch_size) that leave a BatchNorm layer a single
  // value per feature.
  absl::Status CheckBatchNormBatches(int64_t examples,
                                     const FitOptions& options) const;
  // FeedBatch() feeds images and labels (one-hot when the loss wants it).
  absl::Status FeedBatch(Executor* executor, const Tensor& images,
                         const Tensor& labels);
  // RunStep() is TrainStep() without the input checks (Fit's data sets are
  // validated whole).
  absl::StatusOr<StepResult> RunStep(const Tensor& images, const Tensor& labels,
                                     const FitOptions& options, float lr);
  // RunEpoch() trains one epoch of `batches` batches (continuing
  // partial_epoch_) and returns its train loss/accuracy; sets *interrupted
  // and returns early when options.interrupt is raised.
  absl::StatusOr<EvalResult> RunEpoch(DataProvider* provider,
                                      const FitOptions& options, float lr,
                                      int64_t batches, bool* interrupted);

  Shape input_shape_;
  Shape batched_input_shape_;  // [kUnknownDim, input_shape_...]
  uint64_t seed_;
  absl::Status status_;
  absl::Status late_add_status_;  // An Add() refused after Compile().
  std::unique_ptr<GraphBuilder> builder_;
  std::vector<LayerInfo> layers_;
  std::vector<std::unique_ptr<Layer>> layer_objects_;
  NodeId input_;
  NodeId output_;

  PassOptions pass_options_;
  std::vector<PassLog> pass_log_;

  // Set by Compile(). input_, labels_, output_, loss_ and gradients_ are
  // then ids of graph_ (after the passes); built_graph_ is the graph before
  // them, with its ids built_input_ and built_output_.
  bool compiled_ = false;
  std::unique_ptr<Graph> built_graph_;
  NodeId built_input_;
  NodeId built_output_;
  Loss loss_kind_ = Loss::kSoftmaxCrossEntropy;
  NodeId labels_;
  NodeId loss_;
  std::vector<NodeId> params_;     // Trainable, in creation order.
  std::vector<NodeId> gradients_;  // Same order.
  std::unique_ptr<Graph> graph_;
  ParameterStore store_;
  bool store_ready_ = false;
  std::map<ExecutorKey, std::unique_ptr<Executor>> executors_;
  OneHotEncoder one_hot_;  // Targets for MSE/BCE.

  ResumableOptimizer optimizer_;
  std::vector<ParamSlot> slots_;

  int64_t epochs_done_ = 0;
  int64_t steps_done_ = 0;
  EpochProgress partial_epoch_;  // All zero between epochs.
};

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_SEQUENTIAL_H_
