#include "train/model_io.h"

#include <cmath>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/status_macros.h"

namespace dagrad {
namespace {

constexpr char kFormat[] = "dagrad.Sequential";
constexpr char kOptimizerPrefix[] = "optimizer/";
constexpr char kOptimizerStep[] = "optimizer/step";

// ReadCounter() reads integer `key`, or, from a version-1 file, the decimal
// string metadata of that name.
bool ReadCounter(const Checkpoint& ckpt, const char* key, int64_t* value) {
  if (const int64_t* v = ckpt.FindInteger(key)) {
    *value = *v;
    return true;
  }
  const std::string* text = ckpt.FindMetadata(key);
  return text != nullptr && absl::SimpleAtoi(*text, value);
}

// LegacyStep() reads a version-1 step count: a [1] float tensor holding a
// non-negative integer.
absl::StatusOr<int64_t> LegacyStep(const Tensor& step,
                                   const std::string& path) {
  if (step.shape() != Shape({1}) || !(step.data()[0] >= 0) ||
      step.data()[0] != std::floor(step.data()[0])) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "checkpoint %s: tensor '%s' is not a [1] non-negative integer count",
        path, kOptimizerStep));
  }
  return static_cast<int64_t>(step.data()[0]);
}

// The partial-epoch integers (absent between epochs).
constexpr char kEpochBatches[] = "epoch_batches";
constexpr char kEpochExamples[] = "epoch_examples";
constexpr char kEpochCorrect[] = "epoch_correct";
constexpr char kEpochLossSumBits[] = "epoch_loss_sum_bits";

// DecodeEpochProgress() reads the partial-epoch integers, all or none.
absl::StatusOr<EpochProgress> DecodeEpochProgress(const Checkpoint& ckpt,
                                                  const std::string& path) {
  EpochProgress p;
  const int64_t* batches = ckpt.FindInteger(kEpochBatches);
  if (batches == nullptr) return p;
  const int64_t* examples = ckpt.FindInteger(kEpochExamples);
  const int64_t* correct = ckpt.FindInteger(kEpochCorrect);
  const int64_t* bits = ckpt.FindInteger(kEpochLossSumBits);
  if (examples == nullptr || correct == nullptr || bits == nullptr ||
      *batches < 0 || *examples < 0 || *correct < 0 || *correct > *examples) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "checkpoint %s: the partial-epoch counters are incomplete or "
        "negative",
        path));
  }
  p.batches = *batches;
  p.examples = *examples;
  p.correct = *correct;
  std::memcpy(&p.loss_sum, bits, sizeof(p.loss_sum));
  return p;
}

bool SameOptions(const OptimizerOptions& a, const OptimizerOptions& b) {
  return a.momentum == b.momentum && a.rho == b.rho && a.beta1 == b.beta1 &&
         a.beta2 == b.beta2 && a.epsilon == b.epsilon &&
         a.weight_decay == b.weight_decay;
}

std::string KindName(std::optional<OptimizerKind> kind) {
  return kind.has_value() ? std::string(OptimizerKindName(*kind)) : "unnamed";
}

}  // namespace

Checkpoint EncodeModelCheckpoint(const ModelParameters& parameters,
                                 const TrainingCounters& counters,
                                 const Optimizer* optimizer) {
  Checkpoint ckpt;
  ckpt.metadata.push_back({"format", kFormat});
  ckpt.metadata.push_back({"optimizer", optimizer == nullptr
                                            ? ""
                                            : std::string(optimizer->name())});
  ckpt.metadata.push_back({"seed", absl::StrCat(counters.seed)});
  ckpt.integers.push_back({"epochs_done", counters.epochs_done});
  ckpt.integers.push_back({"steps_done", counters.steps_done});
  if (const EpochProgress& p = counters.partial_epoch; p.batches > 0) {
    int64_t bits;
    std::memcpy(&bits, &p.loss_sum, sizeof(bits));
    ckpt.integers.push_back({kEpochBatches, p.batches});
    ckpt.integers.push_back({kEpochExamples, p.examples});
    ckpt.integers.push_back({kEpochCorrect, p.correct});
    ckpt.integers.push_back({kEpochLossSumBits, bits});
  }
  for (const auto& [name, value] : parameters) {
    ckpt.tensors.push_back({name, value->Clone()});
  }
  if (optimizer != nullptr) {
    OptimizerState state = optimizer->ExportState();
    ckpt.integers.push_back({kOptimizerStep, state.steps});
    for (NamedTensor& t : state.tensors) {
      ckpt.tensors.push_back(
          {absl::StrCat(kOptimizerPrefix, t.name), std::move(t.tensor)});
    }
  }
  return ckpt;
}

absl::StatusOr<ModelCheckpoint> DecodeModelCheckpoint(
    Checkpoint ckpt, const ModelParameters& parameters,
    const std::string& path) {
  absl::flat_hash_set<std::string> names;
  for (const auto& [name, value] : parameters) {
    names.insert(name);
    const Tensor* saved = ckpt.FindTensor(name);
    if (saved == nullptr) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "checkpoint %s has no parameter '%s' (another model?)", path, name));
    }
    if (saved->shape() != value->shape()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "checkpoint %s: parameter '%s' is %s, the model's is %s (another "
          "model?)",
          path, name, saved->shape().DebugString(),
          value->shape().DebugString()));
    }
  }
  ModelCheckpoint model;
  absl::flat_hash_set<std::string> taken;  // The first of a name counts.
  OptimizerState state;
  const Tensor* legacy_step = nullptr;
  for (NamedTensor& t : ckpt.tensors) {
    if (t.name == kOptimizerStep) {
      legacy_step = &t.tensor;
    } else if (absl::StartsWith(t.name, kOptimizerPrefix)) {
      state.tensors.push_back(
          {t.name.substr(sizeof(kOptimizerPrefix) - 1), std::move(t.tensor)});
    } else if (!names.contains(t.name)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "checkpoint %s has parameter '%s' %s, which the model lacks "
          "(another model?)",
          path, t.name, t.tensor.shape().DebugString()));
    } else if (taken.insert(t.name).second) {
      model.parameters.push_back(std::move(t));
    }
  }
  const std::string* seed = ckpt.FindMetadata("seed");
  if (!ReadCounter(ckpt, "epochs_done", &model.counters.epochs_done) ||
      !ReadCounter(ckpt, "steps_done", &model.counters.steps_done) ||
      seed == nullptr || !absl::SimpleAtoi(*seed, &model.counters.seed)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "checkpoint %s lacks the epochs_done/steps_done/seed counters", path));
  }
  ASSIGN_OR_RETURN(model.counters.partial_epoch,
                   DecodeEpochProgress(ckpt, path));
  const std::string* name = ckpt.FindMetadata("optimizer");
  if (name != nullptr && !name->empty()) {
    absl::StatusOr<OptimizerKind> kind = ParseOptimizerKind(*name);
    if (!kind.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("checkpoint ", path, ": ", kind.status().message()));
    }
    model.optimizer = *kind;
  }
  if (const int64_t* steps = ckpt.FindInteger(kOptimizerStep)) {
    state.steps = *steps;
  } else if (legacy_step != nullptr) {
    ASSIGN_OR_RETURN(state.steps, LegacyStep(*legacy_step, path));
  } else if (!state.tensors.empty()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("checkpoint %s holds optimizer state but no '%s' count",
                        path, kOptimizerStep));
  } else {
    return model;  // No optimizer state.
  }
  model.optimizer_state = std::move(state);
  return model;
}

absl::Status ResumableOptimizer::Ensure(OptimizerKind kind,
                                        const OptimizerOptions& options,
                                        const std::vector<ParamSlot>& slots) {
  const bool same_kind = optimizer_ != nullptr && optimizer_->kind() == kind;
  if (same_kind && SameOptions(options, options_)) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::unique_ptr<Optimizer> fresh,
                   MakeOptimizer(kind, options));
  RETURN_IF_ERROR(fresh->Init(slots));
  if (same_kind) {
    // New settings for the same rule: the state carries over.
    RETURN_IF_ERROR(fresh->ImportState(optimizer_->ExportState()));
  } else if (held_state_.has_value()) {
    if (held_kind_ != kind) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "the loaded checkpoint holds %s optimizer state; Fit asks for %s",
          KindName(held_kind_), OptimizerKindName(kind)));
    }
    RETURN_IF_ERROR(fresh->ImportState(*held_state_));
    held_state_.reset();
  }
  optimizer_ = std::move(fresh);
  options_ = options;
  return absl::OkStatus();
}

absl::Status ResumableOptimizer::Restore(std::optional<OptimizerKind> kind,
                                         OptimizerState state,
                                         const std::string& source) {
  if (optimizer_ == nullptr) {
    held_kind_ = kind;
    held_state_ = std::move(state);
    return absl::OkStatus();
  }
  if (kind != optimizer_->kind()) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "checkpoint %s holds %s optimizer state; the model uses %s", source,
        KindName(kind), optimizer_->name()));
  }
  return optimizer_->ImportState(state);
}

}  // namespace dagrad
