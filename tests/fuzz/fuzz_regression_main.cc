// tests/fuzz/fuzz_regression_main.cc: runs a fuzz target as a gtest.
//
// Linked with one *_fuzzer.cc (which defines LLVMFuzzerTestOneInput), this
// main registers one gtest case per file found under the directories given
// on the command line (recursively) and runs the target on its bytes. A crash
// or a failed FUZZ_CHECK aborts the binary, which fails the test. Missing
// directories are skipped (tests/fuzz/regressions/<target> may be empty),
// but at least one input must be found in total, so a broken data
// dependency cannot pass silently.
//
// Usage (see tests/fuzz/BUILD):
//   idx_fuzzer_regression_test tests/fuzz/corpus/idx tests/fuzz/regressions/idx
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include "gtest/gtest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

class FuzzInputTest : public testing::Test {
 public:
  explicit FuzzInputTest(std::string path) : path_(std::move(path)) {}

  void TestBody() override {
    std::ifstream in(path_, std::ios::binary);
    ASSERT_TRUE(in.good()) << "cannot open " << path_;
    const std::string bytes((std::istreambuf_iterator<char>(in)),
                            std::istreambuf_iterator<char>());
    EXPECT_EQ(LLVMFuzzerTestOneInput(
                  reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
              0)
        << path_;
  }

 private:
  std::string path_;
};

std::vector<std::string> ListFiles(const std::vector<std::string>& roots) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& root : roots) {
    std::error_code ec;
    if (fs::is_regular_file(root, ec)) {
      files.push_back(root);
      continue;
    }
    if (!fs::is_directory(root, ec)) continue;
    for (fs::recursive_directory_iterator
             it(root, fs::directory_options::follow_directory_symlink, ec),
         end;
         !ec && it != end; it.increment(ec)) {
      // Bazel runfiles are symlinks: follow them.
      if (fs::is_regular_file(it->path(), ec)) files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  const std::vector<std::string> roots(argv + 1, argv + argc);
  const std::vector<std::string> files = ListFiles(roots);
  for (const std::string& file : files) {
    testing::RegisterTest(
        "FuzzRegression", file.c_str(), nullptr, nullptr, __FILE__, __LINE__,
        [file]() -> testing::Test* { return new FuzzInputTest(file); });
  }
  if (files.empty()) {
    std::fprintf(stderr,
                 "fuzz regression: no inputs found under the %d given "
                 "paths\n",
                 argc - 1);
    return 1;
  }
  return RUN_ALL_TESTS();
}
