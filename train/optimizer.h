// train/optimizer.h: parameter updates (SGD, momentum, Nesterov, RMSProp,
// Adam, AdamW) as a fused loop over each parameter.
//
// An Optimizer updates the values of a model's trainable parameters from
// their gradients, once per training step. It owns its state (velocities,
// moment estimates, the step count), sized once by Init(); Step() allocates
// nothing. The update rules are PyTorch's, with g = grad + weight_decay * w
// (L2 regularization) except for AdamW, whose decay is decoupled:
//   sgd       w -= lr * g                       (Edinburgh's GradientDescent)
//   momentum  v = mu * v + g;  w -= lr * v      (mu = options.momentum)
//   nesterov  v = mu * v + g;  w -= lr * (g + mu * v)
//   rmsprop   s = rho * s + (1 - rho) * g^2;  w -= lr * g / (sqrt(s) + eps)
//   adam      m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2;
//             w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
//   adamw     adam on the raw gradient, then w -= lr * weight_decay * w
//             (decoupled; applied before the Adam step, as PyTorch does)
// Defaults match the PyTorch peer in tools/pytorch_reference/models.py:
// momentum 0.9, rho 0.9, betas (0.9, 0.999), eps 1e-7.
//
// Kinds: an optimizer is chosen by OptimizerKind. Names ("adam") exist for
// command-line flags and checkpoint metadata only: ParseOptimizerKind() and
// OptimizerKindName() convert, and AbslParseFlag() lets a flag be typed
// (ABSL_FLAG(OptimizerKind, ...)).
//
// State export: ExportState() names each state tensor "<param>/<slot>"
// ("conv1/W/velocity") and carries the step count as an integer, for
// checkpoints (io/checkpoint.h). ImportState() accepts exactly what
// ExportState() of an optimizer of the same kind over the same parameters
// produced; otherwise InvalidArgument naming the tensor, with the state
// unchanged.
//
// Example:
//   ASSIGN_OR_RETURN(std::unique_ptr<Optimizer> opt,
//                    MakeOptimizer(OptimizerKind::kAdam, OptimizerOptions{}));
//   RETURN_IF_ERROR(opt->Init(slots));
//   for (...) { /* run the graph, point slots[i].grad at the gradients */
//     RETURN_IF_ERROR(opt->Step(slots, /*lr=*/0.001f));
//   }
#ifndef DAGRAD_TRAIN_OPTIMIZER_H_
#define DAGRAD_TRAIN_OPTIMIZER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "io/checkpoint.h"

namespace dagrad {

// OptimizerKind names an update rule (see the file comment).
enum class OptimizerKind {
  kSgd,
  kMomentum,
  kNesterov,
  kRmsProp,
  kAdam,
  kAdamW,
};

// OptimizerKindName() is the kind's flag name: "sgd", "momentum",
// "nesterov", "rmsprop", "adam" or "adamw".
absl::string_view OptimizerKindName(OptimizerKind kind);

// ParseOptimizerKind() reads a name made by OptimizerKindName(). Any other
// text is InvalidArgument naming it and listing the valid names.
absl::StatusOr<OptimizerKind> ParseOptimizerKind(absl::string_view name);

// AbslParseFlag() and AbslUnparseFlag() make OptimizerKind a flag type
// (absl/flags/marshalling.h), by the names above.
bool AbslParseFlag(absl::string_view text, OptimizerKind* kind,
                   std::string* error);
std::string AbslUnparseFlag(OptimizerKind kind);

// ParamSlot is one trainable parameter as the optimizer sees it. Neither
// pointer is owned; `value` must stay valid from Init() on, and `grad` (of
// value's shape) during each Step().
struct ParamSlot {
  std::string name;
  Tensor* value = nullptr;
  const Tensor* grad = nullptr;
};

// OptimizerState is an optimizer's exported state: one tensor per parameter
// and slot, named "<param>/<slot>", and the number of steps taken.
struct OptimizerState {
  std::vector<NamedTensor> tensors;
  int64_t steps = 0;
};

struct OptimizerOptions {
  float momentum = 0.9f;  // momentum, nesterov.
  float rho = 0.9f;       // rmsprop: decay of the squared-gradient average.
  float beta1 = 0.9f;     // adam, adamw.
  float beta2 = 0.999f;
  float epsilon = 1e-7f;  // rmsprop, adam, adamw.
  float weight_decay = 0.0f;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // kind() is the update rule; name() its name, e.g. "adam".
  virtual OptimizerKind kind() const = 0;
  absl::string_view name() const { return OptimizerKindName(kind()); }

  // Init() sizes the state for `slots` (zeroed) and resets the step count.
  // InvalidArgument for a slot without a value or with a duplicate name.
  absl::Status Init(const std::vector<ParamSlot>& slots);

  // Step() applies one update with learning rate `lr` (finite, >= 0).
  // FailedPrecondition if `slots` are not the ones given to Init() (count
  // or names); InvalidArgument for a missing gradient or one whose shape is
  // not the parameter's (naming it). Nothing is updated on error. With a
  // `pool`, large parameters are updated in parallel slices (the update is
  // elementwise, so the result is the same bit for bit).
  absl::Status Step(const std::vector<ParamSlot>& slots, float lr,
                    ThreadPool* pool = nullptr);

  // A step taken one parameter at a time, as each gradient becomes final
  // in the reverse pass (FitOptions::update_in_backward): StepParameter()
  // once for every slot i (in any order; `slot` is the i-th slot given to
  // Init()), then EndStep(). Each call updates slot i as Step() would with
  // step number steps() + 1, so the step's bits are Step()'s. Errors as
  // Step()'s, for that slot only; nothing is updated on error.
  absl::Status StepParameter(const ParamSlot& slot, size_t i, float lr,
                             ThreadPool* pool = nullptr);
  void EndStep() { ++steps_; }

  int64_t steps() const { return steps_; }

  // ExportState() / ImportState(): see the file comment.
  OptimizerState ExportState() const;
  absl::Status ImportState(const OptimizerState& state);

 protected:
  explicit Optimizer(const OptimizerOptions& options) : options_(options) {}

  // SlotNames() names the per-parameter state tensors, e.g. {"velocity"}.
  virtual std::vector<std::string> SlotNames() const = 0;
  // Update() updates n values w from gradients g with state[k] the k-th
  // slot's buffer (n floats each). `t` is the 1-based step number.
  virtual void Update(float lr, int64_t t, int64_t n, const float* g, float* w,
                      float* const* state) const = 0;

  const OptimizerOptions options_;

 private:
  absl::Status CheckLr(float lr) const;
  // CheckSlot(): `slot` is Init()'s i-th, with a gradient of its shape.
  absl::Status CheckSlot(const ParamSlot& slot, size_t i) const;
  // UpdateSlot() applies step number t to slot i (in slices on `pool`).
  void UpdateSlot(const ParamSlot& slot, size_t i, float lr, int64_t t,
                  ThreadPool* pool) const;

  std::vector<std::string> names_;
  // state_[i][k]: parameter i's k-th slot.
  std::vector<std::vector<Tensor>> state_;
  // Pointers into state_, one row per parameter (so Step() allocates
  // nothing).
  std::vector<std::vector<float*>> state_ptrs_;
  int64_t steps_ = 0;
};

// MakeOptimizer() returns an optimizer of `kind`. InvalidArgument for
// options out of range (momentum, rho and betas in [0, 1), epsilon > 0,
// weight_decay >= 0, all finite), naming the kind and the option.
absl::StatusOr<std::unique_ptr<Optimizer>> MakeOptimizer(
    OptimizerKind kind, const OptimizerOptions& options);

}  // namespace dagrad

#endif  // DAGRAD_TRAIN_OPTIMIZER_H_
