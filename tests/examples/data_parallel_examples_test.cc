// tests/examples/data_parallel_examples_test.cc: the examples run unchanged
// under `mpirun -np 2` and print what one process prints: the same
// train_loss (4 decimals) and test_acc within 0.001, once (rank 0 only). A
// flag that differs across ranks is an error at start-up naming the ranks.
// Every job has a time limit and is killed by its process group.
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"

namespace dagrad {
namespace {

std::string Binary(const std::string& name) {
  return RunfilePath(absl::StrCat("examples/", name));
}

const std::vector<std::string> kMpirun = {"mpirun", "--allow-run-as-root",
                                          "--oversubscribe", "-x",
                                          "ASAN_OPTIONS=detect_leaks=0"};

// Value() is the text after the first "key=" of `out`, up to a space or
// the end of the line.
std::string Value(const std::string& out, const std::string& key) {
  const size_t at = out.find(key + "=");
  if (at == std::string::npos) return "";
  const size_t begin = at + key.size() + 1;
  return out.substr(begin, out.find_first_of(" \n", begin) - begin);
}

int Count(const std::string& out, const std::string& what) {
  int n = 0;
  for (size_t at = out.find(what); at != std::string::npos;
       at = out.find(what, at + 1)) {
    ++n;
  }
  return n;
}

class DataParallelExamplesTest : public ::testing::TestWithParam<const char*> {
};

TEST_P(DataParallelExamplesTest, TwoRanksPrintWhatOneProcessPrints) {
  const std::vector<std::string> flags = {"--epochs=1", "--threads=1",
                                          "--train_limit=2000"};
  std::vector<std::string> plain = {Binary(GetParam())};
  plain.insert(plain.end(), flags.begin(), flags.end());
  const Subprocess one = RunSubprocess(plain, /*timeout_seconds=*/300);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  std::vector<std::string> mpi = kMpirun;
  mpi.insert(mpi.end(), {"-np", "2"});
  mpi.insert(mpi.end(), plain.begin(), plain.end());
  const Subprocess two = RunSubprocess(mpi, /*timeout_seconds=*/300);
  ASSERT_FALSE(two.timed_out) << two.output;
  ASSERT_EQ(two.exit_code, 0) << two.output;
  EXPECT_TRUE(absl::StrContains(two.output, "data parallel: 2 ranks (mpi)"))
      << two.output;
  EXPECT_EQ(Count(two.output, "train_loss="), 1) << two.output;  // Rank 0.
  EXPECT_EQ(Count(two.output, "test_acc="), 1) << two.output;
  const std::string loss = Value(one.output, "train_loss");
  ASSERT_FALSE(loss.empty()) << one.output;
  EXPECT_EQ(Value(two.output, "train_loss"), loss) << two.output;
  double acc_one = 0, acc_two = 0;
  ASSERT_TRUE(absl::SimpleAtod(Value(one.output, "test_acc"), &acc_one));
  ASSERT_TRUE(absl::SimpleAtod(Value(two.output, "test_acc"), &acc_two))
      << two.output;
  EXPECT_LE(std::fabs(acc_one - acc_two), 0.001);
  EXPECT_GT(acc_one, 0.1);  // It trained.
}

INSTANTIATE_TEST_SUITE_P(Examples, DataParallelExamplesTest,
                         ::testing::Values("lenet5", "mnist_mlp"));

TEST(DataParallelExamplesTest, MismatchedFlagIsCaughtAtStartUp) {
  const std::string mlp = Binary("mnist_mlp");
  std::vector<std::string> argv = kMpirun;
  argv.insert(argv.end(),
              {"-np", "1", mlp, "--train_limit=300", "--lr=0.1", ":", "-np",
               "1", mlp, "--train_limit=300", "--lr=0.2"});
  const Subprocess job = RunSubprocess(argv, /*timeout_seconds=*/120);
  ASSERT_FALSE(job.timed_out) << job.output;
  EXPECT_NE(job.exit_code, 0) << job.output;
  for (int r : {0, 1}) {  // Every rank says why.
    EXPECT_TRUE(absl::StrContains(
        job.output,
        absl::StrCat("mnist_mlp: rank ", r,
                     ": the command-line flags differ across ranks")))
        << job.output;
  }
  EXPECT_TRUE(absl::StrContains(
      job.output,
      "rank 1 differs from rank 0 at line 2: '--lr=0.1' vs '--lr=0.2'"))
      << job.output;
  EXPECT_FALSE(absl::StrContains(job.output, "train_loss=")) << job.output;
}

}  // namespace
}  // namespace dagrad
