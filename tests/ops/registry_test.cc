// Walks every op of DAGRAD_OP_LIST and every registered user op (the
// example of examples/user_op/ is linked in) and demands a complete
// registration: attrs, a shape fn, a forward, and a VJP or an explicit
// NotDifferentiable().
#include <string>
#include <vector>

#include "examples/user_op/scaled_softsign.h"
#include "gtest/gtest.h"
#include "ops/op.h"

namespace dagrad {
namespace {

static_assert(kNumOps > 0, "DAGRAD_OP_LIST is empty");

// ExpectComplete() checks one registered op's definition.
void ExpectComplete(OpKind kind) {
  SCOPED_TRACE(OpName(kind));
  const OpDef* def = FindOp(kind);
  ASSERT_NE(def, nullptr) << "not registered (or not alwayslink)";
  EXPECT_EQ(def->kind, kind);
  EXPECT_TRUE(def->default_attrs.has_value()) << "no Attrs<T>()";
  EXPECT_NE(def->shape_fn, nullptr) << "no shape function";
  EXPECT_NE(def->forward, nullptr) << "no forward kernel";
  EXPECT_TRUE(def->vjp != nullptr || def->not_differentiable)
      << "no VJP and not marked NotDifferentiable";
  EXPECT_FALSE(def->vjp != nullptr && def->not_differentiable);
  EXPECT_GE(OpMinInputs(kind), 1);
  EXPECT_LE(OpMinInputs(kind), OpMaxInputs(kind));
  EXPECT_LT(OpMaxInputs(kind), 32);  // Input masks are 32-bit.
  bool any_differentiable = false;
  for (int in = 0; in < OpMaxInputs(kind); ++in) {
    any_differentiable |= def->IsDifferentiableInput(in);
  }
  EXPECT_TRUE(any_differentiable || def->not_differentiable);
  EXPECT_EQ(*FindOpKind(OpName(kind)), kind);
}

TEST(RegistryTest, EveryOpIsRegisteredCompletely) {
  EXPECT_TRUE(OpRegistryStatus().ok()) << OpRegistryStatus();
  for (int i = 0; i < kNumOps; ++i) ExpectComplete(static_cast<OpKind>(i));
}

TEST(RegistryTest, EveryRegisteredOpIncludingUserOpsIsComplete) {
  const std::vector<OpKind> ops = RegisteredOps();
  ASSERT_EQ(ops.size(), static_cast<size_t>(kNumOps) + 1);  // + the example.
  for (OpKind kind : ops) ExpectComplete(kind);
  const OpKind user = *OpKindOf<user_op::ScaledSoftsignAttrs>();
  EXPECT_EQ(ops.back(), user);
  EXPECT_FALSE(IsBuiltinOp(user));
  EXPECT_NE(FindOp(user)->attrs_equal, nullptr);
}

TEST(RegistryTest, AttrsEqualityIsReflexiveWithAgreeingHashes) {
  // Attrs<T>() records an equality for empty attrs structs and those with
  // operator== (graph passes compare nodes with it).
  for (OpKind kind : RegisteredOps()) {
    const OpDef* def = FindOp(kind);
    ASSERT_NE(def, nullptr);
    SCOPED_TRACE(def->name());
    EXPECT_EQ(def->attrs_equal == nullptr, def->attrs_hash == nullptr);
    if (def->attrs_equal == nullptr) continue;
    const OpAttrs copy = def->default_attrs;
    EXPECT_TRUE(OpAttrsEqual(*def, def->default_attrs, copy));
    EXPECT_EQ(OpAttrsHash(*def, def->default_attrs), OpAttrsHash(*def, copy));
  }
  EXPECT_NE(FindOp(OpKind::kConv2D)->attrs_equal, nullptr);
  EXPECT_NE(FindOp(OpKind::kMatMul)->attrs_equal, nullptr);
  EXPECT_NE(FindOp(OpKind::kRelu)->attrs_equal, nullptr);
}

TEST(RegistryTest, OpListIsSortedAndNamesAreUnique) {
  for (int i = 1; i < kNumOps; ++i) {
    EXPECT_LT(std::string(OpName(static_cast<OpKind>(i - 1))),
              std::string(OpName(static_cast<OpKind>(i))));
  }
}

TEST(RegistryTest, GetOpFindsEveryLinkedOp) {
  // Every op is linked here, so GetOp succeeds for each (a missing op:
  // registry_missing_op_test).
  for (int i = 0; i < kNumOps; ++i) {
    EXPECT_TRUE(GetOp(static_cast<OpKind>(i)).ok());
  }
}

}  // namespace
}  // namespace dagrad
