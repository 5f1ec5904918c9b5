// layers/embedding.h: Embedding, a trainable table of `dim`-float vectors,
// one per id in [0, vocab): y[..., :] = table[id[...], :].
//
// Input: ids [N, ...] as floats holding whole numbers (like class labels);
// output [N, ..., dim]. The table is [vocab, dim], initialized N(0, 1) like
// PyTorch's nn.Embedding (Keras uses U(-0.05, 0.05); pass `init` to
// choose). The lookup is the Gather op (ops/gather.h), whose VJP is a
// deterministic scatter-add into the table; the ids get no gradient. An id
// that is not a whole number in [0, vocab) is found when the graph runs:
// the run fails with InvalidArgument naming the node ("emb/Gather"), the
// position and the value. Build() returns InvalidArgument naming the layer
// for vocab < 1 or dim < 1.
//
// Example:
//   // Sentences of 16 token ids from a 1000-word vocabulary.
//   Sequential model(Shape({16}));
//   model.Add(Embedding(1000, 32));  // [?,16] -> [?,16,32]
//   model.Add(LSTM(64));
#ifndef DAGRAD_LAYERS_EMBEDDING_H_
#define DAGRAD_LAYERS_EMBEDDING_H_

#include <cstdint>
#include <string>

#include "layers/initializers.h"
#include "layers/layer.h"

namespace dagrad {

class Embedding : public Layer {
 public:
  Embedding(int64_t vocab, int64_t dim,
            Initializer init = Initializer::Normal(0.0f, 1.0f))
      : vocab_(vocab), dim_(dim), init_(init) {}

  absl::string_view type() const override { return "Embedding"; }
  absl::StatusOr<NodeId> Build(GraphBuilder* graph, const std::string& scope,
                               NodeId input) const override;

 private:
  int64_t vocab_;
  int64_t dim_;
  Initializer init_;
};

}  // namespace dagrad

#endif  // DAGRAD_LAYERS_EMBEDDING_H_
