// Runs the functional-API examples (examples/resnet.cc,
// examples/two_heads.cc) briefly on real data: they train, report the test
// accuracy (per head for two_heads), and a saved model loaded with
// --epochs=0 reports the same test results.
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"

namespace dagrad {
namespace {

std::string Binary(const std::string& name) {
  return RunfilePath("examples/" + name);
}

std::string TempPath(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_TMPDIR"), "/", name);
}

// TestLine() is the output's "test_loss=..." line, without the memory
// figure (peak_rss_mb), which depends on the run, not on the model.
std::string TestLine(const std::string& output) {
  const size_t at = output.rfind("test_loss=");
  if (at == std::string::npos) return "";
  const std::string line = output.substr(at, output.find('\n', at) - at);
  return line.substr(0, line.find(" peak_rss_mb="));
}

Subprocess RunExample(const std::string& name, std::vector<std::string> flags) {
  flags.insert(flags.begin(), Binary(name));
  return RunSubprocess(flags, /*timeout_seconds=*/600);
}

TEST(FunctionalExamplesTest, ResnetTrainsSavesAndLoads) {
  const std::string ckpt = TempPath("resnet.ckpt");
  Subprocess r = RunExample("resnet", {"--train_limit=640", "--valid_count=128",
                                       "--epochs=1", "--save=" + ckpt});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "res2 (ResidualBlock)")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "Trainable params: 77,754")) << r.output;
  const std::string trained = TestLine(r.output);
  ASSERT_FALSE(trained.empty()) << r.output;
  Subprocess loaded =
      RunExample("resnet", {"--train_limit=640", "--valid_count=128",
                            "--epochs=0", "--load=" + ckpt});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.output;
  EXPECT_EQ(TestLine(loaded.output), trained);
}

TEST(FunctionalExamplesTest, TwoHeadsReportsEachHead) {
  Subprocess r = RunExample(
      "two_heads",
      {"--train_limit=640", "--valid_count=128", "--epochs=1", "--threads=2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "test_acc_classes=")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "test_acc_coarse=")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "conv1 (Conv2D) #2")) << r.output;
  EXPECT_FALSE(TestLine(r.output).empty()) << r.output;
}

}  // namespace
}  // namespace dagrad
