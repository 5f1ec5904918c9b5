// Executor profiling (ExecutorOptions::profile) and its table
// (graph/profile.h).
#include "graph/profile.h"

#include <string>

#include "absl/strings/str_format.h"
#include "graph/autodiff.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "gtest/gtest.h"
#include "ops/relu.h"
#include "ops/sum.h"

namespace dagrad {
namespace {

struct Net {
  Graph graph;
  NodeId x, y, dx;
};

// y = sum(relu(x)) and dy/dx: a forward and a reverse pass.
Net MakeNet() {
  GraphBuilder b;
  Net net;
  net.x = *b.AddInput("x", Shape({4, 8}));
  NodeId r = *b.AddOp(ReluAttrs{}, {net.x}, {"act"});
  net.y = *b.AddOp(SumAttrs{}, {r}, {"total"});
  net.dx = (*AddGradients(&b, net.y, {net.x}))[0];
  net.graph = *b.Finalize();
  return net;
}

TEST(ProfileTest, CountsRunsOnlyWhileOn) {
  Net net = MakeNet();
  ExecutorOptions opts;
  opts.fetches = {net.y, net.dx};
  auto exec = *Executor::Create(net.graph, opts);
  ASSERT_TRUE(exec->Feed(net.x, Tensor::Zeros(Shape({4, 8}))).ok());
  ASSERT_EQ(exec->profile().size(), exec->schedule().size());
  ASSERT_TRUE(exec->Run().ok());
  for (const NodeTime& t : exec->profile()) EXPECT_EQ(t.runs, 0);

  exec->set_profile(true);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(exec->Run().ok());
  int64_t nanos = 0;
  for (size_t i = 0; i < exec->profile().size(); ++i) {
    const NodeTime& t = exec->profile()[i];
    EXPECT_EQ(t.id.index, exec->schedule()[i].index);
    EXPECT_EQ(t.runs, 3);
    EXPECT_GE(t.nanos, 0);
    nanos += t.nanos;
  }
  EXPECT_GT(nanos, 0);

  exec->set_profile(false);
  ASSERT_TRUE(exec->Run().ok());
  EXPECT_EQ(exec->profile()[0].runs, 3);
  exec->ResetProfile();
  for (const NodeTime& t : exec->profile()) {
    EXPECT_EQ(t.runs, 0);
    EXPECT_EQ(t.nanos, 0);
  }
}

TEST(ProfileTest, TableListsTheSlowestNodesFirst) {
  Net net = MakeNet();
  ExecutorOptions opts;
  opts.fetches = {net.y, net.dx};
  opts.profile = true;
  auto exec = *Executor::Create(net.graph, opts);
  ASSERT_TRUE(exec->Feed(net.x, Tensor::Zeros(Shape({4, 8}))).ok());
  ASSERT_TRUE(exec->Run().ok());
  // Made-up times: the table must follow them, not the schedule.
  std::vector<NodeTime> times = exec->profile();
  for (size_t i = 0; i < times.size(); ++i) {
    times[i].runs = 2;
    times[i].nanos = 2000 * static_cast<int64_t>(i + 1);  // 1, 2, ... us.
  }
  const std::string table = FormatProfile(net.graph, times, 2);
  const Node& last = net.graph.node(times.back().id);
  const Node& second = net.graph.node(times[times.size() - 2].id);
  const size_t first_row = table.find(last.name);
  const size_t second_row = table.find(second.name);
  ASSERT_NE(first_row, std::string::npos) << table;
  ASSERT_NE(second_row, std::string::npos) << table;
  EXPECT_LT(first_row, second_row) << table;
  EXPECT_EQ(table.find(net.graph.node(times[0].id).name + "\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("vjp wrt 0"), std::string::npos) << table;
  EXPECT_NE(table.find(absl::StrFormat("(%d not shown)",
                                       static_cast<int>(times.size()) - 2)),
            std::string::npos)
      << table;
}

}  // namespace
}  // namespace dagrad
