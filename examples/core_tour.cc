// examples/core_tour.cc: a tour of dagrad's core on this machine.
//
// Prints which OpenBLAS kernels are in force, times a 512^3 GEMM, runs a
// parallel loop, and draws from the seeded RNG.
//
//   bazel run //examples:core_tour
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/gemm.h"
#include "core/random.h"
#include "core/tensor.h"
#include "core/thread_pool.h"

int main() {
  using dagrad::Shape;
  using dagrad::Tensor;
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  std::printf("OpenBLAS core: %s (OPENBLAS_CORETYPE=%s), threads %d\n",
              dagrad::BlasCoreType().c_str(), coretype ? coretype : "unset",
              dagrad::BlasThreads());

  const int64_t n = 512;
  dagrad::Rng rng(/*seed=*/1);
  Tensor a = Tensor::Zeros(Shape({n, n}));
  Tensor b = Tensor::Zeros(Shape({n, n}));
  Tensor c = Tensor::Zeros(Shape({n, n}));
  for (int64_t i = 0; i < a.size(); ++i) a[i] = rng.Normal();
  for (int64_t i = 0; i < b.size(); ++i) b[i] = rng.Uniform(-1.0f, 1.0f);

  const int reps = 20;
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) {
    absl::Status s = dagrad::Gemm(false, false, 1.0f, a, b, 0.0f, &c);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("sgemm %ldx%ldx%ld: %.1f GFLOP/s on one thread\n", long(n),
              long(n), long(n), 2.0 * n * n * n * reps / seconds / 1e9);

  dagrad::ThreadPool pool(2);
  std::vector<double> partial(n, 0.0);
  pool.ParallelFor(n, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      for (int64_t j = 0; j < n; ++j) partial[i] += c[i * n + j];
    }
  });
  double total = 0;
  for (double p : partial) total += p;
  std::printf("sum of C computed on %d threads: %.4f\n", pool.num_threads(),
              total);
  return 0;
}
