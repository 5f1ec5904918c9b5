#include "tests/graph/passes/pass_testing.h"

#include <cstring>
#include <memory>

#include "graph/executor.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"

namespace dagrad {

std::vector<NodeId> Roots(const PassCase& c) {
  std::vector<NodeId> roots = c.fetches;
  for (const auto& [id, value] : c.feeds) roots.push_back(id);
  return roots;
}

absl::StatusOr<std::vector<Tensor>> RunGraph(const PassCase& c,
                                             const Graph& graph,
                                             const std::vector<NodeId>& remap,
                                             int threads) {
  auto map = [&](NodeId id) { return remap.empty() ? id : remap[id.index]; };
  ParameterStore store;
  RETURN_IF_ERROR(store.Initialize(graph, c.param_seed));
  ExecutorOptions o;
  for (NodeId f : c.fetches) o.fetches.push_back(map(f));
  o.batch_size = c.batch;
  o.num_threads = threads;
  o.seed = 11;
  ASSIGN_OR_RETURN(std::unique_ptr<Executor> e, Executor::Create(graph, o));
  RETURN_IF_ERROR(e->BindParameters(&store));
  for (const auto& [id, value] : c.feeds) {
    RETURN_IF_ERROR(e->Feed(map(id), value));
  }
  RETURN_IF_ERROR(e->Run());
  std::vector<Tensor> out;
  for (NodeId f : o.fetches) {
    ASSIGN_OR_RETURN(const Tensor* t, e->Fetch(f));
    out.push_back(t->Clone());
  }
  return out;
}

void ExpectBitwiseEqual(const Tensor& a, const Tensor& b, const char* what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0)
      << what << ": values differ";
}

PipelineResult ExpectPassesExact(const PassCase& c,
                                 const PassOptions& options) {
  absl::StatusOr<PipelineResult> r = RunPasses(c.graph, Roots(c), options);
  EXPECT_TRUE(r.ok()) << r.status();
  if (!r.ok()) return PipelineResult{};
  for (int threads : {1, 2}) {
    absl::StatusOr<std::vector<Tensor>> before =
        RunGraph(c, c.graph, {}, threads);
    absl::StatusOr<std::vector<Tensor>> after =
        RunGraph(c, r->graph, r->remap, threads);
    EXPECT_TRUE(before.ok()) << before.status();
    EXPECT_TRUE(after.ok()) << after.status();
    if (!before.ok() || !after.ok()) break;
    for (size_t k = 0; k < before->size(); ++k) {
      SCOPED_TRACE(c.graph.node(c.fetches[k]).name);
      SCOPED_TRACE(threads);
      ExpectBitwiseEqual((*before)[k], (*after)[k], "fetch");
    }
  }
  return *std::move(r);
}

int Count(const Graph& graph, OpKind kind) {
  int n = 0;
  for (const Node& node : graph.nodes()) {
    n += node.type == NodeType::kOp && node.def->kind == kind;
  }
  return n;
}

PassOptions Only(bool PassOptions::*pass) {
  PassOptions o = PassOptions::None();
  o.*pass = true;
  return o;
}

}  // namespace dagrad
