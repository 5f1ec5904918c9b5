// benchmarks/ops_layout_bench.cc: the layout ops, forward and VJP:
//   Concat [64,200] ++ [64,100] on axis 1 (dL/dx_0 is its box of dL/dy);
//   Slice [64,300][:, 50:250];
//   Transpose [64,6,28,28] NCHW -> NHWC (perm 0,2,3,1) and [784,200] ->
//   [200,784];
//   Gather: 64 x 50 token ids into a [1000,32] embedding table (the VJP is
//   the scatter-add into the table);
//   Pad [64,6,28,28] by 2 on H and W; Where over [64,200] (VJP of a);
//   GlobalAvgPool and GlobalMaxPool [64,64,7,7] -> [64,64].
// Arguments: case index (Transpose), threads, vjp. items/s counts output
// elements, bytes/s the floats moved (read once, written once).
//
//   bazel run -c opt //benchmarks:ops_layout
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "benchmarks/bench_util.h"
#include "core/tensor.h"
#include "core/thread_pool.h"
#include "ops/concat.h"
#include "ops/eager.h"
#include "ops/gather.h"
#include "ops/global_avg_pool.h"
#include "ops/global_max_pool.h"
#include "ops/pad.h"
#include "ops/slice.h"
#include "ops/transpose.h"
#include "ops/where.h"

namespace dagrad {
namespace {

// RunLayoutOn() times `kind` on `inputs`: its forward, or (vjp) the VJP
// of input `wrt`.
void RunLayoutOn(benchmark::State& state, OpKind kind, const OpAttrs& attrs,
                 std::vector<Tensor> inputs, bool vjp, int wrt = 0) {
  ThreadPool pool(static_cast<int>(state.range(1)));
  std::vector<Shape> shapes;
  std::vector<Tensor*> ptrs;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  for (Tensor& t : inputs) ptrs.push_back(&t);
  auto op = EagerOp::Create(kind, attrs, shapes, &pool);
  if (!op.ok() || !(*op)->Forward(ptrs).ok()) {
    state.SkipWithError("setup failed");
    return;
  }
  Tensor dy = RandomFill((*op)->output_shape(), 9);
  Tensor dx = Tensor::Zeros(shapes[wrt]);
  for (auto _ : state) {
    if (vjp) {
      benchmark::DoNotOptimize((*op)->Vjp(wrt, dy, &dx));
    } else {
      benchmark::DoNotOptimize((*op)->Forward(ptrs));
    }
    benchmark::ClobberMemory();
  }
  const int64_t n = vjp ? dx.size() : dy.size();
  SetFlopCounters(state, 0.0, n);
  state.SetBytesProcessed(state.iterations() * n * 2 *
                          static_cast<int64_t>(sizeof(float)));
  state.SetLabel(std::string(OpName(kind)) + (vjp ? " vjp" : " fwd"));
}

// RunLayout() is RunLayoutOn() with inputs uniform in [-1, 1) of `shapes`.
void RunLayout(benchmark::State& state, OpKind kind, const OpAttrs& attrs,
               const std::vector<Shape>& shapes, bool vjp) {
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    inputs.push_back(RandomFill(shapes[i], i + 1));
  }
  RunLayoutOn(state, kind, attrs, std::move(inputs), vjp);
}

// Inputs3() collects three tensors (Tensor is move-only).
std::vector<Tensor> Inputs3(Tensor a, Tensor b, Tensor c) {
  std::vector<Tensor> v;
  v.push_back(std::move(a));
  v.push_back(std::move(b));
  v.push_back(std::move(c));
  return v;
}

void BM_Concat(benchmark::State& state) {
  ConcatAttrs attrs;
  attrs.axis = 1;
  RunLayout(state, OpKind::kConcat, attrs, {Shape({64, 200}), Shape({64, 100})},
            state.range(2) != 0);
}

void BM_Slice(benchmark::State& state) {
  SliceAttrs attrs;
  attrs.begin = {0, 50};
  attrs.size = {-1, 200};
  RunLayout(state, OpKind::kSlice, attrs, {Shape({64, 300})},
            state.range(2) != 0);
}

void BM_Transpose(benchmark::State& state) {
  TransposeAttrs attrs;
  Shape shape({784, 200});
  if (state.range(0) == 0) {
    attrs.perm = {0, 2, 3, 1};
    shape = Shape({64, 6, 28, 28});
  }
  RunLayout(state, OpKind::kTranspose, attrs, {shape}, state.range(2) != 0);
}

void BM_Gather(benchmark::State& state) {
  std::vector<Tensor> inputs;
  inputs.push_back(RandomFill(Shape({1000, 32}), 1));
  Tensor ids = RandomFill(Shape({64, 50}), 2, 0.0f, 999.0f);
  for (int64_t i = 0; i < ids.size(); ++i) ids[i] = std::floor(ids[i]);
  inputs.push_back(std::move(ids));
  RunLayoutOn(state, OpKind::kGather, GatherAttrs{}, std::move(inputs),
              state.range(2) != 0);
}

void BM_Pad(benchmark::State& state) {
  PadAttrs attrs;
  attrs.before = {0, 0, 2, 2};
  attrs.after = {0, 0, 2, 2};
  RunLayout(state, OpKind::kPad, attrs, {Shape({64, 6, 28, 28})},
            state.range(2) != 0);
}

void BM_Where(benchmark::State& state) {
  const Shape shape({64, 200});
  RunLayoutOn(
      state, OpKind::kWhere, WhereAttrs{},
      Inputs3(RandomFill(shape, 1), RandomFill(shape, 2), RandomFill(shape, 3)),
      state.range(2) != 0, kWhereA);
}

// BM_GlobalPool<Attrs>: GlobalAvgPool or GlobalMaxPool.
template <typename Attrs>
void BM_GlobalPool(benchmark::State& state) {
  RunLayout(state, Attrs::kKind, Attrs{}, {Shape({64, 64, 7, 7})},
            state.range(2) != 0);
}

void Args(benchmark::internal::Benchmark* b, int cases) {
  for (int threads : {1, 2}) {
    for (int vjp : {0, 1}) {
      for (int c = 0; c < cases; ++c) b->Args({c, threads, vjp});
    }
  }
  b->ArgNames({"case", "threads", "vjp"})->UseRealTime();
}
void OneCase(benchmark::internal::Benchmark* b) { Args(b, 1); }
void TwoCases(benchmark::internal::Benchmark* b) { Args(b, 2); }

BENCHMARK(BM_Concat)->Apply(OneCase);
BENCHMARK(BM_Slice)->Apply(OneCase);
BENCHMARK(BM_Transpose)->Apply(TwoCases);
BENCHMARK(BM_Gather)->Apply(OneCase);
BENCHMARK(BM_Pad)->Apply(OneCase);
BENCHMARK(BM_Where)->Apply(OneCase);
BENCHMARK_TEMPLATE(BM_GlobalPool, GlobalAvgPoolAttrs)->Apply(OneCase);
BENCHMARK_TEMPLATE(BM_GlobalPool, GlobalMaxPoolAttrs)->Apply(OneCase);

}  // namespace
}  // namespace dagrad
