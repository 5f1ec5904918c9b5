// Proves Executor::Run() performs zero heap allocations after the first call,
// by counting calls to the global operator new in this binary.
#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "gtest/gtest.h"
#include "graph/autodiff.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "ops/identity.h"
#include "ops/sigmoid.h"
#include "ops/softmax_cross_entropy.h"
#include "ops/tanh.h"

namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) std::abort();
  return p;
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace dagrad {
namespace {

void CheckNoAllocations(int threads) {
  GraphBuilder b;
  NodeId labels = *b.AddInput("labels", Shape({Shape::kUnknownDim}));
  NodeId p = *b.AddParameter("p", Shape({8, 10}), UniformInit(-1, 1));
  NodeId t = *b.AddOp(TanhAttrs{}, {p});
  NodeId s = *b.AddOp(SigmoidAttrs{}, {t});
  NodeId i = *b.AddOp(IdentityAttrs{}, {s});
  NodeId loss = *b.AddOp(SoftmaxCrossEntropyAttrs{}, {i, labels});
  std::vector<NodeId> grads = *AddGradients(&b, loss, {p});
  Graph g = *b.Finalize();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(g, 1).ok());
  ExecutorOptions opts;
  opts.fetches = {loss, grads[0]};
  opts.batch_size = 8;
  opts.num_threads = threads;
  auto exec = *Executor::Create(g, opts);
  ASSERT_TRUE(exec->BindParameters(&store).ok());
  ASSERT_TRUE(exec->Feed(labels, Tensor::FromValues(Shape({8}), {0, 1, 2, 3,
                                                                  4, 5, 6, 7}))
                  .ok());
  ASSERT_TRUE(exec->Run().ok());
  const int64_t before = g_allocations.load();
  bool ok = true;
  for (int k = 0; k < 50; ++k) ok = ok && exec->Run().ok();
  const int64_t after = g_allocations.load();
  EXPECT_TRUE(ok);
  EXPECT_EQ(after - before, 0) << "threads " << threads;
  // The counter works: an allocation is seen.
  auto* probe = new std::vector<int>(3);
  EXPECT_GT(g_allocations.load(), after);
  delete probe;
}

TEST(RunAllocationsTest, ZeroAllocationsAfterFirstRun) {
  CheckNoAllocations(1);
  CheckNoAllocations(2);
}

}  // namespace
}  // namespace dagrad
