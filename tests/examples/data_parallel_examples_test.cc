// tests/examples/data_parallel_examples_test.cc: the examples run unchanged
// under `mpirun -np 2` and print what one process prints: the same
// train_loss (4 decimals) and test_acc within 0.001, once (rank 0 only). A
// flag that differs across ranks is an error at start-up naming the ranks. A
// rank killed mid-run ends the job non-zero within 30 s, and rank 0's last
// checkpoint loads and resumes with the uninterrupted run's losses. A rank
// that cannot read its data, or its --load / --resume checkpoint, ends the
// job non-zero within 30 s, every rank naming it, before any step.
// Every job has a time limit and is killed by its process group.
#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

// LastValue() is Value() of the last "key=".
std::string LastValue(const std::string& out, const std::string& key) {
  const size_t at = out.rfind(key + "=");
  return at == std::string::npos ? "" : Value(out.substr(at), key);
}

// KillOneChild() sends SIGKILL to one child process of `parent` (a rank of
// the mpirun `parent`); false when it has none.
bool KillOneChild(pid_t parent) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // pid (comm) state ppid ...
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    long ppid = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %ld", &state, &ppid) != 2) {
      continue;
    }
    if (ppid == parent) {
      return kill(static_cast<pid_t>(std::stol(name)), SIGKILL) == 0;
    }
  }
  return false;
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
                                          "--train_limit=10000"};
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
                         ::testing::Values("lenet5", "mnist_mlp",
                                           "mnist_dropout"));

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

TEST(DataParallelExamplesTest, KilledRankEndsTheJobAndTheCheckpointResumes) {
  const std::string mlp = Binary("mnist_mlp");
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string ckpt =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/dp_kill.ckpt");
  std::remove(ckpt.c_str());
  const std::vector<std::string> flags = {
      "--epochs=3", "--threads=1", "--train_limit=10000", "--save=" + ckpt,
      "--checkpoint_every=1"};
  std::vector<std::string> job = kMpirun;
  job.insert(job.end(), {"-np", "2", mlp});
  job.insert(job.end(), flags.begin(), flags.end());
  const Subprocess whole = RunSubprocess(job, /*timeout_seconds=*/300);
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  std::remove(ckpt.c_str());
  // Killed once epoch 2 is reported: epoch 1's checkpoint is written.
  bool killed = false;
  const auto start = std::chrono::steady_clock::now();
  double killed_at = 0;  // Seconds after the start.
  const Subprocess cut = RunSubprocess(
      job, /*timeout_seconds=*/300, {}, [&](pid_t pid, const std::string& out) {
        if (!killed && absl::StrContains(out, "epoch 2/3")) {
          killed = KillOneChild(pid);
          killed_at = std::chrono::duration<double>(
                          std::chrono::steady_clock::now() - start)
                          .count();
        }
      });
  ASSERT_TRUE(killed) << cut.output;
  ASSERT_FALSE(cut.timed_out) << cut.output;
  EXPECT_NE(cut.exit_code, 0) << cut.output;
  EXPECT_LT(cut.seconds, killed_at + 30) << cut.output;
  std::vector<std::string> load = {mlp, "--epochs=0", "--threads=1",
                                   "--train_limit=10000", "--load=" + ckpt};
  const Subprocess loaded = RunSubprocess(load, /*timeout_seconds=*/120);
  EXPECT_EQ(loaded.exit_code, 0) << loaded.output;
  std::vector<std::string> resume = job;
  resume.push_back("--resume");
  const Subprocess resumed = RunSubprocess(resume, /*timeout_seconds=*/300);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_TRUE(absl::StrContains(resumed.output, "resumed ")) << resumed.output;
  EXPECT_EQ(LastValue(resumed.output, "train_loss"),
            LastValue(whole.output, "train_loss"))
      << resumed.output;
  EXPECT_EQ(LastValue(resumed.output, "test_acc"),
            LastValue(whole.output, "test_acc"))
      << resumed.output;
}

// RankDataDir() makes TEST_TMPDIR/<name>/data, the four Fashion-MNIST
// files as symlinks to the real ones, and returns TEST_TMPDIR/<name>, a
// rank's working directory; `spoil` then breaks one file: "truncate" keeps
// the first 1000 bytes of train-labels-idx1-ubyte.gz, "remove" deletes
// t10k-images-idx3-ubyte.gz.
std::string RankDataDir(const std::string& name, const std::string& spoil) {
  namespace fs = std::filesystem;
  const char* tmp = std::getenv("TEST_TMPDIR");
  const fs::path rank_dir = fs::path(tmp != nullptr ? tmp : "/tmp") / name;
  const fs::path data = rank_dir / "data";
  fs::remove_all(rank_dir);
  fs::create_directories(data);
  const fs::path real = "/usr/share/datasets/fashion-mnist";
  for (const char* file :
       {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    fs::create_symlink(real / file, data / file);
  }
  if (spoil == "truncate") {
    const fs::path labels = data / "train-labels-idx1-ubyte.gz";
    fs::remove(labels);
    std::ifstream in(real / "train-labels-idx1-ubyte.gz", std::ios::binary);
    std::string head(1000, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    std::ofstream(labels, std::ios::binary)
        .write(head.data(), static_cast<std::streamsize>(in.gcount()));
  } else if (spoil == "remove") {
    fs::remove(data / "t10k-images-idx3-ubyte.gz");
  }
  return rank_dir.string();
}

// One rank that cannot read its data (a truncated file on rank 1, a
// missing one on rank 0) ends the job non-zero within 30 s, never a hang:
// every rank reports the failing rank and its error, and none trains. The
// ranks run the same command line (the flags must match): --data_dir=data
// is relative, and mpirun's -wdir gives each rank its own directory, as
// one path holds other files on other machines.
TEST(DataParallelExamplesTest, OneRankThatCannotReadItsDataStopsEveryRank) {
  const std::string lenet5 = Binary("lenet5");
  const std::vector<std::string> flags = {"--data_dir=data", "--epochs=1",
                                          "--threads=1", "--train_limit=300"};
  struct Case {
    int bad_rank;
    std::string spoil;
    std::string error;
  };
  const Case cases[] = {
      {1, "truncate",
       "'data/train-labels-idx1-ubyte.gz' is a truncated gzip stream"},
      {0, "remove",
       "cannot read 'data/t10k-images-idx3-ubyte.gz': No such file or "
       "directory"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat("rank ", c.bad_rank, " ", c.spoil));
    std::vector<std::string> argv = kMpirun;
    for (int r : {0, 1}) {
      if (r > 0) argv.push_back(":");
      const std::string dir =
          RankDataDir(absl::StrCat("dp_data_rank", r),
                      r == c.bad_rank ? c.spoil : std::string("none"));
      argv.insert(argv.end(), {"-np", "1", "-wdir", dir, lenet5});
      argv.insert(argv.end(), flags.begin(), flags.end());
    }
    // A hung job is killed (by its process group) at the time limit.
    const Subprocess job = RunSubprocess(argv, /*timeout_seconds=*/30);
    ASSERT_FALSE(job.timed_out) << job.output;
    EXPECT_EQ(job.exit_code, 2) << job.output;  // The data's error: exit 2.
    // Every rank prints the failing rank's error (the good one too).
    EXPECT_EQ(Count(job.output,
                    absl::StrCat("lenet5: rank ", c.bad_rank, ": ", c.error)),
              2)
        << job.output;
    EXPECT_FALSE(absl::StrContains(job.output, "train_loss=")) << job.output;
    std::printf("rank %d %s: the job exited %d after %.1f s\n", c.bad_rank,
                c.spoil.c_str(), job.exit_code, job.seconds);
  }
}

// Likewise the checkpoint: --load of a file only rank 0 has, and --resume
// from a --save checkpoint that rank 1 holds corrupt, end the job with
// every rank naming rank 1, before any step.
TEST(DataParallelExamplesTest,
     OneRankThatCannotReadTheCheckpointStopsEveryRank) {
  const std::string mlp = Binary("mnist_mlp");
  const std::string dir0 = RankDataDir("dp_ckpt_rank0", "none");
  const std::string dir1 = RankDataDir("dp_ckpt_rank1", "none");
  const std::vector<std::string> flags = {"--data_dir=data", "--threads=1",
                                          "--train_limit=300"};
  // Rank 0's checkpoint, from one process.
  const Subprocess saved = RunSubprocess(
      {mlp, "--data_dir=" + dir0 + "/data", "--threads=1", "--train_limit=300",
       "--epochs=1", "--save=" + dir0 + "/model.ckpt"},
      /*timeout_seconds=*/120);
  ASSERT_EQ(saved.exit_code, 0) << saved.output;
  struct Case {
    std::vector<std::string> flags;
    std::string rank1_file;  // Rank 1's model.ckpt; none when empty.
    std::string error;
  };
  const Case cases[] = {{{"--epochs=1", "--load=model.ckpt"},
                         "",
                         "cannot read 'model.ckpt': No such file or directory"},
                        {{"--epochs=2", "--save=model.ckpt", "--resume"},
                         "not a checkpoint",
                         "checkpoint 'model.ckpt': not a dagrad checkpoint"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.flags.back());
    std::remove((dir1 + "/model.ckpt").c_str());
    if (!c.rank1_file.empty()) {
      std::ofstream(dir1 + "/model.ckpt") << c.rank1_file;
    }
    std::vector<std::string> argv = kMpirun;
    for (const std::string& dir : {dir0, dir1}) {
      if (dir == dir1) argv.push_back(":");
      argv.insert(argv.end(), {"-np", "1", "-wdir", dir, mlp});
      argv.insert(argv.end(), flags.begin(), flags.end());
      argv.insert(argv.end(), c.flags.begin(), c.flags.end());
    }
    const Subprocess job = RunSubprocess(argv, /*timeout_seconds=*/30);
    ASSERT_FALSE(job.timed_out) << job.output;
    EXPECT_EQ(job.exit_code, 2) << job.output;
    // Every rank prints rank 1's error.
    EXPECT_EQ(Count(job.output, absl::StrCat("mnist_mlp: rank 1: ", c.error)),
              2)
        << job.output;
    EXPECT_FALSE(absl::StrContains(job.output, "train_loss=")) << job.output;
    std::printf("%s: the job exited %d after %.1f s\n", c.flags.back().c_str(),
                job.exit_code, job.seconds);
  }
}

}  // namespace
}  // namespace dagrad
