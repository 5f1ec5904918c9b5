// A Model with a skip connection, a Concatenate and two outputs trains,
// saves, loads in a fresh process and predicts the same values bitwise
// (tests/models/model_roundtrip_main.cc does each half in its own process).
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "io/file_system.h"
#include "tests/testing/subprocess.h"

namespace dagrad {
namespace {

TEST(ModelRoundTripTest, LoadedInAFreshProcessPredictsTheSameBits) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  ASSERT_NE(tmp, nullptr);
  const std::string dir = tmp;
  const std::string binary = RunfilePath("tests/models/model_roundtrip_main");
  Subprocess train = RunSubprocess({binary, "train", dir}, 300);
  ASSERT_EQ(train.exit_code, 0) << train.output;
  Subprocess predict = RunSubprocess({binary, "predict", dir}, 300);
  ASSERT_EQ(predict.exit_code, 0) << predict.output;
  for (int j = 0; j < 2; ++j) {
    SCOPED_TRACE(j);
    absl::StatusOr<std::string> trained =
        ReadFileBytes(absl::StrCat(dir, "/train_out_", j, ".npy"));
    absl::StatusOr<std::string> loaded =
        ReadFileBytes(absl::StrCat(dir, "/load_out_", j, ".npy"));
    ASSERT_TRUE(trained.ok()) << trained.status();
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    // 24 rows of 4 and of 2 floats after the header.
    EXPECT_GT(trained->size(), 24u * 2 * sizeof(float));
    EXPECT_EQ(*trained, *loaded);
  }
}

}  // namespace
}  // namespace dagrad
