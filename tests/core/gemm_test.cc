#include "core/gemm.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <vector>

#include "core/random.h"
#include "core/thread_pool.h"
#include "gtest/gtest.h"

extern "C" int omp_get_max_threads(void);  // libgomp, under oneDNN.

namespace dagrad {
namespace {

Tensor RandomTensor(const Shape& shape, Rng* rng) {
  Tensor t = Tensor::Zeros(shape);
  for (int64_t i = 0; i < t.size(); ++i) t[i] = rng->Uniform(-1.0f, 1.0f);
  return t;
}

// Naive reference in double: C = alpha op(A) op(B) + beta C.
Tensor NaiveGemm(bool ta, bool tb, float alpha, const Tensor& a,
                 const Tensor& b, float beta, const Tensor& c) {
  const int64_t m = c.shape().dim(0), n = c.shape().dim(1);
  const int64_t k = ta ? a.shape().dim(0) : a.shape().dim(1);
  Tensor out = c.Clone();
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) {
        double x = ta ? a[p * m + i] : a[i * k + p];
        double y = tb ? b[j * k + p] : b[p * n + j];
        acc += x * y;
      }
      out[i * n + j] = static_cast<float>(alpha * acc + beta * c[i * n + j]);
    }
  }
  return out;
}

class GemmTest
    : public ::testing::TestWithParam<std::tuple<bool, bool, int, int, int>> {};

TEST_P(GemmTest, MatchesNaiveReference) {
  const auto [ta, tb, m, n, k] = GetParam();
  Rng rng(m * 10000 + n * 100 + k);
  Tensor a = RandomTensor(ta ? Shape({k, m}) : Shape({m, k}), &rng);
  Tensor b = RandomTensor(tb ? Shape({n, k}) : Shape({k, n}), &rng);
  for (float beta : {0.0f, 0.5f}) {
    Tensor c = RandomTensor(Shape({m, n}), &rng);
    Tensor expected = NaiveGemm(ta, tb, 1.5f, a, b, beta, c);
    ASSERT_TRUE(Gemm(ta, tb, 1.5f, a, b, beta, &c).ok());
    for (int64_t i = 0; i < c.size(); ++i) {
      ASSERT_NEAR(c[i], expected[i], 1e-4 * (1 + std::fabs(expected[i])))
          << "i=" << i << " beta=" << beta;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(OddSizesAllTransposes, GemmTest,
                         ::testing::Combine(::testing::Bool(),
                                            ::testing::Bool(),
                                            ::testing::Values(1, 7, 33),
                                            ::testing::Values(1, 5, 65),
                                            ::testing::Values(1, 3, 129)));

TEST(GemmTest, BetaZeroIgnoresNaNInC) {
  Tensor a = Tensor::FromValues(Shape({1, 2}), {1, 2});
  Tensor b = Tensor::FromValues(Shape({2, 1}), {3, 4});
  Tensor c = Tensor::FromValues(Shape({1, 1}),
                                {std::numeric_limits<float>::quiet_NaN()});
  ASSERT_TRUE(Gemm(false, false, 1.0f, a, b, 0.0f, &c).ok());
  EXPECT_EQ(c[0], 11.0f);
}

TEST(GemmTest, ZeroInnerDimensionScalesC) {
  Tensor a = Tensor::Zeros(Shape({2, 0}));
  Tensor b = Tensor::Zeros(Shape({0, 2}));
  Tensor c = Tensor::FromValues(Shape({2, 2}), {1, 2, 3, 4});
  ASSERT_TRUE(Gemm(false, false, 1.0f, a, b, 2.0f, &c).ok());
  EXPECT_EQ(c[3], 8.0f);
}

TEST(GemmTest, ShapeMismatchIsInvalidArgumentNamingShapes) {
  Tensor a = Tensor::Zeros(Shape({2, 3}));
  Tensor b = Tensor::Zeros(Shape({4, 5}));
  Tensor c = Tensor::Zeros(Shape({2, 5}));
  absl::Status s = Gemm(false, false, 1.0f, a, b, 0.0f, &c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("A[2,3]"), std::string::npos) << s;
  EXPECT_NE(s.message().find("B[4,5]"), std::string::npos) << s;
  Tensor rank3 = Tensor::Zeros(Shape({1, 2, 3}));
  EXPECT_EQ(Gemm(false, false, 1.0f, rank3, b, 0.0f, &c).code(),
            absl::StatusCode::kInvalidArgument);
  Tensor bad_c = Tensor::Zeros(Shape({3, 5}));
  Tensor good_b = Tensor::Zeros(Shape({3, 5}));
  EXPECT_EQ(Gemm(false, false, 1.0f, a, good_b, 0.0f, &bad_c).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(GemmTest, ThreadCountIsOursToSet) {
  EXPECT_EQ(BlasThreads(), 1);  // dagrad's default.
  SetBlasThreads(2);
  EXPECT_EQ(BlasThreads(), 2);
  SetBlasThreads(1);
  EXPECT_EQ(BlasThreads(), 1);
  EXPECT_FALSE(BlasCoreType().empty());
}

// The GEMMs the examples issue (benchmarks/gemm_bench.cc): a dense layer's
// forward (N,N), dX (N,T) and dW (T,N) as MatMul's 32-row blocks, and the
// im2col path's forward (N,N), dX (T,N) and dW (N,T).
struct LibraryCase {
  bool ta, tb;
  int m, n, k;
};
constexpr LibraryCase kExampleGemms[] = {
    {false, false, 32, 100, 784}, {true, false, 32, 100, 64},
    {false, true, 32, 100, 10},   {false, false, 32, 10, 100},
    {true, false, 32, 10, 64},    {false, false, 32, 120, 400},
    {false, true, 32, 120, 84},   {false, false, 16, 1000, 150},
    {true, false, 150, 1000, 16}, {false, true, 16, 150, 1000},
    {false, false, 7, 5, 3},      {true, false, 33, 65, 129},
};

// ExampleGemm: one case's stored operands and its double reference.
struct ExampleGemm {
  explicit ExampleGemm(const LibraryCase& g) : g(g) {
    Rng rng(g.m * 7919 + g.n * 31 + g.k + (g.ta ? 1 : 0) + (g.tb ? 2 : 0));
    a = RandomTensor(g.ta ? Shape({g.k, g.m}) : Shape({g.m, g.k}), &rng);
    b = RandomTensor(g.tb ? Shape({g.n, g.k}) : Shape({g.k, g.n}), &rng);
    expected = NaiveGemm(g.ta, g.tb, 1.0f, a, b, 0.0f,
                         Tensor::Zeros(Shape({g.m, g.n})));
  }
  // Run() is one GemmRawWith() call (alpha 1, beta 0) into c.
  void Run(GemmLibrary library, float* c) const {
    GemmRawWith(library, g.ta, g.tb, g.m, g.n, g.k, 1.0f, a.data(),
                a.shape().dim(1), b.data(), b.shape().dim(1), 0.0f, c, g.n);
  }
  bool Supported(GemmLibrary library) const {
    return library != GemmLibrary::kLibxsmm ||
           LibxsmmHasKernel(g.ta, g.tb, g.m, g.n, g.k, 1.0f, 0.0f,
                            a.shape().dim(1), b.shape().dim(1), g.n);
  }
  LibraryCase g;
  Tensor a, b, expected;
};

class GemmLibraryTest
    : public ::testing::TestWithParam<std::tuple<GemmLibrary, int>> {};

TEST_P(GemmLibraryTest, MatchesDoubleReference) {
  const auto [library, index] = GetParam();
  const ExampleGemm e(kExampleGemms[index]);
  if (!e.Supported(library)) GTEST_SKIP() << "no LIBXSMM kernel for op(B)^T";
  std::vector<float> c(e.expected.size(),
                       std::numeric_limits<float>::quiet_NaN());
  e.Run(library, c.data());
  for (int64_t i = 0; i < e.expected.size(); ++i) {
    ASSERT_NEAR(c[i], e.expected[i],
                1e-5 * e.g.k * (1 + std::fabs(e.expected[i])))
        << GemmLibraryName(library) << " i=" << i;
  }
}

// Bitwise the same on repeated calls and from two threads of dagrad's pool
// running the same GEMM at once: what training's 1-vs-2-thread determinism
// needs of the library.
TEST_P(GemmLibraryTest, BitwiseSameOnRepeatAndAcrossPoolThreads) {
  const auto [library, index] = GetParam();
  const ExampleGemm e(kExampleGemms[index]);
  if (!e.Supported(library)) GTEST_SKIP() << "no LIBXSMM kernel for op(B)^T";
  const size_t size = e.expected.size();
  std::vector<float> first(size);
  e.Run(library, first.data());
  std::vector<float> again(size);
  for (int rep = 0; rep < 3; ++rep) {
    e.Run(library, again.data());
    ASSERT_EQ(std::memcmp(first.data(), again.data(), size * sizeof(float)), 0)
        << GemmLibraryName(library) << " repeat " << rep;
  }
  ThreadPool pool(2);
  std::vector<std::vector<float>> per_block(2, std::vector<float>(size));
  for (int rep = 0; rep < 3; ++rep) {
    pool.ParallelFor(
        2,
        [&](int64_t begin, int64_t end) {
          for (int64_t blk = begin; blk < end; ++blk) {
            e.Run(library, per_block[blk].data());
          }
        },
        /*min_block=*/1);
    for (const std::vector<float>& c : per_block) {
      ASSERT_EQ(std::memcmp(first.data(), c.data(), size * sizeof(float)), 0)
          << GemmLibraryName(library) << " pool rep " << rep;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    ExampleShapes, GemmLibraryTest,
    ::testing::Combine(
        ::testing::Values(GemmLibrary::kOpenBlas, GemmLibrary::kDnnl,
                          GemmLibrary::kLibxsmm),
        ::testing::Range(0, static_cast<int>(std::size(kExampleGemms)))));

// GemmRaw() runs GemmLibraryFor(): LIBXSMM where it has a kernel (on every
// x86 build here it has one for op(B) = B), oneDNN for op(B) = B^T and for
// scalars LIBXSMM does not take.
TEST(GemmTest, GemmRawRunsTheChosenLibrary) {
  for (const LibraryCase& g : kExampleGemms) {
    const ExampleGemm e(g);
    const int64_t lda = e.a.shape().dim(1), ldb = e.b.shape().dim(1);
    const GemmLibrary chosen =
        GemmLibraryFor(g.ta, g.tb, g.m, g.n, g.k, 1.0f, 0.0f, lda, ldb, g.n);
#if defined(__x86_64__)
    EXPECT_EQ(chosen, g.tb ? GemmLibrary::kDnnl : GemmLibrary::kLibxsmm)
        << g.m << "x" << g.n << "x" << g.k;
#endif
    std::vector<float> raw(e.expected.size()), with(e.expected.size());
    GemmRaw(g.ta, g.tb, g.m, g.n, g.k, 1.0f, e.a.data(), lda, e.b.data(), ldb,
            0.0f, raw.data(), g.n);
    e.Run(chosen, with.data());
    EXPECT_EQ(std::memcmp(raw.data(), with.data(), raw.size() * sizeof(float)),
              0);
  }
  EXPECT_EQ(GemmLibraryFor(false, false, 8, 8, 8, 1.5f, 0.0f, 8, 8, 8),
            GemmLibrary::kDnnl);
  EXPECT_EQ(GemmLibraryFor(false, false, 8, 8, 8, 1.0f, 0.5f, 8, 8, 8),
            GemmLibrary::kDnnl);
}

// oneDNN runs on the calling thread: after a call, the thread's OpenMP
// thread count is 1, on the main thread and on a pool worker alike, so it
// never starts a team of its own beside dagrad's pool.
TEST(GemmTest, DnnlRunsOneThreadPerCall) {
  const ExampleGemm e(kExampleGemms[2]);
  std::vector<float> c(e.expected.size());
  e.Run(GemmLibrary::kDnnl, c.data());
  EXPECT_EQ(omp_get_max_threads(), 1);
  ThreadPool pool(2);
  std::vector<int> threads(2, 0);
  pool.ParallelFor(
      2,
      [&](int64_t begin, int64_t end) {
        for (int64_t blk = begin; blk < end; ++blk) {
          std::vector<float> out(e.expected.size());
          e.Run(GemmLibrary::kDnnl, out.data());
          threads[blk] = omp_get_max_threads();
        }
      },
      /*min_blocks=*/2);
  EXPECT_EQ(threads[0], 1);
  EXPECT_EQ(threads[1], 1);
}

}  // namespace
}  // namespace dagrad
