#include "graph/memory_plan.h"

#include <algorithm>
#include <utility>

#include "core/tensor.h"

namespace dagrad {

MemoryPlan PlanMemory(std::vector<BufferRequest> buffers, bool plan) {
  MemoryPlan result;
  const int n = static_cast<int>(buffers.size());
  result.offsets.assign(n, 0);
  result.planned = plan;
  std::vector<int64_t> size(n);
  for (int i = 0; i < n; ++i) {
    size[i] = RoundUpToAlignment(std::max<int64_t>(buffers[i].bytes, 1));
    result.naive_bytes += size[i];
  }
  // In place: each sharer joins its root buffer, which lives until the
  // last of them; the sharers themselves are not placed.
  std::vector<int> root(n);
  for (int i = 0; i < n; ++i) {
    const int j = buffers[i].share;
    root[i] = (plan && j >= 0 && j < i) ? root[j] : i;
    if (root[i] != i) {
      buffers[root[i]].last = std::max(buffers[root[i]].last, buffers[i].last);
      size[root[i]] = std::max(size[root[i]], size[i]);
      ++result.in_place;
    }
  }
  if (!plan) {
    int64_t offset = 0;
    for (int i = 0; i < n; ++i) {
      result.offsets[i] = offset;
      offset += size[i];
    }
    result.peak_bytes = offset;
    result.buffers = std::move(buffers);
    return result;
  }
  std::vector<int> order;
  for (int i = 0; i < n; ++i) {
    if (root[i] == i) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return size[a] > size[b]; });
  std::vector<int> placed;
  for (int i : order) {
    // Occupied ranges of placed buffers whose lifetimes overlap i's.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (int j : placed) {
      if (buffers[j].first <= buffers[i].last &&
          buffers[i].first <= buffers[j].last) {
        busy.emplace_back(result.offsets[j], result.offsets[j] + size[j]);
      }
    }
    std::sort(busy.begin(), busy.end());
    // Best fit: the smallest gap that holds size[i]; else the end.
    int64_t best = -1, best_gap = -1, cursor = 0;
    for (const auto& [lo, hi] : busy) {
      if (lo - cursor >= size[i] && (best < 0 || lo - cursor < best_gap)) {
        best = cursor;
        best_gap = lo - cursor;
      }
      cursor = std::max(cursor, hi);
    }
    if (best < 0) best = cursor;
    result.offsets[i] = best;
    result.peak_bytes = std::max(result.peak_bytes, best + size[i]);
    placed.push_back(i);
  }
  for (int i = 0; i < n; ++i) result.offsets[i] = result.offsets[root[i]];
  result.buffers = std::move(buffers);
  return result;
}

}  // namespace dagrad
