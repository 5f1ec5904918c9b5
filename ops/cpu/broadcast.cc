#include "ops/cpu/broadcast.h"

#include <cassert>
#include <utility>

#include "ops/cpu/parallel_map.h"
#include "ops/cpu/reduce.h"

namespace dagrad {
namespace {

// DimOrOne() is dimension d of `s` right-aligned to `rank` axes (1 for the
// missing leading axes).
int64_t DimOrOne(const Shape& s, int rank, int d) {
  const int lead = rank - s.rank();
  return d < lead ? 1 : s.dim(d - lead);
}

// AxisGroup: consecutive axes of one broadcast pattern, merged.
struct AxisGroup {
  int64_t size;
  bool reduced;
};

}  // namespace

int64_t BroadcastLayout::rows() const {
  int64_t r = 1;
  for (size_t d = 0; d + 1 < dims.size(); ++d) r *= dims[d];
  return r;
}

BroadcastLayout MakeBroadcastLayout(const Shape& a, const Shape& b) {
  const int rank = a.rank() > b.rank() ? a.rank() : b.rank();
  BroadcastLayout l;
  absl::InlinedVector<bool, 6> a_bc, b_bc;
  for (int d = 0; d < rank; ++d) {
    const int64_t ad = DimOrOne(a, rank, d), bd = DimOrOne(b, rank, d);
    const int64_t od = ad == 1 ? bd : ad;
    assert(ad == od || ad == 1);
    assert(bd == od || bd == 1);
    if (od == 1) continue;
    const bool abc = ad == 1, bbc = bd == 1;
    if (!l.dims.empty() && a_bc.back() == abc && b_bc.back() == bbc) {
      l.dims.back() *= od;
      continue;
    }
    l.dims.push_back(od);
    a_bc.push_back(abc);
    b_bc.push_back(bbc);
  }
  if (l.dims.empty()) {
    l.dims.push_back(1);
    a_bc.push_back(true);
    b_bc.push_back(true);
  }
  const int n = static_cast<int>(l.dims.size());
  for (int k = 0; k < 2; ++k) {
    const absl::InlinedVector<bool, 6>& bc = k == 0 ? a_bc : b_bc;
    l.stride[k].resize(n);
    int64_t acc = 1;
    for (int d = n - 1; d >= 0; --d) {
      l.stride[k][d] = bc[d] ? 0 : acc;
      if (!bc[d]) acc *= l.dims[d];
    }
  }
  return l;
}

void ForEachBroadcastRow(
    ThreadPool* pool, const BroadcastLayout& l,
    absl::FunctionRef<void(int64_t r, int64_t a_off, int64_t b_off)> row) {
  const int outer_dims = static_cast<int>(l.dims.size()) - 1;
  const int64_t len = l.row_length();
  pool->ParallelFor(
      l.rows(),
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          int64_t rest = r, ao = 0, bo = 0;
          for (int d = outer_dims - 1; d >= 0; --d) {
            const int64_t i = rest % l.dims[d];
            rest /= l.dims[d];
            ao += i * l.stride[0][d];
            bo += i * l.stride[1][d];
          }
          row(r, ao, bo);
        }
      },
      1 + kElementwiseMinBlock / (len > 0 ? len : 1));
}

void SumToShape(ThreadPool* pool, const float* x, const Shape& full,
                const Shape& target, float scale, float* scratch, float* out) {
  const int rank = full.rank();
  absl::InlinedVector<AxisGroup, 6> groups;
  for (int d = 0; d < rank; ++d) {
    const int64_t fd = full.dim(d);
    if (fd == 1) continue;
    const bool reduced = DimOrOne(target, rank, d) == 1;
    if (!groups.empty() && groups.back().reduced == reduced) {
      groups.back().size *= fd;
    } else {
      groups.push_back({fd, reduced});
    }
  }
  int reductions = 0;
  for (const AxisGroup& g : groups) reductions += g.reduced ? 1 : 0;
  const int64_t n = full.num_elements();
  if (reductions == 0) {  // Only leading or size-1 axes differ.
    ParallelMap(pool, n, x, out, [scale](float v) { return scale * v; });
    return;
  }
  // Intermediate results have at most n / 2 elements (each reduced group
  // has size >= 2); they alternate between the two halves of scratch.
  float* halves[2] = {scratch, scratch + n / 2};
  const float* cur = x;
  for (int step = 0; reductions > 0; ++step, --reductions) {
    int g = static_cast<int>(groups.size()) - 1;
    while (!groups[g].reduced) --g;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < g; ++i) outer *= groups[i].size;
    for (size_t i = g + 1; i < groups.size(); ++i) inner *= groups[i].size;
    float* dst = reductions == 1 ? out : halves[step % 2];
    ReduceMiddle(pool, cur, outer, groups[g].size, inner,
                 reductions == 1 ? scale : 1.0f, dst);
    groups.erase(groups.begin() + g);
    if (g > 0 && g < static_cast<int>(groups.size())) {  // Merge neighbours.
      groups[g - 1].size *= groups[g].size;
      groups.erase(groups.begin() + g);
    }
    cur = dst;
  }
}

}  // namespace dagrad
