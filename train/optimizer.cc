#include "train/optimizer.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "core/flag_parse.h"
#include "core/status_macros.h"

namespace dagrad {
namespace {

constexpr struct {
  OptimizerKind kind;
  const char* name;
} kOptimizerNames[] = {
    {OptimizerKind::kSgd, "sgd"},
    {OptimizerKind::kMomentum, "momentum"},
    {OptimizerKind::kNesterov, "nesterov"},
    {OptimizerKind::kRmsProp, "rmsprop"},
    {OptimizerKind::kAdam, "adam"},
    {OptimizerKind::kAdamW, "adamw"},
};
// Parameters are updated in parallel slices of at least this many values.
constexpr int64_t kParallelUpdateMin = 16384;
// The most state slots an optimizer keeps per parameter (Adam: 2).
constexpr size_t kMaxStateSlots = 4;

// Sgd: w -= lr * (g + wd * w).
class Sgd : public Optimizer {
 public:
  explicit Sgd(const OptimizerOptions& options) : Optimizer(options) {}
  OptimizerKind kind() const override { return OptimizerKind::kSgd; }

 protected:
  std::vector<std::string> SlotNames() const override { return {}; }
  void Update(float lr, int64_t, int64_t n, const float* g, float* w,
              float* const*) const override {
    const float wd = options_.weight_decay;
    for (int64_t i = 0; i < n; ++i) w[i] -= lr * (g[i] + wd * w[i]);
  }
};

// Momentum (heavy ball) and Nesterov, PyTorch's form:
//   v = mu * v + g';  w -= lr * v            (momentum)
//   v = mu * v + g';  w -= lr * (g' + mu*v)  (nesterov)
class Momentum : public Optimizer {
 public:
  Momentum(const OptimizerOptions& options, bool nesterov)
      : Optimizer(options), nesterov_(nesterov) {}
  OptimizerKind kind() const override {
    return nesterov_ ? OptimizerKind::kNesterov : OptimizerKind::kMomentum;
  }

 protected:
  std::vector<std::string> SlotNames() const override { return {"velocity"}; }
  void Update(float lr, int64_t, int64_t n, const float* g, float* w,
              float* const* state) const override {
    const float wd = options_.weight_decay;
    const float mu = options_.momentum;
    float* v = state[0];
    if (nesterov_) {
      for (int64_t i = 0; i < n; ++i) {
        const float gi = g[i] + wd * w[i];
        v[i] = mu * v[i] + gi;
        w[i] -= lr * (gi + mu * v[i]);
      }
    } else {
      for (int64_t i = 0; i < n; ++i) {
        v[i] = mu * v[i] + (g[i] + wd * w[i]);
        w[i] -= lr * v[i];
      }
    }
  }

 private:
  const bool nesterov_;
};

// RMSProp: s = rho*s + (1-rho)*g'^2;  w -= lr * g' / (sqrt(s) + eps).
class RmsProp : public Optimizer {
 public:
  explicit RmsProp(const OptimizerOptions& options) : Optimizer(options) {}
  OptimizerKind kind() const override { return OptimizerKind::kRmsProp; }

 protected:
  std::vector<std::string> SlotNames() const override { return {"square_avg"}; }
  void Update(float lr, int64_t, int64_t n, const float* g, float* w,
              float* const* state) const override {
    const float wd = options_.weight_decay;
    const float rho = options_.rho;
    const float eps = options_.epsilon;
    float* s = state[0];
    for (int64_t i = 0; i < n; ++i) {
      const float gi = g[i] + wd * w[i];
      s[i] = rho * s[i] + (1.0f - rho) * gi * gi;
      w[i] -= lr * gi / (std::sqrt(s[i]) + eps);
    }
  }
};

// Adam (L2 decay in the gradient) and AdamW (decoupled decay):
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
//   w -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
class Adam : public Optimizer {
 public:
  Adam(const OptimizerOptions& options, bool decoupled)
      : Optimizer(options), decoupled_(decoupled) {}
  OptimizerKind kind() const override {
    return decoupled_ ? OptimizerKind::kAdamW : OptimizerKind::kAdam;
  }

 protected:
  std::vector<std::string> SlotNames() const override {
    return {"exp_avg", "exp_avg_sq"};
  }
  void Update(float lr, int64_t t, int64_t n, const float* g, float* w,
              float* const* state) const override {
    const float b1 = options_.beta1;
    const float b2 = options_.beta2;
    const float eps = options_.epsilon;
    const float wd = options_.weight_decay;
    const float c1 = static_cast<float>(1.0 - std::pow(double{b1}, t));
    const float c2 = static_cast<float>(1.0 - std::pow(double{b2}, t));
    const float step = lr / c1;
    const float inv_sqrt_c2 = 1.0f / std::sqrt(c2);
    float* m = state[0];
    float* v = state[1];
    for (int64_t i = 0; i < n; ++i) {
      float gi = g[i];
      if (decoupled_) {
        w[i] -= lr * wd * w[i];
      } else {
        gi += wd * w[i];
      }
      m[i] = b1 * m[i] + (1.0f - b1) * gi;
      v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
      w[i] -= step * m[i] / (std::sqrt(v[i]) * inv_sqrt_c2 + eps);
    }
  }

 private:
  const bool decoupled_;
};

bool InUnitInterval(float x) { return std::isfinite(x) && x >= 0 && x < 1; }

}  // namespace

absl::string_view OptimizerKindName(OptimizerKind kind) {
  for (const auto& entry : kOptimizerNames) {
    if (entry.kind == kind) return entry.name;
  }
  return "unknown";
}

absl::StatusOr<OptimizerKind> ParseOptimizerKind(absl::string_view name) {
  for (const auto& entry : kOptimizerNames) {
    if (name == entry.name) return entry.kind;
  }
  std::vector<absl::string_view> valid;
  for (const auto& entry : kOptimizerNames) valid.push_back(entry.name);
  return absl::InvalidArgumentError(absl::StrCat("unknown optimizer '", name,
                                                 "'; expected one of ",
                                                 absl::StrJoin(valid, ", ")));
}

bool AbslParseFlag(absl::string_view text, OptimizerKind* kind,
                   std::string* error) {
  return ParseFlagWith(ParseOptimizerKind(text), kind, error);
}

std::string AbslUnparseFlag(OptimizerKind kind) {
  return std::string(OptimizerKindName(kind));
}

absl::Status Optimizer::Init(const std::vector<ParamSlot>& slots) {
  assert(SlotNames().size() <= kMaxStateSlots);
  const std::vector<std::string> slot_names = SlotNames();
  absl::flat_hash_set<std::string> seen;
  for (const ParamSlot& slot : slots) {
    if (slot.value == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(name(), ": parameter '", slot.name, "' has no value"));
    }
    if (!seen.insert(slot.name).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          name(), ": parameter '", slot.name, "' is listed twice"));
    }
  }
  names_.clear();
  state_.clear();
  state_ptrs_.clear();
  for (const ParamSlot& slot : slots) {
    names_.push_back(slot.name);
    std::vector<Tensor> state;
    for (size_t k = 0; k < slot_names.size(); ++k) {
      state.push_back(Tensor::Zeros(slot.value->shape()));
    }
    state_.push_back(std::move(state));
  }
  for (std::vector<Tensor>& state : state_) {
    std::vector<float*> ptrs;
    for (Tensor& t : state) ptrs.push_back(t.data());
    state_ptrs_.push_back(std::move(ptrs));
  }
  steps_ = 0;
  return absl::OkStatus();
}

absl::Status Optimizer::CheckLr(float lr) const {
  if (!std::isfinite(lr) || lr < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: the learning rate must be finite and >= 0, got %g", name(), lr));
  }
  return absl::OkStatus();
}

absl::Status Optimizer::CheckSlot(const ParamSlot& slot, size_t i) const {
  if (i >= names_.size() || slot.name != names_[i]) {
    return absl::FailedPreconditionError(absl::StrCat(
        name(), ": parameter ", i, " is '", slot.name, "', Init() had ",
        i < names_.size() ? absl::StrCat("'", names_[i], "'")
                          : absl::StrCat(names_.size(), " parameters")));
  }
  if (slot.grad == nullptr || slot.value == nullptr ||
      slot.grad->shape() != slot.value->shape()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), ": parameter '", slot.name, "' ",
        slot.value == nullptr ? std::string("[no value]")
                              : slot.value->shape().DebugString(),
        " has gradient ",
        slot.grad == nullptr ? std::string("[none]")
                             : slot.grad->shape().DebugString()));
  }
  return absl::OkStatus();
}

void Optimizer::UpdateSlot(const ParamSlot& slot, size_t i, float lr,
                           int64_t t, ThreadPool* pool) const {
  const int64_t n = slot.value->size();
  const float* g = slot.grad->data();
  float* w = slot.value->data();
  const std::vector<float*>& state = state_ptrs_[i];
  if (pool == nullptr) {
    Update(lr, t, n, g, w, state.data());
    return;
  }
  // ParallelFor() runs a parameter below 2 slices inline.
  pool->ParallelFor(
      n,
      [&](int64_t begin, int64_t end) {
        float* part[kMaxStateSlots];
        for (size_t k = 0; k < state.size(); ++k) part[k] = state[k] + begin;
        Update(lr, t, end - begin, g + begin, w + begin, part);
      },
      kParallelUpdateMin);
}

absl::Status Optimizer::Step(const std::vector<ParamSlot>& slots, float lr,
                             ThreadPool* pool) {
  RETURN_IF_ERROR(CheckLr(lr));
  if (slots.size() != names_.size()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s: Step() got %d parameters, Init() %d", name(),
                        slots.size(), names_.size()));
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    RETURN_IF_ERROR(CheckSlot(slots[i], i));
  }
  ++steps_;
  for (size_t i = 0; i < slots.size(); ++i) {
    UpdateSlot(slots[i], i, lr, steps_, pool);
  }
  return absl::OkStatus();
}

absl::Status Optimizer::StepParameter(const ParamSlot& slot, size_t i,
                                      float lr, ThreadPool* pool) {
  RETURN_IF_ERROR(CheckLr(lr));
  RETURN_IF_ERROR(CheckSlot(slot, i));
  UpdateSlot(slot, i, lr, steps_ + 1, pool);
  return absl::OkStatus();
}

OptimizerState Optimizer::ExportState() const {
  const std::vector<std::string> slot_names = SlotNames();
  OptimizerState out;
  for (size_t i = 0; i < names_.size(); ++i) {
    for (size_t k = 0; k < slot_names.size(); ++k) {
      out.tensors.push_back(
          {absl::StrCat(names_[i], "/", slot_names[k]), state_[i][k].Clone()});
    }
  }
  out.steps = steps_;
  return out;
}

absl::Status Optimizer::ImportState(const OptimizerState& state) {
  const std::vector<std::string> slot_names = SlotNames();
  const size_t expected = names_.size() * slot_names.size();
  if (state.tensors.size() != expected) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s state: expected %d tensors for %d parameters, got %d", name(),
        expected, names_.size(), state.tensors.size()));
  }
  if (state.steps < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        name(), " state: the step count ", state.steps, " is negative"));
  }
  // Validate everything before changing anything.
  std::vector<std::vector<const Tensor*>> found(names_.size());
  for (size_t i = 0; i < names_.size(); ++i) {
    for (size_t k = 0; k < slot_names.size(); ++k) {
      const std::string tname = absl::StrCat(names_[i], "/", slot_names[k]);
      const Tensor* t = nullptr;
      for (const NamedTensor& named : state.tensors) {
        if (named.name == tname) {
          t = &named.tensor;
          break;
        }
      }
      if (t == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(name(), " state: tensor '", tname, "' is missing"));
      }
      if (t->shape() != state_[i][k].shape()) {
        return absl::InvalidArgumentError(
            absl::StrCat(name(), " state: tensor '", tname, "' is ",
                         t->shape().DebugString(), ", the parameter is ",
                         state_[i][k].shape().DebugString()));
      }
      found[i].push_back(t);
    }
  }
  for (size_t i = 0; i < names_.size(); ++i) {
    for (size_t k = 0; k < slot_names.size(); ++k) {
      const Tensor* t = found[i][k];
      std::copy(t->data(), t->data() + t->size(), state_[i][k].data());
    }
  }
  steps_ = state.steps;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Optimizer>> MakeOptimizer(
    OptimizerKind kind, const OptimizerOptions& o) {
  const absl::string_view name = OptimizerKindName(kind);
  auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat("optimizer '", name, "': ", what));
  };
  if (!InUnitInterval(o.momentum)) {
    return bad(
        absl::StrFormat("momentum must be in [0, 1), got %g", o.momentum));
  }
  if (!InUnitInterval(o.rho)) {
    return bad(absl::StrFormat("rho must be in [0, 1), got %g", o.rho));
  }
  if (!InUnitInterval(o.beta1) || !InUnitInterval(o.beta2)) {
    return bad(absl::StrFormat("betas must be in [0, 1), got (%g, %g)", o.beta1,
                               o.beta2));
  }
  if (!std::isfinite(o.epsilon) || o.epsilon <= 0) {
    return bad(absl::StrFormat("epsilon must be > 0, got %g", o.epsilon));
  }
  if (!std::isfinite(o.weight_decay) || o.weight_decay < 0) {
    return bad(
        absl::StrFormat("weight_decay must be >= 0, got %g", o.weight_decay));
  }
  switch (kind) {
    case OptimizerKind::kSgd:
      return std::make_unique<Sgd>(o);
    case OptimizerKind::kMomentum:
      return std::make_unique<Momentum>(o, /*nesterov=*/false);
    case OptimizerKind::kNesterov:
      return std::make_unique<Momentum>(o, /*nesterov=*/true);
    case OptimizerKind::kRmsProp:
      return std::make_unique<RmsProp>(o);
    case OptimizerKind::kAdam:
      return std::make_unique<Adam>(o, /*decoupled=*/false);
    case OptimizerKind::kAdamW:
      return std::make_unique<Adam>(o, /*decoupled=*/true);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown optimizer kind ", static_cast<int>(kind)));
}

}  // namespace dagrad
