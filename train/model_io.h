// train/model_io.h: what a model's checkpoint holds, and the optimizer state
// a loaded checkpoint carries until the optimizer exists.
//
// Sequential::Save() and Load() (train/sequential.h) are built from these.
// A model checkpoint (io/checkpoint.h) holds:
//   metadata  "format"    "dagrad.Sequential"
//             "optimizer" the optimizer's name ("" if it has none yet)
//             "seed"      the model seed, in decimal (a uint64)
//   integers  "epochs_done", "steps_done", and "optimizer/step" (the
//             optimizer's step count) when there is an optimizer; for a
//             run interrupted inside an epoch also "epoch_batches",
//             "epoch_examples", "epoch_correct" and "epoch_loss_sum_bits"
//             (the double's bits), so the epoch resumes at its next batch
//             with the sums its epoch line is made of
//   tensors   every parameter by name ("dense_1/W"), and the optimizer
//             state as "optimizer/<param>/<slot>"
// Checkpoints written before integer metadata (format version 1) held the
// counters as decimal strings and the step count as a [1] float tensor
// "optimizer/step"; DecodeModelCheckpoint() reads those too.
//
// Example (Sequential::Load, in short):
//   ASSIGN_OR_RETURN(Checkpoint ckpt, ReadCheckpoint(path));
//   ASSIGN_OR_RETURN(ModelCheckpoint model,
//                    DecodeModelCheckpoint(std::move(ckpt), params, path));
//   RETURN_IF_ERROR(optimizer.Restore(model.optimizer,
//                                     std::move(*model.optimizer_state),
//                                     path));
#ifndef DAGRAD_TRAIN_MODEL_IO_H_
#define DAGRAD_TRAIN_MODEL_IO_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "io/checkpoint.h"
#include "train/optimizer.h"

namespace dagrad {

// EpochProgress is how far an interrupted epoch got: its batches done and
// the sums of their losses (weighted by batch size), correct predictions
// and examples. All zero between epochs.
struct EpochProgress {
  int64_t batches = 0;
  int64_t examples = 0;
  int64_t correct = 0;
  double loss_sum = 0;
};

// TrainingCounters is the training progress a checkpoint records.
struct TrainingCounters {
  int64_t epochs_done = 0;
  int64_t steps_done = 0;
  // The seed is training state: shuffling and dropout streams continue.
  uint64_t seed = 0;
  EpochProgress partial_epoch;
};

// ModelParameters lists a model's parameters as (name, value), the form
// ParameterStore::Items() returns.
using ModelParameters = std::vector<std::pair<std::string, Tensor*>>;

// EncodeModelCheckpoint() is the checkpoint for `parameters`, `counters`
// and `optimizer` (nullptr before the first training step), as the file
// comment describes. Tensors are copied.
Checkpoint EncodeModelCheckpoint(const ModelParameters& parameters,
                                 const TrainingCounters& counters,
                                 const Optimizer* optimizer);

// ModelCheckpoint is a decoded model checkpoint.
struct ModelCheckpoint {
  // Exactly the parameters it was decoded for, by name, each of the
  // model's shape.
  std::vector<NamedTensor> parameters;
  TrainingCounters counters;
  // The optimizer the state belongs to; nullopt if the file names none.
  std::optional<OptimizerKind> optimizer;
  // nullopt if the file holds no optimizer state.
  std::optional<OptimizerState> optimizer_state;
};

// DecodeModelCheckpoint() reads `ckpt` (read from `path`, used in messages)
// for a model with `parameters`. InvalidArgument, naming the path and the
// parameter, if a parameter is missing, extra or of another shape
// ("another model?"), if a counter is missing or malformed, or if the
// optimizer name is unknown. The parameters are not changed.
absl::StatusOr<ModelCheckpoint> DecodeModelCheckpoint(
    Checkpoint ckpt, const ModelParameters& parameters,
    const std::string& path);

// ResumableOptimizer owns a model's optimizer. State restored from a
// checkpoint before the optimizer exists (a model loaded, then trained) is
// held until Ensure() creates it.
class ResumableOptimizer {
 public:
  // get() is the optimizer, or nullptr before the first Ensure().
  Optimizer* get() const { return optimizer_.get(); }

  // Ensure() keeps the optimizer if it is of `kind` with `options`. Same
  // kind, other options: it is rebuilt with them, keeping its state. Other
  // kind (or none yet): a fresh one of `kind` over `slots` (new state,
  // step 0), then the held state, if any, is imported. InvalidArgument if
  // the held state is of another kind, or from MakeOptimizer() (options out
  // of range) / ImportState(); the optimizer is then unchanged.
  absl::Status Ensure(OptimizerKind kind, const OptimizerOptions& options,
                      const std::vector<ParamSlot>& slots);

  // Restore() imports `state`, saved by an optimizer of `kind` (nullopt:
  // unnamed), into the optimizer, or holds it for Ensure() if there is none
  // yet. With an optimizer, a `kind` other than its own or state that does
  // not fit it is InvalidArgument naming `source` (the checkpoint path), and
  // nothing changes.
  absl::Status Restore(std::optional<OptimizerKind> kind, OptimizerState state,
                       const std::string& source);

  // Reset() drops the optimizer and any held state: the next Ensure()
  // starts a fresh one.
  void Reset() {
    optimizer_.reset();
    held_state_.reset();
    held_kind_.reset();
  }

 private:
  std::unique_ptr<Optimizer> optimizer_;
  OptimizerOptions options_;  // The optimizer's.
  // State restored before the optimizer existed, and the kind it names.
  std::optional<OptimizerState> held_state_;
  std::optional<OptimizerKind> held_kind_;
};

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_MODEL_IO_H_
