// tests/graph/passes/pass_testing.h: run a graph before and after a pass on
// the same parameters and feeds, and compare the fetched values bit for
// bit.
//
// Example:
//   PassCase c = ...;  // graph, roots (fetches), feeds
//   ASSERT_OK_AND_ASSIGN(PipelineResult r, RunPasses(c.graph, c.fetches, o));
//   ExpectSameValues(c, r, /*threads=*/2);
#ifndef DAGRAD_TESTS_GRAPH_PASSES_PASS_TESTING_H_
#define DAGRAD_TESTS_GRAPH_PASSES_PASS_TESTING_H_

#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/tensor.h"
#include "graph/graph.h"
#include "graph/passes/pipeline.h"

namespace dagrad {

// PassCase: a finalized graph, the values to compare (also the pass roots,
// with the inputs) and what to feed.
struct PassCase {
  Graph graph;
  std::vector<NodeId> fetches;
  std::vector<std::pair<NodeId, Tensor>> feeds;
  int64_t batch = 1;
  uint64_t param_seed = 3;
};

// Roots() is fetches plus the fed inputs.
std::vector<NodeId> Roots(const PassCase& c);

// RunGraph() runs `graph` once (parameters from c.param_seed) and returns
// clones of `fetches`, fed with c's feeds mapped through `remap` (identity
// when empty).
absl::StatusOr<std::vector<Tensor>> RunGraph(const PassCase& c,
                                             const Graph& graph,
                                             const std::vector<NodeId>& remap,
                                             int threads);

// ExpectBitwiseEqual() adds a failure naming `what` unless a and b have the
// same shape and bits.
void ExpectBitwiseEqual(const Tensor& a, const Tensor& b, const char* what);

// ExpectPassesExact() runs c.graph as built and after RunPasses(options),
// at 1 and 2 threads, and expects every fetch bitwise equal. Returns the
// pipeline's result for structural checks.
PipelineResult ExpectPassesExact(const PassCase& c, const PassOptions& options);

// Count() counts forward op nodes of `kind` in `graph`.
int Count(const Graph& graph, OpKind kind);

// Only() is PassOptions with every pass off except `pass`.
PassOptions Only(bool PassOptions::*pass);

}  // namespace dagrad

#endif  // DAGRAD_TESTS_GRAPH_PASSES_PASS_TESTING_H_
