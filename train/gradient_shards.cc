#include "train/gradient_shards.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "core/status_macros.h"
#include "dist/communicator.h"

namespace dagrad {
namespace {

// RanksAreSubtrees() is true when ranks [rank_lo, rank_hi), each holding
// `per_rank` consecutive leaves of [leaf_lo, leaf_hi), split at the same
// places as the leaf tree: then the rank tree of AllreduceSum() finishes
// the leaf tree exactly.
bool RanksAreSubtrees(int leaf_lo, int leaf_hi, int rank_lo, int rank_hi,
                      int per_rank) {
  if (rank_hi - rank_lo == 1) return true;
  const int rank_mid = TreeSplit(rank_lo, rank_hi);
  const int leaf_mid = TreeSplit(leaf_lo, leaf_hi);
  return leaf_mid == rank_mid * per_rank &&
         RanksAreSubtrees(leaf_lo, leaf_mid, rank_lo, rank_mid, per_rank) &&
         RanksAreSubtrees(leaf_mid, leaf_hi, rank_mid, rank_hi, per_rank);
}

// Depth() is the number of buffers SumInto() uses for `n` leaves: a right
// part of one leaf is added straight from the pass's own gradients.
int Depth(int n) {
  if (n == 1) return 1;
  const int m = TreeSplit(0, n);
  const int right = n - m == 1 ? 0 : 1 + Depth(n - m);
  return std::max(Depth(m), right);
}

// Scale() sets g = weight * g; AddTo() sets dst += src. Two loops, and this
// file is built without FMA contraction, so w_s g_s is rounded before it is
// added, as GradientSync's packing rounds it before the allreduce adds.
void Scale(float weight, float* g, int64_t n) {
  for (int64_t i = 0; i < n; ++i) g[i] *= weight;
}
void AddTo(const float* src, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

}  // namespace

absl::StatusOr<ShardPlan> ShardPlan::Of(int requested, int ranks, int rank) {
  if (requested < 1) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "reduction_shards %d: a batch is summed over at least 1 shard",
        requested));
  }
  ShardPlan plan;
  plan.shards = requested;
  if (requested % ranks != 0 ||
      !RanksAreSubtrees(0, requested, 0, ranks, requested / ranks)) {
    plan.shards = ranks;
    plan.note = absl::StrFormat(
        "reduction_shards %d does not split into subtrees over %d ranks: "
        "each rank sums one shard, as a single process with "
        "--reduction_shards=%d would",
        requested, ranks, ranks);
  }
  plan.count = plan.shards / ranks;
  plan.first = rank * plan.count;
  return plan;
}

void ShardSum::Prepare() {
  const bool same = std::equal(
      leaf_.begin(), leaf_.end(), shapes_.begin(), shapes_.end(),
      [](const Tensor* g, const Shape& shape) { return g->shape() == shape; });
  if (same && static_cast<int>(depth_.size()) >= Depth(count_)) return;
  if (!same) {
    shapes_.clear();
    offsets_.clear();
    total_ = 0;
    for (const Tensor* g : leaf_) {
      shapes_.push_back(g->shape());
      offsets_.push_back(total_);
      total_ += g->size();
    }
    depth_.clear();
  }
  depth_.resize(std::max<size_t>(depth_.size(), Depth(count_)));
  for (std::vector<float>& buffer : depth_) buffer.resize(total_);
  sums_.clear();
  for (size_t i = 0; i < shapes_.size(); ++i) {
    sums_.push_back(Tensor::View(shapes_[i], depth_[0].data() + offsets_[i]));
  }
}

absl::Status ShardSum::Sum(int first, int count, RunShard run) {
  if (count < 2) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "ShardSum::Sum: %d shards; one shard needs no sum", count));
  }
  count_ = count;
  prepared_ = false;
  return SumInto(first, first + count, 0, run);
}

absl::Status ShardSum::RunInto(int s, bool add, int d, RunShard run) {
  leaf_.clear();
  ASSIGN_OR_RETURN(const float weight, run(s, &leaf_));
  if (!prepared_) {
    Prepare();
    prepared_ = true;
  }
  if (leaf_.size() != shapes_.size()) {
    return absl::InternalError(
        absl::StrFormat("ShardSum: shard %d gave %d gradients, not %d", s,
                        leaf_.size(), shapes_.size()));
  }
  float* into = depth_[d].data();
  for (size_t i = 0; i < shapes_.size(); ++i) {
    float* g = leaf_[i]->data();
    const int64_t n = leaf_[i]->size();
    if (n != shapes_[i].num_elements()) {
      return absl::InternalError(absl::StrFormat(
          "ShardSum: shard %d gave gradient %d of %d elements, not %d", s, i,
          n, shapes_[i].num_elements()));
    }
    Scale(weight, g, n);
    if (add) {
      AddTo(g, n, into + offsets_[i]);
    } else {
      std::copy(g, g + n, into + offsets_[i]);
    }
  }
  return absl::OkStatus();
}

absl::Status ShardSum::SumInto(int lo, int hi, int d, RunShard run) {
  if (hi - lo == 1) return RunInto(lo, /*add=*/false, d, run);
  const int mid = TreeSplit(lo, hi);
  RETURN_IF_ERROR(SumInto(lo, mid, d, run));
  if (hi - mid == 1) return RunInto(mid, /*add=*/true, d, run);
  RETURN_IF_ERROR(SumInto(mid, hi, d + 1, run));
  AddTo(depth_[d + 1].data(), total_, depth_[d].data());
  return absl::OkStatus();
}

}  // namespace dagrad
