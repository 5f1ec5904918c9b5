// Tests of the functional Model (models/model.h): shared layers (one
// parameter set, gradients summed over the calls), nesting, the DAG
// checks and their messages, Summary's edges, multi-input multi-output
// training with weighted losses (bitwise the same at 1 and 2 threads), and
// data errors.
#include "models/model.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "layers/dense.h"
#include "layers/merge.h"
#include "tests/models/two_head_model.h"
#include "tests/testing/gradient_checker.h"
#include "tests/testing/graph_gradient_checker.h"

namespace dagrad {
namespace {

using ::testing::HasSubstr;

// CheckModelGradient() compares the model's gradient of parameter `name`
// with central differences of its loss, for inputs `x` and labels `y`.
void CheckModelGradient(Model* model, const std::vector<Tensor>& x,
                        const std::vector<Tensor>& y, const std::string& name) {
  ASSERT_TRUE(model->Compile(Loss::kSoftmaxCrossEntropy).ok());
  const int64_t batch = y[0].size();
  Executor* train = *model->GetExecutor(ExecutorMode::kTrain, batch, 1);
  Executor* eval = *model->GetExecutor(ExecutorMode::kEvaluate, batch, 1);
  const Graph& graph = *model->graph();
  for (Executor* exec : {train, eval}) {
    for (size_t i = 0; i < x.size(); ++i) {
      const std::string input = absl::StrCat("input_", i + 1);
      ASSERT_TRUE(exec->Feed(graph.FindNode(input), x[i]).ok()) << input;
    }
    for (size_t j = 0; j < y.size(); ++j) {
      const std::string labels =
          y.size() == 1 ? "labels" : absl::StrCat("labels_", j);
      ASSERT_TRUE(exec->Feed(graph.FindNode(labels), y[j]).ok()) << labels;
    }
  }
  ASSERT_TRUE(train->Run().ok());
  const std::vector<std::string> names = model->trainable_parameter_names();
  const int k = static_cast<int>(std::find(names.begin(), names.end(), name) -
                                 names.begin());
  ASSERT_LT(k, static_cast<int>(names.size())) << name;
  const Tensor* grad = *train->Fetch(model->gradient_nodes()[k]);
  GradientCheckOptions check;
  check.epsilon = 1e-2;
  check.atol = 2e-3;
  check.rtol = 1e-2;
  absl::StatusOr<GradientCheckResult> r = CheckParameterGradient(
      eval, model->loss_node(), model->parameters(), name, *grad, check);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GT(r->max_abs_numeric, 1e-3);  // Not vacuous.
}

TEST(ModelTest, SharedLayerHasOneParameterSetAndSummedGradients) {
  SymbolicTensor a = Input(Shape({3}));
  SymbolicTensor b = Input(Shape({3}));
  LayerHandle shared(Dense(4, Activation::kTanh));
  SymbolicTensor sum = Apply(Add(), {shared(a), shared(b)});
  Model model({a, b}, {Apply(Dense(2), sum)}, /*seed=*/2);
  ASSERT_TRUE(model.status().ok()) << model.status();
  ASSERT_TRUE(model.Compile(Loss::kSoftmaxCrossEntropy).ok());
  // One W and b for both calls: 3*4 + 4 + 4*2 + 2.
  EXPECT_EQ(model.parameter_count(), 26);
  const std::vector<std::string> names = model.trainable_parameter_names();
  EXPECT_EQ(names.size(), 4u);
  const std::vector<Tensor> x = [] {
    std::vector<Tensor> v;
    v.push_back(RandomTensor(Shape({5, 3}), 1, -1, 1));
    v.push_back(RandomTensor(Shape({5, 3}), 2, -1, 1));
    return v;
  }();
  std::vector<Tensor> y;
  y.push_back(Tensor::FromValues(Shape({5}), {0, 1, 1, 0, 1}));
  // The gradient of the shared W is the sum over both calls.
  CheckModelGradient(&model, x, y, "dense_1/W");
  CheckModelGradient(&model, x, y, "dense_1/b");
}

TEST(ModelTest, SummaryShowsEveryCallAndItsEdges) {
  SymbolicTensor a = Input(Shape({3}), "left");
  SymbolicTensor b = Input(Shape({3}), "right");
  LayerHandle shared(Dense(4));
  SymbolicTensor sum = Apply(Add(), {shared(a), shared(b)});
  Model model({a, b}, {Apply(Dense(2), sum, "head")});
  absl::StatusOr<std::string> summary = model.Summary();
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_THAT(*summary, HasSubstr("left (Input)"));
  EXPECT_THAT(*summary, HasSubstr("Connected to"));
  EXPECT_THAT(*summary, HasSubstr("dense_1 (Dense) #2"));
  EXPECT_THAT(*summary, HasSubstr("shared"));
  EXPECT_THAT(*summary, HasSubstr("dense_1, dense_1"));
  EXPECT_THAT(*summary, HasSubstr("head (Dense)"));
  EXPECT_THAT(*summary, HasSubstr("Total params: 26"));
}

TEST(ModelTest, NestedModelSharesItsWeightsAcrossCalls) {
  SymbolicTensor in = Input(Shape({3}));
  Model encoder({in}, {Apply(Dense(4, Activation::kTanh), in)});
  ASSERT_TRUE(encoder.status().ok()) << encoder.status();
  LayerHandle encode = encoder.AsLayer("encoder");
  SymbolicTensor a = Input(Shape({3}));
  SymbolicTensor b = Input(Shape({3}));
  SymbolicTensor both = Apply(Concatenate(1), {encode(a), encode(b)});
  EXPECT_EQ(both.shape(), Shape({Shape::kUnknownDim, 8}));
  Model model({a, b}, {Apply(Dense(2), both)}, /*seed=*/3);
  ASSERT_TRUE(model.status().ok()) << model.status();
  ASSERT_TRUE(model.Compile(Loss::kSoftmaxCrossEntropy).ok());
  EXPECT_EQ(model.parameter_count(), 3 * 4 + 4 + 8 * 2 + 2);
  const std::vector<std::string> names = model.trainable_parameter_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "encoder/dense_1/W"),
            names.end());
  std::vector<Tensor> x;
  x.push_back(RandomTensor(Shape({5, 3}), 3, -1, 1));
  x.push_back(RandomTensor(Shape({5, 3}), 4, -1, 1));
  std::vector<Tensor> y;
  y.push_back(Tensor::FromValues(Shape({5}), {1, 1, 0, 0, 1}));
  CheckModelGradient(&model, x, y, "encoder/dense_1/W");
  // A nested model of the wrong input shape names both shapes.
  SymbolicTensor wide = Input(Shape({5}));
  SymbolicTensor bad = encode(wide);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("layer 'encoder' (Model): input 0 [?,5] does not fit "
                        "the model's input 'input_1' [?,3]"));
}

void ExpectModelError(const Model& model, absl::string_view message) {
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(model.status().message()), HasSubstr(message));
}

TEST(ModelTest, UnconnectedInputIsAnError) {
  SymbolicTensor a = Input(Shape({3}), "a");
  SymbolicTensor b = Input(Shape({3}), "b");
  Model model({a, b}, {Apply(Dense(2), a)});
  ExpectModelError(model,
                   "Model: input 1 'b' [?,3] is not connected to any "
                   "output");
  // Every method returns the error.
  EXPECT_EQ(model.Summary().status(), model.status());
  MultiDataset data = TwoHeadData(8, 1);
  EXPECT_EQ(model.Fit(data, nullptr, FitOptions{}).status(), model.status());
}

TEST(ModelTest, OutputFromAnotherModelsInputIsAnError) {
  SymbolicTensor a = Input(Shape({3}), "a");
  SymbolicTensor other = Input(Shape({3}), "other");
  SymbolicTensor y = Apply(Add(), {Apply(Dense(2), a), Apply(Dense(2), other)});
  Model model({a}, {y});
  ExpectModelError(model,
                   "Model: output 0 depends on Input 'other' [?,3], "
                   "which is not one of the model's 1 inputs (a "
                   "tensor from another model?)");
  Model unreachable({a}, {Apply(Dense(2), other)});
  ExpectModelError(unreachable, "depends on Input 'other'");
}

TEST(ModelTest, MergeShapeMismatchNamesTheLayerAndShapes) {
  SymbolicTensor x = Input(Shape({3}));
  SymbolicTensor sum = Apply(Add(), {Apply(Dense(4), x), Apply(Dense(5), x)});
  EXPECT_FALSE(sum.ok());
  Model model({x}, {sum});
  ExpectModelError(model,
                   "layer 'add' (Add): inputs [?,4] and [?,5] do not "
                   "fit");
}

TEST(ModelTest, OtherDagErrors) {
  SymbolicTensor x = Input(Shape({3}));
  SymbolicTensor h = Apply(Dense(4), x);
  ExpectModelError(Model({h}, {Apply(Dense(2), h)}),
                   "Model: inputs[0] [?,4] is the output of a Dense layer, "
                   "not an Input()");
  ExpectModelError(Model({x}, {x}), "Model: outputs[0] is Input");
  ExpectModelError(Model({x}, {SymbolicTensor()}),
                   "Model: outputs[0]: an empty SymbolicTensor");
  ExpectModelError(
      Model({x}, {Apply(Dense(2), Apply(Dense(3), x, "fc"), "fc")}),
      "layer name 'fc' (Dense) is used by two layers");
  SymbolicTensor images = Input(Shape({1, 4, 4}));
  ExpectModelError(Model({images}, {Apply(Dense(2), images)}),
                   "layer 'dense' (Dense): input must be [batch, features]");
}

TEST(ModelTest, TrainsTwoHeadsWithWeightedLossesSameAtOneAndTwoThreads) {
  MultiDataset train = TwoHeadData(96, 1);
  MultiDataset valid = TwoHeadData(40, 2);
  std::vector<Tensor> predictions[2];
  std::vector<double> losses[2];
  for (int threads : {1, 2}) {
    std::unique_ptr<Model> model = TwoHeadModel(/*seed=*/5);
    ASSERT_TRUE(model->status().ok()) << model->status();
    FitOptions fit;
    fit.epochs = 6;
    fit.batch_size = 20;  // 96 = 4 * 20 + 16: a partial last batch.
    fit.lr = 0.1f;
    fit.optimizer = OptimizerKind::kMomentum;
    fit.loss_weights = {1.0f, 0.5f};
    fit.num_threads = threads;
    fit.verbose = false;
    absl::StatusOr<History> history = model->Fit(train, &valid, fit);
    ASSERT_TRUE(history.ok()) << history.status();
    for (const EpochStats& e : history->epochs) {
      losses[threads - 1].push_back(e.train_loss);
    }
    absl::StatusOr<EvalResult> eval = model->Evaluate(valid, 16, threads);
    ASSERT_TRUE(eval.ok()) << eval.status();
    ASSERT_EQ(eval->outputs.size(), 2u);
    EXPECT_GT(eval->outputs[0].accuracy, 0.9);
    EXPECT_GT(eval->outputs[1].accuracy, 0.9);
    // The total is the weighted sum of the per-output losses.
    EXPECT_NEAR(eval->loss, eval->outputs[0].loss + 0.5 * eval->outputs[1].loss,
                1e-5);
    absl::StatusOr<std::vector<Tensor>> out =
        model->PredictOutputs(valid.inputs, 16, threads);
    ASSERT_TRUE(out.ok()) << out.status();
    predictions[threads - 1] = std::move(*out);
  }
  EXPECT_EQ(losses[0], losses[1]);
  ASSERT_EQ(predictions[0].size(), 2u);
  for (int j = 0; j < 2; ++j) {
    ASSERT_EQ(predictions[0][j].shape(), predictions[1][j].shape());
    for (int64_t k = 0; k < predictions[0][j].size(); ++k) {
      ASSERT_EQ(predictions[0][j].data()[k], predictions[1][j].data()[k]);
    }
  }
  EXPECT_GT(losses[0].front(), losses[0].back());
}

TEST(ModelTest, DataErrorsNameTheDataSetTensorAndShapes) {
  std::unique_ptr<Model> model = TwoHeadModel(1);
  FitOptions fit;
  fit.verbose = false;
  MultiDataset data = TwoHeadData(16, 1);
  MultiDataset one_input = TwoHeadData(16, 1);
  one_input.inputs.pop_back();
  absl::Status s = model->Fit(one_input, nullptr, fit).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("data set 'train' has 1 input tensors and 2 label "
                        "tensors; the model has 2 inputs and 2 outputs"));
  MultiDataset wrong = TwoHeadData(16, 1);
  wrong.inputs[1] = Tensor::Zeros(Shape({16, 5}));
  s = model->Fit(wrong, nullptr, fit).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("data set 'train': input 1 [16,5] do not fit the "
                        "model input [16,4]"));
  MultiDataset bad_label = TwoHeadData(16, 1);
  bad_label.labels[1].data()[7] = 2;
  s = model->Fit(bad_label, nullptr, fit).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("data set 'train': labels 1: example 7 has label 2, "
                        "not a class id in [0, 2)"));
  // The Dataset forms need one input and one output.
  s = model->Evaluate(QuadrantData(4, 8, 1)).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  fit.loss_weights = {1.0f};
  s = model->Fit(data, nullptr, fit).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("loss_weights gives 1 weights for a model of 2 "
                        "outputs"));
}

}  // namespace
}  // namespace dagrad
