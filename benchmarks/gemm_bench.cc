// benchmarks/gemm_bench.cc: the GEMM libraries core/gemm.h can run
// (OpenBLAS, oneDNN, LIBXSMM), side by side at the GEMMs the example models
// issue: their dense layers (forward, dX, dW, each as the 32-row blocks that
// MatMul's RowBlockGemm() calls) and the im2col + GEMM convolution path.
// Counters: GFLOPS and "peak%", the share of the one-thread FMA peak that
// ops/cpu/fma_probe.h measures at start-up (//benchmarks:fma_peak's
// kernel). One thread; run with repetitions and read medians:
//
//   bazel run -c opt //benchmarks:gemm --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <cstdint>
#include <iterator>
#include <string>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "core/gemm.h"
#include "ops/cpu/fma_probe.h"

namespace dagrad {
namespace {

// GemmCase: one GEMM as a kernel issues it, C[m,n] = op(A) op(B), run as
// ceil(m / row_block) calls of at most row_block rows (row_block = m for a
// single call).
struct GemmCase {
  const char* name;
  bool trans_a, trans_b;
  int64_t m, n, k, row_block;
};

// MatMul splits its rows into blocks of kMatMulRowBlock (32); a dense layer
// y = x W (x [B, in], W [in, out]) runs forward (N,N) m=B, n=out, k=in; dX
// (N,T) m=B, n=in, k=out; dW (T,N) m=in, n=out, k=B. The first layer's dX
// is not computed (its input is data).
constexpr GemmCase kCases[] = {
    {"mlp100_b64_fc1_fwd", false, false, 64, 100, 784, 32},
    {"mlp100_b64_fc1_dW", true, false, 784, 100, 64, 32},
    {"mlp100_b64_fc2_fwd", false, false, 64, 10, 100, 32},
    {"mlp100_b64_fc2_dX", false, true, 64, 100, 10, 32},
    {"mlp100_b64_fc2_dW", true, false, 100, 10, 64, 32},
    {"mlp100_b100_fc1_fwd", false, false, 100, 100, 784, 32},
    {"mlp100_b100_fc1_dW", true, false, 784, 100, 100, 32},
    {"mlp200_b64_fc1_fwd", false, false, 64, 200, 784, 32},
    {"mlp200_b64_fc1_dW", true, false, 784, 200, 64, 32},
    {"mlp200_b64_fc2_fwd", false, false, 64, 10, 200, 32},
    {"mlp200_b64_fc2_dX", false, true, 64, 200, 10, 32},
    {"lenet_fc1_400x120_fwd", false, false, 64, 120, 400, 32},
    {"lenet_fc1_400x120_dW", true, false, 400, 120, 64, 32},
    {"lenet_fc2_120x84_fwd", false, false, 64, 84, 120, 32},
    {"lenet_fc2_120x84_dX", false, true, 64, 120, 84, 32},
    {"lenet_fc2_120x84_dW", true, false, 120, 84, 64, 32},
    {"lenet_fc3_84x10_fwd", false, false, 64, 10, 84, 32},
    {"lenet_fc3_84x10_dX", false, true, 64, 84, 10, 32},
    // im2col + GEMM (ops/cpu/conv_forward.cc etc.) at LeNet's geometries,
    // as those paths would issue them: conv1 (6x1x5x5, 28x28 SAME, one
    // image per block) and conv2 (16x6x5x5 on 14x14 VALID, 10 images of
    // 100 positions per block).
    {"im2col_conv1_fwd", false, false, 6, 784, 25, 6},
    {"im2col_conv1_dX", true, false, 25, 784, 6, 25},
    {"im2col_conv1_dW", false, true, 6, 25, 784, 6},
    {"im2col_conv2_fwd", false, false, 16, 1000, 150, 16},
    {"im2col_conv2_dX", true, false, 150, 1000, 16, 150},
    {"im2col_conv2_dW", false, true, 16, 150, 1000, 16},
};

void BM_Gemm(benchmark::State& state) {
  const GemmCase& g = kCases[state.range(0)];
  const auto library = static_cast<GemmLibrary>(state.range(1));
  // Stored shapes: A is [m,k] or [k,m], B [k,n] or [n,k].
  const int64_t lda = g.trans_a ? g.m : g.k;
  const int64_t ldb = g.trans_b ? g.k : g.n;
  const Tensor a = RandomFill(Shape({g.m * g.k}), 1);
  const Tensor b = RandomFill(Shape({g.k * g.n}), 2);
  Tensor c = Tensor::Zeros(Shape({g.m * g.n}));
  if (library == GemmLibrary::kLibxsmm &&
      !LibxsmmHasKernel(g.trans_a, g.trans_b, g.row_block, g.n, g.k, 1.0f, 0.0f,
                        lda, ldb, g.n)) {
    state.SkipWithError("no LIBXSMM kernel (LIBXSMM 1.17 has none for B^T)");
    return;
  }
  for (auto _ : state) {
    for (int64_t r0 = 0; r0 < g.m; r0 += g.row_block) {
      const int64_t rows = r0 + g.row_block <= g.m ? g.row_block : g.m - r0;
      const float* a_rows = g.trans_a ? a.data() + r0 : a.data() + r0 * lda;
      GemmRawWith(library, g.trans_a, g.trans_b, rows, g.n, g.k, 1.0f, a_rows,
                  lda, b.data(), ldb, 0.0f, c.data() + r0 * g.n, g.n);
    }
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * g.m * g.n * g.k;
  SetFlopCounters(state, flops, 0);
  state.counters["peak%"] = benchmark::Counter(
      100.0 * flops * static_cast<double>(state.iterations()) /
          (FmaPeakGflops() * 1e9),
      benchmark::Counter::kIsRate);
  // The library GemmRaw() runs for this case is marked with a '*'.
  const bool chosen = GemmLibraryFor(g.trans_a, g.trans_b, g.row_block, g.n,
                                     g.k, 1.0f, 0.0f, lda, ldb, g.n) == library;
  state.SetLabel(std::string(g.name) + " " + GemmLibraryName(library) +
                 (chosen ? "*" : ""));
}

void GemmArgs(benchmark::internal::Benchmark* b) {
  for (int64_t i = 0; i < static_cast<int64_t>(std::size(kCases)); ++i) {
    for (GemmLibrary lib :
         {GemmLibrary::kOpenBlas, GemmLibrary::kDnnl, GemmLibrary::kLibxsmm}) {
      b->Args({i, static_cast<int64_t>(lib)});
    }
  }
}
BENCHMARK(BM_Gemm)->Apply(GemmArgs)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace dagrad
