// graph/memory_plan.h: one arena for every intermediate tensor.
//
// Each buffer is live over an inclusive range [first, last] of schedule
// steps. PlanMemory() gives each a 64-byte-aligned offset in ONE arena so
// that buffers whose lifetimes overlap never overlap in memory, while
// buffers with disjoint lifetimes may share. Greedy, largest buffer first
// (ties in request order): among the gaps between the placed buffers whose
// lifetimes overlap its own, a buffer takes the smallest gap that holds it
// (best fit; the lowest such gap on a tie), else the first offset past them
// all. With plan = false every buffer gets its own range
// (for tests and debugging).
//
// In place: a request with `share` = j (an earlier request) takes over
// buffer j's memory: the two are planned as one buffer, live from j's first
// step to the later of their last steps, and get the same offset. The caller
// guarantees that the sizes match and that the sharer's kernel is correct on
// j's memory: j is last read where an in-place elementwise op writes the
// sharer, or the sharer is a view of j (a reshape: the same values, so
// both stay readable; graph/executor.h);
// naive_bytes still counts both (separate buffers), peak_bytes once. Scratch is
// not part of the arena plan: it is one region reused by all nodes (the
// executor sizes it as the max over nodes, for its thread count) and reported
// in scratch_bytes.
#ifndef DAGRAD_GRAPH_MEMORY_PLAN_H_
#define DAGRAD_GRAPH_MEMORY_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

namespace dagrad {

struct BufferRequest {
  int64_t bytes = 0;  // Rounded up to 64 by the planner.
  int first = 0;      // First schedule step that writes or reads it.
  int last = 0;       // Last schedule step that reads it.
  std::string name;   // For debugging and DOT.
  // share: index of an earlier request whose buffer this one reuses in
  // place (same bytes; see the file comment), or -1.
  int share = -1;
};

struct MemoryPlan {
  std::vector<BufferRequest> buffers;
  std::vector<int64_t> offsets;  // Byte offsets, parallel to `buffers`.
  int64_t peak_bytes = 0;        // Arena size.
  int64_t naive_bytes = 0;       // Sum of all (aligned) buffers.
  int64_t scratch_bytes = 0;     // The shared scratch region (set by caller).
  bool planned = true;
  // in_place: how many requests took over another's buffer (`share`).
  int in_place = 0;
  // node_bytes[i]: bytes of node i's output buffer in the arena, or 0
  // (parameters, constants, unscheduled nodes). Set by the executor.
  std::vector<int64_t> node_bytes;
};

// PlanMemory() computes offsets for `buffers`. Pure and deterministic.
MemoryPlan PlanMemory(std::vector<BufferRequest> buffers, bool plan);

}  // namespace dagrad

#endif  // DAGRAD_GRAPH_MEMORY_PLAN_H_
