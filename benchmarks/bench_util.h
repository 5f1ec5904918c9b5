// benchmarks/bench_util.h: shared helpers for dagrad's Google Benchmarks.
//
// Linking bench_util adds the OpenBLAS core type, OPENBLAS_CORETYPE, the
// CPU flags dagrad was built with, the FMA probe's result and the kernel
// variants chosen from it to the benchmark context, so every report says
// which GEMM and convolution kernels were in force.
#ifndef DAGRAD_BENCHMARKS_BENCH_UTIL_H_
#define DAGRAD_BENCHMARKS_BENCH_UTIL_H_

#include <cstdint>

#include "benchmark/benchmark.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace dagrad {

// SetFlopCounters() reports GFLOP/s (as counter "GFLOPS", a rate) and
// items_per_second for `flops_per_iteration` floating-point operations and
// `items_per_iteration` items (e.g. images) per iteration.
void SetFlopCounters(benchmark::State& state, double flops_per_iteration,
                     int64_t items_per_iteration);

// RandomFill() is a tensor of `shape` with values uniform in [lo, hi),
// drawn from Rng(seed).
Tensor RandomFill(const Shape& shape, uint64_t seed, float lo = -1.0f,
                  float hi = 1.0f);

// RandomBatch: `batch` MNIST-shaped images [batch, 1, 28, 28] uniform in
// [0, 1) and labels [batch] uniform in {0..9}, from Rng(0): the fixed data
// the training-step benchmarks train on.
struct RandomBatch {
  explicit RandomBatch(int64_t batch);
  Tensor images;
  Tensor labels;
};

}  // namespace dagrad

#endif  // DAGRAD_BENCHMARKS_BENCH_UTIL_H_
