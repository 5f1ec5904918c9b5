#include "ops/op.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"

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

// The registry is filled during static initialization, before main().
std::array<OpDef, kNumOps>& Registry() {
  static std::array<OpDef, kNumOps> registry;
  return registry;
}

std::array<bool, kNumOps>& Registered() {
  static std::array<bool, kNumOps> registered{};
  return registered;
}

}  // namespace

const char* OpName(OpKind kind) { return kOpList[static_cast<int>(kind)].name; }
int OpMinInputs(OpKind kind) {
  return kOpList[static_cast<int>(kind)].min_inputs;
}
int OpMaxInputs(OpKind kind) {
  return kOpList[static_cast<int>(kind)].max_inputs;
}

bool RegisterOp(const OpDef& def) {
  const int index = static_cast<int>(def.kind);
  assert(index >= 0 && index < kNumOps);
  assert(!Registered()[index] && "op registered twice");
  Registry()[index] = def;
  Registered()[index] = true;
  return true;
}

const OpDef* FindOp(OpKind kind) {
  const int index = static_cast<int>(kind);
  if (index < 0 || index >= kNumOps || !Registered()[index]) return nullptr;
  return &Registry()[index];
}

absl::StatusOr<const OpDef*> GetOp(OpKind kind) {
  const OpDef* def = FindOp(kind);
  if (def == nullptr) {
    return absl::InternalError(absl::StrCat(
        "op ", OpName(kind),
        " is not registered: link //ops (its library is alwayslink)"));
  }
  return def;
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
  return absl::InvalidArgumentError(absl::StrCat(
      OpName(kind), ": ", what, "; inputs ", ShapesDebugString(inputs)));
}

}  // namespace dagrad
