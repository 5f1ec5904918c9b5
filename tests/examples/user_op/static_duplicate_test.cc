// A DAGRAD_REGISTER_OP line that registers an op a second time cannot
// return a status; the registry records it instead (in every build mode,
// this test runs under -c opt): OpRegistryStatus() returns the
// AlreadyExists errors, and GetOp(), GraphBuilder::AddOp and EagerOp of
// the ops involved return them rather than silently using one definition.
// static_duplicate.cc registers the example user op and Relu again.
#include <string>

#include "absl/status/status.h"
#include "examples/user_op/scaled_softsign.h"
#include "graph/graph.h"
#include "gtest/gtest.h"
#include "ops/eager.h"
#include "ops/op.h"
#include "ops/relu.h"
#include "ops/tanh.h"

namespace dagrad {
namespace {

using user_op::ScaledSoftsignAttrs;

TEST(StaticDuplicateTest, RegistryStatusReportsEveryDuplicate) {
  const absl::Status status = OpRegistryStatus();
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  const std::string message(status.message());
  EXPECT_NE(message.find("'ScaledSoftsign' is already registered as a user"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("'Relu' is already registered"), std::string::npos)
      << message;
}

TEST(StaticDuplicateTest, FirstUseOfAConflictedOpReturnsTheError) {
  const OpKind kind = *OpKindOf<ScaledSoftsignAttrs>();
  EXPECT_EQ(GetOp(kind).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(GetOp(OpKind::kRelu).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(GetOp(OpKind::kTanh).ok());  // Untouched ops still work.

  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({2, 3}));
  absl::StatusOr<NodeId> y = b.AddOp(ScaledSoftsignAttrs{}, {x});
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(y.status().message().find("node 'ScaledSoftsign'"),
            std::string::npos)
      << y.status();
  EXPECT_EQ(b.AddOp(ReluAttrs{}, {x}).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(b.AddOp(TanhAttrs{}, {x}).ok());

  ThreadPool pool(1);
  EXPECT_EQ(EagerOp::Create(kind, ScaledSoftsignAttrs{}, {Shape({2})}, &pool)
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace dagrad
