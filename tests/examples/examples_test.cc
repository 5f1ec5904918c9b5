// Runs every training example briefly (a few hundred images, 2 epochs) and
// checks its output: the per-epoch lines parse, the loss goes down, the test
// line is there, and the artifacts (CSV, SVG, checkpoint, DOT) are written.
// Bad flags must give a one-line error and exit status 2.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "report/history.h"

namespace dagrad {
namespace {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

std::string Binary(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/dagrad/examples/", name);
}

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

RunResult RunCommand(const std::string& command) {
  RunResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    result.out.append(buffer, n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ExampleTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ExampleTest, TrainsBrieflyAndReports) {
  const std::string name = GetParam();
  const std::string prefix = absl::StrCat(TempDir(), "/", name);
  const RunResult r = RunCommand(absl::StrCat(
      Binary(name), " --train_limit=720 --epochs=2 --log_csv=", prefix,
      ".csv --plot=", prefix, ".svg --save=", prefix, ".ckpt --dot=", prefix,
      ".dot"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::vector<EpochStats> epochs;
  bool saw_test = false;
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    if (absl::StartsWith(line, "epoch ")) {
      absl::StatusOr<EpochStats> stats = ParseEpochLine(line);
      ASSERT_TRUE(stats.ok()) << stats.status();
      EXPECT_TRUE(stats->has_valid) << line;
      epochs.push_back(*stats);
    }
    saw_test |= absl::StartsWith(line, "test_loss=") &&
                absl::StrContains(line, " test_acc=") &&
                absl::StrContains(line, " params=");
  }
  EXPECT_TRUE(saw_test) << r.out;
  // Two epochs per model (the depth sweep trains five models).
  ASSERT_GE(epochs.size(), 2u) << r.out;
  for (size_t i = 0; i + 1 < epochs.size(); i += 2) {
    EXPECT_EQ(epochs[i].epoch, 1);
    EXPECT_LT(epochs[i + 1].train_loss, epochs[i].train_loss) << r.out;
  }
  EXPECT_TRUE(absl::StartsWith(ReadFile(prefix + ".csv"), "epoch,train_loss"));
  EXPECT_TRUE(absl::StrContains(ReadFile(prefix + ".svg"), "</svg>"));
  EXPECT_TRUE(absl::StartsWith(ReadFile(prefix + ".ckpt"), "DAGRADCK"));
  EXPECT_TRUE(absl::StrContains(ReadFile(prefix + ".dot"), "digraph"));
}

INSTANTIATE_TEST_SUITE_P(All, ExampleTest,
                         ::testing::Values("lenet5", "mnist_mlp",
                                           "mnist_dropout", "mnist_convnet",
                                           "softmax_regression",
                                           "mlp_depth_sweep"));

TEST(ExampleFlagsTest, LoadWithZeroEpochsEvaluatesASavedModel) {
  const std::string ckpt = absl::StrCat(TempDir(), "/mlp_eval.ckpt");
  RunResult r = RunCommand(absl::StrCat(Binary("mnist_mlp"),
                                 " --train_limit=600 --epochs=1 --save=", ckpt));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = RunCommand(absl::StrCat(Binary("mnist_mlp"), " --epochs=0 --load=", ckpt));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "loaded ")) << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, "\nepoch ")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "test_acc=")) << r.out;
}

TEST(ExampleFlagsTest, NpyDirExportsEveryParameter) {
  const std::string dir = absl::StrCat(TempDir(), "/mlp_npy");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  const RunResult r = RunCommand(absl::StrCat(
      Binary("mnist_mlp"), " --train_limit=300 --epochs=1 --npy_dir=", dir));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  for (const char* name : {"dense_1_W", "dense_1_b", "dense_2_W", "dense_2_b"}) {
    const std::string npy = ReadFile(absl::StrCat(dir, "/", name, ".npy"));
    EXPECT_TRUE(absl::StartsWith(npy, "\x93NUMPY")) << name;
  }
}

TEST(ExampleFlagsTest, BadValuesAreOneLineErrorsWithStatus2) {
  struct Case {
    const char* flags;
    const char* mentions;
  };
  for (const Case& c :
       {Case{"--batch_size=0", "batch_size"}, Case{"--lr=-1", "lr"},
        Case{"--epochs=abc", "epochs"}, Case{"--batch_size 1.5", "batch_size"},
        Case{"--activation=bogus", "bogus"}, Case{"--optimizer=sgdd", "sgdd"},
        Case{"--data_dir=/nonexistent/dir", "/nonexistent/dir"},
        Case{"--load=/nonexistent/x.ckpt --epochs=0", "/nonexistent/x.ckpt"}}) {
    const RunResult r = RunCommand(absl::StrCat(Binary("lenet5"), " ", c.flags));
    EXPECT_EQ(r.exit_code, 2) << c.flags << "\n" << r.out;
    const std::string last_line(
        absl::StripTrailingAsciiWhitespace(r.out.substr(
            r.out.rfind('\n', r.out.size() - 2) == std::string::npos
                ? 0
                : r.out.rfind('\n', r.out.size() - 2) + 1)));
    EXPECT_TRUE(absl::StartsWith(last_line, "lenet5: ")) << r.out;
    EXPECT_TRUE(absl::StrContains(last_line, c.mentions)) << r.out;
  }
}

}  // namespace
}  // namespace dagrad
