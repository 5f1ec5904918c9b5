// Links only //ops:relu: GetOp() of an op whose library is not linked is an
// Internal error that names the op and the fix.
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "ops/op.h"
#include "ops/relu.h"

namespace dagrad {
namespace {

TEST(RegistryTest, GetOpNamesAMissingOp) {
  EXPECT_TRUE(GetOp(OpKind::kRelu).ok());
  EXPECT_EQ(FindOp(OpKind::kTanh), nullptr);
  auto def = GetOp(OpKind::kTanh);
  ASSERT_FALSE(def.ok());
  EXPECT_EQ(def.status().code(), absl::StatusCode::kInternal);
  const std::string message(def.status().message());
  EXPECT_NE(message.find("Tanh"), std::string::npos) << message;
  EXPECT_NE(message.find("not registered"), std::string::npos) << message;
}

}  // namespace
}  // namespace dagrad
