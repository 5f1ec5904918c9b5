#include "ops/op.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>  // NOLINT: std::mutex guards the registry's writers.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace dagrad {
namespace {

struct OpListEntry {
  const char* name;
  int min_inputs;
  int max_inputs;
};

constexpr OpListEntry kOpList[] = {
#define DAGRAD_OP_ENTRY_(name, min_in, max_in) {#name, min_in, max_in},
    DAGRAD_OP_LIST(DAGRAD_OP_ENTRY_)
#undef DAGRAD_OP_ENTRY_
};

// Slot is one registry entry: the built-in op of its index, or user op
// index - kNumOps. `ready` is set (release) after the rest is written, so
// FindOp() and OpName() read without the lock. `conflict` (under mu) is a
// rejected DAGRAD_REGISTER_OP duplicate of this op.
struct Slot {
  OpDef def;
  std::string name;
  int min_inputs = 0;
  int max_inputs = 0;
  absl::Status conflict;
  std::atomic<bool> ready{false};
};

struct Registry {
  std::mutex mu;
  std::array<Slot, kNumOps + kMaxUserOps> slots;
  std::atomic<int> num_user_ops{0};
  std::vector<absl::Status> startup_errors;  // Under mu.
};

// The registry is never destroyed, so ops stay valid during static
// destruction.
Registry& GetRegistry() {
  static Registry* registry = new Registry();
  return *registry;
}

// ReadySlot() is the slot of a registered op, or nullptr.
const Slot* ReadySlot(OpKind kind) {
  const int index = static_cast<int>(kind);
  Registry& r = GetRegistry();
  if (index < 0 || index >= kNumOps + r.num_user_ops.load()) return nullptr;
  const Slot& slot = r.slots[index];
  return slot.ready.load(std::memory_order_acquire) ? &slot : nullptr;
}

int BuiltinIndex(absl::string_view name) {
  for (int i = 0; i < kNumOps; ++i) {
    if (name == kOpList[i].name) return i;
  }
  return -1;
}

// UserIndex() is the slot of the user op named `name`, or -1.
int UserIndex(absl::string_view name) {
  Registry& r = GetRegistry();
  const int n = r.num_user_ops.load(std::memory_order_acquire);
  for (int i = kNumOps; i < kNumOps + n; ++i) {
    if (r.slots[i].ready.load(std::memory_order_acquire) &&
        r.slots[i].name == name) {
      return i;
    }
  }
  return -1;
}

bool IsOpName(absl::string_view name) {
  if (name.empty() || !absl::ascii_isalpha(name[0])) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

absl::Status Invalid(absl::string_view name, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("RegisterOp: op '", name, "': ", what));
}

// ValidateDefinition() checks what every op needs, whoever registers it.
absl::Status ValidateDefinition(const OpDefBuilder& b) {
  RETURN_IF_ERROR(b.status());
  const OpDef& def = b.def();
  const std::string& name = b.name();
  if (!IsOpName(name)) {
    return Invalid(name,
                   "a name is letters, digits and '_', starting with a "
                   "letter");
  }
  if (b.min_inputs() < 1 || b.min_inputs() > b.max_inputs() ||
      b.max_inputs() > 31) {
    return Invalid(name,
                   absl::StrCat("arity ", b.min_inputs(), "..", b.max_inputs(),
                                " is not within 1 <= min <= max <= 31"));
  }
  if (!def.default_attrs.has_value()) {
    return Invalid(name, "no Attrs<T>() (use an empty struct for none)");
  }
  if (def.shape_fn == nullptr) return Invalid(name, "no Shape() function");
  if (def.forward == nullptr) return Invalid(name, "no Forward() kernel");
  if (def.vjp == nullptr && !def.not_differentiable) {
    return Invalid(name, "no Vjp() and not marked NotDifferentiable()");
  }
  if (def.vjp != nullptr && def.not_differentiable) {
    return Invalid(name, "both a Vjp() and NotDifferentiable()");
  }
  if (!def.not_differentiable) {
    bool any = false;
    for (int i = 0; i < b.max_inputs(); ++i) {
      any |= def.IsDifferentiableInput(i);
    }
    if (!any) {
      return Invalid(name,
                     "has a Vjp() but every input is non-differentiable "
                     "(mark the op NotDifferentiable())");
    }
  }
  return absl::OkStatus();
}

// Fill() writes a slot (under mu) and publishes it.
void Fill(Slot* slot, OpDef def, const OpDefBuilder& b) {
  slot->def = std::move(def);
  slot->name = b.name();
  slot->min_inputs = b.min_inputs();
  slot->max_inputs = b.max_inputs();
  slot->ready.store(true, std::memory_order_release);
}

// TakenBy() is the slot index that already holds `b`'s op or name, or -1.
int TakenBy(const OpDefBuilder& b) {
  if (!b.is_user_op()) {
    const int index = static_cast<int>(b.def().kind);
    return GetRegistry().slots[index].ready.load() ? index : -1;
  }
  const int builtin = BuiltinIndex(b.name());
  return builtin >= 0 ? builtin : UserIndex(b.name());
}

absl::Status AlreadyExists(const OpDefBuilder& b, int taken) {
  if (!b.is_user_op()) {
    return absl::AlreadyExistsError(
        absl::StrCat("RegisterOp: op '", b.name(), "' is already registered"));
  }
  return absl::AlreadyExistsError(absl::StrCat(
      "RegisterOp: op '", b.name(), "' is already registered",
      taken < kNumOps ? " as a built-in op (ops/op_list.h)" : " as a user op",
      "; choose another name"));
}

// Register() is RegisterOp() with the lock held; *taken is set to the
// slot a duplicate collided with.
absl::StatusOr<OpKind> Register(const OpDefBuilder& b, int* taken) {
  RETURN_IF_ERROR(ValidateDefinition(b));
  Registry& r = GetRegistry();
  *taken = TakenBy(b);
  if (*taken >= 0) return AlreadyExists(b, *taken);
  OpDef def = b.def();
  if (!b.is_user_op()) {
    Fill(&r.slots[static_cast<int>(def.kind)], std::move(def), b);
    return b.def().kind;
  }
  const int n = r.num_user_ops.load();
  if (n >= kMaxUserOps) {
    return absl::ResourceExhaustedError(
        absl::StrCat("RegisterOp: op '", b.name(), "': ", kMaxUserOps,
                     " user ops are registered already"));
  }
  const OpKind kind = static_cast<OpKind>(kNumOps + n);
  def.kind = kind;
  Fill(&r.slots[kNumOps + n], std::move(def), b);
  r.num_user_ops.store(n + 1, std::memory_order_release);
  return kind;
}

}  // namespace

OpDefBuilder::OpDefBuilder(OpKind kind) {
  def_.kind = kind;
  if (!IsBuiltinOp(kind)) {
    name_ = OpName(kind);
    Fail(absl::InvalidArgumentError(absl::StrCat(
        "RegisterOp: OpDefBuilder(kind) is for the ops of DAGRAD_OP_LIST; ",
        "kind ", static_cast<int>(kind),
        " is not one (a user op is OpDefBuilder(name))")));
    return;
  }
  name_ = kOpList[static_cast<int>(kind)].name;
  min_inputs_ = kOpList[static_cast<int>(kind)].min_inputs;
  max_inputs_ = kOpList[static_cast<int>(kind)].max_inputs;
}

OpDefBuilder::OpDefBuilder(std::string name)
    : user_op_(true), name_(std::move(name)) {
  def_.kind = static_cast<OpKind>(-1);  // Assigned by RegisterOp().
}

OpDefBuilder& OpDefBuilder::Inputs(int min_inputs, int max_inputs) {
  if (!user_op_) {
    Fail(Invalid(name_,
                 "Inputs() is for user ops; a built-in op's arity is "
                 "its DAGRAD_OP_LIST entry"));
  }
  min_inputs_ = min_inputs;
  max_inputs_ = max_inputs;
  return *this;
}

void OpDefBuilder::CheckAttrsOf(OpKind kind, absl::string_view name) {
  if (!user_op_ && !name.empty()) {
    Fail(Invalid(name_, absl::StrCat("Attrs<T>() of user op '", name,
                                     "' on a built-in op")));
  } else if (!user_op_ && kind != def_.kind) {
    Fail(Invalid(name_, absl::StrCat("Attrs<T>() of op ", OpName(kind))));
  } else if (user_op_ && name != name_) {
    Fail(Invalid(
        name_, name.empty()
                   ? absl::StrCat("Attrs<T>() of built-in op ", OpName(kind))
                   : absl::StrCat("Attrs<T>() whose kOpName is '", name, "'")));
  }
}

void OpDefBuilder::Fail(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
}

const char* OpName(OpKind kind) {
  if (IsBuiltinOp(kind)) return kOpList[static_cast<int>(kind)].name;
  const Slot* slot = ReadySlot(kind);
  return slot != nullptr ? slot->name.c_str() : "UnknownOp";
}

int OpMinInputs(OpKind kind) {
  if (IsBuiltinOp(kind)) return kOpList[static_cast<int>(kind)].min_inputs;
  const Slot* slot = ReadySlot(kind);
  return slot != nullptr ? slot->min_inputs : 0;
}

int OpMaxInputs(OpKind kind) {
  if (IsBuiltinOp(kind)) return kOpList[static_cast<int>(kind)].max_inputs;
  const Slot* slot = ReadySlot(kind);
  return slot != nullptr ? slot->max_inputs : 0;
}

absl::StatusOr<OpKind> RegisterOp(const OpDefBuilder& builder) {
  std::lock_guard<std::mutex> lock(GetRegistry().mu);
  int taken = -1;
  return Register(builder, &taken);
}

namespace op_internal {

bool RegisterAtStartup(const OpDefBuilder& builder) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  int taken = -1;
  absl::StatusOr<OpKind> kind = Register(builder, &taken);
  if (kind.ok()) return true;
  r.startup_errors.push_back(kind.status());
  if (taken >= 0 && r.slots[taken].conflict.ok()) {
    r.slots[taken].conflict = kind.status();
  }
  return false;
}

}  // namespace op_internal

absl::Status OpRegistryStatus() {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (r.startup_errors.empty()) return absl::OkStatus();
  std::vector<std::string> messages;
  for (const absl::Status& s : r.startup_errors) {
    messages.emplace_back(s.message());
  }
  return absl::Status(r.startup_errors[0].code(),
                      absl::StrJoin(messages, "; "));
}

const OpDef* FindOp(OpKind kind) {
  const Slot* slot = ReadySlot(kind);
  return slot != nullptr ? &slot->def : nullptr;
}

absl::StatusOr<const OpDef*> GetOp(OpKind kind) {
  const Slot* slot = ReadySlot(kind);
  if (slot == nullptr) {
    if (!IsBuiltinOp(kind)) {
      return absl::InternalError(
          absl::StrCat("op kind ", static_cast<int>(kind),
                       " is not registered: user ops get their kind from "
                       "RegisterOp()"));
    }
    return absl::InternalError(absl::StrCat(
        "op ", OpName(kind),
        " is not registered: link //ops (its library is alwayslink)"));
  }
  {
    std::lock_guard<std::mutex> lock(GetRegistry().mu);
    if (!slot->conflict.ok()) return slot->conflict;
  }
  return &slot->def;
}

absl::StatusOr<OpKind> FindOpKind(absl::string_view name) {
  const int builtin = BuiltinIndex(name);
  if (builtin >= 0) return static_cast<OpKind>(builtin);
  const int user = UserIndex(name);
  if (user >= 0) return static_cast<OpKind>(user);
  return absl::NotFoundError(absl::StrCat(
      "op '", name,
      "' is not registered: register it with RegisterOp() (or link its "
      "alwayslink library) before use"));
}

std::vector<OpKind> RegisteredOps() {
  std::vector<OpKind> kinds;
  const int n = kNumOps + GetRegistry().num_user_ops.load();
  for (int i = 0; i < n; ++i) {
    if (ReadySlot(static_cast<OpKind>(i)) != nullptr) {
      kinds.push_back(static_cast<OpKind>(i));
    }
  }
  return kinds;
}

bool OpAttrsEqual(const OpDef& def, const OpAttrs& a, const OpAttrs& b) {
  return def.attrs_equal != nullptr && def.attrs_equal(a, b);
}

size_t OpAttrsHash(const OpDef& def, const OpAttrs& attrs) {
  return def.attrs_hash != nullptr ? def.attrs_hash(attrs) : 0;
}

uint32_t OpVjpUses(const OpDef& def, const OpAttrs& attrs) {
  return def.vjp_uses_of != nullptr ? def.vjp_uses_of(attrs) : def.vjp_uses;
}

std::string OpLabel(const OpDef& def, const OpAttrs& attrs) {
  return def.label != nullptr ? def.label(attrs) : std::string(def.name());
}

int64_t OpAuxFloats(const OpDef& def, const ShapeQuery& query) {
  return def.aux_floats != nullptr ? def.aux_floats(query) : 0;
}

int64_t OpScratchFloats(const OpDef& def, const ShapeQuery& query, int wrt) {
  return def.scratch_floats != nullptr ? def.scratch_floats(query, wrt) : 0;
}

int64_t OpMaxScratchFloats(const OpDef& def, const ShapeQuery& query) {
  int64_t scratch = OpScratchFloats(def, query, -1);
  const int n = static_cast<int>(query.inputs.size());
  for (int i = 0; i < n; ++i) {
    if (def.IsDifferentiableInput(i)) {
      scratch = std::max(scratch, OpScratchFloats(def, query, i));
    }
  }
  return scratch;
}

absl::Status ShapeError(OpKind kind, absl::Span<const Shape> inputs,
                        const std::string& what) {
  return ShapeError(OpName(kind), inputs, what);
}

absl::Status ShapeError(absl::string_view op_name,
                        absl::Span<const Shape> inputs,
                        const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(
      op_name, ": ", what, "; inputs ", ShapesDebugString(inputs)));
}

}  // namespace dagrad
