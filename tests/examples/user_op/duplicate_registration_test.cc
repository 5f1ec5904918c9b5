// Registering an op whose name is taken returns AlreadyExists, and an
// incomplete definition InvalidArgument, in every build mode: this test
// runs under the default -c opt (NDEBUG), where an assert would be gone.
// The registry is unchanged after each error.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "examples/user_op/scaled_softsign.h"
#include "gtest/gtest.h"
#include "ops/op.h"
#include "ops/relu.h"

namespace dagrad {
namespace {

using user_op::ScaledSoftsignAttrs;
using user_op::ScaledSoftsignOp;

// Attrs of a second user op, for definitions that collide or are bad.
struct ReluAttrsClone {
  static constexpr char kOpName[] = "Relu";
};
struct HalfAttrs {
  static constexpr char kOpName[] = "Half";
};
struct NeverAttrs {
  static constexpr char kOpName[] = "NeverRegistered";
};
struct UnfinishedAttrs {
  static constexpr char kOpName[] = "Unfinished";
};

absl::StatusOr<Shape> SameShape(absl::Span<const Shape> in, const OpAttrs&) {
  return in[0];
}
absl::Status NoForward(const ForwardContext&) { return absl::OkStatus(); }
void NoVjp(const VjpContext&) {}

// Half() is a complete definition of a fresh user op named "Half";
// Unfinished() one of "Unfinished", which the tests below spoil.
OpDefBuilder Half() {
  OpDefBuilder op("Half");
  op.Attrs<HalfAttrs>().Shape(SameShape).Forward(NoForward).Vjp(NoVjp);
  return op;
}
OpDefBuilder Unfinished() {
  OpDefBuilder op("Unfinished");
  op.Attrs<UnfinishedAttrs>().Shape(SameShape).Forward(NoForward).Vjp(NoVjp);
  return op;
}

void ExpectError(const absl::StatusOr<OpKind>& kind, absl::StatusCode code,
                 const std::vector<std::string>& parts) {
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(kind.status().code(), code) << kind.status();
  const std::string message(kind.status().message());
  for (const std::string& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

TEST(DuplicateRegistrationTest, SameUserOpTwiceIsAlreadyExists) {
  const OpKind kind = *OpKindOf<ScaledSoftsignAttrs>();  // Linked: registered.
  const std::vector<OpKind> before = RegisteredOps();
  ExpectError(RegisterOp(ScaledSoftsignOp()), absl::StatusCode::kAlreadyExists,
              {"'ScaledSoftsign' is already registered as a user op"});
  EXPECT_EQ(RegisteredOps(), before);
  EXPECT_EQ(*OpKindOf<ScaledSoftsignAttrs>(), kind);
  EXPECT_TRUE(GetOp(kind).ok());  // The function path records no conflict.
  EXPECT_TRUE(OpRegistryStatus().ok()) << OpRegistryStatus();
}

TEST(DuplicateRegistrationTest, BuiltinNameIsAlreadyExists) {
  const std::vector<OpKind> before = RegisteredOps();
  OpDefBuilder relu("Relu");
  relu.Attrs<ReluAttrsClone>().Shape(SameShape).Forward(NoForward).Vjp(NoVjp);
  ExpectError(RegisterOp(relu), absl::StatusCode::kAlreadyExists,
              {"'Relu'", "built-in op"});
  // The built-in op itself, registered a second time.
  OpDefBuilder builtin(OpKind::kRelu);
  builtin.Attrs<ReluAttrs>().Shape(SameShape).Forward(NoForward).Vjp(NoVjp);
  ExpectError(RegisterOp(builtin), absl::StatusCode::kAlreadyExists,
              {"'Relu' is already registered"});
  EXPECT_EQ(RegisteredOps(), before);
  EXPECT_NE(FindOp(OpKind::kRelu)->forward, &NoForward);
}

TEST(DuplicateRegistrationTest, IncompleteDefinitionsAreInvalidArgument) {
  const std::vector<OpKind> before = RegisteredOps();
  {
    OpDefBuilder op("Unfinished");
    op.Attrs<UnfinishedAttrs>().Shape(SameShape).Forward(NoForward);
    ExpectError(
        RegisterOp(op), absl::StatusCode::kInvalidArgument,
        {"'Unfinished'", "no Vjp() and not marked NotDifferentiable()"});
  }
  {
    OpDefBuilder op = Unfinished();
    op.NotDifferentiable();
    ExpectError(RegisterOp(op), absl::StatusCode::kInvalidArgument,
                {"both a Vjp() and NotDifferentiable()"});
  }
  {
    OpDefBuilder op("Unfinished");
    op.Attrs<UnfinishedAttrs>().Forward(NoForward).Vjp(NoVjp);
    ExpectError(RegisterOp(op), absl::StatusCode::kInvalidArgument,
                {"no Shape() function"});
  }
  {
    OpDefBuilder op("Unfinished");
    op.Shape(SameShape).Forward(NoForward).Vjp(NoVjp);
    ExpectError(RegisterOp(op), absl::StatusCode::kInvalidArgument,
                {"no Attrs<T>()"});
  }
  {
    OpDefBuilder op = Unfinished();
    op.Inputs(0, 1);
    ExpectError(RegisterOp(op), absl::StatusCode::kInvalidArgument,
                {"arity 0..1"});
  }
  {
    OpDefBuilder op = Unfinished();
    op.NonDifferentiableInput(0);
    ExpectError(RegisterOp(op), absl::StatusCode::kInvalidArgument,
                {"every input is non-differentiable"});
  }
  {
    OpDefBuilder op("Double");  // Attrs of another user op.
    op.Attrs<UnfinishedAttrs>().Shape(SameShape).Forward(NoForward).Vjp(NoVjp);
    ExpectError(RegisterOp(op), absl::StatusCode::kInvalidArgument,
                {"'Double'", "kOpName is 'Unfinished'"});
  }
  {
    OpDefBuilder op("2x");
    ExpectError(RegisterOp(op), absl::StatusCode::kInvalidArgument,
                {"'2x'", "letters, digits and '_'"});
  }
  {
    OpDefBuilder op(OpKind::kRelu);  // Attrs of a user op on a built-in.
    op.Attrs<UnfinishedAttrs>();
    ExpectError(RegisterOp(op), absl::StatusCode::kInvalidArgument,
                {"'Relu'", "Attrs<T>() of user op 'Unfinished'"});
  }
  EXPECT_EQ(RegisteredOps(), before);
  EXPECT_FALSE(FindOpKind("Unfinished").ok());
}

TEST(DuplicateRegistrationTest, FreshOpRegistersOnceThenIsAlreadyExists) {
  absl::StatusOr<OpKind> half = RegisterOp(Half());
  ASSERT_TRUE(half.ok()) << half.status();
  EXPECT_EQ(*FindOpKind("Half"), *half);
  EXPECT_EQ(*OpKindOf<HalfAttrs>(), *half);
  EXPECT_STREQ(OpName(*half), "Half");
  EXPECT_NE(*half, *OpKindOf<ScaledSoftsignAttrs>());
  ExpectError(RegisterOp(Half()), absl::StatusCode::kAlreadyExists,
              {"'Half' is already registered as a user op"});
  const std::vector<OpKind> all = RegisteredOps();
  EXPECT_EQ(all.back(), *half);
}

TEST(DuplicateRegistrationTest, UnregisteredUserOpIsNamed) {
  absl::StatusOr<OpKind> kind = OpKindOf<NeverAttrs>();
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(kind.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(kind.status().message().find("'NeverRegistered'"),
            std::string::npos);
  const OpKind past_end = static_cast<OpKind>(kNumOps + kMaxUserOps - 1);
  EXPECT_EQ(FindOp(past_end), nullptr);
  EXPECT_EQ(GetOp(past_end).status().code(), absl::StatusCode::kInternal);
  EXPECT_STREQ(OpName(past_end), "UnknownOp");
}

}  // namespace
}  // namespace dagrad
