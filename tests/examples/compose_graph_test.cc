// Runs examples/compose_graph and checks f(x) = a*x^2 + b and its gradients
// against the closed form, the MLP's loss going down, and the DOT file.
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace dagrad {
namespace {

std::string RunAndCapture(const std::string& command, int* exit_code) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  const int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// Value() reads "key=<number>" from `line`.
double Value(const std::string& line, const std::string& key) {
  for (absl::string_view field : absl::StrSplit(line, ' ')) {
    if (absl::StartsWith(field, key + "=")) {
      double v = NAN;
      EXPECT_TRUE(absl::SimpleAtod(field.substr(key.size() + 1), &v)) << field;
      return v;
    }
  }
  ADD_FAILURE() << key << " not in: " << line;
  return NAN;
}

TEST(ComposeGraphTest, GradientsMatchTheClosedFormAndTheMlpLearns) {
  const double x = 1.5, a = -2.0, b = 0.5;
  const std::string dot = absl::StrCat(std::getenv("TEST_TMPDIR"), "/f.dot");
  int code = -1;
  const std::string out = RunAndCapture(
      absl::StrCat(std::getenv("TEST_SRCDIR"),
                   "/dagrad/examples/compose_graph --x=1.5 --a=-2 --b=0.5 "
                   "--dot=",
                   dot),
      &code);
  ASSERT_EQ(code, 0) << out;
  std::vector<double> losses;
  bool saw_f = false;
  const std::vector<std::string> lines = absl::StrSplit(out, '\n');
  for (const std::string& line : lines) {
    if (absl::StartsWith(line, "f=")) {
      saw_f = true;
      EXPECT_NEAR(Value(line, "f"), a * x * x + b, 1e-5);
      EXPECT_NEAR(Value(line, "df/da"), x * x, 1e-5);
      EXPECT_NEAR(Value(line, "df/db"), 1.0, 1e-6);
      EXPECT_NEAR(Value(line, "df/dx"), 2 * a * x, 1e-5);
    }
    if (absl::StartsWith(line, "mlp step "))
      losses.push_back(Value(line, "loss"));
  }
  EXPECT_TRUE(saw_f) << out;
  ASSERT_EQ(losses.size(), 10u) << out;
  EXPECT_LT(losses.back(), 0.8 * losses.front()) << out;
  std::ifstream in(dot);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_TRUE(absl::StrContains(text.str(), "digraph")) << text.str();
  EXPECT_TRUE(absl::StrContains(text.str(), "ax2")) << text.str();
}

}  // namespace
}  // namespace dagrad
