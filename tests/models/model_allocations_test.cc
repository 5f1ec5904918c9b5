// A steady-state training step of a two-input two-output Model (a skip
// connection, a Concatenate, weighted losses) performs zero heap
// allocations, for full and partial batches alternating, at 1 and 2
// threads (as tests/train/train_step_allocations_test.cc for Sequential).
#include <memory>
#include <vector>

#include "gtest/gtest.h"
#include "tests/models/two_head_model.h"
#include "tests/testing/counting_allocator.h"

namespace dagrad {
namespace {

// Batch() copies examples [begin, begin + n) of `data`.
MultiDataset Batch(const MultiDataset& data, int64_t begin, int64_t n) {
  return SliceMulti(data, begin, begin + n);
}

TEST(ModelAllocationsTest, FullAndPartialBatchesAllocateNothing) {
  const MultiDataset data = TwoHeadData(64, 1);
  const MultiDataset full = Batch(data, 0, 20);
  const MultiDataset partial = Batch(data, 20, 7);
  for (int threads : {1, 2}) {
    std::unique_ptr<Model> model = TwoHeadModel(/*seed=*/3);
    ASSERT_TRUE(model->status().ok()) << model->status();
    FitOptions options;
    options.optimizer = OptimizerKind::kAdam;
    options.loss_weights = {1.0f, 0.5f};
    options.num_threads = threads;
    // The first steps of each size compile and make the executors.
    for (const MultiDataset* b : {&full, &partial}) {
      ASSERT_TRUE(model->TrainStep(b->inputs, b->labels, options, 0.01f).ok());
    }
    const int64_t before = AllocationCount();
    float last = 0;
    for (int step = 0; step < 6; ++step) {
      const MultiDataset& b = step % 2 == 0 ? full : partial;
      absl::StatusOr<StepResult> r =
          model->TrainStep(b.inputs, b.labels, options, 0.01f);
      ASSERT_TRUE(r.ok()) << r.status();
      last = r->loss;
    }
    EXPECT_EQ(AllocationCount() - before, 0) << threads << " threads";
    EXPECT_GT(last, 0.0f);
  }
}

}  // namespace
}  // namespace dagrad
