// Measures executor overhead per node: a chain of 1000 Identity nodes on a
// [1] tensor, run many times. Prints microseconds per node; asserts only
// correctness (the value passes through) and peak <= naive.
#include <chrono>
#include <cstdio>

#include "gtest/gtest.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "ops/identity.h"

namespace dagrad {
namespace {

TEST(OverheadTest, ChainOfThousandCheapNodes) {
  GraphBuilder b;
  NodeId x = *b.AddInput("x", Shape({1}));
  NodeId h = x;
  for (int i = 0; i < 1000; ++i) h = *b.AddOp(IdentityAttrs{}, {h});
  Graph g = *b.Finalize();
  ExecutorOptions opts;
  opts.fetches = {h};
  auto exec = *Executor::Create(g, opts);
  ASSERT_TRUE(exec->Feed(x, Tensor::FromValues(Shape({1}), {3.5f})).ok());
  ASSERT_TRUE(exec->Run().ok());
  const int runs = 2000;
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < runs; ++r) ASSERT_TRUE(exec->Run().ok());
  double us = std::chrono::duration<double, std::micro>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  std::printf("executor overhead: %.4f us/node (%.1f us per 1000-node run)\n",
              us / runs / 1000, us / runs);
  EXPECT_EQ((**exec->Fetch(h))[0], 3.5f);
  std::printf("chain plan: peak %lld B, naive %lld B\n",
              static_cast<long long>(exec->plan().peak_bytes),
              static_cast<long long>(exec->plan().naive_bytes));
  EXPECT_LE(exec->plan().peak_bytes, exec->plan().naive_bytes);
  EXPECT_LE(exec->plan().peak_bytes, 3 * 64);  // input + two live links.
}

}  // namespace
}  // namespace dagrad
