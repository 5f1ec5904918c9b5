#include "core/status_macros.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int half, Half(x));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

absl::Status CheckQuarter(int x, int* calls) {
  ++*calls;
  RETURN_IF_ERROR(Quarter(x).status());
  ++*calls;
  return absl::OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnPassesValuesAndErrors) {
  EXPECT_EQ(Quarter(8).value(), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(5).status().message(), "odd");
}

TEST(StatusMacrosTest, ReturnIfErrorStopsEarly) {
  int calls = 0;
  EXPECT_TRUE(CheckQuarter(4, &calls).ok());
  EXPECT_EQ(calls, 2);
  calls = 0;
  EXPECT_FALSE(CheckQuarter(6, &calls).ok());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace dagrad
