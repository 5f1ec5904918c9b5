// Embedding (layers/embedding.h): the table's gradient (a scatter-add, ids
// repeated), the output shape, bad settings, and an id out of range at run
// time failing with the node's name.
#include "layers/embedding.h"

#include <memory>

#include "absl/strings/match.h"
#include "graph/executor.h"
#include "graph/graph.h"
#include "graph/parameter_store.h"
#include "gtest/gtest.h"
#include "tests/layers/layer_gradient.h"

namespace dagrad {
namespace {

TEST(EmbeddingLayerTest, TableGradientWithRepeatedIds) {
  LayerGradientCase c;
  c.input = Tensor::FromValues(Shape({2, 3}), {0, 4, 2, 4, 4, 1});
  c.input_is_ids = true;
  c.options.epsilon = 1e-2;
  c.options.atol = 1e-3;
  CheckLayerGradients(Embedding(5, 3), c);
}

TEST(EmbeddingLayerTest, OutputAppendsTheEmbeddingAxis) {
  GraphBuilder b;
  NodeId ids = *b.AddInput("ids", Shape({Shape::kUnknownDim, 7}));
  NodeId y = *Embedding(10, 4).Build(&b, "emb", ids);
  EXPECT_EQ(*b.shape(y), Shape({Shape::kUnknownDim, 7, 4}));
  ASSERT_EQ(b.trainable_parameters().size(), 1u);
  EXPECT_EQ(*b.shape(b.trainable_parameters()[0]), Shape({10, 4}));
}

TEST(EmbeddingLayerTest, BadSettingsNameTheLayer) {
  for (auto [vocab, dim] : {std::pair<int64_t, int64_t>{0, 4}, {10, 0}}) {
    GraphBuilder b;
    NodeId ids = *b.AddInput("ids", Shape({Shape::kUnknownDim, 7}));
    absl::StatusOr<NodeId> y = Embedding(vocab, dim).Build(&b, "emb_1", ids);
    ASSERT_FALSE(y.ok());
    EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument);
    for (const char* m : {"'emb_1' (Embedding)", "[?,7]", ">= 1"}) {
      EXPECT_TRUE(absl::StrContains(y.status().message(), m)) << y.status();
    }
  }
}

TEST(EmbeddingLayerTest, IdOutOfRangeFailsTheRunNamingTheNode) {
  GraphBuilder b;
  NodeId ids = *b.AddInput("ids", Shape({Shape::kUnknownDim, 3}));
  NodeId y = *Embedding(5, 2).Build(&b, "emb", ids);
  Graph graph = *b.Finalize();
  ParameterStore store;
  ASSERT_TRUE(store.Initialize(graph, 1).ok());
  ExecutorOptions opts;
  opts.batch_size = 2;
  opts.fetches = {y};
  auto exec = *Executor::Create(graph, opts);
  ASSERT_TRUE(exec->BindParameters(&store).ok());
  ASSERT_TRUE(
      exec->Feed(ids, Tensor::FromValues(Shape({2, 3}), {0, 1, 2, 3, 5, 4}))
          .ok());
  const absl::Status run = exec->Run();
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.code(), absl::StatusCode::kInvalidArgument);
  for (const char* m : {"emb/Gather", "5"}) {
    EXPECT_TRUE(absl::StrContains(run.message(), m)) << run;
  }
}

}  // namespace
}  // namespace dagrad
