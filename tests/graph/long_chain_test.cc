// A chain of 1000 Identity nodes on a [1] tensor: the value passes through
// every node, and the memory plan keeps only the input and two live links.
// (Its per-node time is benchmarks/executor_overhead_bench.cc.)
#include "graph/executor.h"
#include "graph/graph.h"
#include "gtest/gtest.h"
#include "ops/identity.h"

namespace dagrad {
namespace {

TEST(LongChainTest, ValuePassesThroughAndPlanKeepsTwoLiveLinks) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({1}));
  NodeId h = x;
  for (int i = 0; i < 1000; ++i) h = *b.AddOp(IdentityAttrs{}, {h});
  Graph g = *b.Finalize();
  ExecutorOptions opts;
  opts.fetches = {h};
  auto exec = *Executor::Create(g, opts);
  ASSERT_TRUE(exec->Feed(x, Tensor::FromValues(Shape({1}), {3.5f})).ok());
  for (int run = 0; run < 3; ++run) {
    ASSERT_TRUE(exec->Run().ok());
    EXPECT_EQ((**exec->Fetch(h))[0], 3.5f) << "run " << run;
  }
  EXPECT_LE(exec->plan().peak_bytes, exec->plan().naive_bytes);
  EXPECT_LE(exec->plan().peak_bytes, 3 * 64);  // input + two live links.
}

}  // namespace
}  // namespace dagrad
