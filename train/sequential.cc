// train/sequential.cc: model structure, compilation, executors, Save/Load.
// Fit/Evaluate/Predict are in train/fit.cc, the checkpoint's contents in
// train/model_io.cc.
#include "train/sequential.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/status_macros.h"
#include "graph/autodiff.h"
#include "ops/cross_entropy.h"
#include "ops/mean_squared_error.h"
#include "ops/sigmoid_binary_cross_entropy.h"
#include "ops/softmax_cross_entropy.h"

namespace dagrad {
namespace {

std::string LowerType(absl::string_view type) {
  std::string out(type);
  for (char& c : out) c = static_cast<char>(std::tolower(c));
  return out;
}

std::string WithThousands(int64_t n) {
  std::string digits = absl::StrCat(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

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

Sequential::Sequential(Shape input_shape, uint64_t seed)
    : input_shape_(std::move(input_shape)),
      seed_(seed),
      builder_(std::make_unique<GraphBuilder>()) {
  std::vector<int64_t> dims = {Shape::kUnknownDim};
  for (int64_t d : input_shape_.dims()) dims.push_back(d);
  batched_input_shape_ = Shape(dims);
  absl::StatusOr<NodeId> input = builder_->AddInput("x", batched_input_shape_);
  if (!input.ok()) {
    status_ = input.status();
    return;
  }
  input_ = output_ = *input;
}

Sequential::~Sequential() = default;

Sequential& Sequential::AddLayer(std::unique_ptr<Layer> layer,
                                 std::string name) {
  if (!status_.ok()) return *this;
  if (name.empty()) {
    const std::string base = LowerType(layer->type());
    int count = 1;
    for (const LayerInfo& info : layers_) count += info.type == layer->type();
    name = absl::StrCat(base, "_", count);
  }
  if (compiled_) {
    // The trained model stays usable: only status() reports the refusal.
    if (late_add_status_.ok()) {
      late_add_status_ = absl::FailedPreconditionError(absl::StrFormat(
          "cannot add layer '%s' (%s): the model is compiled (by Fit, "
          "Evaluate, Predict, Save, Load or Compile) and its graph is "
          "fixed; add every layer before those. The model is unchanged",
          name, layer->type()));
    }
    return *this;
  }
  for (const LayerInfo& info : layers_) {
    if (info.name == name) {
      status_ = absl::InvalidArgumentError(absl::StrFormat(
          "layer name '%s' (%s) is used twice", name, layer->type()));
      return *this;
    }
  }
  const size_t params_before = builder_->parameters().size();
  absl::StatusOr<NodeId> output = layer->Build(builder_.get(), name, output_);
  if (!output.ok()) {
    const std::string message(output.status().message());
    status_ = absl::Status(output.status().code(),
                           absl::StartsWith(message, "layer '")
                               ? message
                               : absl::StrFormat("layer '%s' (%s): %s", name,
                                                 layer->type(), message));
    return *this;
  }
  LayerInfo info;
  info.name = name;
  info.type = std::string(layer->type());
  info.output = *output;
  const std::vector<NodeId> params = builder_->parameters();
  info.parameters.assign(params.begin() + params_before, params.end());
  // A parameter no buffer can hold (Dense(1 << 40)) is this layer's error,
  // reported now rather than when the model is compiled.
  for (NodeId p : info.parameters) {
    absl::StatusOr<Shape> shape = builder_->shape(p);
    absl::Status fits = shape.status();
    if (fits.ok()) {
      fits = CheckedNumElements(
                 *shape, absl::StrFormat("layer '%s' (%s): parameter '%s'",
                                         name, info.type, builder_->name(p)))
                 .status();
    }
    if (!fits.ok()) {
      status_ = fits;
      return *this;
    }
  }
  layers_.push_back(std::move(info));
  layer_objects_.push_back(std::move(layer));
  output_ = *output;
  return *this;
}

int64_t Sequential::parameter_count() const {
  int64_t total = 0;
  for (const LayerInfo& info : layers_) {
    for (NodeId p : info.parameters) {
      absl::StatusOr<Shape> shape = builder_->shape(p);
      if (shape.ok()) total += shape->num_elements();
    }
  }
  return total;
}

absl::StatusOr<std::string> Sequential::Summary() const {
  RETURN_IF_ERROR(status_);
  const std::string rule(72, '=');
  std::string out = absl::StrFormat("%-36s %-22s %12s\n%s\n", "Layer (type)",
                                    "Output Shape", "Param #", rule);
  int64_t total = 0, trainable = 0;
  for (const LayerInfo& info : layers_) {
    ASSIGN_OR_RETURN(Shape shape, builder_->shape(info.output));
    int64_t count = 0;
    for (NodeId p : info.parameters) {
      ASSIGN_OR_RETURN(Shape ps, builder_->shape(p));
      count += ps.num_elements();
      if (builder_->is_trainable(p)) trainable += ps.num_elements();
    }
    total += count;
    out += absl::StrFormat("%-36s %-22s %12s\n",
                           absl::StrCat(info.name, " (", info.type, ")"),
                           shape.DebugString(), WithThousands(count));
  }
  absl::StrAppendFormat(&out,
                        "%s\nTotal params: %s\nTrainable params: %s\n"
                        "Non-trainable params: %s\n",
                        rule, WithThousands(total), WithThousands(trainable),
                        WithThousands(total - trainable));
  return out;
}

absl::Status Sequential::Compile(Loss loss) {
  RETURN_IF_ERROR(status_);
  if (compiled_) {
    if (loss == loss_kind_) return absl::OkStatus();
    return absl::FailedPreconditionError(
        "the model is compiled with another loss; a model has one loss");
  }
  if (layers_.empty()) {
    return absl::FailedPreconditionError("the model has no layers");
  }
  ASSIGN_OR_RETURN(Shape out, builder_->shape(output_));
  if (out.rank() != 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the model output %s (layer '%s') must be [batch, classes]; add "
        "Flatten and Dense layers",
        out.DebugString(), layers_.back().name));
  }
  const int64_t classes = out.dim(1);
  NodeOptions scope;
  scope.scope = "loss";
  // A final Softmax is fused into SoftmaxCrossEntropy: the loss reads the
  // logits, its input.
  NodeId logits = output_;
  if (loss == Loss::kSoftmaxCrossEntropy &&
      builder_->op_kind(output_) == OpKind::kSoftmax) {
    logits = builder_->inputs(output_)[0];
  }
  if (WantsOneHot(loss)) {
    ASSIGN_OR_RETURN(
        labels_,
        builder_->AddInput("targets", Shape({Shape::kUnknownDim, classes})));
  } else {
    ASSIGN_OR_RETURN(labels_,
                     builder_->AddInput("labels", Shape({Shape::kUnknownDim})));
  }
  absl::StatusOr<NodeId> loss_node;
  switch (loss) {
    case Loss::kSoftmaxCrossEntropy:
      loss_node =
          builder_->AddOp(SoftmaxCrossEntropyAttrs{}, {logits, labels_}, scope);
      break;
    case Loss::kCrossEntropy:
      loss_node =
          builder_->AddOp(CrossEntropyAttrs{}, {output_, labels_}, scope);
      break;
    case Loss::kMeanSquaredError:
      loss_node =
          builder_->AddOp(MeanSquaredErrorAttrs{}, {output_, labels_}, scope);
      break;
    case Loss::kSigmoidBinaryCrossEntropy:
      loss_node = builder_->AddOp(SigmoidBinaryCrossEntropyAttrs{},
                                  {output_, labels_}, scope);
      break;
  }
  ASSIGN_OR_RETURN(loss_, std::move(loss_node));
  params_ = builder_->trainable_parameters();
  ASSIGN_OR_RETURN(gradients_, AddGradients(builder_.get(), loss_, params_));
  ASSIGN_OR_RETURN(Graph graph, builder_->Finalize());
  built_graph_ = std::make_unique<Graph>(std::move(graph));
  built_input_ = input_;
  built_output_ = output_;
  // The graph passes; the ids the executors use are remapped once here.
  std::vector<NodeId*> kept = {&input_, &labels_, &output_, &loss_};
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
  loss_kind_ = loss;
  compiled_ = true;
  return absl::OkStatus();
}

absl::Status Sequential::SetPassOptions(const PassOptions& options) {
  if (compiled_) {
    return absl::FailedPreconditionError(
        "SetPassOptions: the model is already compiled");
  }
  pass_options_ = options;
  return absl::OkStatus();
}

absl::StatusOr<Executor*> Sequential::GetExecutor(ExecutorMode mode,
                                                  int64_t batch,
                                                  int num_threads,
                                                  int64_t memory_budget_bytes) {
  const ExecutorKey key{mode, batch, num_threads, memory_budget_bytes};
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
  options.fetches = {output_};
  if (mode != ExecutorMode::kPredict) options.fetches.push_back(loss_);
  if (mode == ExecutorMode::kTrain) {
    for (NodeId g : gradients_) options.fetches.push_back(g);
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> executor,
                   Executor::Create(*graph_, std::move(options)));
  RETURN_IF_ERROR(executor->BindParameters(&store_));
  Executor* raw = executor.get();
  executors_.emplace(key, std::move(executor));
  return raw;
}

absl::Status Sequential::CheckImageShape(const Shape& images,
                                         absl::string_view what) const {
  // Allocates nothing when the shape fits (a training step checks it).
  const int rank = input_shape_.rank();
  bool fits = images.rank() == rank + 1;
  for (int i = 0; fits && i < rank; ++i) {
    fits = images.dim(i + 1) == input_shape_.dim(i);
  }
  if (!fits && rank == 1 && images.rank() >= 2) {
    int64_t per_example = 1;  // A rank-1 input flattens each example.
    for (int i = 1; i < images.rank(); ++i) per_example *= images.dim(i);
    fits = per_example == input_shape_.dim(0);
  }
  if (fits && images.dim(0) >= 1) return absl::OkStatus();
  Shape want = batched_input_shape_;
  if (images.rank() >= 1) want.set_dim(0, images.dim(0));
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s %s do not fit the model input %s (same order of dimensions, e.g. "
      "NCHW; a rank-1 input takes any shape of as many elements)",
      what, images.DebugString(), want.DebugString()));
}

absl::Status Sequential::CheckBatchNormBatches(
    int64_t examples, const FitOptions& options) const {
  const int64_t full = examples / options.batch_size;
  const int64_t last = options.drop_last ? 0 : examples % options.batch_size;
  for (const LayerInfo& info : layers_) {
    if (info.type != "BatchNorm") continue;
    ASSIGN_OR_RETURN(Shape shape, builder_->shape(info.output));
    int64_t per_example = 1;  // Values per feature (channel) per example.
    for (int i = 2; i < shape.rank(); ++i) per_example *= shape.dim(i);
    if (full > 0 && options.batch_size * per_example < 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "layer '%s' (BatchNorm): batch_size %d gives it one value per "
          "feature, and batch statistics need at least 2; use a larger "
          "batch size",
          info.name, options.batch_size));
    }
    if (last > 0 && last * per_example < 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "layer '%s' (BatchNorm): the last training batch would hold %d "
          "example (%d examples, batch_size %d), too few for batch "
          "statistics; set drop_last (FitOptions::drop_last, --drop_last) "
          "or another batch size",
          info.name, last, examples, options.batch_size));
    }
  }
  return absl::OkStatus();
}

absl::Status Sequential::FeedBatch(Executor* executor, const Tensor& images,
                                   const Tensor& labels) {
  const int64_t batch = labels.size();
  Shape want = batched_input_shape_;  // No allocation up to rank 4.
  want.set_dim(0, batch);
  RETURN_IF_ERROR(CheckImageShape(images.shape(), "images"));
  if (images.shape().dim(0) != batch) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "images %s and labels %s hold different numbers of examples",
        images.shape().DebugString(), labels.shape().DebugString()));
  }
  RETURN_IF_ERROR(executor->Feed(input_, images.ViewAs(want)));
  if (!WantsOneHot(loss_kind_)) return executor->Feed(labels_, labels);
  const Shape& out = graph_->node(output_).shape;
  ASSIGN_OR_RETURN(Tensor targets, one_hot_.Encode(labels, out.dim(1)));
  return executor->Feed(labels_, targets);
}

absl::Status Sequential::Save(const std::string& path) {
  if (!compiled_) RETURN_IF_ERROR(Compile(loss_kind_));
  const TrainingCounters counters{epochs_done_, steps_done_, seed_,
                                  partial_epoch_};
  return WriteCheckpoint(
      path, EncodeModelCheckpoint(store_.Items(), counters, optimizer_.get()));
}

absl::Status Sequential::Load(const std::string& path) {
  if (!compiled_) RETURN_IF_ERROR(Compile(loss_kind_));
  ASSIGN_OR_RETURN(Checkpoint ckpt, ReadCheckpoint(path));
  // Check everything before changing anything.
  ASSIGN_OR_RETURN(
      ModelCheckpoint model,
      DecodeModelCheckpoint(std::move(ckpt), store_.Items(), path));
  if (model.optimizer_state.has_value()) {
    RETURN_IF_ERROR(optimizer_.Restore(
        model.optimizer, std::move(*model.optimizer_state), path));
  }
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

}  // namespace dagrad
