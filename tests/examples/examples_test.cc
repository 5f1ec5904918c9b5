// Runs every training example briefly (a few hundred images, 2 epochs) and
// checks its output: the per-epoch lines parse, the loss goes down, the test
// line is there, and the artifacts (CSV, SVG, checkpoint, DOT, ONNX) are
// written. Bad flags and unwritable outputs must give a one-line error and
// exit status 2 before any training; divergence must not exit 0; a run
// killed by SIGTERM and resumed must give the uninterrupted run's losses.
// Every child runs under a time limit (tests/testing/subprocess.h), so a
// hang fails the test instead of stalling it.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "io/onnx/onnx_export.h"
#include "report/history.h"
#include "tests/testing/subprocess.h"

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

// kTimeoutSeconds bounds every child: a hang is a failure, not a stall.
constexpr double kTimeoutSeconds = 600;

RunResult RunCommand(const std::string& command,
                     const OutputWatcher& watcher = nullptr) {
  const Subprocess child =
      RunSubprocess({"/bin/sh", "-c", command}, kTimeoutSeconds, {}, watcher);
  RunResult result;
  result.exit_code = child.timed_out ? -2 : child.exit_code;
  result.out = child.output;
  if (child.timed_out) result.out += "\n[timed out]";
  return result;
}

// LastLine() is the last non-empty line of `out`.
std::string LastLine(const std::string& out) {
  const std::string trimmed(absl::StripTrailingAsciiWhitespace(out));
  const size_t newline = trimmed.rfind('\n');
  return newline == std::string::npos ? trimmed : trimmed.substr(newline + 1);
}

// WithoutMemory() drops the run-dependent " peak_rss_mb=..." figure from an
// example's test line.
std::string WithoutMemory(const std::string& line) {
  return line.substr(0, line.find(" peak_rss_mb="));
}

// EpochLines() parses every per-epoch line of `out`.
std::vector<EpochStats> EpochLines(const std::string& out) {
  std::vector<EpochStats> epochs;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (!absl::StartsWith(line, "epoch ")) continue;
    absl::StatusOr<EpochStats> stats = ParseEpochLine(line);
    EXPECT_TRUE(stats.ok()) << stats.status();
    if (stats.ok()) epochs.push_back(*stats);
  }
  return epochs;
}

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
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
                                           "mlp_depth_sweep", "lstm"));

TEST(ExampleFlagsTest, LoadWithZeroEpochsEvaluatesASavedModel) {
  const std::string ckpt = absl::StrCat(TempDir(), "/mlp_eval.ckpt");
  RunResult r = RunCommand(absl::StrCat(
      Binary("mnist_mlp"), " --train_limit=600 --epochs=1 --save=", ckpt));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = RunCommand(
      absl::StrCat(Binary("mnist_mlp"), " --epochs=0 --load=", ckpt));
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
  for (const char* name :
       {"dense_1_W", "dense_1_b", "dense_2_W", "dense_2_b"}) {
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
        Case{"--load=/nonexistent/x.ckpt --epochs=0", "/nonexistent/x.ckpt"},
        Case{"--checkpoint_every=-1", "checkpoint_every"},
        Case{"--checkpoint_every=1", "--save"}, Case{"--resume", "--save"}}) {
    const RunResult r =
        RunCommand(absl::StrCat(Binary("lenet5"), " ", c.flags));
    EXPECT_EQ(r.exit_code, 2) << c.flags << "\n" << r.out;
    const std::string last_line(absl::StripTrailingAsciiWhitespace(
        r.out.substr(r.out.rfind('\n', r.out.size() - 2) == std::string::npos
                         ? 0
                         : r.out.rfind('\n', r.out.size() - 2) + 1)));
    EXPECT_TRUE(absl::StartsWith(last_line, "lenet5: ")) << r.out;
    EXPECT_TRUE(absl::StrContains(last_line, c.mentions)) << r.out;
  }
}

}  // namespace
}  // namespace dagrad

namespace dagrad {
namespace {

// ReadOnlyDir() is a directory that refuses new files, even to root.
std::string ReadOnlyDir() {
  if (geteuid() == 0) return "/proc";  // Root ignores permission bits.
  const std::string dir = absl::StrCat(TempDir(), "/read_only");
  mkdir(dir.c_str(), 0755);
  chmod(dir.c_str(), 0555);
  return dir;
}

TEST(ExampleOutputsTest, UnwritableOutputsFailBeforeTraining) {
  const std::string tmp = TempDir();
  const std::string file = absl::StrCat(tmp, "/plain_file");
  std::FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  const std::string read_only = ReadOnlyDir();
  struct Case {
    std::string flag;
    std::string path;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"save", "/nonexistent_dir/x.ckpt", "does not exist"},
      {"save", tmp, "is a directory"},
      {"save", "/tmp", "is a directory"},
      {"save", tmp + "/", "is a directory"},
      {"plot", read_only + "/curves.svg", "cannot create"},
      {"log_csv", file + "/log.csv", "not a directory"},
      {"dot", "/nonexistent_dir/g.dot", "does not exist"},
      {"export_onnx", "/nonexistent_dir/m.onnx", "does not exist"},
      {"export_onnx", read_only + "/m.onnx", "cannot create"},
      {"npy_dir", "/nonexistent_dir", "does not exist"},
      {"npy_dir", file, "not a directory"},
      {"npy_dir", read_only, "cannot create"},
  };
  const bool had_tmp_tmp = Exists("/tmp.tmp");
  for (const Case& c : cases) {
    const std::string flags = absl::StrCat("--", c.flag, "=", c.path);
    const RunResult r = RunCommand(absl::StrCat(
        Binary("mnist_mlp"), " --train_limit=300 --epochs=1 ", flags));
    EXPECT_EQ(r.exit_code, 2) << flags << "\n" << r.out;
    EXPECT_FALSE(absl::StrContains(r.out, "\nepoch ")) << flags << r.out;
    const std::string last = LastLine(r.out);
    EXPECT_TRUE(absl::StartsWith(last, absl::StrCat("mnist_mlp: ", flags)))
        << last;
    EXPECT_TRUE(absl::StrContains(last, c.says)) << last;
  }
  EXPECT_FALSE(Exists(tmp + ".tmp"));
  if (!had_tmp_tmp) {
    EXPECT_FALSE(Exists("/tmp.tmp"));
  }
}

TEST(ExampleOutputsTest, ExportOnnxWritesAModelThatPassesTheChecker) {
  for (const char* name : {"mnist_mlp", "lenet5"}) {
    const std::string path = absl::StrCat(TempDir(), "/", name, ".onnx");
    const RunResult r = RunCommand(absl::StrCat(
        Binary(name), " --train_limit=200 --epochs=", name[0] == 'l' ? 0 : 1,
        " --export_onnx=", path));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(absl::StrContains(r.out, "wrote " + path)) << r.out;
    const std::string bytes = ReadFile(path);
    ASSERT_FALSE(bytes.empty()) << path;
    const absl::Status checked = CheckOnnxModel(bytes);
    EXPECT_TRUE(checked.ok()) << name << ": " << checked;
  }
}

TEST(ExampleFaultsTest, ThreadsAboveTheCoresAreCappedWithANotice) {
  const RunResult r = RunCommand(absl::StrCat(
      Binary("mnist_mlp"), " --train_limit=300 --epochs=1 --threads=1000"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "--threads=1000 is more than the"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "test_acc=")) << r.out;
}

TEST(ExampleFaultsTest, DivergenceIsAnErrorNeverNanWithStatus0) {
  for (const char* extra : {"", " --allow_non_finite"}) {
    const RunResult r = RunCommand(absl::StrCat(
        Binary("mnist_mlp"), " --train_limit=600 --epochs=2 --lr=1e30", extra));
    EXPECT_EQ(r.exit_code, 1) << extra << "\n" << r.out;
    const std::string last = LastLine(r.out);
    EXPECT_TRUE(absl::StartsWith(last, "mnist_mlp: ")) << last;
    if (*extra == '\0') {
      EXPECT_TRUE(absl::StrContains(last, "diverged")) << last;
      EXPECT_TRUE(absl::StrContains(last, "epoch ")) << last;
      EXPECT_FALSE(absl::StrContains(r.out, "test_loss=")) << r.out;
    } else {
      EXPECT_TRUE(absl::StrContains(last, "non-finite")) << last;
    }
  }
}

// The flags of the interrupted, resumed and uninterrupted runs.
std::string ResumeFlags(const std::string& ckpt) {
  return absl::StrCat(" --train_limit=1500 --batch_size=32 --epochs=6",
                      " --save=", ckpt);
}

TEST(ExampleFaultsTest, KilledAndResumedRunHasTheUninterruptedLosses) {
  const std::string lenet = Binary("lenet5");
  const RunResult straight = RunCommand(
      lenet + ResumeFlags(absl::StrCat(TempDir(), "/straight.ckpt")));
  ASSERT_EQ(straight.exit_code, 0) << straight.out;
  const std::vector<EpochStats> expected = EpochLines(straight.out);
  ASSERT_EQ(expected.size(), 6u) << straight.out;

  const std::string ckpt = absl::StrCat(TempDir(), "/killed.ckpt");
  bool sent = false;
  const RunResult killed = RunCommand(
      absl::StrCat("exec ", lenet, ResumeFlags(ckpt), " --checkpoint_every=1"),
      [&](pid_t pid, const std::string& out) {
        if (!sent && absl::StrContains(out, "\nepoch 1/6 ")) {
          sent = true;
          usleep(20000);       // Past epoch 1's checkpoint, most likely,
          kill(pid, SIGTERM);  // so into epoch 2; any moment is correct.
        }
      });
  ASSERT_TRUE(sent) << killed.out;
  EXPECT_EQ(killed.exit_code, 128 + SIGTERM) << killed.out;
  EXPECT_TRUE(absl::StrContains(LastLine(killed.out), "interrupted"))
      << killed.out;
  EXPECT_TRUE(absl::StrContains(LastLine(killed.out), "saved " + ckpt))
      << killed.out;
  EXPECT_FALSE(Exists(ckpt + ".tmp"));

  const RunResult resumed =
      RunCommand(absl::StrCat(lenet, ResumeFlags(ckpt), " --resume"));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out;
  EXPECT_TRUE(absl::StrContains(resumed.out, "resumed " + ckpt)) << resumed.out;
  std::vector<EpochStats> got = EpochLines(killed.out);
  for (const EpochStats& e : EpochLines(resumed.out)) got.push_back(e);
  ASSERT_EQ(got.size(), expected.size()) << killed.out << resumed.out;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].train_loss, expected[i].train_loss) << "epoch " << i + 1;
    EXPECT_EQ(got[i].train_acc, expected[i].train_acc) << "epoch " << i + 1;
    EXPECT_EQ(got[i].valid_loss, expected[i].valid_loss) << "epoch " << i + 1;
    EXPECT_EQ(got[i].valid_acc, expected[i].valid_acc) << "epoch " << i + 1;
  }
  EXPECT_EQ(WithoutMemory(LastLine(resumed.out)),
            WithoutMemory(LastLine(straight.out)));
}

}  // namespace
}  // namespace dagrad
