// benchmarks/ops_conv_bench.cc: Conv2D at the LeNet-5 shapes, batch 64, as
// tools/pytorch_reference/bench.py times PyTorch (no bias):
//   lenet_conv1: x [64,1,28,28], w [6,1,5,5],  SAME (pad 2) -> y [64,6,28,28]
//   lenet_conv2: x [64,6,14,14], w [16,6,5,5], VALID        -> y [64,16,10,10]
// Benchmarks, each at threads:1 and threads:2 (a ThreadPool of that size):
//   BM_Conv2DForward    y = conv(x, w)
//   BM_Conv2DInputGrad  dX (Vjp wrt 0)
//   BM_Conv2DFilterGrad dW (Vjp wrt 1)
//   BM_Conv2DBackward   dX then dW (what PyTorch's conv backward computes)
//   BM_Conv2DBiasForward / BM_Conv2DBiasGrad: the same forward with a bias
//     input, and dBias.
// The names are those tools/pytorch_reference/compare.py maps to PyTorch's
// workloads. "GFLOPS" counts 2*N*C_out*OH*OW*(C_in/groups)*KH*KW per
// forward, dX or dW; items/s counts images. Wall time is what is compared.
//
//   bazel run -c opt //benchmarks:ops_conv
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "core/random.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/conv2d.h"
#include "ops/eager.h"

namespace dagrad {
namespace {

struct ConvCase {
  const char* name;
  Shape x, w;
  Padding padding;
};

const ConvCase kCases[] = {
    {"lenet_conv1", Shape({64, 1, 28, 28}), Shape({6, 1, 5, 5}),
     Padding::kSame},
    {"lenet_conv2", Shape({64, 6, 14, 14}), Shape({16, 6, 5, 5}),
     Padding::kValid},
};

enum class What {
  kForward,
  kInputGrad,
  kFilterGrad,
  kBackward,
  kBiasForward,
  kBiasGrad
};

void RunConv(benchmark::State& state, const ConvCase& c, What what,
             int threads) {
  ThreadPool pool(threads);
  Conv2DAttrs attrs;
  attrs.padding = c.padding;
  const bool with_bias = what == What::kBiasForward || what == What::kBiasGrad;
  const Shape b_shape({c.w.dim(0)});
  std::vector<Shape> shapes = {c.x, c.w};
  if (with_bias) shapes.push_back(b_shape);
  Tensor x = RandomFill(c.x, 1);
  Tensor w = RandomFill(c.w, 2);
  Tensor b = RandomFill(b_shape, 3);
  std::vector<Tensor*> inputs = {&x, &w};
  if (with_bias) inputs.push_back(&b);
  auto op = EagerOp::Create(OpKind::kConv2D, attrs, shapes, &pool);
  if (!op.ok() || !(*op)->Forward(inputs).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  const Shape& y = (*op)->output_shape();
  Tensor dy = RandomFill(y, 4);
  Tensor dx = Tensor::Zeros(c.x);
  Tensor dw = Tensor::Zeros(c.w);
  Tensor db = Tensor::Zeros(b_shape);
  for (auto _ : state) {
    switch (what) {
      case What::kForward:
      case What::kBiasForward:
        benchmark::DoNotOptimize((*op)->Forward(inputs));
        break;
      case What::kInputGrad:
        benchmark::DoNotOptimize((*op)->Vjp(0, dy, &dx));
        break;
      case What::kFilterGrad:
        benchmark::DoNotOptimize((*op)->Vjp(1, dy, &dw));
        break;
      case What::kBackward:
        benchmark::DoNotOptimize((*op)->Vjp(0, dy, &dx));
        benchmark::DoNotOptimize((*op)->Vjp(1, dy, &dw));
        break;
      case What::kBiasGrad:
        benchmark::DoNotOptimize((*op)->Vjp(2, dy, &db));
        break;
    }
    benchmark::ClobberMemory();
  }
  const double flops =
      2.0 * y.num_elements() * c.w.dim(1) * c.w.dim(2) * c.w.dim(3);
  const double per_iter = what == What::kBiasGrad   ? 0.0
                          : what == What::kBackward ? 2.0 * flops
                                                    : flops;
  SetFlopCounters(state, per_iter, c.x.dim(0));
  state.SetLabel(absl::StrCat("x", c.x.DebugString(), " w", c.w.DebugString()));
}

const bool kRegistered = [] {
  const std::pair<const char*, What> kinds[] = {
      {"BM_Conv2DForward", What::kForward},
      {"BM_Conv2DInputGrad", What::kInputGrad},
      {"BM_Conv2DFilterGrad", What::kFilterGrad},
      {"BM_Conv2DBackward", What::kBackward},
      {"BM_Conv2DBiasForward", What::kBiasForward},
      {"BM_Conv2DBiasGrad", What::kBiasGrad},
  };
  for (const auto& [name, what] : kinds) {
    for (const ConvCase& c : kCases) {
      for (int threads : {1, 2}) {
        benchmark::RegisterBenchmark(
            absl::StrCat(name, "/", c.name, "/threads:", threads).c_str(),
            [&c, what = what, threads](benchmark::State& state) {
              RunConv(state, c, what, threads);
            });
      }
    }
  }
  return true;
}();

}  // namespace
}  // namespace dagrad
