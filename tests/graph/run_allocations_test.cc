// Proves Executor::Run() performs zero heap allocations after the first call,
// by counting calls to the global operator new in this binary.
#include <vector>

#include "graph/autodiff.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"
#include "ops/identity.h"
#include "ops/sigmoid.h"
#include "ops/softmax_cross_entropy.h"
#include "ops/tanh.h"
#include "tests/testing/counting_allocator.h"

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
  ASSERT_TRUE(exec->Feed(labels, Tensor::FromValues(Shape({8}),
                                                    {0, 1, 2, 3, 4, 5, 6, 7}))
                  .ok());
  ASSERT_TRUE(exec->Run().ok());
  const int64_t before = AllocationCount();
  bool ok = true;
  for (int k = 0; k < 50; ++k) ok = ok && exec->Run().ok();
  const int64_t after = AllocationCount();
  EXPECT_TRUE(ok);
  EXPECT_EQ(after - before, 0) << "threads " << threads;
  // The counter works: an allocation is seen.
  auto* probe = new std::vector<int>(3);
  EXPECT_GT(AllocationCount(), after);
  delete probe;
}

TEST(RunAllocationsTest, ZeroAllocationsAfterFirstRun) {
  CheckNoAllocations(1);
  CheckNoAllocations(2);
}

}  // namespace
}  // namespace dagrad
