// A second library that registers, at static initialization, ops that are
// already registered: the example user op and the built-in Relu. Linked
// into static_duplicate_test, whose registry must report both.
#include "examples/user_op/scaled_softsign.h"
#include "ops/op.h"
#include "ops/relu.h"

namespace dagrad {
namespace {

DAGRAD_REGISTER_OP(user_op::ScaledSoftsignOp());
DAGRAD_REGISTER_OP(OpDefBuilder(OpKind::kRelu)
                       .Attrs<ReluAttrs>()
                       .Shape(ReluShape)
                       .Forward(ReluForward)
                       .Vjp(ReluVjp, kVjpUsesOutput));

}  // namespace
}  // namespace dagrad
