// train/trainer.cc: losses, compilation, executors, feeding, Save/Load.
// The loops (Fit/Evaluate/Predict/TrainStep) are in train/fit.cc, the
// checkpoint's contents in train/model_io.cc.
#include "train/trainer.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "dist/consistency.h"
#include "graph/autodiff.h"
#include "ops/add.h"
#include "ops/batch_norm.h"
#include "ops/cross_entropy.h"
#include "ops/mean_squared_error.h"
#include "ops/scale.h"
#include "ops/sigmoid_binary_cross_entropy.h"
#include "ops/softmax_cross_entropy.h"
#include "train/data_parallel.h"

namespace dagrad {
namespace {

bool WantsOneHot(Loss loss) {
  return loss == Loss::kMeanSquaredError ||
         loss == Loss::kSigmoidBinaryCrossEntropy;
}

}  // namespace

absl::StatusOr<Loss> ParseLoss(absl::string_view name) {
  if (name == "softmax_cross_entropy") return Loss::kSoftmaxCrossEntropy;
  if (name == "cross_entropy") return Loss::kCrossEntropy;
  if (name == "mse") return Loss::kMeanSquaredError;
  if (name == "sigmoid_bce") return Loss::kSigmoidBinaryCrossEntropy;
  return absl::InvalidArgumentError(absl::StrFormat(
      "unknown loss '%s' (expected softmax_cross_entropy, cross_entropy, mse "
      "or sigmoid_bce)",
      name));
}

Trainer::Trainer(uint64_t seed)
    : seed_(seed), builder_(std::make_unique<GraphBuilder>()) {}

Trainer::~Trainer() = default;

void Trainer::SetInputs(std::vector<NodeId> nodes, std::vector<Shape> shapes) {
  inputs_ = std::move(nodes);
  input_shapes_ = std::move(shapes);
  batched_input_shapes_.clear();
  for (const Shape& s : input_shapes_) {
    std::vector<int64_t> dims = {Shape::kUnknownDim};
    for (int64_t d : s.dims()) dims.push_back(d);
    batched_input_shapes_.push_back(Shape(dims));
  }
}

void Trainer::SetOutputs(std::vector<NodeId> nodes,
                         std::vector<std::string> layers) {
  outputs_ = std::move(nodes);
  output_layers_ = std::move(layers);
}

int64_t Trainer::parameter_count() const {
  int64_t total = 0;
  for (NodeId p : builder_->parameters()) {
    absl::StatusOr<Shape> shape = builder_->shape(p);
    if (shape.ok()) total += shape->num_elements();
  }
  return total;
}

absl::Status Trainer::PartialStepError(absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat(
      what, ": the last training step stopped midway with update_in_backward, ",
      "so some parameters hold its update and others not; Load() a ",
      "checkpoint first"));
}

absl::Status Trainer::NeedOneInputOneOutput(absl::string_view what) const {
  if (inputs_.size() == 1 && outputs_.size() <= 1) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrFormat(
      "%s needs a model of one input and one output; this one has %d inputs "
      "and %d outputs (use the MultiDataset / span forms)",
      what, inputs_.size(), outputs_.size()));
}

absl::StatusOr<std::vector<OutputLoss>> Trainer::ResolveLosses(
    const FitOptions& options) const {
  const size_t n = outputs_.size();
  if (!options.losses.empty() && options.losses.size() != n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "FitOptions::losses gives %d losses for a model of %d outputs",
        options.losses.size(), n));
  }
  if (!options.loss_weights.empty() && options.loss_weights.size() != n) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "FitOptions::loss_weights gives %d weights for a model of %d outputs",
        options.loss_weights.size(), n));
  }
  std::vector<OutputLoss> out(n);
  for (size_t i = 0; i < n; ++i) {
    out[i].loss = options.losses.empty() ? options.loss : options.losses[i];
    if (!options.loss_weights.empty()) {
      out[i].weight = options.loss_weights[i];
      if (!(out[i].weight >= 0) || !std::isfinite(out[i].weight)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "FitOptions::loss_weights[%d] must be finite and >= 0, got %g", i,
            out[i].weight));
      }
    }
  }
  return out;
}

bool Trainer::LossesMatch(const FitOptions& options) const {
  for (size_t i = 0; i < losses_.size(); ++i) {
    const Loss loss = options.losses.size() == losses_.size()
                          ? options.losses[i]
                          : options.loss;
    const float weight = options.loss_weights.size() == losses_.size()
                             ? options.loss_weights[i]
                             : 1.0f;
    if (!(losses_[i] == OutputLoss{loss, weight})) return false;
  }
  return true;
}

absl::Status Trainer::EnsureCompiled(const FitOptions& options) {
  // The steady state (compiled with these losses) allocates nothing.
  if (compiled_ && LossesMatch(options)) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<OutputLoss> losses, ResolveLosses(options));
  return Compile(losses);
}

absl::Status Trainer::Compile(Loss loss) {
  return Compile(std::vector<OutputLoss>(outputs_.size(), OutputLoss{loss}));
}

absl::Status Trainer::Compile(const std::vector<OutputLoss>& losses) {
  RETURN_IF_ERROR(status_);
  if (compiled_) {
    if (losses == losses_) return absl::OkStatus();
    return absl::FailedPreconditionError(
        "the model is compiled with another loss; a model has one loss");
  }
  if (outputs_.empty()) {
    return absl::FailedPreconditionError("the model has no layers");
  }
  if (losses.size() != outputs_.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("Compile: %d losses for a model of %d outputs",
                        losses.size(), outputs_.size()));
  }
  const bool single = outputs_.size() == 1;
  NodeOptions scope;
  scope.scope = "loss";
  std::vector<NodeId> labels, output_losses;
  for (size_t i = 0; i < outputs_.size(); ++i) {
    const NodeId output = outputs_[i];
    const Loss loss = losses[i].loss;
    ASSIGN_OR_RETURN(Shape out, builder_->shape(output));
    if (out.rank() != 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "the model output %s (layer '%s') must be [batch, classes]; add "
          "Flatten and Dense layers",
          out.DebugString(), output_layers_[i]));
    }
    const int64_t classes = out.dim(1);
    const std::string suffix = single ? "" : absl::StrCat("_", i);
    // A final Softmax is fused into SoftmaxCrossEntropy: the loss reads the
    // logits, its input.
    NodeId logits = output;
    if (loss == Loss::kSoftmaxCrossEntropy &&
        builder_->op_kind(output) == OpKind::kSoftmax) {
      logits = builder_->inputs(output)[0];
    }
    NodeId label;
    if (WantsOneHot(loss)) {
      ASSIGN_OR_RETURN(
          label, builder_->AddInput("targets" + suffix,
                                    Shape({Shape::kUnknownDim, classes})));
    } else {
      ASSIGN_OR_RETURN(label, builder_->AddInput("labels" + suffix,
                                                 Shape({Shape::kUnknownDim})));
    }
    absl::StatusOr<NodeId> loss_node;
    switch (loss) {
      case Loss::kSoftmaxCrossEntropy:
        loss_node =
            builder_->AddOp(SoftmaxCrossEntropyAttrs{}, {logits, label}, scope);
        break;
      case Loss::kCrossEntropy:
        loss_node =
            builder_->AddOp(CrossEntropyAttrs{}, {output, label}, scope);
        break;
      case Loss::kMeanSquaredError:
        loss_node =
            builder_->AddOp(MeanSquaredErrorAttrs{}, {output, label}, scope);
        break;
      case Loss::kSigmoidBinaryCrossEntropy:
        loss_node = builder_->AddOp(SigmoidBinaryCrossEntropyAttrs{},
                                    {output, label}, scope);
        break;
    }
    ASSIGN_OR_RETURN(NodeId l, std::move(loss_node));
    labels.push_back(label);
    output_losses.push_back(l);
  }
  // The total: sum_i w_i L_i, left to right; one output of weight 1 is its
  // loss itself.
  NodeId total;
  for (size_t i = 0; i < output_losses.size(); ++i) {
    NodeId term = output_losses[i];
    if (losses[i].weight != 1.0f) {
      ScaleAttrs scale;
      scale.alpha = losses[i].weight;
      ASSIGN_OR_RETURN(term, builder_->AddOp(scale, {term}, scope));
    }
    if (i == 0) {
      total = term;
    } else {
      ASSIGN_OR_RETURN(total,
                       builder_->AddOp(AddAttrs{}, {total, term}, scope));
    }
  }
  labels_ = std::move(labels);
  output_losses_ = std::move(output_losses);
  loss_ = total;
  params_ = builder_->trainable_parameters();
  ASSIGN_OR_RETURN(gradients_, AddGradients(builder_.get(), loss_, params_));
  ASSIGN_OR_RETURN(Graph graph, builder_->Finalize());
  built_graph_ = std::make_unique<Graph>(std::move(graph));
  built_inputs_ = inputs_;
  built_outputs_ = outputs_;
  // The graph passes; the ids the executors use are remapped once here.
  std::vector<NodeId*> kept = {&loss_};
  for (NodeId& id : inputs_) kept.push_back(&id);
  for (NodeId& id : labels_) kept.push_back(&id);
  for (NodeId& id : outputs_) kept.push_back(&id);
  for (NodeId& id : output_losses_) kept.push_back(&id);
  for (NodeId& g : gradients_) kept.push_back(&g);
  std::vector<NodeId> roots;
  for (NodeId* id : kept) roots.push_back(*id);
  ASSIGN_OR_RETURN(PipelineResult passes,
                   RunPasses(*built_graph_, roots, pass_options_));
  for (NodeId* id : kept) {
    ASSIGN_OR_RETURN(*id, passes.Map(*id));
  }
  graph_ = std::make_unique<Graph>(std::move(passes.graph));
  pass_log_ = std::move(passes.log);
  if (!store_ready_) {
    RETURN_IF_ERROR(store_.Initialize(*built_graph_, seed_));
    store_ready_ = true;
  }
  slots_.clear();
  for (NodeId p : params_) {
    ParamSlot slot;
    slot.name = builder_->name(p);
    slot.value = store_.Find(slot.name);
    if (slot.value == nullptr) {
      return absl::InternalError(
          absl::StrCat("parameter ", slot.name, " is not in the store"));
    }
    slot.grad = slot.value;  // Re-pointed to the gradient at every step.
    slots_.push_back(std::move(slot));
  }
  one_hot_ = std::vector<OneHotEncoder>(outputs_.size());
  step_losses_.assign(outputs_.size(), 0);
  step_correct_.assign(outputs_.size(), 0);
  losses_ = losses;
  compiled_ = true;
  return absl::OkStatus();
}

std::vector<std::string> Trainer::trainable_parameter_names() const {
  std::vector<std::string> names;
  for (const ParamSlot& slot : slots_) names.push_back(slot.name);
  return names;
}

absl::Status Trainer::SetPassOptions(const PassOptions& options) {
  if (compiled_) {
    return absl::FailedPreconditionError(
        "SetPassOptions: the model is already compiled");
  }
  pass_options_ = options;
  return absl::OkStatus();
}

absl::StatusOr<Executor*> Trainer::GetExecutor(ExecutorMode mode, int64_t batch,
                                               int num_threads,
                                               int64_t memory_budget_bytes,
                                               bool update_in_backward) {
  const bool consume = update_in_backward && mode == ExecutorMode::kTrain;
  const ExecutorKey key{mode, batch, num_threads, memory_budget_bytes,
                        consume};
  auto it = executors_.find(key);
  if (it != executors_.end()) return it->second.get();
  if (!compiled_) {
    return absl::FailedPreconditionError("the model is not compiled");
  }
  ExecutorOptions options;
  options.batch_size = batch;
  options.num_threads = num_threads;
  options.training = mode == ExecutorMode::kTrain;
  options.seed = seed_;
  options.in_place = pass_options_.in_place;
  options.memory_budget_bytes = memory_budget_bytes;
  options.fetches = outputs_;
  if (mode != ExecutorMode::kPredict) {
    options.fetches.push_back(loss_);
    for (NodeId l : output_losses_) {
      if (l != loss_) options.fetches.push_back(l);
    }
  }
  if (mode == ExecutorMode::kTrain) {
    for (NodeId g : gradients_) options.fetches.push_back(g);
  }
  if (consume) {
    // Each gradient is reported once the loss is computed and nothing
    // reads its parameter any more, and dies with its update.
    for (size_t i = 0; i < gradients_.size(); ++i) {
      options.consumed_fetches.push_back(
          {gradients_[i], slots_[i].name, loss_});
    }
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> executor,
                   Executor::Create(*graph_, std::move(options)));
  RETURN_IF_ERROR(executor->BindParameters(&store_));
  Executor* raw = executor.get();
  executors_.emplace(key, std::move(executor));
  return raw;
}

absl::Status Trainer::CheckInputShape(int i, const Shape& images,
                                      absl::string_view what) const {
  // Allocates nothing when the shape fits (a training step checks it).
  const Shape& input_shape = input_shapes_[i];
  const int rank = input_shape.rank();
  bool fits = images.rank() == rank + 1;
  for (int d = 0; fits && d < rank; ++d) {
    fits = images.dim(d + 1) == input_shape.dim(d);
  }
  if (!fits && rank == 1 && images.rank() >= 2) {
    int64_t per_example = 1;  // A rank-1 input flattens each example.
    for (int d = 1; d < images.rank(); ++d) per_example *= images.dim(d);
    fits = per_example == input_shape.dim(0);
  }
  if (fits && images.dim(0) >= 1) return absl::OkStatus();
  Shape want = batched_input_shapes_[i];
  if (images.rank() >= 1) want.set_dim(0, images.dim(0));
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s %s do not fit the model input %s (same order of dimensions, e.g. "
      "NCHW; a rank-1 input takes any shape of as many elements)",
      what, images.DebugString(), want.DebugString()));
}

absl::Status Trainer::CheckData(const MultiDataset& data,
                                const std::string& name) const {
  if (data.inputs.size() != inputs_.size() ||
      data.labels.size() != outputs_.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "data set '%s' has %d input tensors and %d label tensors; the model "
        "has %d inputs and %d outputs",
        name, data.inputs.size(), data.labels.size(), inputs_.size(),
        outputs_.size()));
  }
  for (int i = 0; i < num_inputs(); ++i) {
    RETURN_IF_ERROR(
        CheckInputShape(i, data.inputs[i].shape(),
                        absl::StrFormat("data set '%s': input %d", name, i)));
  }
  for (int j = 0; j < num_outputs(); ++j) {
    ASSIGN_OR_RETURN(Shape out, builder_->shape(outputs_[j]));
    if (out.rank() == 2 && j < static_cast<int>(data.num_classes.size()) &&
        data.num_classes[j] > out.dim(1)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "data set '%s': labels %d have %d classes, more than output %d "
          "(layer '%s') %s gives",
          name, j, data.num_classes[j], j, output_layers_[j],
          out.DebugString()));
    }
  }
  return absl::OkStatus();
}

bool Trainer::HasBatchNorm() const {
  for (int id = 0; id < builder_->num_nodes(); ++id) {
    const NodeId node{id};
    if (builder_->node(node).type == NodeType::kOp &&
        builder_->op_kind(node) == OpKind::kBatchNorm) {
      return true;
    }
  }
  return false;
}

absl::Status Trainer::CheckBatchNormBatches(int64_t examples,
                                            const FitOptions& options) const {
  const int64_t full = examples / options.batch_size;
  const int64_t last = options.drop_last ? 0 : examples % options.batch_size;
  for (int id = 0; id < builder_->num_nodes(); ++id) {
    const NodeId node{id};
    if (builder_->node(node).type != NodeType::kOp ||
        builder_->op_kind(node) != OpKind::kBatchNorm) {
      continue;
    }
    // The layer is the node's scope: "bn_1/BatchNorm" -> "bn_1".
    const std::string& full_name = builder_->name(node);
    const std::string layer = full_name.substr(0, full_name.rfind('/'));
    ASSIGN_OR_RETURN(Shape shape, builder_->shape(node));
    int64_t per_example = 1;  // Values per feature (channel) per example.
    for (int i = 2; i < shape.rank(); ++i) per_example *= shape.dim(i);
    if (full > 0 && options.batch_size * per_example < 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "layer '%s' (BatchNorm): batch_size %d gives it one value per "
          "feature, and batch statistics need at least 2; use a larger "
          "batch size",
          layer, options.batch_size));
    }
    if (last > 0 && last * per_example < 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "layer '%s' (BatchNorm): the last training batch would hold %d "
          "example (%d examples, batch_size %d), too few for batch "
          "statistics; set drop_last (FitOptions::drop_last, --drop_last) "
          "or another batch size",
          layer, last, examples, options.batch_size));
    }
  }
  return absl::OkStatus();
}

absl::Status Trainer::FeedBatch(Executor* executor,
                                absl::Span<const Tensor> inputs,
                                absl::Span<const Tensor> labels) {
  if (inputs.size() != inputs_.size() || labels.size() != outputs_.size()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%d inputs and %d label tensors given; the model has %d inputs and "
        "%d outputs",
        inputs.size(), labels.size(), inputs_.size(), outputs_.size()));
  }
  const int64_t batch = labels[0].size();
  for (size_t j = 1; j < labels.size(); ++j) {
    if (labels[j].size() != batch) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "labels %d %s and labels 0 %s hold different numbers of examples", j,
          labels[j].shape().DebugString(), labels[0].shape().DebugString()));
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& images = inputs[i];
    if (const absl::Status fits =
            CheckInputShape(static_cast<int>(i), images.shape(),
                            inputs_.size() == 1 ? "images" : "an input");
        !fits.ok()) {
      return inputs_.size() == 1 ? fits
                                 : absl::InvalidArgumentError(absl::StrFormat(
                                       "input %d: %s", i, fits.message()));
    }
    if (images.shape().dim(0) != batch) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "images %s and labels %s hold different numbers of examples",
          images.shape().DebugString(), labels[0].shape().DebugString()));
    }
    Shape want = batched_input_shapes_[i];  // No allocation up to rank 4.
    want.set_dim(0, batch);
    RETURN_IF_ERROR(executor->Feed(inputs_[i], images.ViewAs(want)));
  }
  for (size_t j = 0; j < labels.size(); ++j) {
    if (!WantsOneHot(losses_[j].loss)) {
      RETURN_IF_ERROR(executor->Feed(labels_[j], labels[j]));
      continue;
    }
    const Shape& out = graph_->node(outputs_[j]).shape;
    ASSIGN_OR_RETURN(Tensor targets, one_hot_[j].Encode(labels[j], out.dim(1)));
    RETURN_IF_ERROR(executor->Feed(labels_[j], targets));
  }
  return absl::OkStatus();
}

absl::Status Trainer::Save(const std::string& path) {
  // Data-parallel replicas are identical; rank 0 writes for all.
  if (communicator_ != nullptr && communicator_->rank() != 0) {
    return absl::OkStatus();
  }
  if (partial_step_) return PartialStepError("Save");
  if (!compiled_) {
    RETURN_IF_ERROR(Compile(losses_.empty() ? Loss::kSoftmaxCrossEntropy
                                            : losses_[0].loss));
  }
  const TrainingCounters counters{epochs_done_, steps_done_, seed_,
                                  partial_epoch_};
  return WriteCheckpoint(
      path, EncodeModelCheckpoint(store_.Items(), counters, optimizer_.get()));
}

absl::Status Trainer::Load(const std::string& path) {
  if (!compiled_) RETURN_IF_ERROR(Compile(Loss::kSoftmaxCrossEntropy));
  ASSIGN_OR_RETURN(Checkpoint ckpt, ReadCheckpoint(path));
  return ApplyCheckpoint(std::move(ckpt), path);
}

absl::Status Trainer::ApplyCheckpoint(Checkpoint ckpt,
                                      const std::string& what) {
  // Check everything before changing anything.
  ASSIGN_OR_RETURN(
      ModelCheckpoint model,
      DecodeModelCheckpoint(std::move(ckpt), store_.Items(), what));
  if (model.optimizer_state.has_value()) {
    RETURN_IF_ERROR(optimizer_.Restore(
        model.optimizer, std::move(*model.optimizer_state), what));
  } else if (partial_step_) {
    optimizer_.Reset();  // Its state holds half a step.
  }
  partial_step_ = false;
  for (const NamedTensor& t : model.parameters) {
    store_.Find(t.name)->CopyFrom(t.tensor);
  }
  epochs_done_ = model.counters.epochs_done;
  steps_done_ = model.counters.steps_done;
  partial_epoch_ = model.counters.partial_epoch;
  // The seed is training state: shuffling and dropout streams continue.
  if (model.counters.seed != seed_) {
    seed_ = model.counters.seed;
    executors_.clear();
  }
  return absl::OkStatus();
}

absl::Status Trainer::StartDataParallel(const FitOptions& options,
                                        int64_t examples) {
  Communicator* comm = options.communicator;
  const int ranks = comm->size();
  RETURN_IF_ERROR(CheckGlobalBatch(options.batch_size, ranks));
  const int64_t last = examples % options.batch_size;
  if (!options.drop_last && last > 0 && last < ranks) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "Fit: the last training batch holds %d examples (%d examples, "
        "batch_size %d), fewer than the %d ranks; set drop_last or another "
        "batch size",
        last, examples, options.batch_size, ranks));
  }
  std::string fingerprint = GraphFingerprint(*graph_);
  absl::StrAppendFormat(
      &fingerprint,
      "batch_size=%d\nepochs=%d\nlr=%a\nschedule=%s\noptimizer=%d\n"
      "momentum=%a rho=%a beta1=%a beta2=%a epsilon=%a weight_decay=%a\n"
      "seed=%d\nshuffle=%d\ndrop_last=%d\nexamples=%d\nstats_interval=%d\n"
      "allow_non_finite=%d\n",
      options.batch_size, options.epochs, options.lr,
      options.schedule.DebugString(), static_cast<int>(options.optimizer),
      options.optimizer_options.momentum, options.optimizer_options.rho,
      options.optimizer_options.beta1, options.optimizer_options.beta2,
      options.optimizer_options.epsilon, options.optimizer_options.weight_decay,
      seed_, options.shuffle, options.drop_last, examples,
      options.stats_interval, options.allow_non_finite);
  for (const OutputLoss& l : losses_) {
    absl::StrAppendFormat(&fingerprint, "loss=%d weight=%a\n",
                          static_cast<int>(l.loss), l.weight);
  }
  RETURN_IF_ERROR(
      CheckSameOnEveryRank(comm, "the model and the Fit options", fingerprint));
  // Rank 0's parameters, optimizer state and counters on every rank.
  const TrainingCounters counters{epochs_done_, steps_done_, seed_,
                                  partial_epoch_};
  Checkpoint ckpt =
      EncodeModelCheckpoint(store_.Items(), counters, optimizer_.get());
  RETURN_IF_ERROR(BroadcastCheckpoint(comm, &ckpt, /*root=*/0));
  if (comm->rank() == 0) return absl::OkStatus();
  return ApplyCheckpoint(std::move(ckpt), "rank 0's state");
}

absl::Status Trainer::EnsureSync(Communicator* comm) {
  if (sync_ == nullptr || sync_comm_ != comm) {
    // The gradients in the order the reverse pass finishes them: the last
    // layer's first.
    std::vector<int64_t> sizes;
    int64_t bytes = 0;
    for (size_t i = slots_.size(); i-- > 0;) {
      sizes.push_back(slots_[i].value->size());
      bytes += sizes.back() * static_cast<int64_t>(sizeof(float));
    }
    // Buckets of 1 MiB, or a quarter of a small model (at least 16 KiB), so
    // that a small model's later layers' sums also start before the pass
    // is over.
    const int64_t bucket_bytes =
        std::clamp<int64_t>(bytes / 4, int64_t{16} << 10, int64_t{1} << 20);
    ASSIGN_OR_RETURN(GradientSync sync,
                     GradientSync::Create(comm, std::move(sizes),
                                          bucket_bytes));
    sync_ = std::make_unique<GradientSync>(std::move(sync));
    sync_comm_ = comm;
  }
  return absl::OkStatus();
}

absl::Status Trainer::BeginSync(Communicator* comm, float weight) {
  RETURN_IF_ERROR(EnsureSync(comm));
  sync_gradients_.clear();
  for (size_t i = slots_.size(); i-- > 0;) {
    // The gradient is the executor's buffer (or the shard sum), which only
    // the next step writes again: it is summed in place.
    sync_gradients_.push_back(const_cast<Tensor*>(slots_[i].grad));
  }
  return sync_->Begin(weight, sync_gradients_);
}

absl::Status Trainer::SyncStep(Communicator* comm, float weight, bool begun,
                               StepResult* result) {
  if (!begun) RETURN_IF_ERROR(BeginSync(comm, weight));
  RETURN_IF_ERROR(sync_->Finish());
  // The global batch's statistics: {loss, correct, per output loss and
  // correct}, the losses weighted by this rank's share.
  const size_t n = outputs_.size();
  step_stats_.assign(2 + 2 * n, 0.0f);
  step_stats_[0] = result->loss * weight;
  step_stats_[1] = static_cast<float>(result->correct);
  for (size_t j = 0; j < n; ++j) {
    step_stats_[2 + j] = static_cast<float>(step_losses_[j]) * weight;
    step_stats_[2 + n + j] = static_cast<float>(step_correct_[j]);
  }
  RETURN_IF_ERROR(comm->AllreduceSum(absl::MakeSpan(step_stats_)));
  result->loss = step_stats_[0];
  result->correct = static_cast<int64_t>(step_stats_[1]);
  for (size_t j = 0; j < n; ++j) {
    step_losses_[j] = step_stats_[2 + j];
    step_correct_[j] = static_cast<int64_t>(step_stats_[2 + n + j]);
  }
  return absl::OkStatus();
}

}  // namespace dagrad
